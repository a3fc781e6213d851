#include "event_emitter.h"

namespace otc_addon {

std::shared_ptr<EventEmitter> EventEmitter::create(Napi::Env env, const char *name, Napi::Function listener) {
  return std::shared_ptr<EventEmitter>(new EventEmitter(env, name, listener));
}

EventEmitter::EventEmitter(Napi::Env env, const char *name, Napi::Function listener)
    : js_(env, name), listener_(Napi::Weak(listener)) {}

void EventEmitter::watch(Pending pending, HoldChanged changed) {
  pending_ = std::move(pending);
  hold_changed_ = std::move(changed);
}

bool EventEmitter::emit(Args args, Filter filter) {
  in_flight_.fetch_add(1, std::memory_order_acq_rel);
  // The task holds the emitter: a listener that deletes the wrapper mid-event leaves the
  // running task a live emitter (closed, so it does nothing more).
  const bool posted = js_.post([self = shared_from_this(), args = std::move(args),
                                filter = std::move(filter)](Napi::Env env) {
    Napi::HandleScope scope(env);
    self->in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    if (self->closed_) return;
    if (!filter || filter()) {
      Napi::Function listener = self->listener_.Value();
      // MakeCallback, not Call: it runs the listener in a callback scope, so promises the event
      // settles continue now, not at some later tick.
      if (!listener.IsEmpty()) listener.MakeCallback(env.Global(), args(env));
    }
    self->update(env);  // a no-op if the listener closed it
  });
  if (!posted) in_flight_.fetch_sub(1, std::memory_order_acq_rel);
  return posted;
}

bool EventEmitter::emit(const char *name) {
  return emit([name](Napi::Env env) { return std::vector<napi_value>{Napi::String::New(env, name)}; });
}

bool EventEmitter::emit_error(int code, const char *message,
                              std::function<void(Napi::Env, std::vector<napi_value> &)> more) {
  return emit([code, text = std::string(message ? message : ""), more = std::move(more)](Napi::Env env) {
    std::vector<napi_value> args{Napi::String::New(env, "error"), Napi::Number::New(env, code),
                                 Napi::String::New(env, text)};
    if (more) more(env, args);
    return args;
  });
}

void EventEmitter::update(Napi::Env env) {
  if (closed_) return;
  const bool hold = (pending_ && pending_()) || (holding_ && in_flight_.load(std::memory_order_acquire) > 0);
  if (hold == holding_) return;
  holding_ = hold;
  js_.hold_loop(env, hold);
  hold_listener();
  if (hold_changed_) hold_changed_(env, hold);
}

void EventEmitter::retain(bool retained) {
  if (closed_) return;
  retained_ = retained;
  hold_listener();
}

void EventEmitter::hold_listener() {
  const bool strong = holding_ || retained_;
  if (strong == listener_strong_ || listener_.IsEmpty()) return;
  listener_strong_ = strong;
  if (strong) listener_.Ref();
  else listener_.Unref();
}

void EventEmitter::close() {
  if (closed_) return;
  closed_ = true;
  js_.close();  // also lets go of the loop
  pending_ = nullptr;
  hold_changed_ = nullptr;
  listener_.Reset();  // here, on the JS thread, whichever thread drops the emitter last
}

}  // namespace otc_addon
