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

// A deferred trim the scheduler may have dropped no longer blocks the next one after this.
constexpr std::chrono::milliseconds kDeferredGrace{2000};

std::atomic<int64_t> last_ms{INT64_MIN / 2};
std::atomic<int64_t> deferred_until_ms{INT64_MIN / 2};  // a deferred trim is in flight until then
std::atomic<TrimScheduler> scheduler{nullptr};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void trim_freed_memory() {
#if defined(__GLIBC__)
  if (!enabled()) return;
  const int64_t now = now_ms();
  int64_t last = last_ms.load(std::memory_order_relaxed);
  if (now - last >= kMinInterval.count()) {
    if (!last_ms.compare_exchange_strong(last, now, std::memory_order_relaxed)) return;  // another thread trims
    malloc_trim(0);
    return;
  }
  const TrimScheduler schedule = scheduler.load();
  int64_t until = deferred_until_ms.load(std::memory_order_relaxed);
  if (!schedule || now < until) return;  // none, or one already in flight covers this delete too
  const int64_t delay = last + kMinInterval.count() - now;
  if (!deferred_until_ms.compare_exchange_strong(until, now + delay + kDeferredGrace.count(),
                                                 std::memory_order_relaxed)) {
    return;
  }
  schedule(std::chrono::milliseconds(delay));
#endif
}

void set_trim_scheduler(TrimScheduler value) { scheduler.store(value); }

void run_scheduled_trim() {
#if defined(__GLIBC__)
  deferred_until_ms.store(INT64_MIN / 2, std::memory_order_relaxed);
  if (!enabled()) return;
  last_ms.store(now_ms(), std::memory_order_relaxed);
  malloc_trim(0);
#endif
}

}  // namespace otc
