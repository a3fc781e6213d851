# Compiling against and linking Debian's libwebrtc archive (libtg_owt.a from libtgowt-dev) into
# the addon; the node-gyp twin of cmake/libwebrtc.cmake (see there and docs/platform-facts.md
# section 1 for why each flag is needed). Include it inside the addon's target, which lists the sources itself:
#
#   'targets': [{
#     'target_name': 'node_otc',
#     'includes': ['gyp/libwebrtc.gypi'],
#     'sources': [...],
#   }]
#
# Paths are made absolute through otc_root_dir, which gyp rewrites relative to the including
# .gyp file (it ends in _dir), because compiler and linker run from the build directory.
{
  'variables': {
    'otc_root_dir': '..',
    'otc_libdir': '/usr/lib/<!(cc -print-multiarch)',
  },
  'include_dirs': [
    '../cpp/include',
    '../cpp/src',
  ],
  # The subset of the archive's own build defines that its headers test; they select members
  # and code paths, so they must match the archive.
  'defines': [
    'WEBRTC_POSIX', 'WEBRTC_LINUX',
    'WEBRTC_ENABLE_PROTOBUF=0', 'WEBRTC_APM_DEBUG_DUMP=0', 'WEBRTC_USE_BUILTIN_ISAC_FLOAT',
    'WEBRTC_OPUS_VARIABLE_COMPLEXITY=0', 'WEBRTC_OPUS_SUPPORT_120MS_PTIME=1',
    'WEBRTC_INCLUDE_INTERNAL_AUDIO_DEVICE', 'WEBRTC_USE_H264',
    'WEBRTC_NON_STATIC_TRACE_EVENT_HANDLERS=1', 'WEBRTC_HAVE_DCSCTP', 'WEBRTC_HAVE_SCTP',
    'NO_MAIN_THREAD_WRAPPING', 'HAVE_WEBRTC_VIDEO', 'RTC_ENABLE_VP9', 'RTC_DISABLE_TRACE_EVENTS',
    'BWE_TEST_LOGGING_COMPILE_TIME_ENABLE=0', 'WEBRTC_USE_RNNOISE=0',
    'NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS',
    # As cmake/libwebrtc.cmake: no Napi::Error rethrown through Node's frames while it shuts down.
    'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS',
  ],
  # The archive was built with RTC_DCHECK_IS_ON=1; NDEBUG would change class layouts.
  'defines!': ['NDEBUG'],
  'cflags': [
    '-fPIC', '-fvisibility=hidden', '-UNDEBUG',
    # System include dirs: the archive's headers warn under node's flags; not our code to fix.
    '-isystem/usr/include/tg_owt', '-isystem/usr/include/tg_owt/third_party/libyuv/include',
  ],
  # node's common.gypi asks for gnu++17 without RTTI or exceptions: the archive is C++20 with
  # RTTI (it dynamic_casts objects derived from its interfaces), and node-addon-api reports
  # errors as C++ exceptions.
  'cflags_cc!': ['-fno-rtti', '-fno-exceptions', '-std=gnu++17'],
  'cflags_cc': ['-std=c++20', '-frtti', '-fexceptions', '-fvisibility-inlines-hidden'],
  'ldflags': [
    '-static-libstdc++', '-static-libgcc',
    # Export only the Node-API entry points. The version script is not optional: without it
    # the link fails, because the archive's PIE code reaches its own default-visibility
    # symbols PC-relatively, which needs them to be local.
    '-Wl,--exclude-libs,ALL',
    '-Wl,--version-script=<!(cd "<(otc_root_dir)" && pwd)/cpp/addon/exports.map',
  ],
  'libraries': [
    '<(otc_libdir)/libtg_owt.a',
    '-Wl,--start-group', '<!@(ls <(otc_libdir)/libabsl_*.a)', '-Wl,--end-group',
    '<(otc_libdir)/libprotobuf-lite.a',
    '-lssl', '-lcrypto', '-lsrtp2', '-lvpx', '-lopus', '-lavcodec', '-lavutil',
    '-ljpeg',  # libyuv's MJPEG decoder (SDK video frames)
    '-lpthread', '-ldl',
  ],
}
