// The OTC_AUDIO_DEVICE environment variable: which device a program that chooses none gets.
//   pulse (or unset)  the PulseAudio server's default source and sink
//   silence           the synthetic device, capturing silence
//   tone[:HZ]         the synthetic device, capturing a sine tone (440 Hz; 20..20000)
//   file:PATH         a 16-bit PCM WAV file, looped
// The stand-ins discard playout on a 10 ms clock.
#pragma once

#include <string>

namespace otc::media {

inline constexpr const char *kAudioDeviceEnv = "OTC_AUDIO_DEVICE";

struct AudioDeviceSpec {
  enum class Kind { kPulse, kSilence, kTone, kFile, kInvalid };
  Kind kind = Kind::kPulse;
  double tone_hz = 440;
  std::string path;     // kFile
  std::string problem;  // kInvalid: what is wrong, naming the variable
};

// value may be null (unset).
AudioDeviceSpec parse_audio_device_spec(const char *value);

}  // namespace otc::media
