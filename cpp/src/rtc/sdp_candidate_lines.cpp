#include "sdp_candidate_lines.h"

#include <string_view>

namespace otc::rtc {

SdpWithoutCandidates TakeCandidateLines(const std::string &sdp) {
  SdpWithoutCandidates out;
  out.sdp.reserve(sdp.size());
  std::vector<std::string> mids;  // per media section, filled as its a=mid is met
  int section = -1;
  size_t start = 0;
  while (start < sdp.size()) {
    size_t end = sdp.find('\n', start);
    const size_t next = end == std::string::npos ? sdp.size() : end + 1;
    std::string_view line(sdp.data() + start, next - start);
    std::string_view content = line;
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.remove_suffix(1);
    if (content.starts_with("m=")) {
      ++section;
      mids.emplace_back();
    } else if (section >= 0 && content.starts_with("a=mid:")) {
      mids[section] = std::string(content.substr(6));
    }
    if (section >= 0 && content.starts_with("a=candidate:")) {
      out.candidates.push_back({"", section, std::string(content.substr(2))});
    } else {
      out.sdp.append(line);
    }
    start = next;
  }
  // a=mid may follow a section's candidates: the mids are filled in once all are known.
  for (auto &candidate : out.candidates) candidate.mid = mids[candidate.mline_index];
  return out;
}

}  // namespace otc::rtc
