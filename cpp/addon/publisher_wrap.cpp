#include "publisher_wrap.h"

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "addon_data.h"
#include "napi_util.h"

namespace otc_addon {

namespace {

constexpr napi_type_tag kPublisherTag = {0x6f74635f7075626cULL, 0x69736865725f7772ULL};

using Bridge = PublisherWrap::Bridge;
using BridgeAction = std::function<void(Bridge &)>;

// Internal thread: copy, post, return. `before` runs on the JS thread ahead of the listener and
// updates the publishing state, so a listener sees (and may change) the state after the event.
void emit(Bridge *bridge, std::function<std::vector<napi_value>(Napi::Env)> args, BridgeAction before) {
  bridge->js->post([self = bridge->shared_from_this(), args = std::move(args),
                    before = std::move(before)](Napi::Env env) {
    Napi::HandleScope scope(env);
    if (before) before(*self);
    Napi::Function on_event = self->on_event.Value();
    if (!on_event.IsEmpty()) on_event.MakeCallback(env.Global(), args(env));
    // The listener may have deleted the publisher; if not, hold the loop as the state says.
    if (self->publisher) self->update_keep_alive(env);
  });
}

void on_stream_created(otc_publisher *, void *user_data, const otc_stream *stream) {
  if (!stream) return;
  StreamInfo info(stream);
  StreamHandle copy = copy_stream(stream);
  emit(
      static_cast<Bridge *>(user_data),
      [info](Napi::Env env) {
        return std::vector<napi_value>{Napi::String::New(env, "streamCreated"), info.to_js(env)};
      },
      [id = info.id, copy = std::move(copy)](Bridge &bridge) {
        bridge.stream_created = true;
        bridge.stream_id = id;
        // The session may not report its own streams: keep the copy there too, so this client
        // can subscribe to its own stream by id.
        if (auto session = bridge.session.lock(); session && session->session && copy)
          session->streams.emplace(id, copy);
      });
}

void on_stream_destroyed(otc_publisher *, void *user_data, const otc_stream *stream) {
  if (!stream) return;
  StreamInfo info(stream);
  emit(
      static_cast<Bridge *>(user_data),
      [info](Napi::Env env) {
        return std::vector<napi_value>{Napi::String::New(env, "streamDestroyed"), info.to_js(env)};
      },
      [id = info.id](Bridge &bridge) {
        if (auto session = bridge.session.lock()) session->streams.erase(id);
        if (bridge.stream_id == id || !bridge.stream_created) {
          bridge.published = false;
          bridge.stream_created = false;
          bridge.stream_id.clear();
        }
      });
}

void on_error(otc_publisher *, void *user_data, const char *message, otc_status code) {
  emit(
      static_cast<Bridge *>(user_data),
      [text = std::string(message ? message : ""), code](Napi::Env env) {
        return std::vector<napi_value>{Napi::String::New(env, "error"), Napi::Number::New(env, code),
                                       Napi::String::New(env, text)};
      },
      [](Bridge &bridge) {
        // An error before the stream exists ends the attempt (no 'streamCreated' follows).
        if (!bridge.stream_created) bridge.published = false;
      });
}

// A settings property: undefined when absent, else it must be of the kind asked for.
Napi::Value setting(Napi::Object settings, const char *key) { return settings.Get(key); }

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

using SettingsHandle = std::unique_ptr<otc_publisher_settings, void (*)(otc_publisher_settings *)>;

// Reads and applies every setting; throws before anything else is created.
SettingsHandle parse_settings(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject() || info[0].IsArray() || info[0].IsFunction())
    throw Napi::TypeError::New(env, "settings must be an object");
  Napi::Object object = info[0].As<Napi::Object>();
  SettingsHandle settings(otc_publisher_settings_new(), otc_publisher_settings_delete);
  if (!settings) throw_status(env, OTC_MEDIA_ENGINE_FAILURE, "out of memory");

  Napi::Value name = setting(object, "name");
  if (!name.IsUndefined()) {
    if (!name.IsString()) setting_type_error(env, "name", "a string");
    const std::string text = name.As<Napi::String>().Utf8Value();
    if (text.find('\0') != std::string::npos)
      throw_status(env, OTC_MEDIA_INVALID_PARAMETER, "settings.name must not contain NUL");
    check_setting(env, otc_publisher_settings_set_name(settings.get(), text.c_str()), "name (at most 1024 bytes)");
  }
  for (const char *key : {"audio", "video"}) {
    Napi::Value value = setting(object, key);
    if (value.IsUndefined()) continue;
    if (!value.IsBoolean()) setting_type_error(env, key, "a boolean");
    const otc_bool enabled = value.As<Napi::Boolean>().Value() ? OTC_TRUE : OTC_FALSE;
    check_setting(env,
                  key[0] == 'a' ? otc_publisher_settings_set_audio_track(settings.get(), enabled)
                                : otc_publisher_settings_set_video_track(settings.get(), enabled),
                  key);
  }
  Napi::Value codec = setting(object, "videoCodec");
  if (!codec.IsUndefined()) {
    const std::string text = codec.IsString() ? codec.As<Napi::String>().Utf8Value() : "";
    otc_video_codec value;
    if (text == "VP8") value = OTC_VIDEO_CODEC_VP8;
    else if (text == "VP9") value = OTC_VIDEO_CODEC_VP9;
    else if (text == "H264") value = OTC_VIDEO_CODEC_H264;
    else setting_type_error(env, "videoCodec", "'VP8', 'VP9' or 'H264'");
    check_setting(env, otc_publisher_settings_set_video_codec(settings.get(), value), "videoCodec");
  }
  Napi::Value source = setting(object, "videoSource");
  if (!source.IsUndefined()) {
    const std::string text = source.IsString() ? source.As<Napi::String>().Utf8Value() : "";
    otc_video_source value;
    if (text == "testPattern") value = OTC_VIDEO_SOURCE_TEST_PATTERN;
    else if (text == "pushed") value = OTC_VIDEO_SOURCE_PUSHED;
    else setting_type_error(env, "videoSource", "'testPattern' or 'pushed'");
    check_setting(env, otc_publisher_settings_set_video_source(settings.get(), value), "videoSource");
  }
  Napi::Value pattern = setting(object, "testPattern");
  if (!pattern.IsUndefined()) {
    if (!pattern.IsObject() || pattern.IsArray() || pattern.IsFunction())
      setting_type_error(env, "testPattern", "an object { width, height, fps }");
    Napi::Object p = pattern.As<Napi::Object>();
    const int width = int_setting(env, p, "width", "testPattern.width");
    const int height = int_setting(env, p, "height", "testPattern.height");
    const int fps = int_setting(env, p, "fps", "testPattern.fps");
    check_setting(env, otc_publisher_settings_set_test_pattern(settings.get(), width, height, fps),
                  "testPattern (even sizes 64x64..1920x1080, 1..60 fps)");
  }
  return settings;
}

}  // namespace

void PublisherWrap::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(
      env, "NativePublisher",
      {
          InstanceMethod<&PublisherWrap::PushVideoFrame>("pushVideoFrame"),
          InstanceMethod<&PublisherWrap::SetPublishAudio>("setPublishAudio"),
          InstanceMethod<&PublisherWrap::SetPublishVideo>("setPublishVideo"),
          InstanceMethod<&PublisherWrap::GetStats>("getStats"),
          InstanceMethod<&PublisherWrap::GetStreamId>("getStreamId"),
          InstanceMethod<&PublisherWrap::Delete>("delete"),
          InstanceMethod<&PublisherWrap::IsDeleted>("isDeleted"),
      });
  addon_data(env).publisher_class = Napi::Persistent(cls);
  exports.Set("NativePublisher", cls);
}

PublisherWrap::PublisherWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<PublisherWrap>(info) {
  Napi::Env env = info.Env();
  SettingsHandle settings = parse_settings(info);
  if (info.Length() < 2 || !info[1].IsFunction()) throw Napi::TypeError::New(env, "onEvent must be a function");
  tag_object(env, info.This().As<Napi::Object>(), kPublisherTag);

  bridge_ = std::make_shared<Bridge>();
  bridge_->js = std::make_unique<JsThread>(env, "otc:publisher");
  // Weak while not published (the callback closes over the JS Publisher, which owns this).
  bridge_->on_event = Napi::Weak(info[1].As<Napi::Function>());

  otc_publisher_callbacks callbacks{};
  callbacks.user_data = bridge_.get();
  callbacks.on_stream_created = on_stream_created;
  callbacks.on_stream_destroyed = on_stream_destroyed;
  callbacks.on_error = on_error;
  publisher_ = otc_publisher_new_with_settings(&callbacks, settings.get());
  bridge_->publisher = publisher_;
  // At environment shutdown this runs before Node finalizes the queue (see SessionWrap).
  if (napi_add_env_cleanup_hook(env, &PublisherWrap::on_env_cleanup, this) == napi_ok) env_ = env;
  if (!publisher_) {
    destroy();
    throw_status(env, OTC_MEDIA_INVALID_PARAMETER, "invalid publisher settings (audio and video both off?)");
  }
  addon_data(env).publishers.insert(this);
  registered_ = true;
}

PublisherWrap::~PublisherWrap() { destroy(); }

void PublisherWrap::on_env_cleanup(void *self) {
  auto *wrap = static_cast<PublisherWrap *>(self);
  wrap->env_ = nullptr;
  wrap->destroy();
}

PublisherWrap *PublisherWrap::FromArg(const Napi::CallbackInfo &info, size_t index, const char *name) {
  return Unwrap(arg_tagged(info, index, kPublisherTag, name, "a NativePublisher"));
}

otc_publisher *PublisherWrap::handle(const Napi::CallbackInfo &info) {
  if (!publisher_) throw_status(info.Env(), OTC_E2EE_DELETED, "the publisher is deleted");
  return publisher_;
}

void PublisherWrap::detach_session() {
  if (session_) session_->detach(this);
  session_ = nullptr;
  if (bridge_) bridge_->session.reset();
}

void PublisherWrap::published_in(Napi::Env env, SessionWrap *session) {
  if (session_ != session) {
    detach_session();
    session_ = session;
    session_->attach(this);
  }
  bridge_->session = session->bridge();
  bridge_->published = true;
  bridge_->stream_created = false;
  bridge_->stream_id.clear();
  bridge_->update_keep_alive(env);
}

void PublisherWrap::unpublish_called(Napi::Env env) {
  if (!bridge_) return;
  if (!bridge_->stream_created) bridge_->published = false;
  bridge_->update_keep_alive(env);
}

void PublisherWrap::session_disconnected(Napi::Env env) {
  if (!bridge_) return;
  bridge_->published = false;
  bridge_->stream_created = false;
  bridge_->update_keep_alive(env);
}

void PublisherWrap::session_gone(SessionWrap *session, otc_session *handle) {
  if (session != session_) return;
  // The C publisher must not refer to the session once it is deleted: unpublish now (a
  // publisher not published there answers OTC_SESSION_PUBLISHER_NOT_FOUND, which is fine).
  if (publisher_ && handle) otc_session_unpublish(handle, publisher_);
  if (bridge_) {
    bridge_->published = false;
    bridge_->stream_created = false;
    bridge_->update_keep_alive(Env());
  }
  session_ = nullptr;  // the session clears its own set
  if (bridge_) bridge_->session.reset();
}

void PublisherWrap::Bridge::update_keep_alive(Napi::Env env) {
  const bool keep = published && publisher != nullptr;
  if (keep == kept_alive || on_event.IsEmpty()) return;
  kept_alive = keep;
  js->hold_loop(env, keep);
  if (keep) on_event.Ref();
  else on_event.Unref();
}

void PublisherWrap::destroy() {
  if (env_) {
    napi_remove_env_cleanup_hook(env_, &PublisherWrap::on_env_cleanup, this);
    env_ = nullptr;
  }
  // The registry goes with the environment's instance data, after every cleanup hook has run:
  // the first destroy() (at the latest in the hook) still finds it.
  if (registered_) {
    addon_data(Env()).publishers.erase(this);
    registered_ = false;
  }
  // The publisher first (unpublishes while the session is still there, joins its threads, so
  // no callback can start), then the attachment, then the queue.
  if (bridge_) bridge_->publisher = nullptr;
  if (publisher_) {
    otc_publisher_delete(publisher_);
    publisher_ = nullptr;
  }
  if (bridge_ && bridge_->stream_created) {
    if (auto session = bridge_->session.lock()) session->streams.erase(bridge_->stream_id);
  }
  detach_session();
  if (bridge_) {
    bridge_->js->close();
    bridge_->on_event.Reset();
    bridge_.reset();
  }
}

Napi::Value PublisherWrap::PushVideoFrame(const Napi::CallbackInfo &info) {
  otc_publisher *publisher = handle(info);
  otc_video_frame_format format;
  const std::string text = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (text == "I420") format = OTC_VIDEO_FRAME_FORMAT_I420;
  else if (text == "RGBA") format = OTC_VIDEO_FRAME_FORMAT_RGBA;
  else throw Napi::TypeError::New(info.Env(), "format must be 'I420' or 'RGBA'");
  const int width = arg_int(info, 1, "width");
  const int height = arg_int(info, 2, "height");
  Napi::Uint8Array data = arg_bytes(info, 3, "data");
  // The C API copies (or converts) the frame before it returns.
  return Napi::Number::New(info.Env(), otc_publisher_push_video_frame(publisher, format, width, height,
                                                                      data.Data(), data.ByteLength()));
}

Napi::Value PublisherWrap::SetPublishAudio(const Napi::CallbackInfo &info) {
  otc_publisher *publisher = handle(info);
  const bool enabled = arg_bool(info, 0, "enabled");
  return Napi::Number::New(info.Env(), otc_publisher_set_publish_audio(publisher, enabled ? OTC_TRUE : OTC_FALSE));
}

Napi::Value PublisherWrap::SetPublishVideo(const Napi::CallbackInfo &info) {
  otc_publisher *publisher = handle(info);
  const bool enabled = arg_bool(info, 0, "enabled");
  return Napi::Number::New(info.Env(), otc_publisher_set_publish_video(publisher, enabled ? OTC_TRUE : OTC_FALSE));
}

Napi::Value PublisherWrap::GetStats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  otc_publisher_stats stats{};
  const otc_status status = otc_publisher_get_stats(handle(info), &stats);
  if (status != OTC_SUCCESS) throw_status(env, status, "otc_publisher_get_stats failed");
  auto number = [&](double value) { return Napi::Number::New(env, value); };
  Napi::Object object = Napi::Object::New(env);
  object.Set("subscribers", number(stats.subscribers));
  object.Set("videoFramesSealed", number(static_cast<double>(stats.video_frames_sealed)));
  object.Set("audioFramesSealed", number(static_cast<double>(stats.audio_frames_sealed)));
  object.Set("videoFramesSent", number(static_cast<double>(stats.video_frames_sent)));
  object.Set("audioFramesSent", number(static_cast<double>(stats.audio_frames_sent)));
  object.Set("sealErrors", number(static_cast<double>(stats.seal_errors)));
  object.Set("videoFramesCaptured", number(static_cast<double>(stats.video_frames_captured)));
  object.Set("bytesSent", number(static_cast<double>(stats.bytes_sent)));
  object.Set("videoBitrateBps", number(stats.video_bitrate_bps));
  object.Set("audioBitrateBps", number(stats.audio_bitrate_bps));
  object.Set("videoFps", number(stats.video_fps));
  object.Set("videoWidth", number(stats.video_width));
  object.Set("videoHeight", number(stats.video_height));
  object.Set("rttMs", number(stats.rtt_ms));
  object.Set("encryptionEpoch", number(stats.encryption_epoch));
  object.Set("e2ee", Napi::Boolean::New(env, stats.e2ee == OTC_TRUE));
  object.Set("subscribersRefused", number(static_cast<double>(stats.subscribers_refused)));
  object.Set("localCandidateType", stats.local_candidate_type);
  object.Set("remoteCandidateType", stats.remote_candidate_type);
  object.Set("relayProtocol", stats.relay_protocol);
  return object;
}

Napi::Value PublisherWrap::GetStreamId(const Napi::CallbackInfo &info) {
  const char *id = otc_publisher_get_stream_id(handle(info));
  if (!id) return info.Env().Null();
  return Napi::String::New(info.Env(), id);
}

Napi::Value PublisherWrap::Delete(const Napi::CallbackInfo &info) {
  destroy();
  return info.Env().Undefined();
}

Napi::Value PublisherWrap::IsDeleted(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), publisher_ == nullptr);
}

}  // namespace otc_addon
