// JS class over otc_publisher. Its callbacks arrive on internal threads and reach one JS
// function through its EventEmitter. Whether it is published, and its stream, are the C core's
// (otc_publisher_get_stream_id, otc_session_copy_stream); this class only keeps which session it
// is attached to (published in last), so that it is unpublished before that session is deleted.
// While attached, the session holds its listener (see session_wrap.h).
#pragma once

#include <napi.h>
#include <otc/otc.h>

#include "native_wrap.h"

namespace otc_addon {

class SessionWrap;

class PublisherWrap : public NativeWrap<PublisherWrap, otc_publisher> {
 public:
  static constexpr WrapInfo kInfo{{0x6f74635f7075626cULL, 0x69736865725f7772ULL}, "NativePublisher",
                                  "the publisher is deleted", Rank::publisher};

  static void Register(Napi::Env env, Napi::Object exports);
  // new NativePublisher(settings, onEvent(name, ...args)); settings:
  // { name?: string, audio?: boolean, video?: boolean, videoCodec?: 'VP8'|'VP9'|'H264',
  //   videoSource?: 'testPattern'|'pushed', testPattern?: { width, height, fps } }.
  // Wrong types throw TypeError; values the C API refuses throw an Error with `code`.
  explicit PublisherWrap(const Napi::CallbackInfo &info);
  ~PublisherWrap() override { teardown(); }

  // JS thread, from SessionWrap: otc_session_publish succeeded in session.
  void published_in(SessionWrap *session);
  // JS thread, from SessionWrap: the session is being deleted: unpublish from it (while it still
  // exists) and let go of it.
  void session_gone(otc_session *session);

  // Teardown (native_wrap.h): the C publisher unpublishes as it goes, then the attachment.
  void after_release();

 private:
  SessionWrap *session_ = nullptr;  // attached to (published in last)
};

}  // namespace otc_addon
