// What the session's and the publisher's events hand JS about a stream or a connection. The C
// objects are valid only during the callback that hands them over: their fields are copied
// there (any thread) and made into a JS object on the JS thread.
#pragma once

#include <napi.h>
#include <otc/otc.h>

#include <cstdint>
#include <string>

namespace otc_addon {

struct StreamFields {
  explicit StreamFields(const otc_stream *stream);
  Napi::Object to_js(Napi::Env env) const;

  std::string id, name, connection_id, video_codec, audio_codec;
  bool has_audio = false, has_video = false, e2ee = false;
  int64_t creation_time = 0;
  int video_width = 0, video_height = 0;  // 0 x 0: not said yet (left out of the JS object)
};

// Why a stream, a connection, the session or a subscription ended (the C API's node-otc
// end-reason accessors), as JS's { reason, code }. A null reason (none reported) is "unknown".
struct EndFields {
  EndFields(const char *reason, otc_status code);
  Napi::Object to_js(Napi::Env env) const;

  std::string reason;
  int code = 0;
};

struct ConnectionFields {
  explicit ConnectionFields(const otc_connection *connection);
  Napi::Object to_js(Napi::Env env) const;

  std::string id, data;
  int64_t creation_time = 0;
};

}  // namespace otc_addon
