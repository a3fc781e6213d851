# Compiling against and linking Debian's libwebrtc archive (libtg_owt.a from libtgowt-dev).
# Why each flag: the comment beside it, and docs/platform-facts.md section 1. Usage from a
# CMakeLists.txt:
#
#   include(cmake/libwebrtc.cmake)
#   add_library(node_otc MODULE ...)   # sources are listed in CMakeLists.txt
#   target_link_libraries(node_otc PRIVATE otc_libwebrtc)
#   otc_make_node_addon(node_otc)
#
# Every project target that includes a libwebrtc header must link otc_libwebrtc (it carries the
# defines that fix class layouts). Including this file also strips -DNDEBUG from the including
# directory's build-type flags: see cpp/src/rtc/webrtc_build_guard.h for why.
include_guard(GLOBAL)

get_filename_component(OTC_ROOT_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

# The archive's headers must never see NDEBUG; cmake-js builds Release, whose flags carry it.
foreach(_otc_lang C CXX)
  foreach(_otc_config RELEASE RELWITHDEBINFO MINSIZEREL)
    string(REGEX REPLACE "(^| )[-/]DNDEBUG( |$)" " " CMAKE_${_otc_lang}_FLAGS_${_otc_config}
           "${CMAKE_${_otc_lang}_FLAGS_${_otc_config}}")
  endforeach()
endforeach()
unset(_otc_lang)
unset(_otc_config)

find_package(Threads REQUIRED)

# Static: the archive and its C++ dependencies, so the .node depends on no C++ ABI of the host.
find_library(OTC_TG_OWT_ARCHIVE NAMES libtg_owt.a REQUIRED)
find_library(OTC_PROTOBUF_LITE_ARCHIVE NAMES libprotobuf-lite.a REQUIRED)
get_filename_component(_otc_libdir "${OTC_TG_OWT_ARCHIVE}" DIRECTORY)
file(GLOB OTC_ABSL_ARCHIVES "${_otc_libdir}/libabsl_*.a")
if(NOT OTC_ABSL_ARCHIVES)
  message(FATAL_ERROR "no static abseil (libabsl_*.a) next to ${OTC_TG_OWT_ARCHIVE}; install libabsl-dev")
endif()
unset(_otc_libdir)

# Dynamic: C libraries with a stable ABI that Debian ships anyway (libopentok.pc names them too).
set(OTC_LIBWEBRTC_DYNAMIC_LIBS ssl crypto srtp2 vpx opus avcodec avutil)
foreach(_otc_lib IN LISTS OTC_LIBWEBRTC_DYNAMIC_LIBS)
  find_library(OTC_LIB_${_otc_lib} NAMES ${_otc_lib} REQUIRED)
endforeach()

add_library(otc_libwebrtc INTERFACE)
target_include_directories(otc_libwebrtc SYSTEM INTERFACE
  /usr/include/tg_owt
  /usr/include/tg_owt/third_party/libyuv/include)
# The subset of the archive's own build defines (tg_owt::libwebrtcbuild) that headers test;
# they select members and code paths, so they must match the archive.
target_compile_definitions(otc_libwebrtc INTERFACE
  WEBRTC_POSIX WEBRTC_LINUX
  WEBRTC_ENABLE_PROTOBUF=0 WEBRTC_APM_DEBUG_DUMP=0 WEBRTC_USE_BUILTIN_ISAC_FLOAT
  WEBRTC_OPUS_VARIABLE_COMPLEXITY=0 WEBRTC_OPUS_SUPPORT_120MS_PTIME=1
  WEBRTC_INCLUDE_INTERNAL_AUDIO_DEVICE WEBRTC_USE_H264 WEBRTC_NON_STATIC_TRACE_EVENT_HANDLERS=1
  WEBRTC_HAVE_DCSCTP WEBRTC_HAVE_SCTP NO_MAIN_THREAD_WRAPPING HAVE_WEBRTC_VIDEO RTC_ENABLE_VP9
  RTC_DISABLE_TRACE_EVENTS BWE_TEST_LOGGING_COMPILE_TIME_ENABLE=0 WEBRTC_USE_RNNOISE=0)
target_compile_options(otc_libwebrtc INTERFACE
  # Same language level as the archive; RTTI because the archive has it and dynamic_casts
  # objects we derive from its interfaces.
  $<$<COMPILE_LANGUAGE:CXX>:-std=c++20 -frtti>
  # Last word on NDEBUG even if a toolchain file or CXXFLAGS slipped it in.
  -UNDEBUG)
set_property(TARGET otc_libwebrtc PROPERTY INTERFACE_POSITION_INDEPENDENT_CODE ON)

target_link_libraries(otc_libwebrtc INTERFACE
  ${OTC_TG_OWT_ARCHIVE}
  -Wl,--start-group ${OTC_ABSL_ARCHIVES} -Wl,--end-group
  ${OTC_PROTOBUF_LITE_ARCHIVE})
foreach(_otc_lib IN LISTS OTC_LIBWEBRTC_DYNAMIC_LIBS)
  target_link_libraries(otc_libwebrtc INTERFACE ${OTC_LIB_${_otc_lib}})
endforeach()
unset(_otc_lib)
target_link_libraries(otc_libwebrtc INTERFACE Threads::Threads ${CMAKE_DL_LIBS})
target_link_options(otc_libwebrtc INTERFACE
  -static-libstdc++ -static-libgcc
  # Keep the symbols of every static library out of the dynamic symbol table.
  -Wl,--exclude-libs,ALL)

# Turns a MODULE library into a loadable .node. Addon-only: test executables link the same
# objects without it (and can use -Wl,--no-undefined, which a .node cannot: napi_* come from
# the node binary at load time).
function(otc_make_node_addon target)
  set(_map "${OTC_ROOT_DIR}/cpp/addon/exports.map")
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    SUFFIX ".node"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${_map}")
  # Not optional: the archive's PIE code reaches its own default-visibility symbols (template
  # statics, vtables) PC-relatively, which a shared object may do only if they cannot be
  # preempted. The version script makes them local; -fvisibility cannot reach into the archive.
  target_link_options(${target} PRIVATE "-Wl,--version-script=${_map}")
  # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: an event delivered while Node shuts down (a call into
  # JS refused) must not rethrow a Napi::Error through Node's frames, which std::terminate()s the
  # process at exit (seen once in a topology test's client).
  target_compile_definitions(${target} PRIVATE NAPI_VERSION=8 NAPI_CPP_EXCEPTIONS NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fexceptions>)
endfunction()
