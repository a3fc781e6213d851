// docs/e2ee-frame-format.md section 4.4: H.264 emulation prevention over everything after the clear
// prefix, so no start code can appear in sealed data (nor across the prefix boundary).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace otc::e2ee {

// Trailing zero bytes (0, 1 or 2) of prefix: the escaper's state where the escaped part begins.
int h264_trailing_zeros(std::span<const uint8_t> prefix);

// Upper bound of h264_escape's output for n input bytes.
constexpr size_t h264_escaped_size_bound(size_t n) { return n + n / 2 + 2; }

// Inserts 0x03 before every byte <= 0x03 that follows two 0x00 bytes, counting zeros_before
// zeros that precede the input. Writes to out (capacity >= h264_escaped_size_bound(in.size()));
// returns the bytes written. out must not overlap in.
size_t h264_escape(std::span<const uint8_t> in, int zeros_before, uint8_t *out);

// Removes every 0x03 that follows two 0x00 bytes (then starts counting zeros afresh), counting
// zeros_before zeros that precede the input. out needs in.size() bytes and may equal in.data().
size_t h264_unescape(std::span<const uint8_t> in, int zeros_before, uint8_t *out);

}  // namespace otc::e2ee
