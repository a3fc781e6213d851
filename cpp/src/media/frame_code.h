// A code drawn into a video frame so that a receiver can read, from the decoded picture, which
// frame it is and when it was captured, after lossy compression and after the encoder scaled the
// frame down. It is a band of large black and white blocks along the top edge of the luma plane:
// big flat blocks survive any codec's transform, and a geometry defined as fractions of the frame
// lets the reader find them again in a scaled copy knowing only its size.
#pragma once

#include <cstdint>
#include <optional>

namespace otc::media {

struct FrameCode {
  uint32_t frame_number = 0;
  uint32_t capture_time_ms = 0;  // CLOCK_MONOTONIC milliseconds, truncated to 32 bits

  friend bool operator==(const FrameCode &, const FrameCode &) = default;
};

// The band's layout, shared by writer and reader.
inline constexpr int kFrameCodeColumns = 32;
inline constexpr int kFrameCodeRows = 3;
// The smallest frame that can hold the band: one pixel a block.
inline constexpr int kFrameCodeMinWidth = kFrameCodeColumns;
inline constexpr int kFrameCodeMinHeight = 2 * kFrameCodeRows;

// Height in rows of the band for a frame of this size; 0 when the frame is too small to hold it.
// Content drawn around the code must stay below it.
int code_band_height(int width, int height);

// Writes the code into the band of the Y plane and makes the band's chroma neutral (U = V = 128),
// so colour cannot bleed into what the reader measures. U/V planes are (w+1)/2 x (h+1)/2. Does
// nothing when the frame is too small.
void write_frame_code(const FrameCode &code, uint8_t *y, int stride_y, uint8_t *u, int stride_u,
                      uint8_t *v, int stride_v, int width, int height);

// Reads the code back from a Y plane of any size (the written frame or a scaled copy). nullopt
// when there is no code, its contrast is too low, or its check fails.
std::optional<FrameCode> read_frame_code(const uint8_t *y, int stride_y, int width, int height);

}  // namespace otc::media
