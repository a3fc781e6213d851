#include "verify_counter.h"

#include <algorithm>

namespace otc::media {

void VerifyCounter::on_opened(size_t bytes, bool key_frame, std::optional<Position> position,
                              int64_t now_us) {
  std::lock_guard lock(mutex_);
  ++counts_.frames_opened;
  counts_.bytes_opened += bytes;
  if (key_frame) ++counts_.key_frames;
  if (position) count_gap_locked(*position);
  count_arrival_locked(now_us);
}

void VerifyCounter::on_not_opened(NotOpened why) {
  std::lock_guard lock(mutex_);
  switch (why) {
    case NotOpened::kMismatch: ++counts_.not_opened_mismatch; break;
    case NotOpened::kIntegrity: ++counts_.not_opened_integrity; break;
    case NotOpened::kReplay: ++counts_.not_opened_replay; break;
    case NotOpened::kOther: ++counts_.not_opened_other; break;
  }
}

VerifyKindCounts VerifyCounter::snapshot() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void VerifyCounter::reset() {
  std::lock_guard lock(mutex_);
  counts_ = VerifyKindCounts{};
  have_position_ = false;
  last_wrapped_ = 0;
  steps_.clear();
  pending_step_ = carry_step_ = 0;
  pending_frames_ = carry_frames_ = 0;
  freeze_rule_.clear();
}

void VerifyCounter::count_gap_locked(const Position &position) {
  if (!have_position_ || position.kind != position_kind_) {
    // The first frame, or the stream changed how frames are numbered: start again from here.
    have_position_ = true;
    position_kind_ = position.kind;
    last_wrapped_ = position.value;
    steps_.clear();
    pending_step_ = carry_step_ = 0;
    pending_frames_ = carry_frames_ = 0;
    return;
  }
  const uint64_t modulus = position.modulus ? position.modulus : uint64_t{1} << 32;
  const uint64_t step = (uint64_t{position.value} + modulus - last_wrapped_) % modulus;
  // 0: a duplicate; over half the range: an older frame arriving late. Neither moves on.
  if (step == 0 || step >= modulus / 2) return;
  last_wrapped_ = position.value;
  if (position.kind == Position::Kind::kSequence) {
    counts_.gaps += step - 1;
    return;
  }
  // Timestamps: a step of about k frame intervals means k - 1 frames missing. Capture times
  // jitter: a frame taken late makes a long step then a short one (5130 then 450 at 3000 a
  // frame), one taken early the reverse; so a step is judged together with the short steps
  // (under half an interval) next to it, one frame later.
  const auto step32 = static_cast<uint32_t>(step);
  const uint64_t interval = steps_.count() >= kMinSteps ? steps_.mean() : 0;
  const bool short_step = interval && uint64_t{step32} * 2 < interval;
  if (short_step && pending_frames_ && pending_step_ * 4 > 5 * interval * pending_frames_) {
    pending_step_ += step32;  // after a long step: the frame after a late one
    ++pending_frames_;
  } else if (short_step) {
    if (pending_frames_) judge_steps_locked(interval);
    carry_step_ += step32;  // an early frame: judged with the step after it
    ++carry_frames_;
  } else {
    if (pending_frames_) judge_steps_locked(interval);
    pending_step_ = step32;
    pending_frames_ = 1;
  }
  const uint32_t sample = interval ? static_cast<uint32_t>(std::min<uint64_t>(step32, 2 * interval)) : step32;
  steps_.add(sample);
}

void VerifyCounter::judge_steps_locked(uint64_t interval) {
  const uint64_t total = uint64_t{pending_step_} + carry_step_;
  const uint64_t frames = pending_frames_ + carry_frames_;
  pending_frames_ = carry_frames_ = 0;
  carry_step_ = 0;
  // Frames over 1.75 intervals each: missing ones; a step over kMaxGapStep is a pause.
  if (!interval || total > kMaxGapStep || total * 4 < (4 * frames + 3) * interval) return;
  const uint64_t slots = (total + interval / 2) / interval;
  if (slots > frames) counts_.gaps += slots - frames;
}

void VerifyCounter::count_arrival_locked(int64_t now_us) {
  if (counts_.first_frame_time_us == 0) {
    counts_.first_frame_time_us = now_us;
    counts_.last_frame_time_us = now_us;
    return;
  }
  const int64_t gap = std::max<int64_t>(0, now_us - counts_.last_frame_time_us);
  counts_.last_frame_time_us = now_us;
  counts_.max_gap_ms = std::max(counts_.max_gap_ms, static_cast<double>(gap) / 1000.0);
  if (freeze_rule_.add_gap(gap)) {
    ++counts_.freezes;
    counts_.freeze_ms += static_cast<double>(gap) / 1000.0;
  }
}

}  // namespace otc::media
