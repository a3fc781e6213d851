#include "test_pattern.h"

#include <time.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "frame_code.h"

namespace otc::media {
namespace {

struct Yuv {
  uint8_t y, u, v;
};

// 75% colour bars (BT.601, studio range), the classic order.
constexpr std::array<Yuv, 8> kBars = {{{180, 128, 128},
                                       {162, 44, 142},
                                       {131, 156, 44},
                                       {112, 72, 58},
                                       {84, 184, 198},
                                       {65, 100, 212},
                                       {35, 212, 114},
                                       {16, 128, 128}}};
// A fine sawtooth on the bars' luma: flat bars would cost an encoder almost nothing.
constexpr int kRipplePeriod = 16;

constexpr uint8_t kBoxDark = 40;
constexpr uint8_t kBoxLight = 220;
constexpr uint8_t kBoxU = 90;
constexpr uint8_t kBoxV = 200;

const Yuv &bar_at(int x, int width) { return kBars[static_cast<size_t>(x) * kBars.size() / static_cast<size_t>(width)]; }

// Position along a back-and-forth path of `travel` pixels after `distance` pixels of motion.
int bounce(uint64_t distance, int travel) {
  if (travel <= 0) return 0;
  const auto phase = static_cast<int>(distance % (2 * static_cast<uint64_t>(travel)));
  return phase <= travel ? phase : 2 * travel - phase;
}

uint8_t *row_of(uint8_t *plane, int stride, int row) { return plane + static_cast<ptrdiff_t>(row) * stride; }

}  // namespace

TestPattern::TestPattern(int width, int height)
    : width_(std::max(width, 0)),
      height_(std::max(height, 0)),
      chroma_width_((width_ + 1) / 2),
      chroma_height_((height_ + 1) / 2),
      band_height_(code_band_height(width_, height_)),
      bars_end_(band_height_ + (height_ - band_height_) * 3 / 5),
      bar_step_(std::max(2, width_ / 160 / 2 * 2)),
      stripe_period_(std::max(16, width_ / 8)),
      stripe_step_(std::max(1, width_ / 320)),
      box_size_(std::max(0, std::min(width_, height_ - band_height_) / 4)),
      box_cell_(std::max(2, box_size_ / 6)) {
  bars_y_.resize(2 * static_cast<size_t>(width_));
  for (int i = 0; i < 2 * width_; ++i) {
    const int x = i % width_;
    const int ripple = x % kRipplePeriod - kRipplePeriod / 2;
    bars_y_[i] = static_cast<uint8_t>(std::clamp(bar_at(x, width_).y + ripple, 16, 235));
  }
  // Chroma sample i sits on luma pixel 2i; the extra width covers every phase of the scroll.
  const int chroma_span = chroma_width_ + width_ / 2 + 1;
  bars_u_.resize(static_cast<size_t>(chroma_span));
  bars_v_.resize(static_cast<size_t>(chroma_span));
  for (int i = 0; i < chroma_span && width_ > 0; ++i) {
    const Yuv &bar = bar_at((2 * i) % width_, width_);
    bars_u_[i] = bar.u;
    bars_v_[i] = bar.v;
  }
  stripes_y_.resize(static_cast<size_t>(width_ + stripe_period_));
  for (int i = 0; i < width_ + stripe_period_; ++i)
    stripes_y_[i] = static_cast<uint8_t>(48 + (i % stripe_period_) * 160 / stripe_period_);
  box_rows_.resize(2 * static_cast<size_t>(box_size_));
  for (int x = 0; x < box_size_; ++x) {
    const bool odd_cell = (x / box_cell_) % 2 != 0;
    box_rows_[x] = odd_cell ? kBoxLight : kBoxDark;
    box_rows_[box_size_ + x] = odd_cell ? kBoxDark : kBoxLight;
  }
}

void TestPattern::render(uint32_t frame_number, uint32_t capture_time_ms, uint8_t *y, int stride_y,
                         uint8_t *u, int stride_u, uint8_t *v, int stride_v) const {
  if (width_ == 0 || height_ == 0) return;
  render_bars(frame_number, y, stride_y, u, stride_u, v, stride_v);
  render_stripes(frame_number, y, stride_y, u, stride_u, v, stride_v);
  render_box(frame_number, y, stride_y, u, stride_u, v, stride_v);
  // Last: the code's band owns its chroma rows, even the one it shares with content below.
  write_frame_code(FrameCode{frame_number, capture_time_ms}, y, stride_y, u, stride_u, v, stride_v,
                   width_, height_);
}

void TestPattern::render_bars(uint32_t frame_number, uint8_t *y, int stride_y, uint8_t *u,
                              int stride_u, uint8_t *v, int stride_v) const {
  // Scrolling right: pixel x shows the bars' pixel x - shift.
  const int shift = static_cast<int>(uint64_t{frame_number} * static_cast<uint64_t>(bar_step_) % static_cast<uint64_t>(width_));
  const int start = (width_ - shift) % width_;
  for (int row = band_height_; row < bars_end_; ++row)
    std::memcpy(row_of(y, stride_y, row), &bars_y_[start], static_cast<size_t>(width_));
  for (int row = (band_height_ + 1) / 2; row < (bars_end_ + 1) / 2; ++row) {
    std::memcpy(row_of(u, stride_u, row), &bars_u_[start / 2], static_cast<size_t>(chroma_width_));
    std::memcpy(row_of(v, stride_v, row), &bars_v_[start / 2], static_cast<size_t>(chroma_width_));
  }
}

void TestPattern::render_stripes(uint32_t frame_number, uint8_t *y, int stride_y, uint8_t *u,
                                 int stride_u, uint8_t *v, int stride_v) const {
  // Drifting left, each row one pixel further along than the one above: diagonal stripes.
  const auto period = static_cast<uint64_t>(stripe_period_);
  const auto phase = static_cast<int>(uint64_t{frame_number} * static_cast<uint64_t>(stripe_step_) % period);
  for (int row = bars_end_; row < height_; ++row) {
    const int start = (phase + row) % stripe_period_;
    std::memcpy(row_of(y, stride_y, row), &stripes_y_[start], static_cast<size_t>(width_));
  }
  // A slow vertical hue gradient: chroma the encoder has to code, no per-pixel work.
  const int first = (bars_end_ + 1) / 2;
  const int rows = std::max(1, chroma_height_ - first);
  for (int row = first; row < chroma_height_; ++row) {
    const int along = (row - first) * 96 / rows;
    std::memset(row_of(u, stride_u, row), 80 + along, static_cast<size_t>(chroma_width_));
    std::memset(row_of(v, stride_v, row), 176 - along, static_cast<size_t>(chroma_width_));
  }
}

void TestPattern::render_box(uint32_t frame_number, uint8_t *y, int stride_y, uint8_t *u,
                             int stride_u, uint8_t *v, int stride_v) const {
  if (box_size_ < 2) return;
  // Different speeds on the two axes (3 and 2 pixels a frame at 640x360), so the path covers
  // the whole content area over time.
  const int left = bounce(uint64_t{frame_number} * static_cast<uint64_t>(std::max(1, width_ / 213)), width_ - box_size_);
  const int top = band_height_ + bounce(uint64_t{frame_number} * static_cast<uint64_t>(std::max(1, height_ / 180)),
                                        height_ - band_height_ - box_size_);
  for (int row = 0; row < box_size_; ++row) {
    const uint8_t *pattern = &box_rows_[(row / box_cell_) % 2 != 0 ? box_size_ : 0];
    std::memcpy(row_of(y, stride_y, top + row) + left, pattern, static_cast<size_t>(box_size_));
  }
  const int chroma_left = left / 2, chroma_right = std::min(chroma_width_, (left + box_size_ + 1) / 2);
  const int chroma_top = top / 2, chroma_bottom = std::min(chroma_height_, (top + box_size_ + 1) / 2);
  for (int row = chroma_top; row < chroma_bottom; ++row) {
    std::memset(row_of(u, stride_u, row) + chroma_left, kBoxU, static_cast<size_t>(chroma_right - chroma_left));
    std::memset(row_of(v, stride_v, row) + chroma_left, kBoxV, static_cast<size_t>(chroma_right - chroma_left));
  }
}

uint32_t monotonic_time_ms() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const uint64_t ms = static_cast<uint64_t>(now.tv_sec) * 1000u + static_cast<uint64_t>(now.tv_nsec) / 1000000u;
  return static_cast<uint32_t>(ms);
}

}  // namespace otc::media
