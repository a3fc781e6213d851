// The size a publisher's camera captures at: the SDK's capture resolution setting
// (opentok/camera_capture_resolution.h) turned into pixels, and the size a device offers that
// comes nearest to it.
#pragma once

#include <optional>
#include <vector>

namespace otc::media {

struct CaptureSize {
  int width = 0, height = 0;
  bool operator==(const CaptureSize &) const = default;
};

// LOW 320x240, MEDIUM 640x480, HIGH 1280x720, 1080P 1920x1080; anything else MEDIUM (the SDK's
// default).
CaptureSize camera_capture_size(int otc_camera_capture_resolution);

// The offered size nearest wanted: least |dw| + |dh|, the larger on a tie (detail is dropped
// more gracefully than invented). nullopt when nothing is offered.
std::optional<CaptureSize> nearest_capture_size(const std::vector<CaptureSize> &offered, CaptureSize wanted);

}  // namespace otc::media
