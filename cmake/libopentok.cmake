# libopentok.so: node-otc as a C library, a drop-in for the Linux SDK's (issue 12). Built from the
# very objects the addon links (otc_core + otc_rtc, libwebrtc and the C++ runtime statically, as
# cmake/libwebrtc.cmake sets up), so it depends on no C++ ABI of the host and exports the otc_*
# C functions only (cpp/library/libopentok.map).
#
#   cmake -S . -B build && cmake --build build -j2 && cmake --install build --prefix P
#
# installs P/lib/libopentok.so{,.SOVERSION,.VERSION}, P/include/{opentok.h,opentok/,otc/} and
# P/lib/pkgconfig/libopentok.pc: what the SDK samples look for with LIBOPENTOK_PATH=P or with
# pkg-config (PKG_CONFIG_PATH=P/lib/pkgconfig).
include_guard(GLOBAL)

get_filename_component(OTC_ROOT_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

include(${CMAKE_CURRENT_LIST_DIR}/project_version.cmake)
string(REGEX MATCH "^([0-9]+)\\.([0-9]+)\\." _otc_match "${OTC_PROJECT_VERSION}")
unset(_otc_match)
# The soname changes when the ABI may break, by npm's semver rules: the major version from 1.0.0
# on (libopentok.so.1, .2, ...); before 1.0.0 every minor version may break, so the minor is part
# of it (libopentok.so.0.1 for 0.1.x). Patch releases keep the soname: programs need no relink.
if(CMAKE_MATCH_1 STREQUAL "0")
  set(OTC_LIBRARY_SOVERSION "0.${CMAKE_MATCH_2}")
else()
  set(OTC_LIBRARY_SOVERSION "${CMAKE_MATCH_1}")
endif()

# Fixed "lib", not GNUInstallDirs' lib64 or lib/<multiarch>: the SDK samples look in
# $LIBOPENTOK_PATH/lib and nowhere else.
set(OTC_INSTALL_LIBDIR "lib" CACHE STRING "Where cmake --install puts libopentok.so (under the prefix)")
set(OTC_INSTALL_INCLUDEDIR "include" CACHE STRING "Where cmake --install puts the headers (under the prefix)")

set(_otc_map "${OTC_ROOT_DIR}/cpp/library/libopentok.map")
# otc_core's objects as sources, not its archive: from an archive the linker takes only what
# something already references (the C API is referenced by nobody inside the library), and
# --exclude-libs,ALL would hide what it took.
add_library(opentok SHARED $<TARGET_OBJECTS:otc_core>)
# otc_rtc is an OBJECT library: linked directly, all its objects go in, shims first.
target_link_libraries(opentok PRIVATE otc_rtc otc_libwebrtc OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
set_target_properties(opentok PROPERTIES
  VERSION "${OTC_PROJECT_VERSION}"
  SOVERSION "${OTC_LIBRARY_SOVERSION}"
  LINKER_LANGUAGE CXX
  LINK_DEPENDS "${_otc_map}")
target_link_options(opentok PRIVATE "-Wl,--version-script=${_otc_map}" -Wl,--no-undefined)

install(TARGETS opentok LIBRARY DESTINATION "${OTC_INSTALL_LIBDIR}")
# Every public header, globbed at install time: opentok.h (the SDK's umbrella), opentok/ (the
# SDK's headers) and otc/ (node-otc's additions).
install(DIRECTORY "${OTC_ROOT_DIR}/cpp/include/" DESTINATION "${OTC_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.h")

# libopentok.pc. Libs.private: the shared C libraries the .so itself needs (libwebrtc's codecs,
# SRTP and OpenSSL), only for a static link; a program linking the .so needs -lopentok alone.
set(OTC_LIBRARY_PRIVATE_LIBS "")
# jpeg: libyuv's MJPEG decoder (cmake/libyuv.cmake); pulse: the default audio device.
foreach(_otc_lib IN LISTS OTC_LIBWEBRTC_DYNAMIC_LIBS ITEMS jpeg pulse pthread ${CMAKE_DL_LIBS} m)
  string(APPEND OTC_LIBRARY_PRIVATE_LIBS " -l${_otc_lib}")
endforeach()
unset(_otc_lib)
string(STRIP "${OTC_LIBRARY_PRIVATE_LIBS}" OTC_LIBRARY_PRIVATE_LIBS)
# The prefix is known only when installing (cmake --install --prefix P): the .pc is configured
# twice, at configure time with @OTC_PC_PREFIX@ kept, at install time with the prefix.
set(OTC_PC_PREFIX "@OTC_PC_PREFIX@")
configure_file("${OTC_ROOT_DIR}/cpp/library/libopentok.pc.in" "${CMAKE_BINARY_DIR}/libopentok.pc.in" @ONLY)
install(CODE "
  set(OTC_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  configure_file(\"${CMAKE_BINARY_DIR}/libopentok.pc.in\" \"${CMAKE_BINARY_DIR}/libopentok.pc\" @ONLY)")
install(FILES "${CMAKE_BINARY_DIR}/libopentok.pc" DESTINATION "${OTC_INSTALL_LIBDIR}/pkgconfig")
unset(_otc_map)
