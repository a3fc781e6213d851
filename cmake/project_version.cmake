# OTC_PROJECT_VERSION: package.json's version, the one version of the npm package, otc_version()
# and libopentok.so. A change to package.json re-runs the configure step.
include_guard(GLOBAL)

get_filename_component(_otc_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
file(READ "${_otc_root}/package.json" _otc_package_json)
string(JSON OTC_PROJECT_VERSION GET "${_otc_package_json}" version)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_otc_root}/package.json")
if(NOT OTC_PROJECT_VERSION MATCHES "^[0-9]+\\.[0-9]+\\.[0-9]+$")
  message(FATAL_ERROR "package.json's version '${OTC_PROJECT_VERSION}' is not major.minor.patch")
endif()
unset(_otc_package_json)
unset(_otc_root)
