// JS class over otc_subscriber, made from a stream its session knows (otc_session_copy_stream).
// Its callbacks arrive on internal and media threads and reach one JS function through its
// EventEmitter. Whether it is subscribed is the C core's; while it is attached to its session,
// the session holds its listener (see session_wrap.h).
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
#pragma once

#include <napi.h>
#include <otc/otc.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "native_wrap.h"

namespace otc_addon {

class SessionWrap;

class SubscriberWrap : public NativeWrap<SubscriberWrap, otc_subscriber> {
 public:
  static constexpr WrapInfo kInfo{{0x6f74635f73756273ULL, 0x63726962657277ULL}, "NativeSubscriber",
                                  "the subscriber is deleted", Rank::subscriber};
  static constexpr int kMaxVideoFramesQueued = 4;
  static constexpr int kMaxAudioBlocksQueued = 50;  // 500 ms of 10 ms blocks

  static void Register(Napi::Env env, Napi::Object exports);
  // new NativeSubscriber(session: NativeSession, streamId, onEvent(name, ...args)). Throws an
  // Error with code OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM when the session knows no such
  // stream (never received, or gone).
  explicit SubscriberWrap(const Napi::CallbackInfo &info);
  ~SubscriberWrap() override { teardown(); }

  // The session whose stream this subscriber receives; null once either is deleted.
  SessionWrap *session() const { return session_; }

  // The media delivery to JS (the C callbacks' user_data): what JS asked for, and the queue's
  // bounds. Shared with the tasks that carry frames.
  struct Delivery {
    EventEmitter *events = nullptr;  // valid while the C subscriber exists
    std::atomic<bool> video{false};
    std::atomic<bool> audio{false};
    std::atomic<int> video_queued{0};
    std::atomic<int> audio_queued{0};
    std::atomic<uint64_t> video_dropped{0};
    std::atomic<uint64_t> audio_dropped{0};
  };

  // Teardown (native_wrap.h): the media threads stop copying; after the C subscriber, the
  // attachment goes.
  void before_release();
  void after_release();

  Delivery &delivery() { return *delivery_; }

 private:
  std::shared_ptr<Delivery> delivery_ = std::make_shared<Delivery>();
  SessionWrap *session_ = nullptr;
};

}  // namespace otc_addon
