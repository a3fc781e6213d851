// An HTTP proxy the signaling WebSocket goes through (otc_session_settings_set_proxy_url): the
// client connects to the proxy, asks it for a tunnel with CONNECT host:port, and speaks TLS and
// WebSocket to the session server inside it.
#pragma once

#include <string>

#include "../base/ice_server.h"

namespace otc::signaling {

// The credentials (authorization) are wiped whenever a value goes, as ICE credentials are.
struct HttpProxy {
  std::string host;  // name or IPv4 address; an IPv6 literal without its brackets; empty: no proxy
  std::string port;  // decimal; "80" when the URL gives none
  // "Basic <base64 of user:password>" when the URL carries user information, else empty.
  std::string authorization;
  HttpProxy() = default;
  HttpProxy(const HttpProxy &) = default;
  HttpProxy &operator=(const HttpProxy &other) {
    if (this != &other) {
      wipe_string(authorization);
      host = other.host;
      port = other.port;
      authorization = other.authorization;
    }
    return *this;
  }
  ~HttpProxy() { wipe_string(authorization); }
  bool enabled() const { return !host.empty(); }
  // "host:port" for messages (never the credentials).
  std::string where() const;
};

// "http://[user[:password]@]host[:port][/]": true and proxy filled, or false and error set to a
// sentence naming what is wrong. User and password may be percent-encoded. https:// proxies (TLS
// to the proxy itself) are not supported. An empty text is no proxy.
bool parse_proxy_url(const std::string &text, HttpProxy &proxy, std::string &error);

// The largest answer to CONNECT read (status line and headers): a proxy sending more is refused.
inline constexpr size_t kMaxProxyResponseBytes = 8 * 1024;

}  // namespace otc::signaling
