// Bounds on ICE server lists, shared by the layer that reads the session server's list
// (signaling/messages.cpp) and the one that checks the application's own (otc/ice_config.cpp).
#pragma once

#include <cstddef>

namespace otc {

inline constexpr size_t kMaxIceServers = 16;          // per source: custom, or the server's
inline constexpr size_t kMaxIceUrlsPerServer = 8;
inline constexpr size_t kMaxIceUrlLength = 512;
inline constexpr size_t kMaxIceCredentialLength = 512;  // username and credential each

}  // namespace otc
