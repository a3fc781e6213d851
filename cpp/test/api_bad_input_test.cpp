// Every public function of otc/e2ee.h, otc/session.h and otc/errors.h fed bad input: null
// pointers, zero and wrong sizes, unknown suites and codecs, short buffers, oversized frames,
// invalid secrets.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <chrono>
#include <climits>
#include <condition_variable>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "test_support.h"

using namespace otc_test;
using namespace std::chrono_literals;

namespace {

constexpr const char *kSession = "bad-input-session";

std::string repeat(const std::string &unit, size_t times) {
  std::string s;
  for (size_t i = 0; i < times; ++i) s += unit;
  return s;
}

// Secrets the rules refuse (docs/e2ee-frame-format.md section 1.1).
std::vector<std::string> invalid_secrets() {
  return {"",
          "a",
          "1234567",                                  // 7 code points
          repeat("\xE2\x82\xAC", 7),                  // 7 three-byte code points (21 bytes)
          repeat("a", 257),                           // 257 code points
          repeat("\xF0\x9F\x98\x80", 257),
          "abcd\xC3" "efgh",                          // truncated sequence
          "abcdefgh\xFF",                             // invalid byte
          "abcd\xC0\x80" "efgh",                      // overlong NUL
          "abcd\xED\xA0\x80" "efgh",                  // surrogate
          "abcd\xF4\x90\x80\x80" "efgh"};             // above U+10FFFF
}

const int kBadSuites[] = {9, -1, 255, 0x10000 + 6, INT_MIN, INT_MAX};
const int kBadCodecs[] = {5, -1, 255, 1000, INT_MIN, INT_MAX};

// The API as a C caller (or the Node addon) calls it: enum parameters are plain ints at the ABI
// level and may hold any value. Calling through these int-typed pointers passes out-of-range
// values without an out-of-range enum object ever existing in this (C++) test.
template <typename To, typename From>
To as_c_function(From *f) {
  return reinterpret_cast<To>(reinterpret_cast<void (*)()>(f));
}
namespace c_abi {
const auto max_sealed_size = as_c_function<size_t (*)(int, size_t)>(&otc_frame_cryptor_max_sealed_size);
const auto seal = as_c_function<otc_status (*)(otc_frame_cryptor *, int, int, const uint8_t *, size_t, uint8_t *,
                                               size_t, size_t *)>(&otc_frame_cryptor_seal);
const auto open = as_c_function<otc_status (*)(otc_frame_cryptor *, int, const uint8_t *, size_t, uint8_t *, size_t,
                                               size_t *, otc_e2ee_outcome *, otc_e2ee_event *)>(&otc_frame_cryptor_open);
const auto aead_seal = as_c_function<otc_status (*)(int, const uint8_t *, size_t, const uint8_t *, size_t,
                                                    const uint8_t *, size_t, const uint8_t *, size_t, uint8_t *,
                                                    size_t, size_t *)>(&otc_sframe_aead_seal);
const auto aead_open = as_c_function<otc_status (*)(int, const uint8_t *, size_t, const uint8_t *, size_t,
                                                    const uint8_t *, size_t, const uint8_t *, size_t, uint8_t *,
                                                    size_t, size_t *)>(&otc_sframe_aead_open);
const auto derive_key = as_c_function<otc_status (*)(int, const uint8_t *, size_t, uint64_t, uint8_t *, size_t,
                                                     size_t *, uint8_t *, size_t, size_t *)>(&otc_sframe_derive_key);
const auto protect = as_c_function<otc_status (*)(int, const uint8_t *, size_t, uint64_t, uint64_t, const uint8_t *,
                                                  size_t, const uint8_t *, size_t, uint8_t *, size_t, size_t *)>(
    &otc_sframe_protect);
const auto unprotect = as_c_function<otc_status (*)(int, const uint8_t *, size_t, const uint8_t *, size_t,
                                                    const uint8_t *, size_t, uint8_t *, size_t, size_t *, uint64_t *,
                                                    uint64_t *)>(&otc_sframe_unprotect);
}  // namespace c_abi

// Key and nonce sizes of suites 1..8 (docs/e2ee-frame-format.md section 3.1), index = suite id.
constexpr size_t kKeySize[9] = {0, 48, 48, 48, 16, 32, 96, 96, 96};
constexpr size_t kNonceSize = 12;

// An address range that reads as zeros (input) or faults on any access (output), with no memory
// behind it: a call that must refuse a huge frame cannot allocate or touch it unnoticed.
class Reserved {
 public:
  Reserved(size_t size, int prot) : size_(size) {
    p_ = mmap(nullptr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p_ == MAP_FAILED) p_ = nullptr;
  }
  ~Reserved() {
    if (p_) munmap(p_, size_);
  }
  uint8_t *data() const { return static_cast<uint8_t *>(p_); }
  size_t size() const { return size_; }

 private:
  void *p_ = nullptr;
  size_t size_;
};

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// ---------------------------------------------------------------------------------------------
// Secret and key helpers.

TEST(BadInput, ValidateSecret) {
  EXPECT_EQ(otc_e2ee_validate_secret(nullptr), OTC_SESSION_INVALID_ENCRYPTION_SECRET);
  for (const std::string &s : invalid_secrets())
    EXPECT_EQ(otc_e2ee_validate_secret(s.c_str()), OTC_SESSION_INVALID_ENCRYPTION_SECRET) << to_hex(Bytes(s.begin(), s.end()));
  EXPECT_EQ(otc_e2ee_validate_secret(kSecretA), OTC_SUCCESS);
}

TEST(BadInput, DeriveBaseKey) {
  uint8_t key[32];
  EXPECT_EQ(otc_e2ee_derive_base_key(nullptr, kSecretA, key), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_e2ee_derive_base_key(kSession, kSecretA, nullptr), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_e2ee_derive_base_key(kSession, nullptr, key), OTC_SESSION_INVALID_ENCRYPTION_SECRET);
  for (const std::string &s : invalid_secrets())
    EXPECT_EQ(otc_e2ee_derive_base_key(kSession, s.c_str(), key), OTC_SESSION_INVALID_ENCRYPTION_SECRET);
}

TEST(BadInput, EpochIdAndRatchetKey) {
  uint8_t key[32] = {1}, next[32];
  uint32_t id = 0;
  EXPECT_EQ(otc_e2ee_epoch_id(nullptr, &id), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_e2ee_epoch_id(key, nullptr), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_e2ee_ratchet_key(nullptr, next), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_e2ee_ratchet_key(key, nullptr), OTC_E2EE_INVALID_PARAMETER);
  // In place (next == key) works: inputs are read before the output is written... or the call
  // refuses. Either way no crash; the value must then equal the out-of-place one.
  uint8_t expected[32];
  ASSERT_EQ(otc_e2ee_ratchet_key(key, expected), OTC_SUCCESS);
  if (otc_e2ee_ratchet_key(key, key) == OTC_SUCCESS) {
    EXPECT_EQ(to_hex(key, 32), to_hex(expected, 32));
  }
}

// ---------------------------------------------------------------------------------------------
// otc_frame_cryptor_new / set_secret / ratchet / get_stats / delete.

TEST(BadInput, CryptorNewNullArguments) {
  otc_status st = OTC_SUCCESS;
  EXPECT_EQ(otc_frame_cryptor_new(nullptr, kSecretA, nullptr, &st), nullptr);
  EXPECT_EQ(st, OTC_E2EE_INVALID_PARAMETER);
  st = OTC_SUCCESS;
  EXPECT_EQ(otc_frame_cryptor_new(kSession, nullptr, nullptr, &st), nullptr);
  EXPECT_TRUE(st == OTC_SESSION_INVALID_ENCRYPTION_SECRET || st == OTC_E2EE_INVALID_PARAMETER)
      << otc_error_name(st);
  // A null status pointer is allowed, on failure and on success.
  EXPECT_EQ(otc_frame_cryptor_new(nullptr, nullptr, nullptr, nullptr), nullptr);
  CryptorPtr ok(otc_frame_cryptor_new(kSession, kSecretA, nullptr, nullptr));
  EXPECT_NE(ok, nullptr);
}

TEST(BadInput, CryptorNewInvalidSecrets) {
  for (const std::string &s : invalid_secrets()) {
    otc_status st = OTC_SUCCESS;
    EXPECT_EQ(otc_frame_cryptor_new(kSession, s.c_str(), nullptr, &st), nullptr);
    EXPECT_EQ(st, OTC_SESSION_INVALID_ENCRYPTION_SECRET) << to_hex(Bytes(s.begin(), s.end()));
  }
}

TEST(BadInput, CryptorNewSuites) {
  for (int suite : kBadSuites) {
    otc_frame_cryptor_settings settings{};
    static_assert(sizeof settings.suite == sizeof suite);
    std::memcpy(&settings.suite, &suite, sizeof suite);  // as C code stores any int there
    otc_status st = OTC_SUCCESS;
    EXPECT_EQ(otc_frame_cryptor_new(kSession, kSecretA, &settings, &st), nullptr) << suite;
    EXPECT_EQ(st, OTC_E2EE_UNSUPPORTED_SUITE) << suite;
  }
  // 0 means the default suite.
  otc_frame_cryptor_settings zero{static_cast<otc_e2ee_suite>(0), 0};
  otc_status st = -1;
  CryptorPtr c(otc_frame_cryptor_new(kSession, kSecretA, &zero, &st));
  EXPECT_EQ(st, OTC_SUCCESS);
  ASSERT_NE(c, nullptr);
  auto six = make_cryptor(kSession, kSecretA, 6);
  Rng rng(1);
  const Bytes plain = rng.bytes(33);
  EXPECT_EQ(open(six.get(), OTC_E2EE_CODEC_OPUS, seal(c.get(), OTC_E2EE_CODEC_OPUS, plain)).frame, plain);
}

TEST(BadInput, CryptorSetSecret) {
  EXPECT_EQ(otc_frame_cryptor_set_secret(nullptr, kSecretA), OTC_E2EE_INVALID_PARAMETER);
  auto c = make_cryptor(kSession, kSecretA);
  auto peer = make_cryptor(kSession, kSecretA);
  const uint32_t epoch = stats_of(c.get()).current_epoch_id;
  EXPECT_EQ(otc_frame_cryptor_set_secret(c.get(), nullptr), OTC_SESSION_INVALID_ENCRYPTION_SECRET);
  for (const std::string &s : invalid_secrets())
    EXPECT_EQ(otc_frame_cryptor_set_secret(c.get(), s.c_str()), OTC_SESSION_INVALID_ENCRYPTION_SECRET);
  // The previous secret stays: same epoch, nothing superseded, frames still interoperate.
  const auto s = stats_of(c.get());
  EXPECT_EQ(s.current_epoch_id, epoch);
  EXPECT_EQ(s.epochs_held, 1u);
  Rng rng(2);
  const Bytes plain = rng.bytes(100);
  EXPECT_EQ(open(peer.get(), OTC_E2EE_CODEC_OPUS, seal(c.get(), OTC_E2EE_CODEC_OPUS, plain)).frame, plain);
}

TEST(BadInput, CryptorRatchetStatsDelete) {
  EXPECT_EQ(otc_frame_cryptor_ratchet(nullptr), OTC_E2EE_INVALID_PARAMETER);
  otc_frame_cryptor_stats s;
  EXPECT_EQ(otc_frame_cryptor_get_stats(nullptr, &s), OTC_E2EE_INVALID_PARAMETER);
  auto c = make_cryptor(kSession, kSecretA);
  EXPECT_EQ(otc_frame_cryptor_get_stats(c.get(), nullptr), OTC_E2EE_INVALID_PARAMETER);
  otc_frame_cryptor_delete(nullptr);  // a no-op
}

// ---------------------------------------------------------------------------------------------
// otc_frame_cryptor_max_sealed_size / seal / open.

TEST(BadInput, MaxSealedSize) {
  for (int codec : kBadCodecs)
    EXPECT_EQ(c_abi::max_sealed_size(codec, 100), 0u) << codec;
  for (otc_e2ee_codec codec : kAllCodecs) {
    EXPECT_GE(otc_frame_cryptor_max_sealed_size(codec, 0), 1u + 1 + 4);
    EXPECT_GE(otc_frame_cryptor_max_sealed_size(codec, 1000), 1000u + 16 + 17 + 1);
    EXPECT_GE(otc_frame_cryptor_max_sealed_size(codec, OTC_E2EE_MAX_FRAME_SIZE), size_t{OTC_E2EE_MAX_FRAME_SIZE});
    EXPECT_EQ(otc_frame_cryptor_max_sealed_size(codec, size_t{OTC_E2EE_MAX_FRAME_SIZE} + 1), 0u);
    EXPECT_EQ(otc_frame_cryptor_max_sealed_size(codec, SIZE_MAX), 0u);
  }
  // H.264 escaping can grow the sealed part by half.
  EXPECT_GE(otc_frame_cryptor_max_sealed_size(OTC_E2EE_CODEC_H264, 1000), 1000u + 500u);
}

TEST(BadInput, SealNullPointersAndCodecs) {
  auto c = make_cryptor(kSession, kSecretA);
  Bytes in(100, 7), out(1000);
  size_t n = 0;
  EXPECT_EQ(otc_frame_cryptor_seal(nullptr, OTC_E2EE_CODEC_OPUS, 0, in.data(), in.size(), out.data(), out.size(), &n),
            OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_frame_cryptor_seal(c.get(), OTC_E2EE_CODEC_OPUS, 0, nullptr, in.size(), out.data(), out.size(), &n),
            OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_frame_cryptor_seal(c.get(), OTC_E2EE_CODEC_OPUS, 0, in.data(), in.size(), nullptr, out.size(), &n),
            OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_frame_cryptor_seal(c.get(), OTC_E2EE_CODEC_OPUS, 0, in.data(), in.size(), out.data(), out.size(), nullptr),
            OTC_E2EE_INVALID_PARAMETER);
  for (int codec : kBadCodecs)
    EXPECT_EQ(c_abi::seal(c.get(), codec, 0, in.data(), in.size(),
                                     out.data(), out.size(), &n),
              OTC_PUBLISHER_ENCRYPTION_UNSUPPORTED_CODEC)
        << codec;
  EXPECT_EQ(stats_of(c.get()).frames_sealed, 0u) << "refused calls seal nothing";
  // An empty frame (null pointer, size 0) is a valid frame.
  n = 0;
  EXPECT_EQ(otc_frame_cryptor_seal(c.get(), OTC_E2EE_CODEC_OPUS, 0, nullptr, 0, out.data(), out.size(), &n),
            OTC_SUCCESS);
  EXPECT_GT(n, 0u);
}

TEST(BadInput, SealOutputTooSmall) {
  auto c = make_cryptor(kSession, kSecretA);
  for (otc_e2ee_codec codec : kAllCodecs) {
    for (size_t size : {0, 1, 50, 1200}) {
      const Bytes in(size, 0);
      const size_t need = otc_frame_cryptor_max_sealed_size(codec, size);
      Bytes out(need);
      size_t n = 0;
      EXPECT_EQ(otc_frame_cryptor_seal(c.get(), codec, 0, in.data(), in.size(), out.data(), need - 1, &n),
                OTC_E2EE_BUFFER_TOO_SMALL)
          << codec_name(codec) << " " << size;
      EXPECT_EQ(otc_frame_cryptor_seal(c.get(), codec, 0, in.data(), in.size(), out.data(), 0, &n),
                OTC_E2EE_BUFFER_TOO_SMALL);
      EXPECT_EQ(otc_frame_cryptor_seal(c.get(), codec, 0, in.data(), in.size(), out.data(), need, &n), OTC_SUCCESS);
    }
  }
}

TEST(BadInput, SealAndOpenRefuseA64MBFrameQuickly) {
  auto c = make_cryptor(kSession, kSecretA);
  const size_t size = size_t{64} << 20;
  Reserved in(size, PROT_READ);
  Reserved out(2 * size, PROT_NONE);  // large enough, and any write would fault
  ASSERT_TRUE(in.data() && out.data());
  for (otc_e2ee_codec codec : kAllCodecs) {
    size_t n = 0;
    auto t = std::chrono::steady_clock::now();
    EXPECT_EQ(otc_frame_cryptor_seal(c.get(), codec, 1, in.data(), size, out.data(), out.size(), &n),
              OTC_E2EE_FRAME_TOO_LARGE)
        << codec_name(codec);
    EXPECT_LT(ms_since(t), 20.0) << "seal must refuse before touching the frame";
    otc_e2ee_outcome outcome;
    otc_e2ee_event event;
    t = std::chrono::steady_clock::now();
    EXPECT_EQ(otc_frame_cryptor_open(c.get(), codec, in.data(), size, out.data(), out.size(), &n, &outcome, &event),
              OTC_E2EE_FRAME_TOO_LARGE)
        << codec_name(codec);
    EXPECT_LT(ms_since(t), 20.0) << "open must refuse before touching the frame";
  }
  // Just above the limit is refused too; the limit itself is accepted.
  size_t n = 0;
  EXPECT_EQ(otc_frame_cryptor_seal(c.get(), OTC_E2EE_CODEC_OPUS, 0, in.data(), size_t{OTC_E2EE_MAX_FRAME_SIZE} + 1,
                                   out.data(), out.size(), &n),
            OTC_E2EE_FRAME_TOO_LARGE);
  const auto s = stats_of(c.get());
  EXPECT_EQ(s.frames_sealed, 0u);
  EXPECT_EQ(s.frames_mismatch + s.frames_decrypted + s.frames_integrity_failure + s.frames_replay, 0u)
      << "a refused call is not a received frame";
}

TEST(BadInput, SealAcceptsAFrameOfExactlyTheMaximumSize) {
  auto sender = make_cryptor(kSession, kSecretA);
  Rng rng(3);
  const Bytes plain = rng.bytes(OTC_E2EE_MAX_FRAME_SIZE);
  const Bytes sealed = seal(sender.get(), OTC_E2EE_CODEC_AV1, plain);
  ASSERT_FALSE(sealed.empty());
  EXPECT_EQ(open(sender.get(), OTC_E2EE_CODEC_AV1, sealed).outcome, OTC_E2EE_DECRYPTED);
}

TEST(BadInput, OpenNullPointersAndCodecs) {
  auto c = make_cryptor(kSession, kSecretA);
  Rng rng(4);
  const Bytes sealed = seal(c.get(), OTC_E2EE_CODEC_OPUS, rng.bytes(50));
  Bytes out(sealed.size());
  size_t n = 0;
  otc_e2ee_outcome outcome;
  otc_e2ee_event event;
  auto call = [&](otc_frame_cryptor *cr, int codec, const uint8_t *in, size_t in_size, uint8_t *o, size_t cap,
                  size_t *on, otc_e2ee_outcome *oc, otc_e2ee_event *ev) {
    return c_abi::open(cr, codec, in, in_size, o, cap, on, oc, ev);
  };
  const int opus = OTC_E2EE_CODEC_OPUS;
  EXPECT_EQ(call(nullptr, opus, sealed.data(), sealed.size(), out.data(), out.size(), &n, &outcome, &event),
            OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(call(c.get(), opus, nullptr, sealed.size(), out.data(), out.size(), &n, &outcome, &event),
            OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(call(c.get(), opus, sealed.data(), sealed.size(), nullptr, out.size(), &n, &outcome, &event),
            OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(call(c.get(), opus, sealed.data(), sealed.size(), out.data(), out.size(), nullptr, &outcome, &event),
            OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(call(c.get(), opus, sealed.data(), sealed.size(), out.data(), out.size(), &n, nullptr, &event),
            OTC_E2EE_INVALID_PARAMETER);
  for (int codec : kBadCodecs)
    EXPECT_EQ(call(c.get(), codec, sealed.data(), sealed.size(), out.data(), out.size(), &n, &outcome, &event),
              OTC_SUBSCRIBER_DECRYPTION_UNSUPPORTED_CODEC)
        << codec;
  EXPECT_EQ(stats_of(c.get()).frames_decrypted + stats_of(c.get()).frames_mismatch, 0u)
      << "refused calls open nothing (and the frame is still fresh)";
  // event may be NULL.
  EXPECT_EQ(call(c.get(), opus, sealed.data(), sealed.size(), out.data(), out.size(), &n, &outcome, nullptr),
            OTC_SUCCESS);
  EXPECT_EQ(outcome, OTC_E2EE_DECRYPTED);
  // A 0-byte input with no output buffer still gets an outcome.
  n = 99;
  EXPECT_EQ(call(c.get(), opus, nullptr, 0, nullptr, 0, &n, &outcome, &event), OTC_SUCCESS);
  EXPECT_EQ(outcome, OTC_E2EE_MISMATCH);
  EXPECT_EQ(n, 0u);
}

// An empty input (NULL, 0), which open explicitly allows, is "not a sealed frame" for every codec.
TEST(BadInput, OpenEmptyInputEveryCodec) {
  auto c = make_cryptor(kSession, kSecretA);
  for (otc_e2ee_codec codec : kAllCodecs) {
    uint8_t out[8];
    size_t n = 99;
    otc_e2ee_outcome outcome = OTC_E2EE_DECRYPTED;
    EXPECT_EQ(otc_frame_cryptor_open(c.get(), codec, nullptr, 0, out, sizeof out, &n, &outcome, nullptr), OTC_SUCCESS)
        << codec_name(codec);
    EXPECT_EQ(outcome, OTC_E2EE_MISMATCH) << codec_name(codec);
    EXPECT_EQ(n, 0u);
    n = 99;
    outcome = OTC_E2EE_DECRYPTED;
    EXPECT_EQ(otc_frame_cryptor_open(c.get(), codec, nullptr, 0, nullptr, 0, &n, &outcome, nullptr), OTC_SUCCESS)
        << codec_name(codec);
    EXPECT_EQ(outcome, OTC_E2EE_MISMATCH) << codec_name(codec);
  }
  EXPECT_EQ(stats_of(c.get()).frames_mismatch, 10u);
}

TEST(BadInput, OpenOutputTooSmall) {
  auto c = make_cryptor(kSession, kSecretA);
  Rng rng(5);
  const Bytes sealed = seal(c.get(), OTC_E2EE_CODEC_VP8, vp8_frame(rng, 300, true));
  Bytes out(sealed.size());
  size_t n = 0;
  otc_e2ee_outcome outcome;
  EXPECT_EQ(otc_frame_cryptor_open(c.get(), OTC_E2EE_CODEC_VP8, sealed.data(), sealed.size(), out.data(),
                                   sealed.size() - 1, &n, &outcome, nullptr),
            OTC_E2EE_BUFFER_TOO_SMALL);
  EXPECT_EQ(otc_frame_cryptor_open(c.get(), OTC_E2EE_CODEC_VP8, sealed.data(), sealed.size(), nullptr, 0, &n,
                                   &outcome, nullptr),
            OTC_E2EE_BUFFER_TOO_SMALL);
  EXPECT_EQ(otc_frame_cryptor_open(c.get(), OTC_E2EE_CODEC_VP8, sealed.data(), sealed.size(), out.data(),
                                   sealed.size(), &n, &outcome, nullptr),
            OTC_SUCCESS);
  EXPECT_EQ(outcome, OTC_E2EE_DECRYPTED) << "the refused calls did not consume the frame";
}

TEST(BadInput, OpenGarbageNeverCrashes) {
  auto c = make_cryptor(kSession, kSecretA);
  Rng rng(6);
  for (int i = 0; i < 3000; ++i) {
    const otc_e2ee_codec codec = kAllCodecs[i % 5];
    Bytes junk = i % 2 ? rng.bytes(rng.below(200)) : rng.zero_heavy(rng.below(200));
    if (!junk.empty() && i % 3 == 0) junk.back() = static_cast<uint8_t>(1 + rng.below(17));  // plausible length
    const Opened o = open(c.get(), codec, junk);
    ASSERT_EQ(o.status, OTC_SUCCESS);
    EXPECT_NE(o.outcome, OTC_E2EE_DECRYPTED);
  }
}

// ---------------------------------------------------------------------------------------------
// Low-level SFrame calls.

TEST(BadInput, HeaderEncodeDecode) {
  uint8_t out[OTC_SFRAME_MAX_HEADER_SIZE];
  size_t n = 0;
  EXPECT_EQ(otc_sframe_header_encode(1, 2, nullptr, sizeof out, &n), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_sframe_header_encode(1, 2, out, sizeof out, nullptr), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_sframe_header_encode(1, 2, out, 0, &n), OTC_E2EE_BUFFER_TOO_SMALL);
  EXPECT_EQ(otc_sframe_header_encode(UINT64_MAX, UINT64_MAX, out, 16, &n), OTC_E2EE_BUFFER_TOO_SMALL);
  EXPECT_EQ(otc_sframe_header_encode(UINT64_MAX, UINT64_MAX, out, 17, &n), OTC_SUCCESS);
  uint64_t kid, ctr;
  size_t used;
  const uint8_t h[] = {0x12};
  EXPECT_EQ(otc_sframe_header_decode(nullptr, 1, &kid, &ctr, &used), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_sframe_header_decode(h, 1, nullptr, &ctr, &used), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_sframe_header_decode(h, 1, &kid, nullptr, &used), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_sframe_header_decode(h, 1, &kid, &ctr, nullptr), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_sframe_header_decode(h, 0, &kid, &ctr, &used), OTC_E2EE_MALFORMED);
  EXPECT_EQ(otc_sframe_header_decode(h, 1, &kid, &ctr, &used), OTC_SUCCESS);
  EXPECT_EQ(kid, 1u);
  EXPECT_EQ(ctr, 2u);
}

TEST(BadInput, AeadSealAndOpen) {
  const uint8_t key[128] = {0}, nonce[16] = {0}, aad[4] = {1, 2, 3, 4}, pt[32] = {5};
  uint8_t out[64], back[64];
  size_t n = 0;
  for (int suite : kBadSuites) {
    EXPECT_EQ(c_abi::aead_seal(suite, key, 48, nonce, 12, aad, 4, pt, 32, out, sizeof out, &n),
              OTC_E2EE_UNSUPPORTED_SUITE);
    EXPECT_EQ(c_abi::aead_open(suite, key, 48, nonce, 12, aad, 4, out, 42, back, sizeof back, &n),
              OTC_E2EE_UNSUPPORTED_SUITE);
  }
  EXPECT_EQ(otc_sframe_aead_seal(static_cast<otc_e2ee_suite>(0), key, 96, nonce, 12, aad, 4, pt, 32, out,
                                 sizeof out, &n),
            OTC_E2EE_UNSUPPORTED_SUITE)
      << "0 only means 'default' in frame cryptor settings";
  for (int suite_id = 1; suite_id <= 8; ++suite_id) {
    SCOPED_TRACE(suite_id);
    const auto s = static_cast<otc_e2ee_suite>(suite_id);
    const size_t nk = kKeySize[suite_id], nt = kTagSize[suite_id];
    for (size_t bad_key : {size_t{0}, nk - 1, nk + 1, size_t{32} == nk ? size_t{16} : size_t{32}}) {
      EXPECT_EQ(otc_sframe_aead_seal(s, key, bad_key, nonce, 12, aad, 4, pt, 32, out, sizeof out, &n),
                OTC_E2EE_INVALID_PARAMETER)
          << "key size " << bad_key;
      EXPECT_EQ(otc_sframe_aead_open(s, key, bad_key, nonce, 12, aad, 4, out, 32 + nt, back, sizeof back, &n),
                OTC_E2EE_INVALID_PARAMETER)
          << "key size " << bad_key;
    }
    for (size_t bad_nonce : {size_t{0}, size_t{8}, size_t{11}, size_t{13}, size_t{16}}) {
      EXPECT_EQ(otc_sframe_aead_seal(s, key, nk, nonce, bad_nonce, aad, 4, pt, 32, out, sizeof out, &n),
                OTC_E2EE_INVALID_PARAMETER);
      EXPECT_EQ(otc_sframe_aead_open(s, key, nk, nonce, bad_nonce, aad, 4, out, 32 + nt, back, sizeof back, &n),
                OTC_E2EE_INVALID_PARAMETER);
    }
    EXPECT_EQ(otc_sframe_aead_seal(s, nullptr, nk, nonce, 12, aad, 4, pt, 32, out, sizeof out, &n),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_aead_seal(s, key, nk, nullptr, 12, aad, 4, pt, 32, out, sizeof out, &n),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_aead_seal(s, key, nk, nonce, 12, nullptr, 4, pt, 32, out, sizeof out, &n),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_aead_seal(s, key, nk, nonce, 12, aad, 4, nullptr, 32, out, sizeof out, &n),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_aead_seal(s, key, nk, nonce, 12, aad, 4, pt, 32, nullptr, sizeof out, &n),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_aead_seal(s, key, nk, nonce, 12, aad, 4, pt, 32, out, sizeof out, nullptr),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_aead_seal(s, key, nk, nonce, 12, aad, 4, pt, 32, out, 32 + nt - 1, &n),
              OTC_E2EE_BUFFER_TOO_SMALL);
    // Empty aad and empty plaintext (null pointers with size 0) are fine.
    ASSERT_EQ(otc_sframe_aead_seal(s, key, nk, nonce, 12, nullptr, 0, nullptr, 0, out, sizeof out, &n), OTC_SUCCESS);
    EXPECT_EQ(n, nt);
    EXPECT_EQ(otc_sframe_aead_open(s, key, nk, nonce, 12, nullptr, 0, out, nt, nullptr, 0, &n), OTC_SUCCESS);
    EXPECT_EQ(n, 0u);
    // A real seal, then open errors.
    ASSERT_EQ(otc_sframe_aead_seal(s, key, nk, nonce, 12, aad, 4, pt, 32, out, sizeof out, &n), OTC_SUCCESS);
    ASSERT_EQ(n, 32 + nt);
    EXPECT_EQ(otc_sframe_aead_open(s, nullptr, nk, nonce, 12, aad, 4, out, n, back, sizeof back, &n),
              OTC_E2EE_INVALID_PARAMETER);
    size_t m = 0;
    EXPECT_EQ(otc_sframe_aead_open(s, key, nk, nullptr, 12, aad, 4, out, 32 + nt, back, sizeof back, &m),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_aead_open(s, key, nk, nonce, 12, nullptr, 4, out, 32 + nt, back, sizeof back, &m),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_aead_open(s, key, nk, nonce, 12, aad, 4, nullptr, 32 + nt, back, sizeof back, &m),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_aead_open(s, key, nk, nonce, 12, aad, 4, out, 32 + nt, back, sizeof back, nullptr),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_aead_open(s, key, nk, nonce, 12, aad, 4, out, 32 + nt, back, 31, &m),
              OTC_E2EE_BUFFER_TOO_SMALL);
    {
      const otc_status st = otc_sframe_aead_open(s, key, nk, nonce, 12, aad, 4, out, 32 + nt, nullptr, 64, &m);
      EXPECT_TRUE(st == OTC_E2EE_INVALID_PARAMETER || st == OTC_E2EE_BUFFER_TOO_SMALL)
          << "null out with a capacity: " << otc_error_name(st);
    }
    for (size_t short_ct = 0; short_ct < nt; ++short_ct)
      EXPECT_EQ(otc_sframe_aead_open(s, key, nk, nonce, 12, aad, 4, out, short_ct, back, sizeof back, &m),
                OTC_E2EE_MALFORMED)
          << short_ct;
    EXPECT_EQ(otc_sframe_aead_open(s, key, nk, nonce, 12, aad, 4, out, 32 + nt, back, 32, &m), OTC_SUCCESS);
  }
}

TEST(BadInput, AeadRefusesA64MBPlaintextQuickly) {
  const size_t size = size_t{64} << 20;
  Reserved in(size, PROT_READ);
  Reserved out(size + 64, PROT_NONE);
  ASSERT_TRUE(in.data() && out.data());
  const uint8_t key[96] = {0}, nonce[12] = {0};
  size_t n = 0;
  auto t = std::chrono::steady_clock::now();
  EXPECT_EQ(otc_sframe_aead_seal(OTC_E2EE_AES_256_CTR_HMAC_SHA512_80, key, 96, nonce, 12, nullptr, 0, in.data(), size,
                                 out.data(), out.size(), &n),
            OTC_E2EE_FRAME_TOO_LARGE);
  EXPECT_EQ(otc_sframe_aead_open(OTC_E2EE_AES_256_CTR_HMAC_SHA512_80, key, 96, nonce, 12, nullptr, 0, in.data(), size,
                                 out.data(), out.size(), &n),
            OTC_E2EE_FRAME_TOO_LARGE);
  const uint8_t base[16] = {0};
  EXPECT_EQ(otc_sframe_protect(OTC_E2EE_AES_256_CTR_HMAC_SHA512_80, base, 16, 1, 1, nullptr, 0, in.data(), size,
                               out.data(), out.size(), &n),
            OTC_E2EE_FRAME_TOO_LARGE);
  EXPECT_EQ(otc_sframe_unprotect(OTC_E2EE_AES_256_CTR_HMAC_SHA512_80, base, 16, nullptr, 0, in.data(), size,
                                 out.data(), out.size(), &n, nullptr, nullptr),
            OTC_E2EE_FRAME_TOO_LARGE);
  EXPECT_LT(ms_since(t), 50.0);
}

TEST(BadInput, DeriveKey) {
  const uint8_t base[32] = {9};
  uint8_t key[128], salt[16];
  size_t ks = 0, ss = 0;
  for (int suite : kBadSuites)
    EXPECT_EQ(c_abi::derive_key(suite, base, 32, 1, key, sizeof key, &ks, salt,
                                    sizeof salt, &ss),
              OTC_E2EE_UNSUPPORTED_SUITE);
  const auto s = OTC_E2EE_AES_128_GCM_SHA256_128;
  EXPECT_EQ(otc_sframe_derive_key(s, nullptr, 32, 1, key, sizeof key, &ks, salt, sizeof salt, &ss), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_sframe_derive_key(s, base, 0, 1, key, sizeof key, &ks, salt, sizeof salt, &ss), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_sframe_derive_key(s, base, 32, 1, nullptr, sizeof key, &ks, salt, sizeof salt, &ss), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_sframe_derive_key(s, base, 32, 1, key, sizeof key, nullptr, salt, sizeof salt, &ss), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_sframe_derive_key(s, base, 32, 1, key, sizeof key, &ks, nullptr, sizeof salt, &ss), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_sframe_derive_key(s, base, 32, 1, key, sizeof key, &ks, salt, sizeof salt, nullptr), OTC_E2EE_INVALID_PARAMETER);
  for (int suite_id = 1; suite_id <= 8; ++suite_id) {
    const auto su = static_cast<otc_e2ee_suite>(suite_id);
    EXPECT_EQ(otc_sframe_derive_key(su, base, 32, 1, key, kKeySize[suite_id] - 1, &ks, salt, sizeof salt, &ss),
              OTC_E2EE_BUFFER_TOO_SMALL);
    EXPECT_EQ(otc_sframe_derive_key(su, base, 32, 1, key, sizeof key, &ks, salt, kNonceSize - 1, &ss),
              OTC_E2EE_BUFFER_TOO_SMALL);
    ASSERT_EQ(otc_sframe_derive_key(su, base, 32, 1, key, sizeof key, &ks, salt, sizeof salt, &ss), OTC_SUCCESS);
    EXPECT_EQ(ks, kKeySize[suite_id]);
    EXPECT_EQ(ss, kNonceSize);
  }
}

TEST(BadInput, ProtectAndUnprotect) {
  const uint8_t base[32] = {3}, md[3] = {1, 2, 3}, pt[40] = {4};
  uint8_t out[128], back[64];
  size_t n = 0;
  uint64_t kid, ctr;
  for (int suite : kBadSuites) {
    EXPECT_EQ(c_abi::protect(suite, base, 32, 1, 2, md, 3, pt, 40, out, sizeof out, &n), OTC_E2EE_UNSUPPORTED_SUITE);
    EXPECT_EQ(c_abi::unprotect(suite, base, 32, md, 3, out, 60, back, sizeof back, &n, &kid, &ctr),
              OTC_E2EE_UNSUPPORTED_SUITE);
  }
  for (int suite_id = 1; suite_id <= 8; ++suite_id) {
    SCOPED_TRACE(suite_id);
    const auto s = static_cast<otc_e2ee_suite>(suite_id);
    const size_t nt = kTagSize[suite_id];
    EXPECT_EQ(otc_sframe_protect(s, nullptr, 32, 1, 2, md, 3, pt, 40, out, sizeof out, &n), OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_protect(s, base, 0, 1, 2, md, 3, pt, 40, out, sizeof out, &n), OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_protect(s, base, 32, 1, 2, nullptr, 3, pt, 40, out, sizeof out, &n), OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_protect(s, base, 32, 1, 2, md, 3, nullptr, 40, out, sizeof out, &n), OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_protect(s, base, 32, 1, 2, md, 3, pt, 40, nullptr, sizeof out, &n), OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_protect(s, base, 32, 1, 2, md, 3, pt, 40, out, sizeof out, nullptr), OTC_E2EE_INVALID_PARAMETER);
    // header (1 byte for kid 1, ctr 2) + 40 + tag
    EXPECT_EQ(otc_sframe_protect(s, base, 32, 1, 2, md, 3, pt, 40, out, 1 + 40 + nt - 1, &n), OTC_E2EE_BUFFER_TOO_SMALL);
    ASSERT_EQ(otc_sframe_protect(s, base, 32, 1, 2, md, 3, pt, 40, out, 1 + 40 + nt, &n), OTC_SUCCESS);
    const size_t total = n;
    ASSERT_EQ(total, 1 + 40 + nt);

    EXPECT_EQ(otc_sframe_unprotect(s, nullptr, 32, md, 3, out, total, back, sizeof back, &n, &kid, &ctr),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_unprotect(s, base, 0, md, 3, out, total, back, sizeof back, &n, &kid, &ctr),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_unprotect(s, base, 32, nullptr, 3, out, total, back, sizeof back, &n, &kid, &ctr),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_unprotect(s, base, 32, md, 3, nullptr, total, back, sizeof back, &n, &kid, &ctr),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_unprotect(s, base, 32, md, 3, out, total, back, sizeof back, nullptr, &kid, &ctr),
              OTC_E2EE_INVALID_PARAMETER);
    EXPECT_EQ(otc_sframe_unprotect(s, base, 32, md, 3, out, total, back, 39, &n, &kid, &ctr), OTC_E2EE_BUFFER_TOO_SMALL);
    for (size_t cut = 0; cut < 1 + nt; ++cut)
      EXPECT_EQ(otc_sframe_unprotect(s, base, 32, md, 3, out, cut, back, sizeof back, &n, &kid, &ctr),
                OTC_E2EE_MALFORMED)
          << "cut " << cut;
    uint8_t nonminimal[80];
    nonminimal[0] = 0x80;  // KID 1 in an extra byte: not minimal
    nonminimal[1] = 0x01;
    std::memcpy(nonminimal + 2, out + 1, total - 1);
    EXPECT_EQ(otc_sframe_unprotect(s, base, 32, md, 3, nonminimal, total + 1, back, sizeof back, &n, &kid, &ctr),
              OTC_E2EE_MALFORMED);
    // kid and ctr outputs are optional.
    EXPECT_EQ(otc_sframe_unprotect(s, base, 32, md, 3, out, total, back, 40, &n, nullptr, nullptr), OTC_SUCCESS);
    EXPECT_EQ(n, 40u);
  }
}

// ---------------------------------------------------------------------------------------------
// Sessions.

TEST(BadInput, SessionNewNullOrEmptyArguments) {
  EXPECT_EQ(otc_session_new(nullptr, "session", nullptr), nullptr);
  EXPECT_EQ(otc_session_new("api-key", nullptr, nullptr), nullptr);
  EXPECT_EQ(otc_session_new("api-key", "", nullptr), nullptr);
  EXPECT_EQ(otc_session_new(nullptr, nullptr, nullptr), nullptr);
  SessionPtr ok(otc_session_new("api-key", "session", nullptr));
  EXPECT_NE(ok, nullptr) << "callbacks may be NULL";
}

TEST(BadInput, SessionNewEmptyApiKey) {
  SessionPtr s(otc_session_new("", "session", nullptr));
  EXPECT_EQ(s, nullptr) << "an empty API key is bad input";
}

TEST(BadInput, SessionDeleteNullIsANoOp) { EXPECT_EQ(otc_session_delete(nullptr), OTC_SUCCESS); }

TEST(BadInput, SessionAccessorsWithNull) {
  uint32_t epoch = 0;
  EXPECT_EQ(otc_session_set_encryption_secret(nullptr, kSecretA), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_get_encryption_epoch(nullptr, &epoch), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_has_encryption_secret(nullptr), OTC_FALSE);
  EXPECT_EQ(otc_session_encryption_key_pending(nullptr), OTC_FALSE);
  EXPECT_EQ(otc_session_get_id(nullptr), nullptr);
  SessionPtr s(otc_session_new("api-key", "session-x", nullptr));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(otc_session_get_encryption_epoch(s.get(), nullptr), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_get_encryption_epoch(s.get(), &epoch), OTC_E2EE_KEY_NOT_READY);
  EXPECT_EQ(otc_session_has_encryption_secret(s.get()), OTC_FALSE);
  ASSERT_NE(otc_session_get_id(s.get()), nullptr);
  EXPECT_STREQ(otc_session_get_id(s.get()), "session-x");
}

TEST(BadInput, SessionInvalidSecretsAreRefusedAtOnce) {
  SessionPtr s(otc_session_new("api-key", kSession, nullptr));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(otc_session_set_encryption_secret(s.get(), nullptr), OTC_SESSION_INVALID_ENCRYPTION_SECRET);
  for (const std::string &secret : invalid_secrets())
    EXPECT_EQ(otc_session_set_encryption_secret(s.get(), secret.c_str()), OTC_SESSION_INVALID_ENCRYPTION_SECRET)
        << to_hex(Bytes(secret.begin(), secret.end()));
  EXPECT_EQ(otc_session_has_encryption_secret(s.get()), OTC_FALSE) << "no secret was accepted";
  EXPECT_EQ(otc_session_encryption_key_pending(s.get()), OTC_FALSE) << "no derivation for refused secrets";
  std::this_thread::sleep_for(100ms);
  uint32_t epoch;
  EXPECT_EQ(otc_session_get_encryption_epoch(s.get(), &epoch), OTC_E2EE_KEY_NOT_READY);
}

struct KeyEvents {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<uint32_t> epochs;
  int errors = 0;
};

void on_key_ready(otc_session *, void *user, uint32_t epoch) {
  auto *e = static_cast<KeyEvents *>(user);
  std::lock_guard<std::mutex> lock(e->mutex);
  e->epochs.push_back(epoch);
  e->cv.notify_all();
}
void on_error(otc_session *, void *user, const char *, otc_session_error_code) {
  auto *e = static_cast<KeyEvents *>(user);
  std::lock_guard<std::mutex> lock(e->mutex);
  ++e->errors;
  e->cv.notify_all();
}

TEST(BadInput, SessionKeepsPreviousSecretWhenANewOneIsInvalid) {
  KeyEvents events;
  otc_session_callbacks cb{};
  const otc_session_encryption_key_ready_cb key_ready_cb = on_key_ready;
  cb.on_error = on_error;
  cb.user_data = &events;
  SessionPtr s(otc_session_new("api-key", kSession, &cb));
  otc_session_set_encryption_key_ready_callback(s.get(), key_ready_cb);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(otc_session_set_encryption_secret(s.get(), kSecretA), OTC_SUCCESS);
  {
    std::unique_lock<std::mutex> lock(events.mutex);
    ASSERT_TRUE(events.cv.wait_for(lock, 20s, [&] { return !events.epochs.empty(); }));
  }
  uint32_t before = 0;
  ASSERT_EQ(otc_session_get_encryption_epoch(s.get(), &before), OTC_SUCCESS);
  for (const std::string &secret : invalid_secrets())
    EXPECT_EQ(otc_session_set_encryption_secret(s.get(), secret.c_str()), OTC_SESSION_INVALID_ENCRYPTION_SECRET);
  std::this_thread::sleep_for(200ms);  // longer than a derivation, had one been started
  uint32_t after = 0;
  ASSERT_EQ(otc_session_get_encryption_epoch(s.get(), &after), OTC_SUCCESS);
  EXPECT_EQ(after, before);
  EXPECT_EQ(otc_session_has_encryption_secret(s.get()), OTC_TRUE);
  std::lock_guard<std::mutex> lock(events.mutex);
  EXPECT_EQ(events.epochs.size(), 1u) << "no derivation for refused secrets";
  EXPECT_EQ(events.errors, 0);
}

// ---------------------------------------------------------------------------------------------
// otc_error_name.

TEST(BadInput, ErrorNamesOfKnownCodes) {
  EXPECT_STREQ(otc_error_name(OTC_SUCCESS), "OTC_SUCCESS");
  EXPECT_STREQ(otc_error_name(OTC_SESSION_INVALID_ENCRYPTION_SECRET), "OTC_SESSION_INVALID_ENCRYPTION_SECRET");
  EXPECT_STREQ(otc_error_name(OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH), "OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH");
  EXPECT_STREQ(otc_error_name(OTC_E2EE_INVALID_PARAMETER), "OTC_E2EE_INVALID_PARAMETER");
  EXPECT_STREQ(otc_error_name(OTC_E2EE_BUFFER_TOO_SMALL), "OTC_E2EE_BUFFER_TOO_SMALL");
  EXPECT_STREQ(otc_error_name(OTC_E2EE_FRAME_TOO_LARGE), "OTC_E2EE_FRAME_TOO_LARGE");
  EXPECT_STREQ(otc_error_name(OTC_E2EE_DELETED), "OTC_E2EE_DELETED");
  EXPECT_STREQ(otc_error_name(OTC_MEDIA_ENGINE_FAILURE), "OTC_MEDIA_ENGINE_FAILURE");
  // Shared numbers get the session's (or generic) name.
  EXPECT_STREQ(otc_error_name(1010), "OTC_SESSION_NOT_CONNECTED");
  EXPECT_STREQ(otc_error_name(2000), "OTC_SESSION_INTERNAL_ERROR");
  EXPECT_STREQ(otc_error_name(6000), "OTC_SESSION_ENCRYPTION_SECRET_MISSING");
}

TEST(BadInput, ErrorNamesOfUnknownCodes) {
  for (int code : {-1, 4, 999, 1003, 5999, 6007, 6099, 6110, 6199, 6205, 6299, 99999, INT_MIN, INT_MAX}) {
    const char *name = otc_error_name(code);
    ASSERT_NE(name, nullptr) << code;
    EXPECT_STREQ(name, "OTC_UNKNOWN_ERROR") << code;
  }
}

// Every enumerator of the error enumerations (otc/errors.h, and the SDK's otc_error_code in
// opentok/base.h and otc_session_error_code in opentok/session.h) has a name, and that name is one of the enumerators of its number.
TEST(BadInput, ErrorNamesCoverErrorHeaders) {
  std::string dir = __FILE__;
  dir = dir.substr(0, dir.rfind('/')) + "/../include/";
  const std::string errors = read_text_file(dir + "otc/errors.h");
  std::string text = errors;
  for (const auto &[header, name] : {std::pair{"opentok/base.h", "otc_error_code"},
                                     std::pair{"opentok/session.h", "otc_session_error_code"},
                                     std::pair{"opentok/subscriber.h", "otc_subscriber_error_code"}}) {
    const std::string source = read_text_file(dir + header);
    std::smatch body;
    ASSERT_TRUE(std::regex_search(source, body, std::regex(std::string("enum ") + name + R"( \{([^}]*)\})"))) << name;
    text += body[1];
  }
  const std::regex enumerator(R"((OTC?_[A-Z0-9_]+)\s*=\s*(-?\d+))");
  std::map<int, std::set<std::string>> by_code;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), enumerator); it != std::sregex_iterator(); ++it)
    by_code[std::stoi((*it)[2])].insert((*it)[1]);
  ASSERT_GT(by_code.size(), 50u);
  for (const auto &[code, names] : by_code) {
    const std::string name = otc_error_name(code);
    EXPECT_TRUE(names.count(name)) << code << " is named " << name;
  }
}

}  // namespace
