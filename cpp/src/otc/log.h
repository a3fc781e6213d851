// Internal logging: forwards to the application's otc_log_set_logger callback, if any.
#pragma once

#include <cstdarg>

#include <otc/base.h>

namespace otc {

bool log_enabled(otc_log_level level);
void log(otc_log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace otc
