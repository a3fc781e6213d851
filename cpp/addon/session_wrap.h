// JS class over otc_session. The session's callbacks arrive on internal threads and are
// forwarded to one JS function through JsThread.
#pragma once

#include <napi.h>
#include <otc/otc.h>

#include <functional>
#include <memory>

#include "js_thread.h"

namespace otc_addon {

class SessionWrap : public Napi::ObjectWrap<SessionWrap> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  // new NativeSession(apiKey, sessionId, onEvent(name, ...args))
  explicit SessionWrap(const Napi::CallbackInfo &info);
  ~SessionWrap() override;

 private:
  Napi::Value SetEncryptionSecret(const Napi::CallbackInfo &info);
  Napi::Value GetEncryptionEpoch(const Napi::CallbackInfo &info);
  Napi::Value HasEncryptionSecret(const Napi::CallbackInfo &info);
  Napi::Value GetId(const Napi::CallbackInfo &info);
  Napi::Value Delete(const Napi::CallbackInfo &info);
  Napi::Value IsDeleted(const Napi::CallbackInfo &info);

  otc_session *live(const Napi::CallbackInfo &info);
  void destroy();
  void keep_alive(Napi::Env env, bool keep);

 public:
  // What the C callbacks reach (their user_data). The session is deleted before it, so no
  // callback runs after it is gone; tasks still queued for JS are dropped unrun.
  struct Bridge {
    std::unique_ptr<JsThread> js;
    Napi::FunctionReference on_event;
    std::function<void(Napi::Env)> after_event;
    bool kept_alive = false;
  };
 private:
  static void on_env_cleanup(void *self);
  napi_env env_ = nullptr;  // set while the environment cleanup hook is registered
  std::unique_ptr<Bridge> bridge_;
  otc_session *session_ = nullptr;
};

}  // namespace otc_addon
