// JS class over otc_session. Its callbacks arrive on internal threads and reach one JS function
// through the session's EventEmitter.
//
// State: the session's connect state is the C core's (otc_session_is_link_active), and so are
// its streams (NativeSubscriber asks otc_session_copy_stream). This class holds the event loop
// while the core has something left to report (a link in use, a key on its way), and keeps the
// publishers published in it and the subscribers made from its streams attached: they are
// unpublished / deleted before the session is, whichever object Node finalizes first, so the C
// objects never outlive the session they refer to, and their listeners are held while the
// session holds the loop (code awaiting them may hold no other reference).
#pragma once

#include <napi.h>
#include <otc/otc.h>

#include <set>

#include "native_wrap.h"

namespace otc_addon {

class PublisherWrap;
class SubscriberWrap;

class SessionWrap : public NativeWrap<SessionWrap, otc_session> {
 public:
  static constexpr WrapInfo kInfo{{0x6f74635f73657373ULL, 0x696f6e5f77726170ULL}, "NativeSession",
                                  "the session is deleted", Rank::session};

  static void Register(Napi::Env env, Napi::Object exports);
  // new NativeSession(apiKey, sessionId, onEvent(name, ...args), signalingUrl? | { signalingUrl?, caFile?, ca?,
  // iceConfig?, reconnectionTimeoutMs? })
  explicit SessionWrap(const Napi::CallbackInfo &info);
  ~SessionWrap() override { teardown(); }

  // JS thread. Publishers and subscribers tie themselves to the session (see the file comment);
  // they detach when they end first.
  void attach(PublisherWrap *publisher);
  void attach(SubscriberWrap *subscriber);
  void detach(PublisherWrap *publisher);
  void detach(SubscriberWrap *subscriber);

  // Teardown (native_wrap.h): what refers to the session goes first.
  void before_release();

 private:
  // JS thread: whether the core has something left to report (the events' loop hold).
  bool core_pending() const;
  // JS thread: the loop hold changed; the attached objects' listeners follow it.
  void hold_changed(bool holding);

  std::set<PublisherWrap *> publishers_;
  std::set<SubscriberWrap *> subscribers_;
};

}  // namespace otc_addon
