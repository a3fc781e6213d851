// The OTC_VIDEO_CAPTURER environment variable: the video a publisher made without a capturer
// sends (opentok/publisher.h).
//   camera (or unset)   the default camera: not available in this build, a clear error instead
//   pattern[:WxH@FPS]   node-otc's test pattern (640x360@30 by default; even sizes 64x64 ..
//                       1920x1080, 1..60 fps)
//   file:PATH.y4m       a YUV4MPEG2 4:2:0 file, looped at its frame rate
#pragma once

#include <string>

namespace otc::media {

inline constexpr const char *kVideoCapturerEnv = "OTC_VIDEO_CAPTURER";

struct VideoCapturerSpec {
  enum class Kind { kCamera, kPattern, kFile, kInvalid };
  Kind kind = Kind::kCamera;
  int width = 640, height = 360, fps = 30;  // kPattern
  std::string path;                         // kFile
  std::string problem;                      // kInvalid and kCamera: what the publisher reports
};

// value may be null (unset).
VideoCapturerSpec parse_video_capturer_spec(const char *value);

}  // namespace otc::media
