#include "frame_layout.h"

#include <otc/e2ee.h>

#include "h264_escape.h"
#include "sframe_header.h"

namespace otc::e2ee {

namespace {
constexpr size_t kMaxTagSize = 16;
constexpr size_t kTrailerMax = kMaxTagSize + kMaxHeaderSize + 1;
}  // namespace

size_t max_sealed_size(Codec codec, size_t plain_size) {
  const size_t unescaped = plain_size + kTrailerMax;
  return codec == Codec::kH264 ? h264_escaped_size_bound(unescaped) : unescaped;
}

size_t max_open_size() { return max_sealed_size(Codec::kH264, OTC_E2EE_MAX_FRAME_SIZE); }

void make_nonce(const SecureBytes &salt, uint64_t ctr, uint8_t *nonce_out) {
  const size_t n = salt.size();
  for (size_t i = 0; i < n; ++i) nonce_out[i] = salt.data()[i];
  for (size_t i = 0; i < 8 && i < n; ++i) nonce_out[n - 1 - i] ^= static_cast<uint8_t>(ctr >> (8 * i));
}

}  // namespace otc::e2ee
