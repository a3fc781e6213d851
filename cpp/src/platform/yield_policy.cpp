// Our own definition of rtc::ScopedYieldPolicy, for the same reason as task_queue_current.cpp:
// the archive's member keeps the policy in a local-exec thread_local, which a shared object
// cannot contain. Same contract: a scope installs a policy for its thread and restores the
// previous one when it ends.
#include "../rtc/webrtc_build_guard.h"

#include <rtc_base/synchronization/yield_policy.h>

namespace rtc {
namespace {

thread_local YieldInterface* current_yield_policy = nullptr;

}  // namespace

ScopedYieldPolicy::ScopedYieldPolicy(YieldInterface* policy) : previous_(current_yield_policy) {
  current_yield_policy = policy;
}

ScopedYieldPolicy::~ScopedYieldPolicy() { current_yield_policy = previous_; }

void ScopedYieldPolicy::YieldExecution() {
  if (current_yield_policy != nullptr) current_yield_policy->YieldExecution();
}

}  // namespace rtc
