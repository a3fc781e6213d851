#include "frame_code.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>

namespace otc::media {
namespace {

// 32 x 3 blocks: 20-pixel blocks at 640 wide stay 10 pixels wide after the encoder halves the
// frame, big enough for a codec's 8x8 / 16x16 transforms to keep their mean, while the band
// stays a sixth of a 16:9 frame. Each row starts with a sync block and ends with one, opposite
// colours in a checkerboard, so the reader learns this frame's black and white levels (and a
// picture without a code shows no such contrast); the other 90 blocks carry 64 payload bits and
// 26 check bits.
constexpr int kColumns = kFrameCodeColumns;
constexpr int kRows = kFrameCodeRows;
constexpr int kBlocks = kColumns * kRows;
constexpr int kPayloadBits = 64;
constexpr int kDataBits = kBlocks - 2 * kRows;
constexpr int kCheckBits = kDataBits - kPayloadBits;
static_assert(kCheckBits == 26);

// Studio-range black and white: nothing clips when a pipeline converts between ranges, and
// codec ringing around the edges has headroom.
constexpr uint8_t kBlack = 16;
constexpr uint8_t kWhite = 235;
// Each block ramps gently from level - ramp to level + ramp across its width, a slope that
// survives scaling. Perfectly flat blocks trip encoder shortcuts: VP9 in realtime mode (libvpx
// speed 5-7) takes a flat source block as static and keeps the previous frame's pixels, so whole
// blocks went stale in 3% of 1280x720 frames; with the ramp, none did. The ramp is symmetric
// about the block's centre (to half a level), so the reader's mean is unchanged. It steepens
// with the block (no 4 equal pixels in a row up to 2560 wide, no 8 at 4K) short of clipping.
int ramp_for(int block_width) { return std::clamp(block_width / 6, 6, 16); }

// Weakest sync contrast (white minus black mean, in levels) still taken for a code: written as
// 219, it survives compression and scaling far above this, while noise and flat pictures do not
// come near it.
constexpr int kMinContrast = 64;

// Sample points per block side: a fixed grid inside the block's inner half keeps reading at
// O(blocks) whatever the frame size, and away from the edges that compression and scaling blur.
constexpr int kSamplesPerSide = 8;
constexpr int kSamplesPerBlock = kSamplesPerSide * kSamplesPerSide;

bool is_sync_column(int column) { return column == 0 || column == kColumns - 1; }
bool sync_is_white(int row, int column) { return (row + (column == 0 ? 0 : 1)) % 2 == 0; }

// The geometry, in fractions of the frame so that a scaled copy maps onto it. Blocks are square,
// width / kColumns a side, unless the frame is so flat that the band would cover more than half
// of it; then rows are height / (2 kRows) high.
struct BandGeometry {
  int width = 0;
  int row_scale = 0;  // a row is row_scale / (2 kRows kColumns) pixels high

  BandGeometry(int frame_width, int frame_height)
      : width(frame_width), row_scale(std::min(2 * kRows * frame_width, kColumns * frame_height)) {}

  bool fits() const { return width >= kFrameCodeMinWidth && row_scale >= 2 * kRows * kColumns; }
  // A pixel belongs to the block its centre falls in: edges round to the nearest pixel boundary.
  // The reader samples the pixel containing each sample point, so with blocks of 2 pixels or
  // more every point lands on a pixel of its own block.
  int column_edge(int column) const { return (2 * column * width + kColumns) / (2 * kColumns); }
  int row_edge(int row) const {
    constexpr int kRowDivisor = 2 * kRows * kColumns;
    return (2 * row * row_scale + kRowDivisor) / (2 * kRowDivisor);
  }
  int band_height() const { return row_edge(kRows); }

  // The i-th of kSamplesPerSide points evenly spread over the middle half of column / row:
  // (cell + 1/4 + (2i + 1) / (4 n)) in block units.
  int column_sample(int column, int i) const {
    return width * (4 * kSamplesPerSide * column + kSamplesPerSide + 2 * i + 1) /
           (4 * kSamplesPerSide * kColumns);
  }
  int row_sample(int row, int i) const {
    return row_scale * (4 * kSamplesPerSide * row + kSamplesPerSide + 2 * i + 1) /
           (4 * kSamplesPerSide * 2 * kRows * kColumns);
  }
};

// CRC-32 (IEEE 802.3, reflected) of the payload, big-endian. Kept to 26 bits, it still gives the
// 90 data blocks a minimum distance of 6 (checked by enumerating the parity columns' sums of up
// to 3): up to 5 wrong blocks always fail the check, so a damaged code is rejected, not misread.
uint32_t payload_crc(uint64_t payload) {
  uint32_t crc = 0xFFFFFFFFu;
  for (int byte = 7; byte >= 0; --byte) {
    crc ^= static_cast<uint8_t>(payload >> (8 * byte));
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

uint64_t payload_of(const FrameCode &code) {
  return (uint64_t{code.frame_number} << 32) | code.capture_time_ms;
}

uint32_t check_of(uint64_t payload) { return payload_crc(payload) & ((1u << kCheckBits) - 1); }

// The data bits in the order of the data blocks (row-major, sync blocks skipped): payload most
// significant bit first, then the check.
struct DataBits {
  uint64_t payload = 0;
  uint32_t check = 0;

  bool bit(int index) const {
    if (index < kPayloadBits) return (payload >> (kPayloadBits - 1 - index)) & 1u;
    return (check >> (kCheckBits - 1 - (index - kPayloadBits))) & 1u;
  }
  void push(bool value, int index) {
    if (index < kPayloadBits)
      payload = (payload << 1) | (value ? 1u : 0u);
    else
      check = (check << 1) | (value ? 1u : 0u);
  }
  void flip(int index) {
    if (index < kPayloadBits)
      payload ^= uint64_t{1} << (kPayloadBits - 1 - index);
    else
      check ^= 1u << (kCheckBits - 1 - (index - kPayloadBits));
  }
};

using BlockSums = std::array<int, kBlocks>;

// Sums of kSamplesPerBlock samples per block: levels scaled by 64, no division needed.
BlockSums measure_blocks(const uint8_t *y, int stride_y, const BandGeometry &geometry) {
  std::array<int, kColumns * kSamplesPerSide> sample_x;
  for (int column = 0; column < kColumns; ++column)
    for (int i = 0; i < kSamplesPerSide; ++i) sample_x[column * kSamplesPerSide + i] = geometry.column_sample(column, i);

  BlockSums sums{};
  for (int row = 0; row < kRows; ++row) {
    for (int j = 0; j < kSamplesPerSide; ++j) {
      const uint8_t *line = y + static_cast<ptrdiff_t>(geometry.row_sample(row, j)) * stride_y;
      for (int column = 0; column < kColumns; ++column) {
        const int *xs = &sample_x[column * kSamplesPerSide];
        int sum = 0;
        for (int i = 0; i < kSamplesPerSide; ++i) sum += line[xs[i]];
        sums[row * kColumns + column] += sum;
      }
    }
  }
  return sums;
}

// The payload when the check holds, as read or after repairing a few weak blocks.
//
// An encoder may leave part of a block stale (VP9 in realtime mode predicts it from a shifted
// copy of its neighbours, all alike, and skips part of the residual): such a block reads with a
// weak margin, while intact ones read near half the contrast. When the check fails, every flip of
// up to kMaxRepairFlips of the kMaxRepairCandidates weakest blocks is tried, and the result taken
// only when exactly one of them passes. With distance 6, flipping at most 3 blocks cannot turn
// a code with at most 2 wrong blocks into another valid one; heavier damage is misread with a
// probability under 41 x 2^-26 (6e-7), the 41 codewords tried besides the one read.
constexpr int kMaxRepairCandidates = 6;
constexpr int kMaxRepairFlips = 3;

std::optional<uint64_t> verified_payload(const DataBits &read, const std::array<int, kDataBits> &margins,
                                         int half_contrast) {
  if (read.check == check_of(read.payload)) return read.payload;

  std::array<int, kDataBits> order;
  for (int i = 0; i < kDataBits; ++i) order[i] = i;
  std::partial_sort(order.begin(), order.begin() + kMaxRepairCandidates, order.end(),
                    [&](int a, int b) { return margins[a] < margins[b]; });
  int candidates = 0;
  // Weak: under three quarters of the margin of an intact block.
  while (candidates < kMaxRepairCandidates && 4 * margins[order[candidates]] < 3 * half_contrast) ++candidates;

  std::optional<uint64_t> repaired;
  for (unsigned subset = 1; subset < (1u << candidates); ++subset) {
    if (std::popcount(subset) > kMaxRepairFlips) continue;
    DataBits flipped = read;
    for (int i = 0; i < candidates; ++i)
      if (subset & (1u << i)) flipped.flip(order[i]);
    if (flipped.check != check_of(flipped.payload)) continue;
    if (repaired) return std::nullopt;  // two ways to repair: trust neither
    repaired = flipped.payload;
  }
  return repaired;
}

}  // namespace

int code_band_height(int width, int height) {
  const BandGeometry geometry(width, height);
  return geometry.fits() ? geometry.band_height() : 0;
}

void write_frame_code(const FrameCode &code, uint8_t *y, int stride_y, uint8_t *u, int stride_u,
                      uint8_t *v, int stride_v, int width, int height) {
  const BandGeometry geometry(width, height);
  if (!geometry.fits()) return;
  const uint64_t payload = payload_of(code);
  const DataBits bits{payload, check_of(payload)};

  std::array<uint8_t, kBlocks> levels{};
  int data_index = 0;
  for (int row = 0; row < kRows; ++row) {
    for (int column = 0; column < kColumns; ++column) {
      const bool white = is_sync_column(column) ? sync_is_white(row, column) : bits.bit(data_index++);
      levels[row * kColumns + column] = white ? kWhite : kBlack;
    }
  }

  for (int row = 0; row < kRows; ++row) {
    const int top = geometry.row_edge(row), bottom = geometry.row_edge(row + 1);
    uint8_t *first_line = y + static_cast<ptrdiff_t>(top) * stride_y;
    for (int column = 0; column < kColumns; ++column) {
      const int x0 = geometry.column_edge(column), block_width = geometry.column_edge(column + 1) - x0;
      const int level = levels[row * kColumns + column], ramp = ramp_for(block_width);
      // Divides non-negative numbers only: truncation toward zero would widen the step at 0.
      for (int i = 0; i < block_width; ++i)
        first_line[x0 + i] = static_cast<uint8_t>(level - ramp + ramp * (2 * i + 1) / block_width);
    }
    for (int line = top + 1; line < bottom; ++line)
      std::memcpy(y + static_cast<ptrdiff_t>(line) * stride_y, first_line, static_cast<size_t>(width));
  }

  const int chroma_width = (width + 1) / 2;
  const int chroma_band = (geometry.band_height() + 1) / 2;
  for (int line = 0; line < chroma_band; ++line) {
    if (u) std::memset(u + static_cast<ptrdiff_t>(line) * stride_u, 128, static_cast<size_t>(chroma_width));
    if (v) std::memset(v + static_cast<ptrdiff_t>(line) * stride_v, 128, static_cast<size_t>(chroma_width));
  }
}

std::optional<FrameCode> read_frame_code(const uint8_t *y, int stride_y, int width, int height) {
  const BandGeometry geometry(width, height);
  if (y == nullptr || height < 1 || !geometry.fits()) return std::nullopt;
  const BlockSums sums = measure_blocks(y, stride_y, geometry);

  int white_sum = 0, black_sum = 0;
  for (int row = 0; row < kRows; ++row) {
    for (int column : {0, kColumns - 1}) {
      (sync_is_white(row, column) ? white_sum : black_sum) += sums[row * kColumns + column];
    }
  }
  // kRows white and kRows black sync blocks: compare their means scaled by kRows * 64.
  if (white_sum - black_sum < kMinContrast * kSamplesPerBlock * kRows) return std::nullopt;
  const int threshold = (white_sum + black_sum) / (2 * kRows);
  const int half_contrast = (white_sum - black_sum) / (2 * kRows);
  for (int row = 0; row < kRows; ++row) {
    for (int column : {0, kColumns - 1}) {
      if ((sums[row * kColumns + column] > threshold) != sync_is_white(row, column)) return std::nullopt;
    }
  }

  DataBits bits;
  std::array<int, kDataBits> margins{};
  int data_index = 0;
  for (int block = 0; block < kBlocks; ++block) {
    if (is_sync_column(block % kColumns)) continue;
    bits.push(sums[block] > threshold, data_index);
    margins[data_index++] = std::abs(sums[block] - threshold);
  }
  const auto payload = verified_payload(bits, margins, half_contrast);
  if (!payload) return std::nullopt;
  return FrameCode{static_cast<uint32_t>(*payload >> 32), static_cast<uint32_t>(*payload)};
}

}  // namespace otc::media
