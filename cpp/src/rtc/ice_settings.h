// The ICE servers and policy a peer connection is made with: the session server's (from its
// connect ack) and the application's own (otc_session_settings_set_custom_ice_config), merged
// by the session. Plain data, no libwebrtc types: the core library builds it without libwebrtc.
#pragma once

#include <openssl/crypto.h>

#include <chrono>
#include <string>
#include <vector>

namespace otc::rtc {

// Zeroes a string's whole buffer (its capacity, not only its size) and empties it.
inline void wipe_string(std::string &text) {
  text.resize(text.capacity());
  if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

// One STUN or TURN server: URLs ("stun:host:port", "turn:host:port?transport=udp", ...) that
// share one username and credential. Credentials are wiped when the object goes.
struct IceServer {
  std::vector<std::string> urls;
  std::string username;
  std::string credential;

  IceServer() = default;
  IceServer(const IceServer &) = default;
  IceServer &operator=(const IceServer &other) {
    if (this != &other) {
      wipe();
      urls = other.urls;
      username = other.username;
      credential = other.credential;
    }
    return *this;
  }
  ~IceServer() { wipe(); }
  void wipe() {
    wipe_string(username);
    wipe_string(credential);
  }
};

// The default bound on ICE: a peer connection whose candidate pairs have not connected this
// long after it was made is given up (libwebrtc alone can wait much longer, e.g. forever when
// relay-only gathers no candidate at all).
inline constexpr std::chrono::milliseconds kDefaultIceConnectTimeout{30000};

struct IceSettings {
  std::vector<IceServer> servers;
  bool relay_only = false;  // only relay (TURN) candidates, as RTCConfiguration type kRelay
  std::chrono::milliseconds connect_timeout = kDefaultIceConnectTimeout;
};

}  // namespace otc::rtc
