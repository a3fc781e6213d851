// The built-in test pattern: moving content that gives an encoder real work (colour bars
// scrolling sideways, diagonal stripes drifting the other way, a checkered box bouncing across
// both) below a band carrying the frame code (frame_code.h). Rows are precomputed once, so a
// frame is a sequence of row copies: cheap enough to run on a capture thread at any frame rate.
#pragma once

#include <cstdint>
#include <vector>

namespace otc::media {

class TestPattern {
 public:
  // Any size the frame code fits (frame_code.h: 32x6 and up); smaller frames get content only.
  TestPattern(int width, int height);

  // Renders frame frame_number into caller-provided I420 planes: Y width x height, U and V
  // (width+1)/2 x (height+1)/2, rows stride bytes apart. Motion is a function of the frame
  // number alone, so a frame can be rendered again identically.
  void render(uint32_t frame_number, uint32_t capture_time_ms, uint8_t *y, int stride_y, uint8_t *u,
              int stride_u, uint8_t *v, int stride_v) const;

  int width() const { return width_; }
  int height() const { return height_; }

 private:
  void render_bars(uint32_t frame_number, uint8_t *y, int stride_y, uint8_t *u, int stride_u,
                   uint8_t *v, int stride_v) const;
  void render_stripes(uint32_t frame_number, uint8_t *y, int stride_y, uint8_t *u, int stride_u,
                      uint8_t *v, int stride_v) const;
  void render_box(uint32_t frame_number, uint8_t *y, int stride_y, uint8_t *u, int stride_u,
                  uint8_t *v, int stride_v) const;

  int width_;
  int height_;
  int chroma_width_;
  int chroma_height_;
  int band_height_;    // luma rows of the frame code
  int bars_end_;       // luma rows [band_height_, bars_end_) show the bars, the rest the stripes
  int bar_step_;       // luma pixels the bars move a frame (even: chroma moves by half)
  int stripe_period_;  // luma pixels of one stripe ramp
  int stripe_step_;
  int box_size_;
  int box_cell_;       // side of the box's checker squares

  // Periodic rows, stored longer than a frame row so any phase is one contiguous copy.
  std::vector<uint8_t> bars_y_;  // 2 x width: the bars, repeated
  std::vector<uint8_t> bars_u_;  // chroma_width + width / 2 + 1
  std::vector<uint8_t> bars_v_;
  std::vector<uint8_t> stripes_y_;  // width + stripe_period_
  std::vector<uint8_t> box_rows_;   // 2 x box_size_: a checker row starting dark, one light
};

// CLOCK_MONOTONIC in milliseconds, truncated to 32 bits: the capture time the code carries.
// Processes on one machine share this clock, so a subscriber can compute latency from it.
uint32_t monotonic_time_ms();

}  // namespace otc::media
