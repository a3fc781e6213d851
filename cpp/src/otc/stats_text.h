// Text fields of the C stats structs: fixed char arrays, so that the structs stay plain values.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

namespace otc {

// Copies text into out (capacity bytes), always terminated; cut if it does not fit.
inline void copy_stats_text(char *out, size_t capacity, const std::string &text) {
  const size_t n = std::min(text.size(), capacity - 1);
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

}  // namespace otc
