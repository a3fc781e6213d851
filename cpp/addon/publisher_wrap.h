// JS class over otc_publisher. Its callbacks arrive on internal threads and are forwarded to one
// JS function through JsThread, as SessionWrap's are.
//
// While published (from a successful session.publish() until 'streamDestroyed', the error
// ending the attempt, unpublish() before the stream existed, the session's 'disconnected' or
// deletion, or delete()), the publisher holds the event loop and its JS listener strongly;
// otherwise it holds neither.
#pragma once

#include <napi.h>
#include <otc/otc.h>

#include <memory>
#include <string>

#include "js_thread.h"
#include "session_wrap.h"

namespace otc_addon {

class PublisherWrap : public Napi::ObjectWrap<PublisherWrap> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  // new NativePublisher(settings, onEvent(name, ...args)); settings:
  // { name?: string, audio?: boolean, video?: boolean, videoCodec?: 'VP8'|'VP9'|'H264',
  //   videoSource?: 'testPattern'|'pushed', testPattern?: { width, height, fps } }.
  // Wrong types throw TypeError; values the C API refuses throw an Error with `code`.
  explicit PublisherWrap(const Napi::CallbackInfo &info);
  ~PublisherWrap() override;

  // The NativePublisher info[index], or a TypeError.
  static PublisherWrap *FromArg(const Napi::CallbackInfo &info, size_t index, const char *name);
  // JS thread. The handle, or throws OTC_E2EE_DELETED once deleted.
  otc_publisher *handle(const Napi::CallbackInfo &info);

  // JS thread, from SessionWrap.
  // otc_session_publish succeeded in session.
  void published_in(Napi::Env env, SessionWrap *session);
  // otc_session_unpublish succeeded: 'streamDestroyed' follows if the stream was created; if it
  // was not, nothing will, and the publisher stops holding the loop now.
  void unpublish_called(Napi::Env env);
  // The session delivered 'disconnected': publishing in it is over.
  void session_disconnected(Napi::Env env);
  // The session is being deleted: unpublish from it (while it still exists) and let go of it.
  void session_gone(SessionWrap *session, otc_session *handle);
  // JS thread: delete the C publisher now (shutdownMedia()); the JS object reports 'deleted'.
  void shut_down() { destroy(); }

  // What the C callbacks reach (user_data); shared with the tasks queued for JS.
  struct Bridge : std::enable_shared_from_this<Bridge> {
    std::unique_ptr<JsThread> js;
    Napi::FunctionReference on_event;
    otc_publisher *publisher = nullptr;  // null once deleted
    // JS thread: the session published in (its stream copies), while attached.
    std::weak_ptr<SessionWrap::Bridge> session;
    // JS thread: publish() succeeded and the publishing has not ended (see the file comment).
    bool published = false;
    // JS thread: 'streamCreated' was delivered for the current publishing.
    bool stream_created = false;
    std::string stream_id;
    bool kept_alive = false;
    // JS thread: hold or release the event loop and the listener, as `published` says.
    void update_keep_alive(Napi::Env env);
  };

 private:
  Napi::Value PushVideoFrame(const Napi::CallbackInfo &info);
  Napi::Value SetPublishAudio(const Napi::CallbackInfo &info);
  Napi::Value SetPublishVideo(const Napi::CallbackInfo &info);
  Napi::Value GetStats(const Napi::CallbackInfo &info);
  Napi::Value GetStreamId(const Napi::CallbackInfo &info);
  Napi::Value Delete(const Napi::CallbackInfo &info);
  Napi::Value IsDeleted(const Napi::CallbackInfo &info);

  void detach_session();
  void destroy();
  static void on_env_cleanup(void *self);

  napi_env env_ = nullptr;  // set while the environment cleanup hook is registered
  std::shared_ptr<Bridge> bridge_;
  otc_publisher *publisher_ = nullptr;
  SessionWrap *session_ = nullptr;  // the session it is attached to (published in last)
  bool registered_ = false;         // in AddonData::publishers
};

}  // namespace otc_addon
