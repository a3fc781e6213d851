#include "js_thread.h"

namespace otc_addon {

JsThread::JsThread(Napi::Env env, const char *name) {
  queue_ = Queue::New(env, name, 0, 1);
  queue_.Unref(env);
  open_ = true;
}

JsThread::~JsThread() { close(); }

void JsThread::run(Napi::Env env, Napi::Function, std::nullptr_t *, Task *task) {
  // env is null when the queue is torn down with tasks still in it: free them, run nothing.
  if (env != nullptr && task && *task) (*task)(env);
  delete task;
}

bool JsThread::post(Task task) {
  auto *item = new Task(std::move(task));
  if (queue_.NonBlockingCall(item) != napi_ok) {
    delete item;
    return false;
  }
  return true;
}

void JsThread::hold_loop(Napi::Env env, bool hold) {
  if (!open_ || hold == holding_) return;
  holding_ = hold;
  if (hold) queue_.Ref(env);
  else queue_.Unref(env);
}

void JsThread::close() {
  if (!open_) return;
  open_ = false;
  queue_.Abort();
}

}  // namespace otc_addon
