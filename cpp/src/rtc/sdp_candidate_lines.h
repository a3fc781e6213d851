#pragma once
// A remote ICE restart offer's candidates must reach libwebrtc only after the answer is in place
// (peer_link.cpp, ForgetRemoteCandidates): this takes them out of the offer's text.
#include <string>
#include <vector>

namespace otc::rtc {

struct SdpCandidateLine {
  std::string mid;      // the media section's a=mid ("" when it has none)
  int mline_index = 0;  // the media section's position, from 0
  std::string candidate;  // "candidate:..." (the attribute without "a=")
};

struct SdpWithoutCandidates {
  std::string sdp;  // the text without its a=candidate lines, otherwise unchanged
  std::vector<SdpCandidateLine> candidates;
};

// Lines outside any media section (session level) are kept: SDP allows no candidates there.
SdpWithoutCandidates TakeCandidateLines(const std::string &sdp);

}  // namespace otc::rtc
