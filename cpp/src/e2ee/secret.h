// docs/e2ee-frame-format.md section 1.1: what makes an encryption secret valid.
#pragma once

#include <string_view>

namespace otc::e2ee {

// Valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF), no NUL, and
// 8..256 code points inclusive.
bool is_valid_secret(std::string_view utf8);

// Number of code points of valid UTF-8, or -1 when the bytes are not valid UTF-8.
long utf8_code_points(std::string_view utf8);

}  // namespace otc::e2ee
