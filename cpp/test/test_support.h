// Shared helpers of the C/C++ tests (header-only: the test CMake glob builds *_test.cpp only).
#pragma once

#include <gtest/gtest.h>
#include <otc/e2ee.h>
#include <otc/errors.h>
#include <otc/session.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace otc_test {

using Bytes = std::vector<uint8_t>;

inline Bytes from_hex(const std::string &hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex length: " + hex);
  auto nibble = [&](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
    throw std::invalid_argument("bad hex digit in: " + hex);
  };
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<uint8_t>((nibble(hex[2 * i]) << 4) | nibble(hex[2 * i + 1]));
  return out;
}

inline std::string to_hex(const uint8_t *data, size_t size) {
  static const char *digits = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0x0F]);
  }
  return out;
}
inline std::string to_hex(const Bytes &bytes) { return to_hex(bytes.data(), bytes.size()); }

inline std::string read_text_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Deterministic random bytes (tests must be reproducible; seeds are printed on failure by the
// callers that use several).
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  uint64_t next() { return engine_(); }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(engine_() % n); }
  uint8_t byte() { return static_cast<uint8_t>(engine_()); }
  Bytes bytes(size_t n) {
    Bytes out(n);
    for (auto &b : out) b = byte();
    return out;
  }
  // Random bytes rich in 00 00 0x runs (x in 0..3), the H.264 escaping corner cases.
  Bytes zero_heavy(size_t n) {
    Bytes out;
    out.reserve(n);
    while (out.size() < n) {
      switch (below(4)) {
        case 0: out.push_back(0); break;
        case 1:
          out.push_back(0);
          out.push_back(0);
          out.push_back(static_cast<uint8_t>(below(4)));
          break;
        case 2: out.push_back(static_cast<uint8_t>(below(4))); break;
        default: out.push_back(byte()); break;
      }
    }
    out.resize(n);
    return out;
  }

 private:
  std::mt19937_64 engine_;
};

struct CryptorDeleter {
  void operator()(otc_frame_cryptor *c) const { otc_frame_cryptor_delete(c); }
};
using CryptorPtr = std::unique_ptr<otc_frame_cryptor, CryptorDeleter>;

struct SessionDeleter {
  void operator()(otc_session *s) const { otc_session_delete(s); }
};
using SessionPtr = std::unique_ptr<otc_session, SessionDeleter>;

inline constexpr const char *kSecretA = "correct horse battery staple";
inline constexpr const char *kSecretB = "Tr0ub4dor&3 is not a good secret";

inline CryptorPtr make_cryptor(const char *session_id, const char *secret, int suite = 0,
                               uint32_t grace_ms = 0) {
  otc_frame_cryptor_settings settings{};
  settings.suite = static_cast<otc_e2ee_suite>(suite);
  settings.grace_period_ms = grace_ms;
  otc_status status = -1;
  otc_frame_cryptor *c = otc_frame_cryptor_new(session_id, secret, &settings, &status);
  EXPECT_EQ(status, OTC_SUCCESS) << otc_error_name(status);
  EXPECT_NE(c, nullptr);
  return CryptorPtr(c);
}

// Seals in; fails the current test (and returns an empty vector) on error.
inline Bytes seal(otc_frame_cryptor *c, otc_e2ee_codec codec, const Bytes &in, int key_frame = 0) {
  const size_t capacity = otc_frame_cryptor_max_sealed_size(codec, in.size());
  EXPECT_GT(capacity, in.size());
  Bytes out(capacity);
  size_t n = 0;
  const otc_status st =
      otc_frame_cryptor_seal(c, codec, key_frame, in.data(), in.size(), out.data(), out.size(), &n);
  EXPECT_EQ(st, OTC_SUCCESS) << otc_error_name(st);
  if (st != OTC_SUCCESS) return {};
  EXPECT_LE(n, capacity);
  out.resize(n);
  return out;
}

struct Opened {
  otc_status status = -1;
  otc_e2ee_outcome outcome = OTC_E2EE_MISMATCH;
  otc_e2ee_event event = OTC_E2EE_EVENT_NONE;
  Bytes frame;
};

inline Opened open(otc_frame_cryptor *c, otc_e2ee_codec codec, const Bytes &in) {
  Opened r;
  Bytes out(in.size() + 1);  // never 0 bytes, so data() is a real pointer
  size_t n = 12345;
  r.event = static_cast<otc_e2ee_event>(-1);
  r.status = otc_frame_cryptor_open(c, codec, in.data(), in.size(), out.data(), out.size(), &n,
                                    &r.outcome, &r.event);
  if (r.status == OTC_SUCCESS) {
    EXPECT_LE(n, in.size());
    out.resize(n);
    r.frame = std::move(out);
  }
  return r;
}

inline otc_frame_cryptor_stats stats_of(otc_frame_cryptor *c) {
  otc_frame_cryptor_stats s{};
  EXPECT_EQ(otc_frame_cryptor_get_stats(c, &s), OTC_SUCCESS);
  return s;
}

// The SFrame header at the end of a sealed (and, for H.264, already unescaped) frame.
struct Trailer {
  bool ok = false;
  uint64_t kid = 0, ctr = 0;
};
inline Trailer read_trailer(const Bytes &sealed) {
  Trailer t;
  if (sealed.empty()) return t;
  const size_t hl = sealed.back();
  if (hl < 1 || hl > OTC_SFRAME_MAX_HEADER_SIZE || sealed.size() < hl + 1) return t;
  size_t used = 0;
  if (otc_sframe_header_decode(sealed.data() + sealed.size() - 1 - hl, hl, &t.kid, &t.ctr, &used) !=
          OTC_SUCCESS ||
      used != hl)
    return t;
  t.ok = true;
  return t;
}

inline const char *codec_name(otc_e2ee_codec codec) {
  switch (codec) {
    case OTC_E2EE_CODEC_OPUS: return "OPUS";
    case OTC_E2EE_CODEC_VP8: return "VP8";
    case OTC_E2EE_CODEC_VP9: return "VP9";
    case OTC_E2EE_CODEC_AV1: return "AV1";
    case OTC_E2EE_CODEC_H264: return "H264";
  }
  return "UNKNOWN";
}

inline constexpr otc_e2ee_codec kAllCodecs[] = {OTC_E2EE_CODEC_OPUS, OTC_E2EE_CODEC_VP8,
                                                OTC_E2EE_CODEC_VP9, OTC_E2EE_CODEC_AV1,
                                                OTC_E2EE_CODEC_H264};

// Tag sizes of suites 1..8 (docs/e2ee-frame-format.md section 3.1), index = suite id.
inline constexpr size_t kTagSize[9] = {0, 10, 8, 4, 16, 16, 10, 8, 4};

// A VP8 frame of n bytes: bit 0 of byte 0 clear for a key frame, set for a delta frame.
inline Bytes vp8_frame(Rng &rng, size_t n, bool key_frame) {
  Bytes f = rng.bytes(n);
  if (n > 0) f[0] = key_frame ? static_cast<uint8_t>(f[0] & ~1u) : static_cast<uint8_t>(f[0] | 1u);
  if (key_frame && n >= 6) {  // the key frame start code, for realism
    f[3] = 0x9d;
    f[4] = 0x01;
    f[5] = 0x2a;
  }
  return f;
}

// An H.264 access unit of about n bytes: SPS, PPS (4-byte start codes) and one slice (IDR type
// 5 when idr, else type 1, 3-byte start code) whose random body is full of 00 00 0x runs. With
// n below the size of SPS+PPS+slice header, the unit is truncated to n bytes.
inline Bytes h264_frame(Rng &rng, size_t n, bool idr) {
  Bytes f = {0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40,  // SPS
             0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80,                     // PPS
             0, 0, 1, static_cast<uint8_t>(idr ? 0x65 : 0x41)};      // slice NAL header
  if (f.size() >= n) {
    f.resize(n);
    return f;
  }
  const Bytes body = rng.zero_heavy(n - f.size());
  f.insert(f.end(), body.begin(), body.end());
  return f;
}

inline Bytes codec_frame(Rng &rng, otc_e2ee_codec codec, size_t n, bool key_frame) {
  switch (codec) {
    case OTC_E2EE_CODEC_VP8: return vp8_frame(rng, n, key_frame);
    case OTC_E2EE_CODEC_H264: return h264_frame(rng, n, key_frame);
    default: return rng.bytes(n);
  }
}

// The clear prefix that docs/e2ee-frame-format.md section 5 gives a plain frame, computed here
// independently.
inline size_t spec_prefix_length(otc_e2ee_codec codec, const Bytes &f) {
  switch (codec) {
    case OTC_E2EE_CODEC_VP8: {
      if (f.empty()) return 0;
      const size_t p = (f[0] & 1) == 0 ? 10 : 3;
      return std::min(p, f.size());
    }
    case OTC_E2EE_CODEC_H264: {
      for (size_t i = 0; i + 3 < f.size(); ++i) {
        if (f[i] == 0 && f[i + 1] == 0 && f[i + 2] == 1) {
          const uint8_t type = f[i + 3] & 0x1F;
          if (type == 1 || type == 5) return i + 4 + 3 <= f.size() ? i + 4 + 3 : 0;
        }
      }
      return 0;
    }
    default: return 0;
  }
}

// No start code (00 00 00/01/02) in zeros_before zero bytes followed by data, and every emulation
// prevention byte (00 00 03) is followed by a byte 00..03 (docs/e2ee-frame-format.md section 4.4).
inline ::testing::AssertionResult no_start_code(const Bytes &data, int zeros_before, size_t from = 0) {
  int zeros = zeros_before;
  for (size_t i = from; i < data.size(); ++i) {
    const uint8_t b = data[i];
    if (zeros >= 2 && b <= 2)
      return ::testing::AssertionFailure() << "00 00 0" << int(b) << " at " << i;
    if (zeros >= 2 && b == 3 && (i + 1 >= data.size() || data[i + 1] > 3))
      return ::testing::AssertionFailure() << "00 00 03 not followed by 00..03 at " << i;
    zeros = b == 0 ? zeros + 1 : 0;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace otc_test
