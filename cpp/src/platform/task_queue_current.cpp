// Our own definition of "which task queue runs on this thread".
//
// The archive's member for these symbols keeps the pointer in a local-exec thread_local, a TLS
// model that cannot be linked into a shared object (the .node). Defining the same symbols here,
// in an object the linker sees first, keeps it from pulling that member; an ordinary
// thread_local gets the dynamic TLS model that -fPIC code uses.
#include "../rtc/webrtc_build_guard.h"

#include <api/task_queue/task_queue_base.h>

namespace webrtc {
namespace {

thread_local TaskQueueBase* current_task_queue = nullptr;

}  // namespace

TaskQueueBase* TaskQueueBase::Current() { return current_task_queue; }

TaskQueueBase::CurrentTaskQueueSetter::CurrentTaskQueueSetter(TaskQueueBase* task_queue)
    : previous_(current_task_queue) {
  current_task_queue = task_queue;
}

TaskQueueBase::CurrentTaskQueueSetter::~CurrentTaskQueueSetter() {
  current_task_queue = previous_;
}

}  // namespace webrtc
