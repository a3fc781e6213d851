// 16-bit PCM WAV files, read whole into memory: the OTC_AUDIO_DEVICE=file:PATH.wav stand-in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace otc::media {

struct WavPcm {
  int sample_rate = 0;  // 8000..192000, a multiple of 100 (whole 10 ms frames)
  int channels = 0;     // 1 or 2
  std::vector<int16_t> samples;  // interleaved, at least one 10 ms frame
};

// Reads a RIFF/WAVE file of 16-bit PCM; nullopt with a reason in *error otherwise (other
// sample formats, rates that are not whole 10 ms frames, more than 2 channels, above 64 MB).
std::optional<WavPcm> read_wav_file(const std::string &path, std::string *error);

}  // namespace otc::media
