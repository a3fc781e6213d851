#include "subscriber_wrap.h"

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "addon_data.h"
#include "napi_util.h"

namespace otc_addon {

namespace {

constexpr napi_type_tag kSubscriberTag = {0x6f74635f73756273ULL, 0x63726962657277ULL};

using Bridge = SubscriberWrap::Bridge;

// Internal thread: post, return. `before` runs on the JS thread ahead of the listener; it
// returns false to drop the event (e.g. media nobody asks for any more).
bool emit(Bridge *bridge, std::function<std::vector<napi_value>(Napi::Env)> args,
          std::function<bool(Bridge &)> before = {}) {
  return bridge->js->post([self = bridge->shared_from_this(), args = std::move(args),
                           before = std::move(before)](Napi::Env env) {
    Napi::HandleScope scope(env);
    if (before && !before(*self)) return;
    Napi::Function on_event = self->on_event.Value();
    if (!on_event.IsEmpty()) on_event.MakeCallback(env.Global(), args(env));
    if (self->subscriber) self->update_keep_alive(env);
  });
}

std::vector<napi_value> named(Napi::Env env, const char *name) {
  return std::vector<napi_value>{Napi::String::New(env, name)};
}

void on_connected(otc_subscriber *, void *user_data) {
  emit(static_cast<Bridge *>(user_data), [](Napi::Env env) { return named(env, "connected"); });
}

void on_disconnected(otc_subscriber *, void *user_data) {
  emit(
      static_cast<Bridge *>(user_data), [](Napi::Env env) { return named(env, "disconnected"); },
      [](Bridge &bridge) {
        bridge.subscribed = false;
        return true;
      });
}

void on_encryption_secret_match(otc_subscriber *, void *user_data) {
  emit(static_cast<Bridge *>(user_data), [](Napi::Env env) { return named(env, "encryptionSecretMatch"); });
}

void on_error(otc_subscriber *, void *user_data, const char *message, otc_status code) {
  emit(static_cast<Bridge *>(user_data), [text = std::string(message ? message : ""), code](Napi::Env env) {
    return std::vector<napi_value>{Napi::String::New(env, "error"), Napi::Number::New(env, code),
                                   Napi::String::New(env, text)};
  });
}

// One decoded frame, its planes packed (stride = row width).
struct VideoFrameCopy {
  int width = 0, height = 0, chroma_width = 0, chroma_height = 0;
  int64_t timestamp_us = 0;
  std::vector<uint8_t> y, u, v;
};

bool copy_plane(const otc_video_frame *frame, otc_video_plane plane, int width, int height,
                std::vector<uint8_t> &out) {
  const uint8_t *data = otc_video_frame_get_plane(frame, plane);
  const int stride = otc_video_frame_get_plane_stride(frame, plane);
  if (!data || stride < width) return false;
  out.resize(static_cast<size_t>(width) * static_cast<size_t>(height));
  for (int row = 0; row < height; ++row)
    std::memcpy(out.data() + static_cast<size_t>(row) * width, data + static_cast<size_t>(row) * stride, width);
  return true;
}

// Media thread: return quickly. Nothing is copied unless JS listens and the queue has room.
void on_render_frame(otc_subscriber *, void *user_data, const otc_video_frame *frame) {
  auto *bridge = static_cast<Bridge *>(user_data);
  if (!frame || !bridge->deliver_video.load(std::memory_order_relaxed)) return;
  if (bridge->video_queued.fetch_add(1, std::memory_order_acq_rel) >= SubscriberWrap::kMaxVideoFramesQueued) {
    bridge->video_queued.fetch_sub(1, std::memory_order_acq_rel);
    bridge->video_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto copy = std::make_shared<VideoFrameCopy>();
  copy->width = otc_video_frame_get_width(frame);
  copy->height = otc_video_frame_get_height(frame);
  copy->chroma_width = (copy->width + 1) / 2;
  copy->chroma_height = (copy->height + 1) / 2;
  copy->timestamp_us = otc_video_frame_get_timestamp_us(frame);
  const bool ok = copy->width > 0 && copy->height > 0 &&
                  copy_plane(frame, OTC_VIDEO_PLANE_Y, copy->width, copy->height, copy->y) &&
                  copy_plane(frame, OTC_VIDEO_PLANE_U, copy->chroma_width, copy->chroma_height, copy->u) &&
                  copy_plane(frame, OTC_VIDEO_PLANE_V, copy->chroma_width, copy->chroma_height, copy->v);
  const bool posted = ok && emit(
      bridge,
      [copy](Napi::Env env) {
        Napi::Object object = Napi::Object::New(env);
        object.Set("width", copy->width);
        object.Set("height", copy->height);
        object.Set("y", copy_to_buffer(env, copy->y.data(), copy->y.size()));
        object.Set("u", copy_to_buffer(env, copy->u.data(), copy->u.size()));
        object.Set("v", copy_to_buffer(env, copy->v.data(), copy->v.size()));
        object.Set("strideY", copy->width);
        object.Set("strideU", copy->chroma_width);
        object.Set("strideV", copy->chroma_width);
        object.Set("timestampUs", Napi::Number::New(env, static_cast<double>(copy->timestamp_us)));
        return std::vector<napi_value>{Napi::String::New(env, "videoFrame"), object};
      },
      [](Bridge &b) {
        b.video_queued.fetch_sub(1, std::memory_order_acq_rel);
        return b.deliver_video.load(std::memory_order_relaxed);
      });
  if (!posted) bridge->video_queued.fetch_sub(1, std::memory_order_acq_rel);
}

void on_audio_data(otc_subscriber *, void *user_data, const int16_t *samples, size_t samples_per_channel,
                   int sample_rate, int channels) {
  auto *bridge = static_cast<Bridge *>(user_data);
  if (!samples || channels <= 0 || !bridge->deliver_audio.load(std::memory_order_relaxed)) return;
  if (bridge->audio_queued.fetch_add(1, std::memory_order_acq_rel) >= SubscriberWrap::kMaxAudioBlocksQueued) {
    bridge->audio_queued.fetch_sub(1, std::memory_order_acq_rel);
    bridge->audio_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto copy = std::make_shared<std::vector<int16_t>>(samples, samples + samples_per_channel * channels);
  const bool posted = emit(
      bridge,
      [copy, sample_rate, channels](Napi::Env env) {
        const size_t bytes = copy->size() * sizeof(int16_t);
        Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
        if (bytes) std::memcpy(buffer.Data(), copy->data(), bytes);
        Napi::Object object = Napi::Object::New(env);
        object.Set("samples", Napi::Int16Array::New(env, copy->size(), buffer, 0));
        object.Set("sampleRate", sample_rate);
        object.Set("channels", channels);
        return std::vector<napi_value>{Napi::String::New(env, "audioData"), object};
      },
      [](Bridge &b) {
        b.audio_queued.fetch_sub(1, std::memory_order_acq_rel);
        return b.deliver_audio.load(std::memory_order_relaxed);
      });
  if (!posted) bridge->audio_queued.fetch_sub(1, std::memory_order_acq_rel);
}

}  // namespace

void SubscriberWrap::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(
      env, "NativeSubscriber",
      {
          InstanceMethod<&SubscriberWrap::GetStats>("getStats"),
          InstanceMethod<&SubscriberWrap::GetMediaCheck>("getMediaCheck"),
          InstanceMethod<&SubscriberWrap::SetSubscribeToAudio>("setSubscribeToAudio"),
          InstanceMethod<&SubscriberWrap::SetSubscribeToVideo>("setSubscribeToVideo"),
          InstanceMethod<&SubscriberWrap::SetVideoFrameDelivery>("setVideoFrameDelivery"),
          InstanceMethod<&SubscriberWrap::SetAudioDataDelivery>("setAudioDataDelivery"),
          InstanceMethod<&SubscriberWrap::GetStreamId>("getStreamId"),
          InstanceMethod<&SubscriberWrap::Delete>("delete"),
          InstanceMethod<&SubscriberWrap::IsDeleted>("isDeleted"),
      });
  addon_data(env).subscriber_class = Napi::Persistent(cls);
  exports.Set("NativeSubscriber", cls);
}

SubscriberWrap::SubscriberWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<SubscriberWrap>(info) {
  Napi::Env env = info.Env();
  SessionWrap *session = SessionWrap::FromArg(info, 0, "session");
  const std::string stream_id = arg_string(info, 1, "streamId");
  if (info.Length() < 3 || !info[2].IsFunction()) throw Napi::TypeError::New(env, "onEvent must be a function");
  session->handle(info);  // throws once the session is deleted
  StreamHandle stream = session->find_stream(stream_id);
  if (!stream)
    throw_status(env, OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM, "the session has no stream " + stream_id);
  tag_object(env, info.This().As<Napi::Object>(), kSubscriberTag);

  bridge_ = std::make_shared<Bridge>();
  bridge_->js = std::make_unique<JsThread>(env, "otc:subscriber");
  bridge_->on_event = Napi::Weak(info[2].As<Napi::Function>());

  otc_subscriber_callbacks callbacks{};
  callbacks.user_data = bridge_.get();
  callbacks.on_connected = on_connected;
  callbacks.on_disconnected = on_disconnected;
  callbacks.on_render_frame = on_render_frame;
  callbacks.on_audio_data = on_audio_data;
  callbacks.on_error = on_error;
  callbacks.on_encryption_secret_match = on_encryption_secret_match;
  subscriber_ = otc_subscriber_new(stream.get(), &callbacks);  // copies the stream's fields
  bridge_->subscriber = subscriber_;
  stream_id_ = stream_id;
  session_ = session;
  session_->attach(this);
  if (napi_add_env_cleanup_hook(env, &SubscriberWrap::on_env_cleanup, this) == napi_ok) env_ = env;
  if (!subscriber_) {
    destroy();
    throw_status(env, OTC_SUBSCRIBER_INTERNAL_ERROR, "otc_subscriber_new failed");
  }
  addon_data(env).subscribers.insert(this);
  registered_ = true;
}

SubscriberWrap::~SubscriberWrap() { destroy(); }

void SubscriberWrap::on_env_cleanup(void *self) {
  auto *wrap = static_cast<SubscriberWrap *>(self);
  wrap->env_ = nullptr;
  wrap->destroy();
}

SubscriberWrap *SubscriberWrap::FromArg(const Napi::CallbackInfo &info, size_t index, const char *name) {
  return Unwrap(arg_tagged(info, index, kSubscriberTag, name, "a NativeSubscriber"));
}

otc_subscriber *SubscriberWrap::handle(const Napi::CallbackInfo &info) {
  if (!subscriber_) throw_status(info.Env(), OTC_E2EE_DELETED, "the subscriber is deleted");
  return subscriber_;
}

void SubscriberWrap::subscribed(Napi::Env env) {
  if (!bridge_) return;
  bridge_->subscribed = true;
  bridge_->update_keep_alive(env);
}

void SubscriberWrap::Bridge::update_keep_alive(Napi::Env) {
  const bool keep = subscribed && subscriber != nullptr;
  if (keep == kept_alive || on_event.IsEmpty()) return;
  kept_alive = keep;
  if (keep) on_event.Ref();
  else on_event.Unref();
}

void SubscriberWrap::destroy() {
  if (env_) {
    napi_remove_env_cleanup_hook(env_, &SubscriberWrap::on_env_cleanup, this);
    env_ = nullptr;
  }
  if (registered_) {  // see PublisherWrap::destroy
    addon_data(Env()).subscribers.erase(this);
    registered_ = false;
  }
  // The subscriber first, while its session still exists (it unsubscribes and joins, so no
  // callback can start), then the attachment, then the queue.
  if (bridge_) {
    bridge_->subscriber = nullptr;
    bridge_->deliver_video = false;
    bridge_->deliver_audio = false;
  }
  if (subscriber_) {
    otc_subscriber_delete(subscriber_);
    subscriber_ = nullptr;
  }
  if (session_) session_->detach(this);
  session_ = nullptr;
  if (bridge_) {
    bridge_->js->close();
    bridge_->on_event.Reset();
    bridge_.reset();
  }
}

Napi::Value SubscriberWrap::GetStats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  otc_subscriber_stats stats{};
  const otc_status status = otc_subscriber_get_stats(handle(info), &stats);
  if (status != OTC_SUCCESS) throw_status(env, status, "otc_subscriber_get_stats failed");
  auto number = [&](double value) { return Napi::Number::New(env, value); };
  auto count = [&](uint64_t value) { return Napi::Number::New(env, static_cast<double>(value)); };
  Napi::Object object = Napi::Object::New(env);
  object.Set("videoFramesOpened", count(stats.video_frames_opened));
  object.Set("audioFramesOpened", count(stats.audio_frames_opened));
  object.Set("framesMismatch", count(stats.frames_mismatch));
  object.Set("framesIntegrityFailure", count(stats.frames_integrity_failure));
  object.Set("framesReplay", count(stats.frames_replay));
  object.Set("framesDroppedOther", count(stats.frames_dropped_other));
  object.Set("framesUnencrypted", count(stats.frames_unencrypted));
  object.Set("mismatchEpisodes", count(stats.mismatch_episodes));
  object.Set("videoFramesDecoded", count(stats.video_frames_decoded));
  object.Set("videoFramesDropped", count(stats.video_frames_dropped));
  object.Set("packetsLost", count(stats.packets_lost));
  object.Set("bytesReceived", count(stats.bytes_received));
  object.Set("videoBitrateBps", number(stats.video_bitrate_bps));
  object.Set("audioBitrateBps", number(stats.audio_bitrate_bps));
  object.Set("videoFps", number(stats.video_fps));
  object.Set("videoWidth", number(stats.video_width));
  object.Set("videoHeight", number(stats.video_height));
  object.Set("rttMs", number(stats.rtt_ms));
  object.Set("jitterBufferDelayMs", number(stats.jitter_buffer_delay_ms));
  object.Set("encryptionEpoch", number(stats.encryption_epoch));
  object.Set("e2ee", Napi::Boolean::New(env, stats.e2ee == OTC_TRUE));
  object.Set("inMismatch", Napi::Boolean::New(env, stats.in_mismatch == OTC_TRUE));
  object.Set("localCandidateType", stats.local_candidate_type);
  object.Set("remoteCandidateType", stats.remote_candidate_type);
  object.Set("relayProtocol", stats.relay_protocol);
  object.Set("videoFramesDroppedForJs", count(bridge_->video_dropped.load(std::memory_order_relaxed)));
  object.Set("audioDataDroppedForJs", count(bridge_->audio_dropped.load(std::memory_order_relaxed)));
  return object;
}

Napi::Value SubscriberWrap::GetMediaCheck(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  otc_media_check check{};
  const otc_status status = otc_subscriber_get_media_check(handle(info), &check);
  if (status != OTC_SUCCESS) throw_status(env, status, "otc_subscriber_get_media_check failed");
  auto number = [&](double value) { return Napi::Number::New(env, value); };
  auto count = [&](uint64_t value) { return Napi::Number::New(env, static_cast<double>(value)); };
  Napi::Object object = Napi::Object::New(env);
  object.Set("framesDecoded", count(check.frames_decoded));
  object.Set("framesReceived", count(check.frames_received));
  object.Set("framesUnreadable", count(check.frames_unreadable));
  object.Set("framesLost", count(check.frames_lost));
  object.Set("framesRepeated", count(check.frames_repeated));
  object.Set("framesOutOfOrder", count(check.frames_out_of_order));
  object.Set("freezes", count(check.freezes));
  object.Set("maxGapMs", number(check.max_gap_ms));
  object.Set("latencyMeanMs", number(check.latency_mean_ms));
  object.Set("latencyP50Ms", number(check.latency_p50_ms));
  object.Set("latencyP95Ms", number(check.latency_p95_ms));
  object.Set("latencyMaxMs", number(check.latency_max_ms));
  object.Set("firstFrameNumber", number(check.first_frame_number));
  object.Set("lastFrameNumber", number(check.last_frame_number));
  object.Set("firstFrameTimeUs", number(static_cast<double>(check.first_frame_time_us)));
  return object;
}

Napi::Value SubscriberWrap::SetSubscribeToAudio(const Napi::CallbackInfo &info) {
  otc_subscriber *subscriber = handle(info);
  const bool enabled = arg_bool(info, 0, "enabled");
  return Napi::Number::New(info.Env(), otc_subscriber_set_subscribe_to_audio(subscriber, enabled ? OTC_TRUE : OTC_FALSE));
}

Napi::Value SubscriberWrap::SetSubscribeToVideo(const Napi::CallbackInfo &info) {
  otc_subscriber *subscriber = handle(info);
  const bool enabled = arg_bool(info, 0, "enabled");
  return Napi::Number::New(info.Env(), otc_subscriber_set_subscribe_to_video(subscriber, enabled ? OTC_TRUE : OTC_FALSE));
}

Napi::Value SubscriberWrap::SetVideoFrameDelivery(const Napi::CallbackInfo &info) {
  handle(info);
  bridge_->deliver_video.store(arg_bool(info, 0, "enabled"), std::memory_order_relaxed);
  return info.Env().Undefined();
}

Napi::Value SubscriberWrap::SetAudioDataDelivery(const Napi::CallbackInfo &info) {
  handle(info);
  bridge_->deliver_audio.store(arg_bool(info, 0, "enabled"), std::memory_order_relaxed);
  return info.Env().Undefined();
}

Napi::Value SubscriberWrap::GetStreamId(const Napi::CallbackInfo &info) {
  const char *id = otc_subscriber_get_stream_id(handle(info));
  return Napi::String::New(info.Env(), id ? id : stream_id_.c_str());
}

Napi::Value SubscriberWrap::Delete(const Napi::CallbackInfo &info) {
  destroy();
  return info.Env().Undefined();
}

Napi::Value SubscriberWrap::IsDeleted(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), subscriber_ == nullptr);
}

}  // namespace otc_addon
