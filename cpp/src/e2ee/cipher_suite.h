// docs/e2ee-frame-format.md section 3.1: the eight SFrame cipher suites and their parameters.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>

namespace otc::e2ee {

struct CipherSuite {
  uint16_t id;
  bool gcm;             // AES-GCM (suites 4, 5) or AES-CTR + HMAC (the others)
  size_t enc_key_size;  // Nka: AES key bytes
  size_t key_size;      // Nk: sframe_key bytes (AES key, plus the HMAC key for CTR suites)
  size_t nonce_size;    // Nn
  size_t tag_size;      // Nt
  const char *hash;     // the suite's HKDF/HMAC hash, as OpenSSL names it
  const char *cipher;   // the AES mode, as OpenSSL names it
};

// nullptr when id is not a suite of the spec.
const CipherSuite *find_cipher_suite(uint16_t id);

// Fetched once per process: implicit fetches (EVP_sha256() and friends inside Init calls) cost
// more than the cipher itself on 100-byte audio frames.
const EVP_MD *fetch_digest(const char *name);
const EVP_CIPHER *fetch_cipher(const char *name);

}  // namespace otc::e2ee
