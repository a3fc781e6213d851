// docs/e2ee-frame-format.md section 6.2: per-KID replay protection. Remembers the highest CTR
// accepted and which of the OTC_E2EE_REPLAY_WINDOW counters below it were accepted; anything seen
// before, or older than the window, is a replay.
#pragma once

#include <array>
#include <cstdint>

#include <otc/e2ee.h>

namespace otc::e2ee {

class ReplayWindow {
 public:
  static constexpr uint64_t kSize = OTC_E2EE_REPLAY_WINDOW;

  // Whether ctr would be fresh. Does not change the window: call accept() only once the frame's
  // tag is verified, so forged frames cannot move it.
  bool is_fresh(uint64_t ctr) const;
  void accept(uint64_t ctr);
  // Treats every counter up to and including top as seen (a window re-created for a KID whose
  // state was evicted: nothing it may already have accepted can come back).
  void close_through(uint64_t top);
  uint64_t top() const { return top_; }
  bool started() const { return started_; }

 private:
  bool test_bit(uint64_t offset) const { return (bits_[offset / 64] >> (offset % 64)) & 1u; }
  void set_bit(uint64_t offset) { bits_[offset / 64] |= uint64_t{1} << (offset % 64); }
  void shift(uint64_t by);

  bool started_ = false;
  uint64_t top_ = 0;                       // highest accepted CTR
  std::array<uint64_t, kSize / 64> bits_{};  // bit i: top_ - i was accepted
};

}  // namespace otc::e2ee
