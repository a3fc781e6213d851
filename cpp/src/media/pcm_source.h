// What the process's audio device captures: silence, a sine tone, or PCM pushed by the
// application (mono, 48 kHz, 16-bit), handed out 10 ms at a time. One per process, as the audio
// device is (media.h); every call is thread-safe and none blocks for long: the device pulls on
// its own 10 ms task queue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include <otc/errors.h>

namespace otc::media {

class PcmSource {
 public:
  static constexpr int kSampleRate = 48000;
  static constexpr size_t kMaxBuffered = 48000;  // 1 s

  void set_silence();
  otc_status set_tone(double frequency_hz, double amplitude);
  // Switches to pushed PCM; OTC_MEDIA_BUFFER_FULL (nothing queued) when count exceeds the free
  // space.
  otc_status push(const int16_t *samples, size_t count);
  size_t buffered();

  // Fills out with the next count samples (silence where pushed PCM runs dry).
  void fill(int16_t *out, size_t count);

 private:
  enum class Mode { kSilence, kTone, kPushed };
  std::mutex mutex_;
  Mode mode_ = Mode::kSilence;
  double phase_ = 0, phase_step_ = 0, amplitude_ = 0;
  // A ring of kMaxBuffered samples: no allocation on the device's thread.
  std::vector<int16_t> ring_ = std::vector<int16_t>(kMaxBuffered);
  size_t head_ = 0, size_ = 0;
};

// The process-wide instance the audio device reads.
PcmSource &process_pcm_source();

}  // namespace otc::media
