#include "ivf_file.h"

#include <cstring>

namespace otc::media {

namespace {

uint32_t le16(const uint8_t *p) { return p[0] | (p[1] << 8); }
uint32_t le32(const uint8_t *p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t le64(const uint8_t *p) { return le32(p) | (static_cast<uint64_t>(le32(p + 4)) << 32); }

// Most significant bit first, as the VP9 uncompressed header is written; reads past the end
// give zeros and set overrun.
class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint32_t Read(int bits) {
    uint32_t value = 0;
    for (int i = 0; i < bits; ++i) {
      const size_t byte = position_ / 8;
      uint32_t bit = 0;
      if (byte < bytes_.size()) {
        bit = (bytes_[byte] >> (7 - position_ % 8)) & 1;
      } else {
        overrun_ = true;
      }
      value = (value << 1) | bit;
      ++position_;
    }
    return value;
  }
  bool overrun() const { return overrun_; }

 private:
  std::span<const uint8_t> bytes_;
  size_t position_ = 0;
  bool overrun_ = false;
};

}  // namespace

bool parse_vp8_header(std::span<const uint8_t> frame, bool &key, int &width, int &height) {
  // RFC 6386 section 9.1: a 3-byte frame tag (bit 0 clear: key frame); key frames go on with
  // the start code 9d 01 2a and two 14-bit sizes (plus 2 bits of scaling each).
  if (frame.size() < 3) return false;
  key = (frame[0] & 1) == 0;
  if (!key) return true;
  if (frame.size() < 10 || frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a) return false;
  width = static_cast<int>(le16(&frame[6]) & 0x3fff);
  height = static_cast<int>(le16(&frame[8]) & 0x3fff);
  return width > 0 && height > 0;
}

bool parse_vp9_header(std::span<const uint8_t> frame, bool &key, int &width, int &height) {
  // VP9 bitstream specification section 6.2, the uncompressed header up to frame_size().
  BitReader bits(frame);
  if (frame.empty() || bits.Read(2) != 2) return false;  // frame_marker
  const uint32_t profile = bits.Read(1) | (bits.Read(1) << 1);
  if (profile == 3 && bits.Read(1) != 0) return false;  // reserved_zero
  if (bits.Read(1)) {                                    // show_existing_frame
    key = false;
    return !bits.overrun();
  }
  key = bits.Read(1) == 0;  // frame_type KEY_FRAME
  if (!key) return !bits.overrun();
  bits.Read(2);  // show_frame, error_resilient_mode
  if (bits.Read(8) != 0x49 || bits.Read(8) != 0x83 || bits.Read(8) != 0x42) return false;
  if (profile >= 2) bits.Read(1);  // ten_or_twelve_bit
  const uint32_t color_space = bits.Read(3);
  if (color_space != 7) {  // not CS_RGB
    bits.Read(1);          // color_range
    if (profile == 1 || profile == 3) bits.Read(3);  // subsampling_x, _y, reserved_zero
  } else if (profile == 1 || profile == 3) {
    bits.Read(1);
  }
  width = static_cast<int>(bits.Read(16)) + 1;
  height = static_cast<int>(bits.Read(16)) + 1;
  return !bits.overrun();
}

std::unique_ptr<IvfFile> IvfFile::Parse(std::vector<uint8_t> bytes, std::string &error) {
  if (bytes.size() < 32 || std::memcmp(bytes.data(), "DKIF", 4) != 0) {
    error = "not an IVF file";
    return nullptr;
  }
  const uint32_t header_size = le16(&bytes[6]);
  if (header_size < 32 || header_size > bytes.size()) {
    error = "bad IVF header size";
    return nullptr;
  }
  EncodedCodec codec;
  if (std::memcmp(&bytes[8], "VP80", 4) == 0) {
    codec = EncodedCodec::kVp8;
  } else if (std::memcmp(&bytes[8], "VP90", 4) == 0) {
    codec = EncodedCodec::kVp9;
  } else {
    error = "IVF codec " + std::string(reinterpret_cast<const char *>(&bytes[8]), 4) +
            " is not supported (VP80, VP90)";
    return nullptr;
  }
  // The time base: pts * numerator / denominator seconds (the header says rate, then scale).
  const uint64_t denominator = le32(&bytes[16]), numerator = le32(&bytes[20]);
  if (denominator == 0 || numerator == 0 || numerator > 1'000'000 || denominator > 1'000'000'000) {
    error = "bad IVF time base";
    return nullptr;
  }
  std::unique_ptr<IvfFile> ivf(new IvfFile(codec));
  size_t at = header_size;
  while (at + 12 <= bytes.size()) {
    const size_t size = le32(&bytes[at]);
    const uint64_t pts = le64(&bytes[at + 4]);
    at += 12;
    if (size == 0 || size > kMaxFrameBytes) {
      error = "bad IVF frame size " + std::to_string(size) + " at frame " + std::to_string(ivf->frames_.size());
      return nullptr;
    }
    if (size > bytes.size() - at) break;  // a truncated last frame is left out
    if (ivf->frames_.size() >= kMaxFrames) {
      error = "too many frames";
      return nullptr;
    }
    Frame frame;
    frame.offset = at;
    frame.size = size;
    const std::span<const uint8_t> data(&bytes[at], size);
    const bool ok = codec == EncodedCodec::kVp8 ? parse_vp8_header(data, frame.key, frame.width, frame.height)
                                                : parse_vp9_header(data, frame.key, frame.width, frame.height);
    if (!ok || (frame.key && (frame.width > 16384 || frame.height > 16384))) {
      error = std::string("frame ") + std::to_string(ivf->frames_.size()) + " is not a " +
              encoded_codec_name(codec) + " frame";
      return nullptr;
    }
    // pts may be anything: 128 bits cannot overflow, the result is capped.
    const unsigned __int128 us = static_cast<unsigned __int128>(pts) * numerator * 1'000'000 / denominator;
    frame.timestamp_us = us > (1ull << 60) ? int64_t{1} << 60 : static_cast<int64_t>(us);
    ivf->frames_.push_back(frame);
    at += size;
  }
  ivf->bytes_ = std::move(bytes);
  if (!ivf->Finish(error)) return nullptr;
  return ivf;
}

}  // namespace otc::media
