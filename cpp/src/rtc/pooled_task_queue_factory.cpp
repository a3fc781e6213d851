#include "pooled_task_queue_factory.h"

#include <pthread.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <absl/functional/any_invocable.h>
#include <api/task_queue/default_task_queue_factory.h>
#include <api/units/time_delta.h>

#include "../base/log.h"

namespace otc::rtc {

using Clock = std::chrono::steady_clock;
using Task = absl::AnyInvocable<void() &&>;

// Why only these four. A pool of K threads can deadlock where a dedicated thread cannot: when K
// pooled tasks at once block waiting (rtc::Event) for a task of another pooled queue, nothing
// is left to run that task. In M108 these four queues only ever post onward (to the worker and
// network threads, to each other, never a blocking call), and whatever waits for them (the
// worker thread stopping a receive stream, the Call's teardown) runs on a thread of its own, so
// a wait on them always ends. They are also the ones whose count grows per peer connection /
// receive stream. The encoder queues (EncoderQueue, AudioEncoder: long encodes, one per
// publication, not per subscription), the audio device's queue (a real-time 10 ms cadence) and
// anything unknown keep dedicated threads: no analysis covers them, and they do not grow with
// subscriptions.
bool IsPooledTaskQueue(std::string_view name) {
  static constexpr std::array<std::string_view, 4> kPooled = {"rtp_send_controller", "TaskQueuePacedSender",
                                                              "DecodingQueue", "IncomingVideoStream"};
  return std::find(kPooled.begin(), kPooled.end(), name) != kPooled.end();
}

size_t TaskThreadsFromEnvironment() {
  if (const char *value = std::getenv("OTC_TASK_THREADS"); value && *value) {
    char *end = nullptr;
    const long n = std::strtol(value, &end, 10);
    if (*end == '\0' && n >= 1 && n <= 64) return static_cast<size_t>(n);
    otc::log(OTC_LOG_LEVEL_WARN, "OTC_TASK_THREADS=%s is not a number from 1 to 64: ignored", value);
  }
  return std::max<size_t>(2, std::thread::hardware_concurrency());
}

class Strand;

// The threads and everything they share. One mutex guards the pool's and every strand's state:
// a task is a few microseconds of libwebrtc work, and the lock is held only to move tasks and
// strands between lists, never while a task runs or is destroyed.
class TaskPool : public std::enable_shared_from_this<TaskPool> {
 public:
  void Start(size_t threads);
  void Stop();
  size_t threads() const { return thread_count_; }

  // Under mutex_: a strand with tasks to run, not running or ready already.
  void MakeReadyLocked(std::shared_ptr<Strand> strand) {
    ready_.push_back(std::move(strand));
    ready_cv_.notify_one();
  }
  // Under mutex_: wakes a thread when the strand's earliest delayed task is due.
  void AddTimerLocked(Clock::time_point due, std::weak_ptr<Strand> strand) {
    const bool earliest = timers_.empty() || due < timers_.top().due;
    timers_.push(Timer{due, next_timer_++, std::move(strand)});
    if (earliest) ready_cv_.notify_one();
  }

  std::mutex mutex_;
  std::condition_variable done_cv_;  // a strand's running task returned (Delete waits on it)
  bool stopped_ = false;

 private:
  struct Timer {
    Clock::time_point due;
    uint64_t order;
    std::weak_ptr<Strand> strand;
    bool operator>(const Timer &other) const {
      return due != other.due ? due > other.due : order > other.order;
    }
  };
  void Run(size_t index);

  std::condition_variable ready_cv_;
  std::deque<std::shared_ptr<Strand>> ready_;
  // One entry per delayed task (O(log n) each); an entry of a strand since deleted, or whose
  // task another entry already moved, wakes a thread for nothing and is dropped.
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  uint64_t next_timer_ = 0;
  std::vector<std::thread> threads_;
  size_t thread_count_ = 0;
};

// One task queue: tasks run one at a time, in order, on whichever pool thread is free.
class Strand final : public webrtc::TaskQueueBase, public std::enable_shared_from_this<Strand> {
 public:
  explicit Strand(std::shared_ptr<TaskPool> pool) : pool_(std::move(pool)) {}
  ~Strand() override = default;

  void Delete() override;
  void PostTask(Task task) override { Post(std::move(task), Clock::time_point{}); }
  void PostDelayedTask(Task task, webrtc::TimeDelta delay) override { PostDelayed(std::move(task), delay); }
  void PostDelayedHighPrecisionTask(Task task, webrtc::TimeDelta delay) override { PostDelayed(std::move(task), delay); }

  // Pool thread, under the pool's mutex: moves the delayed tasks due by `now` to the queue.
  void PromoteDueLocked(Clock::time_point now);
  // Pool thread, under the pool's mutex (`lock`, released while tasks run): runs a few tasks.
  void RunLocked(std::unique_lock<std::mutex> &lock);

  // Kept by the factory's unique_ptr (through Delete) and by the pool's lists while queued.
  std::shared_ptr<Strand> self_;

 private:
  struct Delayed {
    Clock::time_point due;
    uint64_t order;
    mutable Task task;
    bool operator>(const Delayed &other) const { return due != other.due ? due > other.due : order > other.order; }
  };
  void PostDelayed(Task task, webrtc::TimeDelta delay) {
    const auto us = std::max<int64_t>(0, delay.IsFinite() ? delay.us() : int64_t{1} << 50);
    Post(std::move(task), Clock::now() + std::chrono::microseconds(us));
  }
  void Post(Task task, Clock::time_point due);

  const std::shared_ptr<TaskPool> pool_;
  // Under the pool's mutex.
  std::deque<Task> queue_;
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<Delayed>> delayed_;
  uint64_t next_delayed_ = 0;
  bool ready_ = false;    // in the pool's ready list or running
  bool running_ = false;  // a task of it runs now, on runner_
  std::thread::id runner_;
  bool deleted_ = false;
};

void Strand::Post(Task task, Clock::time_point due) {
  std::unique_lock<std::mutex> lock(pool_->mutex_);
  if (deleted_ || pool_->stopped_) {
    lock.unlock();
    return;  // `task` is destroyed here, outside the lock: its destructor may post elsewhere
  }
  if (due != Clock::time_point{}) {
    delayed_.push(Delayed{due, next_delayed_++, std::move(task)});
    pool_->AddTimerLocked(due, weak_from_this());
    return;
  }
  queue_.push_back(std::move(task));
  if (!ready_) {
    ready_ = true;
    pool_->MakeReadyLocked(shared_from_this());
  }
}

void Strand::PromoteDueLocked(Clock::time_point now) {
  if (deleted_) return;
  bool moved = false;
  while (!delayed_.empty() && delayed_.top().due <= now) {
    queue_.push_back(std::move(delayed_.top().task));
    delayed_.pop();
    moved = true;
  }
  if (moved && !ready_) {
    ready_ = true;
    pool_->MakeReadyLocked(shared_from_this());
  }
}

void Strand::RunLocked(std::unique_lock<std::mutex> &lock) {
  // A few tasks per turn: fewer hand-offs for a busy queue, yet no queue holds a thread long.
  for (int turn = 0; turn < 8 && !deleted_ && !pool_->stopped_ && !queue_.empty(); ++turn) {
    Task task = std::move(queue_.front());
    queue_.pop_front();
    running_ = true;
    runner_ = std::this_thread::get_id();
    lock.unlock();
    {
      CurrentTaskQueueSetter current(this);
      std::move(task)();
      task = nullptr;  // destroyed as the queue's own, as libwebrtc's queues do
    }
    lock.lock();
    running_ = false;
  }
  if (deleted_) {
    pool_->done_cv_.notify_all();
    ready_ = false;
  } else if (!queue_.empty() && !pool_->stopped_) {
    pool_->MakeReadyLocked(shared_from_this());
  } else {
    ready_ = false;
  }
}

void Strand::Delete() {
  std::deque<Task> queued;
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<Delayed>> delayed;
  std::shared_ptr<Strand> self;
  {
    std::unique_lock<std::mutex> lock(pool_->mutex_);
    deleted_ = true;
    queued.swap(queue_);
    delayed.swap(delayed_);
    self = std::move(self_);
    // From one of its own tasks: that task finishes after this returns, as the contract allows.
    if (running_ && runner_ != std::this_thread::get_id()) {
      pool_->done_cv_.wait(lock, [&] { return !running_; });
    }
  }
  // Pending tasks are destroyed here, on the deleting thread, with no lock held. `self` goes
  // last: the pool's lists may still hold the strand, then it is freed when they drop it.
}

void TaskPool::Start(size_t threads) {
  thread_count_ = threads;
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([self = shared_from_this(), i] { self->Run(i); });
  }
}

void TaskPool::Stop() {
  std::vector<std::thread> threads;
  std::deque<std::shared_ptr<Strand>> ready;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    threads.swap(threads_);
    ready.swap(ready_);
    ready_cv_.notify_all();
  }
  for (auto &thread : threads) {
    if (thread.get_id() == std::this_thread::get_id()) {
      thread.detach();  // the factory dropped from one of the pool's tasks: it exits on return
    } else {
      thread.join();
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  while (!timers_.empty()) timers_.pop();
}

void TaskPool::Run(size_t index) {
  const std::string name = "otc-tq-" + std::to_string(index);
  pthread_setname_np(pthread_self(), name.c_str());
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopped_) {
    const Clock::time_point now = Clock::now();
    while (!timers_.empty() && timers_.top().due <= now) {
      std::shared_ptr<Strand> strand = timers_.top().strand.lock();
      timers_.pop();
      if (strand) strand->PromoteDueLocked(now);
    }
    if (!ready_.empty()) {
      std::shared_ptr<Strand> strand = std::move(ready_.front());
      ready_.pop_front();
      strand->RunLocked(lock);
      if (strand.use_count() == 1) {
        // The last reference (the queue was deleted meanwhile): freed without the lock.
        lock.unlock();
        strand.reset();
        lock.lock();
      }
      continue;
    }
    if (timers_.empty()) {
      ready_cv_.wait(lock);
    } else {
      ready_cv_.wait_until(lock, timers_.top().due);
    }
  }
}

PooledTaskQueueFactory::PooledTaskQueueFactory(size_t threads, Routing routing)
    : pool_(std::make_shared<TaskPool>()),
      routing_(routing),
      dedicated_(webrtc::CreateDefaultTaskQueueFactory()) {
  pool_->Start(std::max<size_t>(1, threads));
}

PooledTaskQueueFactory::~PooledTaskQueueFactory() { pool_->Stop(); }

size_t PooledTaskQueueFactory::pool_threads() const { return pool_->threads(); }

std::unique_ptr<webrtc::TaskQueueBase, webrtc::TaskQueueDeleter> PooledTaskQueueFactory::CreateTaskQueue(
    absl::string_view name, Priority priority) const {
  if (routing_ == Routing::kPerStreamQueues && !IsPooledTaskQueue(std::string_view(name.data(), name.size()))) {
    return dedicated_->CreateTaskQueue(name, priority);
  }
  auto strand = std::make_shared<Strand>(pool_);
  strand->self_ = strand;
  return std::unique_ptr<webrtc::TaskQueueBase, webrtc::TaskQueueDeleter>(strand.get());
}

}  // namespace otc::rtc
