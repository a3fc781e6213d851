// C API: the SDK's otc_video_frame_* (opentok/video_frame.h) and node-otc's
// otc_video_frame_get_timestamp_us (otc/media.h). The object and its pixels are in
// media/video_frame.h; this file checks arguments, which may be anything a C caller passes.
#include <opentok/video_frame.h>
#include <otc/media.h>

#include <cstring>
#include <cstdint>
#include <limits>

#include "../media/video_frame.h"

namespace {

using otc::media::FramePtr;

// Enum values outside the enum reach us from C: compare as int.
bool known_format(int format) {
  return (format > OTC_VIDEO_FRAME_FORMAT_UNKNOWN && format < OTC_VIDEO_FRAME_FORMAT_MAX) ||
         format == OTC_VIDEO_FRAME_FORMAT_COMPRESSED;
}

otc_video_frame *release(FramePtr frame) { return frame.release(); }

int plane_of(const otc_video_frame *frame, enum otc_video_frame_plane plane) {
  return frame ? otc::media::plane_index(*frame, static_cast<int>(plane)) : -1;
}

}  // namespace

extern "C" {

void *otc_video_frame_get_native_handle(const otc_video_frame *frame) { return nullptr; }

otc_video_frame *otc_video_frame_new(enum otc_video_frame_format format, int width, int height,
                                     const uint8_t *buffer) {
  if (format == OTC_VIDEO_FRAME_FORMAT_MJPEG || format == OTC_VIDEO_FRAME_FORMAT_COMPRESSED) return nullptr;
  FramePtr borrowed = otc::media::wrap_buffer(format, width, height, buffer, SIZE_MAX, false);
  return borrowed ? release(otc::media::deep_copy(*borrowed)) : nullptr;
}

otc_status otc_video_frame_delete(otc_video_frame *frame) {
  if (!frame || frame->lent) return OTC_INVALID_PARAM;
  delete frame;
  return OTC_SUCCESS;
}

otc_video_frame *otc_video_frame_new_I420(int width, int height, const uint8_t *y_plane, int y_stride,
                                          const uint8_t *u_plane, int u_stride, const uint8_t *v_plane,
                                          int v_stride) {
  const uint8_t *planes[3] = {y_plane, u_plane, v_plane};
  const int strides[3] = {y_stride, u_stride, v_stride};
  return release(otc::media::copy_planes(OTC_VIDEO_FRAME_FORMAT_YUV420P, width, height, planes, strides));
}

otc_video_frame *otc_video_frame_new_MJPEG(int width, int height, const uint8_t *buffer, size_t size) {
  return release(otc::media::copy_encoded(OTC_VIDEO_FRAME_FORMAT_MJPEG, width, height, buffer, size));
}

otc_video_frame *otc_video_frame_new_compressed(int width, int height, const uint8_t *buffer, size_t size) {
  return release(otc::media::copy_encoded(OTC_VIDEO_FRAME_FORMAT_COMPRESSED, width, height, buffer, size));
}

otc_video_frame *otc_video_frame_new_from_planes(enum otc_video_frame_format format, int width, int height,
                                                 const uint8_t **planes, int *strides) {
  return release(otc::media::copy_planes(format, width, height, planes, strides));
}

otc_video_frame *otc_video_frame_new_I420_from_planes_with_format(enum otc_video_frame_format input_format,
                                                                  int width, int height, const uint8_t **planes,
                                                                  int *strides) {
  // Borrow the planes (checked like a wrapper's), then convert into an owned frame.
  FramePtr input = otc::media::wrap_planes(input_format, width, height, planes, strides, nullptr, false);
  if (!input) return nullptr;
  return release(otc::media::convert(*input, OTC_VIDEO_FRAME_FORMAT_YUV420P));
}

otc_video_frame *otc_video_frame_new_contiguous_memory_wrapper(enum otc_video_frame_format format, int width,
                                                               int height, otc_bool is_shallow_copyable,
                                                               const uint8_t *buffer, size_t size,
                                                               otc_video_frame_memory_release_callback callback,
                                                               void *arg) {
  FramePtr frame = otc::media::wrap_buffer(format, width, height, buffer, size, false);
  if (!frame) return nullptr;
  // Attached only now that nothing can fail: a failed call never runs the callback.
  frame->memory = otc::media::release_buffer_on_destroy(callback, buffer, arg);
  frame->shallow_copyable = is_shallow_copyable != OTC_FALSE;
  return release(std::move(frame));
}

otc_video_frame *otc_video_frame_new_planar_memory_wrapper(enum otc_video_frame_format format, int width,
                                                           int height, otc_bool is_shallow_copyable,
                                                           struct otc_video_frame_planar_memory_callbacks *callbacks) {
  otc::media::FrameLayout layout;
  if (!callbacks || !callbacks->get_plane || !otc::media::layout_of(format, width, height, layout)) return nullptr;
  // The plane values each plane is asked for, in the SDK 2.19.1 numbering the header declares.
  otc_video_frame_plane ids[3] = {OTC_VIDEO_FRAME_PLANE_PACKED, OTC_VIDEO_FRAME_PLANE_PACKED,
                                  OTC_VIDEO_FRAME_PLANE_PACKED};
  if (format == OTC_VIDEO_FRAME_FORMAT_YUV420P) {
    ids[0] = OTC_VIDEO_FRAME_PLANE_Y;
    ids[1] = OTC_VIDEO_FRAME_PLANE_U;
    ids[2] = OTC_VIDEO_FRAME_PLANE_V;
  } else if (format == OTC_VIDEO_FRAME_FORMAT_NV12 || format == OTC_VIDEO_FRAME_FORMAT_NV21) {
    ids[0] = OTC_VIDEO_FRAME_PLANE_Y;
    ids[1] = format == OTC_VIDEO_FRAME_FORMAT_NV12 ? OTC_VIDEO_FRAME_PLANE_UV_INTERLEAVED
                                                   : OTC_VIDEO_FRAME_PLANE_VU_INTERLEAVED;
  }
  const uint8_t *planes[3] = {nullptr, nullptr, nullptr};
  int strides[3] = {0, 0, 0};
  for (int i = 0; i < layout.planes; ++i) {
    planes[i] = callbacks->get_plane(callbacks->user_data, ids[i]);
    strides[i] = callbacks->get_plane_stride ? callbacks->get_plane_stride(callbacks->user_data, ids[i])
                                             : layout.row_bytes[i];
  }
  FramePtr probe = otc::media::wrap_planes(format, width, height, planes, strides, nullptr, false);
  if (!probe) return nullptr;
  probe->memory = otc::media::release_on_destroy(callbacks->release, callbacks->user_data);
  probe->shallow_copyable = is_shallow_copyable != OTC_FALSE;
  return release(std::move(probe));
}

otc_video_frame *otc_video_frame_new_I420_wrapper(int width, int height, const uint8_t *y_plane, int y_stride,
                                                  const uint8_t *u_plane, int u_stride, const uint8_t *v_plane,
                                                  int v_stride) {
  const uint8_t *planes[3] = {y_plane, u_plane, v_plane};
  const int strides[3] = {y_stride, u_stride, v_stride};
  return release(
      otc::media::wrap_planes(OTC_VIDEO_FRAME_FORMAT_YUV420P, width, height, planes, strides, nullptr, false));
}

otc_video_frame *otc_video_frame_new_NV21_wrapper(int width, int height, const uint8_t *y_plane, int y_stride,
                                                  const uint8_t *uv_plane, int uv_stride) {
  const uint8_t *planes[2] = {y_plane, uv_plane};
  const int strides[2] = {y_stride, uv_stride};
  return release(otc::media::wrap_planes(OTC_VIDEO_FRAME_FORMAT_NV21, width, height, planes, strides, nullptr, false));
}

otc_video_frame *otc_video_frame_new_NV12_wrapper(int width, int height, const uint8_t *y_plane, int y_stride,
                                                  const uint8_t *uv_plane, int uv_stride) {
  const uint8_t *planes[2] = {y_plane, uv_plane};
  const int strides[2] = {y_stride, uv_stride};
  return release(otc::media::wrap_planes(OTC_VIDEO_FRAME_FORMAT_NV12, width, height, planes, strides, nullptr, false));
}

const uint8_t *otc_video_frame_get_buffer(const otc_video_frame *frame) {
  return frame && otc::media::is_contiguous(*frame) ? frame->planes[0] : nullptr;
}

size_t otc_video_frame_get_buffer_size(const otc_video_frame *frame) {
  if (!frame || !otc::media::is_contiguous(*frame)) return 0;
  size_t total = 0;
  for (int i = 0; i < frame->plane_count; ++i) total += frame->plane_sizes[i];
  return total;
}

int64_t otc_video_frame_get_timestamp(const otc_video_frame *frame) {
  return frame ? frame->timestamp_us / 1000 : 0;
}

void otc_video_frame_set_timestamp(otc_video_frame *frame, int64_t timestamp) {
  if (!frame) return;
  constexpr int64_t kLimit = std::numeric_limits<int64_t>::max() / 1000;
  frame->timestamp_us = (timestamp > kLimit ? kLimit : timestamp < -kLimit ? -kLimit : timestamp) * 1000;
}

int otc_video_frame_get_width(const otc_video_frame *frame) { return frame ? frame->width : 0; }

int otc_video_frame_get_height(const otc_video_frame *frame) { return frame ? frame->height : 0; }

size_t otc_video_frame_get_number_of_planes(const otc_video_frame *frame) {
  return frame ? static_cast<size_t>(frame->plane_count) : 0;
}

enum otc_video_frame_format otc_video_frame_get_format(const otc_video_frame *frame) {
  return frame ? frame->format : OTC_VIDEO_FRAME_FORMAT_UNKNOWN;
}

void otc_video_frame_set_format(otc_video_frame *frame, enum otc_video_frame_format format) {
  if (!frame || !known_format(format)) return;
  // Formats of one layout class: a relabel keeps every plane's size and meaning of a byte count.
  auto group = [](int f) {
    switch (f) {
      case OTC_VIDEO_FRAME_FORMAT_ARGB32:
      case OTC_VIDEO_FRAME_FORMAT_BGRA32:
      case OTC_VIDEO_FRAME_FORMAT_ABGR32:
      case OTC_VIDEO_FRAME_FORMAT_RGBA32:
        return 1;
      case OTC_VIDEO_FRAME_FORMAT_YUY2:
      case OTC_VIDEO_FRAME_FORMAT_UYVY:
        return 2;
      case OTC_VIDEO_FRAME_FORMAT_NV12:
      case OTC_VIDEO_FRAME_FORMAT_NV21:
        return 3;
      case OTC_VIDEO_FRAME_FORMAT_MJPEG:
      case OTC_VIDEO_FRAME_FORMAT_COMPRESSED:
        return 4;
      default:
        return 0;
    }
  };
  const int from = group(frame->format);
  if (from == 0 || from != group(format)) return;
  // MJPEG promises a decodable picture of the frame's size; bytes of another codec do not.
  if (format == OTC_VIDEO_FRAME_FORMAT_MJPEG) {
    int w = 0, h = 0;
    if (!otc::media::jpeg_size(frame->planes[0], frame->plane_sizes[0], w, h) || w != frame->width ||
        h != frame->height) {
      return;
    }
  }
  frame->format = format;
}

const uint8_t *otc_video_frame_get_plane_binary_data(const otc_video_frame *frame, enum otc_video_frame_plane plane) {
  const int i = plane_of(frame, plane);
  return i < 0 ? nullptr : frame->planes[i];
}

size_t otc_video_frame_get_plane_size(const otc_video_frame *frame, enum otc_video_frame_plane plane) {
  const int i = plane_of(frame, plane);
  return i < 0 ? 0 : frame->plane_sizes[i];
}

int otc_video_frame_get_plane_stride(const otc_video_frame *frame, enum otc_video_frame_plane plane) {
  const int i = plane_of(frame, plane);
  return i < 0 ? 0 : frame->strides[i];
}

int otc_video_frame_get_plane_width(const otc_video_frame *frame, enum otc_video_frame_plane plane) {
  const int i = plane_of(frame, plane);
  if (i < 0) return 0;
  otc::media::FrameLayout layout;
  if (!otc::media::layout_of(frame->format, frame->width, frame->height, layout)) return frame->width;
  return layout.plane_width[i];
}

int otc_video_frame_get_plane_height(const otc_video_frame *frame, enum otc_video_frame_plane plane) {
  const int i = plane_of(frame, plane);
  if (i < 0) return 0;
  otc::media::FrameLayout layout;
  if (!otc::media::layout_of(frame->format, frame->width, frame->height, layout)) return frame->height;
  return layout.plane_height[i];
}

otc_video_frame *otc_video_frame_copy(const otc_video_frame *frame) {
  return frame ? release(otc::media::copy(*frame)) : nullptr;
}

otc_video_frame *otc_video_frame_mutable_copy(const otc_video_frame *frame) {
  if (!frame) return nullptr;
  FramePtr copy = otc::media::deep_copy(*frame);
  // The caller may write to these bytes: later copies must not share them.
  if (copy) copy->shallow_copyable = false;
  return release(std::move(copy));
}

otc_video_frame *otc_video_frame_convert(enum otc_video_frame_format format, const otc_video_frame *frame) {
  return frame ? release(otc::media::convert(*frame, format)) : nullptr;
}

otc_status otc_video_frame_convert_inplace(enum otc_video_frame_format format, uint8_t **planes,
                                           const int *strides, const otc_video_frame *input_frame) {
  if (!input_frame || !planes || !strides) return OTC_INVALID_PARAM;
  if (format != OTC_VIDEO_FRAME_FORMAT_YUV420P && format != OTC_VIDEO_FRAME_FORMAT_ARGB32 &&
      format != OTC_VIDEO_FRAME_FORMAT_BGRA32 && format != OTC_VIDEO_FRAME_FORMAT_ABGR32 &&
      format != OTC_VIDEO_FRAME_FORMAT_RGBA32) {
    return OTC_INVALID_VIDEO_FORMAT;
  }
  if (!otc::media::convert_into(*input_frame, format, planes, strides)) return OTC_INVALID_PARAM;
  return OTC_SUCCESS;
}

otc_bool otc_video_frame_is_packed(const otc_video_frame *frame) {
  return frame && otc::media::is_packed_format(frame->format) ? OTC_TRUE : OTC_FALSE;
}

otc_bool otc_video_frame_is_contiguous(const otc_video_frame *frame) {
  return frame && otc::media::is_contiguous(*frame) ? OTC_TRUE : OTC_FALSE;
}

otc_status otc_video_frame_set_metadata(otc_video_frame *frame, const uint8_t *data, size_t size) {
  if (!frame || size > OTC_VIDEO_FRAME_METADATA_MAX_SIZE || (size > 0 && !data)) return OTC_INVALID_PARAM;
  if (size > 0) std::memmove(frame->metadata, data, size);
  frame->metadata_size = size;
  return OTC_SUCCESS;
}

const uint8_t *otc_video_frame_get_metadata(const otc_video_frame *frame, size_t *size) {
  if (size) *size = frame ? frame->metadata_size : 0;
  return frame && frame->metadata_size > 0 ? frame->metadata : nullptr;
}

int64_t otc_video_frame_get_timestamp_us(const otc_video_frame *frame) { return frame ? frame->timestamp_us : 0; }

}  // extern "C"
