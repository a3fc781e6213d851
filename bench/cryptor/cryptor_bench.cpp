// Native half of bench/cryptor: the frame cryptor's seal and open through the C API (what a
// media thread pays per frame) beside the limit, raw OpenSSL AES-256-CTR + HMAC-SHA-512 over the
// same bytes with keys set up once and no framing. Prints one JSON object; run.mjs makes the table.
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <otc/otc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs fn(i) in rounds until min_seconds have passed; returns seconds per call.
template <typename Fn>
double measure(double min_seconds, Fn &&fn) {
  for (int i = 0; i < 64; ++i) fn(i);  // warm caches and lazy initialisation
  size_t calls = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  size_t batch = 64;
  while ((elapsed = seconds_since(start)) < min_seconds) {
    for (size_t i = 0; i < batch; ++i) fn(calls + i);
    calls += batch;
    if (batch < 65536) batch *= 2;
  }
  return elapsed / static_cast<double>(calls);
}

struct RawCtrHmac {
  EVP_CIPHER_CTX *cipher = EVP_CIPHER_CTX_new();
  EVP_MAC *mac_algo = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX *mac = EVP_MAC_CTX_new(mac_algo);
  RawCtrHmac() {
    unsigned char key[96];
    RAND_bytes(key, sizeof key);
    EVP_CIPHER *aes = EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr);
    EVP_EncryptInit_ex(cipher, aes, nullptr, key, nullptr);
    EVP_CIPHER_free(aes);
    char digest[] = "SHA512";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    EVP_MAC_init(mac, key + 32, 64, params);
  }
  ~RawCtrHmac() {
    EVP_CIPHER_CTX_free(cipher);
    EVP_MAC_CTX_free(mac);
    EVP_MAC_free(mac_algo);
  }
  // Encrypt, then MAC the ciphertext: the two primitives and nothing else.
  void seal(const unsigned char *iv, const unsigned char *in, size_t n, unsigned char *out, unsigned char *tag) {
    int len = 0;
    EVP_EncryptInit_ex(cipher, nullptr, nullptr, nullptr, iv);
    EVP_EncryptUpdate(cipher, out, &len, in, static_cast<int>(n));
    EVP_MAC_init(mac, nullptr, 0, nullptr);
    EVP_MAC_update(mac, out, n);
    size_t tag_len = 0;
    EVP_MAC_final(mac, tag, &tag_len, 64);
  }
  void open(const unsigned char *iv, const unsigned char *in, size_t n, unsigned char *out, unsigned char *tag) {
    size_t tag_len = 0;
    EVP_MAC_init(mac, nullptr, 0, nullptr);
    EVP_MAC_update(mac, in, n);
    EVP_MAC_final(mac, tag, &tag_len, 64);
    int len = 0;
    EVP_EncryptInit_ex(cipher, nullptr, nullptr, nullptr, iv);
    EVP_EncryptUpdate(cipher, out, &len, in, static_cast<int>(n));
  }
};

}  // namespace

int main(int argc, char **argv) {
  const double min_seconds = argc > 1 ? std::atof(argv[1]) : 0.4;
  const size_t sizes[] = {100, 1200, 50000, 200000};
  otc_status status;
  otc_frame_cryptor *sender = otc_frame_cryptor_new("bench-session", "benchmark secret 1", nullptr, &status);
  otc_frame_cryptor *receiver = otc_frame_cryptor_new("bench-session", "benchmark secret 1", nullptr, &status);
  if (!sender || !receiver) {
    std::fprintf(stderr, "cannot create cryptors: %d\n", status);
    return 1;
  }
  RawCtrHmac raw;
  std::string json = "{\"min_seconds\":" + std::to_string(min_seconds) + ",\"rows\":[";
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s) {
    const size_t size = sizes[s];
    const otc_e2ee_codec codec = size == 100 ? OTC_E2EE_CODEC_OPUS : OTC_E2EE_CODEC_VP8;
    std::vector<unsigned char> frame(size);
    RAND_bytes(frame.data(), static_cast<int>(size));
    frame[0] |= 1;  // a VP8 delta frame: 3 clear bytes
    const size_t cap = otc_frame_cryptor_max_sealed_size(codec, size);
    std::vector<unsigned char> sealed(cap), opened(cap), tag(64), iv(16, 0);

    size_t out = 0;
    const double core_seal = measure(min_seconds, [&](size_t) {
      otc_frame_cryptor_seal(sender, codec, 0, frame.data(), size, sealed.data(), cap, &out);
    });

    // Open distinct frames (each once, as a receiver does): seal a batch untimed, open it timed.
    const size_t batch = size <= 1200 ? 2048 : 64;
    std::vector<std::vector<unsigned char>> frames(batch, std::vector<unsigned char>(cap));
    std::vector<size_t> lengths(batch);
    double open_time = 0;
    size_t opened_count = 0, failures = 0;
    const auto open_start = Clock::now();
    while (seconds_since(open_start) < min_seconds * 2 && (open_time < min_seconds || opened_count < 2 * batch)) {
      for (size_t i = 0; i < batch; ++i)
        otc_frame_cryptor_seal(sender, codec, 0, frame.data(), size, frames[i].data(), cap, &lengths[i]);
      const auto t0 = Clock::now();
      for (size_t i = 0; i < batch; ++i) {
        size_t n = 0;
        otc_e2ee_outcome outcome;
        otc_frame_cryptor_open(receiver, codec, frames[i].data(), lengths[i], opened.data(), cap, &n, &outcome, nullptr);
        failures += outcome != OTC_E2EE_DECRYPTED;
      }
      open_time += seconds_since(t0);
      opened_count += batch;
    }
    const double core_open = open_time / static_cast<double>(opened_count);

    const double raw_seal = measure(min_seconds, [&](size_t i) {
      std::memcpy(iv.data(), &i, sizeof i);
      raw.seal(iv.data(), frame.data(), size, sealed.data(), tag.data());
    });
    // The limit for open reads the same batch of distinct frames as the core did.
    double raw_open_time = 0;
    size_t raw_opened = 0;
    const auto raw_start = Clock::now();
    while (seconds_since(raw_start) < min_seconds * 2 && (raw_open_time < min_seconds || raw_opened < 2 * batch)) {
      const auto t0 = Clock::now();
      for (size_t i = 0; i < batch; ++i) {
        std::memcpy(iv.data(), &i, sizeof i);
        raw.open(iv.data(), frames[i].data(), size, opened.data(), tag.data());
      }
      raw_open_time += seconds_since(t0);
      raw_opened += batch;
    }
    const double raw_open = raw_open_time / static_cast<double>(raw_opened);
    char row[512];
    std::snprintf(row, sizeof row,
                  "%s{\"size\":%zu,\"core_seal_s\":%.9g,\"core_open_s\":%.9g,\"raw_seal_s\":%.9g,"
                  "\"raw_open_s\":%.9g,\"open_failures\":%zu}",
                  s ? "," : "", size, core_seal, core_open, raw_seal, raw_open, failures);
    json += row;
  }
  json += "]}";
  std::puts(json.c_str());
  otc_frame_cryptor_delete(sender);
  otc_frame_cryptor_delete(receiver);
  return 0;
}
