// Internal logging, usable from every layer (base is the bottom one). Lines go to the sink the
// application installed through the C API (otc/log_api.cpp): the SDK's message-only callback
// (otc_log_set_logger_callback) or node-otc's callback with level and user data
// (otc_log_set_logger); with a level enabled and no sink, to stderr, as the SDK prints to the
// console.
#pragma once

#include <cstdarg>

#include <otc/base.h>

namespace otc {

bool log_enabled(otc_log_level level);
void log(otc_log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

// node-otc's sink and level together (nullptr: no sink, nothing logged).
void set_log_sink(otc_logger_func logger, otc_log_level level, void *user_data);
// The SDK's sink alone (nullptr: stderr) and the level alone.
void set_log_callback(otc_logger_callback callback);
void set_log_level(int level);
otc_log_level log_level();

// A level named by an operator (OTC_LOG_LEVEL): "disabled", "fatal", "error", "warn", "info",
// "debug", "msg", "trace", "all" (any case) or the SDK's number; false for anything else.
bool parse_log_level(const char *text, int *level);

}  // namespace otc
