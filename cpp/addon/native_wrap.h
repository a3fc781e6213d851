// The skeleton every JS class over a C handle shares (CRTP: Derived is the wrapper class,
// Handle the C type). It owns, once for all of them:
// - the type tag: objects of Derived carry Derived::kTag, and FromArg() checks it before
//   unwrapping, so a look-alike (another class's object, a plain object given the prototype) is
//   a TypeError rather than a type confusion;
// - the handle and its lookup: handle() throws an Error with code OTC_E2EE_DELETED once the
//   object is deleted; delete()/isDeleted() (or the names Derived gives them);
// - the events (event_emitter.h), for the wrappers whose C object calls back;
// - the environment cleanup hook and the registry of live wrappers (addon_data.h), so that a
//   worker or the main thread ending with live objects ends them first;
// - the teardown order: Derived::before_release() (what refers to this object goes first), the
//   C object (deleting it joins its threads: no callback starts afterwards), then
//   Derived::after_release() (let go of what this object referred to), then the events.
// teardown() runs once, from delete(), the cleanup hook, shutdownMedia() or the destructor
// (Derived's destructor calls it: the base's would run after Derived is gone).
#pragma once

#include <napi.h>
#include <otc/otc.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "addon_data.h"
#include "event_emitter.h"
#include "napi_util.h"

namespace otc_addon {

template <class Derived, class Handle>
class NativeWrap : public Napi::ObjectWrap<Derived>, public Teardown {
 public:
  using Owned = std::shared_ptr<Handle>;
  using Method = Napi::Value (Derived::*)(const Napi::CallbackInfo &);
  struct MethodEntry {
    const char *name;
    Method method;
  };

  // The Derived object info[index], or a TypeError naming the argument.
  static Derived *FromArg(const Napi::CallbackInfo &info, size_t index, const char *name) {
    return Napi::ObjectWrap<Derived>::Unwrap(
        arg_tagged(info, index, Derived::kTag, name, (std::string("a ") + Derived::kClassName).c_str()));
  }

  // JS thread. The handle, or an Error with code OTC_E2EE_DELETED once deleted.
  Handle *handle(const Napi::CallbackInfo &info) const {
    if (!handle_) throw_status(info.Env(), OTC_E2EE_DELETED, Derived::kDeletedMessage);
    return handle_.get();
  }
  bool deleted() const { return !handle_; }
  // JS thread: hold the listener for another object (a session, for what is attached to it).
  void retain_events(bool retained) {
    if (events_) events_->retain(retained);
  }

  void teardown() override {
    release_hook_and_registry();
    Derived &self = static_cast<Derived &>(*this);
    self.before_release();
    handle_.reset();
    self.after_release();
    close_events();
  }

 protected:
  explicit NativeWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Derived>(info) {
    tag_object(info.Env(), info.This().template As<Napi::Object>(), Derived::kTag);
  }
  // Teardown done by Derived's destructor; whatever a constructor that threw left is undone here.
  ~NativeWrap() {
    release_hook_and_registry();
    close_events();
  }

  // The JS class: Derived's methods, and the two every wrapper has under the names given.
  static Napi::Function Define(Napi::Env env, std::vector<MethodEntry> methods, const char *delete_name = "delete",
                               const char *deleted_name = "isDeleted") {
    using Wrap = Napi::ObjectWrap<Derived>;
    std::vector<typename Wrap::PropertyDescriptor> properties;
    for (const MethodEntry &entry : methods) properties.push_back(Wrap::InstanceMethod(entry.name, entry.method));
    properties.push_back(Wrap::InstanceMethod(delete_name, static_cast<Method>(&NativeWrap::JsDelete)));
    properties.push_back(Wrap::InstanceMethod(deleted_name, static_cast<Method>(&NativeWrap::JsIsDeleted)));
    return Wrap::DefineClass(env, Derived::kClassName, properties);
  }

  // JS thread, in Derived's constructor, before its C object is made (its callbacks' user_data).
  EventEmitter &open_events(Napi::Env env, const char *name, Napi::Value listener) {
    if (!listener.IsFunction()) throw Napi::TypeError::New(env, "onEvent must be a function");
    events_ = EventEmitter::create(env, name, listener.As<Napi::Function>());
    return *events_;
  }
  EventEmitter *events() const { return events_.get(); }

  // JS thread: the object now owns its C handle (false: there is none, nothing was registered).
  // The cleanup hook is added after the events' queue: hooks run in reverse order of
  // registration, so at environment shutdown the C object is deleted (its threads joined)
  // while the queue is still there.
  bool own(Napi::Env env, Owned handle) {
    if (!handle) return false;
    handle_ = std::move(handle);
    if (napi_add_env_cleanup_hook(env, &NativeWrap::on_env_cleanup, this) == napi_ok) hook_env_ = env;
    addon_data(env).registry(Derived::kRank).insert(this);
    registered_ = true;
    return true;
  }
  const Owned &owned() const { return handle_; }

  // Default hooks; Derived hides them when it has something to do.
  void before_release() {}
  void after_release() {}

 private:
  Napi::Value JsDelete(const Napi::CallbackInfo &info) {
    teardown();
    return info.Env().Undefined();
  }
  Napi::Value JsIsDeleted(const Napi::CallbackInfo &info) { return Napi::Boolean::New(info.Env(), deleted()); }

  static void on_env_cleanup(void *self) {
    auto *wrap = static_cast<NativeWrap *>(self);
    wrap->hook_env_ = nullptr;  // the hook is running: nothing to remove
    wrap->teardown();
  }
  void release_hook_and_registry() {
    if (hook_env_) {
      napi_remove_env_cleanup_hook(hook_env_, &NativeWrap::on_env_cleanup, this);
      hook_env_ = nullptr;
    }
    // The registry goes with the environment's instance data, after every cleanup hook has run:
    // the first teardown (at the latest in the hook) still finds it.
    if (registered_) {
      addon_data(this->Env()).registry(Derived::kRank).erase(this);
      registered_ = false;
    }
  }
  void close_events() {
    if (!events_) return;
    events_->close();
    events_.reset();
  }

  Owned handle_;
  std::shared_ptr<EventEmitter> events_;
  napi_env hook_env_ = nullptr;  // set while the cleanup hook is registered
  bool registered_ = false;      // in the registry
};

}  // namespace otc_addon
