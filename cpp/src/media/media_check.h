// A subscriber's media check: reads the frame code (frame_code.h) in every decoded frame and
// accumulates what it says about the stream: frames received, lost, repeated, out of order,
// freezes and capture-to-decode latency (otc_media_check in <otc/media.h> defines each figure).
// Called from the media thread for every frame and read from any other: cheap, bounded in memory
// whatever the call lasts, no allocation after construction.
#pragma once

#include <otc/media.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "frame_code.h"
#include "sliding_window.h"

namespace otc::media {

class MediaCheck {
 public:
  // Frame numbers remembered behind the highest seen: anything older can no longer be told
  // apart as new or repeated, and counts as out of order without changing frames_lost.
  static constexpr uint32_t kNumberWindow = 4096;
  // Latency histogram: 1 ms buckets up to this, then one overflow bucket.
  static constexpr int kLatencyBuckets = 10000;

  MediaCheck();

  // One decoded frame: reads the code from its Y plane. now_us: CLOCK_MONOTONIC microseconds.
  void on_frame(const uint8_t *y, int stride_y, int width, int height, int64_t now_us);
  // A code already read; nullopt counts the frame as unreadable.
  void on_code(std::optional<FrameCode> code, int64_t now_us);

  otc_media_check snapshot() const;
  void reset();

 private:
  void record_new_frame(int64_t now_us);
  void record_latency(uint32_t capture_time_ms, int64_t now_us);
  bool seen(int64_t number) const;
  void mark_seen(int64_t number);
  void advance_highest(int64_t number);
  void clear_locked();

  mutable std::mutex mutex_;

  uint64_t frames_decoded_ = 0;
  uint64_t frames_received_ = 0;
  uint64_t frames_unreadable_ = 0;
  uint64_t frames_repeated_ = 0;
  uint64_t frames_out_of_order_ = 0;
  uint64_t freezes_ = 0;

  // Frame numbers unwrapped to 64 bits (a 32-bit number may wrap during a long call), relative
  // to the first one seen.
  bool started_ = false;
  uint32_t first_number_ = 0;
  int64_t highest_ = 0;             // unwrapped, first is 0
  uint64_t distinct_in_range_ = 0;  // distinct numbers seen in [0, highest_]
  // Ring of kNumberWindow bits: bit (n mod kNumberWindow) says whether n was seen, for n in
  // (highest_ - kNumberWindow, highest_].
  std::array<uint64_t, kNumberWindow / 64> seen_bits_{};
  int64_t first_frame_time_us_ = 0;

  int64_t last_new_frame_us_ = 0;
  int64_t max_gap_us_ = 0;
  FreezeRule freeze_rule_;  // over the gaps between new frames

  // Latency in whole milliseconds (the code's resolution).
  std::unique_ptr<uint64_t[]> latency_histogram_;  // kLatencyBuckets + 1 counts
  uint64_t latency_count_ = 0;
  int64_t latency_sum_ms_ = 0;
  int64_t latency_max_ms_ = 0;
};

// CLOCK_MONOTONIC in microseconds: the clock MediaCheck measures gaps and latency on.
int64_t monotonic_time_us();

}  // namespace otc::media
