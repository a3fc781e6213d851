// The one way native threads reach JavaScript: post a task that runs later on the JS thread.
// Callbacks of the C API run on internal threads (PBKDF2 workers, media threads); they copy
// what they need into a task and return at once, so no native thread ever waits for JS.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <mutex>

namespace otc_addon {

class JsThread {
 public:
  using Task = std::function<void(Napi::Env)>;

  // Creates the queue on the JS thread. It does not keep the event loop alive.
  JsThread(Napi::Env env, const char *name);
  ~JsThread();
  JsThread(const JsThread &) = delete;
  JsThread &operator=(const JsThread &) = delete;

  // Any thread. false (and the task is dropped) once the queue is closed, or once Node has
  // torn it down (environment shutdown).
  bool post(Task task);
  // JS thread. Drops tasks not yet run; later post() calls return false.
  void close();
  // JS thread. While held, the queue keeps the event loop alive (work whose result JS awaits).
  void hold_loop(Napi::Env env, bool hold);

 private:
  // Shared with the queue's finalizer, which Node may run before this object goes (at
  // environment shutdown it finalizes every queue first): after that the queue handle is
  // freed and must not be touched.
  struct State {
    std::mutex mutex;
    bool usable = true;
  };
  static void run(Napi::Env env, Napi::Function, std::nullptr_t *, Task *task);
  static void finalized(Napi::Env, std::shared_ptr<State> *state, std::nullptr_t *);
  using Queue = Napi::TypedThreadSafeFunction<std::nullptr_t, Task, &JsThread::run>;
  Queue queue_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
  bool holding_ = false;
};

}  // namespace otc_addon
