// The V4L2 cameras libwebrtc's capture module can open (modules/video_capture), the node each
// is, and the frame sizes it offers.
//
// libwebrtc lists devices by index and opens them by unique id (the driver's bus id, matched as
// a prefix against /dev/video0..63 in order); it never says which node a device is. This file
// asks the nodes themselves (VIDIOC_QUERYCAP) so that a camera can be chosen by its node and so
// that a choice libwebrtc would resolve to another node is refused instead of capturing the
// wrong camera.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "../media/capture_size.h"

namespace otc::rtc {

struct V4l2Camera {
  std::string path;       // /dev/videoN
  std::string name;       // the driver's card name
  std::string unique_id;  // the bus id: what libwebrtc opens it by
};

// Every video capture device libwebrtc's DeviceInfo lists, in its order; empty without any.
std::vector<V4l2Camera> list_v4l2_cameras();

// The camera a choice names: "" the first; a path (/dev/videoN or a link to it); else a name or
// unique id as list_v4l2_cameras gives them. nullopt with why set otherwise (no camera, no such
// node, not a V4L2 device, not a capture device, one libwebrtc cannot address).
std::optional<V4l2Camera> find_v4l2_camera(const std::string &choice, std::string &why);

// Frame sizes the device offers in the pixel formats libwebrtc's capture converts (YUV 4:2:0,
// YUYV, UYVY, MJPEG); empty when it offers none of those or does not enumerate sizes.
std::vector<media::CaptureSize> v4l2_frame_sizes(const std::string &path, bool &has_usable_format);

// Whether path still is that camera (answers VIDIOC_QUERYCAP with the same bus id): false once
// it was unplugged.
bool v4l2_camera_present(const V4l2Camera &camera);

}  // namespace otc::rtc
