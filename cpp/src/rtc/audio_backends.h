// The backends the library makes itself, by what OTC_AUDIO_DEVICE (or an API call) asks for.
#pragma once

#include <memory>
#include <string>

#include "audio_backend.h"

namespace otc::rtc {

// The synthetic device: captures the process's PCM source (media/pcm_source.h: silence, a
// tone or pushed PCM, 48 kHz mono), discards playout, on a 10 ms clock.
std::shared_ptr<AudioBackend> MakeSyntheticAudioBackend();
// A 16-bit PCM WAV file, looped, as the microphone; playout discarded. Null with a reason in
// *error when the file cannot be used.
std::shared_ptr<AudioBackend> MakeWavFileAudioBackend(const std::string &path, std::string *error);
// PulseAudio's default source and sink (pulse_audio_backend.h).
std::shared_ptr<AudioBackend> MakePulseAudioBackend();
// A device that cannot work (OTC_AUDIO_DEVICE names nothing usable): capture refuses with
// `problem`, playout is discarded.
std::shared_ptr<AudioBackend> MakeUnavailableAudioBackend(std::string problem);

}  // namespace otc::rtc
