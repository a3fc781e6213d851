#include "key_derivation.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include <array>
#include <string>

namespace otc::e2ee {

namespace {

// EVP_KDF_fetch is not free; the fetched HKDF is immutable and shared by every thread.
EVP_KDF *hkdf_algorithm() {
  static EVP_KDF *kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  return kdf;
}

std::optional<SecureBytes> run_hkdf(int mode, const char *hash, std::span<const uint8_t> key,
                                    std::span<const uint8_t> salt, std::span<const uint8_t> info,
                                    size_t length) {
  EVP_KDF *kdf = hkdf_algorithm();
  if (!kdf) return std::nullopt;
  EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
  if (!ctx) return std::nullopt;
  // OSSL_PARAM wants non-const pointers; OpenSSL only reads these.
  auto *key_ptr = const_cast<uint8_t *>(key.data());
  auto *salt_ptr = const_cast<uint8_t *>(salt.data());
  auto *info_ptr = const_cast<uint8_t *>(info.data());
  static uint8_t empty = 0;
  OSSL_PARAM params[6];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char *>(hash), 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, key_ptr ? key_ptr : &empty, key.size());
  if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY)
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt_ptr ? salt_ptr : &empty, salt.size());
  else
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info_ptr ? info_ptr : &empty, info.size());
  params[n++] = OSSL_PARAM_construct_end();

  if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY) {
    const EVP_MD *md = fetch_digest(hash);
    if (!md) {
      EVP_KDF_CTX_free(ctx);
      return std::nullopt;
    }
    length = static_cast<size_t>(EVP_MD_get_size(md));
  }
  SecureBytes out(length);
  const bool ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  EVP_KDF_CTX_free(ctx);  // cleanses the context's copies of key and info
  if (!ok) return std::nullopt;
  return out;
}

std::span<const uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t *>(text.data()), text.size()};
}

void put_be(uint8_t *out, uint64_t value, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) out[bytes - 1 - i] = static_cast<uint8_t>(value >> (8 * i));
}

}  // namespace

std::optional<SecureBytes> hkdf_extract(const char *hash, std::span<const uint8_t> salt,
                                        std::span<const uint8_t> ikm) {
  return run_hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, hash, ikm, salt, {}, 0);
}

std::optional<SecureBytes> hkdf_expand(const char *hash, std::span<const uint8_t> prk,
                                       std::span<const uint8_t> info, size_t length) {
  return run_hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, hash, prk, {}, info, length);
}

std::optional<SecureBytes> derive_base_key(std::string_view secret, std::string_view session_id) {
  std::string salt = "otc-e2ee-v1|";
  salt.append(session_id);
  SecureBytes key(kBaseKeySize);
  const bool ok =
      PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()),
                        reinterpret_cast<const unsigned char *>(salt.data()),
                        static_cast<int>(salt.size()), kPbkdf2Iterations,
                        fetch_digest("SHA256"), static_cast<int>(key.size()), key.data()) == 1;
  if (!ok) return std::nullopt;
  return key;
}

std::optional<uint32_t> derive_epoch_id(std::span<const uint8_t> base_key) {
  auto prk = hkdf_extract("SHA256", {}, base_key);
  if (!prk) return std::nullopt;
  auto bytes = hkdf_expand("SHA256", prk->span(), as_bytes("otc-e2ee-v1 epoch"), 4);
  if (!bytes) return std::nullopt;
  const uint8_t *b = bytes->data();
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

std::optional<SecureBytes> derive_ratchet_key(std::span<const uint8_t> base_key) {
  auto prk = hkdf_extract("SHA256", {}, base_key);
  if (!prk) return std::nullopt;
  return hkdf_expand("SHA256", prk->span(), as_bytes("otc-e2ee-v1 ratchet"), kBaseKeySize);
}

std::optional<SFrameKeys> derive_sframe_keys(const CipherSuite &suite,
                                             std::span<const uint8_t> base_key, uint64_t kid) {
  auto secret = hkdf_extract(suite.hash, {}, base_key);
  if (!secret) return std::nullopt;
  // label || BE(KID, 8) || BE(suite, 2)
  auto make_info = [&](std::string_view label) {
    std::string info(label);
    std::array<uint8_t, 10> tail{};
    put_be(tail.data(), kid, 8);
    put_be(tail.data() + 8, suite.id, 2);
    info.append(reinterpret_cast<const char *>(tail.data()), tail.size());
    return info;
  };
  const std::string key_info = make_info("SFrame 1.0 Secret key ");
  const std::string salt_info = make_info("SFrame 1.0 Secret salt ");
  auto key = hkdf_expand(suite.hash, secret->span(), as_bytes(key_info), suite.key_size);
  auto salt = hkdf_expand(suite.hash, secret->span(), as_bytes(salt_info), suite.nonce_size);
  if (!key || !salt) return std::nullopt;
  return SFrameKeys{std::move(*key), std::move(*salt)};
}

}  // namespace otc::e2ee
