// JS class over otc_session. The session's callbacks arrive on internal threads and are
// forwarded to one JS function through JsThread.
//
// Streams: an otc_stream is valid only during the callback that hands it over, so every stream
// received is copied (otc_stream_copy) on that thread and the copy is handed to the JS thread,
// which keeps it by stream id until the stream is destroyed, the session disconnects or is
// deleted: NativeSubscriber is made from such a copy.
//
// Publishers and subscribers attached to a session (published in it / made from one of its
// streams) are unpublished / deleted before the session is, whichever object Node finalizes
// first, so the C objects never outlive the session they refer to.
#pragma once

#include <napi.h>
#include <otc/otc.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "js_thread.h"

namespace otc_addon {

class PublisherWrap;
class SubscriberWrap;

// The fields of an otc_stream, copied on the thread of the callback that hands it over.
struct StreamInfo {
  std::string id, name, connection_id, video_codec, audio_codec;
  bool has_audio = false, has_video = false, e2ee = false;
  int64_t creation_time = 0;
  explicit StreamInfo(const otc_stream *stream);
  Napi::Object to_js(Napi::Env env) const;
};

// An owned stream copy (otc_stream_delete on release); any thread may release it.
using StreamHandle = std::shared_ptr<otc_stream>;
StreamHandle copy_stream(const otc_stream *stream);

class SessionWrap : public Napi::ObjectWrap<SessionWrap> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  // new NativeSession(apiKey, sessionId, onEvent(name, ...args), signalingUrl? | { signalingUrl?, caFile?, ca? })
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
  Napi::Value Publish(const Napi::CallbackInfo &info);
  Napi::Value Unpublish(const Napi::CallbackInfo &info);
  Napi::Value Subscribe(const Napi::CallbackInfo &info);
  Napi::Value Unsubscribe(const Napi::CallbackInfo &info);
  Napi::Value RatchetEncryptionKey(const Napi::CallbackInfo &info);

  otc_session *live(const Napi::CallbackInfo &info);
  void destroy();

 public:
  // The session object info[index] (a NativeSession), or a TypeError.
  static SessionWrap *FromArg(const Napi::CallbackInfo &info, size_t index, const char *name);
  // JS thread. The deleted-checked handle (throws OTC_E2EE_DELETED).
  otc_session *handle(const Napi::CallbackInfo &info) { return live(info); }
  // JS thread. The copy of a stream this session has received and not yet seen go; null if none.
  StreamHandle find_stream(const std::string &stream_id) const;
  // JS thread. Publishers and subscribers tie themselves to a session (see the file comment);
  // they detach when they are deleted first.
  void attach(PublisherWrap *publisher) { publishers_.insert(publisher); }
  void detach(PublisherWrap *publisher) { publishers_.erase(publisher); }
  void attach(SubscriberWrap *subscriber) { subscribers_.insert(subscriber); }
  void detach(SubscriberWrap *subscriber) { subscribers_.erase(subscriber); }
  // JS thread, from the task delivering 'disconnected': the publishers published here stop
  // holding the event loop, the stream copies go.
  void on_disconnected(Napi::Env env);

 public:
  // What the C callbacks reach (their user_data). Shared: each task queued for JS holds it too,
  // so a listener that deletes the session mid-event leaves the running task a live bridge.
  // The session is deleted (its threads joined) before the wrapper lets go of it.
  struct Bridge : std::enable_shared_from_this<Bridge> {
    std::unique_ptr<JsThread> js;
    Napi::FunctionReference on_event;
    otc_session *session = nullptr;  // null once the session is deleted
    bool kept_alive = false;
    // JS thread: the wrapper, null once it is destroyed.
    SessionWrap *wrap = nullptr;
    // JS thread: copies of the streams received, by stream id.
    std::map<std::string, StreamHandle> streams;
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
  std::set<PublisherWrap *> publishers_;
  std::set<SubscriberWrap *> subscribers_;

 public:
  // The bridge (stream copies) for publishers that add their own stream to it.
  std::weak_ptr<Bridge> bridge() const { return bridge_; }
};

}  // namespace otc_addon
