// Unit tests of the E2EE building blocks (internal headers of cpp/src/e2ee), each against the
// frame format spec: secret rules, codec clear prefixes, H.264 escaping, the replay window,
// KID/nonce, SFrame header parsing, and the key derivations (checked against an HMAC/HKDF/PBKDF2
// written here on plain digests, and against values of the JS implementation).
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <set>
#include <string>

#include "e2ee/cipher_suite.h"
#include "e2ee/codec_prefix.h"
#include "e2ee/frame_opener.h"
#include "e2ee/frame_sealer.h"
#include "e2ee/key_ring.h"
#include "e2ee/frame_layout.h"
#include "e2ee/h264_escape.h"
#include "e2ee/key_derivation.h"
#include "e2ee/replay_window.h"
#include "e2ee/secret.h"
#include "e2ee/sframe_header.h"
#include "test_support.h"

using namespace otc_test;
namespace e2ee = otc::e2ee;

namespace {

// ---------------------------------------------------------------------------------------------
// Secret rules (docs/e2ee-frame-format.md section 1.1): valid UTF-8, no NUL, 8..256 code points.

std::string repeat(const std::string &unit, size_t times) {
  std::string s;
  for (size_t i = 0; i < times; ++i) s += unit;
  return s;
}

struct CharKind {
  const char *name;
  std::string utf8;  // one code point
};

void PrintTo(const CharKind &c, std::ostream *os) { *os << c.name; }

class SecretLength : public ::testing::TestWithParam<CharKind> {};

TEST_P(SecretLength, EightTo256CodePointsAreValid) {
  const std::string &ch = GetParam().utf8;
  ASSERT_EQ(e2ee::utf8_code_points(ch), 1);
  EXPECT_FALSE(e2ee::is_valid_secret(""));
  EXPECT_FALSE(e2ee::is_valid_secret(repeat(ch, 1)));
  EXPECT_FALSE(e2ee::is_valid_secret(repeat(ch, 7)));
  EXPECT_TRUE(e2ee::is_valid_secret(repeat(ch, 8)));
  EXPECT_TRUE(e2ee::is_valid_secret(repeat(ch, 100)));
  EXPECT_TRUE(e2ee::is_valid_secret(repeat(ch, 256)));
  EXPECT_FALSE(e2ee::is_valid_secret(repeat(ch, 257)));
  EXPECT_FALSE(e2ee::is_valid_secret(repeat(ch, 1000)));
  EXPECT_EQ(e2ee::utf8_code_points(repeat(ch, 257)), 257);
  // Through the public API as well.
  EXPECT_EQ(otc_e2ee_validate_secret(repeat(ch, 7).c_str()), OTC_SESSION_INVALID_ENCRYPTION_SECRET);
  EXPECT_EQ(otc_e2ee_validate_secret(repeat(ch, 8).c_str()), OTC_SUCCESS);
  EXPECT_EQ(otc_e2ee_validate_secret(repeat(ch, 256).c_str()), OTC_SUCCESS);
  EXPECT_EQ(otc_e2ee_validate_secret(repeat(ch, 257).c_str()), OTC_SESSION_INVALID_ENCRYPTION_SECRET);
}

TEST_P(SecretLength, CountsCodePointsNotBytes) {
  // 7 of the character plus one ASCII byte: 8 code points, valid whatever the byte count.
  const std::string &ch = GetParam().utf8;
  EXPECT_TRUE(e2ee::is_valid_secret(repeat(ch, 7) + "x"));
  EXPECT_FALSE(e2ee::is_valid_secret(repeat(ch, 6) + "x"));
  EXPECT_TRUE(e2ee::is_valid_secret(repeat(ch, 255) + "x"));
  EXPECT_FALSE(e2ee::is_valid_secret(repeat(ch, 256) + "x"));
}

INSTANTIATE_TEST_SUITE_P(Utf8Widths, SecretLength,
                         ::testing::Values(CharKind{"ascii", "a"},
                                           CharKind{"two_byte", "\xC3\xA9"},          // é
                                           CharKind{"three_byte", "\xE2\x82\xAC"},    // €
                                           CharKind{"four_byte", "\xF0\x9F\x98\x80"}  // 😀
                                           ),
                         [](const auto &info) { return std::string(info.param.name); });

TEST(Secret, EmbeddedNulIsInvalid) {
  const std::string with_nul("abcd\0efghij", 11);
  EXPECT_FALSE(e2ee::is_valid_secret(with_nul));
  EXPECT_FALSE(e2ee::is_valid_secret(std::string("\0abcdefghi", 10)));
  EXPECT_FALSE(e2ee::is_valid_secret(std::string("abcdefghi\0", 10)));
  EXPECT_TRUE(e2ee::is_valid_secret("abcdefghij"));
}

// Each invalid sequence is wrapped in 8 ASCII letters, so only the sequence can make it invalid.
void expect_invalid_sequence(const std::string &bad, const char *what) {
  const std::string s = "abcd" + bad + "efgh";
  EXPECT_EQ(e2ee::utf8_code_points(s), -1) << what;
  EXPECT_FALSE(e2ee::is_valid_secret(s)) << what;
  EXPECT_EQ(otc_e2ee_validate_secret(s.c_str()), OTC_SESSION_INVALID_ENCRYPTION_SECRET) << what;
}
void expect_valid_sequence(const std::string &good, const char *what) {
  const std::string s = "abcd" + good + "efgh";
  EXPECT_EQ(e2ee::utf8_code_points(s), 9) << what;
  EXPECT_TRUE(e2ee::is_valid_secret(s)) << what;
  EXPECT_EQ(otc_e2ee_validate_secret(s.c_str()), OTC_SUCCESS) << what;
}

TEST(Secret, OverlongEncodingsAreInvalid) {
  expect_invalid_sequence("\xC0\x80", "overlong NUL (2 bytes)");
  expect_invalid_sequence("\xC0\xAF", "overlong '/' (2 bytes)");
  expect_invalid_sequence("\xC1\xBF", "overlong U+007F (2 bytes)");
  expect_invalid_sequence("\xE0\x80\x80", "overlong NUL (3 bytes)");
  expect_invalid_sequence("\xE0\x9F\xBF", "overlong U+07FF (3 bytes)");
  expect_invalid_sequence("\xF0\x80\x80\x80", "overlong NUL (4 bytes)");
  expect_invalid_sequence("\xF0\x8F\xBF\xBF", "overlong U+FFFF (4 bytes)");
  expect_invalid_sequence("\xF8\x88\x80\x80\x80", "5-byte form");
  expect_invalid_sequence("\xFC\x84\x80\x80\x80\x80", "6-byte form");
  // The smallest non-overlong forms are fine.
  expect_valid_sequence("\xC2\x80", "U+0080");
  expect_valid_sequence("\xE0\xA0\x80", "U+0800");
  expect_valid_sequence("\xF0\x90\x80\x80", "U+10000");
}

TEST(Secret, SurrogatesAreInvalid) {
  expect_invalid_sequence("\xED\xA0\x80", "U+D800");
  expect_invalid_sequence("\xED\xAF\xBF", "U+DBFF");
  expect_invalid_sequence("\xED\xB0\x80", "U+DC00");
  expect_invalid_sequence("\xED\xBF\xBF", "U+DFFF");
  expect_invalid_sequence("\xED\xA0\xBD\xED\xB8\x80", "CESU-8 surrogate pair");
  expect_valid_sequence("\xED\x9F\xBF", "U+D7FF");
  expect_valid_sequence("\xEE\x80\x80", "U+E000");
}

TEST(Secret, AboveU10FFFFIsInvalid) {
  expect_valid_sequence("\xF4\x8F\xBF\xBF", "U+10FFFF");
  expect_invalid_sequence("\xF4\x90\x80\x80", "U+110000");
  expect_invalid_sequence("\xF4\xBF\xBF\xBF", "U+13FFFF");
  expect_invalid_sequence("\xF5\x80\x80\x80", "lead byte F5");
  expect_invalid_sequence("\xF7\xBF\xBF\xBF", "U+1FFFFF");
  for (int b = 0xF5; b <= 0xFF; ++b) {
    const std::string s(1, static_cast<char>(b));
    expect_invalid_sequence(s, "byte F5..FF");
  }
}

TEST(Secret, TruncatedAndStraySequencesAreInvalid) {
  expect_invalid_sequence("\xC3", "2-byte lead, nothing after");
  expect_invalid_sequence("\xE2\x82", "3-byte, one continuation missing");
  expect_invalid_sequence("\xE2", "3-byte, two continuations missing");
  expect_invalid_sequence("\xF0\x9F\x98", "4-byte, one continuation missing");
  expect_invalid_sequence("\xF0\x9F", "4-byte, two continuations missing");
  expect_invalid_sequence("\x80", "lone continuation byte");
  expect_invalid_sequence("\xBF\xBF", "two continuation bytes");
  expect_invalid_sequence("\xC3\xA9\xA9", "extra continuation byte");
  expect_invalid_sequence("\xFE", "byte FE");
  expect_invalid_sequence("\xFF", "byte FF");
  // Truncated at the very end of the string (no ASCII after).
  for (const std::string tail : {"\xC3", "\xE2\x82", "\xF0\x9F\x98"}) {
    const std::string s = "abcdefghij" + tail;
    EXPECT_EQ(e2ee::utf8_code_points(s), -1);
    EXPECT_FALSE(e2ee::is_valid_secret(s));
  }
}

TEST(Secret, NullSecretIsInvalidInPublicApi) {
  EXPECT_EQ(otc_e2ee_validate_secret(nullptr), OTC_SESSION_INVALID_ENCRYPTION_SECRET);
}

// ---------------------------------------------------------------------------------------------
// Codec clear prefixes (docs/e2ee-frame-format.md section 5).

size_t prefix_of(e2ee::Codec codec, const Bytes &f) { return e2ee::clear_prefix_length(codec, {f.data(), f.size()}); }

TEST(CodecPrefix, AudioVp9Av1HaveNone) {
  Rng rng(1);
  for (size_t n : {0, 1, 3, 10, 100}) {
    const Bytes f = rng.bytes(n);
    EXPECT_EQ(prefix_of(e2ee::Codec::kOpus, f), 0u);
    EXPECT_EQ(prefix_of(e2ee::Codec::kVp9, f), 0u);
    EXPECT_EQ(prefix_of(e2ee::Codec::kAv1, f), 0u);
  }
}

TEST(CodecPrefix, Vp8KeyFrameKeepsTenBytes) {
  Bytes f(100, 0xAA);
  f[0] = 0x10;  // bit 0 clear: key frame
  EXPECT_EQ(prefix_of(e2ee::Codec::kVp8, f), 10u);
  f[0] = 0xFE;
  EXPECT_EQ(prefix_of(e2ee::Codec::kVp8, f), 10u);
}

TEST(CodecPrefix, Vp8DeltaFrameKeepsThreeBytes) {
  Bytes f(100, 0xAA);
  f[0] = 0x01;
  EXPECT_EQ(prefix_of(e2ee::Codec::kVp8, f), 3u);
  f[0] = 0xFF;
  EXPECT_EQ(prefix_of(e2ee::Codec::kVp8, f), 3u);
}

TEST(CodecPrefix, Vp8ShortFrameIsAllPrefix) {
  for (size_t n = 0; n <= 12; ++n) {
    Bytes key(n, 0x00), delta(n, 0x01);
    EXPECT_EQ(prefix_of(e2ee::Codec::kVp8, key), std::min<size_t>(n, 10)) << n;
    EXPECT_EQ(prefix_of(e2ee::Codec::kVp8, delta), std::min<size_t>(n, 3)) << n;
  }
}

size_t h264_prefix(const Bytes &f) { return e2ee::h264_clear_prefix_length({f.data(), f.size()}); }

TEST(CodecPrefix, H264SliceAfterThreeByteStartCode) {
  const Bytes f = {0, 0, 1, 0x65, 0x88, 0x84, 0x21, 0xA0, 0xB0};
  EXPECT_EQ(h264_prefix(f), 7u);  // start code, NAL header, 3 bytes
  EXPECT_EQ(prefix_of(e2ee::Codec::kH264, f), 7u);
}

TEST(CodecPrefix, H264SliceAfterFourByteStartCode) {
  const Bytes f = {0, 0, 0, 1, 0x65, 0x88, 0x84, 0x21, 0xA0, 0xB0};
  EXPECT_EQ(h264_prefix(f), 8u);
}

TEST(CodecPrefix, H264ParameterSetsBeforeTheSliceStayClear) {
  const Bytes f = {0,    0,    0,    1, 0x67, 0x42, 0xC0, 0x1F, 0xDA,  // SPS
                   0,    0,    0,    1, 0x68, 0xCE, 0x3C, 0x80,        // PPS
                   0,    0,    0,    1, 0x06, 0x05, 0x01, 0x80,        // SEI
                   0,    0,    1,    0x65, 0x11, 0x22, 0x33, 0x44, 0x55};
  EXPECT_EQ(h264_prefix(f), 25u + 3 + 1 + 3);
}

TEST(CodecPrefix, H264SliceTypesOneAndFiveAnyNalRefIdc) {
  for (uint8_t header : {0x01, 0x21, 0x41, 0x61, 0x05, 0x25, 0x45, 0x65}) {
    const Bytes f = {0, 0, 1, header, 1, 2, 3, 4};
    EXPECT_EQ(h264_prefix(f), 7u) << int(header);
  }
  // Other NAL types are not slices: data partitions 2-4, SEI, SPS, PPS, AUD, filler, 24+.
  for (uint8_t header : {0x02, 0x03, 0x04, 0x06, 0x67, 0x68, 0x09, 0x0C, 0x14, 0x18, 0x1C, 0x00}) {
    const Bytes f = {0, 0, 1, header, 1, 2, 3, 4};
    EXPECT_EQ(h264_prefix(f), 0u) << int(header);
  }
}

TEST(CodecPrefix, H264FewerThanThreeBytesAfterSliceHeaderMeansNoPrefix) {
  EXPECT_EQ(h264_prefix({0, 0, 1, 0x65}), 0u);
  EXPECT_EQ(h264_prefix({0, 0, 1, 0x65, 0xAA}), 0u);
  EXPECT_EQ(h264_prefix({0, 0, 1, 0x65, 0xAA, 0xBB}), 0u);
  EXPECT_EQ(h264_prefix({0, 0, 1, 0x65, 0xAA, 0xBB, 0xCC}), 7u);
  EXPECT_EQ(h264_prefix({0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x41, 0xAA, 0xBB}), 0u);
}

TEST(CodecPrefix, H264WithoutSliceHasNoPrefix) {
  EXPECT_EQ(h264_prefix({}), 0u);
  EXPECT_EQ(h264_prefix({0, 0, 1}), 0u);
  EXPECT_EQ(h264_prefix({0, 0, 0, 1, 0x67, 0x42, 0xC0, 0x1F, 0, 0, 0, 1, 0x68, 0xCE, 0x3C}), 0u);
  EXPECT_EQ(h264_prefix({0x65, 0x88, 0x84, 0x21, 0xA0}), 0u);  // slice byte, no start code
  EXPECT_EQ(h264_prefix({0, 1, 0x65, 0x88, 0x84, 0x21}), 0u);   // 2-byte "start code"
}

TEST(CodecPrefix, MatchesAnIndependentReadingOfTheSpecOnRandomFrames) {
  Rng rng(7);
  for (int i = 0; i < 3000; ++i) {
    const size_t n = rng.below(40);
    const Bytes f = rng.zero_heavy(n);
    // Give start codes a fair chance to be followed by slice headers.
    Bytes g = f;
    for (size_t k = 0; k + 3 < g.size(); ++k)
      if (g[k] == 0 && g[k + 1] == 0 && g[k + 2] == 1 && rng.below(2)) g[k + 3] = rng.below(2) ? 0x65 : 0x41;
    EXPECT_EQ(h264_prefix(g), spec_prefix_length(OTC_E2EE_CODEC_H264, g)) << to_hex(g);
    EXPECT_EQ(prefix_of(e2ee::Codec::kVp8, g), spec_prefix_length(OTC_E2EE_CODEC_VP8, g)) << to_hex(g);
  }
}

// ---------------------------------------------------------------------------------------------
// H.264 emulation prevention (docs/e2ee-frame-format.md section 4.4).

Bytes escape(const Bytes &in, int zeros_before) {
  Bytes out(e2ee::h264_escaped_size_bound(in.size()) + 1);
  const size_t n = e2ee::h264_escape({in.data(), in.size()}, zeros_before, out.data());
  EXPECT_LE(n, e2ee::h264_escaped_size_bound(in.size()));
  out.resize(n);
  return out;
}
Bytes unescape(const Bytes &in, int zeros_before) {
  Bytes out(in.size() + 1);
  const size_t n = e2ee::h264_unescape({in.data(), in.size()}, zeros_before, out.data());
  out.resize(n);
  return out;
}

TEST(H264Escape, KnownExamples) {
  EXPECT_EQ(to_hex(escape({0, 0, 0}, 0)), "00000300");
  EXPECT_EQ(to_hex(escape({0, 0, 1}, 0)), "00000301");
  EXPECT_EQ(to_hex(escape({0, 0, 2}, 0)), "00000302");
  EXPECT_EQ(to_hex(escape({0, 0, 3}, 0)), "00000303");
  EXPECT_EQ(to_hex(escape({0, 0, 4}, 0)), "000004");
  EXPECT_EQ(to_hex(escape({0, 0, 0, 0}, 0)), "0000030000");
  EXPECT_EQ(to_hex(escape({0, 0, 0, 0, 0, 0}, 0)), "0000030000030000");
  EXPECT_EQ(to_hex(escape({0, 0}, 0)), "0000");
  EXPECT_EQ(to_hex(escape({}, 2)), "");
  EXPECT_EQ(to_hex(escape({1, 2}, 2)), "030102");  // the prefix's trailing 00 00 count
  EXPECT_EQ(to_hex(escape({0, 1}, 1)), "00030" "1");
  EXPECT_EQ(to_hex(escape({4, 0, 0, 1}, 2)), "0400000301");
  EXPECT_EQ(to_hex(escape({0xAB, 0xCD}, 2)), "abcd");

  EXPECT_EQ(to_hex(unescape({0, 0, 3, 0}, 0)), "000000");
  EXPECT_EQ(to_hex(unescape({0, 0, 3, 3}, 0)), "000003");
  EXPECT_EQ(to_hex(unescape({3, 1, 2}, 2)), "0102");
  EXPECT_EQ(to_hex(unescape({0, 3, 1}, 1)), "0001");
  EXPECT_EQ(to_hex(unescape({0, 3, 1}, 0)), "000301");  // one zero only: 03 is data
  EXPECT_EQ(to_hex(unescape({0, 0, 3, 0, 0, 3, 1}, 0)), "00000000" "01");
}

TEST(H264Escape, TrailingZerosOfPrefix) {
  auto tz = [](const Bytes &p) { return e2ee::h264_trailing_zeros({p.data(), p.size()}); };
  EXPECT_EQ(tz({}), 0);
  EXPECT_EQ(tz({1}), 0);
  EXPECT_EQ(tz({0}), 1);
  EXPECT_EQ(tz({1, 0}), 1);
  EXPECT_EQ(tz({0, 0}), 2);
  EXPECT_EQ(tz({0, 0, 0, 0}), 2);
  EXPECT_EQ(tz({0, 0, 5}), 0);
}

TEST(H264Escape, RandomRoundTripsWithoutStartCodes) {
  Rng rng(42);
  for (int iter = 0; iter < 2000; ++iter) {
    const size_t n = iter < 1000 ? rng.below(64) : rng.below(4096);
    const Bytes data = rng.zero_heavy(n);
    for (int zb = 0; zb <= 2; ++zb) {
      const Bytes esc = escape(data, zb);
      ASSERT_TRUE(no_start_code(esc, zb)) << "in " << to_hex(data) << " zeros_before " << zb;
      ASSERT_EQ(to_hex(unescape(esc, zb)), to_hex(data)) << "zeros_before " << zb;
    }
  }
}

TEST(H264Escape, WorstCaseStaysWithinBound) {
  for (size_t n : {1, 2, 3, 10, 1000, 4097}) {
    const Bytes zeros(n, 0);
    for (int zb = 0; zb <= 2; ++zb) {
      const Bytes esc = escape(zeros, zb);  // the helper checks the bound
      EXPECT_TRUE(no_start_code(esc, zb));
      EXPECT_EQ(unescape(esc, zb), zeros);
    }
  }
}

TEST(H264Escape, UnescapeInPlace) {
  Rng rng(5);
  const Bytes data = rng.zero_heavy(5000);
  Bytes esc = escape(data, 1);
  const size_t n = e2ee::h264_unescape({esc.data(), esc.size()}, 1, esc.data());
  esc.resize(n);
  EXPECT_EQ(esc, data);
}

// ---------------------------------------------------------------------------------------------
// Replay window (docs/e2ee-frame-format.md section 6.2): OTC_E2EE_REPLAY_WINDOW (256) counters.

TEST(ReplayWindow, FreshWindowAcceptsAnything) {
  e2ee::ReplayWindow w;
  EXPECT_TRUE(w.is_fresh(0));
  EXPECT_TRUE(w.is_fresh(12345));
  EXPECT_TRUE(w.is_fresh(UINT64_MAX));
}

TEST(ReplayWindow, DuplicateIsNotFresh) {
  e2ee::ReplayWindow w;
  w.accept(0);
  EXPECT_FALSE(w.is_fresh(0));
  EXPECT_TRUE(w.is_fresh(1));
  w.accept(1);
  EXPECT_FALSE(w.is_fresh(1));
  EXPECT_FALSE(w.is_fresh(0));
}

TEST(ReplayWindow, IsFreshDoesNotChangeTheWindow) {
  e2ee::ReplayWindow w;
  w.accept(10);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(w.is_fresh(11));
    EXPECT_TRUE(w.is_fresh(9));
    EXPECT_TRUE(w.is_fresh(1000));
  }
  EXPECT_FALSE(w.is_fresh(10));
}

TEST(ReplayWindow, OutOfOrderWithinTheWindow) {
  e2ee::ReplayWindow w;
  w.accept(1000);
  for (uint64_t c : {999, 950, 998, 1000 - 127, 1000 - 128, 1000 - 200}) {
    ASSERT_TRUE(w.is_fresh(c)) << c;
    w.accept(c);
    EXPECT_FALSE(w.is_fresh(c)) << c;
  }
  EXPECT_TRUE(w.is_fresh(997));
  EXPECT_TRUE(w.is_fresh(1001));
  EXPECT_FALSE(w.is_fresh(1000));
}

TEST(ReplayWindow, OlderThanTheWindowIsRejected) {
  static_assert(OTC_E2EE_REPLAY_WINDOW >= 128, "spec: at least 128 frames");
  e2ee::ReplayWindow w;
  const uint64_t top = 10000;
  w.accept(top);
  EXPECT_TRUE(w.is_fresh(top - (OTC_E2EE_REPLAY_WINDOW - 1)));
  EXPECT_FALSE(w.is_fresh(top - OTC_E2EE_REPLAY_WINDOW));
  EXPECT_FALSE(w.is_fresh(0));
  EXPECT_TRUE(w.is_fresh(top - 128));  // the spec's minimum window
}

TEST(ReplayWindow, BigJumps) {
  e2ee::ReplayWindow w;
  w.accept(0);
  w.accept(uint64_t{1} << 40);
  EXPECT_FALSE(w.is_fresh(0));
  EXPECT_FALSE(w.is_fresh(uint64_t{1} << 40));
  EXPECT_TRUE(w.is_fresh((uint64_t{1} << 40) - 1));
  w.accept(UINT64_MAX);
  EXPECT_FALSE(w.is_fresh(UINT64_MAX));
  EXPECT_TRUE(w.is_fresh(UINT64_MAX - 1));
  EXPECT_FALSE(w.is_fresh(uint64_t{1} << 40));
  // Jumps of exactly 63, 64, 65, 128, 255, 256 and 257 keep (or drop) the right bits.
  for (uint64_t jump : {1, 63, 64, 65, 127, 128, 129, 255, 256, 257}) {
    e2ee::ReplayWindow v;
    v.accept(1000);
    v.accept(999);
    v.accept(1000 + jump);
    const bool in_window = jump + 1 < OTC_E2EE_REPLAY_WINDOW;
    EXPECT_FALSE(v.is_fresh(1000)) << jump;
    EXPECT_FALSE(v.is_fresh(999)) << jump;
    EXPECT_EQ(v.is_fresh(998), in_window && jump + 2 < OTC_E2EE_REPLAY_WINDOW) << jump;
    EXPECT_EQ(v.is_fresh(1001), jump > 1 && jump - 1 < OTC_E2EE_REPLAY_WINDOW) << jump;
  }
}

TEST(ReplayWindow, MatchesAModelUnderRandomTraffic) {
  Rng rng(99);
  for (int trial = 0; trial < 20; ++trial) {
    e2ee::ReplayWindow w;
    std::set<uint64_t> accepted;
    uint64_t top = 0;
    bool started = false;
    uint64_t base = rng.below(2) ? 0 : rng.next() >> 1;
    for (int step = 0; step < 3000; ++step) {
      uint64_t ctr;
      switch (rng.below(6)) {
        case 0: ctr = top + 1 + rng.below(3); break;                   // in order
        case 1: ctr = top + rng.below(400); break;                      // jump ahead
        case 2: ctr = top >= 300 ? top - rng.below(300) : rng.below(300); break;  // behind
        case 3: ctr = accepted.empty() ? base : *accepted.rbegin(); break;       // duplicate
        default: ctr = top >= 260 ? top - 250 + rng.below(10) : rng.below(260); break;
      }
      if (!started) ctr = base;
      const bool model_fresh =
          !started || ctr > top || (top - ctr < OTC_E2EE_REPLAY_WINDOW && !accepted.count(ctr));
      ASSERT_EQ(w.is_fresh(ctr), model_fresh) << "trial " << trial << " step " << step << " ctr " << ctr
                                              << " top " << top;
      if (model_fresh) {
        w.accept(ctr);
        accepted.insert(ctr);
        if (!started || ctr > top) top = ctr;
        started = true;
      }
    }
  }
}

TEST(ReplayWindow, CloseThroughTreatsEverythingUpToTopAsSeen) {
  e2ee::ReplayWindow w;
  w.close_through(500);
  EXPECT_FALSE(w.is_fresh(500));
  EXPECT_FALSE(w.is_fresh(499));
  EXPECT_FALSE(w.is_fresh(300));
  EXPECT_FALSE(w.is_fresh(0));
  EXPECT_TRUE(w.is_fresh(501));
  w.accept(503);
  EXPECT_TRUE(w.is_fresh(502)) << "a gap above the floor stays open";
  EXPECT_TRUE(w.is_fresh(501));
  EXPECT_FALSE(w.is_fresh(500));
  EXPECT_FALSE(w.is_fresh(503));
}

// The opener caches per-KID state for FrameOpener::kMaxSenders senders. A sender evicted from
// that cache must not get a fresh replay window when it comes back: its old frames stay replays.
TEST(ReplayWindow, EvictedSenderKeepsItsReplayFloor) {
  const e2ee::CipherSuite *suite = e2ee::find_cipher_suite(OTC_E2EE_DEFAULT_SUITE);
  ASSERT_NE(suite, nullptr);
  auto ring = std::make_shared<e2ee::KeyRing>(std::chrono::milliseconds(10000));
  Rng rng(31);
  const Bytes base = rng.bytes(32);
  ASSERT_TRUE(ring->install(e2ee::SecureBytes(std::span<const uint8_t>(base.data(), base.size()))));
  e2ee::FrameOpener opener(ring, *suite);
  auto seal_with = [&](e2ee::FrameSealer &sealer) {
    const Bytes plain = rng.bytes(40);
    Bytes out(e2ee::max_sealed_size(e2ee::Codec::kOpus, plain.size()));
    size_t n = 0;
    EXPECT_EQ(sealer.seal(e2ee::Codec::kOpus, {plain.data(), plain.size()}, out.data(), out.size(), &n), OTC_SUCCESS);
    out.resize(n);
    return out;
  };
  auto open_one = [&](const Bytes &sealed) {
    Bytes out(sealed.size());
    e2ee::OpenResult result;
    EXPECT_EQ(opener.open(e2ee::Codec::kOpus, {sealed.data(), sealed.size()}, out.data(), out.size(), &result),
              OTC_SUCCESS);
    return result.outcome;
  };
  e2ee::FrameSealer first(ring, *suite, 1);
  std::vector<Bytes> frames;
  for (int i = 0; i < 5; ++i) frames.push_back(seal_with(first));
  for (int i = 0; i < 4; ++i) ASSERT_EQ(open_one(frames[static_cast<size_t>(i)]), OTC_E2EE_DECRYPTED);
  // Enough other senders to push the first one out of the cache.
  for (uint32_t id = 2; id < 2 + e2ee::FrameOpener::kMaxSenders + 4; ++id) {
    e2ee::FrameSealer other(ring, *suite, id);
    ASSERT_EQ(open_one(seal_with(other)), OTC_E2EE_DECRYPTED) << id;
  }
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(open_one(frames[static_cast<size_t>(i)]), OTC_E2EE_REPLAY) << "frame " << i << " replayed after eviction";
  EXPECT_EQ(open_one(frames[4]), OTC_E2EE_DECRYPTED) << "a frame never seen is still fresh";
}

// ---------------------------------------------------------------------------------------------
// KID and nonce (docs/e2ee-frame-format.md sections 2.4, 3.3).

TEST(KidNonce, KidIsEpochTimesTwoToThe32PlusSenderId) {
  EXPECT_EQ(e2ee::make_kid(0x12345678u, 0x9ABCDEF0u), 0x123456789ABCDEF0ull);
  EXPECT_EQ(e2ee::make_kid(0xFFFFFFFFu, 0xFFFFFFFFu), UINT64_MAX);
  EXPECT_EQ(e2ee::make_kid(0, 1), 1u);
  EXPECT_EQ(e2ee::kid_epoch(0x123456789ABCDEF0ull), 0x12345678u);
}

TEST(KidNonce, NonceIsSaltXorBigEndianCtr) {
  Rng rng(3);
  const Bytes salt_bytes = rng.bytes(12);
  const e2ee::SecureBytes salt(std::span<const uint8_t>(salt_bytes.data(), salt_bytes.size()));
  for (uint64_t ctr : {uint64_t{0}, uint64_t{1}, uint64_t{0x4567}, uint64_t{0x0102030405060708},
                       UINT64_MAX}) {
    uint8_t nonce[12];
    e2ee::make_nonce(salt, ctr, nonce);
    Bytes expected = salt_bytes;
    for (int i = 0; i < 8; ++i) expected[4 + i] ^= static_cast<uint8_t>(ctr >> (8 * (7 - i)));
    EXPECT_EQ(to_hex(nonce, 12), to_hex(expected)) << ctr;
  }
  // RFC 9605 vector: salt 50b29329a04dc0f184ac3168, ctr 17767 -> nonce 50b29329a04dc0f184ac740f.
  const Bytes rfc_salt = from_hex("50b29329a04dc0f184ac3168");
  uint8_t nonce[12];
  e2ee::make_nonce(e2ee::SecureBytes(std::span<const uint8_t>(rfc_salt.data(), rfc_salt.size())), 17767, nonce);
  EXPECT_EQ(to_hex(nonce, 12), "50b29329a04dc0f184ac740f");
}

// ---------------------------------------------------------------------------------------------
// SFrame header decoding: minimal encodings only, no truncation.

// Reference decoder written from RFC 9605 section 4.3 plus the minimal-encoding rule.
bool reference_decode(const Bytes &b, uint64_t &kid, uint64_t &ctr, size_t &size) {
  if (b.empty()) return false;
  size_t pos = 1;
  auto field = [&](uint8_t nibble, uint64_t &v) {
    if (!(nibble & 8)) {
      v = nibble & 7;
      return true;
    }
    const size_t len = (nibble & 7u) + 1;
    if (b.size() - pos < len) return false;
    if (b[pos] == 0) return false;  // leading zero byte: not minimal
    v = 0;
    for (size_t i = 0; i < len; ++i) v = (v << 8) | b[pos + i];
    pos += len;
    return v >= 8;  // values below 8 go inline
  };
  if (!field(b[0] >> 4, kid) || !field(b[0] & 15, ctr)) return false;
  size = pos;
  return true;
}

TEST(SFrameHeader, RejectsNonMinimalEncodings) {
  uint64_t kid, ctr;
  size_t size;
  auto decode = [&](const Bytes &b) { return otc_sframe_header_decode(b.data(), b.size(), &kid, &ctr, &size); };
  EXPECT_EQ(decode({0x80, 0x05}), OTC_E2EE_MALFORMED);        // KID 5 in an extra byte
  EXPECT_EQ(decode({0x80, 0x07}), OTC_E2EE_MALFORMED);
  EXPECT_EQ(decode({0x80, 0x08}), OTC_SUCCESS);
  EXPECT_EQ(kid, 8u);
  EXPECT_EQ(decode({0x08, 0x00}), OTC_E2EE_MALFORMED);        // CTR 0 in an extra byte
  EXPECT_EQ(decode({0x90, 0x00, 0xFF}), OTC_E2EE_MALFORMED);  // leading zero byte
  EXPECT_EQ(decode({0x09, 0x00, 0x08}), OTC_E2EE_MALFORMED);
  EXPECT_EQ(decode({0xF0, 0, 0, 0, 0, 0, 0, 0, 0x08}), OTC_E2EE_MALFORMED);
  EXPECT_EQ(decode({0x90, 0x01, 0x00}), OTC_SUCCESS);
  EXPECT_EQ(kid, 256u);
  EXPECT_EQ(size, 3u);
}

TEST(SFrameHeader, RejectsTruncation) {
  uint64_t kid, ctr;
  size_t size;
  auto decode = [&](const Bytes &b) { return otc_sframe_header_decode(b.data(), b.size(), &kid, &ctr, &size); };
  EXPECT_EQ(otc_sframe_header_decode(nullptr, 0, &kid, &ctr, &size), OTC_E2EE_MALFORMED);
  EXPECT_EQ(decode({0x80}), OTC_E2EE_MALFORMED);
  EXPECT_EQ(decode({0x08}), OTC_E2EE_MALFORMED);
  EXPECT_EQ(decode({0x88, 0x10}), OTC_E2EE_MALFORMED);
  EXPECT_EQ(decode({0xF0, 1, 2, 3, 4, 5, 6, 7}), OTC_E2EE_MALFORMED);
  EXPECT_EQ(decode({0xFF, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7}), OTC_E2EE_MALFORMED);
  EXPECT_EQ(decode({0xFF, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8}), OTC_SUCCESS);
  EXPECT_EQ(size, 17u);
}

TEST(SFrameHeader, EveryConfigByteAgreesWithReferenceDecoder) {
  Rng rng(11);
  for (int config = 0; config < 256; ++config) {
    for (int trial = 0; trial < 40; ++trial) {
      Bytes b = {static_cast<uint8_t>(config)};
      const size_t extra = rng.below(18);
      for (size_t i = 0; i < extra; ++i) {
        const uint32_t r = rng.below(4);
        b.push_back(r == 0 ? 0 : r == 1 ? static_cast<uint8_t>(rng.below(8)) : rng.byte());
      }
      uint64_t rk = 0, rc = 0, kid = 0, ctr = 0;
      size_t rs = 0, size = 0;
      const bool ok = reference_decode(b, rk, rc, rs);
      const otc_status st = otc_sframe_header_decode(b.data(), b.size(), &kid, &ctr, &size);
      ASSERT_EQ(st, ok ? otc_status{OTC_SUCCESS} : OTC_E2EE_MALFORMED) << to_hex(b);
      if (ok) {
        EXPECT_EQ(kid, rk);
        EXPECT_EQ(ctr, rc);
        EXPECT_EQ(size, rs);
      }
    }
  }
}

TEST(SFrameHeader, EncodeDecodeRoundTripAtEveryLengthBoundary) {
  std::vector<uint64_t> values = {0, 1, 7, 8, 255, 256};
  for (int bits = 8; bits <= 64; bits += 8) {
    const uint64_t top = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
    values.push_back(top);
    if (bits < 64) values.push_back(top + 1);
  }
  for (uint64_t kid : values)
    for (uint64_t ctr : values) {
      uint8_t buf[OTC_SFRAME_MAX_HEADER_SIZE];
      size_t n = 0, used = 0;
      ASSERT_EQ(otc_sframe_header_encode(kid, ctr, buf, sizeof buf, &n), OTC_SUCCESS);
      uint64_t k = 0, c = 0;
      ASSERT_EQ(otc_sframe_header_decode(buf, n, &k, &c, &used), OTC_SUCCESS);
      EXPECT_EQ(k, kid);
      EXPECT_EQ(c, ctr);
      EXPECT_EQ(used, n);
    }
}

// ---------------------------------------------------------------------------------------------
// Key derivation (docs/e2ee-frame-format.md sections 1.2, 2, 3.3) against an independent
// HMAC/HKDF/PBKDF2 built here on plain EVP digests (no EVP_MAC, no EVP_KDF, no PKCS5_PBKDF2_HMAC).

class Hmac {
 public:
  Hmac(const EVP_MD *md, const Bytes &key) : md_(md) {
    const size_t block = static_cast<size_t>(EVP_MD_get_block_size(md));
    Bytes k = key;
    if (k.size() > block) k = digest(k);
    k.resize(block, 0);
    Bytes ipad(block), opad(block);
    for (size_t i = 0; i < block; ++i) {
      ipad[i] = k[i] ^ 0x36;
      opad[i] = k[i] ^ 0x5c;
    }
    inner_ = EVP_MD_CTX_new();
    outer_ = EVP_MD_CTX_new();
    EVP_DigestInit_ex(inner_, md, nullptr);
    EVP_DigestUpdate(inner_, ipad.data(), ipad.size());
    EVP_DigestInit_ex(outer_, md, nullptr);
    EVP_DigestUpdate(outer_, opad.data(), opad.size());
  }
  ~Hmac() {
    EVP_MD_CTX_free(inner_);
    EVP_MD_CTX_free(outer_);
  }
  Bytes mac(const Bytes &msg) const {
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_MD_CTX_copy_ex(c, inner_);
    EVP_DigestUpdate(c, msg.data(), msg.size());
    Bytes ih(EVP_MAX_MD_SIZE);
    unsigned n = 0;
    EVP_DigestFinal_ex(c, ih.data(), &n);
    ih.resize(n);
    EVP_MD_CTX_copy_ex(c, outer_);
    EVP_DigestUpdate(c, ih.data(), ih.size());
    Bytes out(EVP_MAX_MD_SIZE);
    EVP_DigestFinal_ex(c, out.data(), &n);
    out.resize(n);
    EVP_MD_CTX_free(c);
    return out;
  }

 private:
  Bytes digest(const Bytes &m) const {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned n = 0;
    EVP_Digest(m.data(), m.size(), out.data(), &n, md_, nullptr);
    out.resize(n);
    return out;
  }
  const EVP_MD *md_;
  EVP_MD_CTX *inner_ = nullptr, *outer_ = nullptr;
};

Bytes bytes_of(const std::string &s) { return Bytes(s.begin(), s.end()); }

Bytes ref_hkdf_extract(const EVP_MD *md, const Bytes &salt, const Bytes &ikm) {
  return Hmac(md, salt).mac(ikm);  // an empty salt is a zero key of any length: same HMAC
}
Bytes ref_hkdf_expand(const EVP_MD *md, const Bytes &prk, const Bytes &info, size_t length) {
  Hmac h(md, prk);
  Bytes out, t;
  for (uint8_t i = 1; out.size() < length; ++i) {
    Bytes m = t;
    m.insert(m.end(), info.begin(), info.end());
    m.push_back(i);
    t = h.mac(m);
    out.insert(out.end(), t.begin(), t.end());
  }
  out.resize(length);
  return out;
}
Bytes ref_pbkdf2(const EVP_MD *md, const Bytes &password, const Bytes &salt, int iterations,
                 size_t length) {
  Hmac h(md, password);
  Bytes out;
  for (uint32_t block = 1; out.size() < length; ++block) {
    Bytes m = salt;
    for (int s = 24; s >= 0; s -= 8) m.push_back(static_cast<uint8_t>(block >> s));
    Bytes u = h.mac(m), t = u;
    for (int i = 1; i < iterations; ++i) {
      u = h.mac(u);
      for (size_t k = 0; k < t.size(); ++k) t[k] ^= u[k];
    }
    out.insert(out.end(), t.begin(), t.end());
  }
  out.resize(length);
  return out;
}

Bytes span_bytes(const e2ee::SecureBytes &b) { return Bytes(b.data(), b.data() + b.size()); }

// The reference helpers themselves, against published vectors.
TEST(KeyDerivationReference, HkdfMatchesRfc5869TestCase1) {
  const Bytes ikm(22, 0x0b), salt = from_hex("000102030405060708090a0b0c"),
              info = from_hex("f0f1f2f3f4f5f6f7f8f9");
  const Bytes prk = ref_hkdf_extract(EVP_sha256(), salt, ikm);
  EXPECT_EQ(to_hex(prk), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  EXPECT_EQ(to_hex(ref_hkdf_expand(EVP_sha256(), prk, info, 42)),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(KeyDerivationReference, Pbkdf2MatchesRfc7914) {
  EXPECT_EQ(to_hex(ref_pbkdf2(EVP_sha256(), bytes_of("passwd"), bytes_of("salt"), 1, 64)),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
            "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
}

TEST(KeyDerivation, HkdfExtractAndExpandMatchReference) {
  Rng rng(21);
  for (const char *hash : {"SHA256", "SHA512"}) {
    const EVP_MD *md = std::string(hash) == "SHA256" ? EVP_sha256() : EVP_sha512();
    for (int i = 0; i < 5; ++i) {
      const Bytes ikm = rng.bytes(1 + rng.below(64)), info = rng.bytes(rng.below(40));
      auto prk = e2ee::hkdf_extract(hash, {}, {ikm.data(), ikm.size()});
      ASSERT_TRUE(prk);
      const Bytes ref_prk = ref_hkdf_extract(md, {}, ikm);
      EXPECT_EQ(to_hex(span_bytes(*prk)), to_hex(ref_prk));
      auto okm = e2ee::hkdf_expand(hash, prk->span(), {info.data(), info.size()}, 96);
      ASSERT_TRUE(okm);
      EXPECT_EQ(to_hex(span_bytes(*okm)), to_hex(ref_hkdf_expand(md, ref_prk, info, 96)));
    }
  }
}

TEST(KeyDerivation, EpochIdMatchesIndependentHkdf) {
  Rng rng(22);
  for (int i = 0; i < 20; ++i) {
    const Bytes base = rng.bytes(32);
    const Bytes okm = ref_hkdf_expand(EVP_sha256(), ref_hkdf_extract(EVP_sha256(), {}, base),
                                      bytes_of("otc-e2ee-v1 epoch"), 4);
    const uint32_t expected = (uint32_t{okm[0]} << 24) | (uint32_t{okm[1]} << 16) |
                              (uint32_t{okm[2]} << 8) | okm[3];
    auto id = e2ee::derive_epoch_id({base.data(), base.size()});
    ASSERT_TRUE(id);
    EXPECT_EQ(*id, expected);
    uint32_t api_id = 0;
    ASSERT_EQ(otc_e2ee_epoch_id(base.data(), &api_id), OTC_SUCCESS);
    EXPECT_EQ(api_id, expected);
  }
}

TEST(KeyDerivation, RatchetKeyMatchesIndependentHkdf) {
  Rng rng(23);
  for (int i = 0; i < 20; ++i) {
    const Bytes base = rng.bytes(32);
    const Bytes expected = ref_hkdf_expand(EVP_sha256(), ref_hkdf_extract(EVP_sha256(), {}, base),
                                           bytes_of("otc-e2ee-v1 ratchet"), 32);
    auto next = e2ee::derive_ratchet_key({base.data(), base.size()});
    ASSERT_TRUE(next);
    EXPECT_EQ(to_hex(span_bytes(*next)), to_hex(expected));
    uint8_t api_next[32];
    ASSERT_EQ(otc_e2ee_ratchet_key(base.data(), api_next), OTC_SUCCESS);
    EXPECT_EQ(to_hex(api_next, 32), to_hex(expected));
  }
}

TEST(KeyDerivation, SFrameKeysMatchIndependentHkdf) {
  Rng rng(24);
  for (uint16_t suite_id = 1; suite_id <= 8; ++suite_id) {
    const e2ee::CipherSuite *suite = e2ee::find_cipher_suite(suite_id);
    ASSERT_NE(suite, nullptr);
    const EVP_MD *md = std::string(suite->hash) == "SHA256" ? EVP_sha256() : EVP_sha512();
    for (uint64_t kid : {uint64_t{0}, uint64_t{291}, uint64_t{0x470b581f01020304}, UINT64_MAX}) {
      const Bytes base = rng.bytes(32);
      const Bytes secret = ref_hkdf_extract(md, {}, base);
      auto label = [&](const std::string &text) {
        Bytes l = bytes_of(text);
        for (int s = 56; s >= 0; s -= 8) l.push_back(static_cast<uint8_t>(kid >> s));
        l.push_back(static_cast<uint8_t>(suite_id >> 8));
        l.push_back(static_cast<uint8_t>(suite_id));
        return l;
      };
      auto keys = e2ee::derive_sframe_keys(*suite, {base.data(), base.size()}, kid);
      ASSERT_TRUE(keys);
      EXPECT_EQ(to_hex(span_bytes(keys->key)),
                to_hex(ref_hkdf_expand(md, secret, label("SFrame 1.0 Secret key "), suite->key_size)));
      EXPECT_EQ(to_hex(span_bytes(keys->salt)),
                to_hex(ref_hkdf_expand(md, secret, label("SFrame 1.0 Secret salt "), suite->nonce_size)));
    }
  }
}

TEST(KeyDerivation, BaseKeyIsPbkdf2OfSecretAndSessionId) {
  struct Case {
    const char *session_id, *secret;
  };
  for (const Case &c : {Case{"js-interop-session", kSecretA},
                        Case{"1_MX40NTk5fn4xNjk5OTk5OTk5OTk5fkFCQ0R", "p\xC3\xA4ssw\xC3\xB6rd \xF0\x9F\x94\x91"},
                        Case{"", "12345678"}}) {
    const Bytes expected = ref_pbkdf2(EVP_sha256(), bytes_of(c.secret),
                                      bytes_of(std::string("otc-e2ee-v1|") + c.session_id), 100000, 32);
    auto key = e2ee::derive_base_key(c.secret, c.session_id);
    ASSERT_TRUE(key);
    EXPECT_EQ(to_hex(span_bytes(*key)), to_hex(expected)) << c.session_id;
    uint8_t api_key[32];
    if (*c.session_id == '\0') {
      // The core derives it; the C API refuses an empty session id, as every other entry does.
      EXPECT_EQ(otc_e2ee_derive_base_key(c.session_id, c.secret, api_key), OTC_E2EE_INVALID_PARAMETER);
      continue;
    }
    ASSERT_EQ(otc_e2ee_derive_base_key(c.session_id, c.secret, api_key), OTC_SUCCESS);
    EXPECT_EQ(to_hex(api_key, 32), to_hex(expected));
  }
}

// Values computed with the independent JS implementation (bench/js-frame-cryptor.mjs:
// deriveBaseKey, epochId, ratchetKey) for session "js-interop-session", kSecretA.
TEST(KeyDerivation, MatchesTheJsImplementation) {
  uint8_t base[32];
  ASSERT_EQ(otc_e2ee_derive_base_key("js-interop-session", kSecretA, base), OTC_SUCCESS);
  EXPECT_EQ(to_hex(base, 32), "0b0dc87bb6ee5dd4b9aacd83cbee6a77ff50811cc2f20b10c96c36d65bf1e6c4");
  uint32_t epoch = 0;
  ASSERT_EQ(otc_e2ee_epoch_id(base, &epoch), OTC_SUCCESS);
  EXPECT_EQ(epoch, 0x470b581fu);
  uint8_t next[32];
  ASSERT_EQ(otc_e2ee_ratchet_key(base, next), OTC_SUCCESS);
  EXPECT_EQ(to_hex(next, 32), "d6b71fc6cd5cc5074e2d7155c10250d74dced81622962ac7c253c140b59ca36e");
  ASSERT_EQ(otc_e2ee_epoch_id(next, &epoch), OTC_SUCCESS);
  EXPECT_EQ(epoch, 0xfc568defu);
}

TEST(KeyDerivation, DifferentSessionsGiveDifferentKeys) {
  uint8_t a[32], b[32];
  ASSERT_EQ(otc_e2ee_derive_base_key("session-1", kSecretA, a), OTC_SUCCESS);
  ASSERT_EQ(otc_e2ee_derive_base_key("session-2", kSecretA, b), OTC_SUCCESS);
  EXPECT_NE(to_hex(a, 32), to_hex(b, 32));
}

}  // namespace
