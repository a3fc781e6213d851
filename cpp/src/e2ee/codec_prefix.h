// docs/e2ee-frame-format.md section 5: how many leading bytes of a frame stay in the clear
// (authenticated, not encrypted), so that packetizers, depacketizers and the media router can
// still read them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <otc/e2ee.h>

namespace otc::e2ee {

enum class Codec { kOpus, kVp8, kVp9, kAv1, kH264 };

// false when value is not a codec of otc_e2ee_codec.
bool codec_from_c(int value, Codec &codec);

// Length of the clear prefix of this frame (of its original, plain bytes).
size_t clear_prefix_length(Codec codec, std::span<const uint8_t> frame);

// H.264 rule alone: bytes before the first slice NAL unit (type 1 or 5, after a 3- or 4-byte
// start code), its header byte and the 3 bytes after it; 0 when there is no such slice or fewer
// than 3 bytes follow its header.
size_t h264_clear_prefix_length(std::span<const uint8_t> frame);

}  // namespace otc::e2ee
