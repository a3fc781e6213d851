// The one way a wrapper's events reach its JS listener. The C API's callbacks run on internal
// and media threads: they copy what the event needs and post it (emit); JsThread delivers it on
// the JS thread, where the listener is called. No native thread ever waits for JS.
//
// The emitter also keeps the two things that are JS's alone: whether the wrapper holds the event
// loop, and whether it holds its listener strongly. It holds the loop while its owner's `pending`
// says the C core still has something to report (asked after every event it delivers and after
// calls that change it), and does not let go while one of its events is on the way (so the event
// ending it all is never stranded in a queue the loop no longer waits for). It holds the listener
// while it holds the loop, or while another object retains it (a session retains the publishers
// and subscribers attached to it while it holds the loop). Everything else is asked of the core.
#pragma once

#include <napi.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "js_thread.h"

namespace otc_addon {

class EventEmitter : public std::enable_shared_from_this<EventEmitter> {
 public:
  // JS thread: the listener's arguments, the event's name first, built from what emit copied.
  using Args = std::function<std::vector<napi_value>(Napi::Env)>;
  // JS thread, before the listener: false drops the event.
  using Filter = std::function<bool()>;
  // JS thread: whether the core has something left to report (holds the loop).
  using Pending = std::function<bool()>;
  // JS thread: the loop hold changed.
  using HoldChanged = std::function<void(Napi::Env, bool holding)>;

  // JS thread. The listener is held weakly until the emitter holds the loop or is retained: it
  // closes over the JS object that owns the wrapper, so a strong reference would make the pair a
  // GC root for good.
  static std::shared_ptr<EventEmitter> create(Napi::Env env, const char *name, Napi::Function listener);
  EventEmitter(const EventEmitter &) = delete;
  EventEmitter &operator=(const EventEmitter &) = delete;

  // JS thread, once, before the first event: what the loop hold follows.
  void watch(Pending pending, HoldChanged changed = {});

  // Any thread: copy, post, return. false (the event dropped) once closed.
  bool emit(Args args, Filter filter = {});
  // An event with its name only.
  bool emit(const char *name);
  // ('error', code, message), and `more` after them.
  bool emit_error(int code, const char *message, std::function<void(Napi::Env, std::vector<napi_value> &)> more = {});

  // JS thread.
  void update(Napi::Env env);  // hold the loop as `pending` says now
  void retain(bool retained);  // hold the listener for another object
  bool holding() const { return holding_; }
  // Drops the events not yet delivered and lets go of the listener and the loop; emit() returns
  // false afterwards.
  void close();

 private:
  EventEmitter(Napi::Env env, const char *name, Napi::Function listener);
  void hold_listener();

  JsThread js_;
  Napi::FunctionReference listener_;
  Pending pending_;
  HoldChanged hold_changed_;
  std::atomic<int> in_flight_{0};  // posted, not yet delivered
  // JS thread.
  bool holding_ = false;
  bool retained_ = false;
  bool listener_strong_ = false;
  bool closed_ = false;
};

}  // namespace otc_addon
