#include "http_proxy.h"

#include <openssl/evp.h>

#include <cctype>
#include <initializer_list>
#include <vector>

namespace otc::signaling {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding of user information; false for a malformed escape or a control character.
bool decode(const std::string &in, std::string &out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int high = hex_value(in[i + 1]), low = hex_value(in[i + 2]);
      if (high < 0 || low < 0) return false;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    out += c;
  }
  return true;
}

bool valid_host(const std::string &host, bool ipv6) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    const auto u = static_cast<unsigned char>(c);
    const bool ok = ipv6 ? (std::isxdigit(u) || c == ':' || c == '.') : (std::isalnum(u) || c == '-' || c == '.' || c == '_');
    if (!ok) return false;
  }
  return true;
}

bool valid_port(const std::string &port) {
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  const long number = std::stol(port);
  return number >= 1 && number <= 65535;
}

std::string base64(const std::string &in) {
  std::vector<unsigned char> out(4 * ((in.size() + 2) / 3) + 1);
  const int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char *>(in.data()), static_cast<int>(in.size()));
  std::string encoded(reinterpret_cast<const char *>(out.data()), n > 0 ? static_cast<size_t>(n) : 0);
  OPENSSL_cleanse(out.data(), out.size());
  return encoded;
}

}  // namespace

std::string HttpProxy::where() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
}

bool parse_proxy_url(const std::string &text, HttpProxy &proxy, std::string &error) {
  proxy = HttpProxy{};
  if (text.empty()) return true;
  const std::string scheme = "http://";
  if (text.rfind("https://", 0) == 0) {
    error = "https:// proxies (TLS to the proxy) are not supported: use http://host:port (the tunnel still carries wss://)";
    return false;
  }
  if (text.rfind(scheme, 0) != 0) {
    error = "the proxy URL must start with http://";
    return false;
  }
  std::string rest = text.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find_first_of("/?#") != std::string::npos) {
    error = "the proxy URL must be http://[user:password@]host[:port] without a path";
    return false;
  }
  const size_t at = rest.rfind('@');
  if (at != std::string::npos) {
    // Every copy of the credentials made here is wiped on the way out, whichever way that is.
    std::string userinfo = rest.substr(0, at), user, password, user_part, password_part, joined;
    struct Wipe {
      std::initializer_list<std::string *> texts;
      ~Wipe() {
        for (std::string *text : texts) wipe_string(*text);
      }
    } wipe{{&userinfo, &user, &password, &user_part, &password_part, &joined}};
    wipe_string(rest);
    rest = text.substr(scheme.size() + at + 1);
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    const size_t colon = userinfo.find(':');
    user_part = userinfo.substr(0, colon);
    if (colon != std::string::npos) password_part = userinfo.substr(colon + 1);
    if (!decode(user_part, user) || (colon != std::string::npos && !decode(password_part, password))) {
      error = "the proxy URL's user information is malformed";
      return false;
    }
    if (user.empty()) {
      error = "the proxy URL's user name is empty";
      return false;
    }
    joined = user + ":" + password;
    proxy.authorization = "Basic " + base64(joined);
  }
  std::string host, port = "80";
  bool ipv6 = false;
  if (!rest.empty() && rest[0] == '[') {
    const size_t close = rest.find(']');
    if (close == std::string::npos || (close + 1 < rest.size() && rest[close + 1] != ':')) {
      error = "the proxy URL has a malformed IPv6 address";
      return false;
    }
    host = rest.substr(1, close - 1);
    ipv6 = true;
    if (close + 1 < rest.size()) port = rest.substr(close + 2);
  } else {
    const size_t colon = rest.rfind(':');
    host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  if (!valid_host(host, ipv6)) {
    error = "the proxy URL has no valid host";
    return false;
  }
  if (!valid_port(port)) {
    error = "the proxy URL's port must be a number 1..65535";
    return false;
  }
  proxy.host = host;
  proxy.port = port;
  return true;
}

}  // namespace otc::signaling
