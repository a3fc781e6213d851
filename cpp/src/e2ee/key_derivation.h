// docs/e2ee-frame-format.md sections 1.2, 2 and 3.3: every key derivation (PBKDF2 for the base key,
// HKDF for epoch ids, the ratchet and the SFrame key schedule), all through OpenSSL's EVP KDF API.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "cipher_suite.h"
#include "secure_bytes.h"

namespace otc::e2ee {

constexpr size_t kBaseKeySize = 32;
constexpr int kPbkdf2Iterations = 100000;

// HKDF-Extract(salt, ikm) and HKDF-Expand(prk, info, length) of RFC 5869 with the named hash.
std::optional<SecureBytes> hkdf_extract(const char *hash, std::span<const uint8_t> salt,
                                        std::span<const uint8_t> ikm);
std::optional<SecureBytes> hkdf_expand(const char *hash, std::span<const uint8_t> prk,
                                       std::span<const uint8_t> info, size_t length);

// base_key = PBKDF2-HMAC-SHA256(secret, "otc-e2ee-v1|" || session_id, 100000, 32). Slow on
// purpose (tens of ms): callers keep it off event-loop and media threads.
std::optional<SecureBytes> derive_base_key(std::string_view secret, std::string_view session_id);

// epoch_id = BE-int(HKDF-Expand(HKDF-Extract("", base_key), "otc-e2ee-v1 epoch", 4)), SHA-256.
std::optional<uint32_t> derive_epoch_id(std::span<const uint8_t> base_key);

// Next epoch's base key: HKDF-Expand(HKDF-Extract("", base_key), "otc-e2ee-v1 ratchet", 32).
std::optional<SecureBytes> derive_ratchet_key(std::span<const uint8_t> base_key);

struct SFrameKeys {
  SecureBytes key;   // Nk bytes
  SecureBytes salt;  // Nn bytes
};

// RFC 9605 section 4.4.2 for one KID.
std::optional<SFrameKeys> derive_sframe_keys(const CipherSuite &suite,
                                             std::span<const uint8_t> base_key, uint64_t kid);

}  // namespace otc::e2ee
