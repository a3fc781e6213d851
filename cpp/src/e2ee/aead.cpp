#include "aead.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include <array>
#include <climits>

namespace otc::e2ee {

namespace {

constexpr size_t kMaxMacSize = 64;  // SHA-512

EVP_MAC *hmac_algorithm() {
  static EVP_MAC *mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

void put_be64(uint8_t *out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out[7 - i] = static_cast<uint8_t>(value >> (8 * i));
}

// EVP update calls take int lengths; frames are capped far below INT_MAX, but feed in chunks
// anyway so no length is ever truncated.
template <typename Fn>
bool in_chunks(std::span<const uint8_t> data, Fn &&fn) {
  constexpr size_t kChunk = size_t{1} << 30;
  size_t done = 0;
  while (done < data.size()) {
    const size_t n = std::min(kChunk, data.size() - done);
    if (!fn(data.data() + done, static_cast<int>(n), done)) return false;
    done += n;
  }
  return true;
}

}  // namespace

std::unique_ptr<Aead> Aead::create(const CipherSuite &suite, std::span<const uint8_t> key) {
  if (key.size() != suite.key_size) return nullptr;
  std::unique_ptr<Aead> aead(new Aead(suite));
  if (!aead->init(key)) return nullptr;
  return aead;
}

Aead::~Aead() {
  EVP_CIPHER_CTX_free(cipher_);  // both frees cleanse the key schedules they hold
  EVP_MAC_CTX_free(mac_);
}

bool Aead::init(std::span<const uint8_t> key) {
  const EVP_CIPHER *cipher = fetch_cipher(suite_.cipher);
  cipher_ = EVP_CIPHER_CTX_new();
  if (!cipher || !cipher_) return false;
  if (EVP_EncryptInit_ex(cipher_, cipher, nullptr, key.data(), nullptr) != 1) return false;
  if (suite_.gcm) return true;

  // sframe_key = enc_key (Nka bytes) || auth_key (the rest).
  EVP_MAC *hmac = hmac_algorithm();
  if (!hmac) return false;
  mac_ = EVP_MAC_CTX_new(hmac);
  if (!mac_) return false;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char *>(suite_.hash), 0),
      OSSL_PARAM_construct_end()};
  const auto auth_key = key.subspan(suite_.enc_key_size);
  return EVP_MAC_init(mac_, auth_key.data(), auth_key.size(), params) == 1;
}

bool Aead::ctr_crypt(std::span<const uint8_t> nonce, std::span<const uint8_t> in, uint8_t *out) {
  // Initial counter block: nonce || 00000000.
  std::array<uint8_t, 16> counter_block{};
  std::copy(nonce.begin(), nonce.end(), counter_block.begin());
  if (EVP_EncryptInit_ex(cipher_, nullptr, nullptr, nullptr, counter_block.data()) != 1) return false;
  return in_chunks(in, [&](const uint8_t *p, int n, size_t offset) {
    int written = 0;
    return EVP_EncryptUpdate(cipher_, out + offset, &written, p, n) == 1 && written == n;
  });
}

bool Aead::compute_tag(std::span<const uint8_t> nonce, std::span<const uint8_t> aad1,
                       std::span<const uint8_t> aad2, std::span<const uint8_t> ct, uint8_t *tag) {
  // HMAC(auth_key, BE(len(aad),8) || BE(len(ct),8) || BE(Nt,8) || nonce || aad || ct)
  if (EVP_MAC_init(mac_, nullptr, 0, nullptr) != 1) return false;  // same key, fresh state
  // The fixed-size fields and the (short) additional data go in as one update: on audio-sized
  // frames each provider call costs as much as the hashing itself.
  std::array<uint8_t, 24 + 16 + 128> head{};
  put_be64(head.data(), aad1.size() + aad2.size());
  put_be64(head.data() + 8, ct.size());
  put_be64(head.data() + 16, suite_.tag_size);
  size_t head_size = 24;
  auto append = [&](std::span<const uint8_t> part) {
    if (part.empty() || head_size + part.size() > head.size()) return false;
    std::copy(part.begin(), part.end(), head.begin() + static_cast<long>(head_size));
    head_size += part.size();
    return true;
  };
  auto update = [&](std::span<const uint8_t> part) {
    return part.empty() || EVP_MAC_update(mac_, part.data(), part.size()) == 1;
  };
  append(nonce);
  // Long additional data (an H.264 prefix with parameter sets) is fed in place instead.
  const bool small_aad = aad1.size() + aad2.size() + head_size <= head.size();
  if (small_aad) {
    append(aad1);
    append(aad2);
  }
  if (!update({head.data(), head_size})) return false;
  if (!small_aad && (!update(aad1) || !update(aad2))) return false;
  if (!update(ct)) return false;
  std::array<uint8_t, kMaxMacSize> full{};
  size_t full_size = 0;
  if (EVP_MAC_final(mac_, full.data(), &full_size, full.size()) != 1) return false;
  if (full_size < suite_.tag_size) return false;
  std::copy(full.begin(), full.begin() + static_cast<long>(suite_.tag_size), tag);
  OPENSSL_cleanse(full.data(), full.size());
  return true;
}

bool Aead::seal(std::span<const uint8_t> nonce, std::span<const uint8_t> aad1,
                std::span<const uint8_t> aad2, std::span<const uint8_t> pt, uint8_t *out) {
  if (nonce.size() != suite_.nonce_size) return false;
  if (suite_.gcm) return gcm_seal(nonce, aad1, aad2, pt, out);
  if (!ctr_crypt(nonce, pt, out)) return false;
  return compute_tag(nonce, aad1, aad2, {out, pt.size()}, out + pt.size());
}

bool Aead::open(std::span<const uint8_t> nonce, std::span<const uint8_t> aad1,
                std::span<const uint8_t> aad2, std::span<const uint8_t> ct,
                std::span<const uint8_t> tag, uint8_t *out) {
  if (nonce.size() != suite_.nonce_size || tag.size() != suite_.tag_size) return false;
  if (suite_.gcm) return gcm_open(nonce, aad1, aad2, ct, tag, out);
  std::array<uint8_t, kMaxMacSize> expected{};
  if (!compute_tag(nonce, aad1, aad2, ct, expected.data())) return false;
  const bool match = CRYPTO_memcmp(expected.data(), tag.data(), tag.size()) == 0;
  if (!match) return false;
  return ctr_crypt(nonce, ct, out);
}

bool Aead::gcm_seal(std::span<const uint8_t> nonce, std::span<const uint8_t> aad1,
                    std::span<const uint8_t> aad2, std::span<const uint8_t> pt, uint8_t *out) {
  if (EVP_EncryptInit_ex(cipher_, nullptr, nullptr, nullptr, nonce.data()) != 1) return false;
  int n = 0;
  for (auto part : {aad1, aad2})
    if (!part.empty() && !in_chunks(part, [&](const uint8_t *p, int len, size_t) {
          return EVP_EncryptUpdate(cipher_, nullptr, &n, p, len) == 1;
        }))
      return false;
  if (!in_chunks(pt, [&](const uint8_t *p, int len, size_t offset) {
        return EVP_EncryptUpdate(cipher_, out + offset, &n, p, len) == 1;
      }))
    return false;
  if (EVP_EncryptFinal_ex(cipher_, out + pt.size(), &n) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(cipher_, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(suite_.tag_size),
                             out + pt.size()) == 1;
}

bool Aead::gcm_open(std::span<const uint8_t> nonce, std::span<const uint8_t> aad1,
                    std::span<const uint8_t> aad2, std::span<const uint8_t> ct,
                    std::span<const uint8_t> tag, uint8_t *out) {
  // The context was keyed for encryption; GCM decryption needs its own init with the key kept.
  if (EVP_DecryptInit_ex(cipher_, nullptr, nullptr, nullptr, nonce.data()) != 1) return false;
  int n = 0;
  for (auto part : {aad1, aad2})
    if (!part.empty() && !in_chunks(part, [&](const uint8_t *p, int len, size_t) {
          return EVP_DecryptUpdate(cipher_, nullptr, &n, p, len) == 1;
        }))
      return false;
  if (!in_chunks(ct, [&](const uint8_t *p, int len, size_t offset) {
        return EVP_DecryptUpdate(cipher_, out + offset, &n, p, len) == 1;
      }))
    return false;
  if (EVP_CIPHER_CTX_ctrl(cipher_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag.size()),
                          const_cast<uint8_t *>(tag.data())) != 1)
    return false;
  if (EVP_DecryptFinal_ex(cipher_, out + ct.size(), &n) != 1) {
    if (!ct.empty()) OPENSSL_cleanse(out, ct.size());  // GCM decrypts before it verifies
    return false;
  }
  return true;
}

}  // namespace otc::e2ee
