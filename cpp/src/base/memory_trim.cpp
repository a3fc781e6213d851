#include "memory_trim.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace otc {
namespace {

constexpr std::chrono::milliseconds kMinInterval{1000};

bool enabled() {
  static const bool value = [] {
    const char *text = std::getenv("OTC_MALLOC_TRIM");
    return !(text && std::strcmp(text, "0") == 0);
  }();
  return value;
}

}  // namespace

void trim_freed_memory() {
#if defined(__GLIBC__)
  if (!enabled()) return;
  static std::atomic<int64_t> last_ms{INT64_MIN / 2};
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch()).count();
  int64_t last = last_ms.load(std::memory_order_relaxed);
  if (now - last < kMinInterval.count()) return;
  if (!last_ms.compare_exchange_strong(last, now, std::memory_order_relaxed)) return;  // another thread trims
  malloc_trim(0);
#endif
}

}  // namespace otc
