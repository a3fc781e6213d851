// docs/e2ee-frame-format.md section 3.2 / RFC 9605 section 4.3: the SFrame header, config byte
// X|K(3)|Y|C(3) followed by KID and CTR in their minimal big-endian lengths.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace otc::e2ee {

constexpr size_t kMaxHeaderSize = 17;

struct SFrameHeader {
  uint64_t kid = 0;
  uint64_t ctr = 0;
};

struct EncodedHeader {
  std::array<uint8_t, kMaxHeaderSize> bytes{};
  size_t size = 0;
  std::span<const uint8_t> span() const { return {bytes.data(), size}; }
};

EncodedHeader encode_header(const SFrameHeader &header);

struct DecodedHeader {
  SFrameHeader header;
  size_t size = 0;  // bytes the header took
};

// Parses the header at the start of bytes. nullopt when truncated or not minimally encoded:
// the header is authenticated data, so accepting only one encoding per (KID, CTR) keeps parsing
// unambiguous.
std::optional<DecodedHeader> decode_header(std::span<const uint8_t> bytes);

}  // namespace otc::e2ee
