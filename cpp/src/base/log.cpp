#include "log.h"

#include <strings.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace {

// The level is read on media threads for every line: keep the check lock-free and take the
// mutex only to call out, so a sink swap never races a call in flight.
std::atomic<int> g_level{OTC_LOG_LEVEL_DISABLED};
std::mutex g_mutex;
// At most one of the two sinks is set: installing one removes the other.
otc_logger_func g_logger = nullptr;
void *g_user_data = nullptr;
otc_logger_callback g_callback = nullptr;

// A negative level is off; larger ones than ALL log everything, as ALL does.
int clamp_level(int level) {
  if (level <= OTC_LOG_LEVEL_DISABLED) return OTC_LOG_LEVEL_DISABLED;
  return level > OTC_LOG_LEVEL_ALL ? OTC_LOG_LEVEL_ALL : level;
}

}  // namespace

namespace otc {

void set_log_sink(otc_logger_func logger, otc_log_level level, void *user_data) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_logger = logger;
  g_user_data = user_data;
  g_callback = nullptr;
  g_level.store(logger ? clamp_level(level) : OTC_LOG_LEVEL_DISABLED, std::memory_order_release);
}

void set_log_callback(otc_logger_callback callback) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_callback = callback;
  g_logger = nullptr;
  g_user_data = nullptr;
}

void set_log_level(int level) { g_level.store(clamp_level(level), std::memory_order_release); }

otc_log_level log_level() { return static_cast<otc_log_level>(g_level.load(std::memory_order_acquire)); }

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
  if (g_logger) {
    g_logger(level, line, g_user_data);
  } else if (g_callback) {
    g_callback(line);
  } else {
    std::fprintf(stderr, "otc: %s\n", line);
  }
}

bool parse_log_level(const char *text, int *level) {
  if (!text || !*text || !level) return false;
  static constexpr struct {
    const char *name;
    int level;
  } kNames[] = {{"disabled", OTC_LOG_LEVEL_DISABLED}, {"fatal", OTC_LOG_LEVEL_FATAL}, {"error", OTC_LOG_LEVEL_ERROR},
                {"warn", OTC_LOG_LEVEL_WARN},         {"info", OTC_LOG_LEVEL_INFO},   {"debug", OTC_LOG_LEVEL_DEBUG},
                {"msg", OTC_LOG_LEVEL_MSG},           {"trace", OTC_LOG_LEVEL_TRACE}, {"all", OTC_LOG_LEVEL_ALL}};
  for (const auto &entry : kNames) {
    if (strcasecmp(text, entry.name) == 0) {
      *level = entry.level;
      return true;
    }
  }
  char *end = nullptr;
  errno = 0;
  const long number = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || number < OTC_LOG_LEVEL_DISABLED || number > OTC_LOG_LEVEL_ALL) return false;
  *level = static_cast<int>(number);
  return true;
}

}  // namespace otc
