#include "pcm_source.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace otc::media {

void PcmSource::set_silence() {
  std::lock_guard<std::mutex> lock(mutex_);
  mode_ = Mode::kSilence;
  size_ = 0;
}

otc_status PcmSource::set_tone(double frequency_hz, double amplitude) {
  if (!(frequency_hz >= 20 && frequency_hz <= 20000) || !(amplitude > 0 && amplitude <= 1)) {
    return OTC_MEDIA_INVALID_PARAMETER;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  mode_ = Mode::kTone;
  size_ = 0;
  phase_step_ = 2 * std::numbers::pi * frequency_hz / kSampleRate;
  amplitude_ = amplitude * 32767.0;
  return OTC_SUCCESS;
}

otc_status PcmSource::push(const int16_t *samples, size_t count) {
  if (!samples && count > 0) return OTC_MEDIA_INVALID_PARAMETER;
  std::lock_guard<std::mutex> lock(mutex_);
  if (mode_ != Mode::kPushed) {
    mode_ = Mode::kPushed;
    size_ = 0;
  }
  if (count > kMaxBuffered - size_) return OTC_MEDIA_BUFFER_FULL;
  size_t tail = (head_ + size_) % kMaxBuffered;
  for (size_t done = 0; done < count;) {
    const size_t run = std::min(count - done, kMaxBuffered - tail);
    std::copy_n(samples + done, run, ring_.begin() + static_cast<ptrdiff_t>(tail));
    done += run;
    tail = (tail + run) % kMaxBuffered;
  }
  size_ += count;
  return OTC_SUCCESS;
}

size_t PcmSource::buffered() {
  std::lock_guard<std::mutex> lock(mutex_);
  return mode_ == Mode::kPushed ? size_ : 0;
}

void PcmSource::fill(int16_t *out, size_t count) {
  std::lock_guard<std::mutex> lock(mutex_);
  switch (mode_) {
    case Mode::kSilence:
      std::fill_n(out, count, int16_t{0});
      return;
    case Mode::kTone:
      for (size_t i = 0; i < count; ++i) {
        out[i] = static_cast<int16_t>(std::lround(amplitude_ * std::sin(phase_)));
        phase_ += phase_step_;
        if (phase_ >= 2 * std::numbers::pi) phase_ -= 2 * std::numbers::pi;
      }
      return;
    case Mode::kPushed: {
      const size_t available = std::min(count, size_);
      for (size_t i = 0; i < available; ++i) out[i] = ring_[(head_ + i) % kMaxBuffered];
      head_ = (head_ + available) % kMaxBuffered;
      size_ -= available;
      std::fill(out + available, out + count, int16_t{0});
      return;
    }
  }
}

PcmSource &process_pcm_source() {
  // Deliberately never destroyed: the audio device may still pull during static destruction.
  static PcmSource *source = new PcmSource;
  return *source;
}

}  // namespace otc::media
