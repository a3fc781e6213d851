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
  // new NativeSession(apiKey, sessionId, onEvent(name, ...args), signalingUrl?)
  explicit SessionWrap(const Napi::CallbackInfo &info);
  ~SessionWrap() override;

 private:
  Napi::Value SetEncryptionSecret(const Napi::CallbackInfo &info);
  Napi::Value GetEncryptionEpoch(const Napi::CallbackInfo &info);
  Napi::Value HasEncryptionSecret(const Napi::CallbackInfo &info);
  Napi::Value GetId(const Napi::CallbackInfo &info);
  Napi::Value Delete(const Napi::CallbackInfo &info);
  Napi::Value Connect(const Napi::CallbackInfo &info);
  Napi::Value Disconnect(const Napi::CallbackInfo &info);
  Napi::Value SendSignal(const Napi::CallbackInfo &info);
  Napi::Value GetConnectionId(const Napi::CallbackInfo &info);
  Napi::Value IsE2ee(const Napi::CallbackInfo &info);
  Napi::Value IsDeleted(const Napi::CallbackInfo &info);

  otc_session *live(const Napi::CallbackInfo &info);
  void destroy();

 public:
  // What the C callbacks reach (their user_data). Shared: each task queued for JS holds it too,
  // so a listener that deletes the session mid-event leaves the running task a live bridge.
  // The session is deleted (its threads joined) before the wrapper lets go of it.
  struct Bridge : std::enable_shared_from_this<Bridge> {
    std::unique_ptr<JsThread> js;
    Napi::FunctionReference on_event;
    otc_session *session = nullptr;  // null once the session is deleted
    bool kept_alive = false;
    // JS thread: connect() was called and neither 'disconnected' nor the error ending the
    // attempt has been delivered yet; connected: 'connected' was delivered.
    bool linked = false;
    bool connected = false;
    // JS thread: while a key is on its way, or while connecting or connected, hold the event
    // loop and the JS session.
    void keep_alive(Napi::Env env, bool keep);
    // JS thread: keep_alive as the state asks.
    void update_keep_alive(Napi::Env env);
  };
 private:
  static void on_env_cleanup(void *self);
  napi_env env_ = nullptr;  // set while the environment cleanup hook is registered
  std::shared_ptr<Bridge> bridge_;
  otc_session *session_ = nullptr;
};

}  // namespace otc_addon
