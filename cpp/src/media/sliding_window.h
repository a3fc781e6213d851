// The sum and mean of the last N values, in O(1) per value: the frame-interval and gap means of
// the media check and the verify-only counters.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

namespace otc::media {

template <typename T, int N>
class SlidingWindow {
 public:
  void add(T value) {
    if (count_ == N) {
      sum_ -= values_[next_];
    } else {
      ++count_;
    }
    values_[next_] = value;
    sum_ += value;
    next_ = (next_ + 1) % N;
  }
  void clear() { *this = SlidingWindow{}; }
  int count() const { return count_; }
  T mean() const { return count_ ? sum_ / count_ : T{}; }

 private:
  std::array<T, N> values_{};
  int count_ = 0;
  int next_ = 0;
  T sum_{};
};

// WebRTC's freeze rule: a gap between new frames is a freeze when it exceeds
// max(3 x the mean of the last 30 gaps, that mean + 150 ms), once 5 gaps are known.
class FreezeRule {
 public:
  // Records the gap; true when it was a freeze.
  bool add_gap(int64_t gap_us) {
    bool freeze = false;
    if (gaps_.count() >= kMinGaps) {
      const int64_t mean = gaps_.mean();
      freeze = gap_us > std::max(3 * mean, mean + kMinIncreaseUs);
    }
    gaps_.add(gap_us);
    return freeze;
  }
  void clear() { gaps_.clear(); }

 private:
  static constexpr int kMinGaps = 5;
  static constexpr int64_t kMinIncreaseUs = 150'000;
  SlidingWindow<int64_t, 30> gaps_;
};

}  // namespace otc::media
