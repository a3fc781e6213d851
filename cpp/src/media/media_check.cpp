#include "media_check.h"

#include <time.h>

#include <algorithm>

namespace otc::media {
namespace {

constexpr uint64_t bit_mask(int64_t number) {
  return uint64_t{1} << (static_cast<uint64_t>(number) % 64);
}
constexpr size_t word_index(int64_t number) {
  return static_cast<size_t>(static_cast<uint64_t>(number) % MediaCheck::kNumberWindow / 64);
}

}  // namespace

MediaCheck::MediaCheck() : latency_histogram_(new uint64_t[kLatencyBuckets + 1]()) {}

void MediaCheck::on_frame(const uint8_t *y, int stride_y, int width, int height, int64_t now_us) {
  // Reading needs no state: keep it outside the lock.
  on_code(read_frame_code(y, stride_y, width, height), now_us);
}

void MediaCheck::on_code(std::optional<FrameCode> code, int64_t now_us) {
  std::lock_guard lock(mutex_);
  ++frames_decoded_;
  if (!code) {
    ++frames_unreadable_;
    return;
  }
  if (!started_) {
    started_ = true;
    first_number_ = code->frame_number;
    highest_ = 0;
    mark_seen(0);
    distinct_in_range_ = 1;
    ++frames_received_;
    first_frame_time_us_ = now_us;
    last_new_frame_us_ = now_us;
    record_latency(code->capture_time_ms, now_us);
    return;
  }

  // The nearest unwrapping of the 32-bit number around the highest one seen.
  const auto highest_wrapped = static_cast<uint32_t>(first_number_ + static_cast<uint32_t>(highest_));
  const int64_t number = highest_ + static_cast<int32_t>(code->frame_number - highest_wrapped);

  if (number == highest_) {
    ++frames_repeated_;
    return;
  }
  if (number > highest_) {
    advance_highest(number);
    mark_seen(number);
    ++distinct_in_range_;
  } else if (highest_ - number >= kNumberWindow) {
    // Too old to know whether it came before: a late frame is far likelier than a frame
    // repeated minutes later, so it is taken as new, but frames_lost no longer counts it back.
    ++frames_out_of_order_;
  } else if (seen(number)) {
    ++frames_repeated_;
    return;
  } else {
    mark_seen(number);
    ++frames_out_of_order_;
    if (number >= 0) ++distinct_in_range_;  // below the first number is outside the lost range
  }
  ++frames_received_;
  record_new_frame(now_us);
  record_latency(code->capture_time_ms, now_us);
}

bool MediaCheck::seen(int64_t number) const { return (seen_bits_[word_index(number)] & bit_mask(number)) != 0; }

void MediaCheck::mark_seen(int64_t number) { seen_bits_[word_index(number)] |= bit_mask(number); }

void MediaCheck::advance_highest(int64_t number) {
  // The ring slots of the numbers the window now takes in held numbers it drops.
  if (number - highest_ >= kNumberWindow) {
    seen_bits_.fill(0);
  } else {
    for (int64_t slot = highest_ + 1; slot <= number; ++slot) seen_bits_[word_index(slot)] &= ~bit_mask(slot);
  }
  highest_ = number;
}

void MediaCheck::record_new_frame(int64_t now_us) {
  const int64_t gap = std::max<int64_t>(0, now_us - last_new_frame_us_);
  last_new_frame_us_ = now_us;
  if (freeze_rule_.add_gap(gap)) ++freezes_;
  max_gap_us_ = std::max(max_gap_us_, gap);
}

void MediaCheck::record_latency(uint32_t capture_time_ms, int64_t now_us) {
  // Both ends are the 32-bit truncation of one clock: their difference modulo 2^32 is exact.
  const auto now_ms = static_cast<uint32_t>(static_cast<uint64_t>(now_us / 1000));
  // Negative only with clocks that are not shared (another machine): no meaning, counted as 0.
  const int64_t latency_ms = std::max<int32_t>(0, static_cast<int32_t>(now_ms - capture_time_ms));
  ++latency_histogram_[std::min<int64_t>(latency_ms, kLatencyBuckets)];
  ++latency_count_;
  latency_sum_ms_ += latency_ms;
  latency_max_ms_ = std::max(latency_max_ms_, latency_ms);
}

otc_media_check MediaCheck::snapshot() const {
  std::lock_guard lock(mutex_);
  otc_media_check result{};
  result.frames_decoded = frames_decoded_;
  result.frames_received = frames_received_;
  result.frames_unreadable = frames_unreadable_;
  result.frames_repeated = frames_repeated_;
  result.frames_out_of_order = frames_out_of_order_;
  result.freezes = freezes_;
  result.max_gap_ms = static_cast<double>(max_gap_us_) / 1000.0;
  if (started_) {
    result.frames_lost = static_cast<uint64_t>(highest_ + 1) - distinct_in_range_;
    result.first_frame_number = first_number_;
    result.last_frame_number = static_cast<uint32_t>(first_number_ + static_cast<uint32_t>(highest_));
    result.first_frame_time_us = first_frame_time_us_;
  }
  if (latency_count_ > 0) {
    result.latency_mean_ms = static_cast<double>(latency_sum_ms_) / static_cast<double>(latency_count_);
    result.latency_max_ms = static_cast<double>(latency_max_ms_);
    // The smallest latency with at least p of the samples at or below it.
    auto percentile = [&](uint64_t percent) {
      const uint64_t rank = std::max<uint64_t>(1, (latency_count_ * percent + 99) / 100);
      uint64_t cumulative = 0;
      for (int bucket = 0; bucket < kLatencyBuckets; ++bucket) {
        cumulative += latency_histogram_[bucket];
        if (cumulative >= rank) return static_cast<double>(bucket);
      }
      return static_cast<double>(latency_max_ms_);  // in the overflow bucket: the best bound known
    };
    result.latency_p50_ms = percentile(50);
    result.latency_p95_ms = percentile(95);
  }
  return result;
}

void MediaCheck::reset() {
  std::lock_guard lock(mutex_);
  clear_locked();
}

void MediaCheck::clear_locked() {
  frames_decoded_ = frames_received_ = frames_unreadable_ = 0;
  frames_repeated_ = frames_out_of_order_ = freezes_ = 0;
  started_ = false;
  first_number_ = 0;
  highest_ = 0;
  distinct_in_range_ = 0;
  seen_bits_.fill(0);
  first_frame_time_us_ = 0;
  last_new_frame_us_ = 0;
  max_gap_us_ = 0;
  freeze_rule_.clear();
  std::fill_n(latency_histogram_.get(), kLatencyBuckets + 1, uint64_t{0});
  latency_count_ = 0;
  latency_sum_ms_ = 0;
  latency_max_ms_ = 0;
}

int64_t monotonic_time_us() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
}

}  // namespace otc::media
