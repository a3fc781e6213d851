#include "js_thread.h"

namespace otc_addon {

JsThread::JsThread(Napi::Env env, const char *name) {
  queue_ = Queue::New(env, name, 0, 1, nullptr, &JsThread::finalized,
                      new std::shared_ptr<State>(state_));
  queue_.Unref(env);
}

JsThread::~JsThread() { close(); }

void JsThread::run(Napi::Env env, Napi::Function, std::nullptr_t *, Task *task) {
  // env is null when the queue is torn down with tasks still in it: free them, run nothing.
  if (env != nullptr && task && *task) (*task)(env);
  delete task;
}

void JsThread::finalized(Napi::Env, std::shared_ptr<State> *state, std::nullptr_t *) {
  {
    std::lock_guard<std::mutex> lock((*state)->mutex);
    (*state)->usable = false;
  }
  delete state;
}

bool JsThread::post(Task task) {
  auto *item = new Task(std::move(task));
  std::lock_guard<std::mutex> lock(state_->mutex);  // NonBlockingCall never waits: no deadlock
  if (!state_->usable || queue_.NonBlockingCall(item) != napi_ok) {
    delete item;
    return false;
  }
  return true;
}

void JsThread::hold_loop(Napi::Env env, bool hold) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (!state_->usable || hold == holding_) return;
  holding_ = hold;
  if (hold) queue_.Ref(env);
  else queue_.Unref(env);
}

void JsThread::close() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (!state_->usable) return;
  state_->usable = false;  // the finalizer runs later and only marks it again
  queue_.Abort();
}

}  // namespace otc_addon
