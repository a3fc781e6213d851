// otc_frame_cryptor through the public C API: the frame format (layout, clear prefixes, H.264
// escaping), receive outcomes and events, epochs, ratchet, grace period, counters, stats and
// concurrent use.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "e2ee/h264_escape.h"
#include "test_support.h"

using namespace otc_test;
using namespace std::chrono_literals;

namespace {

constexpr const char *kSession = "2_MX40NjAwfn5-test-session";

// The parts of a sealed frame: clear prefix P and, after unescaping for H.264, the tail
// AEAD(B) || H || len(H).
struct Parsed {
  Bytes prefix;
  Bytes tail;
  Trailer trailer;
};

Parsed parse_sealed(otc_e2ee_codec codec, const Bytes &plain, const Bytes &sealed) {
  Parsed p;
  const size_t n = spec_prefix_length(codec, plain);
  if (sealed.size() < n) return p;
  p.prefix.assign(sealed.begin(), sealed.begin() + static_cast<long>(n));
  Bytes rest(sealed.begin() + static_cast<long>(n), sealed.end());
  if (codec == OTC_E2EE_CODEC_H264) {
    const int zeros = otc::e2ee::h264_trailing_zeros({p.prefix.data(), p.prefix.size()});
    Bytes out(rest.size());
    out.resize(otc::e2ee::h264_unescape({rest.data(), rest.size()}, zeros, out.data()));
    rest = std::move(out);
  }
  p.tail = rest;
  p.trailer = read_trailer(rest);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Round trips: every codec, every suite, frames from 0 bytes to 4 MB.

struct CodecSuite {
  otc_e2ee_codec codec;
  int suite;
};

void PrintTo(const CodecSuite &c, std::ostream *os) { *os << codec_name(c.codec) << " suite " << c.suite; }

class RoundTrip : public ::testing::TestWithParam<CodecSuite> {};

TEST_P(RoundTrip, EverySizeSealsAndOpens) {
  const auto [codec, suite] = GetParam();
  auto sender = make_cryptor(kSession, kSecretA, suite);
  auto receiver = make_cryptor(kSession, kSecretA, suite);
  ASSERT_TRUE(sender && receiver);
  const otc_frame_cryptor_stats ss = stats_of(sender.get());
  const uint64_t expected_kid = (uint64_t{ss.current_epoch_id} << 32) | ss.sender_id;
  Rng rng(static_cast<uint64_t>(codec) * 100 + static_cast<uint64_t>(suite));
  uint64_t ctr = 0, plain_bytes = 0;
  for (size_t size : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{9}, size_t{10}, size_t{11},
                      size_t{100}, size_t{1200}, size_t{50} * 1024, size_t{1} << 20, size_t{4} << 20}) {
    for (bool key_frame : {true, false}) {
      if (!key_frame && codec != OTC_E2EE_CODEC_VP8 && codec != OTC_E2EE_CODEC_H264) continue;
      SCOPED_TRACE(::testing::Message() << codec_name(codec) << " suite " << suite << " size " << size
                                        << (key_frame ? " key" : " delta"));
      const Bytes plain = codec_frame(rng, codec, size, key_frame);
      const Bytes sealed = seal(sender.get(), codec, plain, key_frame ? 1 : 0);
      ASSERT_FALSE(sealed.empty());
      plain_bytes += size;
      EXPECT_LE(sealed.size(), otc_frame_cryptor_max_sealed_size(codec, size));
      if (codec != OTC_E2EE_CODEC_H264) {
        EXPECT_LE(sealed.size(), size + OTC_E2EE_MAX_OVERHEAD);
      }

      // Layout: P in the clear, then (unescaped) ciphertext || tag || H || len(H).
      const Parsed parsed = parse_sealed(codec, plain, sealed);
      const size_t p = spec_prefix_length(codec, plain);
      ASSERT_EQ(to_hex(parsed.prefix), to_hex(plain.data(), p)) << "the sealed frame must start with P";
      ASSERT_TRUE(parsed.trailer.ok) << "no SFrame trailer";
      EXPECT_EQ(parsed.trailer.kid, expected_kid);
      EXPECT_EQ(parsed.trailer.ctr, ctr++);
      EXPECT_EQ(parsed.tail.size(), size - p + kTagSize[suite] + parsed.tail.back() + 1);
      if (codec == OTC_E2EE_CODEC_H264) {
        Bytes zeros_then_rest(otc::e2ee::h264_trailing_zeros({parsed.prefix.data(), p}), 0);
        zeros_then_rest.insert(zeros_then_rest.end(), sealed.begin() + static_cast<long>(p), sealed.end());
        EXPECT_TRUE(no_start_code(zeros_then_rest, 0)) << "start code in the escaped part";
      }

      const Opened opened = open(receiver.get(), codec, sealed);
      ASSERT_EQ(opened.status, OTC_SUCCESS);
      ASSERT_EQ(opened.outcome, OTC_E2EE_DECRYPTED);
      EXPECT_EQ(opened.event, OTC_E2EE_EVENT_NONE);
      ASSERT_EQ(opened.frame.size(), plain.size());
      EXPECT_TRUE(opened.frame == plain) << "decrypted frame differs";
    }
  }
  const auto rs = stats_of(receiver.get());
  EXPECT_EQ(rs.frames_decrypted, ctr);
  EXPECT_EQ(rs.bytes_opened, plain_bytes);
  const auto ss2 = stats_of(sender.get());
  EXPECT_EQ(ss2.frames_sealed, ctr);
  EXPECT_EQ(ss2.bytes_sealed, plain_bytes);
}

std::vector<CodecSuite> all_codec_suites() {
  std::vector<CodecSuite> out;
  for (otc_e2ee_codec codec : kAllCodecs)
    for (int suite = 1; suite <= 8; ++suite) out.push_back({codec, suite});
  return out;
}

std::string codec_suite_name(const ::testing::TestParamInfo<CodecSuite> &info) {
  return std::string(codec_name(info.param.codec)) + "_suite" + std::to_string(info.param.suite);
}

INSTANTIATE_TEST_SUITE_P(AllCodecsAllSuites, RoundTrip, ::testing::ValuesIn(all_codec_suites()),
                         codec_suite_name);

TEST(FrameCryptor, DefaultSuiteIsSuite6) {
  // A cryptor with settings NULL interoperates with an explicit suite 6 and not with suite 1.
  otc_status st = -1;
  CryptorPtr def(otc_frame_cryptor_new(kSession, kSecretA, nullptr, &st));
  ASSERT_EQ(st, OTC_SUCCESS);
  auto six = make_cryptor(kSession, kSecretA, 6);
  auto one = make_cryptor(kSession, kSecretA, 1);
  Rng rng(1);
  const Bytes plain = rng.bytes(50);
  const Bytes sealed = seal(def.get(), OTC_E2EE_CODEC_OPUS, plain);
  EXPECT_EQ(open(six.get(), OTC_E2EE_CODEC_OPUS, sealed).outcome, OTC_E2EE_DECRYPTED);
  EXPECT_NE(open(one.get(), OTC_E2EE_CODEC_OPUS, sealed).outcome, OTC_E2EE_DECRYPTED);
  ASSERT_TRUE(read_trailer(sealed).ok);
  EXPECT_EQ(sealed.size(), 50u + 10u + sealed.back() + 1u) << "suite 6 has a 10-byte tag";
}

// ---------------------------------------------------------------------------------------------
// The clear prefix is clear, and nothing else is.

class ClearPrefix : public ::testing::TestWithParam<otc_e2ee_codec> {};

TEST_P(ClearPrefix, OnlyThePrefixAppearsInClear) {
  const otc_e2ee_codec codec = GetParam();
  auto c = make_cryptor(kSession, kSecretA);
  Rng rng(17);
  for (bool key_frame : {true, false}) {
    // A body of a recognisable pattern: no 6-byte window of it may survive in the sealed frame.
    Bytes plain = codec_frame(rng, codec, 26, key_frame);
    for (int i = 0; i < 400; ++i) plain.push_back(static_cast<uint8_t>("SECRET-MEDIA-PAYLOAD:"[i % 21]));
    const size_t p = spec_prefix_length(codec, plain);
    const Bytes sealed = seal(c.get(), codec, plain, key_frame);
    ASSERT_GE(sealed.size(), p);
    EXPECT_EQ(to_hex(sealed.data(), p), to_hex(plain.data(), p));
    size_t expected_prefix = 0;  // Opus, VP9, AV1
    if (codec == OTC_E2EE_CODEC_VP8) expected_prefix = key_frame ? 10 : 3;
    if (codec == OTC_E2EE_CODEC_H264) expected_prefix = 26;  // SPS, PPS, slice NAL header + 3 bytes
    EXPECT_EQ(p, expected_prefix);
    for (size_t start = p; start + 6 <= plain.size(); ++start) {
      const auto it = std::search(sealed.begin() + static_cast<long>(p), sealed.end(),
                                  plain.begin() + static_cast<long>(start),
                                  plain.begin() + static_cast<long>(start) + 6);
      ASSERT_EQ(it, sealed.end()) << "plaintext bytes " << start << ".. appear in the sealed frame";
    }
    // And the receiver still reads it.
    EXPECT_EQ(open(c.get(), codec, sealed).frame, plain);
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, ClearPrefix, ::testing::ValuesIn(kAllCodecs),
                         [](const auto &info) { return std::string(codec_name(info.param)); });

TEST(FrameCryptor, Vp8KeyFrameBitDecidesThePrefixNotTheFlag) {
  auto c = make_cryptor(kSession, kSecretA);
  Rng rng(2);
  const Bytes delta = vp8_frame(rng, 100, false);
  const Bytes key = vp8_frame(rng, 100, true);
  // The flag disagrees with the frame's bit: the bit wins (a receiver only sees the bit).
  const Bytes s1 = seal(c.get(), OTC_E2EE_CODEC_VP8, delta, 1);
  const Bytes s2 = seal(c.get(), OTC_E2EE_CODEC_VP8, key, 0);
  EXPECT_EQ(to_hex(s1.data(), 3), to_hex(delta.data(), 3));
  EXPECT_NE(to_hex(s1.data(), 10), to_hex(delta.data(), 10));
  EXPECT_EQ(to_hex(s2.data(), 10), to_hex(key.data(), 10));
  EXPECT_EQ(open(c.get(), OTC_E2EE_CODEC_VP8, s1).frame, delta);
  EXPECT_EQ(open(c.get(), OTC_E2EE_CODEC_VP8, s2).frame, key);
}

TEST(FrameCryptor, H264FrameWithoutSliceIsSealedWhole) {
  auto c = make_cryptor(kSession, kSecretA);
  const Bytes sps_pps = {0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80};
  const Bytes short_slice = {0, 0, 0, 1, 0x65, 0xAA, 0xBB};
  for (const Bytes &plain : {sps_pps, short_slice}) {
    const Bytes sealed = seal(c.get(), OTC_E2EE_CODEC_H264, plain);
    EXPECT_TRUE(no_start_code(sealed, 0)) << to_hex(sealed);
    const Opened o = open(c.get(), OTC_E2EE_CODEC_H264, sealed);
    EXPECT_EQ(o.outcome, OTC_E2EE_DECRYPTED);
    EXPECT_EQ(o.frame, plain);
  }
}

// Frames sealed by the independent JS implementation (bench/js-frame-cryptor.mjs, JsFrameCryptor
// with the base key of session "js-interop-session" and kSecretA, sender id 0x01020304): the
// C++ receiver must open them byte-exactly.
TEST(FrameCryptor, OpensFramesSealedByTheJsImplementation) {
  struct JsFrame {
    int suite;
    otc_e2ee_codec codec;
    const char *plain, *sealed;
  };
  const JsFrame frames[] = {
      {6, OTC_E2EE_CODEC_OPUS, "fc0102030405060708090a0b0c0d0e0f10111213",
       "ade74d8cb05bfb4d272f6b9e9f17efea2fd77bf3c9a86afe341918a10578f0470b581f0102030409"},
      {6, OTC_E2EE_CODEC_VP8, "9001009d012a80016801000000000102030405060708090a0b0c0d0e0f",
       "9001009d012a8001680117853177d8c69eddf2092004e620d4ce450e59d4fea0cf759b8ca99197f1470b581f0102030409"},
      {6, OTC_E2EE_CODEC_VP9, "8249834200000000000102030405060708090a0b",
       "c3058d1878186f74ade85c025f2e152b3b4b750e754722cdac3ab4952ec0f2470b581f0102030409"},
      {6, OTC_E2EE_CODEC_AV1, "12000a0b0000000000000102030405060708090a",
       "dba245afddd6e2396313009302efe87dfad7172bbf8d14fc7d48e3d9cb2bf3470b581f0102030409"},
      {6, OTC_E2EE_CODEC_H264, "00000001674d401e00000001688000000000000165888400000003000102030000010405",
       "00000001674d401e00000001688000000000000165888400ecf359b225339c4431851f1e242311d7d73cfe3e3aa4f4470b581f0102030409"},
      {4, OTC_E2EE_CODEC_OPUS, "fc0102030405060708090a0b0c0d0e0f10111213",
       "1759737e5e379bdbc904c56327ad9a9f946df8caf0d705425fffae6c223d737e13b7aea0f0470b581f0102030409"},
      {4, OTC_E2EE_CODEC_VP8, "9001009d012a80016801000000000102030405060708090a0b0c0d0e0f",
       "9001009d012a80016801ac1f8de50051d7849855e536e3c8306370f0a21540338f502861b0b4d4abfe8858c192f1470b581f0102030409"},
      {4, OTC_E2EE_CODEC_H264, "00000001674d401e00000001688000000000000165888400000003000102030000010405",
       "00000001674d401e00000001688000000000000165888400242e622040f9dbc9781b9daf29a70b2e66a3ee636105fdd451f5e0bef4470b581f0102030409"},
      {1, OTC_E2EE_CODEC_VP9, "8249834200000000000102030405060708090a0b",
       "dd2c24200ee9e6d5dd647b9db2e8a2a6effba4676ecf7fc729526963b577f2470b581f0102030409"},
      {1, OTC_E2EE_CODEC_H264, "00000001674d401e00000001688000000000000165888400000003000102030000010405",
       "00000001674d401e000000016880000000000001658884008e2b128ec7822e0bb36538471ba1ec9664fc93c25596f4470b581f0102030409"},
  };
  for (int suite : {6, 4, 1}) {
    auto c = make_cryptor("js-interop-session", kSecretA, suite);
    for (const JsFrame &f : frames) {
      if (f.suite != suite) continue;
      SCOPED_TRACE(::testing::Message() << "suite " << suite << " " << codec_name(f.codec));
      const Opened o = open(c.get(), f.codec, from_hex(f.sealed));
      ASSERT_EQ(o.status, OTC_SUCCESS);
      EXPECT_EQ(o.outcome, OTC_E2EE_DECRYPTED);
      EXPECT_EQ(to_hex(o.frame), f.plain);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sessions and secrets: who can read whom.

TEST(FrameCryptor, SameSessionAndSecretInteroperateBothWays) {
  auto a = make_cryptor(kSession, kSecretA);
  auto b = make_cryptor(kSession, kSecretA);
  Rng rng(3);
  for (otc_e2ee_codec codec : kAllCodecs) {
    const Bytes fa = codec_frame(rng, codec, 300, true), fb = codec_frame(rng, codec, 300, false);
    EXPECT_EQ(open(b.get(), codec, seal(a.get(), codec, fa)).frame, fa) << codec_name(codec);
    EXPECT_EQ(open(a.get(), codec, seal(b.get(), codec, fb)).frame, fb) << codec_name(codec);
  }
  EXPECT_EQ(stats_of(a.get()).current_epoch_id, stats_of(b.get()).current_epoch_id);
}

TEST(FrameCryptor, DifferentSessionsWithTheSameSecretDoNotInteroperate) {
  auto a = make_cryptor("session-one", kSecretA);
  auto b = make_cryptor("session-two", kSecretA);
  EXPECT_NE(stats_of(a.get()).current_epoch_id, stats_of(b.get()).current_epoch_id);
  Rng rng(4);
  for (otc_e2ee_codec codec : kAllCodecs) {
    const Bytes f = codec_frame(rng, codec, 200, true);
    const Opened o = open(b.get(), codec, seal(a.get(), codec, f));
    EXPECT_EQ(o.status, OTC_SUCCESS);
    EXPECT_EQ(o.outcome, OTC_E2EE_MISMATCH) << codec_name(codec);
    EXPECT_TRUE(o.frame.empty());
  }
}

TEST(FrameCryptor, WrongSecretIsMismatchWithOneEventThenMatchAfterFix) {
  auto sender = make_cryptor(kSession, kSecretA);
  auto receiver = make_cryptor(kSession, kSecretB);
  Rng rng(5);
  std::vector<Bytes> plains;
  std::vector<Bytes> sealed;
  for (int i = 0; i < 8; ++i) {
    plains.push_back(vp8_frame(rng, 500, i == 0));
    sealed.push_back(seal(sender.get(), OTC_E2EE_CODEC_VP8, plains.back()));
  }
  int mismatch_events = 0;
  for (int i = 0; i < 6; ++i) {
    const Opened o = open(receiver.get(), OTC_E2EE_CODEC_VP8, sealed[static_cast<size_t>(i)]);
    ASSERT_EQ(o.status, OTC_SUCCESS);
    EXPECT_EQ(o.outcome, OTC_E2EE_MISMATCH);
    EXPECT_TRUE(o.frame.empty());
    const otc_e2ee_event expected = i == 2 ? OTC_E2EE_EVENT_SECRET_MISMATCH : OTC_E2EE_EVENT_NONE;
    EXPECT_EQ(o.event, expected) << "frame " << i << " (the 3rd undecryptable one reports)";
    mismatch_events += o.event == OTC_E2EE_EVENT_SECRET_MISMATCH;
  }
  EXPECT_EQ(mismatch_events, 1);
  auto s = stats_of(receiver.get());
  EXPECT_EQ(s.in_mismatch, 1);
  EXPECT_EQ(s.mismatch_episodes, 1u);
  EXPECT_EQ(s.frames_mismatch, 6u);
  EXPECT_EQ(s.frames_decrypted, 0u);

  ASSERT_EQ(otc_frame_cryptor_set_secret(receiver.get(), kSecretA), OTC_SUCCESS);
  const Opened fixed = open(receiver.get(), OTC_E2EE_CODEC_VP8, sealed[6]);
  EXPECT_EQ(fixed.outcome, OTC_E2EE_DECRYPTED);
  EXPECT_EQ(fixed.event, OTC_E2EE_EVENT_SECRET_MATCH);
  EXPECT_EQ(fixed.frame, plains[6]);
  const Opened next = open(receiver.get(), OTC_E2EE_CODEC_VP8, sealed[7]);
  EXPECT_EQ(next.outcome, OTC_E2EE_DECRYPTED);
  EXPECT_EQ(next.event, OTC_E2EE_EVENT_NONE);
  // The frames that failed earlier open now too (same epoch, not yet seen).
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_VP8, sealed[0]).frame, plains[0]);
  s = stats_of(receiver.get());
  EXPECT_EQ(s.in_mismatch, 0);
  EXPECT_EQ(s.mismatch_episodes, 1u);
  EXPECT_EQ(s.frames_decrypted, 3u);
}

TEST(FrameCryptor, SecondMismatchEpisodeReportsAgain) {
  auto sender = make_cryptor(kSession, kSecretA);
  auto stranger = make_cryptor(kSession, kSecretB);
  auto receiver = make_cryptor(kSession, kSecretA);
  Rng rng(6);
  auto feed = [&](otc_frame_cryptor *from, int count) {
    std::vector<otc_e2ee_event> events;
    for (int i = 0; i < count; ++i)
      events.push_back(open(receiver.get(), OTC_E2EE_CODEC_OPUS,
                            seal(from, OTC_E2EE_CODEC_OPUS, rng.bytes(60))).event);
    return events;
  };
  using E = std::vector<otc_e2ee_event>;
  EXPECT_EQ(feed(stranger.get(), 2), (E{OTC_E2EE_EVENT_NONE, OTC_E2EE_EVENT_NONE}));
  // A decrypted frame ends the run of undecryptable frames: no episode yet.
  EXPECT_EQ(feed(sender.get(), 1), (E{OTC_E2EE_EVENT_NONE}));
  EXPECT_EQ(feed(stranger.get(), 4), (E{OTC_E2EE_EVENT_NONE, OTC_E2EE_EVENT_NONE,
                                        OTC_E2EE_EVENT_SECRET_MISMATCH, OTC_E2EE_EVENT_NONE}));
  EXPECT_EQ(feed(sender.get(), 2), (E{OTC_E2EE_EVENT_SECRET_MATCH, OTC_E2EE_EVENT_NONE}));
  EXPECT_EQ(feed(stranger.get(), 3), (E{OTC_E2EE_EVENT_NONE, OTC_E2EE_EVENT_NONE,
                                        OTC_E2EE_EVENT_SECRET_MISMATCH}));
  EXPECT_EQ(stats_of(receiver.get()).mismatch_episodes, 2u);
}

// ---------------------------------------------------------------------------------------------
// Tampering: every bit flip, every truncation, extensions.

class Tamper : public ::testing::TestWithParam<CodecSuite> {};

TEST_P(Tamper, EveryBitFlipIsRejected) {
  const auto [codec, suite] = GetParam();
  auto sender = make_cryptor(kSession, kSecretA, suite);
  auto receiver = make_cryptor(kSession, kSecretA, suite);
  Rng rng(8);
  for (bool key_frame : {false, true}) {
    const Bytes plain = codec_frame(rng, codec, key_frame ? 120 : 40, key_frame);
    const Bytes sealed = seal(sender.get(), codec, plain, key_frame);
    int mismatch = 0, integrity = 0;
    for (size_t bit = 0; bit < sealed.size() * 8; ++bit) {
      Bytes bad = sealed;
      bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      const Opened o = open(receiver.get(), codec, bad);
      ASSERT_EQ(o.status, OTC_SUCCESS);
      ASSERT_TRUE(o.outcome == OTC_E2EE_MISMATCH || o.outcome == OTC_E2EE_INTEGRITY_FAILURE)
          << "bit " << bit << " of " << sealed.size() << " bytes: outcome " << o.outcome;
      EXPECT_TRUE(o.frame.empty());
      mismatch += o.outcome == OTC_E2EE_MISMATCH;
      integrity += o.outcome == OTC_E2EE_INTEGRITY_FAILURE;
    }
    EXPECT_GT(integrity, 0);
    EXPECT_GT(mismatch, 0);
    // Forgeries did not move the replay window or break anything: the genuine frame opens.
    const Opened good = open(receiver.get(), codec, sealed);
    EXPECT_EQ(good.outcome, OTC_E2EE_DECRYPTED);
    EXPECT_EQ(good.frame, plain);
  }
  const auto s = stats_of(receiver.get());
  EXPECT_EQ(s.frames_decrypted, 2u);
  EXPECT_EQ(s.frames_replay, 0u);
  EXPECT_GE(s.integrity_episodes, 1u);
}

TEST_P(Tamper, TruncationsAndExtensionsAreRejected) {
  const auto [codec, suite] = GetParam();
  auto sender = make_cryptor(kSession, kSecretA, suite);
  auto receiver = make_cryptor(kSession, kSecretA, suite);
  Rng rng(9);
  const Bytes plain = codec_frame(rng, codec, 90, true);
  const Bytes sealed = seal(sender.get(), codec, plain, 1);
  for (size_t n = 0; n < sealed.size(); ++n) {
    const Bytes cut(sealed.begin(), sealed.begin() + static_cast<long>(n));
    const Opened o = open(receiver.get(), codec, cut);
    ASSERT_EQ(o.status, OTC_SUCCESS) << n;
    EXPECT_NE(o.outcome, OTC_E2EE_DECRYPTED) << "truncated to " << n;
    EXPECT_NE(o.outcome, OTC_E2EE_REPLAY) << "truncated to " << n;
  }
  std::vector<Bytes> extended;
  for (uint8_t b : {0x00, 0x01, 0x03, 0x09, 0x11, 0xFF}) {
    Bytes e = sealed;
    e.push_back(b);
    extended.push_back(e);
    Bytes f = {b};
    f.insert(f.end(), sealed.begin(), sealed.end());
    extended.push_back(f);
  }
  Bytes twice = sealed;
  twice.insert(twice.end(), sealed.begin(), sealed.end());
  extended.push_back(twice);
  Bytes long_tail = sealed;
  const Bytes junk = rng.bytes(1000);
  long_tail.insert(long_tail.end(), junk.begin(), junk.end());
  extended.push_back(long_tail);
  for (size_t i = 0; i < extended.size(); ++i) {
    const Opened o = open(receiver.get(), codec, extended[i]);
    ASSERT_EQ(o.status, OTC_SUCCESS);
    EXPECT_NE(o.outcome, OTC_E2EE_DECRYPTED) << "extension " << i;
  }
  EXPECT_EQ(open(receiver.get(), codec, sealed).frame, plain);
}

std::vector<CodecSuite> tamper_cases() {
  std::vector<CodecSuite> out;
  for (otc_e2ee_codec codec : kAllCodecs)
    for (int suite : {6, 4, 8}) out.push_back({codec, suite});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Codecs, Tamper, ::testing::ValuesIn(tamper_cases()), codec_suite_name);

TEST(FrameCryptor, IntegrityFailureEventOncePerEpisode) {
  auto c = make_cryptor(kSession, kSecretA);
  Rng rng(10);
  auto forged = [&] {
    Bytes s = seal(c.get(), OTC_E2EE_CODEC_OPUS, rng.bytes(80));
    s[5] ^= 0x40;  // ciphertext byte
    return s;
  };
  EXPECT_EQ(open(c.get(), OTC_E2EE_CODEC_OPUS, forged()).event, OTC_E2EE_EVENT_INTEGRITY_FAILURE);
  EXPECT_EQ(open(c.get(), OTC_E2EE_CODEC_OPUS, forged()).event, OTC_E2EE_EVENT_NONE);
  EXPECT_EQ(open(c.get(), OTC_E2EE_CODEC_OPUS, forged()).outcome, OTC_E2EE_INTEGRITY_FAILURE);
  EXPECT_EQ(open(c.get(), OTC_E2EE_CODEC_OPUS, seal(c.get(), OTC_E2EE_CODEC_OPUS, rng.bytes(80))).outcome,
            OTC_E2EE_DECRYPTED);
  EXPECT_EQ(open(c.get(), OTC_E2EE_CODEC_OPUS, forged()).event, OTC_E2EE_EVENT_INTEGRITY_FAILURE);
  const auto s = stats_of(c.get());
  EXPECT_EQ(s.frames_integrity_failure, 4u);
  EXPECT_EQ(s.integrity_episodes, 2u);
  EXPECT_EQ(s.in_mismatch, 0) << "integrity failures are not a secret mismatch";
}

// ---------------------------------------------------------------------------------------------
// Replay window.

TEST(FrameCryptor, ReplayedFrameIsReplay) {
  auto sender = make_cryptor(kSession, kSecretA);
  auto receiver = make_cryptor(kSession, kSecretA);
  Rng rng(11);
  for (otc_e2ee_codec codec : kAllCodecs) {
    const Bytes sealed = seal(sender.get(), codec, codec_frame(rng, codec, 100, true));
    EXPECT_EQ(open(receiver.get(), codec, sealed).outcome, OTC_E2EE_DECRYPTED);
    const Opened again = open(receiver.get(), codec, sealed);
    EXPECT_EQ(again.status, OTC_SUCCESS);
    EXPECT_EQ(again.outcome, OTC_E2EE_REPLAY) << codec_name(codec);
    EXPECT_TRUE(again.frame.empty());
    EXPECT_EQ(open(receiver.get(), codec, sealed).outcome, OTC_E2EE_REPLAY);
  }
  const auto s = stats_of(receiver.get());
  EXPECT_EQ(s.frames_replay, 10u);
  EXPECT_EQ(s.frames_decrypted, 5u);
  EXPECT_EQ(s.in_mismatch, 0);
}

TEST(FrameCryptor, OutOfOrderWithinTheWindowDecrypts) {
  auto sender = make_cryptor(kSession, kSecretA);
  auto receiver = make_cryptor(kSession, kSecretA);
  Rng rng(12);
  std::vector<std::pair<Bytes, Bytes>> frames;  // plain, sealed
  for (int i = 0; i < 120; ++i) {
    Bytes plain = rng.bytes(30 + rng.below(50));
    Bytes sealed = seal(sender.get(), OTC_E2EE_CODEC_OPUS, plain);
    frames.emplace_back(std::move(plain), std::move(sealed));
  }
  std::vector<size_t> order(frames.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(12));
  for (size_t i : order) {
    const Opened o = open(receiver.get(), OTC_E2EE_CODEC_OPUS, frames[i].second);
    ASSERT_EQ(o.outcome, OTC_E2EE_DECRYPTED) << "frame " << i;
    EXPECT_EQ(o.frame, frames[i].first);
  }
  for (size_t i : {size_t{0}, size_t{57}, size_t{119}})
    EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, frames[i].second).outcome, OTC_E2EE_REPLAY);
}

TEST(FrameCryptor, FramesOlderThanTheWindowAreReplay) {
  auto sender = make_cryptor(kSession, kSecretA);
  auto receiver = make_cryptor(kSession, kSecretA);
  Rng rng(13);
  std::vector<Bytes> sealed;
  const size_t count = OTC_E2EE_REPLAY_WINDOW + 50;
  for (size_t i = 0; i < count; ++i) sealed.push_back(seal(sender.get(), OTC_E2EE_CODEC_OPUS, rng.bytes(20)));
  const size_t top = count - 1;
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, sealed[top]).outcome, OTC_E2EE_DECRYPTED);
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, sealed[0]).outcome, OTC_E2EE_REPLAY);
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, sealed[top - OTC_E2EE_REPLAY_WINDOW]).outcome,
            OTC_E2EE_REPLAY);
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, sealed[top - OTC_E2EE_REPLAY_WINDOW + 1]).outcome,
            OTC_E2EE_DECRYPTED);
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, sealed[top - 128]).outcome, OTC_E2EE_DECRYPTED)
      << "the spec's minimum window is 128 frames";
}

// Section 6: a (KID, CTR) seen before is a replay. When a secret comes back (A, then B, then A
// after A's keys were erased), the KIDs of A come back with the same keys; frames of A that were
// already accepted must not be accepted a second time.
TEST(FrameCryptor, FramesOfAReturningSecretAreStillReplays) {
  auto sender = make_cryptor(kSession, kSecretA, 0, 100);
  auto receiver = make_cryptor(kSession, kSecretA, 0, 100);
  Rng rng(25);
  std::vector<Bytes> old_frames;
  for (int i = 0; i < 3; ++i) {
    old_frames.push_back(seal(sender.get(), OTC_E2EE_CODEC_OPUS, rng.bytes(50)));
    ASSERT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, old_frames.back()).outcome, OTC_E2EE_DECRYPTED);
  }
  for (otc_frame_cryptor *c : {sender.get(), receiver.get()})
    ASSERT_EQ(otc_frame_cryptor_set_secret(c, kSecretB), OTC_SUCCESS);
  std::this_thread::sleep_for(150ms);  // A's keys are erased
  // Traffic goes on under B.
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, seal(sender.get(), OTC_E2EE_CODEC_OPUS, rng.bytes(50))).outcome,
            OTC_E2EE_DECRYPTED);
  ASSERT_EQ(stats_of(receiver.get()).epochs_held, 1u);
  for (otc_frame_cryptor *c : {sender.get(), receiver.get()})
    ASSERT_EQ(otc_frame_cryptor_set_secret(c, kSecretA), OTC_SUCCESS);
  for (size_t i = 0; i < old_frames.size(); ++i) {
    const Opened o = open(receiver.get(), OTC_E2EE_CODEC_OPUS, old_frames[i]);
    EXPECT_EQ(o.outcome, OTC_E2EE_REPLAY) << "old frame " << i << " of secret A accepted a second time";
    EXPECT_TRUE(o.frame.empty());
  }
  // The sender continues A's counter, so its new frames are fresh.
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, seal(sender.get(), OTC_E2EE_CODEC_OPUS, rng.bytes(50))).outcome,
            OTC_E2EE_DECRYPTED);
}

// ---------------------------------------------------------------------------------------------
// Secrets changing while frames flow; ratchet; grace period.

TEST(FrameCryptor, OldEpochFramesOpenDuringTheGracePeriod) {
  auto sender = make_cryptor(kSession, kSecretA);
  auto receiver = make_cryptor(kSession, kSecretA);
  Rng rng(14);
  const Bytes p1 = rng.bytes(100), p2 = rng.bytes(100), p3 = rng.bytes(100);
  const Bytes s1 = seal(sender.get(), OTC_E2EE_CODEC_OPUS, p1);
  const Bytes s2 = seal(sender.get(), OTC_E2EE_CODEC_OPUS, p2);
  const uint32_t epoch_a = stats_of(sender.get()).current_epoch_id;
  ASSERT_EQ(otc_frame_cryptor_set_secret(sender.get(), kSecretB), OTC_SUCCESS);
  const uint32_t epoch_b = stats_of(sender.get()).current_epoch_id;
  EXPECT_NE(epoch_a, epoch_b);
  const Bytes s3 = seal(sender.get(), OTC_E2EE_CODEC_OPUS, p3);
  EXPECT_EQ(read_trailer(s3).kid >> 32, epoch_b) << "the sender switches to the new epoch at once";
  // The receiver has not switched yet: old frames open, new ones are undecryptable.
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, s1).frame, p1);
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, s3).outcome, OTC_E2EE_MISMATCH);
  ASSERT_EQ(otc_frame_cryptor_set_secret(receiver.get(), kSecretB), OTC_SUCCESS);
  EXPECT_EQ(stats_of(receiver.get()).epochs_held, 2u);
  // Frames in flight from before the switch still open (grace period), and the new ones too.
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, s2).frame, p2);
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, s3).frame, p3);
}

struct RatchetCase {
  int steps;
  bool follows;
};

void PrintTo(const RatchetCase &c, std::ostream *os) { *os << c.steps << " steps"; }

class RatchetFollow : public ::testing::TestWithParam<RatchetCase> {};

TEST_P(RatchetFollow, ReceiverFollowsUpToEightSteps) {
  const auto [steps, follows] = GetParam();
  auto sender = make_cryptor(kSession, kSecretA);
  auto receiver = make_cryptor(kSession, kSecretA);
  const uint32_t epoch0 = stats_of(receiver.get()).current_epoch_id;
  // The epochs of the chain, computed with the public key helpers.
  uint8_t key[32];
  ASSERT_EQ(otc_e2ee_derive_base_key(kSession, kSecretA, key), OTC_SUCCESS);
  for (int i = 0; i < steps; ++i) {
    ASSERT_EQ(otc_frame_cryptor_ratchet(sender.get()), OTC_SUCCESS);
    uint8_t next[32];
    ASSERT_EQ(otc_e2ee_ratchet_key(key, next), OTC_SUCCESS);
    std::memcpy(key, next, 32);
  }
  uint32_t expected_epoch = 0;
  ASSERT_EQ(otc_e2ee_epoch_id(key, &expected_epoch), OTC_SUCCESS);
  EXPECT_EQ(stats_of(sender.get()).current_epoch_id, expected_epoch);

  Rng rng(15);
  const Bytes plain = rng.bytes(200);
  const Bytes sealed = seal(sender.get(), OTC_E2EE_CODEC_OPUS, plain);
  EXPECT_EQ(read_trailer(sealed).kid >> 32, expected_epoch);
  const Opened o = open(receiver.get(), OTC_E2EE_CODEC_OPUS, sealed);
  const auto rs = stats_of(receiver.get());
  if (follows) {
    EXPECT_EQ(o.outcome, OTC_E2EE_DECRYPTED);
    EXPECT_EQ(o.frame, plain);
    EXPECT_EQ(rs.ratchets_followed, 1u);
    EXPECT_EQ(rs.current_epoch_id, expected_epoch) << "the receiver adopts the sender's epoch";
    // The receiver's own frames now go out under the new epoch, and the sender reads them.
    const Bytes back = seal(receiver.get(), OTC_E2EE_CODEC_OPUS, plain);
    EXPECT_EQ(read_trailer(back).kid >> 32, expected_epoch);
    EXPECT_EQ(open(sender.get(), OTC_E2EE_CODEC_OPUS, back).outcome, OTC_E2EE_DECRYPTED);
  } else {
    EXPECT_EQ(o.outcome, OTC_E2EE_MISMATCH);
    EXPECT_EQ(rs.ratchets_followed, 0u);
    EXPECT_EQ(rs.current_epoch_id, epoch0);
  }
}

INSTANTIATE_TEST_SUITE_P(Steps, RatchetFollow,
                         ::testing::Values(RatchetCase{1, true}, RatchetCase{2, true},
                                           RatchetCase{8, true}, RatchetCase{9, false},
                                           RatchetCase{12, false}),
                         [](const auto &info) {
                           return std::to_string(info.param.steps) + "_steps";
                         });

TEST(FrameCryptor, ReceiverFollowsRepeatedRatchets) {
  auto sender = make_cryptor(kSession, kSecretA);
  auto receiver = make_cryptor(kSession, kSecretA);
  Rng rng(16);
  for (int round = 1; round <= 3; ++round) {
    for (int i = 0; i < 8; ++i) ASSERT_EQ(otc_frame_cryptor_ratchet(sender.get()), OTC_SUCCESS);
    EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, seal(sender.get(), OTC_E2EE_CODEC_OPUS, rng.bytes(40))).outcome,
              OTC_E2EE_DECRYPTED)
        << "round " << round;
    EXPECT_EQ(stats_of(receiver.get()).ratchets_followed, static_cast<uint64_t>(round));
    EXPECT_EQ(stats_of(receiver.get()).current_epoch_id, stats_of(sender.get()).current_epoch_id);
  }
}

TEST(FrameCryptor, RatchetedFrameWithBadTagIsNotAdopted) {
  auto sender = make_cryptor(kSession, kSecretA);
  auto receiver = make_cryptor(kSession, kSecretA);
  const uint32_t epoch0 = stats_of(receiver.get()).current_epoch_id;
  ASSERT_EQ(otc_frame_cryptor_ratchet(sender.get()), OTC_SUCCESS);
  Rng rng(17);
  Bytes sealed = seal(sender.get(), OTC_E2EE_CODEC_OPUS, rng.bytes(50));
  sealed[3] ^= 1;
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, sealed).outcome, OTC_E2EE_INTEGRITY_FAILURE);
  const auto s = stats_of(receiver.get());
  EXPECT_EQ(s.ratchets_followed, 0u);
  EXPECT_EQ(s.current_epoch_id, epoch0) << "a forged frame must not move the receiver's epoch";
  EXPECT_EQ(s.epochs_held, 1u);
}

enum class Switch { kSetSecret, kRatchet };

void PrintTo(Switch s, std::ostream *os) { *os << (s == Switch::kSetSecret ? "set_secret" : "ratchet"); }

class GracePeriod : public ::testing::TestWithParam<Switch> {};

TEST_P(GracePeriod, OldEpochKeysAreErasedAfterTheGracePeriod) {
  auto sender = make_cryptor(kSession, kSecretA, 0, 100);
  auto receiver = make_cryptor(kSession, kSecretA, 0, 100);
  Rng rng(18);
  const Bytes p1 = rng.bytes(64), p2 = rng.bytes(64), p3 = rng.bytes(64);
  const Bytes s1 = seal(sender.get(), OTC_E2EE_CODEC_OPUS, p1);
  const Bytes s2 = seal(sender.get(), OTC_E2EE_CODEC_OPUS, p2);
  const Bytes s3 = seal(sender.get(), OTC_E2EE_CODEC_OPUS, p3);
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, s1).frame, p1);  // key cached for this KID
  for (otc_frame_cryptor *c : {sender.get(), receiver.get()}) {
    if (GetParam() == Switch::kSetSecret) ASSERT_EQ(otc_frame_cryptor_set_secret(c, kSecretB), OTC_SUCCESS);
    else ASSERT_EQ(otc_frame_cryptor_ratchet(c), OTC_SUCCESS);
  }
  EXPECT_EQ(stats_of(receiver.get()).epochs_held, 2u);
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, s2).frame, p2) << "within the grace period";
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(stats_of(receiver.get()).epochs_held, 1u);
  EXPECT_EQ(stats_of(sender.get()).epochs_held, 1u);
  const Opened late = open(receiver.get(), OTC_E2EE_CODEC_OPUS, s3);
  EXPECT_EQ(late.outcome, OTC_E2EE_MISMATCH) << "the old epoch's keys must be gone";
  EXPECT_TRUE(late.frame.empty());
  // New-epoch traffic is unaffected.
  const Bytes p4 = rng.bytes(64);
  EXPECT_EQ(open(receiver.get(), OTC_E2EE_CODEC_OPUS, seal(sender.get(), OTC_E2EE_CODEC_OPUS, p4)).frame, p4);
}

INSTANTIATE_TEST_SUITE_P(Switches, GracePeriod, ::testing::Values(Switch::kSetSecret, Switch::kRatchet),
                         [](const auto &info) {
                           return std::string(info.param == Switch::kSetSecret ? "SetSecret" : "Ratchet");
                         });

TEST(FrameCryptor, DefaultGracePeriodKeepsOldEpochBeyond150ms) {
  auto c = make_cryptor(kSession, kSecretA);
  Rng rng(19);
  const Bytes p = rng.bytes(64);
  const Bytes s = seal(c.get(), OTC_E2EE_CODEC_OPUS, p);
  ASSERT_EQ(otc_frame_cryptor_ratchet(c.get()), OTC_SUCCESS);
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(stats_of(c.get()).epochs_held, 2u);
  EXPECT_EQ(open(c.get(), OTC_E2EE_CODEC_OPUS, s).frame, p);
}

// ---------------------------------------------------------------------------------------------
// (KID, CTR) never repeats; sender ids.

TEST(FrameCryptor, SecretSetAgainNeverReusesKidAndCtr) {
  auto c = make_cryptor(kSession, kSecretA, 0, 100);
  Rng rng(20);
  std::set<std::pair<uint64_t, uint64_t>> seen;
  std::set<uint64_t> kids;
  size_t frames = 0;
  auto seal_some = [&](int n) {
    for (int i = 0; i < n; ++i) {
      const Bytes s = seal(c.get(), OTC_E2EE_CODEC_OPUS, rng.bytes(30));
      const Trailer t = read_trailer(s);
      ASSERT_TRUE(t.ok);
      EXPECT_TRUE(seen.insert({t.kid, t.ctr}).second)
          << "(KID, CTR) reused: " << std::hex << t.kid << ", " << std::dec << t.ctr;
      kids.insert(t.kid);
      ++frames;
    }
  };
  seal_some(3);
  ASSERT_EQ(otc_frame_cryptor_set_secret(c.get(), kSecretB), OTC_SUCCESS);
  seal_some(3);
  ASSERT_EQ(otc_frame_cryptor_set_secret(c.get(), kSecretA), OTC_SUCCESS);  // A again: same KID
  seal_some(3);
  ASSERT_EQ(otc_frame_cryptor_ratchet(c.get()), OTC_SUCCESS);
  seal_some(2);
  ASSERT_EQ(otc_frame_cryptor_set_secret(c.get(), kSecretA), OTC_SUCCESS);  // back to A's epoch
  seal_some(2);
  // Let A's epoch be erased (grace 100 ms) while B is current, then come back to A.
  ASSERT_EQ(otc_frame_cryptor_set_secret(c.get(), kSecretB), OTC_SUCCESS);
  seal_some(1);
  std::this_thread::sleep_for(150ms);
  ASSERT_EQ(stats_of(c.get()).epochs_held, 1u);
  ASSERT_EQ(otc_frame_cryptor_set_secret(c.get(), kSecretA), OTC_SUCCESS);
  seal_some(3);
  EXPECT_EQ(seen.size(), frames);
  EXPECT_EQ(kids.size(), 3u);  // A, B and A's first ratchet step
}

TEST(FrameCryptor, SenderIdsDifferBetweenCryptors) {
  std::set<uint32_t> ids;
  std::vector<CryptorPtr> cryptors;
  for (int i = 0; i < 6; ++i) cryptors.push_back(make_cryptor(kSession, kSecretA));
  Rng rng(21);
  for (auto &c : cryptors) {
    const auto s = stats_of(c.get());
    ids.insert(s.sender_id);
    const Trailer t = read_trailer(seal(c.get(), OTC_E2EE_CODEC_OPUS, rng.bytes(10)));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(static_cast<uint32_t>(t.kid), s.sender_id);
    EXPECT_EQ(static_cast<uint32_t>(t.kid >> 32), s.current_epoch_id);
    EXPECT_EQ(t.ctr, 0u) << "CTR starts at 0";
    EXPECT_EQ(s.current_epoch_id, stats_of(cryptors[0].get()).current_epoch_id);
  }
  EXPECT_EQ(ids.size(), cryptors.size());
}

TEST(FrameCryptor, CtrGrowsByOnePerSealedFrameAcrossCodecs) {
  auto c = make_cryptor(kSession, kSecretA);
  Rng rng(22);
  uint64_t expected = 0;
  for (int i = 0; i < 20; ++i) {
    const otc_e2ee_codec codec = kAllCodecs[i % 5];
    const Bytes plain = codec_frame(rng, codec, 80, i % 2 == 0);
    const Parsed p = parse_sealed(codec, plain, seal(c.get(), codec, plain));
    ASSERT_TRUE(p.trailer.ok);
    EXPECT_EQ(p.trailer.ctr, expected++);
  }
  // A refused call consumes no counter value.
  Bytes out(10);
  size_t n = 0;
  const Bytes in(100, 1);
  EXPECT_EQ(otc_frame_cryptor_seal(c.get(), OTC_E2EE_CODEC_OPUS, 0, in.data(), in.size(), out.data(),
                                   out.size(), &n),
            OTC_E2EE_BUFFER_TOO_SMALL);
  EXPECT_EQ(read_trailer(seal(c.get(), OTC_E2EE_CODEC_OPUS, in)).ctr, expected);
}

// ---------------------------------------------------------------------------------------------
// Stats.

TEST(FrameCryptor, StatsCountWhatHappened) {
  auto sender = make_cryptor(kSession, kSecretA);
  auto receiver = make_cryptor(kSession, kSecretA);
  auto stranger = make_cryptor(kSession, kSecretB);
  Rng rng(23);
  otc_frame_cryptor_stats s = stats_of(receiver.get());
  EXPECT_EQ(s.frames_sealed, 0u);
  EXPECT_EQ(s.frames_decrypted, 0u);
  EXPECT_EQ(s.epochs_held, 1u);
  EXPECT_NE(s.current_epoch_id, 0u);
  EXPECT_NE(s.sender_id, 0u);
  EXPECT_EQ(s.in_mismatch, 0);

  uint64_t sealed_bytes = 0, opened_bytes = 0;
  std::vector<Bytes> good;
  for (size_t size : {0, 10, 100, 1000}) {
    good.push_back(seal(sender.get(), OTC_E2EE_CODEC_VP9, rng.bytes(size)));
    sealed_bytes += size;
  }
  for (const Bytes &g : good) opened_bytes += open(receiver.get(), OTC_E2EE_CODEC_VP9, g).frame.size();
  open(receiver.get(), OTC_E2EE_CODEC_VP9, good[1]);  // replay
  open(receiver.get(), OTC_E2EE_CODEC_VP9, good[2]);  // replay
  Bytes forged = good[3];
  forged[20] ^= 1;
  open(receiver.get(), OTC_E2EE_CODEC_VP9, forged);  // integrity
  for (int i = 0; i < 4; ++i)
    open(receiver.get(), OTC_E2EE_CODEC_VP9, seal(stranger.get(), OTC_E2EE_CODEC_VP9, rng.bytes(50)));
  open(receiver.get(), OTC_E2EE_CODEC_VP9, Bytes{});  // not a sealed frame: mismatch
  seal(receiver.get(), OTC_E2EE_CODEC_OPUS, rng.bytes(77));

  s = stats_of(receiver.get());
  EXPECT_EQ(s.frames_sealed, 1u);
  EXPECT_EQ(s.bytes_sealed, 77u);
  EXPECT_EQ(s.frames_decrypted, 4u);
  EXPECT_EQ(s.bytes_opened, opened_bytes);
  EXPECT_EQ(opened_bytes, sealed_bytes);
  EXPECT_EQ(s.frames_replay, 2u);
  EXPECT_EQ(s.frames_integrity_failure, 1u);
  EXPECT_EQ(s.integrity_episodes, 1u);
  EXPECT_EQ(s.frames_mismatch, 5u);
  EXPECT_EQ(s.mismatch_episodes, 1u);
  EXPECT_EQ(s.in_mismatch, 1);
  EXPECT_EQ(s.ratchets_followed, 0u);
  EXPECT_EQ(s.epochs_held, 1u);

  const auto ss = stats_of(sender.get());
  EXPECT_EQ(ss.frames_sealed, 4u);
  EXPECT_EQ(ss.bytes_sealed, sealed_bytes);
  EXPECT_EQ(ss.frames_decrypted, 0u);
}

// ---------------------------------------------------------------------------------------------
// Concurrency: seal on one thread, open on another, secrets and ratchets from a third.

TEST(FrameCryptor, ConcurrentSealOpenAndKeyChanges) {
  auto c = make_cryptor(kSession, kSecretA);
  std::mutex mutex;
  std::condition_variable cv;
  struct Item {
    otc_e2ee_codec codec;
    Bytes plain, sealed;
  };
  std::deque<Item> queue;
  std::atomic<bool> stop{false}, sealer_done{false};
  std::atomic<uint64_t> sealed_count{0}, decrypted{0}, mismatch{0}, bad{0}, call_errors{0}, set_secrets{0},
      ratchets{0};

  std::thread sealer([&] {
    Rng rng(24);
    uint64_t i = 0;
    while (!stop.load()) {
      const otc_e2ee_codec codec = kAllCodecs[i++ % 5];
      Bytes plain = codec_frame(rng, codec, 20 + rng.below(2000), rng.below(2) == 0);
      Bytes out(otc_frame_cryptor_max_sealed_size(codec, plain.size()));
      size_t n = 0;
      if (otc_frame_cryptor_seal(c.get(), codec, 0, plain.data(), plain.size(), out.data(), out.size(), &n) !=
          OTC_SUCCESS) {
        ++call_errors;
        continue;
      }
      out.resize(n);
      ++sealed_count;
      std::unique_lock<std::mutex> lock(mutex);
      cv.wait(lock, [&] { return queue.size() < 64 || stop.load(); });
      queue.push_back(Item{codec, std::move(plain), std::move(out)});
      cv.notify_all();
    }
    sealer_done = true;
    cv.notify_all();
  });
  std::thread opener([&] {
    for (;;) {
      Item item;
      {
        std::unique_lock<std::mutex> lock(mutex);
        cv.wait(lock, [&] { return !queue.empty() || sealer_done.load(); });
        if (queue.empty()) return;
        item = std::move(queue.front());
        queue.pop_front();
        cv.notify_all();
      }
      Bytes out(item.sealed.size());
      size_t n = 0;
      otc_e2ee_outcome outcome;
      otc_e2ee_event event;
      if (otc_frame_cryptor_open(c.get(), item.codec, item.sealed.data(), item.sealed.size(), out.data(),
                                 out.size(), &n, &outcome, &event) != OTC_SUCCESS) {
        ++call_errors;
        continue;
      }
      if (outcome == OTC_E2EE_DECRYPTED) {
        out.resize(n);
        if (out != item.plain) ++bad;
        ++decrypted;
      } else if (outcome == OTC_E2EE_MISMATCH) {
        ++mismatch;  // possible: more than the ring's epoch limit superseded in between
      } else {
        ++bad;
      }
      otc_frame_cryptor_stats s;
      if (otc_frame_cryptor_get_stats(c.get(), &s) != OTC_SUCCESS) ++call_errors;
    }
  });
  std::thread keys([&] {
    int i = 0;
    while (!stop.load()) {
      const bool secret = i % 4 == 3;
      const otc_status st = secret ? otc_frame_cryptor_set_secret(c.get(), i % 8 == 3 ? kSecretA : kSecretB)
                                   : otc_frame_cryptor_ratchet(c.get());
      if (st != OTC_SUCCESS) ++call_errors;
      ++(secret ? set_secrets : ratchets);
      ++i;
      std::this_thread::sleep_for(2ms);
    }
  });
  std::this_thread::sleep_for(2s);
  // However slow this machine (sanitizers), let some secret changes and ratchets happen.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while ((set_secrets.load() < 2 || ratchets.load() < 6) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  stop = true;
  cv.notify_all();
  sealer.join();
  opener.join();
  keys.join();
  EXPECT_EQ(call_errors.load(), 0u);
  EXPECT_EQ(bad.load(), 0u) << "integrity failures, replays or wrong plaintext under concurrency";
  EXPECT_GT(decrypted.load(), 100u);
  EXPECT_GE(set_secrets.load(), 2u);
  EXPECT_GE(ratchets.load(), 6u);
  EXPECT_EQ(decrypted.load() + mismatch.load(), sealed_count.load());
  const auto s = stats_of(c.get());
  EXPECT_EQ(s.frames_sealed, sealed_count.load());
  EXPECT_EQ(s.frames_decrypted, decrypted.load());
}

}  // namespace
