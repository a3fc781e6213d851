#include "v4l2_devices.h"

#include "webrtc_build_guard.h"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <modules/video_capture/video_capture_factory.h>

namespace otc::rtc {

namespace {

// The nodes libwebrtc's V4L2 code looks at.
constexpr int kMaxNodes = 64;

struct Node {
  std::string path;
  std::string error;  // empty: a V4L2 device
  std::string card, bus;
  uint32_t caps = 0;  // the node's own capabilities
  dev_t device = 0;
  bool captures() const { return error.empty() && (caps & V4L2_CAP_VIDEO_CAPTURE); }
};

std::string text_of(const uint8_t *field, size_t size) {
  return std::string(reinterpret_cast<const char *>(field), strnlen(reinterpret_cast<const char *>(field), size));
}

// Never blocks: O_NONBLOCK, so a FIFO or a busy device answers at once.
Node query_node(const std::string &path) {
  Node node;
  node.path = path;
  const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    node.error = std::string("cannot open it: ") + std::strerror(errno);
    return node;
  }
  struct stat st {};
  v4l2_capability cap{};
  if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode)) {
    node.error = "it is not a device node, so not a V4L2 camera";
  } else if (ioctl(fd, VIDIOC_QUERYCAP, &cap) != 0) {
    node.error = std::string("it is not a V4L2 device (VIDIOC_QUERYCAP: ") + std::strerror(errno) + ")";
  } else {
    node.device = st.st_rdev;
    node.card = text_of(cap.card, sizeof cap.card);
    node.bus = text_of(cap.bus_info, sizeof cap.bus_info);
    node.caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
  }
  close(fd);
  return node;
}

std::vector<Node> scan_nodes() {
  std::vector<Node> nodes;
  for (int n = 0; n < kMaxNodes; ++n) {
    const std::string path = "/dev/video" + std::to_string(n);
    if (access(path.c_str(), F_OK) != 0) continue;
    nodes.push_back(query_node(path));
  }
  return nodes;
}

// The node libwebrtc's VideoCaptureModuleV4L2::Init opens for unique_id: the first that answers
// with a bus id unique_id is a prefix of.
const Node *node_libwebrtc_opens(const std::vector<Node> &nodes, const std::string &unique_id) {
  for (const Node &node : nodes) {
    if (node.error.empty() && !node.bus.empty() && node.bus.compare(0, unique_id.size(), unique_id) == 0) return &node;
  }
  return nullptr;
}

std::vector<V4l2Camera> list_from(const std::vector<Node> &nodes) {
  std::unique_ptr<webrtc::VideoCaptureModule::DeviceInfo> info(webrtc::VideoCaptureFactory::CreateDeviceInfo());
  std::vector<V4l2Camera> cameras;
  if (!info) return cameras;
  // DeviceInfo counts the capture nodes of /dev/video0..63 in order: its device i is the i-th
  // of them (checked by name: a camera plugged in between the two scans is left out).
  std::vector<const Node *> capture_nodes;
  for (const Node &node : nodes) {
    if (node.captures()) capture_nodes.push_back(&node);
  }
  const uint32_t count = info->NumberOfDevices();
  for (uint32_t i = 0; i < count && i < capture_nodes.size(); ++i) {
    char name[256] = {}, unique_id[256] = {}, product[256] = {};
    if (info->GetDeviceName(i, name, sizeof name, unique_id, sizeof unique_id, product, sizeof product) != 0) continue;
    if (capture_nodes[i]->card != name) continue;
    cameras.push_back({capture_nodes[i]->path, name, unique_id});
  }
  return cameras;
}

std::string names_of(const std::vector<V4l2Camera> &cameras) {
  std::string out;
  for (const auto &camera : cameras) {
    out += (out.empty() ? "" : ", ") + camera.path + " \"" + camera.name + "\" (" + camera.unique_id + ")";
  }
  return out;
}

}  // namespace

std::vector<V4l2Camera> list_v4l2_cameras() { return list_from(scan_nodes()); }

std::optional<V4l2Camera> find_v4l2_camera(const std::string &choice, std::string &why) {
  const std::vector<Node> nodes = scan_nodes();
  const std::vector<V4l2Camera> cameras = list_from(nodes);
  std::optional<V4l2Camera> found;
  if (choice.empty()) {
    if (cameras.empty()) {
      why = "no V4L2 camera found (no video capture device among /dev/video*)";
      return std::nullopt;
    }
    found = cameras.front();
  } else if (choice.front() == '/') {
    const Node node = query_node(choice);
    if (!node.error.empty()) {
      why = "camera " + choice + ": " + node.error;
      return std::nullopt;
    }
    if (!node.captures()) {
      why = "camera " + choice + ": the V4L2 device \"" + node.card + "\" does not capture video (a metadata or output node?)";
      return std::nullopt;
    }
    for (const auto &camera : cameras) {
      for (const Node &candidate : nodes) {
        if (candidate.path == camera.path && candidate.device == node.device) found = camera;
      }
    }
    if (!found) {
      why = "camera " + choice + ": not among the cameras libwebrtc lists (/dev/video0../dev/video63)";
      return std::nullopt;
    }
  } else {
    for (const auto &camera : cameras) {
      if (!found && (camera.name == choice || camera.unique_id == choice)) found = camera;
    }
    if (!found) {
      why = "no V4L2 camera named or with the unique id \"" + choice + "\" (" +
            (cameras.empty() ? std::string("no camera found") : "found: " + names_of(cameras)) + ")";
      return std::nullopt;
    }
  }
  if (found->unique_id.empty()) {
    why = "camera " + found->path + ": its driver reports no bus id, which libwebrtc's V4L2 capture opens cameras by";
    return std::nullopt;
  }
  const Node *opened = node_libwebrtc_opens(nodes, found->unique_id);
  if (!opened || opened->path != found->path) {
    why = "camera " + found->path + ": libwebrtc's V4L2 capture opens cameras by bus id and would open " +
          (opened ? opened->path : std::string("none")) + " for \"" + found->unique_id + "\" instead";
    return std::nullopt;
  }
  return found;
}

std::vector<media::CaptureSize> v4l2_frame_sizes(const std::string &path, bool &has_usable_format) {
  has_usable_format = false;
  std::vector<media::CaptureSize> sizes;
  const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return sizes;
  // Those VideoCaptureModuleV4L2::StartCapture picks from.
  static constexpr uint32_t kUsable[] = {V4L2_PIX_FMT_YUV420, V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_UYVY, V4L2_PIX_FMT_MJPEG,
                                         V4L2_PIX_FMT_JPEG};
  // Offered within a stepwise or continuous range.
  static constexpr media::CaptureSize kCommon[] = {{320, 240}, {640, 480}, {1280, 720}, {1920, 1080}};
  v4l2_fmtdesc format{};
  format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  for (format.index = 0; ioctl(fd, VIDIOC_ENUM_FMT, &format) == 0; ++format.index) {
    bool usable = false;
    for (uint32_t pixel : kUsable) usable = usable || pixel == format.pixelformat;
    if (!usable) continue;
    has_usable_format = true;
    v4l2_frmsizeenum size{};
    size.pixel_format = format.pixelformat;
    for (size.index = 0; ioctl(fd, VIDIOC_ENUM_FRAMESIZES, &size) == 0; ++size.index) {
      if (size.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
        sizes.push_back({static_cast<int>(size.discrete.width), static_cast<int>(size.discrete.height)});
        continue;
      }
      const auto &range = size.stepwise;
      for (const auto &common : kCommon) {
        const auto w = static_cast<uint32_t>(common.width), h = static_cast<uint32_t>(common.height);
        if (w >= range.min_width && w <= range.max_width && h >= range.min_height && h <= range.max_height) {
          sizes.push_back(common);
        }
      }
      sizes.push_back({static_cast<int>(range.max_width), static_cast<int>(range.max_height)});
      break;  // one range describes them all
    }
  }
  close(fd);
  return sizes;
}

bool v4l2_camera_present(const V4l2Camera &camera) {
  const Node node = query_node(camera.path);
  return node.captures() && node.bus == camera.unique_id;
}

}  // namespace otc::rtc
