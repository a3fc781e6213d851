#include "ice_config.h"

#include <otc/session.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>

#include <cctype>
#include <cstring>

#include "../base/log.h"
#include "session_impl.h"

namespace otc {

namespace {

bool is_host_char(unsigned char c) { return std::isalnum(c) || c == '.' || c == '-' || c == '_'; }

bool check_port(const std::string &text, std::string &why) {
  if (text.empty() || text.size() > 5) return (why = "a bad port"), false;
  for (unsigned char c : text) {
    if (!std::isdigit(c)) return (why = "a bad port"), false;
  }
  const int port = std::stoi(text);
  if (port < 1 || port > 65535) return (why = "a port out of range"), false;
  return true;
}

bool check_text_field(const char *text, const char *what, std::string &why) {
  if (std::strlen(text) > kMaxIceCredentialLength) {
    why = std::string(what) + " longer than " + std::to_string(kMaxIceCredentialLength) + " bytes";
    return false;
  }
  return true;
}

}  // namespace

bool check_ice_url(const std::string &url, std::string &why) {
  if (url.size() > kMaxIceUrlLength) return (why = "longer than " + std::to_string(kMaxIceUrlLength) + " bytes"), false;
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f) return (why = "spaces or non-ASCII characters"), false;
  }
  const size_t colon = url.find(':');
  const std::string scheme = colon == std::string::npos ? "" : url.substr(0, colon);
  const bool turn = scheme == "turn" || scheme == "turns";
  if (!turn && scheme != "stun" && scheme != "stuns") {
    return (why = "not a stun:, stuns:, turn: or turns: URL"), false;
  }
  std::string rest = url.substr(colon + 1);
  const size_t query_at = rest.find('?');
  if (query_at != std::string::npos) {
    const std::string query = rest.substr(query_at + 1);
    rest.resize(query_at);
    if (!turn) return (why = "a query on a STUN URL"), false;
    if (query != "transport=udp" && query != "transport=tcp") {
      return (why = "a query other than transport=udp or transport=tcp"), false;
    }
  }
  std::string host, port;
  if (!rest.empty() && rest[0] == '[') {
    const size_t close = rest.find(']');
    if (close == std::string::npos) return (why = "an unclosed IPv6 address"), false;
    host = rest.substr(1, close - 1);
    const std::string after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return (why = "characters after the IPv6 address"), false;
      port = after.substr(1);
      if (!check_port(port, why)) return false;
    }
    for (unsigned char c : host) {
      if (!std::isxdigit(c) && c != ':' && c != '.') return (why = "a bad IPv6 address"), false;
    }
  } else {
    const size_t port_at = rest.find(':');
    host = rest.substr(0, port_at);
    if (port_at != std::string::npos) {
      port = rest.substr(port_at + 1);
      if (!check_port(port, why)) return false;
    }
    for (unsigned char c : host) {
      if (!is_host_char(c)) return (why = "a bad host name"), false;
    }
  }
  if (host.empty()) return (why = "no host"), false;
  return true;
}

std::vector<IceServer> ice_servers_from_ack(std::vector<IceServer> servers, std::string &problems) {
  std::erase_if(servers, [&](const IceServer &server) {
    for (const auto &url : server.urls) {
      std::string why;
      if (!check_ice_url(url, why)) {
        add_ice_problem(problems, "ICE server URL \"" + url.substr(0, 64) + "\": " + why);
        return true;
      }
    }
    return false;
  });
  return servers;
}

bool is_loopback_host(const std::string &host) {
  if (strcasecmp(host.c_str(), "localhost") == 0) return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  }
  return false;
}

std::string ice_url_host(const std::string &url) {
  const size_t colon = url.find(':');
  if (colon == std::string::npos) return "";
  std::string rest = url.substr(colon + 1);
  rest.resize(std::min(rest.size(), rest.find('?')));
  if (!rest.empty() && rest[0] == '[') {
    const size_t close = rest.find(']');
    return close == std::string::npos ? "" : rest.substr(1, close - 1);
  }
  return rest.substr(0, rest.find(':'));
}

rtc::IceSettings combine_ice_settings(const CustomIceConfig &custom, const std::vector<IceServer> &from_server,
                                      const std::string &signaling_host) {
  rtc::IceSettings settings;
  if (!custom.custom_only) settings.servers = from_server;
  settings.servers.insert(settings.servers.end(), custom.servers.begin(), custom.servers.end());
  settings.relay_only = custom.force_turn;
  settings.connect_timeout = custom.connect_timeout;
  settings.loopback_candidates = is_loopback_host(signaling_host);
  for (const auto &server : settings.servers) {
    for (const auto &url : server.urls) settings.loopback_candidates |= is_loopback_host(ice_url_host(url));
  }
  return settings;
}

}  // namespace otc

extern "C" {

otc_status otc_session_settings_set_custom_ice_config(otc_session_settings *settings,
                                                      const struct otc_custom_ice_config *config) {
  if (!settings || !config) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  const int count = config->num_ice_servers;
  if (count < 0 || static_cast<size_t>(count) > otc::kMaxIceServers) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  if (count > 0 && !config->ice_url) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  std::vector<otc::IceServer> servers;
  for (int i = 0; i < count; ++i) {
    const char *url = config->ice_url[i];
    const char *user = config->ice_user ? config->ice_user[i] : nullptr;
    const char *credential = config->ice_credential ? config->ice_credential[i] : nullptr;
    std::string why;
    if (!url || !otc::check_ice_url(url, why)) {
      otc::log(OTC_LOG_LEVEL_WARN, "custom ICE server %d: %s", i, url ? why.c_str() : "no URL");
      return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
    }
    if ((user && !otc::check_text_field(user, "a username", why)) ||
        (credential && !otc::check_text_field(credential, "a credential", why))) {
      otc::log(OTC_LOG_LEVEL_WARN, "custom ICE server %d: %s", i, why.c_str());
      return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
    }
    const bool turn = std::strncmp(url, "turn", 4) == 0;
    if (turn && (!user || !*user || !credential || !*credential)) {
      otc::log(OTC_LOG_LEVEL_WARN, "custom ICE server %d: a TURN server needs a username and a credential", i);
      return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
    }
    otc::IceServer server;
    server.urls.push_back(url);
    if (user) server.username = user;
    if (credential) server.credential = credential;
    servers.push_back(server);
  }
  settings->ice.servers = std::move(servers);
  settings->ice.force_turn = config->force_turn != OTC_FALSE;
  settings->ice.custom_only = config->use_custom_turn_only != OTC_FALSE;
  return OTC_SUCCESS;
}

otc_status otc_session_settings_set_ice_connect_timeout(otc_session_settings *settings, int timeout_ms) {
  if (!settings || timeout_ms < otc::kMinIceConnectTimeout.count() || timeout_ms > otc::kMaxIceConnectTimeout.count()) {
    return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  }
  settings->ice.connect_timeout = std::chrono::milliseconds(timeout_ms);
  return OTC_SUCCESS;
}

}  // extern "C"
