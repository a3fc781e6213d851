// The frame code and the test pattern (cpp/src/media): the code reads back exactly at every size,
// survives what an encoder does to a frame (noise, blur, block-wise quantization, scaling both
// ways, a small crop), and a frame without a valid code is rejected rather than misread. The
// test pattern moves, keeps out of the band, stays inside its planes and carries its code.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "media/frame_code.h"
#include "media/test_pattern.h"

namespace media = otc::media;
using media::FrameCode;

namespace {

// Deterministic on every platform (std distributions are not).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  uint32_t next32() { return static_cast<uint32_t>(next() >> 32); }
  int in_range(int low, int high) { return low + static_cast<int>(next() % static_cast<uint64_t>(high - low + 1)); }

 private:
  uint64_t state_;
};

// One plane with padding between rows, so a stride mistake shows.
struct Plane {
  int width = 0, height = 0, stride = 0;
  std::vector<uint8_t> pixels;

  Plane() = default;
  Plane(int w, int h, uint8_t fill = 0) : width(w), height(h), stride(w + 24), pixels(static_cast<size_t>(stride) * h, fill) {}
  uint8_t *row(int y) { return pixels.data() + static_cast<size_t>(y) * stride; }
  const uint8_t *row(int y) const { return pixels.data() + static_cast<size_t>(y) * stride; }
  uint8_t &at(int x, int y) { return row(y)[x]; }
  uint8_t at(int x, int y) const { return row(y)[x]; }
};

struct I420 {
  Plane y, u, v;
  I420(int w, int h) : y(w, h), u((w + 1) / 2, (h + 1) / 2), v((w + 1) / 2, (h + 1) / 2) {}
};

std::optional<FrameCode> read(const Plane &plane) {
  return media::read_frame_code(plane.pixels.data(), plane.stride, plane.width, plane.height);
}

void fill_noise(Plane &plane, Random &random) {
  for (int y = 0; y < plane.height; ++y)
    for (int x = 0; x < plane.width; ++x) plane.at(x, y) = static_cast<uint8_t>(random.next() >> 56);
}

// A coded frame on a random background: every pixel of the band must be written.
I420 coded_frame(int w, int h, const FrameCode &code, uint64_t seed = 1) {
  I420 frame(w, h);
  Random random(seed);
  fill_noise(frame.y, random);
  fill_noise(frame.u, random);
  fill_noise(frame.v, random);
  media::write_frame_code(code, frame.y.pixels.data(), frame.y.stride, frame.u.pixels.data(), frame.u.stride,
                          frame.v.pixels.data(), frame.v.stride, w, h);
  return frame;
}

I420 pattern_frame(int w, int h, const FrameCode &code) {
  I420 frame(w, h);
  media::TestPattern(w, h).render(code.frame_number, code.capture_time_ms, frame.y.pixels.data(), frame.y.stride,
                                  frame.u.pixels.data(), frame.u.stride, frame.v.pixels.data(), frame.v.stride);
  return frame;
}

// --- what an encoder and a scaler do to a frame -------------------------------------------------

uint8_t clamp_level(int value) { return static_cast<uint8_t>(std::clamp(value, 0, 255)); }

Plane with_noise(const Plane &in, int amplitude, uint64_t seed) {
  Plane out = in;
  Random random(seed);
  for (int y = 0; y < in.height; ++y)
    for (int x = 0; x < in.width; ++x) out.at(x, y) = clamp_level(in.at(x, y) + random.in_range(-amplitude, amplitude));
  return out;
}

Plane box_blurred(const Plane &in) {
  Plane out(in.width, in.height);
  for (int y = 0; y < in.height; ++y) {
    for (int x = 0; x < in.width; ++x) {
      int sum = 0, count = 0;
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int sx = x + dx, sy = y + dy;
          if (sx < 0 || sy < 0 || sx >= in.width || sy >= in.height) continue;
          sum += in.at(sx, sy);
          ++count;
        }
      out.at(x, y) = static_cast<uint8_t>((sum + count / 2) / count);
    }
  }
  return out;
}

// Crude lossy coding: each n x n block keeps its mean, quantized to `mean_step`, plus its
// residual scaled by residual_percent (what a coarse quantizer leaves of the high frequencies).
Plane block_quantized(const Plane &in, int mean_step, int residual_percent, int n = 8) {
  Plane out(in.width, in.height);
  for (int by = 0; by < in.height; by += n) {
    for (int bx = 0; bx < in.width; bx += n) {
      const int ex = std::min(bx + n, in.width), ey = std::min(by + n, in.height);
      int sum = 0;
      for (int y = by; y < ey; ++y)
        for (int x = bx; x < ex; ++x) sum += in.at(x, y);
      const int count = (ex - bx) * (ey - by);
      const int mean = (sum + count / 2) / count;
      const int coded_mean = (mean + mean_step / 2) / mean_step * mean_step;
      for (int y = by; y < ey; ++y)
        for (int x = bx; x < ex; ++x) out.at(x, y) = clamp_level(coded_mean + (in.at(x, y) - mean) * residual_percent / 100);
    }
  }
  return out;
}

// Area-average resampling to any size: each output pixel averages the source area it covers,
// with fractional weights at the edges (a box filter, like libyuv's when downscaling).
Plane area_resized(const Plane &in, int w, int h) {
  auto weights = [](int from, int to) {
    // For each output index, (source index, weight) pairs.
    std::vector<std::vector<std::pair<int, double>>> result(static_cast<size_t>(to));
    const double scale = static_cast<double>(from) / to;
    for (int i = 0; i < to; ++i) {
      const double begin = i * scale, end = (i + 1) * scale;
      for (int s = static_cast<int>(std::floor(begin)); s < std::min<int>(from, static_cast<int>(std::ceil(end))); ++s) {
        const double overlap = std::min<double>(end, s + 1) - std::max<double>(begin, s);
        if (overlap > 0) result[static_cast<size_t>(i)].push_back({s, overlap / scale});
      }
    }
    return result;
  };
  const auto wx = weights(in.width, w), wy = weights(in.height, h);
  std::vector<double> rows(static_cast<size_t>(w) * in.height);
  for (int y = 0; y < in.height; ++y)
    for (int x = 0; x < w; ++x) {
      double sum = 0;
      for (auto [s, weight] : wx[static_cast<size_t>(x)]) sum += weight * in.at(s, y);
      rows[static_cast<size_t>(y) * w + x] = sum;
    }
  Plane out(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double sum = 0;
      for (auto [s, weight] : wy[static_cast<size_t>(y)]) sum += weight * rows[static_cast<size_t>(s) * w + x];
      out.at(x, y) = clamp_level(static_cast<int>(std::lround(sum)));
    }
  return out;
}

Plane bilinear_resized(const Plane &in, int w, int h) {
  Plane out(w, h);
  for (int y = 0; y < h; ++y) {
    const double sy = std::clamp((y + 0.5) * in.height / h - 0.5, 0.0, in.height - 1.0);
    const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, in.height - 1);
    for (int x = 0; x < w; ++x) {
      const double sx = std::clamp((x + 0.5) * in.width / w - 0.5, 0.0, in.width - 1.0);
      const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, in.width - 1);
      const double fx = sx - x0, fy = sy - y0;
      const double top = in.at(x0, y0) * (1 - fx) + in.at(x1, y0) * fx;
      const double bottom = in.at(x0, y1) * (1 - fx) + in.at(x1, y1) * fx;
      out.at(x, y) = clamp_level(static_cast<int>(std::lround(top * (1 - fy) + bottom * fy)));
    }
  }
  return out;
}

Plane cropped(const Plane &in, int left, int top, int right, int bottom) {
  Plane out(in.width - left - right, in.height - top - bottom);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) out.at(x, y) = in.at(x + left, y + top);
  return out;
}

// Paints the left `percent` of a block of the band (16:9 frames: square blocks of width / 32) in
// the colour opposite to the one it has.
void flip_block_at(Plane &plane, int row, int column, int percent = 100) {
  const int block = plane.width / media::kFrameCodeColumns;
  const uint8_t level = plane.at(column * block + block / 2, row * block + block / 2) > 128 ? 16 : 235;
  for (int y = row * block; y < (row + 1) * block; ++y)
    std::fill_n(plane.row(y) + column * block, block * percent / 100, level);
}

// The same for a data block, counted row-major with the sync columns (first and last) skipped.
void flip_block(Plane &plane, int data_block, int percent = 100) {
  const int data_columns = media::kFrameCodeColumns - 2;
  flip_block_at(plane, data_block / data_columns, 1 + data_block % data_columns, percent);
}

struct Size {
  int width, height;
};

std::string describe(Size size) { return std::to_string(size.width) + "x" + std::to_string(size.height); }

const std::vector<Size> kSizes = {{64, 64},   {160, 90},   {320, 180},  {426, 240},
                                  {640, 360}, {1280, 720}, {1920, 1080}};

// Codes with every kind of bit pattern: extremes, neighbours, random.
std::vector<FrameCode> sample_codes(int count, uint64_t seed) {
  std::vector<FrameCode> codes = {{0, 0}, {UINT32_MAX, UINT32_MAX}, {1, 0x80000000u}, {0xAAAAAAAAu, 0x55555555u}};
  Random random(seed);
  for (uint32_t i = 0; codes.size() < static_cast<size_t>(count); ++i) {
    codes.push_back({i, random.next32()});
    codes.push_back({random.next32(), random.next32()});
  }
  return codes;
}

// ---------------------------------------------------------------------------------------------

TEST(FrameCode, RoundTripsAtEverySize) {
  const auto codes = sample_codes(200, 7);
  for (Size size : kSizes) {
    // One background; each code overwrites the previous one entirely.
    I420 frame = coded_frame(size.width, size.height, {0, 0}, static_cast<uint64_t>(size.width));
    for (const FrameCode &code : codes) {
      media::write_frame_code(code, frame.y.pixels.data(), frame.y.stride, frame.u.pixels.data(), frame.u.stride,
                              frame.v.pixels.data(), frame.v.stride, size.width, size.height);
      const auto read_back = read(frame.y);
      ASSERT_TRUE(read_back.has_value()) << describe(size);
      ASSERT_EQ(*read_back, code) << describe(size);
    }
  }
}

TEST(FrameCode, RoundTripsAtOddAndFlatSizes) {
  for (Size size : std::vector<Size>{{65, 67}, {100, 720}, {1920, 64}, {32, 6}, {33, 7}, {480, 270}, {854, 480}}) {
    const FrameCode code{123456789u, 987654321u};
    const auto read_back = read(coded_frame(size.width, size.height, code).y);
    ASSERT_TRUE(read_back.has_value()) << describe(size);
    EXPECT_EQ(*read_back, code) << describe(size);
  }
}

TEST(FrameCode, BandIsProportionalToWidthAndAtMostHalfTheHeight) {
  EXPECT_EQ(media::code_band_height(640, 360), 60);
  EXPECT_EQ(media::code_band_height(320, 180), 30);
  EXPECT_EQ(media::code_band_height(1920, 1080), 180);
  EXPECT_EQ(media::code_band_height(64, 64), 6);
  EXPECT_LE(media::code_band_height(1920, 64), 32);
  EXPECT_GT(media::code_band_height(1920, 64), 0);
  EXPECT_EQ(media::code_band_height(31, 100), 0);
  EXPECT_EQ(media::code_band_height(100, 5), 0);
}

TEST(FrameCode, WritesOnlyTheBand) {
  const int w = 640, h = 360;
  I420 frame(w, h);
  Random random(3);
  fill_noise(frame.y, random);
  fill_noise(frame.u, random);
  fill_noise(frame.v, random);
  const I420 before = frame;
  media::write_frame_code({5, 6}, frame.y.pixels.data(), frame.y.stride, frame.u.pixels.data(), frame.u.stride,
                          frame.v.pixels.data(), frame.v.stride, w, h);
  const int band = media::code_band_height(w, h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      if (y < band) {
        const int level = frame.y.at(x, y);
        ASSERT_TRUE(std::abs(level - 16) <= 6 || std::abs(level - 235) <= 6) << x << "," << y << ": " << level;
      } else {
        ASSERT_EQ(frame.y.at(x, y), before.y.at(x, y)) << x << "," << y;
      }
    }
  }
  for (int y = 0; y < frame.u.height; ++y)
    for (int x = 0; x < frame.u.width; ++x) {
      ASSERT_EQ(frame.u.at(x, y), y < band / 2 ? 128 : before.u.at(x, y));
      ASSERT_EQ(frame.v.at(x, y), y < band / 2 ? 128 : before.v.at(x, y));
    }
  // Row padding untouched.
  EXPECT_TRUE(std::equal(frame.y.row(0) + w, frame.y.row(1), before.y.row(0) + w));
}

// Whether some cell x cell square of the band, on a grid of that step, holds a single level.
bool band_has_flat_cell(const Plane &plane, int cell) {
  const int band = media::code_band_height(plane.width, plane.height);
  for (int cy = 0; cy + cell <= band; cy += cell) {
    for (int cx = 0; cx + cell <= plane.width; cx += cell) {
      bool flat = true;
      for (int y = cy; y < cy + cell && flat; ++y)
        for (int x = cx; x < cx + cell && flat; ++x) flat = plane.at(x, y) == plane.at(cx, cy);
      if (flat) return true;
    }
  }
  return false;
}

TEST(FrameCode, BandHasNoFlatAreas) {
  // Encoders treat a perfectly flat source block as static (VP9's realtime mode then keeps the
  // previous frame's pixels there). No 4x4 cell of the band is flat up to 2560 wide, no 8x8 one
  // at 4K (where the ramp, capped, is too gentle for 4 pixels).
  for (Size size : kSizes) EXPECT_FALSE(band_has_flat_cell(coded_frame(size.width, size.height, {0xF0F0u, 7}).y, 4)) << describe(size);
  EXPECT_FALSE(band_has_flat_cell(coded_frame(2560, 1440, {0xF0F0u, 7}).y, 4));
  EXPECT_FALSE(band_has_flat_cell(coded_frame(3840, 2160, {0xF0F0u, 7}).y, 8));
}

// Every degradation below runs over these sizes and codes; each read must be exact.
void expect_survives(const char *what, Plane (*degrade)(const Plane &), const std::vector<Size> &sizes,
                     bool on_test_pattern) {
  const auto codes = sample_codes(24, 11);
  for (Size size : sizes) {
    for (const FrameCode &code : codes) {
      const I420 frame = on_test_pattern ? pattern_frame(size.width, size.height, code)
                                         : coded_frame(size.width, size.height, code, code.capture_time_ms);
      const Plane degraded = degrade(frame.y);
      const auto read_back = read(degraded);
      ASSERT_TRUE(read_back.has_value()) << what << " at " << describe(size) << " -> " << degraded.width << "x"
                                         << degraded.height << ", frame " << code.frame_number;
      ASSERT_EQ(*read_back, code) << what << " at " << describe(size);
    }
  }
}

const std::vector<Size> kDegradedSizes = {{160, 90}, {320, 180}, {426, 240}, {640, 360}, {1280, 720}};

TEST(FrameCode, SurvivesNoise) {
  expect_survives("noise +-40", [](const Plane &p) { return with_noise(p, 40, 99); }, kSizes, false);
  expect_survives("noise +-40", [](const Plane &p) { return with_noise(p, 40, 98); }, kSizes, true);
}

TEST(FrameCode, SurvivesRangeConversions) {
  expect_survives("full to studio range", [](const Plane &p) {
    Plane out = p;
    for (uint8_t &level : out.pixels) level = static_cast<uint8_t>(16 + level * 219 / 255);
    return out;
  }, kSizes, true);
  expect_survives("studio to full range, darker by 30", [](const Plane &p) {
    Plane out = p;
    for (uint8_t &level : out.pixels) level = clamp_level((level - 16) * 255 / 219 - 30);
    return out;
  }, kSizes, true);
}

TEST(FrameCode, SurvivesBoxBlur) {
  expect_survives("3x3 blur", [](const Plane &p) { return box_blurred(p); }, kDegradedSizes, true);
  expect_survives("3x3 blur twice", [](const Plane &p) { return box_blurred(box_blurred(p)); }, kDegradedSizes, false);
}

// Flattening whole 8x8 blocks to their mean mixes neighbouring code blocks into the cells that
// straddle them; an isolated code block keeps its colour when it is over 1.6 times the cell.
const std::vector<Size> kFlattenedSizes = {{426, 240}, {640, 360}, {1280, 720}, {1920, 1080}};
const std::vector<Size> kEightByEightSizes = {{320, 180}, {426, 240}, {640, 360}, {1280, 720}, {1920, 1080}};

TEST(FrameCode, SurvivesBlockQuantization) {
  expect_survives("8x8 mean + half residual", [](const Plane &p) { return block_quantized(p, 1, 50); },
                  kDegradedSizes, true);
  expect_survives("8x8 mean in steps of 24, no residual", [](const Plane &p) { return block_quantized(p, 24, 0); },
                  kFlattenedSizes, true);
  expect_survives("4x4 mean in steps of 24, no residual", [](const Plane &p) { return block_quantized(p, 24, 0, 4); },
                  {{240, 135}, {320, 180}}, true);
  expect_survives("4x4 mean + half residual", [](const Plane &p) { return block_quantized(p, 1, 50, 4); },
                  {{64, 64}, {128, 72}, {160, 90}}, true);
}

TEST(FrameCode, SurvivesDownscaling) {
  expect_survives("1/2", [](const Plane &p) { return area_resized(p, p.width / 2, p.height / 2); }, kDegradedSizes,
                  true);
  expect_survives("1/1.5", [](const Plane &p) { return area_resized(p, p.width * 2 / 3, p.height * 2 / 3); },
                  kDegradedSizes, true);
  expect_survives("3/4", [](const Plane &p) { return area_resized(p, p.width * 3 / 4, p.height * 3 / 4); },
                  kDegradedSizes, true);
  // 640x360 -> 426x240 and the like: a non-integer ratio to a size that is no multiple of it.
  expect_survives("0.667", [](const Plane &p) { return area_resized(p, p.width * 667 / 1000, p.height * 667 / 1000); },
                  kDegradedSizes, true);
  expect_survives("1/4", [](const Plane &p) { return area_resized(p, p.width / 4, p.height / 4); },
                  {{640, 360}, {1280, 720}, {1920, 1080}}, true);
}

TEST(FrameCode, SurvivesUpscaling) {
  expect_survives("x2 bilinear", [](const Plane &p) { return bilinear_resized(p, p.width * 2, p.height * 2); },
                  {{64, 64}, {160, 90}, {320, 180}, {426, 240}}, true);
  expect_survives("x1.5 bilinear", [](const Plane &p) { return bilinear_resized(p, p.width * 3 / 2, p.height * 3 / 2); },
                  {{160, 90}, {426, 240}, {640, 360}}, true);
}

TEST(FrameCode, SurvivesASmallCropBeforeScaling) {
  // A scaler keeping the aspect ratio may crop a few pixels off the edges first.
  expect_survives("crop 2 each side", [](const Plane &p) { return cropped(p, 2, 2, 2, 2); },
                  {{320, 180}, {640, 360}, {1280, 720}}, true);
  expect_survives("crop 1 left, 1 top, then 2/3",
                  [](const Plane &p) {
                    const Plane c = cropped(p, 1, 1, 0, 0);
                    return area_resized(c, p.width * 2 / 3, p.height * 2 / 3);
                  },
                  {{640, 360}, {1280, 720}}, true);
}

TEST(FrameCode, SurvivesAnEncoderLikeChain) {
  expect_survives("2/3, quantized, blurred, noise +-20",
                  [](const Plane &p) {
                    const Plane scaled = area_resized(p, p.width * 2 / 3, p.height * 2 / 3);
                    return with_noise(box_blurred(block_quantized(scaled, 8, 50)), 20, 5);
                  },
                  kEightByEightSizes, true);
  expect_survives("1/2, quantized, x2",
                  [](const Plane &p) {
                    const Plane half = block_quantized(area_resized(p, p.width / 2, p.height / 2), 16, 25);
                    return bilinear_resized(half, p.width, p.height);
                  },
                  {{640, 360}, {1280, 720}, {1920, 1080}}, true);
  expect_survives("1/2, 4x4 quantized, x2",
                  [](const Plane &p) {
                    const Plane half = block_quantized(area_resized(p, p.width / 2, p.height / 2), 16, 25, 4);
                    return bilinear_resized(half, p.width, p.height);
                  },
                  {{320, 180}, {426, 240}}, true);
}

// What VP9's realtime encoder was seen to do: leave part of a block at the previous frame's
// colour, here its left stale_percent. The reader samples the middle half of a block, so 60%
// turns 70% of the samples: a wrong but weak block. Up to three of those are repaired.
Plane with_stale_blocks(const Plane &in, const std::vector<int> &data_blocks, int stale_percent) {
  Plane out = in;
  for (int data_block : data_blocks) flip_block(out, data_block, stale_percent);
  return out;
}

TEST(FrameCode, RepairsAFewMostlyStaleBlocks) {
  const FrameCode code{0x01020304u, 0xA0B0C0D0u};
  const Plane clean = pattern_frame(1280, 720, code).y;
  EXPECT_EQ(read(with_stale_blocks(clean, {5}, 60)), code);
  EXPECT_EQ(read(with_stale_blocks(clean, {5, 40}, 60)), code);
  EXPECT_EQ(read(with_stale_blocks(clean, {5, 40, 89}, 65)), code);
  // And after scaling, as a receiver would see it.
  EXPECT_EQ(read(area_resized(with_stale_blocks(clean, {0, 29, 63}, 60), 853, 480)), code);
  // Four weak blocks are more than the repair tries; wholly stale blocks are not weak at all.
  EXPECT_FALSE(read(with_stale_blocks(clean, {5, 40, 60, 89}, 60)).has_value());
  EXPECT_FALSE(read(with_stale_blocks(clean, {5}, 100)).has_value());
}

TEST(FrameCode, RejectsFlatFrames) {
  for (int level : {0, 16, 128, 235, 255}) {
    const Plane flat(640, 360, static_cast<uint8_t>(level));
    EXPECT_FALSE(read(flat).has_value()) << level;
  }
}

TEST(FrameCode, RejectsRandomNoiseFrames) {
  Random random(2024);
  int false_positives = 0;
  Plane plane(320, 180);
  for (int i = 0; i < 10000; ++i) {
    fill_noise(plane, random);
    if (read(plane)) ++false_positives;
  }
  EXPECT_EQ(false_positives, 0);
}

TEST(FrameCode, RejectsRandomBlockFrames) {
  // The hardest impostor: black and white blocks on the code's own grid, sync blocks included.
  // Only the check can tell these apart, at 2^-26 per frame.
  Random random(77);
  int false_positives = 0;
  const int w = 320, h = 180, block = w / media::kFrameCodeColumns;
  Plane plane = coded_frame(w, h, {1, 2}).y;
  for (int i = 0; i < 10000; ++i) {
    for (int row = 0; row < media::kFrameCodeRows; ++row)
      for (int column = 1; column + 1 < media::kFrameCodeColumns; ++column) {
        const uint8_t level = (random.next() >> 63) ? 235 : 16;
        for (int y = row * block; y < (row + 1) * block; ++y)
          std::fill_n(plane.row(y) + column * block, block, level);
      }
    if (read(plane)) ++false_positives;
  }
  // Some of these may by chance be the valid code of some other payload: at 2^-26 a frame, the
  // odds of one in 10000 are 1.5e-4.
  EXPECT_EQ(false_positives, 0);
}

TEST(FrameCode, RejectsEverySingleFlippedBlock) {
  const FrameCode code{4242, 31337};
  const I420 frame = pattern_frame(640, 360, code);
  ASSERT_EQ(read(frame.y), code);
  for (int row = 0; row < media::kFrameCodeRows; ++row) {
    for (int column = 0; column < media::kFrameCodeColumns; ++column) {
      Plane corrupted = frame.y;
      flip_block_at(corrupted, row, column);
      EXPECT_FALSE(read(corrupted).has_value()) << "block " << row << "," << column;
    }
  }
}

TEST(FrameCode, RejectsEveryPairAndTripleOfFlippedBlocks) {
  // The check's distance is 6: no two or three wrong blocks make another valid code.
  const Plane clean = pattern_frame(320, 180, {0xCAFEF00Du, 0x00C0FFEEu}).y;
  int accepted = 0;
  for (int a = 0; a < 90; ++a)
    for (int b = a + 1; b < 90; ++b) {
      Plane pair = clean;
      flip_block(pair, a);
      flip_block(pair, b);
      accepted += read(pair).has_value();
      for (int c = b + 1; c < 90; c += 7) {
        Plane triple = pair;
        flip_block(triple, c);
        accepted += read(triple).has_value();
      }
    }
  EXPECT_EQ(accepted, 0);
}

TEST(FrameCode, RejectsTwoFlippedBlocksAfterScaling) {
  const I420 frame = pattern_frame(640, 360, {77, 88});
  Random random(5);
  for (int trial = 0; trial < 200; ++trial) {
    const int first = random.in_range(0, 89);
    int second = random.in_range(0, 88);
    if (second >= first) ++second;  // two different data blocks
    Plane corrupted = frame.y;
    flip_block(corrupted, first);
    flip_block(corrupted, second);
    EXPECT_FALSE(read(area_resized(corrupted, 426, 240)).has_value()) << trial;
  }
}

TEST(FrameCode, TooSmallFramesHoldNoCode) {
  I420 frame(16, 16);
  const I420 before = frame;
  media::write_frame_code({1, 2}, frame.y.pixels.data(), frame.y.stride, frame.u.pixels.data(), frame.u.stride,
                          frame.v.pixels.data(), frame.v.stride, 16, 16);
  EXPECT_EQ(frame.y.pixels, before.y.pixels);
  EXPECT_FALSE(read(frame.y).has_value());
  EXPECT_FALSE(media::read_frame_code(nullptr, 0, 640, 360).has_value());
  EXPECT_FALSE(media::read_frame_code(frame.y.pixels.data(), frame.y.stride, 0, 0).has_value());
}

// --- the test pattern --------------------------------------------------------------------------

// Guard bytes around every plane: the pattern must write exactly its planes, padding excluded.
struct GuardedI420 {
  static constexpr int kGuard = 64;
  static constexpr uint8_t kGuardByte = 0xA5;
  int width, height, stride_y, stride_c;
  std::vector<uint8_t> y, u, v;

  GuardedI420(int w, int h)
      : width(w),
        height(h),
        stride_y(w + 8),
        stride_c((w + 1) / 2 + 8),
        y(static_cast<size_t>(stride_y) * h + 2 * kGuard, kGuardByte),
        u(static_cast<size_t>(stride_c) * ((h + 1) / 2) + 2 * kGuard, kGuardByte),
        v(u) {}
  void render(const media::TestPattern &pattern, uint32_t number, uint32_t time) {
    pattern.render(number, time, y.data() + kGuard, stride_y, u.data() + kGuard, stride_c, v.data() + kGuard, stride_c);
  }
  // Every byte outside the rows' width (guards and stride padding) still holds the guard byte.
  bool padding_intact() const {
    auto check = [](const std::vector<uint8_t> &plane, int stride, int w, int h) {
      for (size_t i = 0; i < plane.size(); ++i) {
        const long offset = static_cast<long>(i) - kGuard;
        const bool inside = offset >= 0 && offset < static_cast<long>(stride) * h && offset % stride < w;
        if (!inside && plane[i] != kGuardByte) return false;
      }
      return true;
    };
    const int cw = (width + 1) / 2, ch = (height + 1) / 2;
    return check(y, stride_y, width, height) && check(u, stride_c, cw, ch) && check(v, stride_c, cw, ch);
  }
};

TEST(TestPattern, StaysInsideItsPlanes) {
  for (Size size : std::vector<Size>{{64, 64}, {65, 67}, {160, 90}, {426, 240}, {640, 360}, {1920, 1080}, {16, 16}, {2, 2}}) {
    const media::TestPattern pattern(size.width, size.height);
    GuardedI420 frame(size.width, size.height);
    for (uint32_t number : {0u, 1u, 59u, 1000u, 123457u, UINT32_MAX}) {
      frame.render(pattern, number, number * 33u);
      ASSERT_TRUE(frame.padding_intact()) << describe(size) << " frame " << number;
    }
  }
}

TEST(TestPattern, CarriesItsCodeAtEverySize) {
  for (Size size : kSizes) {
    const media::TestPattern pattern(size.width, size.height);
    EXPECT_EQ(pattern.width(), size.width);
    EXPECT_EQ(pattern.height(), size.height);
    for (const FrameCode &code : sample_codes(40, 3)) {
      const I420 frame = pattern_frame(size.width, size.height, code);
      ASSERT_EQ(read(frame.y), code) << describe(size);
    }
  }
}

TEST(TestPattern, MovesBelowTheBandFromFrameToFrame) {
  for (Size size : kSizes) {
    const int band = media::code_band_height(size.width, size.height);
    for (uint32_t number : {0u, 1u, 100u, 4000u}) {
      const I420 a = pattern_frame(size.width, size.height, {number, 0});
      const I420 b = pattern_frame(size.width, size.height, {number + 1, 0});
      long changed = 0;
      for (int y = band; y < size.height; ++y)
        for (int x = 0; x < size.width; ++x) changed += a.y.at(x, y) != b.y.at(x, y);
      // Everything scrolls: well over a third of the content changes every frame.
      EXPECT_GT(changed, static_cast<long>(size.width) * (size.height - band) / 3) << describe(size) << " frame " << number;
      long chroma_changed = 0;
      for (int y = 0; y < a.u.height; ++y)
        for (int x = 0; x < a.u.width; ++x) chroma_changed += a.u.at(x, y) != b.u.at(x, y);
      EXPECT_GT(chroma_changed, 0) << describe(size);
    }
  }
}

TEST(TestPattern, IsAFunctionOfTheFrameNumber) {
  const I420 a = pattern_frame(640, 360, {17, 1000});
  const I420 b = pattern_frame(640, 360, {17, 1000});
  EXPECT_EQ(a.y.pixels, b.y.pixels);
  EXPECT_EQ(a.u.pixels, b.u.pixels);
  EXPECT_EQ(a.v.pixels, b.v.pixels);
}

TEST(TestPattern, HasTextureAndColour) {
  // An encoder must have real work: many distinct luma levels and saturated chroma below the band.
  const I420 frame = pattern_frame(640, 360, {10, 0});
  std::vector<bool> levels(256);
  int strong_chroma = 0;
  for (int y = media::code_band_height(640, 360); y < 360; ++y)
    for (int x = 0; x < 640; ++x) levels[frame.y.at(x, y)] = true;
  for (int y = 30; y < 180; ++y)
    for (int x = 0; x < 320; ++x) strong_chroma += std::abs(frame.u.at(x, y) - 128) > 40;
  EXPECT_GT(std::count(levels.begin(), levels.end(), true), 100);
  EXPECT_GT(strong_chroma, 1000);
}

TEST(TestPattern, MonotonicClockAdvancesInMilliseconds) {
  const uint32_t before = media::monotonic_time_ms();
  const auto wall_before = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - wall_before < std::chrono::milliseconds(20)) {
  }
  const uint32_t elapsed = media::monotonic_time_ms() - before;
  EXPECT_GE(elapsed, 19u);
  EXPECT_LT(elapsed, 1000u);
}

TEST(TestPattern, SpeedAt640x360) {
  const int w = 640, h = 360, frames = 2000;
  const media::TestPattern pattern(w, h);
  I420 frame(w, h);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < frames; ++i)
    pattern.render(static_cast<uint32_t>(i), 0, frame.y.pixels.data(), frame.y.stride, frame.u.pixels.data(),
                   frame.u.stride, frame.v.pixels.data(), frame.v.stride);
  const auto rendered = std::chrono::steady_clock::now();
  int read_back = 0;
  for (int i = 0; i < frames; ++i) read_back += read(frame.y).has_value();
  const auto done = std::chrono::steady_clock::now();
  EXPECT_EQ(read_back, frames);
  const double render_us = std::chrono::duration<double, std::micro>(rendered - start).count() / frames;
  const double read_us = std::chrono::duration<double, std::micro>(done - rendered).count() / frames;
  std::printf("640x360: render %.2f us/frame, read %.2f us/frame\n", render_us, read_us);
  RecordProperty("render_us_per_frame", std::to_string(render_us));
  RecordProperty("read_us_per_frame", std::to_string(read_us));
}

}  // namespace
