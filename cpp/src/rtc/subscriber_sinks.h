// Where a subscriber's decoded media goes: every video frame through the media check and, when
// the application asked for frames, to its render callback; audio of the stream to its audio
// callback. Both run on libwebrtc's media threads and must stay quick.
#pragma once

#include "webrtc_build_guard.h"

#include <atomic>
#include <functional>
#include <vector>

#include <api/media_stream_interface.h>
#include <api/video/video_frame.h>
#include <api/video/video_sink_interface.h>

#include "../media/media_check.h"
#include "../media/video_frame.h"

namespace otc::rtc {

class SubscriberVideoSink final : public ::rtc::VideoSinkInterface<webrtc::VideoFrame> {
 public:
  using Render = std::function<void(const otc_video_frame &)>;
  SubscriberVideoSink(media::MediaCheck &check, Render render);
  void OnFrame(const webrtc::VideoFrame &frame) override;

 private:
  media::MediaCheck &check_;
  const Render render_;
};

// The track hands its sinks the decoded audio before the receiver's volume is applied (that
// gain is part of libwebrtc's playout mix), so the subscriber's volume is applied here too.
class SubscriberAudioSink final : public webrtc::AudioTrackSinkInterface {
 public:
  // received: as decoded; at_volume: scaled by the gain (the same pointer at gain 1).
  using Deliver = std::function<void(const int16_t *received, const int16_t *at_volume, size_t samples_per_channel,
                                     int sample_rate, int channels)>;
  explicit SubscriberAudioSink(Deliver deliver);
  // 0 (silence) .. 1 (as received); from any thread.
  void SetGain(float gain) { gain_.store(gain, std::memory_order_relaxed); }
  void OnData(const void *audio_data, int bits_per_sample, int sample_rate, size_t number_of_channels,
              size_t number_of_frames) override;

 private:
  const Deliver deliver_;
  std::atomic<float> gain_{1.0f};
  std::vector<int16_t> scaled_;  // only on the audio thread that calls OnData
};

}  // namespace otc::rtc
