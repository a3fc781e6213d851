// The malloc trim after otc_session_delete (base/memory_trim.h): at most once a second, and a
// trim the limit skipped is handed to the scheduler once, for when the second is over.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "base/memory_trim.h"

namespace {

std::vector<std::chrono::milliseconds> scheduled;

void record(std::chrono::milliseconds delay) { scheduled.push_back(delay); }

// Trims until one is skipped by the limit (the first trim of the process runs at once; a stall
// of over a second between two calls would let a second one run too).
void trim_until_deferred() {
  for (int i = 0; i < 5 && scheduled.empty(); ++i) otc::trim_freed_memory();
}

}  // namespace

TEST(MemoryTrim, ATrimSkippedWithinTheSecondIsScheduledOnceForItsEnd) {
  otc::set_trim_scheduler(&record);
  trim_until_deferred();
  ASSERT_EQ(scheduled.size(), 1u) << "no trim was deferred";
  EXPECT_GT(scheduled[0].count(), 0);
  EXPECT_LE(scheduled[0].count(), 1000);
  // While that one is in flight, more deletes need no other.
  otc::trim_freed_memory();
  otc::trim_freed_memory();
  EXPECT_EQ(scheduled.size(), 1u);
  // Once it ran, it counts as the second's trim: the next delete within it defers again.
  otc::run_scheduled_trim();
  for (int i = 0; i < 5 && scheduled.size() < 2; ++i) otc::trim_freed_memory();
  EXPECT_EQ(scheduled.size(), 2u);
  otc::set_trim_scheduler(nullptr);
}

TEST(MemoryTrim, WithoutASchedulerASkippedTrimIsDropped) {
  otc::set_trim_scheduler(nullptr);
  scheduled.clear();
  for (int i = 0; i < 5; ++i) otc::trim_freed_memory();
  EXPECT_TRUE(scheduled.empty());
}
