// How many video capture nodes this machine has, counted without libwebrtc or node-otc: camera
// tests check the library's list against it and skip (visibly) what needs a machine without one.
#pragma once

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <string>

namespace otc_test {

inline int capture_nodes_on_this_machine() {
  int count = 0;
  for (int n = 0; n < 64; ++n) {
    const std::string path = "/dev/video" + std::to_string(n);
    const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK);
    if (fd < 0) continue;
    v4l2_capability cap{};
    if (ioctl(fd, VIDIOC_QUERYCAP, &cap) == 0 && (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE)) ++count;
    close(fd);
  }
  return count;
}

}  // namespace otc_test
