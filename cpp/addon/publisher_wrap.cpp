#include "publisher_wrap.h"

#include <cmath>
#include <string>
#include <vector>

#include "js_object.h"
#include "session_wrap.h"
#include "stream_object.h"

namespace otc_addon {

namespace {

EventEmitter &events_of(void *user_data) { return *static_cast<EventEmitter *>(user_data); }

void emit_stream(void *user_data, const char *name, const otc_stream *stream) {
  if (!stream) return;
  events_of(user_data).emit([name, fields = StreamFields(stream)](Napi::Env env) {
    return std::vector<napi_value>{Napi::String::New(env, name), fields.to_js(env)};
  });
}

otc_publisher_callbacks publisher_callbacks(EventEmitter &events) {
  otc_publisher_callbacks callbacks{};
  callbacks.user_data = &events;
  callbacks.on_stream_created = [](otc_publisher *, void *user_data, const otc_stream *stream) {
    emit_stream(user_data, "streamCreated", stream);
  };
  callbacks.on_stream_destroyed = [](otc_publisher *, void *user_data, const otc_stream *stream) {
    if (!stream) return;
    events_of(user_data).emit([fields = StreamFields(stream), end = EndFields(otc_stream_get_destroyed_reason(stream),
                                                                               otc_stream_get_destroyed_code(stream))](Napi::Env env) {
      return std::vector<napi_value>{Napi::String::New(env, "streamDestroyed"), fields.to_js(env), end.to_js(env)};
    });
  };
  callbacks.on_error = [](otc_publisher *, void *user_data, const char *message, otc_publisher_error_code code) {
    events_of(user_data).emit_error(code, message);
  };
  return callbacks;
}

[[noreturn]] void setting_type_error(Napi::Env env, const std::string &name, const char *want) {
  throw Napi::TypeError::New(env, "settings." + name + " must be " + want);
}

// An integer setting: a TypeError when not an integer number, OTC_MEDIA_INVALID_PARAMETER when
// outside int32 (the C API's ranges are narrower still and refuse it with the same code).
int int_setting(Napi::Env env, Napi::Object object, const char *key, const std::string &name) {
  Napi::Value value = object.Get(key);
  if (!value.IsNumber()) setting_type_error(env, name, "an integer");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || number != std::trunc(number)) setting_type_error(env, name, "an integer");
  if (number < INT32_MIN || number > INT32_MAX)
    throw_status(env, OTC_MEDIA_INVALID_PARAMETER, "settings." + name + " is out of range");
  return static_cast<int>(number);
}

void check_setting(Napi::Env env, otc_status status, const std::string &what) {
  if (status != OTC_SUCCESS) throw_status(env, status, "invalid publisher setting " + what);
}

using SettingsHandle = std::unique_ptr<otc_publisher_settings, otc_status (*)(otc_publisher_settings *)>;

// Reads and applies every setting; throws before anything else is created.
SettingsHandle parse_settings(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject() || info[0].IsArray() || info[0].IsFunction())
    throw Napi::TypeError::New(env, "settings must be an object");
  Napi::Object object = info[0].As<Napi::Object>();
  SettingsHandle settings(otc_publisher_settings_new(), otc_publisher_settings_delete);
  if (!settings) throw_status(env, OTC_MEDIA_ENGINE_FAILURE, "out of memory");

  if (Napi::Value name = object.Get("name"); !name.IsUndefined()) {
    if (!name.IsString()) setting_type_error(env, "name", "a string");
    const std::string text = name.As<Napi::String>().Utf8Value();
    if (text.find('\0') != std::string::npos)
      throw_status(env, OTC_MEDIA_INVALID_PARAMETER, "settings.name must not contain NUL");
    check_setting(env, otc_publisher_settings_set_name(settings.get(), text.c_str()), "name (at most 1024 bytes)");
  }
  for (const char *key : {"audio", "video"}) {
    Napi::Value value = object.Get(key);
    if (value.IsUndefined()) continue;
    if (!value.IsBoolean()) setting_type_error(env, key, "a boolean");
    const otc_bool enabled = value.As<Napi::Boolean>().Value() ? OTC_TRUE : OTC_FALSE;
    check_setting(env,
                  key[0] == 'a' ? otc_publisher_settings_set_audio_track(settings.get(), enabled)
                                : otc_publisher_settings_set_video_track(settings.get(), enabled),
                  key);
  }
  if (Napi::Value codec = object.Get("videoCodec"); !codec.IsUndefined()) {
    const otc_video_codec_type value = arg_choice<otc_video_codec_type>(
        env, codec, {{"VP8", OTC_VIDEO_CODEC_VP8}, {"VP9", OTC_VIDEO_CODEC_VP9}, {"H264", OTC_VIDEO_CODEC_H264}},
        "settings.videoCodec", "'VP8', 'VP9' or 'H264'");
    check_setting(env, otc_publisher_settings_set_video_codec(settings.get(), value), "videoCodec");
  }
  // The test pattern unless settings say otherwise: the Node API's documented default (the C
  // API's default source is the SDK's camera, through OTC_VIDEO_CAPTURER).
  check_setting(env, otc_publisher_settings_set_video_source(settings.get(), OTC_VIDEO_SOURCE_TEST_PATTERN),
                "videoSource");
  if (Napi::Value source = object.Get("videoSource"); !source.IsUndefined()) {
    const otc_video_source value = arg_choice<otc_video_source>(
        env, source, {{"testPattern", OTC_VIDEO_SOURCE_TEST_PATTERN}, {"pushed", OTC_VIDEO_SOURCE_PUSHED}},
        "settings.videoSource", "'testPattern' or 'pushed'");
    check_setting(env, otc_publisher_settings_set_video_source(settings.get(), value), "videoSource");
  }
  if (Napi::Value pattern = object.Get("testPattern"); !pattern.IsUndefined()) {
    if (!pattern.IsObject() || pattern.IsArray() || pattern.IsFunction())
      setting_type_error(env, "testPattern", "an object { width, height, fps }");
    Napi::Object p = pattern.As<Napi::Object>();
    const int width = int_setting(env, p, "width", "testPattern.width");
    const int height = int_setting(env, p, "height", "testPattern.height");
    const int fps = int_setting(env, p, "fps", "testPattern.fps");
    check_setting(env, otc_publisher_settings_set_test_pattern(settings.get(), width, height, fps),
                  "testPattern (even sizes 64x64..1920x1080, 1..60 fps)");
  }
  // Last: the video codec follows the file's.
  if (Napi::Value media = object.Get("encodedMedia"); !media.IsUndefined()) {
    if (!media.IsObject() || media.IsArray() || media.IsFunction())
      setting_type_error(env, "encodedMedia", "an object { video?, audio?, frameRate? }");
    Napi::Object m = media.As<Napi::Object>();
    std::string paths[2];
    bool given[2] = {false, false};
    const char *keys[2] = {"video", "audio"};
    for (int i = 0; i < 2; ++i) {
      Napi::Value path = m.Get(keys[i]);
      if (path.IsUndefined()) continue;
      if (!path.IsString()) setting_type_error(env, std::string("encodedMedia.") + keys[i], "a string (a file path)");
      paths[i] = path.As<Napi::String>().Utf8Value();
      if (paths[i].find('\0') != std::string::npos)
        throw_status(env, OTC_MEDIA_INVALID_PARAMETER, std::string("settings.encodedMedia.") + keys[i] + " must not contain NUL");
      given[i] = true;
    }
    check_setting(env,
                  otc_publisher_settings_set_encoded_media(settings.get(), given[0] ? paths[0].c_str() : nullptr,
                                                           given[1] ? paths[1].c_str() : nullptr),
                  "encodedMedia (a video or an audio file, non-empty paths of at most 4096 bytes)");
    if (!m.Get("frameRate").IsUndefined()) {
      const int fps = int_setting(env, m, "frameRate", "encodedMedia.frameRate");
      check_setting(env, otc_publisher_settings_set_encoded_frame_rate(settings.get(), fps), "encodedMedia.frameRate (1..120)");
    }
  }
  return settings;
}

}  // namespace

PublisherWrap::PublisherWrap(const Napi::CallbackInfo &info) : NativeWrap(info) {
  Napi::Env env = info.Env();
  SettingsHandle settings = parse_settings(info);
  const otc_publisher_callbacks callbacks =
      publisher_callbacks(open_events(env, "otc:publisher", info.Length() > 1 ? info[1] : env.Undefined()));
  if (!own(env, Owned(otc_publisher_new_with_settings(&callbacks, settings.get()), otc_publisher_delete)))
    throw_status(env, OTC_MEDIA_INVALID_PARAMETER, "invalid publisher settings (audio and video both off?)");
  // node-otc's addition, with the same user_data (the events).
  otc_publisher_set_mute_forced_callback(owned().get(), [](otc_publisher *, void *user_data) {
    events_of(user_data).emit("muteForced");
  });
}

void PublisherWrap::published_in(SessionWrap *session) {
  if (session_ == session) return;
  if (session_) session_->detach(this);
  session_ = session;
  session_->attach(this);
}

void PublisherWrap::session_gone(otc_session *session) {
  // The C publisher must not refer to the session once it is deleted: unpublish now (a
  // publisher not published there answers OTC_SESSION_PUBLISHER_NOT_FOUND, which is fine).
  if (owned() && session) otc_session_unpublish(session, owned().get());
  session_ = nullptr;  // the session clears its own set
  retain_events(false);
}

void PublisherWrap::after_release() {
  if (session_) session_->detach(this);
  session_ = nullptr;
}

namespace {

Napi::Value PushVideoFrame(PublisherWrap &self, const Napi::CallbackInfo &info) {
  otc_publisher *publisher = self.handle(info);
  // TypeScript names formats by memory order: its 'RGBA' (bytes R, G, B, A) is the SDK's ABGR32,
  // which is named after the little-endian 32-bit word (opentok/video_frame.h).
  const otc_video_frame_format format = arg_choice<otc_video_frame_format>(
      info.Env(), info.Length() > 0 ? info[0] : info.Env().Undefined(),
      {{"I420", OTC_VIDEO_FRAME_FORMAT_YUV420P}, {"RGBA", OTC_VIDEO_FRAME_FORMAT_ABGR32}}, "format",
      "'I420' or 'RGBA'");
  const int width = arg_int(info, 1, "width");
  const int height = arg_int(info, 2, "height");
  Napi::Uint8Array data = arg_bytes(info, 3, "data");
  // The C API copies (or converts) the frame before it returns.
  return Napi::Number::New(info.Env(), otc_publisher_push_video_frame(publisher, format, width, height,
                                                                      data.Data(), data.ByteLength()));
}

Napi::Value SetPublishAudio(PublisherWrap &self, const Napi::CallbackInfo &info) {
  return call_with_flag(info, self.handle(info), otc_publisher_set_publish_audio);
}

Napi::Value SetPublishVideo(PublisherWrap &self, const Napi::CallbackInfo &info) {
  return call_with_flag(info, self.handle(info), otc_publisher_set_publish_video);
}

Napi::Value GetStats(PublisherWrap &self, const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  otc_publisher_stats s{};
  const otc_status status = otc_publisher_get_stats(self.handle(info), &s);
  if (status != OTC_SUCCESS) throw_status(env, status, "otc_publisher_get_stats failed");
  Napi::Object object = with_numbers(
      env, {OTC_FIELDS(s, subscribers, video_frames_sealed, audio_frames_sealed, video_frames_sent, audio_frames_sent,
                       seal_errors, video_frames_captured, bytes_sent, video_bitrate_bps, audio_bitrate_bps, video_fps,
                       video_width, video_height, rtt_ms, encryption_epoch, subscribers_refused)});
  object.Set("e2ee", Napi::Boolean::New(env, s.e2ee == OTC_TRUE));
  return with_texts(env, {OTC_FIELDS(s, local_candidate_type, remote_candidate_type, relay_protocol)}, object);
}

Napi::Value GetStreamId(PublisherWrap &self, const Napi::CallbackInfo &info) {
  const char *id = otc_publisher_get_stream_id(self.handle(info));
  return id ? Napi::String::New(info.Env(), id) : info.Env().Null();
}

}  // namespace

void PublisherWrap::Register(Napi::Env env, Napi::Object exports) {
  exports.Set(kInfo.class_name,
              Define(env, {OTC_METHODS(PushVideoFrame, SetPublishAudio, SetPublishVideo, GetStats, GetStreamId)}));
}

}  // namespace otc_addon
