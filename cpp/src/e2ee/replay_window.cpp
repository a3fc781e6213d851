#include "replay_window.h"

namespace otc::e2ee {

bool ReplayWindow::is_fresh(uint64_t ctr) const {
  if (!started_ || ctr > top_) return true;
  const uint64_t offset = top_ - ctr;
  if (offset >= kSize) return false;
  return !test_bit(offset);
}

void ReplayWindow::shift(uint64_t by) {
  if (by >= kSize) {
    bits_.fill(0);
    return;
  }
  const uint64_t words = by / 64, bits = by % 64;
  for (size_t i = bits_.size(); i-- > 0;) {
    uint64_t value = 0;
    if (i >= words) {
      value = bits_[i - words] << bits;
      if (bits != 0 && i >= words + 1) value |= bits_[i - words - 1] >> (64 - bits);
    }
    bits_[i] = value;
  }
}

void ReplayWindow::close_through(uint64_t top) {
  started_ = true;
  top_ = top;
  bits_.fill(~uint64_t{0});
}

void ReplayWindow::accept(uint64_t ctr) {
  if (!started_) {
    started_ = true;
    top_ = ctr;
    bits_.fill(0);
    set_bit(0);
    return;
  }
  if (ctr > top_) {
    shift(ctr - top_);
    top_ = ctr;
    set_bit(0);
    return;
  }
  const uint64_t offset = top_ - ctr;
  if (offset < kSize) set_bit(offset);
}

}  // namespace otc::e2ee
