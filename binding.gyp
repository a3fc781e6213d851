# node-gyp build of the addon: what node-gyp-build falls back to when no prebuild fits. It
# builds exactly the sources of CMakeLists.txt (test/build-sources.test.ts keeps them equal);
# gyp/libwebrtc.gypi carries the flags that linking Debian's libwebrtc archive needs.
{
  'targets': [{
    'target_name': 'node_otc',
    'includes': ['gyp/libwebrtc.gypi'],
    'defines': ['BOOST_ASIO_NO_DEPRECATED'],
    'include_dirs': ['<!(node -p "require(\'node-addon-api\').include_dir")'],
    'sources': [
      # e2ee
      'cpp/src/e2ee/aead.cpp',
      'cpp/src/e2ee/cipher_suite.cpp',
      'cpp/src/e2ee/codec_prefix.cpp',
      'cpp/src/e2ee/frame_layout.cpp',
      'cpp/src/e2ee/frame_opener.cpp',
      'cpp/src/e2ee/frame_sealer.cpp',
      'cpp/src/e2ee/h264_escape.cpp',
      'cpp/src/e2ee/key_derivation.cpp',
      'cpp/src/e2ee/key_ring.cpp',
      'cpp/src/e2ee/replay_window.cpp',
      'cpp/src/e2ee/secret.cpp',
      'cpp/src/e2ee/secret_installer.cpp',
      'cpp/src/e2ee/sframe_header.cpp',
      # C API
      'cpp/src/otc/connection.cpp',
      'cpp/src/otc/engine_api.cpp',
      'cpp/src/otc/error_names.cpp',
      'cpp/src/otc/frame_cryptor_api.cpp',
      'cpp/src/otc/log.cpp',
      'cpp/src/otc/session_api.cpp',
      'cpp/src/otc/session_link.cpp',
      'cpp/src/otc/sframe_api.cpp',
      'cpp/src/otc/stream.cpp',
      # signaling client (Boost.Beast, nlohmann-json: headers only)
      'cpp/src/signaling/messages.cpp',
      'cpp/src/signaling/signaling_client.cpp',
      'cpp/src/signaling/url.cpp',
      # libwebrtc glue
      'cpp/src/platform/glibc_data_symbols.c',
      'cpp/src/platform/task_queue_current.cpp',
      'cpp/src/platform/yield_policy.cpp',
      'cpp/src/rtc/audio_codec_factories.cpp',
      'cpp/src/rtc/e2ee_frame_transformer.cpp',
      'cpp/src/rtc/media_engine.cpp',
      'cpp/src/rtc/webrtc_log_forwarder.cpp',
      # Node-API binding
      'cpp/addon/addon.cpp',
      'cpp/addon/frame_cryptor_wrap.cpp',
      'cpp/addon/js_thread.cpp',
      'cpp/addon/media_engine_binding.cpp',
      'cpp/addon/napi_util.cpp',
      'cpp/addon/session_wrap.cpp',
      'cpp/addon/sframe_binding.cpp',
    ],
  }],
}
