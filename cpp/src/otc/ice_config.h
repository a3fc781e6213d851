// ICE configuration of a session: the application's own servers and policy
// (otc_session_settings_set_custom_ice_config, the Linux SDK's custom ICE configuration), the
// servers the session server hands out in its connect ack (docs/protocol.md), and how the two
// combine into what each peer connection is made with. Every input is checked and bounded.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "../rtc/ice_settings.h"

namespace otc {

inline constexpr size_t kMaxIceServers = 16;          // per source: custom, or the server's
inline constexpr size_t kMaxIceUrlsPerServer = 8;
inline constexpr size_t kMaxIceUrlLength = 512;
inline constexpr size_t kMaxIceCredentialLength = 512;  // username and credential each
inline constexpr std::chrono::milliseconds kMinIceConnectTimeout{1000};
inline constexpr std::chrono::milliseconds kMaxIceConnectTimeout{600000};

struct CustomIceConfig {
  std::vector<rtc::IceServer> servers;
  bool force_turn = false;       // relay candidates only
  bool custom_only = false;      // ignore the session server's ICE servers
  std::chrono::milliseconds connect_timeout = rtc::kDefaultIceConnectTimeout;
};

// Whether url is a STUN/TURN URL libwebrtc takes ("stun:", "stuns:", "turn:", "turns:", a host,
// an optional port, "?transport=udp|tcp" on TURN only); why says what is wrong otherwise.
bool check_ice_url(const std::string &url, std::string &why);

// The connect ack's "iceServers": entries that are not well-formed are skipped (each reason
// appended to problems), and at most kMaxIceServers are kept. Absent or empty: none.
std::vector<rtc::IceServer> parse_ice_servers(const nlohmann::json &value, std::string &problems);

// What a peer connection of the session is made with.
rtc::IceSettings combine_ice_settings(const CustomIceConfig &custom, const std::vector<rtc::IceServer> &from_server);

}  // namespace otc
