// The SDK's video frame (opentok/video_frame.h): a picture in one of the SDK's pixel formats, its
// planes either owned or borrowed from memory the application (or libwebrtc) keeps. The C API
// (otc/video_frame_api.cpp) checks its arguments and calls these; rtc/ wraps decoded buffers in
// a frame for on_render_frame and turns pushed frames into libwebrtc buffers with ToI420.
//
// Pixels go through libyuv, which comes with libwebrtc's archive (cmake/libyuv.cmake): no
// libwebrtc class is used here, so this builds and is tested in the sanitizer build too.
#pragma once

#include <opentok/video_frame.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace otc::media {

// Largest width and height: keeps every size computation far from overflow (16384^2 x 4 bytes
// is 1 GiB).
constexpr int kMaxFrameSide = 16384;

// Keeps a frame's bytes alive: owned bytes, or the application's memory, released on destruction.
// Shared between a frame and its shallow copies.
class FrameMemory {
 public:
  virtual ~FrameMemory() = default;
};

// How a format lays out a frame of a given size, tightly packed.
struct FrameLayout {
  int planes = 0;
  int row_bytes[3] = {0, 0, 0};     // the tight stride
  int rows[3] = {0, 0, 0};
  int plane_width[3] = {0, 0, 0};   // in samples
  int plane_height[3] = {0, 0, 0};
  size_t total() const;
};

// false for UNKNOWN, MAX, values outside the enum, bad sizes, and MJPEG/COMPRESSED (whose size
// comes with the data).
bool layout_of(otc_video_frame_format format, int width, int height, FrameLayout &layout);
bool is_raw_format(int format);      // has a layout: YUV420P ... RGBA32 except MJPEG
bool is_packed_format(int format);
bool valid_size(int width, int height);

}  // namespace otc::media

struct otc_video_frame {
  otc_video_frame_format format = OTC_VIDEO_FRAME_FORMAT_UNKNOWN;
  int width = 0;
  int height = 0;
  int plane_count = 0;
  const uint8_t *planes[3] = {nullptr, nullptr, nullptr};
  int strides[3] = {0, 0, 0};
  size_t plane_sizes[3] = {0, 0, 0};  // stride x rows; the byte count for MJPEG/COMPRESSED
  int64_t timestamp_us = 0;
  uint8_t metadata[OTC_VIDEO_FRAME_METADATA_MAX_SIZE] = {};
  size_t metadata_size = 0;
  // Whether a copy may share memory; false for borrowed planes (render frames, plain wrappers).
  bool shallow_copyable = false;
  // Lent to a callback by the library (on the caller's stack): otc_video_frame_delete refuses it.
  bool lent = false;
  // null when the planes are borrowed for the frame's lifetime (no release to call).
  std::shared_ptr<otc::media::FrameMemory> memory;
};

namespace otc::media {

using FramePtr = std::unique_ptr<otc_video_frame>;

// Owned, tightly packed, uninitialised frame whose planes the caller fills before handing it out.
FramePtr allocate(otc_video_frame_format format, int width, int height);
// Owned, tightly packed copy of planes laid out as format. nullptr on bad input.
FramePtr copy_planes(otc_video_frame_format format, int width, int height, const uint8_t *const *planes,
                     const int *strides);
// Owned copy of encoded bytes (MJPEG checked to be a JPEG of width x height).
FramePtr copy_encoded(otc_video_frame_format format, int width, int height, const uint8_t *data, size_t size);
// Wraps planes without copying; memory (may be null) keeps them alive and releases them.
FramePtr wrap_planes(otc_video_frame_format format, int width, int height, const uint8_t *const *planes,
                     const int *strides, std::shared_ptr<FrameMemory> memory, bool shallow_copyable);
// Borrows a contiguous buffer of size bytes: the format's planes one after the other, tightly
// packed (size at least that, or exactly with exact_size), or encoded bytes (any size above 0).
// No memory and not shallow-copyable: the caller attaches memory once nothing can fail.
FramePtr wrap_buffer(otc_video_frame_format format, int width, int height, const uint8_t *data, size_t size,
                     bool exact_size);
// Wraps encoded bytes without copying.
FramePtr wrap_encoded(otc_video_frame_format format, int width, int height, const uint8_t *data, size_t size,
                      std::shared_ptr<FrameMemory> memory, bool shallow_copyable);
// The planes of a render frame (YUV420P), filled in place: no allocation on the media thread.
void fill_i420_view(otc_video_frame &frame, int width, int height, const uint8_t *y, int y_stride,
                    const uint8_t *u, int u_stride, const uint8_t *v, int v_stride, int64_t timestamp_us);

// Memory calling a function once on destruction.
std::shared_ptr<FrameMemory> release_on_destroy(void (*release)(void *), void *arg);
std::shared_ptr<FrameMemory> release_buffer_on_destroy(otc_video_frame_memory_release_callback release,
                                                       const uint8_t *buffer, void *arg);

// A frame's plane by SDK plane value (2.19.1 values, and 0/1 as later SDKs number them); -1 when
// the format has no such plane.
int plane_index(const otc_video_frame &frame, int plane);

FramePtr copy(const otc_video_frame &frame);          // shallow when allowed, else deep and tight
FramePtr deep_copy(const otc_video_frame &frame);     // always owned and tight
bool is_contiguous(const otc_video_frame &frame);
bool is_tight(const otc_video_frame &frame);

// Conversions (video_frame_convert.cpp). Each returns false for a source it cannot read
// (COMPRESSED, a corrupt JPEG) or a destination format it cannot write.
bool to_i420(const otc_video_frame &frame, uint8_t *y, int y_stride, uint8_t *u, int u_stride, uint8_t *v,
             int v_stride);
bool convert_into(const otc_video_frame &frame, otc_video_frame_format format, uint8_t *const *planes,
                  const int *strides);
FramePtr convert(const otc_video_frame &frame, otc_video_frame_format format);
bool jpeg_size(const uint8_t *data, size_t size, int &width, int &height);

}  // namespace otc::media
