#include "audio_device_spec.h"

#include <cstdlib>
#include <string_view>

namespace otc::media {

AudioDeviceSpec parse_audio_device_spec(const char *value) {
  AudioDeviceSpec spec;
  const std::string_view text = value ? value : "";
  if (text.empty() || text == "pulse") return spec;
  if (text == "silence") {
    spec.kind = AudioDeviceSpec::Kind::kSilence;
    return spec;
  }
  if (text == "tone") {
    spec.kind = AudioDeviceSpec::Kind::kTone;
    return spec;
  }
  if (text.starts_with("tone:")) {
    const std::string number(text.substr(5));
    char *end = nullptr;
    const double hz = std::strtod(number.c_str(), &end);
    if (!number.empty() && end && *end == '\0' && hz >= 20 && hz <= 20000) {
      spec.kind = AudioDeviceSpec::Kind::kTone;
      spec.tone_hz = hz;
      return spec;
    }
  } else if (text.starts_with("file:") && text.size() > 5) {
    spec.kind = AudioDeviceSpec::Kind::kFile;
    spec.path = std::string(text.substr(5));
    return spec;
  }
  spec.kind = AudioDeviceSpec::Kind::kInvalid;
  spec.problem = std::string(kAudioDeviceEnv) + "=" + std::string(text) +
                 " is not an audio device: use pulse, silence, tone, tone:HZ (20..20000) or file:PATH.wav";
  return spec;
}

}  // namespace otc::media
