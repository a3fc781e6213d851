#include "subscriber_wrap.h"

#include <cstring>
#include <string>
#include <vector>

#include "js_object.h"
#include "session_wrap.h"
#include "stream_object.h"

namespace otc_addon {

namespace {

using Delivery = SubscriberWrap::Delivery;

Delivery &delivery_of(void *user_data) { return *static_cast<Delivery *>(user_data); }

// One decoded frame, its planes packed (stride = row width).
struct VideoFrameCopy {
  int width = 0, height = 0, chroma_width = 0, chroma_height = 0;
  int64_t timestamp_us = 0;
  std::vector<uint8_t> y, u, v;
};

bool copy_plane(const otc_video_frame *frame, enum otc_video_frame_plane plane, int width, int height,
                std::vector<uint8_t> &out) {
  const uint8_t *data = otc_video_frame_get_plane_binary_data(frame, plane);
  const int stride = otc_video_frame_get_plane_stride(frame, plane);
  if (!data || stride < width) return false;
  out.resize(static_cast<size_t>(width) * static_cast<size_t>(height));
  for (int row = 0; row < height; ++row)
    std::memcpy(out.data() + static_cast<size_t>(row) * width, data + static_cast<size_t>(row) * stride, width);
  return true;
}

std::shared_ptr<VideoFrameCopy> copy_frame(const otc_video_frame *frame) {
  auto copy = std::make_shared<VideoFrameCopy>();
  copy->width = otc_video_frame_get_width(frame);
  copy->height = otc_video_frame_get_height(frame);
  copy->chroma_width = (copy->width + 1) / 2;
  copy->chroma_height = (copy->height + 1) / 2;
  copy->timestamp_us = otc_video_frame_get_timestamp_us(frame);
  const bool ok = copy->width > 0 && copy->height > 0 &&
                  copy_plane(frame, OTC_VIDEO_FRAME_PLANE_Y, copy->width, copy->height, copy->y) &&
                  copy_plane(frame, OTC_VIDEO_FRAME_PLANE_U, copy->chroma_width, copy->chroma_height, copy->u) &&
                  copy_plane(frame, OTC_VIDEO_FRAME_PLANE_V, copy->chroma_width, copy->chroma_height, copy->v);
  return ok ? copy : nullptr;
}

Napi::Object frame_object(Napi::Env env, const VideoFrameCopy &frame) {
  Napi::Object object = with_numbers(env, {{"width", frame.width}, {"height", frame.height},
                                           {"strideY", frame.width}, {"strideU", frame.chroma_width},
                                           {"strideV", frame.chroma_width}, {"timestampUs", frame.timestamp_us}});
  object.Set("y", copy_to_buffer(env, frame.y.data(), frame.y.size()));
  object.Set("u", copy_to_buffer(env, frame.u.data(), frame.u.size()));
  object.Set("v", copy_to_buffer(env, frame.v.data(), frame.v.size()));
  return object;
}

// Media thread: return quickly. Nothing is copied unless JS asked for the media and the queue
// to JS has room; make() copies, and its task builds the listener's argument on the JS thread.
// The task is dropped there if JS stopped asking meanwhile.
template <typename Make>
void deliver(void *user_data, std::atomic<bool> Delivery::*wanted, std::atomic<int> Delivery::*queued,
             std::atomic<uint64_t> Delivery::*dropped, int bound, Make make) {
  Delivery &delivery = delivery_of(user_data);
  if (!(delivery.*wanted).load(std::memory_order_relaxed)) return;
  if ((delivery.*queued).fetch_add(1, std::memory_order_acq_rel) >= bound) {
    (delivery.*queued).fetch_sub(1, std::memory_order_acq_rel);
    (delivery.*dropped).fetch_add(1, std::memory_order_relaxed);
    return;
  }
  EventEmitter::Args args = make();
  const bool posted = args && delivery.events->emit(std::move(args), [&delivery, wanted, queued] {
    (delivery.*queued).fetch_sub(1, std::memory_order_acq_rel);
    return (delivery.*wanted).load(std::memory_order_relaxed);
  });
  if (!posted) (delivery.*queued).fetch_sub(1, std::memory_order_acq_rel);
}

otc_subscriber_callbacks subscriber_callbacks(Delivery &delivery) {
  otc_subscriber_callbacks callbacks{};
  callbacks.user_data = &delivery;
  callbacks.on_connected = [](otc_subscriber *, void *user_data, const otc_stream *) {
    delivery_of(user_data).events->emit("connected");
  };
  callbacks.on_disconnected = [](otc_subscriber *subscriber, void *user_data) {
    delivery_of(user_data).events->emit([end = EndFields(otc_subscriber_get_disconnect_reason(subscriber),
                                                         otc_subscriber_get_disconnect_code(subscriber))](Napi::Env env) {
      return std::vector<napi_value>{Napi::String::New(env, "disconnected"), end.to_js(env)};
    });
  };
  callbacks.on_error = [](otc_subscriber *, void *user_data, const char *message, otc_subscriber_error_code code) {
    delivery_of(user_data).events->emit_error(code, message);
  };
  callbacks.on_render_frame = [](otc_subscriber *, void *user_data, const otc_video_frame *frame) {
    if (!frame) return;
    deliver(user_data, &Delivery::video, &Delivery::video_queued, &Delivery::video_dropped,
            SubscriberWrap::kMaxVideoFramesQueued, [frame]() -> EventEmitter::Args {
              auto copy = copy_frame(frame);
              if (!copy) return nullptr;
              return [copy](Napi::Env env) {
                return std::vector<napi_value>{Napi::String::New(env, "videoFrame"), frame_object(env, *copy)};
              };
            });
  };
  return callbacks;
}

// node-otc's own events: the user_data is the SDK struct's (the Delivery).
otc_subscriber_extension_callbacks extension_callbacks() {
  otc_subscriber_extension_callbacks callbacks{};
  callbacks.on_encryption_secret_match = [](otc_subscriber *, void *user_data) {
    delivery_of(user_data).events->emit("encryptionSecretMatch");
  };
  callbacks.on_audio_data = [](otc_subscriber *, void *user_data, const otc_audio_data *data) {
    if (!data || !data->sample_buffer || data->bits_per_sample != 16 || data->number_of_channels == 0) return;
    const auto *samples = static_cast<const int16_t *>(data->sample_buffer);
    const size_t samples_per_channel = data->number_of_samples;
    const int sample_rate = data->sample_rate;
    const int channels = static_cast<int>(data->number_of_channels);
    deliver(user_data, &Delivery::audio, &Delivery::audio_queued, &Delivery::audio_dropped,
            SubscriberWrap::kMaxAudioBlocksQueued, [=]() -> EventEmitter::Args {
              auto copy = std::make_shared<std::vector<int16_t>>(samples, samples + samples_per_channel * channels);
              return [copy, sample_rate, channels](Napi::Env env) {
                const size_t bytes = copy->size() * sizeof(int16_t);
                Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
                if (bytes) std::memcpy(buffer.Data(), copy->data(), bytes);
                Napi::Object object = with_numbers(env, {{"sampleRate", sample_rate}, {"channels", channels}});
                object.Set("samples", Napi::Int16Array::New(env, copy->size(), buffer, 0));
                return std::vector<napi_value>{Napi::String::New(env, "audioData"), object};
              };
            });
  };
  return callbacks;
}

}  // namespace

SubscriberWrap::SubscriberWrap(const Napi::CallbackInfo &info) : NativeWrap(info) {
  Napi::Env env = info.Env();
  SessionWrap *session = SessionWrap::FromArg(info, 0, "session");
  const std::string stream_id = arg_string(info, 1, "streamId");
  delivery_->events = &open_events(env, "otc:subscriber", info.Length() > 2 ? info[2] : env.Undefined());
  std::unique_ptr<otc_stream, otc_status (*)(otc_stream *)> stream(
      otc_session_copy_stream(session->handle(info), stream_id.c_str()), otc_stream_delete);
  if (!stream) throw_status(env, OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM, "the session has no stream " + stream_id);
  const otc_subscriber_callbacks callbacks = subscriber_callbacks(*delivery_);
  // otc_subscriber_new copies the stream's fields.
  if (!own(env, Owned(otc_subscriber_new(stream.get(), &callbacks), otc_subscriber_delete)))
    throw_status(env, OTC_SUBSCRIBER_INTERNAL_ERROR, "otc_subscriber_new failed");
  const otc_subscriber_extension_callbacks extension = extension_callbacks();
  otc_subscriber_set_extension_callbacks(handle(info), &extension);
  session_ = session;
  session_->attach(this);
}

void SubscriberWrap::before_release() {
  delivery_->video = false;
  delivery_->audio = false;
}

void SubscriberWrap::after_release() {
  if (session_) session_->detach(this);
  session_ = nullptr;
}

namespace {

Napi::Value GetStats(SubscriberWrap &self, const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  otc_subscriber_stats s{};
  const otc_status status = otc_subscriber_get_stats(self.handle(info), &s);
  if (status != OTC_SUCCESS) throw_status(env, status, "otc_subscriber_get_stats failed");
  Napi::Object object = with_numbers(
      env, {OTC_FIELDS(s, video_frames_opened, audio_frames_opened, frames_mismatch, frames_integrity_failure,
                       frames_replay, frames_dropped_other, frames_unencrypted, mismatch_episodes, video_frames_decoded,
                       video_frames_dropped, packets_lost, bytes_received, video_bitrate_bps, audio_bitrate_bps,
                       video_fps, video_width, video_height, rtt_ms, jitter_buffer_delay_ms, encryption_epoch),
            {"videoFramesDroppedForJs", self.delivery().video_dropped.load(std::memory_order_relaxed)},
            {"audioDataDroppedForJs", self.delivery().audio_dropped.load(std::memory_order_relaxed)}});
  object.Set("e2ee", Napi::Boolean::New(env, s.e2ee == OTC_TRUE));
  object.Set("inMismatch", Napi::Boolean::New(env, s.in_mismatch == OTC_TRUE));
  return with_texts(env, {OTC_FIELDS(s, local_candidate_type, remote_candidate_type, relay_protocol)}, object);
}

Napi::Value GetMediaCheck(SubscriberWrap &self, const Napi::CallbackInfo &info) {
  otc_media_check c{};
  const otc_status status = otc_subscriber_get_media_check(self.handle(info), &c);
  if (status != OTC_SUCCESS) throw_status(info.Env(), status, "otc_subscriber_get_media_check failed");
  return with_numbers(info.Env(),
                      {OTC_FIELDS(c, frames_decoded, frames_received, frames_unreadable, frames_lost, frames_repeated,
                                  frames_out_of_order, freezes, max_gap_ms, latency_mean_ms, latency_p50_ms,
                                  latency_p95_ms, latency_max_ms, first_frame_number, last_frame_number,
                                  first_frame_time_us)});
}

Napi::Object VerifyKind(Napi::Env env, const otc_subscriber_verify_kind_stats &k) {
  Napi::Object object = with_numbers(env, {OTC_FIELDS(k, frames_opened, bytes_opened, key_frames, gaps, freezes, freeze_ms,
                                                      max_gap_ms, first_frame_time_us, last_frame_time_us)});
  object.Set("notOpened", with_numbers(env, {{"mismatch", k.not_opened_mismatch},
                                             {"integrity", k.not_opened_integrity},
                                             {"replay", k.not_opened_replay},
                                             {"other", k.not_opened_other}}));
  return object;
}

Napi::Value GetVerifyStats(SubscriberWrap &self, const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  otc_subscriber_verify_stats v{};
  const otc_status status = otc_subscriber_get_verify_stats(self.handle(info), &v);
  if (status != OTC_SUCCESS) throw_status(env, status, "otc_subscriber_get_verify_stats failed");
  Napi::Object object = Napi::Object::New(env);
  object.Set("verifyOnly", Napi::Boolean::New(env, v.verify_only == OTC_TRUE));
  object.Set("video", VerifyKind(env, v.video));
  object.Set("audio", VerifyKind(env, v.audio));
  return object;
}

Napi::Value SetVerifyOnly(SubscriberWrap &self, const Napi::CallbackInfo &info) {
  return call_with_flag(info, self.handle(info), otc_subscriber_set_verify_only);
}

Napi::Value GetVerifyOnly(SubscriberWrap &self, const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), otc_subscriber_get_verify_only(self.handle(info)) == OTC_TRUE);
}

Napi::Value SetSubscribeToAudio(SubscriberWrap &self, const Napi::CallbackInfo &info) {
  return call_with_flag(info, self.handle(info), otc_subscriber_set_subscribe_to_audio);
}

Napi::Value SetSubscribeToVideo(SubscriberWrap &self, const Napi::CallbackInfo &info) {
  return call_with_flag(info, self.handle(info), otc_subscriber_set_subscribe_to_video);
}

Napi::Value SetVideoFrameDelivery(SubscriberWrap &self, const Napi::CallbackInfo &info) {
  self.handle(info);
  self.delivery().video.store(arg_bool(info, 0, "enabled"), std::memory_order_relaxed);
  return info.Env().Undefined();
}

Napi::Value SetAudioDataDelivery(SubscriberWrap &self, const Napi::CallbackInfo &info) {
  self.handle(info);
  self.delivery().audio.store(arg_bool(info, 0, "enabled"), std::memory_order_relaxed);
  return info.Env().Undefined();
}

Napi::Value GetStreamId(SubscriberWrap &self, const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), otc_subscriber_get_stream_id(self.handle(info)));
}

}  // namespace

void SubscriberWrap::Register(Napi::Env env, Napi::Object exports) {
  exports.Set(kInfo.class_name,
              Define(env, {OTC_METHODS(GetStats, GetMediaCheck, SetSubscribeToAudio, SetSubscribeToVideo,
                                       SetVideoFrameDelivery, SetAudioDataDelivery, GetStreamId, GetVerifyStats,
                                       SetVerifyOnly, GetVerifyOnly)}));
}

}  // namespace otc_addon
