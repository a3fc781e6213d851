// One STUN or TURN server as every layer holds it (the session server's list read by signaling/,
// the application's own checked by otc/, both handed to rtc/), and the bounds on such lists.
// Plain data: credentials are wiped when the object goes.
#pragma once

#include <openssl/crypto.h>

#include <cstddef>
#include <string>
#include <vector>

namespace otc {

inline constexpr size_t kMaxIceServers = 16;          // per source: custom, or the server's
inline constexpr size_t kMaxIceUrlsPerServer = 8;
inline constexpr size_t kMaxIceUrlLength = 512;
inline constexpr size_t kMaxIceCredentialLength = 512;  // username and credential each

// Zeroes a string's whole buffer (its capacity, not only its size) and empties it.
inline void wipe_string(std::string &text) {
  text.resize(text.capacity());
  if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

// Appends why an ICE server was left out to a bounded "; "-separated list.
inline void add_ice_problem(std::string &problems, const std::string &text) {
  if (problems.size() < 1024) problems += (problems.empty() ? "" : "; ") + text;
}

// URLs ("stun:host:port", "turn:host:port?transport=udp", ...) that share one username and
// credential.
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

}  // namespace otc
