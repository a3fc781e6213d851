#include "subscriber_sinks.h"

#include <api/video/i420_buffer.h>

namespace otc::rtc {

SubscriberVideoSink::SubscriberVideoSink(media::MediaCheck &check, Render render)
    : check_(check), render_(std::move(render)) {}

void SubscriberVideoSink::OnFrame(const webrtc::VideoFrame &frame) {
  // Decoded frames are I420 already; ToI420 only converts other buffer types.
  ::rtc::scoped_refptr<webrtc::I420BufferInterface> i420 = frame.video_frame_buffer()->ToI420();
  if (!i420) return;
  check_.on_frame(i420->DataY(), i420->StrideY(), i420->width(), i420->height(), media::monotonic_time_us());
  if (!render_) return;
  // The SDK's frame, over libwebrtc's buffer: no copy; the buffer outlives the callback.
  otc_video_frame view;
  media::fill_i420_view(view, i420->width(), i420->height(), i420->DataY(), i420->StrideY(), i420->DataU(),
                        i420->StrideU(), i420->DataV(), i420->StrideV(), frame.timestamp_us());
  render_(view);
}

SubscriberAudioSink::SubscriberAudioSink(Deliver deliver) : deliver_(std::move(deliver)) {}

void SubscriberAudioSink::OnData(const void *audio_data, int bits_per_sample, int sample_rate,
                                 size_t number_of_channels, size_t number_of_frames) {
  if (bits_per_sample != 16 || !audio_data || !deliver_) return;
  const auto *received = static_cast<const int16_t *>(audio_data);
  const int16_t *at_volume = received;
  const float gain = gain_.load(std::memory_order_relaxed);
  if (gain < 1.0f) {
    // gain <= 1: the products stay in range.
    scaled_.resize(number_of_frames * number_of_channels);
    for (size_t i = 0; i < scaled_.size(); ++i) scaled_[i] = static_cast<int16_t>(received[i] * gain);
    at_volume = scaled_.data();
  }
  deliver_(received, at_volume, number_of_frames, sample_rate, static_cast<int>(number_of_channels));
}

}  // namespace otc::rtc
