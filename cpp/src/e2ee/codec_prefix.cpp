#include "codec_prefix.h"

namespace otc::e2ee {

namespace {

constexpr size_t kVp8KeyFramePrefix = 10;  // 3-byte frame tag, start code, width and height
constexpr size_t kVp8DeltaFramePrefix = 3;  // frame tag
constexpr size_t kH264BytesAfterSliceHeader = 3;

}  // namespace

bool codec_from_c(int value, Codec &codec) {
  switch (value) {
    case OTC_E2EE_CODEC_OPUS: codec = Codec::kOpus; return true;
    case OTC_E2EE_CODEC_VP8: codec = Codec::kVp8; return true;
    case OTC_E2EE_CODEC_VP9: codec = Codec::kVp9; return true;
    case OTC_E2EE_CODEC_AV1: codec = Codec::kAv1; return true;
    case OTC_E2EE_CODEC_H264: codec = Codec::kH264; return true;
    default: return false;
  }
}

size_t h264_clear_prefix_length(std::span<const uint8_t> frame) {
  const size_t n = frame.size();
  // A 4-byte start code 00 00 00 01 ends in the 3-byte one, so finding 00 00 01 covers both.
  for (size_t i = 0; i + 3 < n; ++i) {
    if (frame[i] != 0 || frame[i + 1] != 0 || frame[i + 2] != 1) continue;
    const size_t header = i + 3;
    const uint8_t type = frame[header] & 0x1F;
    if (type != 1 && type != 5) continue;
    // The first slice decides, whether or not it is long enough.
    const size_t end = header + 1 + kH264BytesAfterSliceHeader;
    return end <= n ? end : 0;
  }
  return 0;
}

size_t clear_prefix_length(Codec codec, std::span<const uint8_t> frame) {
  switch (codec) {
    case Codec::kVp8: {
      if (frame.empty()) return 0;
      const bool key_frame = (frame[0] & 0x01) == 0;
      const size_t prefix = key_frame ? kVp8KeyFramePrefix : kVp8DeltaFramePrefix;
      return prefix < frame.size() ? prefix : frame.size();
    }
    case Codec::kH264:
      return h264_clear_prefix_length(frame);
    case Codec::kOpus:
    case Codec::kVp9:
    case Codec::kAv1:
      return 0;
  }
  return 0;
}

}  // namespace otc::e2ee
