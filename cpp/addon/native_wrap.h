// The skeleton every JS class over a C handle shares (CRTP: Derived is the wrapper class,
// Handle the C type, Derived::kInfo what tells the classes apart). It owns, once for all of them:
// - the type tag: objects of Derived carry kInfo.tag, and FromArg() checks it before
//   unwrapping, so a look-alike (another class's object, a plain object given the prototype) is
//   a TypeError rather than a type confusion;
// - the handle and its lookup: handle() throws an Error with code OTC_E2EE_DELETED once the
//   object is deleted; delete()/isDeleted() (or the names kInfo gives them);
// - the JS methods: Derived's are free functions (Napi::Value f(Derived &, const CallbackInfo &))
//   listed once, by JS name, in Define();
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
#include "js_object.h"
#include "napi_util.h"

namespace otc_addon {

// What tells one wrapper class from another (Derived::kInfo).
struct WrapInfo {
  napi_type_tag tag;
  const char *class_name;       // the JS class
  const char *deleted_message;  // handle() once deleted
  Rank rank;                    // its registry (addon_data.h)
  const char *delete_name = "delete";
  const char *deleted_name = "isDeleted";
};

template <class Derived, class Handle>
class NativeWrap : public Napi::ObjectWrap<Derived>, public Teardown {
 public:
  using Owned = std::shared_ptr<Handle>;
  using Method = Napi::Value (*)(Derived &, const Napi::CallbackInfo &);
  struct MethodEntry {
    const char *name;
    Method method;
  };

  // The Derived object info[index], or a TypeError naming the argument.
  static Derived *FromArg(const Napi::CallbackInfo &info, size_t index, const char *name) {
    return Napi::ObjectWrap<Derived>::Unwrap(
        arg_tagged(info, index, Derived::kInfo.tag, name, (std::string("a ") + Derived::kInfo.class_name).c_str()));
  }

  // JS thread. The handle, or an Error with code OTC_E2EE_DELETED once deleted.
  Handle *handle(const Napi::CallbackInfo &info) const {
    if (!handle_) throw_status(info.Env(), OTC_E2EE_DELETED, Derived::kInfo.deleted_message);
    return handle_.get();
  }
  bool deleted() const { return !handle_; }
  // The handle as owned (null once deleted), and the events (null for wrappers without).
  const Owned &owned() const { return handle_; }
  EventEmitter *events() const { return events_.get(); }
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
    tag_object(info.Env(), info.This().template As<Napi::Object>(), Derived::kInfo.tag);
  }
  // Teardown done by Derived's destructor; whatever a constructor that threw left is undone here.
  ~NativeWrap() {
    release_hook_and_registry();
    close_events();
  }

  // The JS class: Derived's methods (OTC_METHODS, js_object.h: named by the function), and the
  // two every wrapper has.
  static Napi::Function Define(Napi::Env env, std::initializer_list<MethodEntry> methods) {
    using Wrap = Napi::ObjectWrap<Derived>;
    using Member = typename Wrap::InstanceMethodCallback;
    std::vector<typename Wrap::PropertyDescriptor> properties;
    std::vector<std::string> names;  // read by DefineClass: reserved, so that none moves
    names.reserve(methods.size());
    // Each method is called through Dispatch, with the free function as the property's data.
    for (const MethodEntry &entry : methods) {
      names.push_back(lower_first(entry.name));
      properties.push_back(Wrap::InstanceMethod(names.back().c_str(), static_cast<Member>(&NativeWrap::Dispatch),
                                                napi_default, reinterpret_cast<void *>(entry.method)));
    }
    properties.push_back(Wrap::InstanceMethod(Derived::kInfo.delete_name, static_cast<Member>(&NativeWrap::JsDelete)));
    properties.push_back(
        Wrap::InstanceMethod(Derived::kInfo.deleted_name, static_cast<Member>(&NativeWrap::JsIsDeleted)));
    return Wrap::DefineClass(env, Derived::kInfo.class_name, properties);
  }

  // JS thread, in Derived's constructor, before its C object is made (its callbacks' user_data).
  EventEmitter &open_events(Napi::Env env, const char *name, Napi::Value listener) {
    if (!listener.IsFunction()) throw Napi::TypeError::New(env, "onEvent must be a function");
    events_ = EventEmitter::create(env, name, listener.As<Napi::Function>());
    return *events_;
  }

  // JS thread: the object now owns its C handle (false: there is none, nothing was registered).
  // The cleanup hook is added after the events' queue: hooks run in reverse order of
  // registration, so at environment shutdown the C object is deleted (its threads joined)
  // while the queue is still there.
  bool own(Napi::Env env, Owned handle) {
    if (!handle) return false;
    handle_ = std::move(handle);
    if (napi_add_env_cleanup_hook(env, &NativeWrap::on_env_cleanup, this) == napi_ok) hook_env_ = env;
    addon_data(env).registry(Derived::kInfo.rank).insert(this);
    registered_ = true;
    return true;
  }

  // Default hooks; Derived hides them when it has something to do.
  void before_release() {}
  void after_release() {}

 private:
  Napi::Value Dispatch(const Napi::CallbackInfo &info) {
    return reinterpret_cast<Method>(info.Data())(static_cast<Derived &>(*this), info);
  }
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
      addon_data(this->Env()).registry(Derived::kInfo.rank).erase(this);
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
