#include "url.h"

#include <cctype>

namespace otc::signaling {

bool parse_ws_url(const std::string &text, WsUrl &url, std::string &error) {
  url.tls = text.rfind("wss://", 0) == 0;
  const std::string scheme = url.tls ? "wss://" : "ws://";
  const std::string default_port = url.tls ? "443" : "80";
  if (!url.tls && text.rfind(scheme, 0) != 0) {
    error = "the signaling URL must start with ws:// or wss://";
    return false;
  }
  const std::string rest = text.substr(scheme.size());
  const size_t slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  url.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (url.target[0] == '?') url.target = "/" + url.target;
  if (authority.find('@') != std::string::npos) {
    error = "the signaling URL must not carry user information";
    return false;
  }
  std::string port;
  if (!authority.empty() && authority[0] == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string::npos) {
      error = "the signaling URL has an unterminated IPv6 address";
      return false;
    }
    url.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        error = "unexpected characters after the IPv6 address";
        return false;
      }
      port = after.substr(1);
    } else {
      port = default_port;
    }
  } else {
    const size_t colon = authority.rfind(':');
    url.host = authority.substr(0, colon);
    port = colon == std::string::npos ? default_port : authority.substr(colon + 1);
  }
  if (url.host.empty()) {
    error = "the signaling URL has no host";
    return false;
  }
  if (port.empty() || port.size() > 5) {
    error = "the signaling URL's port must be a number 1..65535";
    return false;
  }
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      error = "the signaling URL's port must be a number 1..65535";
      return false;
    }
  }
  const long number = std::stol(port);
  if (number < 1 || number > 65535) {
    error = "the signaling URL's port must be a number 1..65535";
    return false;
  }
  url.port = port;
  return true;
}

}  // namespace otc::signaling
