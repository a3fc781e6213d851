// The pooled task queues (rtc/pooled_task_queue_factory.h) against libwebrtc's TaskQueueBase
// contract: FIFO per queue, one task of a queue at a time, delayed tasks by due time, Current(),
// Delete while a task runs or tasks wait, teardown of the factory with queues alive.
#include "rtc/pooled_task_queue_factory.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <api/units/time_delta.h>
#include <rtc_base/event.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using otc::rtc::PooledTaskQueueFactory;
using Queue = std::unique_ptr<webrtc::TaskQueueBase, webrtc::TaskQueueDeleter>;
using webrtc::TimeDelta;

namespace {

constexpr auto kNormal = webrtc::TaskQueueFactory::Priority::NORMAL;

Queue pooled(const PooledTaskQueueFactory &factory, const char *name = "test") {
  return factory.CreateTaskQueue(name, kNormal);
}

std::string thread_name() {
  char name[32] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

// Counts its destructions; moved-from copies do not count.
struct Tracker {
  std::atomic<int> *destroyed;
  explicit Tracker(std::atomic<int> *d) : destroyed(d) {}
  Tracker(Tracker &&other) noexcept : destroyed(other.destroyed) { other.destroyed = nullptr; }
  Tracker(const Tracker &) = delete;
  ~Tracker() {
    if (destroyed) destroyed->fetch_add(1);
  }
};

TEST(TaskPool, TasksOfOneQueueRunInOrderOneAtATimeWithCurrentSet) {
  PooledTaskQueueFactory factory(4, PooledTaskQueueFactory::Routing::kEveryQueue);
  std::vector<Queue> queues;
  for (int i = 0; i < 8; ++i) queues.push_back(pooled(factory));
  constexpr int kTasks = 2000;
  struct State {
    std::atomic<int> in_flight{0};
    int next = 0;  // only the queue's own tasks touch it
    bool in_order = true, current_ok = true, alone = true;
  };
  std::vector<State> states(queues.size());
  rtc::Event done;
  std::atomic<int> finished{0};
  EXPECT_EQ(webrtc::TaskQueueBase::Current(), nullptr);
  // Two posting threads per queue would not define an order: one poster, all queues at once.
  for (int n = 0; n < kTasks; ++n) {
    for (size_t q = 0; q < queues.size(); ++q) {
      webrtc::TaskQueueBase *queue = queues[q].get();
      State *state = &states[q];
      queue->PostTask([=, &done, &finished] {
        if (state->in_flight.fetch_add(1) != 0) state->alone = false;
        if (state->next++ != n) state->in_order = false;
        if (!queue->IsCurrent()) state->current_ok = false;
        std::this_thread::yield();
        state->in_flight.fetch_sub(1);
        if (n == kTasks - 1 && finished.fetch_add(1) + 1 == 8) done.Set();
      });
    }
  }
  ASSERT_TRUE(done.Wait(TimeDelta::Seconds(30)));
  for (const State &state : states) {
    EXPECT_TRUE(state.in_order);
    EXPECT_TRUE(state.current_ok);
    EXPECT_TRUE(state.alone);
    EXPECT_EQ(state.next, kTasks);
  }
  EXPECT_EQ(webrtc::TaskQueueBase::Current(), nullptr);
}

TEST(TaskPool, ManyQueuesShareThePoolsThreadsAndNoMore) {
  PooledTaskQueueFactory factory(2, PooledTaskQueueFactory::Routing::kEveryQueue);
  EXPECT_EQ(factory.pool_threads(), 2u);
  std::vector<Queue> queues;
  for (int i = 0; i < 200; ++i) queues.push_back(pooled(factory));
  std::mutex mutex;
  std::set<std::thread::id> threads;
  std::set<std::string> names;
  std::atomic<int> left{200};
  rtc::Event done;
  for (auto &queue : queues) {
    queue->PostTask([&] {
      {
        std::lock_guard<std::mutex> lock(mutex);
        threads.insert(std::this_thread::get_id());
        names.insert(thread_name());
      }
      std::this_thread::sleep_for(1ms);
      if (left.fetch_sub(1) == 1) done.Set();
    });
  }
  ASSERT_TRUE(done.Wait(TimeDelta::Seconds(30)));
  EXPECT_LE(threads.size(), 2u);
  for (const auto &name : names) EXPECT_EQ(name.rfind("otc-tq-", 0), 0u) << name;
}

TEST(TaskPool, DelayedTasksRunByDueTimeNotBeforeIt) {
  PooledTaskQueueFactory factory(2, PooledTaskQueueFactory::Routing::kEveryQueue);
  Queue queue = pooled(factory);
  std::mutex mutex;
  std::vector<int> order;
  std::vector<double> late_ms;  // run time minus due time
  rtc::Event done;
  const auto start = std::chrono::steady_clock::now();
  auto post = [&](int id, int delay_ms, bool high) {
    auto task = [&, id, delay_ms] {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      std::lock_guard<std::mutex> lock(mutex);
      order.push_back(id);
      late_ms.push_back(ms - delay_ms);
      if (order.size() == 7) done.Set();
    };
    if (high) {
      queue->PostDelayedHighPrecisionTask(task, TimeDelta::Millis(delay_ms));
    } else {
      queue->PostDelayedTask(task, TimeDelta::Millis(delay_ms));
    }
  };
  post(5, 250, false);
  post(2, 60, true);
  post(4, 150, false);
  post(1, 20, false);
  post(3, 60, false);  // the same due time as 2 (or later): after it
  queue->PostTask([&] {
    std::lock_guard<std::mutex> lock(mutex);
    order.push_back(0);
    late_ms.push_back(0);
  });
  ASSERT_FALSE(done.Wait(TimeDelta::Millis(5)));  // nothing delayed is early
  post(6, 0, false);                                // a zero delay runs soon, before the others
  ASSERT_TRUE(done.Wait(TimeDelta::Seconds(10)));
  std::this_thread::sleep_for(300ms);
  std::lock_guard<std::mutex> lock(mutex);
  const std::vector<int> expected = {0, 6, 1, 2, 3, 4, 5};
  EXPECT_EQ(order, expected);
  for (size_t i = 0; i < late_ms.size(); ++i) EXPECT_GE(late_ms[i], -1.0) << "task " << order[i] << " ran early";
}

TEST(TaskPool, ManyDelayedTasksOnManyQueuesAllRunInDueOrderPerQueue) {
  PooledTaskQueueFactory factory(3, PooledTaskQueueFactory::Routing::kEveryQueue);
  std::vector<Queue> queues;
  for (int i = 0; i < 20; ++i) queues.push_back(pooled(factory));
  constexpr int kPerQueue = 200;
  std::vector<int> last(queues.size(), -1);
  std::atomic<int> out_of_order{0}, left{20 * kPerQueue};
  rtc::Event done;
  for (int n = 0; n < kPerQueue; ++n) {
    for (size_t q = 0; q < queues.size(); ++q) {
      // Delays grow with n (1 ms apart): each queue's tasks must run in n order.
      queues[q]->PostDelayedHighPrecisionTask(
          [&, q, n] {
            if (last[q] >= n) out_of_order.fetch_add(1);
            last[q] = n;
            if (left.fetch_sub(1) == 1) done.Set();
          },
          TimeDelta::Millis(n));
    }
  }
  ASSERT_TRUE(done.Wait(TimeDelta::Seconds(30)));
  EXPECT_EQ(out_of_order.load(), 0);
}

TEST(TaskPool, DeleteWaitsForTheRunningTaskAndDestroysQueuedOnesUnrun) {
  PooledTaskQueueFactory factory(2, PooledTaskQueueFactory::Routing::kEveryQueue);
  Queue queue = pooled(factory);
  rtc::Event started;
  std::atomic<bool> finished{false};
  std::atomic<int> ran{0}, destroyed{0};
  queue->PostTask([&] {
    started.Set();
    std::this_thread::sleep_for(300ms);
    finished = true;
  });
  for (int i = 0; i < 10; ++i) queue->PostTask([&, t = Tracker(&destroyed)] { ran.fetch_add(1); });
  for (int i = 0; i < 5; ++i)
    queue->PostDelayedTask([&, t = Tracker(&destroyed)] { ran.fetch_add(1); }, TimeDelta::Seconds(60));
  ASSERT_TRUE(started.Wait(TimeDelta::Seconds(5)));
  queue = nullptr;  // Delete
  EXPECT_TRUE(finished.load()) << "Delete returned while the queue's task still ran";
  EXPECT_EQ(destroyed.load(), 15) << "queued and delayed tasks are destroyed by Delete";
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(ran.load(), 0);
}

TEST(TaskPool, DeleteFromTheQueuesOwnTaskReturnsAndNothingAfterRuns) {
  PooledTaskQueueFactory factory(1, PooledTaskQueueFactory::Routing::kEveryQueue);
  Queue queue = pooled(factory);
  webrtc::TaskQueueBase *raw = queue.release();
  rtc::Event deleted;
  std::atomic<int> after{0};
  raw->PostTask([&] {
    raw->Delete();
    // Still the current queue until this task returns; posting is allowed (and dropped).
    EXPECT_TRUE(raw->IsCurrent());
    raw->PostTask([&] { after.fetch_add(1); });
    deleted.Set();
  });
  raw->PostTask([&] { after.fetch_add(1); });
  ASSERT_TRUE(deleted.Wait(TimeDelta::Seconds(5)));
  // The pool still works for other queues.
  Queue other = pooled(factory);
  rtc::Event ran;
  other->PostTask([&] { ran.Set(); });
  EXPECT_TRUE(ran.Wait(TimeDelta::Seconds(5)));
  EXPECT_EQ(after.load(), 0);
}

TEST(TaskPool, DeletingQueuesFromOtherQueuesAndThreadsAtRandomIsSafe) {
  PooledTaskQueueFactory factory(2, PooledTaskQueueFactory::Routing::kEveryQueue);
  for (int round = 0; round < 50; ++round) {
    std::vector<Queue> queues;
    for (int i = 0; i < 10; ++i) queues.push_back(pooled(factory));
    std::atomic<int> ran{0};
    for (int n = 0; n < 20; ++n) {
      for (auto &queue : queues) {
        queue->PostTask([&ran] { ran.fetch_add(1); });
        queue->PostDelayedTask([&ran] { ran.fetch_add(1); }, TimeDelta::Millis(n % 3));
      }
    }
    // Half the queues deleted by a task of another queue, half from here, with tasks in flight.
    rtc::Event half;
    Queue deleter = pooled(factory);
    std::vector<Queue> first(std::make_move_iterator(queues.begin()), std::make_move_iterator(queues.begin() + 5));
    deleter->PostTask([&] {
      first.clear();
      half.Set();
    });
    std::this_thread::sleep_for(std::chrono::microseconds((round * 397) % 2000));
    queues.clear();
    ASSERT_TRUE(half.Wait(TimeDelta::Seconds(5)));
  }
}

TEST(TaskPool, TheFactoryMayGoFirstQueuesStaySafeToUseAndDelete) {
  Queue queue;
  std::atomic<int> destroyed{0}, ran{0};
  {
    PooledTaskQueueFactory factory(2, PooledTaskQueueFactory::Routing::kEveryQueue);
    queue = pooled(factory);
    queue->PostDelayedTask([&, t = Tracker(&destroyed)] { ran.fetch_add(1); }, TimeDelta::Seconds(60));
  }  // the pool's threads stop and are joined here
  queue->PostTask([&, t = Tracker(&destroyed)] { ran.fetch_add(1); });  // dropped
  EXPECT_EQ(destroyed.load(), 1);
  queue = nullptr;
  EXPECT_EQ(destroyed.load(), 2);
  EXPECT_EQ(ran.load(), 0);
}

TEST(TaskPool, OnlyThePerStreamQueuesGoOnThePool) {
  PooledTaskQueueFactory factory(2);
  auto name_of = [&](const char *queue_name) {
    Queue queue = factory.CreateTaskQueue(queue_name, kNormal);
    std::string name;
    rtc::Event done;
    queue->PostTask([&] {
      name = thread_name();
      done.Set();
    });
    EXPECT_TRUE(done.Wait(TimeDelta::Seconds(5)));
    return name;
  };
  for (const char *q : {"rtp_send_controller", "TaskQueuePacedSender", "DecodingQueue", "IncomingVideoStream"})
    EXPECT_EQ(name_of(q).rfind("otc-tq-", 0), 0u) << q;
  for (const char *q : {"EncoderQueue", "AudioEncoder", "something else"})
    EXPECT_NE(name_of(q).rfind("otc-tq-", 0), 0u) << q;
}

TEST(TaskPool, TheThreadCountComesFromOtcTaskThreads) {
  setenv("OTC_TASK_THREADS", "3", 1);
  EXPECT_EQ(otc::rtc::TaskThreadsFromEnvironment(), 3u);
  for (const char *bad : {"0", "65", "two", "3x", "-1"}) {
    setenv("OTC_TASK_THREADS", bad, 1);
    EXPECT_GE(otc::rtc::TaskThreadsFromEnvironment(), 2u) << bad;
    EXPECT_NE(otc::rtc::TaskThreadsFromEnvironment(), 65u) << bad;
  }
  unsetenv("OTC_TASK_THREADS");
  EXPECT_GE(otc::rtc::TaskThreadsFromEnvironment(), 2u);
}

}  // namespace
