// docs/e2ee-frame-format.md sections 3.4-3.5 / RFC 9605 section 4.5: the AEAD of a cipher suite,
// keyed once with an sframe_key and then used for many frames. AES-CTR + HMAC suites are
// encrypt-then-MAC with the tag checked in constant time before any byte is decrypted; GCM suites
// use OpenSSL's GCM.
//
// The additional data comes in two parts (in the frame layout: SFrame header, then the codec's
// clear prefix) so callers never copy a frame to assemble it.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <span>

#include "cipher_suite.h"

namespace otc::e2ee {

class Aead {
 public:
  // nullptr if key is not suite.key_size bytes or OpenSSL fails.
  static std::unique_ptr<Aead> create(const CipherSuite &suite, std::span<const uint8_t> key);
  ~Aead();
  Aead(const Aead &) = delete;
  Aead &operator=(const Aead &) = delete;

  const CipherSuite &suite() const { return suite_; }
  size_t tag_size() const { return suite_.tag_size; }

  // Writes pt.size() bytes of ciphertext, then the tag, to out (pt.size() + tag_size() bytes).
  // out may alias pt exactly (in-place), not partially.
  bool seal(std::span<const uint8_t> nonce, std::span<const uint8_t> aad1,
            std::span<const uint8_t> aad2, std::span<const uint8_t> pt, uint8_t *out);

  // Checks tag over (nonce, aad1 || aad2, ct) and on success writes ct.size() bytes of plaintext
  // to out. On failure out is left untouched (CTR) or wiped (GCM) and false is returned.
  bool open(std::span<const uint8_t> nonce, std::span<const uint8_t> aad1,
            std::span<const uint8_t> aad2, std::span<const uint8_t> ct,
            std::span<const uint8_t> tag, uint8_t *out);

 private:
  explicit Aead(const CipherSuite &suite) : suite_(suite) {}
  bool init(std::span<const uint8_t> key);
  bool ctr_crypt(std::span<const uint8_t> nonce, std::span<const uint8_t> in, uint8_t *out);
  bool compute_tag(std::span<const uint8_t> nonce, std::span<const uint8_t> aad1,
                   std::span<const uint8_t> aad2, std::span<const uint8_t> ct, uint8_t *tag);
  bool gcm_seal(std::span<const uint8_t> nonce, std::span<const uint8_t> aad1,
                std::span<const uint8_t> aad2, std::span<const uint8_t> pt, uint8_t *out);
  bool gcm_open(std::span<const uint8_t> nonce, std::span<const uint8_t> aad1,
                std::span<const uint8_t> aad2, std::span<const uint8_t> ct,
                std::span<const uint8_t> tag, uint8_t *out);

  const CipherSuite &suite_;
  EVP_CIPHER_CTX *cipher_ = nullptr;  // keyed once; only the IV changes per frame
  EVP_MAC_CTX *mac_ = nullptr;        // HMAC keyed once (CTR suites); re-initialised per frame
};

}  // namespace otc::e2ee
