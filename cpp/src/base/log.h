// Internal logging, usable from every layer (base is the bottom one): lines go to the logger the
// application installed through the C API (otc_log_set_logger, in otc/log_api.cpp), if any.
#pragma once

#include <cstdarg>

#include <otc/base.h>

namespace otc {

bool log_enabled(otc_log_level level);
void log(otc_log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

// Installs the sink (nullptr: none) and the most verbose level it wants.
void set_log_sink(otc_logger_func logger, otc_log_level level, void *user_data);

}  // namespace otc
