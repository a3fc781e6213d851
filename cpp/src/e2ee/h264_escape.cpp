#include "h264_escape.h"

namespace otc::e2ee {

int h264_trailing_zeros(std::span<const uint8_t> prefix) {
  int zeros = 0;
  for (size_t i = prefix.size(); i > 0 && zeros < 2 && prefix[i - 1] == 0; --i) ++zeros;
  return zeros;
}

size_t h264_escape(std::span<const uint8_t> in, int zeros_before, uint8_t *out) {
  int zeros = zeros_before;
  size_t o = 0;
  for (const uint8_t byte : in) {
    if (zeros >= 2 && byte <= 0x03) {
      out[o++] = 0x03;
      zeros = 0;
    }
    out[o++] = byte;
    zeros = byte == 0 ? zeros + 1 : 0;
  }
  return o;
}

size_t h264_unescape(std::span<const uint8_t> in, int zeros_before, uint8_t *out) {
  int zeros = zeros_before;
  size_t o = 0;
  for (const uint8_t byte : in) {
    if (zeros >= 2 && byte == 0x03) {
      zeros = 0;
      continue;
    }
    out[o++] = byte;
    zeros = byte == 0 ? zeros + 1 : 0;
  }
  return o;
}

}  // namespace otc::e2ee
