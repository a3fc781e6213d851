// C API: otc_video_frame accessors.
#include "../base/video_frame.h"

extern "C" {

int otc_video_frame_get_width(const otc_video_frame *frame) { return frame ? frame->width : 0; }

int otc_video_frame_get_height(const otc_video_frame *frame) { return frame ? frame->height : 0; }

const uint8_t *otc_video_frame_get_plane(const otc_video_frame *frame, otc_video_plane plane) {
  if (!frame || plane < OTC_VIDEO_PLANE_Y || plane > OTC_VIDEO_PLANE_V) return nullptr;
  return frame->planes[plane];
}

int otc_video_frame_get_plane_stride(const otc_video_frame *frame, otc_video_plane plane) {
  if (!frame || plane < OTC_VIDEO_PLANE_Y || plane > OTC_VIDEO_PLANE_V) return 0;
  return frame->strides[plane];
}

int64_t otc_video_frame_get_timestamp_us(const otc_video_frame *frame) { return frame ? frame->timestamp_us : 0; }

}  // extern "C"
