// docs/e2ee-frame-format.md section 4.1: sizes and nonces of the sealed frame
//   sealed = P || AEAD(key, nonce, aad = H || P, B) || H || BE(len(H), 1)
// shared by the sealer and the opener.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "codec_prefix.h"
#include "secure_bytes.h"

namespace otc::e2ee {

// Largest sealed frame for a plain frame of plain_size bytes under any suite (H.264 escaping
// included).
size_t max_sealed_size(Codec codec, size_t plain_size);

// Largest input an opener accepts: a sealed OTC_E2EE_MAX_FRAME_SIZE frame.
size_t max_open_size();

// nonce = sframe_salt XOR BE(CTR, Nn)
void make_nonce(const SecureBytes &salt, uint64_t ctr, uint8_t *nonce_out);

constexpr uint64_t make_kid(uint32_t epoch_id, uint32_t sender_id) {
  return (uint64_t{epoch_id} << 32) | sender_id;
}
constexpr uint32_t kid_epoch(uint64_t kid) { return static_cast<uint32_t>(kid >> 32); }

}  // namespace otc::e2ee
