#include "secret.h"

#include <otc/e2ee.h>

#include <cstdint>

namespace otc::e2ee {

long utf8_code_points(std::string_view utf8) {
  long count = 0;
  size_t i = 0;
  const size_t n = utf8.size();
  while (i < n) {
    const uint8_t b0 = static_cast<uint8_t>(utf8[i]);
    size_t len;
    uint32_t cp;
    if (b0 < 0x80) {
      len = 1;
      cp = b0;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return -1;  // continuation byte first, 0xC0/0xC1 (overlong), or 0xF5.. (above U+10FFFF)
    }
    if (n - i < len) return -1;
    for (size_t k = 1; k < len; ++k) {
      const uint8_t b = static_cast<uint8_t>(utf8[i + k]);
      if ((b & 0xC0) != 0x80) return -1;
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return -1;  // overlong
    if (cp >= 0xD800 && cp <= 0xDFFF) return -1;                          // surrogate
    if (cp > 0x10FFFF) return -1;
    i += len;
    ++count;
  }
  return count;
}

bool is_valid_secret(std::string_view utf8) {
  if (utf8.find('\0') != std::string_view::npos) return false;
  const long points = utf8_code_points(utf8);
  return points >= OTC_E2EE_SECRET_MIN_CODE_POINTS && points <= OTC_E2EE_SECRET_MAX_CODE_POINTS;
}

}  // namespace otc::e2ee
