// C API: otc_sframe_*, raw RFC 9605 SFrame for interoperability and the published vectors.
#include <otc/e2ee.h>

#include <array>
#include <cstring>

#include "../e2ee/aead.h"
#include "../e2ee/frame_layout.h"
#include "../e2ee/key_derivation.h"
#include "../e2ee/sframe_header.h"

using namespace otc::e2ee;

namespace {

const CipherSuite *suite_of(otc_e2ee_suite suite) {
  const int id = static_cast<int>(suite);
  return id > 0 && id <= 0xFFFF ? find_cipher_suite(static_cast<uint16_t>(id)) : nullptr;
}

bool bad_span(const void *p, size_t n) { return !p && n; }

}  // namespace

extern "C" {

otc_status otc_sframe_header_encode(uint64_t kid, uint64_t ctr, uint8_t *out, size_t out_capacity,
                                    size_t *out_size) {
  if (!out || !out_size) return OTC_E2EE_INVALID_PARAMETER;
  const auto header = encode_header({kid, ctr});
  if (out_capacity < header.size) return OTC_E2EE_BUFFER_TOO_SMALL;
  std::memcpy(out, header.bytes.data(), header.size);
  *out_size = header.size;
  return OTC_SUCCESS;
}

otc_status otc_sframe_header_decode(const uint8_t *in, size_t in_size, uint64_t *kid,
                                    uint64_t *ctr, size_t *header_size) {
  if (bad_span(in, in_size) || !kid || !ctr || !header_size) return OTC_E2EE_INVALID_PARAMETER;
  const auto decoded = decode_header({in, in_size});
  if (!decoded) return OTC_E2EE_MALFORMED;
  *kid = decoded->header.kid;
  *ctr = decoded->header.ctr;
  *header_size = decoded->size;
  return OTC_SUCCESS;
}

otc_status otc_sframe_aead_seal(otc_e2ee_suite suite, const uint8_t *key, size_t key_size,
                                const uint8_t *nonce, size_t nonce_size, const uint8_t *aad,
                                size_t aad_size, const uint8_t *pt, size_t pt_size, uint8_t *out,
                                size_t out_capacity, size_t *out_size) {
  const CipherSuite *s = suite_of(suite);
  if (!s) return OTC_E2EE_UNSUPPORTED_SUITE;
  if (!key || !nonce || bad_span(aad, aad_size) || bad_span(pt, pt_size) || !out || !out_size ||
      key_size != s->key_size || nonce_size != s->nonce_size)
    return OTC_E2EE_INVALID_PARAMETER;
  if (pt_size > OTC_E2EE_MAX_FRAME_SIZE) return OTC_E2EE_FRAME_TOO_LARGE;
  if (out_capacity < pt_size + s->tag_size) return OTC_E2EE_BUFFER_TOO_SMALL;
  auto aead = Aead::create(*s, {key, key_size});
  if (!aead || !aead->seal({nonce, nonce_size}, {aad, aad_size}, {}, {pt, pt_size}, out))
    return OTC_E2EE_CRYPTO_FAILURE;
  *out_size = pt_size + s->tag_size;
  return OTC_SUCCESS;
}

otc_status otc_sframe_aead_open(otc_e2ee_suite suite, const uint8_t *key, size_t key_size,
                                const uint8_t *nonce, size_t nonce_size, const uint8_t *aad,
                                size_t aad_size, const uint8_t *ct, size_t ct_size, uint8_t *out,
                                size_t out_capacity, size_t *out_size) {
  const CipherSuite *s = suite_of(suite);
  if (!s) return OTC_E2EE_UNSUPPORTED_SUITE;
  if (!key || !nonce || bad_span(aad, aad_size) || bad_span(ct, ct_size) || !out_size ||
      key_size != s->key_size || nonce_size != s->nonce_size)
    return OTC_E2EE_INVALID_PARAMETER;
  if (ct_size < s->tag_size) return OTC_E2EE_MALFORMED;
  if (ct_size > OTC_E2EE_MAX_FRAME_SIZE + s->tag_size) return OTC_E2EE_FRAME_TOO_LARGE;
  const size_t pt_size = ct_size - s->tag_size;
  if (out_capacity < pt_size || (!out && pt_size)) return OTC_E2EE_BUFFER_TOO_SMALL;
  auto aead = Aead::create(*s, {key, key_size});
  if (!aead) return OTC_E2EE_CRYPTO_FAILURE;
  static uint8_t no_output;
  if (!aead->open({nonce, nonce_size}, {aad, aad_size}, {}, {ct, pt_size},
                  {ct + pt_size, s->tag_size}, out ? out : &no_output))
    return OTC_E2EE_AUTHENTICATION_FAILED;
  *out_size = pt_size;
  return OTC_SUCCESS;
}

otc_status otc_sframe_derive_key(otc_e2ee_suite suite, const uint8_t *base_key,
                                 size_t base_key_size, uint64_t kid, uint8_t *key_out,
                                 size_t key_capacity, size_t *key_size, uint8_t *salt_out,
                                 size_t salt_capacity, size_t *salt_size) {
  const CipherSuite *s = suite_of(suite);
  if (!s) return OTC_E2EE_UNSUPPORTED_SUITE;
  if (!base_key || !base_key_size || !key_out || !key_size || !salt_out || !salt_size)
    return OTC_E2EE_INVALID_PARAMETER;
  if (key_capacity < s->key_size || salt_capacity < s->nonce_size) return OTC_E2EE_BUFFER_TOO_SMALL;
  auto keys = derive_sframe_keys(*s, {base_key, base_key_size}, kid);
  if (!keys) return OTC_E2EE_CRYPTO_FAILURE;
  std::memcpy(key_out, keys->key.data(), keys->key.size());
  std::memcpy(salt_out, keys->salt.data(), keys->salt.size());
  *key_size = keys->key.size();
  *salt_size = keys->salt.size();
  return OTC_SUCCESS;
}

otc_status otc_sframe_protect(otc_e2ee_suite suite, const uint8_t *base_key, size_t base_key_size,
                              uint64_t kid, uint64_t ctr, const uint8_t *metadata,
                              size_t metadata_size, const uint8_t *pt, size_t pt_size,
                              uint8_t *out, size_t out_capacity, size_t *out_size) {
  const CipherSuite *s = suite_of(suite);
  if (!s) return OTC_E2EE_UNSUPPORTED_SUITE;
  if (!base_key || !base_key_size || bad_span(metadata, metadata_size) || bad_span(pt, pt_size) ||
      !out || !out_size)
    return OTC_E2EE_INVALID_PARAMETER;
  if (pt_size > OTC_E2EE_MAX_FRAME_SIZE) return OTC_E2EE_FRAME_TOO_LARGE;
  const auto header = encode_header({kid, ctr});
  if (out_capacity < header.size + pt_size + s->tag_size) return OTC_E2EE_BUFFER_TOO_SMALL;
  auto keys = derive_sframe_keys(*s, {base_key, base_key_size}, kid);
  if (!keys) return OTC_E2EE_CRYPTO_FAILURE;
  auto aead = Aead::create(*s, keys->key.span());
  std::array<uint8_t, 16> nonce{};
  make_nonce(keys->salt, ctr, nonce.data());
  std::memcpy(out, header.bytes.data(), header.size);
  if (!aead || !aead->seal({nonce.data(), s->nonce_size}, header.span(), {metadata, metadata_size},
                           {pt, pt_size}, out + header.size))
    return OTC_E2EE_CRYPTO_FAILURE;
  *out_size = header.size + pt_size + s->tag_size;
  return OTC_SUCCESS;
}

otc_status otc_sframe_unprotect(otc_e2ee_suite suite, const uint8_t *base_key,
                                size_t base_key_size, const uint8_t *metadata,
                                size_t metadata_size, const uint8_t *in, size_t in_size,
                                uint8_t *out, size_t out_capacity, size_t *out_size,
                                uint64_t *kid, uint64_t *ctr) {
  const CipherSuite *s = suite_of(suite);
  if (!s) return OTC_E2EE_UNSUPPORTED_SUITE;
  if (!base_key || !base_key_size || bad_span(metadata, metadata_size) || bad_span(in, in_size) ||
      !out_size)
    return OTC_E2EE_INVALID_PARAMETER;
  if (in_size > OTC_E2EE_MAX_FRAME_SIZE + kMaxHeaderSize + s->tag_size) return OTC_E2EE_FRAME_TOO_LARGE;
  const auto decoded = decode_header({in, in_size});
  if (!decoded || in_size < decoded->size + s->tag_size) return OTC_E2EE_MALFORMED;
  const size_t pt_size = in_size - decoded->size - s->tag_size;
  if (out_capacity < pt_size || (!out && pt_size)) return OTC_E2EE_BUFFER_TOO_SMALL;
  auto keys = derive_sframe_keys(*s, {base_key, base_key_size}, decoded->header.kid);
  if (!keys) return OTC_E2EE_CRYPTO_FAILURE;
  auto aead = Aead::create(*s, keys->key.span());
  if (!aead) return OTC_E2EE_CRYPTO_FAILURE;
  std::array<uint8_t, 16> nonce{};
  make_nonce(keys->salt, decoded->header.ctr, nonce.data());
  static uint8_t no_output;
  const uint8_t *ct = in + decoded->size;
  if (!aead->open({nonce.data(), s->nonce_size}, {in, decoded->size}, {metadata, metadata_size},
                  {ct, pt_size}, {ct + pt_size, s->tag_size}, out ? out : &no_output))
    return OTC_E2EE_AUTHENTICATION_FAILED;
  *out_size = pt_size;
  if (kid) *kid = decoded->header.kid;
  if (ctr) *ctr = decoded->header.ctr;
  return OTC_SUCCESS;
}

}  // extern "C"
