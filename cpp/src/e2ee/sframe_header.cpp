#include "sframe_header.h"

namespace otc::e2ee {

namespace {

size_t minimal_length(uint64_t value) {
  size_t len = 1;
  while (len < 8 && (value >> (8 * len)) != 0) ++len;
  return len;
}

// Encodes one field: values below 8 go inline in 3 bits; larger ones set the extension flag and
// store length-1 in the 3 bits. Returns the 4-bit nibble X|K (or Y|C).
uint8_t encode_field(uint64_t value, uint8_t *out, size_t &pos) {
  if (value < 8) return static_cast<uint8_t>(value);
  const size_t len = minimal_length(value);
  for (size_t i = 0; i < len; ++i) out[pos + len - 1 - i] = static_cast<uint8_t>(value >> (8 * i));
  pos += len;
  return static_cast<uint8_t>(0x08 | (len - 1));
}

bool decode_field(uint8_t nibble, std::span<const uint8_t> bytes, size_t &pos, uint64_t &value) {
  if ((nibble & 0x08) == 0) {
    value = nibble & 0x07;
    return true;
  }
  const size_t len = (nibble & 0x07) + 1u;
  if (bytes.size() - pos < len) return false;
  value = 0;
  for (size_t i = 0; i < len; ++i) value = (value << 8) | bytes[pos + i];
  pos += len;
  // Non-minimal: an extended value below 8, or a leading zero byte.
  return value >= 8 && minimal_length(value) == len;
}

}  // namespace

EncodedHeader encode_header(const SFrameHeader &header) {
  EncodedHeader out;
  size_t pos = 1;
  const uint8_t kid_nibble = encode_field(header.kid, out.bytes.data(), pos);
  const uint8_t ctr_nibble = encode_field(header.ctr, out.bytes.data(), pos);
  out.bytes[0] = static_cast<uint8_t>((kid_nibble << 4) | ctr_nibble);
  out.size = pos;
  return out;
}

std::optional<DecodedHeader> decode_header(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return std::nullopt;
  const uint8_t config = bytes[0];
  size_t pos = 1;
  DecodedHeader out;
  if (!decode_field(config >> 4, bytes, pos, out.header.kid)) return std::nullopt;
  if (!decode_field(config & 0x0F, bytes, pos, out.header.ctr)) return std::nullopt;
  out.size = pos;
  return out;
}

}  // namespace otc::e2ee
