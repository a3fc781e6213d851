// TakeCandidateLines: a remote ICE restart offer's candidates, taken out of its text with the
// media section each belongs to (PeerLink adds them once its answer is in place).
#include <gtest/gtest.h>

#include <string>

#include "rtc/sdp_candidate_lines.h"

using otc::rtc::TakeCandidateLines;

namespace {

// Janus's shape: candidates inline in each bundled section, one section naming its mid after them.
const std::string kOffer =
    "v=0\r\n"
    "o=- 1 2 IN IP4 198.18.3.2\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE a v\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 198.18.3.2\r\n"
    "a=mid:a\r\n"
    "a=ice-ufrag:acwU\r\n"
    "a=candidate:1 1 udp 2015363327 198.18.3.2 38280 typ host\r\n"
    "a=candidate:3 1 udp 505413887 198.18.0.2 50210 typ relay raddr 198.18.3.2 rport 38280\r\n"
    "a=end-of-candidates\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 198.18.3.2\r\n"
    "a=candidate:1 1 udp 2015363327 198.18.3.2 38280 typ host\r\n"
    "a=mid:v\r\n"
    "a=rtpmap:96 VP8/90000\r\n";

TEST(SdpCandidateLines, TakesEveryCandidateWithItsSectionAndMidAndLeavesTheRestAsItWas) {
  const auto taken = TakeCandidateLines(kOffer);
  ASSERT_EQ(taken.candidates.size(), 3u);
  EXPECT_EQ(taken.candidates[0].mid, "a");
  EXPECT_EQ(taken.candidates[0].mline_index, 0);
  EXPECT_EQ(taken.candidates[0].candidate, "candidate:1 1 udp 2015363327 198.18.3.2 38280 typ host");
  EXPECT_EQ(taken.candidates[1].candidate,
            "candidate:3 1 udp 505413887 198.18.0.2 50210 typ relay raddr 198.18.3.2 rport 38280");
  // The mid that follows its section's candidates is still theirs.
  EXPECT_EQ(taken.candidates[2].mid, "v");
  EXPECT_EQ(taken.candidates[2].mline_index, 1);
  std::string expected = kOffer;
  for (const auto &line : {"a=candidate:1 1 udp 2015363327 198.18.3.2 38280 typ host\r\n",
                           "a=candidate:3 1 udp 505413887 198.18.0.2 50210 typ relay raddr 198.18.3.2 rport 38280\r\n",
                           "a=candidate:1 1 udp 2015363327 198.18.3.2 38280 typ host\r\n"}) {
    expected.erase(expected.find(line), std::string(line).size());
  }
  EXPECT_EQ(taken.sdp, expected);
}

TEST(SdpCandidateLines, BareNewlinesAndAMissingFinalNewlineAreKept) {
  const auto taken = TakeCandidateLines("v=0\nm=audio 9 RTP/AVP 0\na=candidate:1 1 udp 1 10.0.0.1 9 typ host\na=mid:0");
  ASSERT_EQ(taken.candidates.size(), 1u);
  EXPECT_EQ(taken.candidates[0].candidate, "candidate:1 1 udp 1 10.0.0.1 9 typ host");
  EXPECT_EQ(taken.candidates[0].mid, "0");
  EXPECT_EQ(taken.sdp, "v=0\nm=audio 9 RTP/AVP 0\na=mid:0");
}

TEST(SdpCandidateLines, NoCandidatesNoSectionsOrNothingAtAllComeBackUnchanged) {
  for (const std::string sdp : {std::string(), std::string("v=0\r\n"), std::string("a=candidate:1 1 udp 1 10.0.0.1 9 typ host\r\n"),
                                std::string("v=0\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\n")}) {
    const auto taken = TakeCandidateLines(sdp);
    EXPECT_TRUE(taken.candidates.empty()) << sdp;
    EXPECT_EQ(taken.sdp, sdp);
  }
}

}  // namespace
