// JS class over otc_subscriber, made from a stream copy its session holds (SessionWrap). Its
// callbacks arrive on internal and media threads and are forwarded to one JS function through
// JsThread.
//
// Decoded media reaches JS only while JS asked for it (setVideoFrameDelivery /
// setAudioDataDelivery: atomic flags the media threads read): otherwise a frame costs a load
// and nothing else. While asked, each frame is copied on the media thread and queued for JS; at
// most kMaxVideoFramesQueued video frames (kMaxAudioBlocksQueued audio blocks) wait at a time,
// and the ones arriving while the queue is full are dropped and counted (getStats():
// videoFramesDroppedForJs, audioDataDroppedForJs), so a JS thread that is busy never grows memory
// or slows the media threads. (lib/subscriber.ts keeps a second bounded queue and emits one media
// event per event-loop turn: Node runs up to 1000 queued thread-safe calls in one go, so a
// listener slower than the frame rate would otherwise starve timers and sockets.)
//
// While subscribed (from a successful session.subscribe() until 'disconnected' or delete()), the
// JS listener is held strongly; the session keeps the process alive meanwhile.
#pragma once

#include <napi.h>
#include <otc/otc.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "js_thread.h"
#include "session_wrap.h"

namespace otc_addon {

class SubscriberWrap : public Napi::ObjectWrap<SubscriberWrap> {
 public:
  static constexpr int kMaxVideoFramesQueued = 4;
  static constexpr int kMaxAudioBlocksQueued = 50;  // 500 ms of 10 ms blocks

  static void Register(Napi::Env env, Napi::Object exports);
  // new NativeSubscriber(session: NativeSession, streamId, onEvent(name, ...args)). Throws an
  // Error with code OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM when the session holds no such
  // stream (never received, or gone).
  explicit SubscriberWrap(const Napi::CallbackInfo &info);
  ~SubscriberWrap() override;

  // The NativeSubscriber info[index], or a TypeError.
  static SubscriberWrap *FromArg(const Napi::CallbackInfo &info, size_t index, const char *name);
  // JS thread. The handle, or throws OTC_E2EE_DELETED once deleted.
  otc_subscriber *handle(const Napi::CallbackInfo &info);
  // The session whose stream this subscriber receives; null once either is deleted.
  SessionWrap *session() const { return session_; }
  // JS thread, from SessionWrap: otc_session_subscribe succeeded.
  void subscribed(Napi::Env env);
  // JS thread, from SessionWrap: the session is being deleted; the C subscriber goes first.
  void session_gone() { destroy(); }
  // JS thread: delete the C subscriber now (shutdownMedia()).
  void shut_down() { destroy(); }

  // What the C callbacks reach (user_data); shared with the tasks queued for JS.
  struct Bridge : std::enable_shared_from_this<Bridge> {
    std::unique_ptr<JsThread> js;
    Napi::FunctionReference on_event;
    otc_subscriber *subscriber = nullptr;  // null once deleted
    bool subscribed = false;               // JS thread
    bool kept_alive = false;               // JS thread
    // Any thread.
    std::atomic<bool> deliver_video{false};
    std::atomic<bool> deliver_audio{false};
    std::atomic<int> video_queued{0};
    std::atomic<int> audio_queued{0};
    std::atomic<uint64_t> video_dropped{0};
    std::atomic<uint64_t> audio_dropped{0};
    void update_keep_alive(Napi::Env env);
  };

 private:
  Napi::Value GetStats(const Napi::CallbackInfo &info);
  Napi::Value GetMediaCheck(const Napi::CallbackInfo &info);
  Napi::Value SetSubscribeToAudio(const Napi::CallbackInfo &info);
  Napi::Value SetSubscribeToVideo(const Napi::CallbackInfo &info);
  Napi::Value SetVideoFrameDelivery(const Napi::CallbackInfo &info);
  Napi::Value SetAudioDataDelivery(const Napi::CallbackInfo &info);
  Napi::Value GetStreamId(const Napi::CallbackInfo &info);
  Napi::Value Delete(const Napi::CallbackInfo &info);
  Napi::Value IsDeleted(const Napi::CallbackInfo &info);

  void destroy();
  static void on_env_cleanup(void *self);

  napi_env env_ = nullptr;  // set while the environment cleanup hook is registered
  std::shared_ptr<Bridge> bridge_;
  otc_subscriber *subscriber_ = nullptr;
  SessionWrap *session_ = nullptr;
  std::string stream_id_;
  bool registered_ = false;  // in AddonData::subscribers
};

}  // namespace otc_addon
