// libwebrtc task queues as serial strands on a small fixed pool of threads, so that a process's
// thread count does not grow with its subscriptions.
//
// libwebrtc's default factory gives every task queue a thread of its own, and M108 makes four
// per receiving peer connection (measured: rtp_send_controller, TaskQueuePacedSender,
// DecodingQueue, IncomingVideoStream). Those are routed onto the pool; every other queue keeps
// a dedicated thread from the default factory (see IsPooledTaskQueue for why).
#pragma once

#include "webrtc_build_guard.h"

#include <cstddef>
#include <memory>
#include <string_view>

#include <api/task_queue/task_queue_factory.h>

namespace otc::rtc {

class TaskPool;

// The pool's size: OTC_TASK_THREADS when it holds a number from 1 to 64, else max(2, cores).
size_t TaskThreadsFromEnvironment();

// Whether a queue of this name goes onto the pool.
bool IsPooledTaskQueue(std::string_view name);

class PooledTaskQueueFactory : public webrtc::TaskQueueFactory {
 public:
  enum class Routing {
    kPerStreamQueues,  // IsPooledTaskQueue names on the pool, the rest on their own threads
    kEveryQueue,       // everything on the pool (tests of the strands themselves)
  };
  explicit PooledTaskQueueFactory(size_t threads, Routing routing = Routing::kPerStreamQueues);
  // Stops and joins the pool's threads. Queues still alive then run nothing more; deleting them
  // stays safe (they keep the pool's state alive).
  ~PooledTaskQueueFactory() override;

  std::unique_ptr<webrtc::TaskQueueBase, webrtc::TaskQueueDeleter> CreateTaskQueue(
      absl::string_view name, Priority priority) const override;

  size_t pool_threads() const;

 private:
  std::shared_ptr<TaskPool> pool_;
  Routing routing_;
  std::unique_ptr<webrtc::TaskQueueFactory> dedicated_;
};

}  // namespace otc::rtc
