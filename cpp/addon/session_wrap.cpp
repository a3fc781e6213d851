#include "session_wrap.h"

#include <optional>
#include <string>
#include <vector>

#include "ice_config_arg.h"
#include "publisher_wrap.h"
#include "stream_object.h"
#include "subscriber_wrap.h"

namespace otc_addon {

namespace {

EventEmitter &events_of(void *user_data) { return *static_cast<EventEmitter *>(user_data); }

// An event carrying one copied object (a stream or a connection).
template <typename Fields, typename Item>
void emit_object(void *user_data, const char *name, const Item *item) {
  events_of(user_data).emit([name, fields = Fields(item)](Napi::Env env) {
    return std::vector<napi_value>{Napi::String::New(env, name), fields.to_js(env)};
  });
}

// An end: the copied object (if any), then why it ended.
template <typename Fields, typename Item>
void emit_ended(void *user_data, const char *name, const Item *item, EndFields end) {
  events_of(user_data).emit([name, fields = Fields(item), end = std::move(end)](Napi::Env env) {
    return std::vector<napi_value>{Napi::String::New(env, name), fields.to_js(env), end.to_js(env)};
  });
}

// A stream property changed: the stream (its values now), the property's name and its new value
// (a boolean, or { width, height }).
void emit_property(void *user_data, const otc_stream *stream, const char *property, bool flag, int width = 0,
                   int height = 0) {
  events_of(user_data).emit([fields = StreamFields(stream), property, flag, width, height](Napi::Env env) {
    Napi::Value value = Napi::Boolean::New(env, flag);
    if (std::string(property) == "videoDimensions") {
      Napi::Object size = Napi::Object::New(env);
      size.Set("width", width);
      size.Set("height", height);
      value = size;
    }
    return std::vector<napi_value>{Napi::String::New(env, "streamPropertyChanged"), fields.to_js(env),
                                   Napi::String::New(env, property), value};
  });
}

// node-otc's addition to the session callbacks (set with its own setter).
void on_encryption_key_ready(otc_session *, void *user_data, uint32_t epoch_id) {
  events_of(user_data).emit([epoch_id](Napi::Env env) {
    return std::vector<napi_value>{Napi::String::New(env, "encryptionKeyReady"), Napi::Number::New(env, epoch_id)};
  });
}

// node-otc's forced-mute callback (the later SDKs' on_mute_forced, set with its own setter). Its
// argument is the session's mute state as it is now, on this thread, in order with the other
// events (lib/session.ts reports the changes of it, as the browser client does).
void on_mute_forced(otc_session *session, void *user_data, otc_on_mute_forced_info *) {
  const bool active = otc_session_is_force_mute_active(session) == OTC_TRUE;
  events_of(user_data).emit([active](Napi::Env env) {
    return std::vector<napi_value>{Napi::String::New(env, "muteForced"), Napi::Boolean::New(env, active)};
  });
}

otc_session_callbacks session_callbacks(EventEmitter &events) {
  otc_session_callbacks callbacks{};
  callbacks.user_data = &events;
  // The fourth argument says whether the link is still in use after this error (the core's
  // answer, read here): false when the error ended a connect attempt or the link.
  callbacks.on_error = [](otc_session *session, void *user_data, const char *message, otc_session_error_code code) {
    const bool link_active = otc_session_is_link_active(session) == OTC_TRUE;
    events_of(user_data).emit_error(code, message, [link_active](Napi::Env env, std::vector<napi_value> &args) {
      args.push_back(Napi::Boolean::New(env, link_active));
    });
  };
  // With the session's mute state the connect ack gave (read here, before any later change).
  callbacks.on_connected = [](otc_session *session, void *user_data) {
    const bool force_mute_active = otc_session_is_force_mute_active(session) == OTC_TRUE;
    events_of(user_data).emit([force_mute_active](Napi::Env env) {
      return std::vector<napi_value>{Napi::String::New(env, "connected"), Napi::Boolean::New(env, force_mute_active)};
    });
  };
  callbacks.on_disconnected = [](otc_session *session, void *user_data) {
    events_of(user_data).emit([end = EndFields(otc_session_get_disconnect_reason(session),
                                               otc_session_get_disconnect_code(session))](Napi::Env env) {
      return std::vector<napi_value>{Napi::String::New(env, "disconnected"), end.to_js(env)};
    });
  };
  callbacks.on_reconnection_started = [](otc_session *, void *user_data) { events_of(user_data).emit("reconnecting"); };
  callbacks.on_reconnected = [](otc_session *, void *user_data) { events_of(user_data).emit("reconnected"); };
  callbacks.on_connection_created = [](otc_session *, void *user_data, const otc_connection *c) {
    emit_object<ConnectionFields>(user_data, "connectionCreated", c);
  };
  callbacks.on_connection_dropped = [](otc_session *, void *user_data, const otc_connection *c) {
    emit_ended<ConnectionFields>(user_data, "connectionDestroyed", c,
                                 EndFields(otc_connection_get_destroyed_reason(c), otc_connection_get_destroyed_code(c)));
  };
  callbacks.on_stream_received = [](otc_session *, void *user_data, const otc_stream *s) {
    emit_object<StreamFields>(user_data, "streamCreated", s);
  };
  callbacks.on_stream_dropped = [](otc_session *, void *user_data, const otc_stream *s) {
    emit_ended<StreamFields>(user_data, "streamDestroyed", s,
                             EndFields(otc_stream_get_destroyed_reason(s), otc_stream_get_destroyed_code(s)));
  };
  callbacks.on_stream_has_audio_changed = [](otc_session *, void *user_data, const otc_stream *s, otc_bool on) {
    emit_property(user_data, s, "hasAudio", on == OTC_TRUE);
  };
  callbacks.on_stream_has_video_changed = [](otc_session *, void *user_data, const otc_stream *s, otc_bool on) {
    emit_property(user_data, s, "hasVideo", on == OTC_TRUE);
  };
  callbacks.on_stream_video_dimensions_changed = [](otc_session *, void *user_data, const otc_stream *s, int width,
                                                    int height) {
    emit_property(user_data, s, "videoDimensions", false, width, height);
  };
  callbacks.on_signal_received = [](otc_session *, void *user_data, const char *type, const char *data,
                                    const otc_connection *from) {
    events_of(user_data).emit([type = std::string(type ? type : ""), data = std::string(data ? data : ""),
                               from = std::string(from && otc_connection_get_id(from) ? otc_connection_get_id(from)
                                                                                       : "")](Napi::Env env) {
      return std::vector<napi_value>{Napi::String::New(env, "signal"), Napi::String::New(env, type),
                                     Napi::String::New(env, data), Napi::String::New(env, from)};
    });
  };
  callbacks.on_archive_started = [](otc_session *, void *user_data, const char *archive_id, const char *name) {
    events_of(user_data).emit(
        [id = std::string(archive_id ? archive_id : ""), name = std::string(name ? name : "")](Napi::Env env) {
          return std::vector<napi_value>{Napi::String::New(env, "archiveStarted"), Napi::String::New(env, id),
                                         Napi::String::New(env, name)};
        });
  };
  callbacks.on_archive_stopped = [](otc_session *, void *user_data, const char *archive_id) {
    events_of(user_data).emit([id = std::string(archive_id ? archive_id : "")](Napi::Env env) {
      return std::vector<napi_value>{Napi::String::New(env, "archiveStopped"), Napi::String::New(env, id)};
    });
  };
  return callbacks;
}

using SettingsHandle = std::unique_ptr<otc_session_settings, otc_status (*)(otc_session_settings *)>;

// info[3]: the signaling URL, or the session's settings { signalingUrl?, caFile?, ca?,
// reconnectionTimeoutMs?, iceConfig? } (lib/session.ts has checked their types).
SettingsHandle session_settings(const Napi::CallbackInfo &info, IceConfigArg &ice) {
  Napi::Env env = info.Env();
  SettingsHandle settings(otc_session_settings_new(), otc_session_settings_delete);
  if (!settings) throw_status(env, OTC_SESSION_INTERNAL_ERROR, "out of memory");
  if (info.Length() > 3 && info[3].IsString()) {
    otc_session_settings_set_signaling_url(settings.get(), info[3].As<Napi::String>().Utf8Value().c_str());
  } else if (info.Length() > 3 && info[3].IsObject()) {
    Napi::Object options = info[3].As<Napi::Object>();
    const std::pair<const char *, otc_status (*)(otc_session_settings *, const char *)> strings[] = {
        {"signalingUrl", otc_session_settings_set_signaling_url},
        {"caFile", otc_session_settings_set_ca_file},
        {"ca", otc_session_settings_set_ca_pem}};
    for (const auto &[name, set] : strings) {
      if (Napi::Value value = options.Get(name); value.IsString())
        set(settings.get(), value.As<Napi::String>().Utf8Value().c_str());
    }
    if (Napi::Value timeout = options.Get("reconnectionTimeoutMs"); timeout.IsNumber())
      otc_session_settings_set_reconnection_timeout(settings.get(), timeout.As<Napi::Number>().Int32Value());
  }
  if (const otc_status status = ice.apply(settings.get()); status != OTC_SUCCESS)
    throw_status(env, status,
                 "options.iceConfig: an ICE server is not valid (URLs stun:, stuns:, turn: or turns: host[:port], "
                 "TURN ?transport=udp|tcp; TURN needs a username and credential; at most 16 URLs, 512 bytes each)");
  return settings;
}

}  // namespace

SessionWrap::SessionWrap(const Napi::CallbackInfo &info) : NativeWrap(info) {
  Napi::Env env = info.Env();
  const std::string api_key = arg_string(info, 0, "apiKey");
  const std::string session_id = arg_string(info, 1, "sessionId");
  // Everything read before anything is made: a TypeError leaves nothing to undo.
  EventEmitter &events = open_events(env, "otc:session", info.Length() > 2 ? info[2] : env.Undefined());
  IceConfigArg ice(env, info.Length() > 3 && info[3].IsObject() ? info[3].As<Napi::Object>().Get("iceConfig")
                                                                 : env.Undefined());
  SettingsHandle settings = session_settings(info, ice);
  events.watch([this] { return core_pending(); }, [this](Napi::Env, bool holding) { hold_changed(holding); });
  const otc_session_callbacks callbacks = session_callbacks(events);
  if (!own(env, Owned(otc_session_new_with_settings(api_key.c_str(), session_id.c_str(), &callbacks, settings.get()),
                      otc_session_delete)))
    throw_status(env, OTC_SESSION_NULL_OR_INVALID_PARAMETER, "invalid session arguments (empty session id?)");
  otc_session_set_encryption_key_ready_callback(owned().get(), on_encryption_key_ready);
  otc_session_set_mute_forced_callback(owned().get(), on_mute_forced);
}

bool SessionWrap::core_pending() const {
  otc_session *session = owned().get();
  return session && (otc_session_is_link_active(session) == OTC_TRUE ||
                     otc_session_encryption_key_pending(session) == OTC_TRUE);
}

void SessionWrap::hold_changed(bool holding) {
  for (PublisherWrap *publisher : publishers_) publisher->retain_events(holding);
  for (SubscriberWrap *subscriber : subscribers_) subscriber->retain_events(holding);
}

void SessionWrap::attach(PublisherWrap *publisher) {
  publishers_.insert(publisher);
  publisher->retain_events(events() && events()->holding());
}

void SessionWrap::attach(SubscriberWrap *subscriber) {
  subscribers_.insert(subscriber);
  subscriber->retain_events(events() && events()->holding());
}

void SessionWrap::detach(PublisherWrap *publisher) {
  if (publishers_.erase(publisher)) publisher->retain_events(false);
}

void SessionWrap::detach(SubscriberWrap *subscriber) {
  if (subscribers_.erase(subscriber)) subscriber->retain_events(false);
}

void SessionWrap::before_release() {
  // Subscribers of this session are deleted and its publishers unpublished while the session
  // is still there (their C objects refer to it); the JS objects report 'deleted' afterwards.
  for (SubscriberWrap *subscriber : std::set<SubscriberWrap *>(subscribers_)) subscriber->teardown();
  for (PublisherWrap *publisher : std::set<PublisherWrap *>(publishers_)) publisher->session_gone(owned().get());
  subscribers_.clear();
  publishers_.clear();
}

namespace {

Napi::Value SetEncryptionSecret(SessionWrap &self, const Napi::CallbackInfo &info) {
  otc_session *session = self.handle(info);
  SecretArg secret(info, 0);
  const otc_status status = secret.c_str() ? otc_session_set_encryption_secret(session, secret.c_str())
                                           : OTC_SESSION_INVALID_ENCRYPTION_SECRET;
  self.events()->update(info.Env());  // a key on its way holds the loop
  return Napi::Number::New(info.Env(), status);
}

Napi::Value GetEncryptionEpoch(SessionWrap &self, const Napi::CallbackInfo &info) {
  uint32_t epoch = 0;
  if (otc_session_get_encryption_epoch(self.handle(info), &epoch) != OTC_SUCCESS) return info.Env().Null();
  return Napi::Number::New(info.Env(), epoch);
}

Napi::Value HasEncryptionSecret(SessionWrap &self, const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), otc_session_has_encryption_secret(self.handle(info)) == OTC_TRUE);
}

Napi::Value GetId(SessionWrap &self, const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), otc_session_get_id(self.handle(info)));
}

Napi::Value Connect(SessionWrap &self, const Napi::CallbackInfo &info) {
  otc_session *session = self.handle(info);
  const std::string token = arg_string(info, 0, "token");
  const otc_status status = otc_session_connect(session, token.c_str());
  self.events()->update(info.Env());  // a link in use holds the loop
  return Napi::Number::New(info.Env(), status);
}

Napi::Value Disconnect(SessionWrap &self, const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), otc_session_disconnect(self.handle(info)));
}

Napi::Value SendSignal(SessionWrap &self, const Napi::CallbackInfo &info) {
  otc_session *session = self.handle(info);
  const std::string type = arg_string(info, 0, "type");
  const std::string data = arg_string(info, 1, "data");
  if (info.Length() > 2 && info[2].IsString()) {
    const std::string to = info[2].As<Napi::String>().Utf8Value();
    return Napi::Number::New(info.Env(),
                             otc_session_send_signal_to_connection_id(session, type.c_str(), data.c_str(), to.c_str()));
  }
  return Napi::Number::New(info.Env(), otc_session_send_signal(session, type.c_str(), data.c_str()));
}

Napi::Value GetConnectionId(SessionWrap &self, const Napi::CallbackInfo &info) {
  const char *id = otc_session_get_connection_id(self.handle(info));
  return id ? Napi::String::New(info.Env(), id) : info.Env().Null();
}

Napi::Value IsE2ee(SessionWrap &self, const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), otc_session_is_e2ee(self.handle(info)) == OTC_TRUE);
}

Napi::Value Publish(SessionWrap &self, const Napi::CallbackInfo &info) {
  otc_session *session = self.handle(info);
  PublisherWrap *publisher = PublisherWrap::FromArg(info, 0, "publisher");
  const otc_status status = otc_session_publish(session, publisher->handle(info));
  if (status == OTC_SUCCESS) publisher->published_in(&self);
  return Napi::Number::New(info.Env(), status);
}

Napi::Value Unpublish(SessionWrap &self, const Napi::CallbackInfo &info) {
  otc_session *session = self.handle(info);
  PublisherWrap *publisher = PublisherWrap::FromArg(info, 0, "publisher");
  return Napi::Number::New(info.Env(), otc_session_unpublish(session, publisher->handle(info)));
}

Napi::Value Subscribe(SessionWrap &self, const Napi::CallbackInfo &info) {
  otc_session *session = self.handle(info);
  SubscriberWrap *subscriber = SubscriberWrap::FromArg(info, 0, "subscriber");
  otc_subscriber *handle = subscriber->handle(info);
  // A subscriber belongs to the session whose stream it was made from.
  if (subscriber->session() != &self) return Napi::Number::New(info.Env(), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  return Napi::Number::New(info.Env(), otc_session_subscribe(session, handle));
}

Napi::Value Unsubscribe(SessionWrap &self, const Napi::CallbackInfo &info) {
  otc_session *session = self.handle(info);
  SubscriberWrap *subscriber = SubscriberWrap::FromArg(info, 0, "subscriber");
  return Napi::Number::New(info.Env(), otc_session_unsubscribe(session, subscriber->handle(info)));
}

// A string id argument (a TypeError "<name> must be a string" otherwise); none for an id with a
// NUL, which the C API would read cut short: the callers refuse it as the C API refuses bad ids
// (OTC_SESSION_NULL_OR_INVALID_PARAMETER).
std::optional<std::string> id_arg(const Napi::CallbackInfo &info, size_t index, const char *name) {
  std::string id = arg_string(info, index, name);
  if (id.find('\0') != std::string::npos) return std::nullopt;
  return id;
}

Napi::Value ForceMuteStream(SessionWrap &self, const Napi::CallbackInfo &info) {
  otc_session *session = self.handle(info);
  const std::optional<std::string> stream_id = id_arg(info, 0, "streamId");
  if (!stream_id) return Napi::Number::New(info.Env(), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  return Napi::Number::New(info.Env(), otc_session_force_mute_stream(session, stream_id->c_str()));
}

// forceMuteAll(excludedStreamIds: string[]) (lib/session.ts has checked the entries' types).
Napi::Value ForceMuteAll(SessionWrap &self, const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  otc_session *session = self.handle(info);
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "excludedStreamIds must be an array");
  Napi::Array list = info[0].As<Napi::Array>();
  // Over the C API's bound, or an id with a NUL (as id_arg): the C API's answer, without reading on.
  if (list.Length() > OTC_SESSION_FORCE_MUTE_MAX_EXCLUDED) return Napi::Number::New(env, OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  std::vector<std::string> ids;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    Napi::Value id = list.Get(i);
    if (!id.IsString()) throw Napi::TypeError::New(env, "excludedStreamIds must hold strings");
    ids.push_back(id.As<Napi::String>().Utf8Value());
    if (ids.back().find('\0') != std::string::npos) return Napi::Number::New(env, OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  }
  std::vector<const char *> pointers;
  for (const std::string &id : ids) pointers.push_back(id.c_str());
  return Napi::Number::New(env, otc_session_force_mute_all(session, pointers.data(), static_cast<int>(pointers.size())));
}

// forceDisconnect(connectionId) / forceUnpublish(streamId): ids with a NUL refused as above.
Napi::Value ForceDisconnect(SessionWrap &self, const Napi::CallbackInfo &info) {
  otc_session *session = self.handle(info);
  const std::optional<std::string> connection_id = id_arg(info, 0, "connectionId");
  if (!connection_id) return Napi::Number::New(info.Env(), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  return Napi::Number::New(info.Env(), otc_session_force_disconnect_connection_id(session, connection_id->c_str()));
}

Napi::Value ForceUnpublish(SessionWrap &self, const Napi::CallbackInfo &info) {
  otc_session *session = self.handle(info);
  const std::optional<std::string> stream_id = id_arg(info, 0, "streamId");
  if (!stream_id) return Napi::Number::New(info.Env(), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  return Napi::Number::New(info.Env(), otc_session_force_unpublish_stream_id(session, stream_id->c_str()));
}

Napi::Value GetCapabilities(SessionWrap &self, const Napi::CallbackInfo &info) {
  const otc_session_capabilities capabilities = otc_session_get_capabilities(self.handle(info));
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("publish", capabilities.publish == OTC_TRUE);
  out.Set("forceDisconnect", capabilities.force_disconnect == OTC_TRUE);
  out.Set("forceMute", capabilities.force_mute == OTC_TRUE);
  out.Set("forceUnpublish", capabilities.force_unpublish == OTC_TRUE);
  return out;
}

Napi::Value DisableForceMute(SessionWrap &self, const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), otc_session_disable_force_mute(self.handle(info)));
}

Napi::Value RatchetEncryptionKey(SessionWrap &self, const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), otc_session_ratchet_encryption_key(self.handle(info)));
}

}  // namespace

void SessionWrap::Register(Napi::Env env, Napi::Object exports) {
  exports.Set(kInfo.class_name,
              Define(env, {OTC_METHODS(SetEncryptionSecret, GetEncryptionEpoch, HasEncryptionSecret, GetId, Connect,
                                       Disconnect, SendSignal, GetConnectionId, IsE2ee, Publish, Unpublish, Subscribe,
                                       Unsubscribe, RatchetEncryptionKey, ForceMuteStream, ForceMuteAll,
                                       DisableForceMute, ForceDisconnect, ForceUnpublish, GetCapabilities)}));
}

}  // namespace otc_addon
