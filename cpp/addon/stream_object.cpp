#include "stream_object.h"

#include "js_object.h"

namespace otc_addon {

namespace {
const char *text_or_empty(const char *text) { return text ? text : ""; }
}  // namespace

StreamFields::StreamFields(const otc_stream *s)
    : id(text_or_empty(otc_stream_get_id(s))), name(text_or_empty(otc_stream_get_name(s))),
      connection_id(text_or_empty(otc_connection_get_id(otc_stream_get_connection(s)))),
      video_codec(text_or_empty(otc_stream_get_video_codec(s))),
      audio_codec(text_or_empty(otc_stream_get_audio_codec(s))),
      has_audio(otc_stream_has_audio(s) == OTC_TRUE), has_video(otc_stream_has_video(s) == OTC_TRUE),
      e2ee(otc_stream_is_e2ee(s) == OTC_TRUE), creation_time(otc_stream_get_creation_time(s)),
      video_width(otc_stream_get_video_width(s)), video_height(otc_stream_get_video_height(s)) {}

Napi::Object StreamFields::to_js(Napi::Env env) const {
  Napi::Object object = with_numbers(env, {{"creationTime", creation_time}});
  for (const auto &[key, text] : {std::pair{"streamId", &id}, std::pair{"name", &name},
                                  std::pair{"connectionId", &connection_id}, std::pair{"videoCodec", &video_codec},
                                  std::pair{"audioCodec", &audio_codec}})
    object.Set(key, *text);
  for (const auto &[key, flag] : {std::pair{"hasAudio", has_audio}, std::pair{"hasVideo", has_video},
                                  std::pair{"e2ee", e2ee}})
    object.Set(key, flag);
  if (video_width > 0 && video_height > 0) {
    object.Set("videoWidth", video_width);
    object.Set("videoHeight", video_height);
  }
  return object;
}

EndFields::EndFields(const char *why, otc_status status) : reason(why ? why : "unknown"), code(status) {}

Napi::Object EndFields::to_js(Napi::Env env) const {
  Napi::Object object = Napi::Object::New(env);
  object.Set("reason", reason);
  object.Set("code", code);
  return object;
}

ConnectionFields::ConnectionFields(const otc_connection *c)
    : id(text_or_empty(otc_connection_get_id(c))), data(text_or_empty(otc_connection_get_data(c))),
      creation_time(otc_connection_get_creation_time(c)) {}

Napi::Object ConnectionFields::to_js(Napi::Env env) const {
  Napi::Object object = with_numbers(env, {{"creationTime", creation_time}});
  object.Set("connectionId", id);
  object.Set("data", data);
  return object;
}

}  // namespace otc_addon
