// The SDK's video frame API (opentok/video_frame.h): every function, every format's planes,
// conversions and their round trips, wrappers and their release callbacks, metadata, bad input.
#include <gtest/gtest.h>

#include <opentok/video_frame.h>
#include <otc/media.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <jpeglib.h>

#include "media/video_frame.h"

namespace {

constexpr int kW = 33, kH = 17;  // odd on purpose: chroma rounds up
constexpr int kCW = (kW + 1) / 2, kCH = (kH + 1) / 2;

struct I420 {
  int w, h, cw, ch;
  std::vector<uint8_t> y, u, v;
  I420(int width, int height)
      : w(width), h(height), cw((width + 1) / 2), ch((height + 1) / 2), y(size_t(w) * h), u(size_t(cw) * ch),
        v(size_t(cw) * ch) {}
};

// Smooth, in-gamut picture: conversions to RGB and back stay close.
I420 gradient(int w = kW, int h = kH) {
  I420 f(w, h);
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c) f.y[size_t(r) * w + c] = uint8_t(60 + (c * 100) / w + (r * 30) / h);
  for (int r = 0; r < f.ch; ++r)
    for (int c = 0; c < f.cw; ++c) {
      f.u[size_t(r) * f.cw + c] = uint8_t(110 + (c * 30) / f.cw);
      f.v[size_t(r) * f.cw + c] = uint8_t(140 - (r * 30) / f.ch);
    }
  return f;
}

otc_video_frame *new_i420(const I420 &f) {
  return otc_video_frame_new_I420(f.w, f.h, f.y.data(), f.w, f.u.data(), f.cw, f.v.data(), f.cw);
}

// The frame's YUV420P planes, compared with f within tolerance.
void expect_i420(const otc_video_frame *frame, const I420 &f, int tolerance, const char *what) {
  ASSERT_NE(frame, nullptr) << what;
  ASSERT_EQ(otc_video_frame_get_format(frame), OTC_VIDEO_FRAME_FORMAT_YUV420P) << what;
  const std::vector<uint8_t> *planes[3] = {&f.y, &f.u, &f.v};
  const int widths[3] = {f.w, f.cw, f.cw}, heights[3] = {f.h, f.ch, f.ch};
  int worst = 0;
  for (int p = 0; p < 3; ++p) {
    const auto plane = static_cast<otc_video_frame_plane>(p);
    const uint8_t *data = otc_video_frame_get_plane_binary_data(frame, plane);
    const int stride = otc_video_frame_get_plane_stride(frame, plane);
    ASSERT_NE(data, nullptr) << what;
    for (int r = 0; r < heights[p]; ++r)
      for (int c = 0; c < widths[p]; ++c)
        worst = std::max(worst, std::abs(int(data[size_t(r) * stride + c]) - int((*planes[p])[size_t(r) * widths[p] + c])));
  }
  EXPECT_LE(worst, tolerance) << what;
}

std::vector<uint8_t> frame_bytes(const otc_video_frame *frame) {
  const uint8_t *b = otc_video_frame_get_buffer(frame);
  return b ? std::vector<uint8_t>(b, b + otc_video_frame_get_buffer_size(frame)) : std::vector<uint8_t>{};
}

std::vector<uint8_t> encode_jpeg(int w, int h) {
  std::vector<uint8_t> rgb(size_t(w) * h * 3);
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c)
      for (int k = 0; k < 3; ++k) rgb[(size_t(r) * w + c) * 3 + k] = uint8_t(40 + (c * 150) / w);
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char *out = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &out, &size);
  cinfo.image_width = w;
  cinfo.image_height = h;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 95, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = &rgb[size_t(cinfo.next_scanline) * w * 3];
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::vector<uint8_t> bytes(out, out + size);
  std::free(out);
  return bytes;
}

struct FormatCase {
  otc_video_frame_format format;
  size_t planes;
  bool packed;
  int row_bytes[3];
  int rows[3];
  int plane_w[3];
  int plane_h[3];
  int alt_plane;  // the 2.19.1 value of plane 0 (packed) or plane 1 (interleaved chroma); -1: none
};

const FormatCase kFormats[] = {
    {OTC_VIDEO_FRAME_FORMAT_YUV420P, 3, false, {kW, kCW, kCW}, {kH, kCH, kCH}, {kW, kCW, kCW}, {kH, kCH, kCH}, -1},
    {OTC_VIDEO_FRAME_FORMAT_NV12, 2, false, {kW, 2 * kCW}, {kH, kCH}, {kW, kCW}, {kH, kCH}, OTC_VIDEO_FRAME_PLANE_UV_INTERLEAVED},
    {OTC_VIDEO_FRAME_FORMAT_NV21, 2, false, {kW, 2 * kCW}, {kH, kCH}, {kW, kCW}, {kH, kCH}, OTC_VIDEO_FRAME_PLANE_VU_INTERLEAVED},
    {OTC_VIDEO_FRAME_FORMAT_YUY2, 1, true, {4 * kCW}, {kH}, {kW}, {kH}, OTC_VIDEO_FRAME_PLANE_PACKED},
    {OTC_VIDEO_FRAME_FORMAT_UYVY, 1, true, {4 * kCW}, {kH}, {kW}, {kH}, OTC_VIDEO_FRAME_PLANE_PACKED},
    {OTC_VIDEO_FRAME_FORMAT_ARGB32, 1, true, {4 * kW}, {kH}, {kW}, {kH}, OTC_VIDEO_FRAME_PLANE_PACKED},
    {OTC_VIDEO_FRAME_FORMAT_BGRA32, 1, true, {4 * kW}, {kH}, {kW}, {kH}, OTC_VIDEO_FRAME_PLANE_PACKED},
    {OTC_VIDEO_FRAME_FORMAT_RGB24, 1, true, {3 * kW}, {kH}, {kW}, {kH}, OTC_VIDEO_FRAME_PLANE_PACKED},
    {OTC_VIDEO_FRAME_FORMAT_ABGR32, 1, true, {4 * kW}, {kH}, {kW}, {kH}, OTC_VIDEO_FRAME_PLANE_PACKED},
    {OTC_VIDEO_FRAME_FORMAT_RGBA32, 1, true, {4 * kW}, {kH}, {kW}, {kH}, OTC_VIDEO_FRAME_PLANE_PACKED},
};

TEST(VideoFrame, EveryFormatsPlanesSizesAndStrides) {
  std::vector<uint8_t> buffer(size_t(kW) * kH * 4);
  for (size_t i = 0; i < buffer.size(); ++i) buffer[i] = uint8_t(i * 7);
  for (const FormatCase &fc : kFormats) {
    SCOPED_TRACE(fc.format);
    otc_video_frame *frame = otc_video_frame_new(fc.format, kW, kH, buffer.data());
    ASSERT_NE(frame, nullptr);
    EXPECT_EQ(otc_video_frame_get_format(frame), fc.format);
    EXPECT_EQ(otc_video_frame_get_width(frame), kW);
    EXPECT_EQ(otc_video_frame_get_height(frame), kH);
    EXPECT_EQ(otc_video_frame_get_number_of_planes(frame), fc.planes);
    EXPECT_EQ(otc_video_frame_is_packed(frame), fc.packed ? OTC_TRUE : OTC_FALSE);
    EXPECT_EQ(otc_video_frame_is_contiguous(frame), OTC_TRUE);
    size_t total = 0;
    for (size_t p = 0; p < fc.planes; ++p) {
      // Planes by index (0, 1, 2 as later SDKs number them) ...
      const auto plane = static_cast<otc_video_frame_plane>(p);
      EXPECT_EQ(otc_video_frame_get_plane_stride(frame, plane), fc.row_bytes[p]);
      EXPECT_EQ(otc_video_frame_get_plane_size(frame, plane), size_t(fc.row_bytes[p]) * fc.rows[p]);
      EXPECT_EQ(otc_video_frame_get_plane_width(frame, plane), fc.plane_w[p]);
      EXPECT_EQ(otc_video_frame_get_plane_height(frame, plane), fc.plane_h[p]);
      EXPECT_EQ(otc_video_frame_get_plane_binary_data(frame, plane), otc_video_frame_get_buffer(frame) + total);
      total += size_t(fc.row_bytes[p]) * fc.rows[p];
    }
    // ... and by their 2.19.1 values.
    if (fc.alt_plane >= 0) {
      const auto alt = static_cast<otc_video_frame_plane>(fc.alt_plane);
      const auto index = static_cast<otc_video_frame_plane>(fc.planes == 1 ? 0 : 1);
      EXPECT_EQ(otc_video_frame_get_plane_binary_data(frame, alt), otc_video_frame_get_plane_binary_data(frame, index));
      EXPECT_EQ(otc_video_frame_get_plane_stride(frame, alt), otc_video_frame_get_plane_stride(frame, index));
    }
    EXPECT_EQ(otc_video_frame_get_buffer_size(frame), total);
    EXPECT_EQ(0, std::memcmp(otc_video_frame_get_buffer(frame), buffer.data(), total)) << "a copy of the input";
    EXPECT_NE(otc_video_frame_get_buffer(frame), buffer.data());
    // Planes the format does not have.
    for (int p : {int(fc.planes), 5, 6, 99}) {
      if (fc.planes == 2 && p == fc.alt_plane) continue;
      if (fc.planes == 1 && p == OTC_VIDEO_FRAME_PLANE_PACKED) continue;
      const auto plane = static_cast<otc_video_frame_plane>(p);
      if (p == 5 && fc.format == OTC_VIDEO_FRAME_FORMAT_NV21) continue;
      EXPECT_EQ(otc_video_frame_get_plane_binary_data(frame, plane), nullptr) << p;
      EXPECT_EQ(otc_video_frame_get_plane_size(frame, plane), 0u) << p;
      EXPECT_EQ(otc_video_frame_get_plane_stride(frame, plane), 0) << p;
      EXPECT_EQ(otc_video_frame_get_plane_width(frame, plane), 0) << p;
      EXPECT_EQ(otc_video_frame_get_plane_height(frame, plane), 0) << p;
    }
    if (fc.format == OTC_VIDEO_FRAME_FORMAT_YUV420P) {
      EXPECT_EQ(otc_video_frame_get_plane_binary_data(frame, OTC_VIDEO_FRAME_PLANE_PACKED), nullptr);
    }
    EXPECT_EQ(otc_video_frame_get_native_handle(frame), nullptr);
    EXPECT_EQ(otc_video_frame_delete(frame), OTC_SUCCESS);
  }
}

TEST(VideoFrame, I420ToEach32BitFormatAndBackStaysClose) {
  const I420 src = gradient();
  otc_video_frame *i420 = new_i420(src);
  ASSERT_NE(i420, nullptr);
  for (auto format : {OTC_VIDEO_FRAME_FORMAT_ARGB32, OTC_VIDEO_FRAME_FORMAT_BGRA32, OTC_VIDEO_FRAME_FORMAT_ABGR32,
                      OTC_VIDEO_FRAME_FORMAT_RGBA32}) {
    SCOPED_TRACE(format);
    otc_video_frame *rgb = otc_video_frame_convert(format, i420);
    ASSERT_NE(rgb, nullptr);
    EXPECT_EQ(otc_video_frame_get_format(rgb), format);
    EXPECT_EQ(otc_video_frame_get_plane_stride(rgb, OTC_VIDEO_FRAME_PLANE_PACKED), kW * 4) << "tightly packed";
    otc_video_frame *back = otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_YUV420P, rgb);
    expect_i420(back, src, 4, "round trip");
    otc_video_frame_delete(back);
    otc_video_frame_delete(rgb);
  }
  otc_video_frame_delete(i420);
}

TEST(VideoFrame, ThirtyTwoBitFormatsAreNamedAfterTheLittleEndianWord) {
  // BT.601 red: Y 81, U 90, V 240 gives R high, G and B low.
  I420 red(2, 2);
  std::fill(red.y.begin(), red.y.end(), 81);
  red.u[0] = 90;
  red.v[0] = 240;
  otc_video_frame *i420 = new_i420(red);
  struct Expect {
    otc_video_frame_format format;
    int alpha_byte, red_byte;
  } cases[] = {{OTC_VIDEO_FRAME_FORMAT_ARGB32, 3, 2},
               {OTC_VIDEO_FRAME_FORMAT_BGRA32, 0, 1},
               {OTC_VIDEO_FRAME_FORMAT_ABGR32, 3, 0},
               {OTC_VIDEO_FRAME_FORMAT_RGBA32, 0, 3}};
  for (const Expect &e : cases) {
    otc_video_frame *rgb = otc_video_frame_convert(e.format, i420);
    ASSERT_NE(rgb, nullptr);
    const uint8_t *px = otc_video_frame_get_buffer(rgb);
    EXPECT_EQ(px[e.alpha_byte], 255) << e.format;
    EXPECT_GT(px[e.red_byte], 200) << e.format;
    for (int k = 0; k < 4; ++k)
      if (k != e.alpha_byte && k != e.red_byte) {
        EXPECT_LT(px[k], 40) << e.format << " byte " << k;
      }
    otc_video_frame_delete(rgb);
  }
  otc_video_frame_delete(i420);
}

TEST(VideoFrame, OtherFormatsToI420) {
  const I420 src = gradient(34, 18);  // even: 4:2:2 and 4:2:0 chroma line up
  const int w = src.w, h = src.h, cw = src.cw;
  // NV12 / NV21: the chroma interleaved, exact.
  std::vector<uint8_t> uv(size_t(cw) * 2 * src.ch), vu(uv.size());
  for (size_t i = 0; i < src.u.size(); ++i) {
    uv[2 * i] = src.u[i];
    uv[2 * i + 1] = src.v[i];
    vu[2 * i] = src.v[i];
    vu[2 * i + 1] = src.u[i];
  }
  otc_video_frame *nv12 = otc_video_frame_new_NV12_wrapper(w, h, src.y.data(), w, uv.data(), 2 * cw);
  otc_video_frame *nv21 = otc_video_frame_new_NV21_wrapper(w, h, src.y.data(), w, vu.data(), 2 * cw);
  for (otc_video_frame *f : {nv12, nv21}) {
    otc_video_frame *out = otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_YUV420P, f);
    expect_i420(out, src, 0, "NV12/NV21");
    otc_video_frame_delete(out);
  }
  const uint8_t *nv_planes[2] = {src.y.data(), uv.data()};
  int nv_strides[2] = {w, 2 * cw};
  otc_video_frame *from_planes =
      otc_video_frame_new_I420_from_planes_with_format(OTC_VIDEO_FRAME_FORMAT_NV12, w, h, nv_planes, nv_strides);
  expect_i420(from_planes, src, 0, "I420_from_planes_with_format");
  otc_video_frame_delete(from_planes);
  otc_video_frame_delete(nv12);
  otc_video_frame_delete(nv21);

  // YUY2 / UYVY: 4:2:2 with each chroma row repeated, so 4:2:0 gets it back exactly.
  std::vector<uint8_t> yuy2(size_t(cw) * 4 * h), uyvy(yuy2.size());
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < cw; ++c) {
      const uint8_t y0 = src.y[size_t(r) * w + 2 * c], y1 = src.y[size_t(r) * w + 2 * c + 1];
      const uint8_t u = src.u[size_t(r / 2) * cw + c], v = src.v[size_t(r / 2) * cw + c];
      uint8_t *a = &yuy2[(size_t(r) * cw + c) * 4], *b = &uyvy[(size_t(r) * cw + c) * 4];
      a[0] = y0, a[1] = u, a[2] = y1, a[3] = v;
      b[0] = u, b[1] = y0, b[2] = v, b[3] = y1;
    }
  for (auto [format, bytes] : {std::pair{OTC_VIDEO_FRAME_FORMAT_YUY2, &yuy2}, std::pair{OTC_VIDEO_FRAME_FORMAT_UYVY, &uyvy}}) {
    otc_video_frame *f = otc_video_frame_new(format, w, h, bytes->data());
    otc_video_frame *out = otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_YUV420P, f);
    expect_i420(out, src, 0, "YUY2/UYVY");
    otc_video_frame_delete(out);
    otc_video_frame_delete(f);
  }

  // RGB24 (bytes B, G, R): the ARGB32 rendering of src without alpha, back within tolerance.
  otc_video_frame *i420 = new_i420(src);
  otc_video_frame *argb = otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_ARGB32, i420);
  ASSERT_NE(argb, nullptr);
  std::vector<uint8_t> rgb24(size_t(w) * h * 3);
  const uint8_t *px = otc_video_frame_get_buffer(argb);
  for (size_t i = 0; i < size_t(w) * h; ++i) std::memcpy(&rgb24[i * 3], &px[i * 4], 3);
  otc_video_frame *bgr = otc_video_frame_new(OTC_VIDEO_FRAME_FORMAT_RGB24, w, h, rgb24.data());
  otc_video_frame *out = otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_YUV420P, bgr);
  expect_i420(out, src, 4, "RGB24");
  // RGB24 to a 32-bit format goes through ARGB without chroma loss: exactly the original ARGB.
  otc_video_frame *argb_again = otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_ARGB32, bgr);
  EXPECT_EQ(frame_bytes(argb_again), frame_bytes(argb));
  for (otc_video_frame *f : {argb_again, out, bgr, argb, i420}) otc_video_frame_delete(f);
}

TEST(VideoFrame, MjpegIsDecodedWhenConverted) {
  const int w = 32, h = 16;
  const std::vector<uint8_t> jpeg = encode_jpeg(w, h);
  otc_video_frame *frame = otc_video_frame_new_MJPEG(w, h, jpeg.data(), jpeg.size());
  ASSERT_NE(frame, nullptr);
  EXPECT_EQ(otc_video_frame_get_format(frame), OTC_VIDEO_FRAME_FORMAT_MJPEG);
  EXPECT_EQ(otc_video_frame_get_number_of_planes(frame), 1u);
  EXPECT_EQ(otc_video_frame_get_plane_size(frame, OTC_VIDEO_FRAME_PLANE_PACKED), jpeg.size());
  EXPECT_EQ(otc_video_frame_get_buffer_size(frame), jpeg.size());
  EXPECT_EQ(frame_bytes(frame), jpeg);
  EXPECT_EQ(otc_video_frame_is_packed(frame), OTC_FALSE);
  otc_video_frame *i420 = otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_YUV420P, frame);
  ASSERT_NE(i420, nullptr);
  const uint8_t *y = otc_video_frame_get_plane_binary_data(i420, OTC_VIDEO_FRAME_PLANE_Y);
  // Grey levels 40..190 left to right: the luma rises across the picture.
  EXPECT_LT(y[2], 80);
  EXPECT_GT(y[w - 3], 150);
  otc_video_frame *argb = otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_ARGB32, frame);
  ASSERT_NE(argb, nullptr);
  EXPECT_GT(otc_video_frame_get_buffer(argb)[(w - 3) * 4 + 1], 150);
  // A wrapper over the same bytes, and the size check against the JPEG's own header.
  otc_video_frame *wrapped = otc_video_frame_new_contiguous_memory_wrapper(
      OTC_VIDEO_FRAME_FORMAT_MJPEG, w, h, OTC_TRUE, jpeg.data(), jpeg.size(), nullptr, nullptr);
  ASSERT_NE(wrapped, nullptr);
  EXPECT_EQ(otc_video_frame_get_buffer(wrapped), jpeg.data());
  EXPECT_EQ(otc_video_frame_new_MJPEG(w + 2, h, jpeg.data(), jpeg.size()), nullptr);
  std::vector<uint8_t> garbage(200, 0x5a);
  EXPECT_EQ(otc_video_frame_new_MJPEG(w, h, garbage.data(), garbage.size()), nullptr);
  EXPECT_EQ(otc_video_frame_new(OTC_VIDEO_FRAME_FORMAT_MJPEG, w, h, jpeg.data()), nullptr) << "size unknown";
  // A truncated JPEG keeps its header: the frame is made, decoding it fails or yields a picture,
  // never a crash.
  otc_video_frame *cut = otc_video_frame_new_MJPEG(w, h, jpeg.data(), jpeg.size() / 2);
  if (cut) otc_video_frame_delete(otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_YUV420P, cut));
  if (cut) otc_video_frame_delete(cut);
  for (otc_video_frame *f : {wrapped, argb, i420, frame}) otc_video_frame_delete(f);
}

TEST(VideoFrame, CompressedFramesAreCarriedButNotConverted) {
  const uint8_t bytes[] = {0, 0, 0, 1, 0x67, 0x42, 0x00, 0x1f};
  otc_video_frame *frame = otc_video_frame_new_compressed(640, 480, bytes, sizeof bytes);
  ASSERT_NE(frame, nullptr);
  EXPECT_EQ(otc_video_frame_get_format(frame), OTC_VIDEO_FRAME_FORMAT_COMPRESSED);
  EXPECT_EQ(frame_bytes(frame), std::vector<uint8_t>(bytes, bytes + sizeof bytes));
  EXPECT_EQ(otc_video_frame_get_plane_stride(frame, OTC_VIDEO_FRAME_PLANE_PACKED), 0);
  EXPECT_EQ(otc_video_frame_get_plane_width(frame, OTC_VIDEO_FRAME_PLANE_PACKED), 640);
  EXPECT_EQ(otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_YUV420P, frame), nullptr);
  EXPECT_EQ(otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_ARGB32, frame), nullptr);
  std::vector<uint8_t> out(640 * 480 * 4);
  uint8_t *planes[1] = {out.data()};
  const int strides[1] = {640 * 4};
  EXPECT_NE(otc_video_frame_convert_inplace(OTC_VIDEO_FRAME_FORMAT_ARGB32, planes, strides, frame), OTC_SUCCESS);
  // Not a JPEG: relabelling it MJPEG is refused.
  otc_video_frame_set_format(frame, OTC_VIDEO_FRAME_FORMAT_MJPEG);
  EXPECT_EQ(otc_video_frame_get_format(frame), OTC_VIDEO_FRAME_FORMAT_COMPRESSED);
  otc_video_frame *copy = otc_video_frame_copy(frame);
  EXPECT_EQ(frame_bytes(copy), frame_bytes(frame));
  otc_video_frame_delete(copy);
  otc_video_frame_delete(frame);
  EXPECT_EQ(otc_video_frame_new_compressed(640, 480, bytes, 0), nullptr);
  EXPECT_EQ(otc_video_frame_new_compressed(640, 480, nullptr, 8), nullptr);
}

struct Released {
  int calls = 0;
  const uint8_t *buffer = nullptr;
  void *arg = nullptr;
};

void on_release(const uint8_t *buffer, void *arg) {
  auto *r = static_cast<Released *>(arg);
  r->calls++;
  r->buffer = buffer;
  r->arg = arg;
}

TEST(VideoFrame, ContiguousWrapperReleasesOnceAfterTheLastShallowCopy) {
  std::vector<uint8_t> bytes(size_t(kW) * kH * 4, 7);
  Released released;
  otc_video_frame *frame = otc_video_frame_new_contiguous_memory_wrapper(
      OTC_VIDEO_FRAME_FORMAT_ARGB32, kW, kH, OTC_TRUE, bytes.data(), bytes.size(), on_release, &released);
  ASSERT_NE(frame, nullptr);
  EXPECT_EQ(otc_video_frame_get_buffer(frame), bytes.data()) << "zero copy";
  otc_video_frame *copy = otc_video_frame_copy(frame);
  otc_video_frame *converted = otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_ARGB32, frame);
  ASSERT_NE(copy, nullptr);
  ASSERT_NE(converted, nullptr);
  EXPECT_EQ(otc_video_frame_get_buffer(copy), bytes.data()) << "shallow";
  EXPECT_EQ(otc_video_frame_get_buffer(converted), bytes.data()) << "same format, tight: shallow";
  otc_video_frame_delete(frame);
  otc_video_frame_delete(copy);
  EXPECT_EQ(released.calls, 0) << "a copy still uses the memory";
  otc_video_frame_delete(converted);
  EXPECT_EQ(released.calls, 1);
  EXPECT_EQ(released.buffer, bytes.data());
  EXPECT_EQ(released.arg, &released);
}

TEST(VideoFrame, NotShallowCopyableWrapperIsCopiedDeep) {
  std::vector<uint8_t> bytes(size_t(kW) * kH * 3, 9);
  Released released;
  otc_video_frame *frame = otc_video_frame_new_contiguous_memory_wrapper(
      OTC_VIDEO_FRAME_FORMAT_RGB24, kW, kH, OTC_FALSE, bytes.data(), bytes.size() + 10, on_release, &released);
  ASSERT_NE(frame, nullptr);
  otc_video_frame *copy = otc_video_frame_copy(frame);
  ASSERT_NE(copy, nullptr);
  EXPECT_NE(otc_video_frame_get_buffer(copy), bytes.data());
  otc_video_frame_delete(frame);
  EXPECT_EQ(released.calls, 1) << "the copy does not hold the application's memory";
  std::fill(bytes.begin(), bytes.end(), 0);
  EXPECT_EQ(otc_video_frame_get_buffer(copy)[0], 9);
  otc_video_frame_delete(copy);
  EXPECT_EQ(released.calls, 1);
  // A failed call leaves the memory with the caller: no release.
  EXPECT_EQ(otc_video_frame_new_contiguous_memory_wrapper(OTC_VIDEO_FRAME_FORMAT_RGB24, kW, kH, OTC_TRUE,
                                                          bytes.data(), bytes.size() - 1, on_release, &released),
            nullptr);
  EXPECT_EQ(otc_video_frame_new_contiguous_memory_wrapper(OTC_VIDEO_FRAME_FORMAT_UNKNOWN, kW, kH, OTC_TRUE,
                                                          bytes.data(), bytes.size(), on_release, &released),
            nullptr);
  EXPECT_EQ(released.calls, 1);
}

struct Planar {
  I420 picture = gradient();
  std::vector<int> asked;
  int releases = 0;
  int pad = 5;  // strides wider than the rows
  std::vector<uint8_t> y, u, v;
  Planar() {
    y.assign(size_t(kW + pad) * kH, 0);
    u.assign(size_t(kCW + pad) * kCH, 0);
    v.assign(u.size(), 0);
    for (int r = 0; r < kH; ++r) std::memcpy(&y[size_t(r) * (kW + pad)], &picture.y[size_t(r) * kW], kW);
    for (int r = 0; r < kCH; ++r) {
      std::memcpy(&u[size_t(r) * (kCW + pad)], &picture.u[size_t(r) * kCW], kCW);
      std::memcpy(&v[size_t(r) * (kCW + pad)], &picture.v[size_t(r) * kCW], kCW);
    }
  }
};

otc_video_frame_planar_memory_callbacks planar_callbacks(Planar &p) {
  otc_video_frame_planar_memory_callbacks cb{};
  cb.user_data = &p;
  cb.get_plane = [](void *user, otc_video_frame_plane plane) -> const uint8_t * {
    auto *p = static_cast<Planar *>(user);
    p->asked.push_back(plane);
    return plane == OTC_VIDEO_FRAME_PLANE_Y ? p->y.data() : plane == OTC_VIDEO_FRAME_PLANE_U ? p->u.data() : p->v.data();
  };
  cb.get_plane_stride = [](void *user, otc_video_frame_plane plane) {
    auto *p = static_cast<Planar *>(user);
    return (plane == OTC_VIDEO_FRAME_PLANE_Y ? kW : kCW) + p->pad;
  };
  cb.release = [](void *user) { static_cast<Planar *>(user)->releases++; };
  return cb;
}

TEST(VideoFrame, PlanarWrapperAsksEachPlaneAndReleasesOnce) {
  Planar p;
  otc_video_frame_planar_memory_callbacks cb = planar_callbacks(p);
  otc_video_frame *frame = otc_video_frame_new_planar_memory_wrapper(OTC_VIDEO_FRAME_FORMAT_YUV420P, kW, kH, OTC_TRUE, &cb);
  ASSERT_NE(frame, nullptr);
  EXPECT_EQ(p.asked, (std::vector<int>{OTC_VIDEO_FRAME_PLANE_Y, OTC_VIDEO_FRAME_PLANE_U, OTC_VIDEO_FRAME_PLANE_V}));
  EXPECT_EQ(otc_video_frame_get_plane_binary_data(frame, OTC_VIDEO_FRAME_PLANE_U), p.u.data());
  EXPECT_EQ(otc_video_frame_get_plane_stride(frame, OTC_VIDEO_FRAME_PLANE_Y), kW + p.pad);
  EXPECT_EQ(otc_video_frame_is_contiguous(frame), OTC_FALSE);
  EXPECT_EQ(otc_video_frame_get_buffer(frame), nullptr);
  EXPECT_EQ(otc_video_frame_get_buffer_size(frame), 0u);
  otc_video_frame *shallow = otc_video_frame_copy(frame);
  EXPECT_EQ(otc_video_frame_get_plane_binary_data(shallow, OTC_VIDEO_FRAME_PLANE_Y), p.y.data());
  // Not tightly packed: convert to the same format makes a tight copy of its own.
  otc_video_frame *tight = otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_YUV420P, frame);
  EXPECT_EQ(otc_video_frame_get_plane_stride(tight, OTC_VIDEO_FRAME_PLANE_Y), kW);
  EXPECT_EQ(otc_video_frame_get_plane_stride(tight, OTC_VIDEO_FRAME_PLANE_V), kCW);
  EXPECT_EQ(otc_video_frame_is_contiguous(tight), OTC_TRUE);
  expect_i420(tight, p.picture, 0, "tight copy");
  otc_video_frame_delete(frame);
  EXPECT_EQ(p.releases, 0);
  otc_video_frame_delete(shallow);
  EXPECT_EQ(p.releases, 1);
  otc_video_frame_delete(tight);
  EXPECT_EQ(p.releases, 1);

  // Not shallow-copyable: the copy is deep, the release comes with the frame's deletion.
  Planar q;
  cb = planar_callbacks(q);
  frame = otc_video_frame_new_planar_memory_wrapper(OTC_VIDEO_FRAME_FORMAT_YUV420P, kW, kH, OTC_FALSE, &cb);
  otc_video_frame *deep = otc_video_frame_copy(frame);
  EXPECT_NE(otc_video_frame_get_plane_binary_data(deep, OTC_VIDEO_FRAME_PLANE_Y), q.y.data());
  otc_video_frame_delete(frame);
  EXPECT_EQ(q.releases, 1);
  expect_i420(deep, q.picture, 0, "deep copy");
  otc_video_frame_delete(deep);
  EXPECT_EQ(q.releases, 1);

  // NV12 asks for Y and the interleaved plane; RGB formats for the packed plane. No stride
  // callback: tight rows.
  Planar r;
  cb = planar_callbacks(r);
  cb.get_plane_stride = nullptr;
  frame = otc_video_frame_new_planar_memory_wrapper(OTC_VIDEO_FRAME_FORMAT_NV12, kW, kH, OTC_TRUE, &cb);
  ASSERT_NE(frame, nullptr);
  EXPECT_EQ(otc_video_frame_get_plane_stride(frame, OTC_VIDEO_FRAME_PLANE_UV_INTERLEAVED), 2 * kCW);
  otc_video_frame_delete(frame);
  frame = otc_video_frame_new_planar_memory_wrapper(OTC_VIDEO_FRAME_FORMAT_ABGR32, 8, 8, OTC_TRUE, &cb);
  ASSERT_NE(frame, nullptr);
  otc_video_frame_delete(frame);
  EXPECT_EQ(r.asked, (std::vector<int>{OTC_VIDEO_FRAME_PLANE_Y, OTC_VIDEO_FRAME_PLANE_UV_INTERLEAVED,
                                       OTC_VIDEO_FRAME_PLANE_PACKED}));
  EXPECT_EQ(r.releases, 2);

  // Failures release nothing: strides too small, no get_plane, no callbacks.
  Planar s;
  cb = planar_callbacks(s);
  s.pad = -1;
  EXPECT_EQ(otc_video_frame_new_planar_memory_wrapper(OTC_VIDEO_FRAME_FORMAT_YUV420P, kW, kH, OTC_TRUE, &cb), nullptr);
  cb.get_plane = nullptr;
  EXPECT_EQ(otc_video_frame_new_planar_memory_wrapper(OTC_VIDEO_FRAME_FORMAT_YUV420P, kW, kH, OTC_TRUE, &cb), nullptr);
  EXPECT_EQ(otc_video_frame_new_planar_memory_wrapper(OTC_VIDEO_FRAME_FORMAT_YUV420P, kW, kH, OTC_TRUE, nullptr), nullptr);
  EXPECT_EQ(s.releases, 0);
}

TEST(VideoFrame, I420WrapperIsZeroCopyAndCopiesDeep) {
  Planar p;
  otc_video_frame *frame = otc_video_frame_new_I420_wrapper(kW, kH, p.y.data(), kW + p.pad, p.u.data(), kCW + p.pad,
                                                            p.v.data(), kCW + p.pad);
  ASSERT_NE(frame, nullptr);
  EXPECT_EQ(otc_video_frame_get_plane_binary_data(frame, OTC_VIDEO_FRAME_PLANE_V), p.v.data());
  otc_video_frame *copy = otc_video_frame_copy(frame);
  otc_video_frame *mutable_copy = otc_video_frame_mutable_copy(frame);
  for (otc_video_frame *c : {copy, mutable_copy}) {
    ASSERT_NE(c, nullptr);
    EXPECT_NE(otc_video_frame_get_plane_binary_data(c, OTC_VIDEO_FRAME_PLANE_Y), p.y.data());
    expect_i420(c, p.picture, 0, "copy");
  }
  // A mutable copy's bytes are the caller's to change: copies of it never share them.
  otc_video_frame *copy_of_mutable = otc_video_frame_copy(mutable_copy);
  EXPECT_NE(otc_video_frame_get_buffer(copy_of_mutable), otc_video_frame_get_buffer(mutable_copy));
  // An owned frame's copy shares its bytes (they never change).
  otc_video_frame *copy_of_copy = otc_video_frame_copy(copy);
  EXPECT_EQ(otc_video_frame_get_buffer(copy_of_copy), otc_video_frame_get_buffer(copy));
  for (otc_video_frame *f : {copy_of_copy, copy_of_mutable, mutable_copy, copy, frame}) otc_video_frame_delete(f);
  // Copies from planes: new_I420 and new_from_planes own their bytes.
  const uint8_t *planes[3] = {p.y.data(), p.u.data(), p.v.data()};
  int strides[3] = {kW + p.pad, kCW + p.pad, kCW + p.pad};
  otc_video_frame *owned = otc_video_frame_new_from_planes(OTC_VIDEO_FRAME_FORMAT_YUV420P, kW, kH, planes, strides);
  expect_i420(owned, p.picture, 0, "new_from_planes");
  EXPECT_EQ(otc_video_frame_get_plane_stride(owned, OTC_VIDEO_FRAME_PLANE_Y), kW);
  otc_video_frame_delete(owned);
  owned = otc_video_frame_new_I420(kW, kH, planes[0], strides[0], planes[1], strides[1], planes[2], strides[2]);
  expect_i420(owned, p.picture, 0, "new_I420");
  otc_video_frame_delete(owned);
}

TEST(VideoFrame, ConvertInplaceWritesTheCallersPlanes) {
  const I420 src = gradient();
  otc_video_frame *i420 = new_i420(src);
  otc_video_frame *argb = otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_ARGB32, i420);
  // Into padded rows.
  const int stride = kW * 4 + 12;
  std::vector<uint8_t> out(size_t(stride) * kH, 0xee);
  uint8_t *planes[3] = {out.data(), nullptr, nullptr};
  int strides[3] = {stride, 0, 0};
  ASSERT_EQ(otc_video_frame_convert_inplace(OTC_VIDEO_FRAME_FORMAT_ARGB32, planes, strides, i420), OTC_SUCCESS);
  const uint8_t *expected = otc_video_frame_get_buffer(argb);
  for (int r = 0; r < kH; ++r) {
    EXPECT_EQ(0, std::memcmp(&out[size_t(r) * stride], &expected[size_t(r) * kW * 4], kW * 4)) << r;
    EXPECT_EQ(out[size_t(r) * stride + kW * 4], 0xee) << "padding untouched";
  }
  // Back to YUV420P into three planes.
  std::vector<uint8_t> y(size_t(kW) * kH), u(size_t(kCW) * kCH), v(u.size());
  uint8_t *yuv[3] = {y.data(), u.data(), v.data()};
  int yuv_strides[3] = {kW, kCW, kCW};
  ASSERT_EQ(otc_video_frame_convert_inplace(OTC_VIDEO_FRAME_FORMAT_YUV420P, yuv, yuv_strides, argb), OTC_SUCCESS);
  otc_video_frame *wrapped = otc_video_frame_new_I420_wrapper(kW, kH, y.data(), kW, u.data(), kCW, v.data(), kCW);
  expect_i420(wrapped, src, 4, "convert_inplace round trip");
  otc_video_frame_delete(wrapped);
  // Bad requests.
  EXPECT_EQ(otc_video_frame_convert_inplace(OTC_VIDEO_FRAME_FORMAT_NV12, planes, strides, i420), OTC_INVALID_VIDEO_FORMAT);
  EXPECT_EQ(otc_video_frame_convert_inplace(OTC_VIDEO_FRAME_FORMAT_RGB24, planes, strides, i420), OTC_INVALID_VIDEO_FORMAT);
  EXPECT_NE(otc_video_frame_convert_inplace(OTC_VIDEO_FRAME_FORMAT_ARGB32, nullptr, strides, i420), OTC_SUCCESS);
  EXPECT_NE(otc_video_frame_convert_inplace(OTC_VIDEO_FRAME_FORMAT_ARGB32, planes, nullptr, i420), OTC_SUCCESS);
  EXPECT_NE(otc_video_frame_convert_inplace(OTC_VIDEO_FRAME_FORMAT_ARGB32, planes, strides, nullptr), OTC_SUCCESS);
  int short_stride[3] = {kW * 4 - 1, 0, 0};
  EXPECT_NE(otc_video_frame_convert_inplace(OTC_VIDEO_FRAME_FORMAT_ARGB32, planes, short_stride, i420), OTC_SUCCESS);
  uint8_t *missing[3] = {y.data(), nullptr, v.data()};
  EXPECT_NE(otc_video_frame_convert_inplace(OTC_VIDEO_FRAME_FORMAT_YUV420P, missing, yuv_strides, argb), OTC_SUCCESS);
  // convert refuses targets it cannot write.
  for (auto format : {OTC_VIDEO_FRAME_FORMAT_NV12, OTC_VIDEO_FRAME_FORMAT_RGB24, OTC_VIDEO_FRAME_FORMAT_MJPEG,
                      OTC_VIDEO_FRAME_FORMAT_COMPRESSED, OTC_VIDEO_FRAME_FORMAT_UNKNOWN, OTC_VIDEO_FRAME_FORMAT_MAX}) {
    EXPECT_EQ(otc_video_frame_convert(format, i420), nullptr) << format;
  }
  otc_video_frame_delete(argb);
  otc_video_frame_delete(i420);
}

TEST(VideoFrame, MetadataTimestampAndFormat) {
  const I420 src = gradient();
  otc_video_frame *frame = new_i420(src);
  size_t size = 99;
  EXPECT_EQ(otc_video_frame_get_metadata(frame, &size), nullptr);
  EXPECT_EQ(size, 0u);
  uint8_t data[OTC_VIDEO_FRAME_METADATA_MAX_SIZE + 1];
  for (size_t i = 0; i < sizeof data; ++i) data[i] = uint8_t(i + 1);
  EXPECT_EQ(otc_video_frame_set_metadata(frame, data, OTC_VIDEO_FRAME_METADATA_MAX_SIZE), OTC_SUCCESS);
  EXPECT_NE(otc_video_frame_set_metadata(frame, data, OTC_VIDEO_FRAME_METADATA_MAX_SIZE + 1), OTC_SUCCESS);
  EXPECT_NE(otc_video_frame_set_metadata(frame, nullptr, 4), OTC_SUCCESS);
  EXPECT_NE(otc_video_frame_set_metadata(nullptr, data, 4), OTC_SUCCESS);
  const uint8_t *got = otc_video_frame_get_metadata(frame, &size);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(size, size_t(OTC_VIDEO_FRAME_METADATA_MAX_SIZE)) << "the failed calls changed nothing";
  EXPECT_EQ(0, std::memcmp(got, data, size));
  EXPECT_NE(otc_video_frame_get_metadata(frame, nullptr), nullptr);
  // Its own metadata as input.
  EXPECT_EQ(otc_video_frame_set_metadata(frame, got + 1, 3), OTC_SUCCESS);
  got = otc_video_frame_get_metadata(frame, &size);
  EXPECT_EQ(size, 3u);
  EXPECT_EQ(got[0], 2);

  otc_video_frame_set_timestamp(frame, 1234567);
  EXPECT_EQ(otc_video_frame_get_timestamp(frame), 1234567);
  EXPECT_EQ(otc_video_frame_get_timestamp_us(frame), 1234567000);
  otc_video_frame *copy = otc_video_frame_copy(frame);
  otc_video_frame *converted = otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_RGBA32, frame);
  for (otc_video_frame *c : {copy, converted}) {
    EXPECT_EQ(otc_video_frame_get_timestamp(c), 1234567);
    EXPECT_NE(otc_video_frame_get_metadata(c, &size), nullptr);
    EXPECT_EQ(size, 3u);
  }
  EXPECT_EQ(otc_video_frame_set_metadata(frame, nullptr, 0), OTC_SUCCESS);
  EXPECT_EQ(otc_video_frame_get_metadata(frame, &size), nullptr);
  EXPECT_EQ(size, 0u);
  otc_video_frame_set_timestamp(frame, INT64_MAX);  // saturates, no overflow
  EXPECT_GT(otc_video_frame_get_timestamp(frame), INT64_MAX / 2000);

  // Relabels within a layout only.
  otc_video_frame_set_format(converted, OTC_VIDEO_FRAME_FORMAT_BGRA32);
  EXPECT_EQ(otc_video_frame_get_format(converted), OTC_VIDEO_FRAME_FORMAT_BGRA32);
  otc_video_frame_set_format(converted, OTC_VIDEO_FRAME_FORMAT_YUV420P);
  otc_video_frame_set_format(converted, OTC_VIDEO_FRAME_FORMAT_RGB24);
  otc_video_frame_set_format(converted, OTC_VIDEO_FRAME_FORMAT_UNKNOWN);
  otc_video_frame_set_format(converted, static_cast<otc_video_frame_format>(99));
  EXPECT_EQ(otc_video_frame_get_format(converted), OTC_VIDEO_FRAME_FORMAT_BGRA32);
  otc_video_frame_set_format(frame, OTC_VIDEO_FRAME_FORMAT_NV12);
  EXPECT_EQ(otc_video_frame_get_format(frame), OTC_VIDEO_FRAME_FORMAT_YUV420P);
  std::vector<uint8_t> nv(size_t(kW) * kH * 2);
  otc_video_frame *nv12 = otc_video_frame_new(OTC_VIDEO_FRAME_FORMAT_NV12, kW, kH, nv.data());
  otc_video_frame_set_format(nv12, OTC_VIDEO_FRAME_FORMAT_NV21);
  EXPECT_EQ(otc_video_frame_get_format(nv12), OTC_VIDEO_FRAME_FORMAT_NV21);
  EXPECT_NE(otc_video_frame_get_plane_binary_data(nv12, OTC_VIDEO_FRAME_PLANE_VU_INTERLEAVED), nullptr);
  EXPECT_EQ(otc_video_frame_get_plane_binary_data(nv12, OTC_VIDEO_FRAME_PLANE_UV_INTERLEAVED), nullptr);
  std::vector<uint8_t> packed(size_t(kCW) * 4 * kH);
  otc_video_frame *yuy2 = otc_video_frame_new(OTC_VIDEO_FRAME_FORMAT_YUY2, kW, kH, packed.data());
  otc_video_frame_set_format(yuy2, OTC_VIDEO_FRAME_FORMAT_UYVY);
  EXPECT_EQ(otc_video_frame_get_format(yuy2), OTC_VIDEO_FRAME_FORMAT_UYVY);
  for (otc_video_frame *f : {yuy2, nv12, converted, copy, frame}) otc_video_frame_delete(f);
}

TEST(VideoFrame, RenderFramesAreLentAndCopiesOutliveThem) {
  // What rtc/ hands to on_render_frame: a view over libwebrtc's buffer on the media thread's stack.
  Planar p;
  otc_video_frame view;
  otc::media::fill_i420_view(view, kW, kH, p.y.data(), kW + p.pad, p.u.data(), kCW + p.pad, p.v.data(),
                             kCW + p.pad, 42000);
  EXPECT_EQ(otc_video_frame_get_timestamp(&view), 42);
  EXPECT_EQ(otc_video_frame_get_plane_binary_data(&view, OTC_VIDEO_FRAME_PLANE_Y), p.y.data()) << "zero copy";
  EXPECT_EQ(otc_video_frame_delete(&view), OTC_INVALID_PARAM) << "not the application's to delete";
  otc_video_frame *kept = otc_video_frame_copy(&view);
  ASSERT_NE(kept, nullptr);
  std::fill(p.y.begin(), p.y.end(), 0);  // the decoder reuses its buffer
  expect_i420(kept, p.picture, 0, "kept copy");
  EXPECT_EQ(otc_video_frame_get_timestamp_us(kept), 42000);
  EXPECT_EQ(otc_video_frame_delete(kept), OTC_SUCCESS);
}

TEST(VideoFrame, BadInputGivesNullOrErrors) {
  std::vector<uint8_t> buf(64 * 64 * 4);
  const uint8_t *planes[3] = {buf.data(), buf.data(), buf.data()};
  int strides[3] = {64, 32, 32};
  for (int w : {0, -1, -64, 16385, INT_MAX, INT_MIN}) {
    SCOPED_TRACE(w);
    EXPECT_EQ(otc_video_frame_new(OTC_VIDEO_FRAME_FORMAT_ARGB32, w, 16, buf.data()), nullptr);
    EXPECT_EQ(otc_video_frame_new(OTC_VIDEO_FRAME_FORMAT_ARGB32, 16, w, buf.data()), nullptr);
    EXPECT_EQ(otc_video_frame_new_I420(w, 16, planes[0], 64, planes[1], 32, planes[2], 32), nullptr);
    EXPECT_EQ(otc_video_frame_new_I420_wrapper(16, w, planes[0], 64, planes[1], 32, planes[2], 32), nullptr);
    EXPECT_EQ(otc_video_frame_new_NV12_wrapper(w, 16, planes[0], 64, planes[1], 64), nullptr);
    EXPECT_EQ(otc_video_frame_new_NV21_wrapper(16, w, planes[0], 64, planes[1], 64), nullptr);
    EXPECT_EQ(otc_video_frame_new_MJPEG(w, 16, buf.data(), buf.size()), nullptr);
    EXPECT_EQ(otc_video_frame_new_compressed(w, 16, buf.data(), buf.size()), nullptr);
    EXPECT_EQ(otc_video_frame_new_from_planes(OTC_VIDEO_FRAME_FORMAT_YUV420P, w, 16, planes, strides), nullptr);
    EXPECT_EQ(otc_video_frame_new_I420_from_planes_with_format(OTC_VIDEO_FRAME_FORMAT_YUV420P, 16, w, planes, strides),
              nullptr);
    EXPECT_EQ(otc_video_frame_new_contiguous_memory_wrapper(OTC_VIDEO_FRAME_FORMAT_ARGB32, w, 16, OTC_TRUE, buf.data(),
                                                            buf.size(), nullptr, nullptr),
              nullptr);
  }
  for (int f : {int(OTC_VIDEO_FRAME_FORMAT_UNKNOWN), int(OTC_VIDEO_FRAME_FORMAT_MAX), 99, 254}) {
    const auto format = static_cast<otc_video_frame_format>(f);
    EXPECT_EQ(otc_video_frame_new(format, 16, 16, buf.data()), nullptr) << f;
    EXPECT_EQ(otc_video_frame_new_from_planes(format, 16, 16, planes, strides), nullptr) << f;
    EXPECT_EQ(otc_video_frame_new_I420_from_planes_with_format(format, 16, 16, planes, strides), nullptr) << f;
  }
  EXPECT_EQ(otc_video_frame_new_from_planes(OTC_VIDEO_FRAME_FORMAT_COMPRESSED, 16, 16, planes, strides), nullptr);
  EXPECT_EQ(otc_video_frame_new(OTC_VIDEO_FRAME_FORMAT_COMPRESSED, 16, 16, buf.data()), nullptr);
  EXPECT_EQ(otc_video_frame_new(OTC_VIDEO_FRAME_FORMAT_ARGB32, 16, 16, nullptr), nullptr);
  // Strides: negative, too small, planes missing.
  EXPECT_EQ(otc_video_frame_new_I420(16, 16, planes[0], -16, planes[1], 8, planes[2], 8), nullptr);
  EXPECT_EQ(otc_video_frame_new_I420(16, 16, planes[0], 16, planes[1], 7, planes[2], 8), nullptr);
  EXPECT_EQ(otc_video_frame_new_I420(16, 16, planes[0], 16, nullptr, 8, planes[2], 8), nullptr);
  EXPECT_EQ(otc_video_frame_new_NV12_wrapper(16, 16, planes[0], 16, planes[1], 15), nullptr);
  EXPECT_EQ(otc_video_frame_new_from_planes(OTC_VIDEO_FRAME_FORMAT_YUV420P, 16, 16, nullptr, strides), nullptr);
  EXPECT_EQ(otc_video_frame_new_from_planes(OTC_VIDEO_FRAME_FORMAT_YUV420P, 16, 16, planes, nullptr), nullptr);
  EXPECT_EQ(otc_video_frame_new_contiguous_memory_wrapper(OTC_VIDEO_FRAME_FORMAT_ARGB32, 16, 16, OTC_TRUE, nullptr,
                                                          1024, nullptr, nullptr),
            nullptr);
  EXPECT_EQ(otc_video_frame_new_contiguous_memory_wrapper(OTC_VIDEO_FRAME_FORMAT_COMPRESSED, 16, 16, OTC_TRUE,
                                                          buf.data(), 0, nullptr, nullptr),
            nullptr);
  // Every call on a NULL frame.
  EXPECT_NE(otc_video_frame_delete(nullptr), OTC_SUCCESS);
  EXPECT_EQ(otc_video_frame_get_native_handle(nullptr), nullptr);
  EXPECT_EQ(otc_video_frame_get_buffer(nullptr), nullptr);
  EXPECT_EQ(otc_video_frame_get_buffer_size(nullptr), 0u);
  EXPECT_EQ(otc_video_frame_get_timestamp(nullptr), 0);
  EXPECT_EQ(otc_video_frame_get_timestamp_us(nullptr), 0);
  otc_video_frame_set_timestamp(nullptr, 5);
  EXPECT_EQ(otc_video_frame_get_width(nullptr), 0);
  EXPECT_EQ(otc_video_frame_get_height(nullptr), 0);
  EXPECT_EQ(otc_video_frame_get_number_of_planes(nullptr), 0u);
  EXPECT_EQ(otc_video_frame_get_format(nullptr), OTC_VIDEO_FRAME_FORMAT_UNKNOWN);
  otc_video_frame_set_format(nullptr, OTC_VIDEO_FRAME_FORMAT_ARGB32);
  EXPECT_EQ(otc_video_frame_get_plane_binary_data(nullptr, OTC_VIDEO_FRAME_PLANE_Y), nullptr);
  EXPECT_EQ(otc_video_frame_get_plane_size(nullptr, OTC_VIDEO_FRAME_PLANE_Y), 0u);
  EXPECT_EQ(otc_video_frame_get_plane_stride(nullptr, OTC_VIDEO_FRAME_PLANE_Y), 0);
  EXPECT_EQ(otc_video_frame_get_plane_width(nullptr, OTC_VIDEO_FRAME_PLANE_Y), 0);
  EXPECT_EQ(otc_video_frame_get_plane_height(nullptr, OTC_VIDEO_FRAME_PLANE_Y), 0);
  EXPECT_EQ(otc_video_frame_copy(nullptr), nullptr);
  EXPECT_EQ(otc_video_frame_mutable_copy(nullptr), nullptr);
  EXPECT_EQ(otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_ARGB32, nullptr), nullptr);
  EXPECT_EQ(otc_video_frame_is_packed(nullptr), OTC_FALSE);
  EXPECT_EQ(otc_video_frame_is_contiguous(nullptr), OTC_FALSE);
  size_t size = 7;
  EXPECT_EQ(otc_video_frame_get_metadata(nullptr, &size), nullptr);
  EXPECT_EQ(size, 0u);
  // The largest frame is accepted (layout only: no bytes are touched).
  otc::media::FrameLayout layout;
  EXPECT_TRUE(otc::media::layout_of(OTC_VIDEO_FRAME_FORMAT_ARGB32, 16384, 16384, layout));
  EXPECT_EQ(layout.total(), size_t(16384) * 16384 * 4);
  EXPECT_FALSE(otc::media::layout_of(OTC_VIDEO_FRAME_FORMAT_ARGB32, 16385, 16384, layout));
}

}  // namespace
