#include "frame_code.h"

#include <algorithm>
#include <array>
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
constexpr int kCheckBits = kBlocks - 2 * kRows - kPayloadBits;
static_assert(kCheckBits == 26);

// Studio-range black and white: nothing clips when a pipeline converts between ranges, and
// codec ringing around the edges has headroom.
constexpr uint8_t kBlack = 16;
constexpr uint8_t kWhite = 235;
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

// CRC-32 (IEEE 802.3, reflected) of the payload, big-endian: a misread of any one or two blocks,
// or a burst, always fails the check, so a damaged code is rejected rather than reported wrong.
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
};

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
    for (int line = geometry.row_edge(row); line < geometry.row_edge(row + 1); ++line) {
      uint8_t *out = y + static_cast<ptrdiff_t>(line) * stride_y;
      for (int column = 0; column < kColumns; ++column) {
        const int x0 = geometry.column_edge(column), x1 = geometry.column_edge(column + 1);
        std::memset(out + x0, levels[row * kColumns + column], static_cast<size_t>(x1 - x0));
      }
    }
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

  std::array<int, kColumns * kSamplesPerSide> sample_x;
  for (int column = 0; column < kColumns; ++column)
    for (int i = 0; i < kSamplesPerSide; ++i)
      sample_x[column * kSamplesPerSide + i] = geometry.column_sample(column, i);

  // Sums of kSamplesPerBlock samples: levels scaled by 64, no division needed.
  std::array<int, kBlocks> sums{};
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

  int white_sum = 0, black_sum = 0;
  for (int row = 0; row < kRows; ++row) {
    for (int column : {0, kColumns - 1}) {
      (sync_is_white(row, column) ? white_sum : black_sum) += sums[row * kColumns + column];
    }
  }
  // kRows white and kRows black sync blocks: compare their means scaled by kRows * 64.
  if (white_sum - black_sum < kMinContrast * kSamplesPerBlock * kRows) return std::nullopt;
  const int threshold = (white_sum + black_sum) / (2 * kRows);
  for (int row = 0; row < kRows; ++row) {
    for (int column : {0, kColumns - 1}) {
      if ((sums[row * kColumns + column] > threshold) != sync_is_white(row, column)) return std::nullopt;
    }
  }

  DataBits bits;
  int data_index = 0;
  for (int block = 0; block < kBlocks; ++block) {
    if (is_sync_column(block % kColumns)) continue;
    bits.push(sums[block] > threshold, data_index++);
  }
  if (bits.check != check_of(bits.payload)) return std::nullopt;
  return FrameCode{static_cast<uint32_t>(bits.payload >> 32), static_cast<uint32_t>(bits.payload)};
}

}  // namespace otc::media
