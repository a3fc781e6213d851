// The ICE servers and policy a peer connection is made with: the session server's (from its
// connect ack) and the application's own (otc_session_settings_set_custom_ice_config), merged
// by the session. Plain data, no libwebrtc types: the core library builds it without libwebrtc.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "../base/ice_server.h"

namespace otc::rtc {

// The default bound on ICE: a peer connection whose candidate pairs have not connected this
// long after it was made is given up (libwebrtc alone can wait much longer, e.g. forever when
// relay-only gathers no candidate at all).
inline constexpr std::chrono::milliseconds kDefaultIceConnectTimeout{30000};

struct IceSettings {
  std::vector<IceServer> servers;
  bool relay_only = false;  // only relay (TURN) candidates, as RTCConfiguration type kRelay
  std::chrono::milliseconds connect_timeout = kDefaultIceConnectTimeout;
  // Gather on loopback adapters too. Only a peer on this machine can reach such a candidate; sent
  // to anyone else it is useless, and through TURN it is worse: the TURN server refuses the
  // permission (403) and libwebrtc M108's TURN entry bookkeeping can then abort the process
  // (turn_port.cc: "!entry->destruction_timestamp()") when ICE restarts after a lost path.
  bool loopback_candidates = true;
};

}  // namespace otc::rtc
