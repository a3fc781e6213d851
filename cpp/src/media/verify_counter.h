// What a verify-only subscription knows without pixels: per kind (audio or video), the frames the
// frame cryptor opened and those it could not, gaps in the stream and freezes of its arrival.
// Fed by the receive frame transformer for every frame, on libwebrtc's worker thread (one thread
// for every subscription of a process), read from any other: O(1) per frame, one lock that only
// a reader can contend, no allocation after construction.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>

#include "sliding_window.h"

namespace otc::media {

struct VerifyKindCounts {
  uint64_t frames_opened = 0;  // opened by the frame cryptor (handed on as received without E2EE)
  uint64_t bytes_opened = 0;   // their payload, after opening
  uint64_t key_frames = 0;     // video
  uint64_t not_opened_mismatch = 0, not_opened_integrity = 0, not_opened_replay = 0,
           not_opened_other = 0;
  uint64_t gaps = 0;           // frames missing between frames opened (see on_opened)
  uint64_t freezes = 0;        // arrival gaps over max(3 x mean, mean + 150 ms)
  double freeze_ms = 0;        // the sum of those gaps
  double max_gap_ms = 0;       // longest time between two frames opened
  int64_t first_frame_time_us = 0;  // CLOCK_MONOTONIC; 0 before the first frame
  int64_t last_frame_time_us = 0;
};

class VerifyCounter {
 public:
  enum class NotOpened { kMismatch, kIntegrity, kReplay, kOther };

  // Where a frame sits in its stream, for gaps:
  // - kSequence: a number that goes up by one per frame (an audio frame's RTP sequence number,
  //   modulo 2^16; a video frame id, unwrapped by libwebrtc, modulo 2^32 here);
  // - kTimestamp: the RTP timestamp (video without frame ids): frames missing are estimated
  //   against the mean of the recent timestamp steps, the stream's frame interval (counted one
  //   frame late: a step is judged with the next one).
  struct Position {
    enum class Kind { kSequence, kTimestamp } kind = Kind::kTimestamp;
    uint32_t value = 0;
    uint64_t modulus = uint64_t{1} << 32;  // kSequence: 1 << 16 for RTP sequence numbers
  };

  // Timestamp steps the frame interval is the mean of, once kMinSteps are known. Capture times
  // jitter (a step of 450 then one of 5130 at 30 fps), so one step alone says little; each goes
  // in at most twice the mean, so that a lost frame barely moves it and an encoder that halves
  // its frame rate moves it within a window.
  static constexpr int kStepWindow = 30;
  static constexpr int kMinSteps = 5;
  // A timestamp step longer than this (video paused by its publisher, a stream that stopped and
  // came back) is a discontinuity, not frames missing.
  static constexpr uint32_t kMaxGapStep = 5 * 90'000;

  void on_opened(size_t bytes, bool key_frame, std::optional<Position> position, int64_t now_us);
  void on_not_opened(NotOpened why);

  VerifyKindCounts snapshot() const;
  void reset();

 private:
  void count_gap_locked(const Position &position);
  void judge_steps_locked(uint64_t interval);
  void count_arrival_locked(int64_t now_us);

  mutable std::mutex mutex_;
  VerifyKindCounts counts_;

  // Gaps: the last position seen.
  bool have_position_ = false;
  Position::Kind position_kind_ = Position::Kind::kTimestamp;
  uint32_t last_wrapped_ = 0;
  // kTimestamp: a ring of the latest steps.
  SlidingWindow<uint64_t, kStepWindow> steps_;
  // The latest step(s), judged when the next one shows whether a short step follows; and short
  // steps before them, judged with them.
  uint64_t pending_step_ = 0;
  uint64_t carry_step_ = 0;
  uint64_t pending_frames_ = 0, carry_frames_ = 0;

  // Freezes: a ring of the latest arrival gaps.
  FreezeRule freeze_rule_;  // over arrival gaps
};

}  // namespace otc::media
