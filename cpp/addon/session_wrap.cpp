#include "session_wrap.h"

#include <string>

#include "addon_data.h"
#include "ice_config_arg.h"
#include "napi_util.h"
#include "publisher_wrap.h"
#include "subscriber_wrap.h"

namespace otc_addon {

namespace {

// Errors that end a connection attempt (otc_session_connect's contract): after them no
// 'connected' or 'disconnected' follows.
bool ends_connect(int code) {
  return code == OTC_SESSION_AUTHORIZATION_FAILURE || code == OTC_SESSION_INVALID_SESSION ||
         code == OTC_SESSION_CONNECTION_FAILED || code == OTC_SESSION_CONNECTION_TIMED_OUT ||
         code == OTC_SESSION_CONNECTION_REFUSED || code == OTC_SESSION_ENCRYPTION_SECRET_MISSING;
}

// The task delivering one event; `before` (may be empty) runs first, on the JS thread, with the
// bridge (e.g. to keep a stream copy before listeners see the stream).
using BridgeAction = std::function<void(SessionWrap::Bridge &, Napi::Env)>;

void emit(SessionWrap::Bridge *bridge, std::string name, int code,
          std::function<std::vector<napi_value>(Napi::Env)> args, BridgeAction before = {}) {
  // Internal thread: copy, post, return. Tasks still queued when the session is deleted are
  // dropped unrun.
  bridge->js->post([self = bridge->shared_from_this(), name = std::move(name), code,
                    args = std::move(args), before = std::move(before)](Napi::Env env) {
    Napi::HandleScope scope(env);
    if (before) before(*self, env);
    // The link state first: a listener may connect again from this very event.
    if (name == "connected") self->connected = true;
    if (name == "disconnected" || (name == "error" && self->linked && !self->connected && ends_connect(code))) {
      self->linked = false;
      self->connected = false;
    }
    if (name == "disconnected" && self->wrap) self->wrap->on_disconnected(env);
    Napi::Function on_event = self->on_event.Value();
    // MakeCallback, not Call: it runs the callback in a callback scope, so promises the event
    // settles (await session.encryptionKeyReady()) continue now, not at some later tick.
    if (!on_event.IsEmpty()) on_event.MakeCallback(env.Global(), args(env));
    // The listener may have deleted the session; if not, let go once nothing is awaited.
    if (self->session) self->update_keep_alive(env);
  });
}

void emit_simple(void *user_data, const char *name) {
  emit(static_cast<SessionWrap::Bridge *>(user_data), name, 0, [name](Napi::Env env) {
    return std::vector<napi_value>{Napi::String::New(env, name)};
  });
}

struct ConnectionCopy {
  std::string id, data;
  int64_t creation_time = 0;
  explicit ConnectionCopy(const otc_connection *c)
      : id(otc_connection_get_id(c) ? otc_connection_get_id(c) : ""),
        data(otc_connection_get_data(c) ? otc_connection_get_data(c) : ""),
        creation_time(otc_connection_get_creation_time(c)) {}
  Napi::Object to_js(Napi::Env env) const {
    Napi::Object object = Napi::Object::New(env);
    object.Set("connectionId", id);
    object.Set("data", data);
    object.Set("creationTime", Napi::Number::New(env, static_cast<double>(creation_time)));
    return object;
  }
};

template <typename Copy, typename Item>
void emit_object(void *user_data, const char *name, const Item *item) {
  emit(static_cast<SessionWrap::Bridge *>(user_data), name, 0, [name, copy = Copy(item)](Napi::Env env) {
    return std::vector<napi_value>{Napi::String::New(env, name), copy.to_js(env)};
  });
}

// Streams: the copy goes to the JS thread with the event and is kept (or dropped) there before
// listeners run, so a 'streamCreated' listener can subscribe at once.
void emit_stream(void *user_data, const char *name, const otc_stream *stream, bool received) {
  StreamHandle copy = received ? copy_stream(stream) : nullptr;
  std::string id = otc_stream_get_id(stream) ? otc_stream_get_id(stream) : "";
  emit(
      static_cast<SessionWrap::Bridge *>(user_data), name, 0,
      [name, info = StreamInfo(stream)](Napi::Env env) {
        return std::vector<napi_value>{Napi::String::New(env, name), info.to_js(env)};
      },
      [copy = std::move(copy), id = std::move(id), received](SessionWrap::Bridge &bridge, Napi::Env) {
        if (!received) bridge.streams.erase(id);
        else if (copy && bridge.session) bridge.streams[id] = copy;
      });
}

const char *text_or_empty(const char *text) { return text ? text : ""; }

// Objects of this class carry this tag (napi_util.h, arg_tagged).
constexpr napi_type_tag kSessionTag = {0x6f74635f73657373ULL, 0x696f6e5f77726170ULL};

}  // namespace

StreamInfo::StreamInfo(const otc_stream *s)
    : id(text_or_empty(otc_stream_get_id(s))), name(text_or_empty(otc_stream_get_name(s))),
      connection_id(text_or_empty(otc_connection_get_id(otc_stream_get_connection(s)))),
      video_codec(text_or_empty(otc_stream_get_video_codec(s))),
      audio_codec(text_or_empty(otc_stream_get_audio_codec(s))),
      has_audio(otc_stream_has_audio(s) == OTC_TRUE), has_video(otc_stream_has_video(s) == OTC_TRUE),
      e2ee(otc_stream_is_e2ee(s) == OTC_TRUE), creation_time(otc_stream_get_creation_time(s)) {}

Napi::Object StreamInfo::to_js(Napi::Env env) const {
  Napi::Object object = Napi::Object::New(env);
  object.Set("streamId", id);
  object.Set("name", name);
  object.Set("hasAudio", has_audio);
  object.Set("hasVideo", has_video);
  object.Set("e2ee", e2ee);
  object.Set("connectionId", connection_id);
  object.Set("creationTime", Napi::Number::New(env, static_cast<double>(creation_time)));
  object.Set("videoCodec", video_codec);
  object.Set("audioCodec", audio_codec);
  return object;
}

StreamHandle copy_stream(const otc_stream *stream) {
  otc_stream *copy = otc_stream_copy(stream);
  if (!copy) return nullptr;
  return StreamHandle(copy, [](otc_stream *s) { otc_stream_delete(s); });
}

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
          InstanceMethod<&SessionWrap::Connect>("connect"),
          InstanceMethod<&SessionWrap::Disconnect>("disconnect"),
          InstanceMethod<&SessionWrap::SendSignal>("sendSignal"),
          InstanceMethod<&SessionWrap::GetConnectionId>("getConnectionId"),
          InstanceMethod<&SessionWrap::IsE2ee>("isE2ee"),
          InstanceMethod<&SessionWrap::Publish>("publish"),
          InstanceMethod<&SessionWrap::Unpublish>("unpublish"),
          InstanceMethod<&SessionWrap::Subscribe>("subscribe"),
          InstanceMethod<&SessionWrap::Unsubscribe>("unsubscribe"),
          InstanceMethod<&SessionWrap::RatchetEncryptionKey>("ratchetEncryptionKey"),
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
  // Read before anything is made: a TypeError leaves nothing to undo.
  IceConfigArg ice(env, info.Length() > 3 && info[3].IsObject() ? info[3].As<Napi::Object>().Get("iceConfig")
                                                                 : env.Undefined());

  tag_object(env, info.This().As<Napi::Object>(), kSessionTag);
  bridge_ = std::make_shared<Bridge>();
  bridge_->wrap = this;
  bridge_->js = std::make_unique<JsThread>(env, "otc:session");
  // Weak while idle: the callback closes over the JS Session, which owns this object, so a
  // strong reference would make the pair a GC root forever. Strong while a key is on its way
  // (see keep_alive): code awaiting it may hold no other reference to the session.
  bridge_->on_event = Napi::Weak(info[2].As<Napi::Function>());

  otc_session_callbacks callbacks{};
  callbacks.user_data = bridge_.get();
  callbacks.on_encryption_key_ready = [](otc_session *, void *user_data, uint32_t epoch_id) {
    emit(static_cast<SessionWrap::Bridge *>(user_data), "encryptionKeyReady", 0, [epoch_id](Napi::Env env) {
      return std::vector<napi_value>{Napi::String::New(env, "encryptionKeyReady"),
                                     Napi::Number::New(env, epoch_id)};
    });
  };
  callbacks.on_error = [](otc_session *, void *user_data, const char *message, otc_status code) {
    emit(static_cast<SessionWrap::Bridge *>(user_data), "error", code,
         [text = std::string(message ? message : ""), code](Napi::Env env) {
      return std::vector<napi_value>{Napi::String::New(env, "error"), Napi::Number::New(env, code),
                                     Napi::String::New(env, text)};
    });
  };
  callbacks.on_connected = [](otc_session *, void *user_data) { emit_simple(user_data, "connected"); };
  callbacks.on_disconnected = [](otc_session *, void *user_data) { emit_simple(user_data, "disconnected"); };
  callbacks.on_reconnection_started = [](otc_session *, void *user_data) { emit_simple(user_data, "reconnecting"); };
  callbacks.on_reconnected = [](otc_session *, void *user_data) { emit_simple(user_data, "reconnected"); };
  callbacks.on_connection_created = [](otc_session *, void *user_data, const otc_connection *c) {
    emit_object<ConnectionCopy>(user_data, "connectionCreated", c);
  };
  callbacks.on_connection_dropped = [](otc_session *, void *user_data, const otc_connection *c) {
    emit_object<ConnectionCopy>(user_data, "connectionDestroyed", c);
  };
  callbacks.on_stream_received = [](otc_session *, void *user_data, const otc_stream *s) {
    emit_stream(user_data, "streamCreated", s, true);
  };
  callbacks.on_stream_dropped = [](otc_session *, void *user_data, const otc_stream *s) {
    emit_stream(user_data, "streamDestroyed", s, false);
  };
  callbacks.on_signal_received = [](otc_session *, void *user_data, const char *type, const char *data,
                                    const otc_connection *from) {
    emit(static_cast<SessionWrap::Bridge *>(user_data), "signal", 0,
         [type = std::string(type ? type : ""), data = std::string(data ? data : ""),
          from = std::string(from && otc_connection_get_id(from) ? otc_connection_get_id(from) : "")](Napi::Env env) {
           return std::vector<napi_value>{Napi::String::New(env, "signal"), Napi::String::New(env, type),
                                          Napi::String::New(env, data), Napi::String::New(env, from)};
         });
  };
  otc_session_settings *settings = otc_session_settings_new();
  // info[3]: the signaling URL, or the session's settings { signalingUrl?, caFile?, ca? }
  // (lib/session.ts has checked their types).
  if (info.Length() > 3 && info[3].IsString() && settings) {
    otc_session_settings_set_signaling_url(settings, info[3].As<Napi::String>().Utf8Value().c_str());
  } else if (info.Length() > 3 && info[3].IsObject() && settings) {
    Napi::Object options = info[3].As<Napi::Object>();
    auto string_option = [&options](const char *name, otc_status (*set)(otc_session_settings *, const char *),
                                     otc_session_settings *target) {
      Napi::Value value = options.Get(name);
      if (value.IsString()) set(target, value.As<Napi::String>().Utf8Value().c_str());
    };
    string_option("signalingUrl", otc_session_settings_set_signaling_url, settings);
    string_option("caFile", otc_session_settings_set_ca_file, settings);
    string_option("ca", otc_session_settings_set_ca_pem, settings);
    if (Napi::Value timeout = options.Get("reconnectionTimeoutMs"); timeout.IsNumber()) {
      otc_session_settings_set_reconnection_timeout(settings, timeout.As<Napi::Number>().Int32Value());
    }
  }
  if (const otc_status status = settings ? ice.apply(settings) : OTC_SUCCESS; status != OTC_SUCCESS) {
    otc_session_settings_delete(settings);
    destroy();
    throw_status(env, status,
                 "options.iceConfig: an ICE server is not valid (URLs stun:, stuns:, turn: or turns: host[:port], "
                 "TURN ?transport=udp|tcp; TURN needs a username and credential; at most 16 URLs, 512 bytes each)");
  }
  session_ = otc_session_new_with_settings(api_key.c_str(), session_id.c_str(), &callbacks, settings);
  otc_session_settings_delete(settings);
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
  // Subscribers of this session are deleted and its publishers unpublished while the session
  // is still there (their C objects refer to it); the JS objects report 'deleted' afterwards.
  for (SubscriberWrap *subscriber : std::set<SubscriberWrap *>(subscribers_)) subscriber->session_gone();
  subscribers_.clear();
  for (PublisherWrap *publisher : std::set<PublisherWrap *>(publishers_)) publisher->session_gone(this, session_);
  publishers_.clear();
  // Order: the session first (joins its threads, so no callback can start), then the queue.
  if (bridge_) {
    bridge_->session = nullptr;
    bridge_->wrap = nullptr;
  }
  if (session_) {
    otc_session_delete(session_);
    session_ = nullptr;
  }
  if (bridge_) {
    bridge_->js->close();
    bridge_->on_event.Reset();  // here, on the JS thread, whoever drops the bridge last
    bridge_->streams.clear();
    bridge_.reset();
  }
}

void SessionWrap::Bridge::update_keep_alive(Napi::Env env) {
  keep_alive(env, linked || (session && otc_session_encryption_key_pending(session)));
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

Napi::Value SessionWrap::Connect(const Napi::CallbackInfo &info) {
  otc_session *session = live(info);
  const std::string token = arg_string(info, 0, "token");
  const otc_status status = otc_session_connect(session, token.c_str());
  if (status == OTC_SUCCESS) {
    bridge_->linked = true;
    bridge_->connected = false;
    bridge_->update_keep_alive(info.Env());
  }
  return Napi::Number::New(info.Env(), status);
}

Napi::Value SessionWrap::Disconnect(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), otc_session_disconnect(live(info)));
}

Napi::Value SessionWrap::SendSignal(const Napi::CallbackInfo &info) {
  otc_session *session = live(info);
  const std::string type = arg_string(info, 0, "type");
  const std::string data = arg_string(info, 1, "data");
  otc_status status;
  if (info.Length() > 2 && info[2].IsString()) {
    const std::string to = info[2].As<Napi::String>().Utf8Value();
    status = otc_session_send_signal_to_connection_id(session, type.c_str(), data.c_str(), to.c_str());
  } else {
    status = otc_session_send_signal(session, type.c_str(), data.c_str());
  }
  return Napi::Number::New(info.Env(), status);
}

Napi::Value SessionWrap::GetConnectionId(const Napi::CallbackInfo &info) {
  const char *id = otc_session_get_connection_id(live(info));
  if (!id) return info.Env().Null();
  return Napi::String::New(info.Env(), id);
}

Napi::Value SessionWrap::IsE2ee(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), otc_session_is_e2ee(live(info)) == OTC_TRUE);
}

Napi::Value SessionWrap::IsDeleted(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), session_ == nullptr);
}

SessionWrap *SessionWrap::FromArg(const Napi::CallbackInfo &info, size_t index, const char *name) {
  return Unwrap(arg_tagged(info, index, kSessionTag, name, "a NativeSession"));
}

StreamHandle SessionWrap::find_stream(const std::string &stream_id) const {
  if (!bridge_) return nullptr;
  auto found = bridge_->streams.find(stream_id);
  return found == bridge_->streams.end() ? nullptr : found->second;
}

void SessionWrap::on_disconnected(Napi::Env env) {
  for (PublisherWrap *publisher : std::set<PublisherWrap *>(publishers_)) publisher->session_disconnected(env);
  if (bridge_) bridge_->streams.clear();
}

Napi::Value SessionWrap::Publish(const Napi::CallbackInfo &info) {
  otc_session *session = live(info);
  PublisherWrap *publisher = PublisherWrap::FromArg(info, 0, "publisher");
  const otc_status status = otc_session_publish(session, publisher->handle(info));
  if (status == OTC_SUCCESS) publisher->published_in(info.Env(), this);
  return Napi::Number::New(info.Env(), status);
}

Napi::Value SessionWrap::Unpublish(const Napi::CallbackInfo &info) {
  otc_session *session = live(info);
  PublisherWrap *publisher = PublisherWrap::FromArg(info, 0, "publisher");
  const otc_status status = otc_session_unpublish(session, publisher->handle(info));
  if (status == OTC_SUCCESS) publisher->unpublish_called(info.Env());
  return Napi::Number::New(info.Env(), status);
}

Napi::Value SessionWrap::Subscribe(const Napi::CallbackInfo &info) {
  otc_session *session = live(info);
  SubscriberWrap *subscriber = SubscriberWrap::FromArg(info, 0, "subscriber");
  otc_subscriber *handle = subscriber->handle(info);
  // A subscriber belongs to the session whose stream it was made from.
  if (subscriber->session() != this) return Napi::Number::New(info.Env(), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  const otc_status status = otc_session_subscribe(session, handle);
  if (status == OTC_SUCCESS) subscriber->subscribed(info.Env());
  return Napi::Number::New(info.Env(), status);
}

Napi::Value SessionWrap::Unsubscribe(const Napi::CallbackInfo &info) {
  otc_session *session = live(info);
  SubscriberWrap *subscriber = SubscriberWrap::FromArg(info, 0, "subscriber");
  return Napi::Number::New(info.Env(), otc_session_unsubscribe(session, subscriber->handle(info)));
}

Napi::Value SessionWrap::RatchetEncryptionKey(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), otc_session_ratchet_encryption_key(live(info)));
}

}  // namespace otc_addon
