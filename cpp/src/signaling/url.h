// Parsing of the session server's signaling URL, "ws://host:port/path" or "wss://host:port/path"
// (WebSocket over TLS, tls_context.h).
#pragma once

#include <string>

namespace otc::signaling {

struct WsUrl {
  std::string host;    // name or IPv4 address; an IPv6 literal without its brackets
  std::string port;    // decimal, "80" (ws://) or "443" (wss://) when the URL gives none
  std::string target;  // path and query, "/" when the URL gives none
  bool tls = false;    // wss://
};

// true and url filled, or false and error set to a sentence naming what is wrong.
bool parse_ws_url(const std::string &text, WsUrl &url, std::string &error);

}  // namespace otc::signaling
