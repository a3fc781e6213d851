// The OTC_VIDEO_CAPTURER environment variable: the video a publisher made without a capturer
// sends (opentok/publisher.h).
//   camera (or unset)   the first V4L2 camera (/dev/video*), as the SDK's default capturer
//   camera:DEVICE       a chosen camera: its node (/dev/videoN) or its name or unique id as
//                       libwebrtc lists them (the driver's card name, the bus id)
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
  std::string path;                         // kFile; kCamera: the device asked for, "" the first
  std::string problem;                      // kInvalid: what the publisher reports
};

// value may be null (unset).
VideoCapturerSpec parse_video_capturer_spec(const char *value);

// What a publisher says when the camera it was to capture cannot be had: why, then the stand-ins.
std::string camera_problem(const std::string &why);

}  // namespace otc::media
