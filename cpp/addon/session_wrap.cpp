#include "session_wrap.h"

#include <string>

#include "addon_data.h"
#include "napi_util.h"

namespace otc_addon {

namespace {

void emit(SessionWrap::Bridge *bridge, std::function<std::vector<napi_value>(Napi::Env)> args) {
  // Internal thread: copy, post, return. Tasks still queued when the session is deleted are
  // dropped unrun.
  bridge->js->post([self = bridge->shared_from_this(), args = std::move(args)](Napi::Env env) {
    Napi::HandleScope scope(env);
    Napi::Function on_event = self->on_event.Value();
    // MakeCallback, not Call: it runs the callback in a callback scope, so promises the event
    // settles (await session.encryptionKeyReady()) continue now, not at some later tick.
    if (!on_event.IsEmpty()) on_event.MakeCallback(env.Global(), args(env));
    // The listener may have deleted the session; if not, let go once no key is on its way.
    if (self->session && !otc_session_encryption_key_pending(self->session)) self->keep_alive(env, false);
  });
}

}  // namespace

void SessionWrap::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(
      env, "NativeSession",
      {
          InstanceMethod<&SessionWrap::SetEncryptionSecret>("setEncryptionSecret"),
          InstanceMethod<&SessionWrap::GetEncryptionEpoch>("getEncryptionEpoch"),
          InstanceMethod<&SessionWrap::HasEncryptionSecret>("hasEncryptionSecret"),
          InstanceMethod<&SessionWrap::GetId>("getId"),
          InstanceMethod<&SessionWrap::Delete>("delete"),
          InstanceMethod<&SessionWrap::IsDeleted>("isDeleted"),
      });
  addon_data(env).session_class = Napi::Persistent(cls);
  exports.Set("NativeSession", cls);
}

SessionWrap::SessionWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<SessionWrap>(info) {
  Napi::Env env = info.Env();
  const std::string api_key = arg_string(info, 0, "apiKey");
  const std::string session_id = arg_string(info, 1, "sessionId");
  if (info.Length() < 3 || !info[2].IsFunction())
    throw Napi::TypeError::New(env, "onEvent must be a function");

  bridge_ = std::make_shared<Bridge>();
  bridge_->js = std::make_unique<JsThread>(env, "otc:session");
  // Weak while idle: the callback closes over the JS Session, which owns this object, so a
  // strong reference would make the pair a GC root forever. Strong while a key is on its way
  // (see keep_alive): code awaiting it may hold no other reference to the session.
  bridge_->on_event = Napi::Weak(info[2].As<Napi::Function>());

  otc_session_callbacks callbacks{};
  callbacks.user_data = bridge_.get();
  callbacks.on_encryption_key_ready = [](otc_session *, void *user_data, uint32_t epoch_id) {
    emit(static_cast<SessionWrap::Bridge *>(user_data), [epoch_id](Napi::Env env) {
      return std::vector<napi_value>{Napi::String::New(env, "encryptionKeyReady"),
                                     Napi::Number::New(env, epoch_id)};
    });
  };
  callbacks.on_error = [](otc_session *, void *user_data, const char *message, otc_status code) {
    emit(static_cast<SessionWrap::Bridge *>(user_data), [text = std::string(message), code](Napi::Env env) {
      return std::vector<napi_value>{Napi::String::New(env, "error"), Napi::Number::New(env, code),
                                     Napi::String::New(env, text)};
    });
  };
  session_ = otc_session_new(api_key.c_str(), session_id.c_str(), &callbacks);
  bridge_->session = session_;
  // At environment shutdown this runs before Node finalizes the queue (hooks run in reverse
  // order of registration): the session's thread is joined while JS is still reachable.
  if (napi_add_env_cleanup_hook(env, &SessionWrap::on_env_cleanup, this) == napi_ok) env_ = env;
  if (!session_) {
    destroy();
    Napi::Error error = Napi::Error::New(env, "invalid session arguments (empty session id?)");
    error.Set("code", Napi::Number::New(env, OTC_SESSION_NULL_OR_INVALID_PARAMETER));
    throw error;
  }
}

SessionWrap::~SessionWrap() { destroy(); }

void SessionWrap::on_env_cleanup(void *self) {
  auto *wrap = static_cast<SessionWrap *>(self);
  wrap->env_ = nullptr;  // the hook is being run: nothing to remove
  wrap->destroy();
}

void SessionWrap::destroy() {
  if (env_) {
    napi_remove_env_cleanup_hook(env_, &SessionWrap::on_env_cleanup, this);
    env_ = nullptr;
  }
  // Order: the session first (joins its threads, so no callback can start), then the queue.
  if (bridge_) bridge_->session = nullptr;
  if (session_) {
    otc_session_delete(session_);
    session_ = nullptr;
  }
  if (bridge_) {
    bridge_->js->close();
    bridge_->on_event.Reset();  // here, on the JS thread, whoever drops the bridge last
    bridge_.reset();
  }
}

void SessionWrap::Bridge::keep_alive(Napi::Env env, bool keep) {
  // While a key derivation is under way, the process and the JS session stay alive until its
  // event has been delivered.
  if (keep == kept_alive || on_event.IsEmpty()) return;
  kept_alive = keep;
  js->hold_loop(env, keep);
  if (keep) on_event.Ref();
  else on_event.Unref();
}

otc_session *SessionWrap::live(const Napi::CallbackInfo &info) {
  if (!session_) {
    Napi::Error error = Napi::Error::New(info.Env(), "the session is deleted");
    error.Set("code", Napi::Number::New(info.Env(), OTC_E2EE_DELETED));
    throw error;
  }
  return session_;
}

Napi::Value SessionWrap::SetEncryptionSecret(const Napi::CallbackInfo &info) {
  otc_session *session = live(info);
  SecretArg secret(info, 0);
  const otc_status status = secret.c_str()
                                ? otc_session_set_encryption_secret(session, secret.c_str())
                                : OTC_SESSION_INVALID_ENCRYPTION_SECRET;
  if (status == OTC_SUCCESS) bridge_->keep_alive(info.Env(), true);
  return Napi::Number::New(info.Env(), status);
}

Napi::Value SessionWrap::GetEncryptionEpoch(const Napi::CallbackInfo &info) {
  uint32_t epoch = 0;
  if (otc_session_get_encryption_epoch(live(info), &epoch) != OTC_SUCCESS) return info.Env().Null();
  return Napi::Number::New(info.Env(), epoch);
}

Napi::Value SessionWrap::HasEncryptionSecret(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), otc_session_has_encryption_secret(live(info)) == OTC_TRUE);
}

Napi::Value SessionWrap::GetId(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), otc_session_get_id(live(info)));
}

Napi::Value SessionWrap::Delete(const Napi::CallbackInfo &info) {
  destroy();
  return info.Env().Undefined();
}

Napi::Value SessionWrap::IsDeleted(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), session_ == nullptr);
}

}  // namespace otc_addon
