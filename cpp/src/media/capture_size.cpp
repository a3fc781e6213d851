#include "capture_size.h"

#include <cstdlib>

#include <opentok/camera_capture_resolution.h>

namespace otc::media {

CaptureSize camera_capture_size(int resolution) {
  switch (resolution) {
    case OTC_CAMERA_CAPTURE_RESOLUTION_LOW: return {320, 240};
    case OTC_CAMERA_CAPTURE_RESOLUTION_HIGH: return {1280, 720};
    case OTC_CAMERA_CAPTURE_RESOLUTION_1080P: return {1920, 1080};
    default: return {640, 480};
  }
}

std::optional<CaptureSize> nearest_capture_size(const std::vector<CaptureSize> &offered, CaptureSize wanted) {
  std::optional<CaptureSize> best;
  long best_distance = 0;
  for (const CaptureSize &size : offered) {
    if (size.width <= 0 || size.height <= 0) continue;
    const long distance = std::labs(static_cast<long>(size.width) - wanted.width) +
                          std::labs(static_cast<long>(size.height) - wanted.height);
    const bool larger = best && static_cast<long>(size.width) * size.height >
                                    static_cast<long>(best->width) * best->height;
    if (!best || distance < best_distance || (distance == best_distance && larger)) {
      best = size;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace otc::media
