#include "wav_file.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace otc::media {
namespace {

constexpr size_t kMaxFileBytes = 64u << 20;

uint32_t le32(const unsigned char *p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint16_t le16(const unsigned char *p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

std::optional<WavPcm> fail(std::string *error, const std::string &path, const char *why) {
  if (error) *error = path + ": " + why;
  return std::nullopt;
}

}  // namespace

std::optional<WavPcm> read_wav_file(const std::string &path, std::string *error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(error, path, "cannot open the file");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0 || static_cast<uint64_t>(size) > kMaxFileBytes) return fail(error, path, "larger than 64 MB");
  in.seekg(0);
  std::vector<unsigned char> bytes(static_cast<size_t>(size));
  if (!in.read(reinterpret_cast<char *>(bytes.data()), size)) return fail(error, path, "cannot read the file");
  if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 || std::memcmp(bytes.data() + 8, "WAVE", 4) != 0) {
    return fail(error, path, "not a RIFF/WAVE file");
  }
  WavPcm pcm;
  bool have_format = false;
  for (size_t at = 12; at + 8 <= bytes.size();) {
    const unsigned char *chunk = bytes.data() + at;
    const uint32_t length = le32(chunk + 4);
    const size_t body = at + 8;
    if (length > bytes.size() - body) return fail(error, path, "truncated chunk");
    if (std::memcmp(chunk, "fmt ", 4) == 0) {
      if (length < 16) return fail(error, path, "short fmt chunk");
      const uint16_t format = le16(chunk + 8);
      pcm.channels = le16(chunk + 10);
      pcm.sample_rate = static_cast<int>(le32(chunk + 12));
      const uint16_t bits = le16(chunk + 22);
      // WAVE_FORMAT_EXTENSIBLE (0xFFFE) carries the real format in its sub-format GUID.
      const bool pcm_format = format == 1 || (format == 0xFFFE && length >= 26 && le16(chunk + 32) == 1);
      if (!pcm_format || bits != 16) return fail(error, path, "not 16-bit PCM");
      if (pcm.channels < 1 || pcm.channels > 2) return fail(error, path, "not mono or stereo");
      if (pcm.sample_rate < 8000 || pcm.sample_rate > 192000 || pcm.sample_rate % 100 != 0) {
        return fail(error, path, "sample rate not 8000..192000 Hz in steps of 100");
      }
      have_format = true;
    } else if (std::memcmp(chunk, "data", 4) == 0) {
      if (!have_format) return fail(error, path, "data before fmt");
      pcm.samples.resize(length / 2);
      for (size_t i = 0; i < pcm.samples.size(); ++i) {
        pcm.samples[i] = static_cast<int16_t>(le16(bytes.data() + body + 2 * i));
      }
      const size_t frame = static_cast<size_t>(pcm.sample_rate / 100 * pcm.channels);
      if (pcm.samples.size() < frame) return fail(error, path, "shorter than 10 ms");
      return pcm;
    }
    at = body + length + (length & 1);  // chunks are padded to even lengths
  }
  return fail(error, path, "no data chunk");
}

}  // namespace otc::media
