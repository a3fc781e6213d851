// The verify counts of one kind (media/verify_counter.h): gaps from sequence numbers and from
// RTP timestamps with capture jitter, outcomes, and WebRTC's freeze rule on arrival times.
#include <gtest/gtest.h>

#include "media/verify_counter.h"

namespace {

using otc::media::VerifyCounter;
using Position = VerifyCounter::Position;

Position seq(uint32_t n) { return {Position::Kind::kSequence, n & 0xffff, 1 << 16}; }
Position ts(uint32_t t) { return {Position::Kind::kTimestamp, t, uint64_t{1} << 32}; }

TEST(VerifyCounter, SequenceNumbersGiveGapsAcrossTheWrapAndIgnoreDuplicatesAndLateFrames) {
  VerifyCounter c;
  int64_t now = 1'000'000;
  uint32_t n = 65530;
  for (int i = 0; i < 10; ++i) c.on_opened(100, false, seq(n++), now += 20'000);
  n += 3;                                                   // three lost, after the wrap
  c.on_opened(100, false, seq(n), now += 20'000);
  c.on_opened(100, false, seq(n), now += 1'000);            // a duplicate
  c.on_opened(100, false, seq(n - 2), now += 1'000);        // a late one
  const auto s = c.snapshot();
  EXPECT_EQ(s.frames_opened, 13u);
  EXPECT_EQ(s.bytes_opened, 1300u);
  EXPECT_EQ(s.gaps, 3u);
}

TEST(VerifyCounter, TimestampsWithCaptureJitterGiveNoGapsAndMissingFramesDo) {
  VerifyCounter c;
  int64_t now = 1'000'000;
  uint32_t t = 4'294'000'000u;  // wraps on the way
  // 30 fps with jitter: steps of 2970..3060 and a split pair (450 then 5550), as measured.
  const uint32_t steps[] = {3000, 2970, 3060, 450, 5550, 3030, 2990, 3000, 3010, 2980};
  for (int round = 0; round < 10; ++round) {
    for (uint32_t step : steps) c.on_opened(1000, false, ts(t += step), now += 33'000);
  }
  EXPECT_EQ(c.snapshot().gaps, 0u);
  c.on_opened(1000, false, ts(t += 3 * 3000), now += 99'000);  // two frames missing
  c.on_opened(1000, false, ts(t += 3000), now += 33'000);      // (judged one frame late)
  EXPECT_EQ(c.snapshot().gaps, 2u);
  c.on_opened(1000, false, ts(t += 2 * 3000), now += 66'000);  // one more
  c.on_opened(1000, false, ts(t += 3000), now += 33'000);
  EXPECT_EQ(c.snapshot().gaps, 3u);
  c.on_opened(1000, false, ts(t += 10 * 90'000), now += 10'000'000);  // a 10 s pause: no gaps
  c.on_opened(1000, false, ts(t += 3000), now += 33'000);
  EXPECT_EQ(c.snapshot().gaps, 3u);
  // An encoder that halves its rate: a window of gaps, then none.
  for (int i = 0; i < 100; ++i) c.on_opened(1000, false, ts(t += 6000), now += 66'000);
  const uint64_t after_halving = c.snapshot().gaps;
  EXPECT_LE(after_halving, 3u + 60u);
  for (int i = 0; i < 100; ++i) c.on_opened(1000, false, ts(t += 6000), now += 66'000);
  EXPECT_EQ(c.snapshot().gaps, after_halving);
}

TEST(VerifyCounter, FreezesFollowWebRtcsRuleAndOutcomesAreCountedApart) {
  VerifyCounter c;
  int64_t now = 5'000'000;
  uint32_t t = 0;
  for (int i = 0; i < 30; ++i) c.on_opened(500, i == 0, ts(t += 3000), now += 33'000);
  c.on_opened(500, false, ts(t += 3000), now += 150'000);  // under mean + 150 ms: no freeze
  EXPECT_EQ(c.snapshot().freezes, 0u);
  c.on_opened(500, false, ts(t += 3000), now += 400'000);  // a freeze
  c.on_not_opened(VerifyCounter::NotOpened::kMismatch);
  c.on_not_opened(VerifyCounter::NotOpened::kMismatch);
  c.on_not_opened(VerifyCounter::NotOpened::kIntegrity);
  c.on_not_opened(VerifyCounter::NotOpened::kReplay);
  c.on_not_opened(VerifyCounter::NotOpened::kOther);
  const auto s = c.snapshot();
  EXPECT_EQ(s.freezes, 1u);
  EXPECT_DOUBLE_EQ(s.freeze_ms, 400.0);
  EXPECT_DOUBLE_EQ(s.max_gap_ms, 400.0);
  EXPECT_EQ(s.key_frames, 1u);
  EXPECT_EQ(s.not_opened_mismatch, 2u);
  EXPECT_EQ(s.not_opened_integrity, 1u);
  EXPECT_EQ(s.not_opened_replay, 1u);
  EXPECT_EQ(s.not_opened_other, 1u);
  EXPECT_EQ(s.first_frame_time_us, 5'033'000);
  EXPECT_EQ(s.last_frame_time_us, now);
  c.reset();
  EXPECT_EQ(c.snapshot().frames_opened, 0u);
  EXPECT_EQ(c.snapshot().first_frame_time_us, 0);
}

}  // namespace
