#include "audio_backend.h"

#include <algorithm>

namespace otc::rtc {

void AudioPort::DeliverCapture(const int16_t *samples, int rate, int channels, int delay_ms) {
  std::lock_guard<std::mutex> lock(capture_mutex_);
  if (!capture_) return;
  uint32_t new_mic_level = 0;
  capture_->RecordedDataIsAvailable(samples, static_cast<size_t>(rate / 100),
                                    sizeof(int16_t) * static_cast<size_t>(channels),
                                    static_cast<size_t>(channels), static_cast<uint32_t>(rate),
                                    static_cast<uint32_t>(std::max(delay_ms, 0)), 0, 0, false,
                                    new_mic_level);
}

bool AudioPort::PullPlayout(int16_t *out, int rate, int channels) {
  const size_t frames = static_cast<size_t>(rate / 100);
  const size_t values = frames * static_cast<size_t>(channels);
  std::lock_guard<std::mutex> lock(playout_mutex_);
  if (!playout_) {
    std::fill_n(out, values, int16_t{0});
    return false;
  }
  size_t frames_out = 0;
  int64_t elapsed_ms = -1, ntp_ms = -1;
  playout_->NeedMorePlayData(frames, sizeof(int16_t) * static_cast<size_t>(channels),
                             static_cast<size_t>(channels), static_cast<uint32_t>(rate), out,
                             frames_out, &elapsed_ms, &ntp_ms);
  if (frames_out < frames) {
    std::fill(out + frames_out * static_cast<size_t>(channels), out + values, int16_t{0});
  }
  return true;
}

void AudioPort::OpenCapture(webrtc::AudioTransport *transport) {
  std::lock_guard<std::mutex> lock(capture_mutex_);
  capture_ = transport;
}

void AudioPort::CloseCapture() { OpenCapture(nullptr); }

void AudioPort::OpenPlayout(webrtc::AudioTransport *transport) {
  std::lock_guard<std::mutex> lock(playout_mutex_);
  playout_ = transport;
}

void AudioPort::ClosePlayout() { OpenPlayout(nullptr); }

bool AudioPort::playout_open() {
  std::lock_guard<std::mutex> lock(playout_mutex_);
  return playout_ != nullptr;
}

}  // namespace otc::rtc
