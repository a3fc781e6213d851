// ICE configuration of a session: the application's own servers and policy
// (otc_session_settings_set_custom_ice_config, the Linux SDK's custom ICE configuration), the
// servers the session server hands out in its connect ack (docs/protocol.md), and how the two
// combine into what each peer connection is made with. Every input is checked and bounded.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "../base/ice_server.h"
#include "../rtc/ice_settings.h"

namespace otc {

inline constexpr std::chrono::milliseconds kMinIceConnectTimeout{1000};
inline constexpr std::chrono::milliseconds kMaxIceConnectTimeout{600000};

struct CustomIceConfig {
  std::vector<IceServer> servers;
  bool force_turn = false;       // relay candidates only
  bool custom_only = false;      // ignore the session server's ICE servers
  std::chrono::milliseconds connect_timeout = rtc::kDefaultIceConnectTimeout;
};

// Whether url is a STUN/TURN URL libwebrtc takes ("stun:", "stuns:", "turn:", "turns:", a host,
// an optional port, "?transport=udp|tcp" on TURN only); why says what is wrong otherwise.
bool check_ice_url(const std::string &url, std::string &why);

// The connect ack's ICE servers (read by signaling/messages.cpp) that libwebrtc can take: an entry
// with a URL it would refuse is left out, its reason appended to problems.
std::vector<IceServer> ice_servers_from_ack(std::vector<IceServer> servers, std::string &problems);

// Whether host names this machine's loopback ("localhost", 127.0.0.0/8, ::1, ::ffff:127.x).
bool is_loopback_host(const std::string &host);

// The host of a STUN/TURN URL ("turn:[::1]:3478?transport=udp" -> "::1"); "" when it has none.
std::string ice_url_host(const std::string &url);

// What a peer connection of the session is made with. signaling_host is the session server's
// host: loopback candidates are gathered only when it or an ICE server is on this machine's
// loopback, as only a peer on this machine could ever reach them.
rtc::IceSettings combine_ice_settings(const CustomIceConfig &custom, const std::vector<IceServer> &from_server,
                                      const std::string &signaling_host);

}  // namespace otc
