// Pixel conversions of video frames through libyuv. Every source format is read to I420 or to
// libyuv's ARGB with one call; the other 32-bit formats are a byte shuffle of ARGB away (YUV420P
// sources go straight to them, which is the render path).
#include <cstring>
#include <new>

#include <libyuv/convert.h>
#include <libyuv/convert_argb.h>
#include <libyuv/convert_from.h>
#include <libyuv/convert_from_argb.h>

#include "video_frame.h"

namespace otc::media {

namespace {

bool is_rgb32(int format) {
  return format == OTC_VIDEO_FRAME_FORMAT_ARGB32 || format == OTC_VIDEO_FRAME_FORMAT_BGRA32 ||
         format == OTC_VIDEO_FRAME_FORMAT_ABGR32 || format == OTC_VIDEO_FRAME_FORMAT_RGBA32;
}

bool to_argb(const otc_video_frame &f, uint8_t *dst, int stride) {
  const int w = f.width, h = f.height;
  const uint8_t *const *p = f.planes;
  const int *s = f.strides;
  switch (f.format) {
    case OTC_VIDEO_FRAME_FORMAT_YUV420P:
      return libyuv::I420ToARGB(p[0], s[0], p[1], s[1], p[2], s[2], dst, stride, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_NV12:
      return libyuv::NV12ToARGB(p[0], s[0], p[1], s[1], dst, stride, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_NV21:
      return libyuv::NV21ToARGB(p[0], s[0], p[1], s[1], dst, stride, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_YUY2:
      return libyuv::YUY2ToARGB(p[0], s[0], dst, stride, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_UYVY:
      return libyuv::UYVYToARGB(p[0], s[0], dst, stride, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_ARGB32:
      return libyuv::ARGBCopy(p[0], s[0], dst, stride, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_BGRA32:
      return libyuv::BGRAToARGB(p[0], s[0], dst, stride, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_ABGR32:
      return libyuv::ABGRToARGB(p[0], s[0], dst, stride, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_RGBA32:
      return libyuv::RGBAToARGB(p[0], s[0], dst, stride, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_RGB24:
      return libyuv::RGB24ToARGB(p[0], s[0], dst, stride, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_MJPEG:
      return libyuv::MJPGToARGB(p[0], f.plane_sizes[0], dst, stride, w, h, w, h) == 0;
    default:  // COMPRESSED: no decoder here
      return false;
  }
}

// ARGB (tight or not) to another 32-bit format; the same format is a copy.
bool argb_to(otc_video_frame_format format, const uint8_t *src, int src_stride, uint8_t *dst, int dst_stride,
             int w, int h) {
  switch (format) {
    case OTC_VIDEO_FRAME_FORMAT_ARGB32:
      return libyuv::ARGBCopy(src, src_stride, dst, dst_stride, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_BGRA32:
      return libyuv::ARGBToBGRA(src, src_stride, dst, dst_stride, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_ABGR32:
      return libyuv::ARGBToABGR(src, src_stride, dst, dst_stride, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_RGBA32:
      return libyuv::ARGBToRGBA(src, src_stride, dst, dst_stride, w, h) == 0;
    default:
      return false;
  }
}

bool to_rgb32(const otc_video_frame &f, otc_video_frame_format format, uint8_t *dst, int stride) {
  const int w = f.width, h = f.height;
  if (format == OTC_VIDEO_FRAME_FORMAT_ARGB32) return to_argb(f, dst, stride);
  if (f.format == format) return libyuv::ARGBCopy(f.planes[0], f.strides[0], dst, stride, w, h) == 0;
  if (f.format == OTC_VIDEO_FRAME_FORMAT_YUV420P) {
    const uint8_t *const *p = f.planes;
    const int *s = f.strides;
    switch (format) {
      case OTC_VIDEO_FRAME_FORMAT_BGRA32:
        return libyuv::I420ToBGRA(p[0], s[0], p[1], s[1], p[2], s[2], dst, stride, w, h) == 0;
      case OTC_VIDEO_FRAME_FORMAT_ABGR32:
        return libyuv::I420ToABGR(p[0], s[0], p[1], s[1], p[2], s[2], dst, stride, w, h) == 0;
      default:
        return libyuv::I420ToRGBA(p[0], s[0], p[1], s[1], p[2], s[2], dst, stride, w, h) == 0;
    }
  }
  // Through a tight ARGB copy, then a byte shuffle in place-free form.
  const size_t tmp_stride = static_cast<size_t>(w) * 4;
  std::unique_ptr<uint8_t[]> tmp(new (std::nothrow) uint8_t[tmp_stride * static_cast<size_t>(h)]);
  if (!tmp || !to_argb(f, tmp.get(), static_cast<int>(tmp_stride))) return false;
  return argb_to(format, tmp.get(), static_cast<int>(tmp_stride), dst, stride, w, h);
}

}  // namespace

bool jpeg_size(const uint8_t *data, size_t size, int &width, int &height) {
  width = height = 0;
  if (!data || size < 4) return false;
  return libyuv::MJPGSize(data, size, &width, &height) == 0 && width > 0 && height > 0;
}

bool to_i420(const otc_video_frame &f, uint8_t *y, int ys, uint8_t *u, int us, uint8_t *v, int vs) {
  const int w = f.width, h = f.height;
  const uint8_t *const *p = f.planes;
  const int *s = f.strides;
  switch (f.format) {
    case OTC_VIDEO_FRAME_FORMAT_YUV420P:
      return libyuv::I420Copy(p[0], s[0], p[1], s[1], p[2], s[2], y, ys, u, us, v, vs, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_NV12:
      return libyuv::NV12ToI420(p[0], s[0], p[1], s[1], y, ys, u, us, v, vs, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_NV21:
      return libyuv::NV21ToI420(p[0], s[0], p[1], s[1], y, ys, u, us, v, vs, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_YUY2:
      return libyuv::YUY2ToI420(p[0], s[0], y, ys, u, us, v, vs, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_UYVY:
      return libyuv::UYVYToI420(p[0], s[0], y, ys, u, us, v, vs, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_ARGB32:
      return libyuv::ARGBToI420(p[0], s[0], y, ys, u, us, v, vs, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_BGRA32:
      return libyuv::BGRAToI420(p[0], s[0], y, ys, u, us, v, vs, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_ABGR32:
      return libyuv::ABGRToI420(p[0], s[0], y, ys, u, us, v, vs, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_RGBA32:
      return libyuv::RGBAToI420(p[0], s[0], y, ys, u, us, v, vs, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_RGB24:
      return libyuv::RGB24ToI420(p[0], s[0], y, ys, u, us, v, vs, w, h) == 0;
    case OTC_VIDEO_FRAME_FORMAT_MJPEG:
      return libyuv::MJPGToI420(p[0], f.plane_sizes[0], y, ys, u, us, v, vs, w, h, w, h) == 0;
    default:  // COMPRESSED
      return false;
  }
}

bool convert_into(const otc_video_frame &frame, otc_video_frame_format format, uint8_t *const *planes,
                  const int *strides) {
  if (!planes || !strides || !valid_size(frame.width, frame.height)) return false;
  FrameLayout layout;
  if (format != OTC_VIDEO_FRAME_FORMAT_YUV420P && !is_rgb32(format)) return false;
  if (!layout_of(format, frame.width, frame.height, layout)) return false;
  for (int i = 0; i < layout.planes; ++i) {
    if (!planes[i] || strides[i] < layout.row_bytes[i]) return false;
  }
  if (format == OTC_VIDEO_FRAME_FORMAT_YUV420P) {
    return to_i420(frame, planes[0], strides[0], planes[1], strides[1], planes[2], strides[2]);
  }
  return to_rgb32(frame, format, planes[0], strides[0]);
}

FramePtr convert(const otc_video_frame &frame, otc_video_frame_format format) {
  if (format != OTC_VIDEO_FRAME_FORMAT_YUV420P && !is_rgb32(format)) return nullptr;
  if (frame.format == format && frame.shallow_copyable && frame.memory && is_tight(frame)) return copy(frame);
  FramePtr out = allocate(format, frame.width, frame.height);
  if (!out) return nullptr;
  uint8_t *dst[3] = {const_cast<uint8_t *>(out->planes[0]), const_cast<uint8_t *>(out->planes[1]),
                     const_cast<uint8_t *>(out->planes[2])};
  if (!convert_into(frame, format, dst, out->strides)) return nullptr;
  out->timestamp_us = frame.timestamp_us;
  std::memcpy(out->metadata, frame.metadata, sizeof out->metadata);
  out->metadata_size = frame.metadata_size;
  return out;
}

}  // namespace otc::media
