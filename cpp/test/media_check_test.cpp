// MediaCheck (cpp/src/media/media_check.h) on synthetic sequences with an injected clock: each
// figure of otc_media_check against its definition in <otc/media.h>, the bounded number window,
// the latency histogram, reset, real frames through on_frame, and a million frames checked
// against a plain reference model without a single allocation.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <thread>
#include <vector>

#include "media/frame_code.h"
#include "media/media_check.h"
#include "media/test_pattern.h"

// Counts this process's allocations, to show that on_code allocates nothing.
namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// free() on what operator new returned is right here (it came from malloc), but GCC flags it once
// the replacement is inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void *operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void *p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace media = otc::media;
using media::FrameCode;
using media::MediaCheck;

namespace {

constexpr int64_t kFrameUs = 33'333;  // 30 fps
constexpr int64_t kStartUs = 5'000'000'000;

// A frame whose code says it was captured latency_ms before now_us (same clock, truncated).
FrameCode code_at(uint32_t number, int64_t now_us, int64_t latency_ms) {
  return {number, static_cast<uint32_t>(now_us / 1000 - latency_ms)};
}

// Feeds the numbers one frame period apart, each latency_ms old; returns the time after the last.
int64_t feed(MediaCheck &check, const std::vector<uint32_t> &numbers, int64_t now_us = kStartUs,
             int64_t latency_ms = 40) {
  for (uint32_t number : numbers) {
    check.on_code(code_at(number, now_us, latency_ms), now_us);
    now_us += kFrameUs;
  }
  return now_us;
}

std::vector<uint32_t> range(uint32_t first, uint32_t count) {
  std::vector<uint32_t> numbers(count);
  for (uint32_t i = 0; i < count; ++i) numbers[i] = first + i;
  return numbers;
}

TEST(MediaCheck, StartsEmpty) {
  const MediaCheck check;
  const otc_media_check s = check.snapshot();
  EXPECT_EQ(s.frames_decoded, 0u);
  EXPECT_EQ(s.frames_received, 0u);
  EXPECT_EQ(s.frames_lost, 0u);
  EXPECT_EQ(s.latency_p95_ms, 0.0);
  EXPECT_EQ(s.first_frame_time_us, 0);
}

TEST(MediaCheck, CleanStream) {
  MediaCheck check;
  feed(check, range(1000, 300));
  const otc_media_check s = check.snapshot();
  EXPECT_EQ(s.frames_decoded, 300u);
  EXPECT_EQ(s.frames_received, 300u);
  EXPECT_EQ(s.frames_unreadable, 0u);
  EXPECT_EQ(s.frames_lost, 0u);
  EXPECT_EQ(s.frames_repeated, 0u);
  EXPECT_EQ(s.frames_out_of_order, 0u);
  EXPECT_EQ(s.freezes, 0u);
  EXPECT_DOUBLE_EQ(s.max_gap_ms, 33.333);
  EXPECT_EQ(s.latency_mean_ms, 40.0);
  EXPECT_EQ(s.latency_p50_ms, 40.0);
  EXPECT_EQ(s.latency_p95_ms, 40.0);
  EXPECT_EQ(s.latency_max_ms, 40.0);
  EXPECT_EQ(s.first_frame_number, 1000u);
  EXPECT_EQ(s.last_frame_number, 1299u);
  EXPECT_EQ(s.first_frame_time_us, kStartUs);
}

TEST(MediaCheck, CountsLostFrames) {
  MediaCheck check;
  std::vector<uint32_t> numbers;
  for (uint32_t n = 0; n < 100; ++n)
    if (n % 10 != 3) numbers.push_back(n);
  numbers.push_back(150);  // a jump: 100..149 lost too
  feed(check, numbers);
  const otc_media_check s = check.snapshot();
  EXPECT_EQ(s.frames_received, 91u);
  EXPECT_EQ(s.frames_lost, 10u + 50u);
  EXPECT_EQ(s.frames_out_of_order, 0u);
  EXPECT_EQ(s.last_frame_number, 150u);
}

TEST(MediaCheck, LateArrivalsAreOutOfOrderAndNoLongerLost) {
  MediaCheck check;
  feed(check, {1, 2, 4, 5, 7});
  EXPECT_EQ(check.snapshot().frames_lost, 2u);
  feed(check, {3, 6}, kStartUs + 10 * kFrameUs);
  const otc_media_check s = check.snapshot();
  EXPECT_EQ(s.frames_lost, 0u);
  EXPECT_EQ(s.frames_out_of_order, 2u);
  EXPECT_EQ(s.frames_received, 7u);
  EXPECT_EQ(s.last_frame_number, 7u);
}

TEST(MediaCheck, CountsRepeats) {
  MediaCheck check;
  feed(check, {1, 2, 2, 3, 3, 3, 5, 4, 4, 1});
  const otc_media_check s = check.snapshot();
  EXPECT_EQ(s.frames_decoded, 10u);
  EXPECT_EQ(s.frames_received, 5u);
  EXPECT_EQ(s.frames_repeated, 5u);
  EXPECT_EQ(s.frames_out_of_order, 1u);
  EXPECT_EQ(s.frames_lost, 0u);
}

TEST(MediaCheck, NumberBelowTheFirstIsOutOfOrderButNotLost) {
  MediaCheck check;
  feed(check, {10, 11, 8, 8, 12});
  const otc_media_check s = check.snapshot();
  EXPECT_EQ(s.frames_received, 4u);
  EXPECT_EQ(s.frames_out_of_order, 1u);
  EXPECT_EQ(s.frames_repeated, 1u);
  EXPECT_EQ(s.frames_lost, 0u);
  EXPECT_EQ(s.first_frame_number, 10u);
  EXPECT_EQ(s.last_frame_number, 12u);
}

TEST(MediaCheck, FrameNumbersWrapAround) {
  MediaCheck check;
  feed(check, {0xFFFFFFFDu, 0xFFFFFFFEu, 0u, 1u, 0xFFFFFFFFu});
  const otc_media_check s = check.snapshot();
  EXPECT_EQ(s.frames_received, 5u);
  EXPECT_EQ(s.frames_lost, 0u);
  EXPECT_EQ(s.frames_out_of_order, 1u);
  EXPECT_EQ(s.first_frame_number, 0xFFFFFFFDu);
  EXPECT_EQ(s.last_frame_number, 1u);
}

TEST(MediaCheck, NumbersOlderThanTheWindowDoNotChangeLost) {
  MediaCheck check;
  feed(check, {0, 10000});
  EXPECT_EQ(check.snapshot().frames_lost, 9999u);
  // 9999 behind the highest: outside the window, out of order, lost unchanged.
  feed(check, {1}, kStartUs + 2 * kFrameUs);
  otc_media_check s = check.snapshot();
  EXPECT_EQ(s.frames_out_of_order, 1u);
  EXPECT_EQ(s.frames_lost, 9999u);
  EXPECT_EQ(s.frames_received, 3u);
  // Inside the window: counted back, and then recognised as a repeat.
  feed(check, {10000 - MediaCheck::kNumberWindow + 1, 10000 - MediaCheck::kNumberWindow + 1}, kStartUs + 3 * kFrameUs);
  s = check.snapshot();
  EXPECT_EQ(s.frames_out_of_order, 2u);
  EXPECT_EQ(s.frames_lost, 9998u);
  EXPECT_EQ(s.frames_repeated, 1u);
  // Once the window has moved past a number, its bit no longer claims a newer one was seen.
  feed(check, {10000 + MediaCheck::kNumberWindow}, kStartUs + 5 * kFrameUs);
  feed(check, {10001}, kStartUs + 6 * kFrameUs);
  s = check.snapshot();
  EXPECT_EQ(s.frames_repeated, 1u);
  EXPECT_EQ(s.frames_out_of_order, 3u);
}

TEST(MediaCheck, CountsUnreadableFrames) {
  MediaCheck check;
  check.on_code(std::nullopt, kStartUs);
  check.on_code(FrameCode{1, 0}, kStartUs + kFrameUs);
  check.on_code(std::nullopt, kStartUs + 2 * kFrameUs);
  const otc_media_check s = check.snapshot();
  EXPECT_EQ(s.frames_decoded, 3u);
  EXPECT_EQ(s.frames_unreadable, 2u);
  EXPECT_EQ(s.frames_received, 1u);
  // The first readable frame, not the first decoded one.
  EXPECT_EQ(s.first_frame_time_us, kStartUs + kFrameUs);
}

TEST(MediaCheck, DetectsFreezesLikeWebRtc) {
  MediaCheck check;
  int64_t now = feed(check, range(0, 40));
  // Mean gap 33.3 ms: a freeze is a gap over max(100, 183.3) ms.
  now += 180'000 - kFrameUs;
  now = feed(check, {40, 41, 42, 43}, now);
  EXPECT_EQ(check.snapshot().freezes, 0u);
  now += 220'000 - kFrameUs;
  now = feed(check, {44}, now);
  otc_media_check s = check.snapshot();
  EXPECT_EQ(s.freezes, 1u);
  EXPECT_DOUBLE_EQ(s.max_gap_ms, 220.0);
  // Repeated frames do not end a freeze: the picture does not change.
  for (int i = 0; i < 10; ++i) {
    check.on_code(code_at(44, now, 40), now);
    now += kFrameUs;
  }
  feed(check, {45}, now);
  s = check.snapshot();
  EXPECT_EQ(s.freezes, 2u);
  EXPECT_NEAR(s.max_gap_ms, 11 * 33.333, 1e-9);
}

TEST(MediaCheck, NeedsAFewGapsBeforeFreezeDetection) {
  MediaCheck check;
  feed(check, {0, 1, 2});
  feed(check, {3}, kStartUs + 2 * kFrameUs + 2'000'000);
  const otc_media_check s = check.snapshot();
  EXPECT_EQ(s.freezes, 0u);
  EXPECT_DOUBLE_EQ(s.max_gap_ms, 2000.0);
}

TEST(MediaCheck, SlowButSteadyFramesAreNoFreezes) {
  // 5 fps: gaps of 200 ms are the norm, not a freeze.
  MediaCheck check;
  int64_t now = kStartUs;
  for (uint32_t n = 0; n < 50; ++n, now += 200'000) check.on_code(code_at(n, now, 10), now);
  EXPECT_EQ(check.snapshot().freezes, 0u);
  now += 400'000;  // 600 ms: max(600, 350) -> not over
  check.on_code(code_at(50, now, 10), now);
  EXPECT_EQ(check.snapshot().freezes, 0u);
  now += 700'000;
  check.on_code(code_at(51, now, 10), now);
  EXPECT_EQ(check.snapshot().freezes, 1u);
}

TEST(MediaCheck, LatencyPercentiles) {
  MediaCheck check;
  std::vector<int> latencies;
  for (int ms = 1; ms <= 100; ++ms) latencies.push_back(ms);
  // A fixed shuffle: arrival order must not matter.
  for (size_t i = 0; i < latencies.size(); ++i) std::swap(latencies[i], latencies[(i * 37) % latencies.size()]);
  int64_t now = kStartUs;
  uint32_t number = 0;
  for (int ms : latencies) {
    check.on_code(code_at(number++, now, ms), now);
    now += kFrameUs;
  }
  otc_media_check s = check.snapshot();
  EXPECT_DOUBLE_EQ(s.latency_mean_ms, 50.5);
  EXPECT_EQ(s.latency_p50_ms, 50.0);
  EXPECT_EQ(s.latency_p95_ms, 95.0);
  EXPECT_EQ(s.latency_max_ms, 100.0);

  // Repeats do not add samples.
  check.on_code(code_at(number - 1, now, 5000), now);
  EXPECT_EQ(check.snapshot().latency_max_ms, 100.0);

  // Beyond the histogram: the maximum stays exact and bounds the percentiles that land there.
  for (int i = 0; i < 10; ++i) {
    check.on_code(code_at(number++, now, 20'000 + i), now);
    now += kFrameUs;
  }
  s = check.snapshot();
  EXPECT_EQ(s.latency_max_ms, 20'009.0);
  EXPECT_EQ(s.latency_p95_ms, 20'009.0);
  EXPECT_EQ(s.latency_p50_ms, 55.0);
}

TEST(MediaCheck, LatencyAcrossTheClockWrap) {
  MediaCheck check;
  // now is 5 ms past a multiple of 2^32 ms; the frame was captured 10 ms before, before the wrap.
  const int64_t now_us = ((int64_t{1} << 32) * 3 + 5) * 1000 + 400;
  check.on_code(FrameCode{1, 0xFFFFFFFBu}, now_us);
  EXPECT_EQ(check.snapshot().latency_max_ms, 10.0);
  EXPECT_EQ(check.snapshot().latency_p50_ms, 10.0);
}

TEST(MediaCheck, NegativeLatencyCountsAsZero) {
  MediaCheck check;
  check.on_code(code_at(1, kStartUs, -30), kStartUs);
  const otc_media_check s = check.snapshot();
  EXPECT_EQ(s.latency_mean_ms, 0.0);
  EXPECT_EQ(s.latency_max_ms, 0.0);
}

TEST(MediaCheck, ResetForgetsEverything) {
  MediaCheck check;
  feed(check, {5, 7, 7, 6});
  check.on_code(std::nullopt, kStartUs);
  check.reset();
  otc_media_check s = check.snapshot();
  EXPECT_EQ(s.frames_decoded, 0u);
  EXPECT_EQ(s.frames_received, 0u);
  EXPECT_EQ(s.frames_lost, 0u);
  EXPECT_EQ(s.frames_repeated, 0u);
  EXPECT_EQ(s.frames_out_of_order, 0u);
  EXPECT_EQ(s.max_gap_ms, 0.0);
  EXPECT_EQ(s.latency_max_ms, 0.0);
  EXPECT_EQ(s.first_frame_number, 0u);
  // A new stream: numbers from before the reset are not remembered.
  feed(check, {100, 7}, kStartUs + 1'000'000);
  s = check.snapshot();
  EXPECT_EQ(s.first_frame_number, 100u);
  EXPECT_EQ(s.frames_received, 2u);
  EXPECT_EQ(s.frames_repeated, 0u);
  EXPECT_EQ(s.frames_out_of_order, 1u);
  EXPECT_EQ(s.first_frame_time_us, kStartUs + 1'000'000);
  EXPECT_EQ(s.latency_p50_ms, 40.0);
}

TEST(MediaCheck, ReadsCodesFromDecodedFrames) {
  const int w = 320, h = 180;
  const media::TestPattern pattern(w, h);
  std::vector<uint8_t> y(static_cast<size_t>(w) * h), u(static_cast<size_t>(w / 2) * (h / 2)), v(u.size());
  MediaCheck check;
  for (uint32_t n = 0; n < 10; ++n) {
    const uint32_t captured = media::monotonic_time_ms();
    pattern.render(n, captured, y.data(), w, u.data(), w / 2, v.data(), w / 2);
    check.on_frame(y.data(), w, w, h, media::monotonic_time_us());
  }
  std::fill(y.begin(), y.end(), uint8_t{128});
  check.on_frame(y.data(), w, w, h, media::monotonic_time_us());
  const otc_media_check s = check.snapshot();
  EXPECT_EQ(s.frames_decoded, 11u);
  EXPECT_EQ(s.frames_received, 10u);
  EXPECT_EQ(s.frames_unreadable, 1u);
  EXPECT_EQ(s.last_frame_number, 9u);
  EXPECT_LT(s.latency_max_ms, 1000.0);
}

TEST(MediaCheck, ClocksAgree) {
  const uint32_t ms = media::monotonic_time_ms();
  const int64_t us = media::monotonic_time_us();
  EXPECT_LE(static_cast<uint32_t>(us / 1000) - ms, 1u);
}

// A reference computed the plain way, over the whole sequence in memory.
struct Expected {
  uint64_t received = 0, repeated = 0, out_of_order = 0, lost = 0;
};

Expected reference(const std::vector<uint32_t> &numbers) {
  std::vector<bool> seen(*std::max_element(numbers.begin(), numbers.end()) + size_t{1});
  Expected e;
  uint32_t highest = numbers.front();
  const uint32_t first = numbers.front();
  for (uint32_t n : numbers) {
    if (seen[n]) {
      ++e.repeated;
      continue;
    }
    seen[n] = true;
    ++e.received;
    if (n < highest) ++e.out_of_order;
    highest = std::max(highest, n);
  }
  e.lost = (highest - first + 1) - static_cast<uint64_t>(std::count(seen.begin() + first, seen.begin() + highest + 1, true));
  return e;
}

TEST(MediaCheck, AMillionFramesInBoundedMemoryWithoutAllocating) {
  // 1% lost, 0.5% repeated, 0.5% swapped with the next, a few up to 3000 frames late.
  std::vector<uint32_t> numbers;
  numbers.reserve(1'010'000);
  uint64_t random = 12345;
  auto next = [&] { return (random = random * 6364136223846793005ull + 1442695040888963407ull) >> 33; };
  for (uint32_t n = 0; n < 1'000'000; ++n) {
    const uint64_t dice = next() % 1000;
    if (dice < 10 && n > 0) continue;
    numbers.push_back(n);
    if (dice < 15) {
      numbers.push_back(n);
    } else if (dice < 20 && n + 1 < 1'000'000) {
      ++n;
      numbers.insert(numbers.end() - 1, n);
    } else if (dice == 20 && n > 3000) {
      numbers.push_back(n - static_cast<uint32_t>(next() % 3000));
    }
  }
  const Expected expected = reference(numbers);
  ASSERT_GT(expected.lost, 5000u);
  ASSERT_GT(expected.out_of_order, 3000u);

  auto check = std::make_unique<MediaCheck>();
  const uint64_t allocations_before = g_allocations.load();
  int64_t now = kStartUs;
  for (uint32_t n : numbers) {
    check->on_code(code_at(n, now, 40 + n % 50), now);
    now += kFrameUs;
  }
  const uint64_t allocations = g_allocations.load() - allocations_before;
  EXPECT_EQ(allocations, 0u);
  const otc_media_check s = check->snapshot();
  EXPECT_EQ(s.frames_decoded, numbers.size());
  EXPECT_EQ(s.frames_received, expected.received);
  EXPECT_EQ(s.frames_repeated, expected.repeated);
  EXPECT_EQ(s.frames_out_of_order, expected.out_of_order);
  EXPECT_EQ(s.frames_lost, expected.lost);
  EXPECT_EQ(s.freezes, 0u);
  EXPECT_EQ(s.latency_max_ms, 89.0);
  EXPECT_NEAR(s.latency_p50_ms, 64.0, 1.0);
  // Bounded: the whole state is the object and its fixed histogram, whatever the call length.
  EXPECT_LT(sizeof(MediaCheck), 2048u);
}

TEST(MediaCheck, SnapshotsWhileAnotherThreadFeeds) {
  MediaCheck check;
  std::atomic<bool> done{false};
  std::thread feeder([&] {
    int64_t now = kStartUs;
    for (uint32_t n = 0; n < 200'000; ++n, now += kFrameUs) check.on_code(code_at(n, now, 30), now);
    done = true;
  });
  uint64_t last_received = 0;
  while (!done) {
    const otc_media_check s = check.snapshot();
    EXPECT_GE(s.frames_received, last_received);
    EXPECT_EQ(s.frames_received, s.frames_decoded);
    last_received = s.frames_received;
  }
  feeder.join();
  EXPECT_EQ(check.snapshot().frames_received, 200'000u);
}

}  // namespace
