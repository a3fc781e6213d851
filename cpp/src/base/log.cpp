#include "log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace {

// The logger is read on media threads for every line: keep the check lock-free and take the
// mutex only to call out, so a logger swap never races a call in flight.
std::atomic<int> g_level{OTC_LOG_LEVEL_DISABLED};
std::mutex g_mutex;
otc_logger_func g_logger = nullptr;
void *g_user_data = nullptr;

}  // namespace

namespace otc {

void set_log_sink(otc_logger_func logger, otc_log_level level, void *user_data) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_logger = logger;
  g_user_data = user_data;
  g_level.store(logger ? level : OTC_LOG_LEVEL_DISABLED, std::memory_order_release);
}

bool log_enabled(otc_log_level level) {
  return level != OTC_LOG_LEVEL_DISABLED && level <= g_level.load(std::memory_order_acquire);
}

void log(otc_log_level level, const char *format, ...) {
  if (!log_enabled(level)) return;
  char line[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_logger) g_logger(level, line, g_user_data);
}

}  // namespace otc
