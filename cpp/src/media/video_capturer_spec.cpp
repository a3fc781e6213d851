#include "video_capturer_spec.h"

#include <cstdio>
#include <cstring>

namespace otc::media {

namespace {

VideoCapturerSpec invalid(const std::string &value, const std::string &why) {
  VideoCapturerSpec spec;
  spec.kind = VideoCapturerSpec::Kind::kInvalid;
  spec.problem = std::string(kVideoCapturerEnv) + "=" + value + ": " + why +
                 " (want camera[:DEVICE], pattern[:WxH@FPS] or file:PATH.y4m)";
  return spec;
}

bool ends_with(const std::string &text, const char *suffix) {
  const size_t n = std::strlen(suffix);
  return text.size() >= n && text.compare(text.size() - n, n, suffix) == 0;
}

}  // namespace

VideoCapturerSpec parse_video_capturer_spec(const char *value) {
  const std::string text = value ? value : "";
  VideoCapturerSpec spec;
  if (text.empty() || text == "camera") return spec;
  if (text.rfind("camera:", 0) == 0) {
    spec.path = text.substr(std::strlen("camera:"));
    if (spec.path.empty()) return invalid(text, "name the camera: camera:/dev/videoN, or its name or unique id");
    return spec;
  }
  if (text == "pattern" || text.rfind("pattern:", 0) == 0) {
    spec.kind = VideoCapturerSpec::Kind::kPattern;
    if (text.size() == std::strlen("pattern")) return spec;
    int w = 0, h = 0, fps = 0, used = 0;
    const char *rest = text.c_str() + std::strlen("pattern:");
    if (std::sscanf(rest, "%dx%d@%d%n", &w, &h, &fps, &used) != 3 || rest[used] != '\0') {
      return invalid(text, "the pattern's format is WxH@FPS, e.g. pattern:320x240@15");
    }
    if (w < 64 || h < 64 || w > 1920 || h > 1080 || w % 2 || h % 2 || fps < 1 || fps > 60) {
      return invalid(text, "the pattern needs even sizes 64x64..1920x1080 and 1..60 fps");
    }
    spec.width = w;
    spec.height = h;
    spec.fps = fps;
    return spec;
  }
  if (text.rfind("file:", 0) == 0) {
    spec.kind = VideoCapturerSpec::Kind::kFile;
    spec.path = text.substr(std::strlen("file:"));
    if (spec.path.empty() || !ends_with(spec.path, ".y4m")) return invalid(text, "the file must be a .y4m");
    return spec;
  }
  return invalid(text, "unknown value");
}

std::string camera_problem(const std::string &why) {
  return why + "; set " + kVideoCapturerEnv +
         "=pattern[:WxH@FPS] or file:PATH.y4m for a stand-in, or give the publisher a video capturer";
}

}  // namespace otc::media
