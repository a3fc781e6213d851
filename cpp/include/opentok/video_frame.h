/* node-otc, Linux SDK interface: video frames.
 *
 * A frame is an opaque object holding one picture: its pixel format, size, planes, a timestamp and
 * up to OTC_VIDEO_FRAME_METADATA_MAX_SIZE bytes of metadata. Frames either own their bytes (the
 * otc_video_frame_new* calls copy) or wrap memory the application keeps (the *_wrapper calls:
 * nothing is copied, and an optional release callback runs exactly once, when the last frame
 * using that memory is deleted). Frames handed to an on_render_frame callback belong to the
 * library and are valid during the callback only; otc_video_frame_copy makes one that outlives it.
 *
 * Pixel formats
 *   YUV420P  planes Y (width x height), U and V ((width+1)/2 x (height+1)/2); also called I420.
 *   NV12     plane Y, then one plane of interleaved chroma, U first; NV21 has V first.
 *   YUY2     packed 4:2:2, bytes Y0 U Y1 V; UYVY has bytes U Y0 V Y1.
 *   ARGB32, BGRA32, ABGR32, RGBA32
 *            4 bytes a pixel, named like libyuv (and SDL's *8888 formats) after the 32-bit word on
 *            a little-endian machine, so memory order is the name reversed: ARGB32 is bytes
 *            B, G, R, A; BGRA32 is A, R, G, B; ABGR32 is R, G, B, A; RGBA32 is A, B, G, R.
 *   RGB24    3 bytes a pixel, bytes B, G, R.
 *   MJPEG    one JPEG picture; decoded when the frame is converted.
 *   COMPRESSED
 *            encoded bytes of any codec, only carried: converting such a frame fails.
 * Frames are 1..16384 pixels wide and high.
 *
 * Planes are numbered as in SDK 2.19.1 (Y, U, V, PACKED, UV_INTERLEAVED, VU_INTERLEAVED). Later
 * SDKs number them as indexes (the packed plane and the interleaved chroma plane are 0 and 1), so
 * the plane getters accept those as well: 0 is the packed plane of a packed frame and 1 the chroma
 * plane of an NV12/NV21 frame. A plane the frame's format does not have gives NULL or 0.
 *
 * Timestamps are in milliseconds. Frames the library renders carry libwebrtc's render time
 * (a monotonic clock, not the epoch); frames the application makes start at 0. */
#ifndef OTC_SDK_VIDEO_FRAME_H
#define OTC_SDK_VIDEO_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <unistd.h> /* SDK programs rely on this header bringing usleep */

#include "base.h"
#include "config.h"

OTC_BEGIN_DECL

typedef struct otc_video_frame otc_video_frame;

/* Metadata a frame can carry, in bytes. */
#define OTC_VIDEO_FRAME_METADATA_MAX_SIZE 32

enum otc_video_frame_format {
  OTC_VIDEO_FRAME_FORMAT_UNKNOWN = 0,
  OTC_VIDEO_FRAME_FORMAT_YUV420P = 1,
  OTC_VIDEO_FRAME_FORMAT_NV12 = 2,
  OTC_VIDEO_FRAME_FORMAT_NV21 = 3,
  OTC_VIDEO_FRAME_FORMAT_YUY2 = 4,
  OTC_VIDEO_FRAME_FORMAT_UYVY = 5,
  OTC_VIDEO_FRAME_FORMAT_ARGB32 = 6,
  OTC_VIDEO_FRAME_FORMAT_BGRA32 = 7,
  OTC_VIDEO_FRAME_FORMAT_RGB24 = 8,
  OTC_VIDEO_FRAME_FORMAT_ABGR32 = 9,
  OTC_VIDEO_FRAME_FORMAT_MJPEG = 10,
  OTC_VIDEO_FRAME_FORMAT_RGBA32 = 11,
  OTC_VIDEO_FRAME_FORMAT_MAX, /* one past the last format with pixels */
  OTC_VIDEO_FRAME_FORMAT_COMPRESSED = 255
};

enum otc_video_frame_plane {
  OTC_VIDEO_FRAME_PLANE_Y = 0,
  OTC_VIDEO_FRAME_PLANE_U = 1,
  OTC_VIDEO_FRAME_PLANE_V = 2,
  OTC_VIDEO_FRAME_PLANE_PACKED = 3,
  OTC_VIDEO_FRAME_PLANE_UV_INTERLEAVED = 4,
  OTC_VIDEO_FRAME_PLANE_VU_INTERLEAVED = 5
};

/* Memory of a planar wrapper, asked for once per plane while the frame is made (with the plane
 * values above: Y/U/V, UV_INTERLEAVED or VU_INTERLEAVED, PACKED). release runs exactly once,
 * when the last frame sharing the memory is deleted; when making the frame fails it is not
 * called (the memory stays the caller's). get_plane is required, get_plane_stride too unless
 * the planes are tightly packed, release may be NULL; reserved is ignored. */
struct otc_video_frame_planar_memory_callbacks {
  const uint8_t *(*get_plane)(void *user_data, enum otc_video_frame_plane plane);
  int (*get_plane_stride)(void *user_data, enum otc_video_frame_plane plane);
  void (*release)(void *user_data);
  void *user_data;
  void *reserved;
};

/* Called once with the wrapped buffer and the caller's argument when no frame uses it any more,
 * on the thread that deletes the last frame using it. */
typedef void (*otc_video_frame_memory_release_callback)(const uint8_t *buffer, void *arg);

/* Always NULL: node-otc frames have no platform handle. */
OTC_DECL(void *) otc_video_frame_get_native_handle(const otc_video_frame *frame);

/* A frame owning a copy of buffer, which holds the format's planes one after the other with no
 * padding (strides: width x bytes a pixel; chroma rows (width+1)/2 samples). Not for MJPEG or
 * COMPRESSED, whose size is not implied: use otc_video_frame_new_MJPEG/_compressed. NULL on bad
 * input. */
OTC_DECL(otc_video_frame *) otc_video_frame_new(enum otc_video_frame_format format, int width, int height,
                                                const uint8_t *buffer);

/* Deletes a frame the application made or copied (never one lent to a callback). */
OTC_DECL(otc_status) otc_video_frame_delete(otc_video_frame *frame);

/* A YUV420P frame owning a copy of the three planes (rows stride bytes apart). */
OTC_DECL(otc_video_frame *) otc_video_frame_new_I420(int width, int height, const uint8_t *y_plane, int y_stride,
                                                     const uint8_t *u_plane, int u_stride,
                                                     const uint8_t *v_plane, int v_stride);

/* An MJPEG frame owning a copy of size bytes of JPEG data. */
OTC_DECL(otc_video_frame *) otc_video_frame_new_MJPEG(int width, int height, const uint8_t *buffer, size_t size);

/* A COMPRESSED frame owning a copy of size encoded bytes. */
OTC_DECL(otc_video_frame *) otc_video_frame_new_compressed(int width, int height, const uint8_t *buffer,
                                                           size_t size);

/* A frame of format owning a copy of its planes: planes[i] with strides[i], as many as the format
 * has (3 for YUV420P, 2 for NV12/NV21, 1 for packed formats). */
OTC_DECL(otc_video_frame *) otc_video_frame_new_from_planes(enum otc_video_frame_format format, int width,
                                                            int height, const uint8_t **planes, int *strides);

/* A YUV420P frame converted from planes of input_format (laid out as for
 * otc_video_frame_new_from_planes). */
OTC_DECL(otc_video_frame *) otc_video_frame_new_I420_from_planes_with_format(
    enum otc_video_frame_format input_format, int width, int height, const uint8_t **planes, int *strides);

/* A frame over size bytes the application keeps (laid out as for otc_video_frame_new; for MJPEG
 * and COMPRESSED any size above 0). callback (may be NULL) gets buffer and arg once no frame uses
 * them. is_shallow_copyable: whether copies may share the memory (else copies are deep). When
 * the call fails (NULL) callback is not called: the memory stays the caller's. */
OTC_DECL(otc_video_frame *) otc_video_frame_new_contiguous_memory_wrapper(
    enum otc_video_frame_format format, int width, int height, otc_bool is_shallow_copyable,
    const uint8_t *buffer, size_t size, otc_video_frame_memory_release_callback callback, void *arg);

/* A frame over planes the application keeps, found through callbacks (copied: the struct need
 * not outlive the call). */
OTC_DECL(otc_video_frame *) otc_video_frame_new_planar_memory_wrapper(
    enum otc_video_frame_format format, int width, int height, otc_bool is_shallow_copyable,
    struct otc_video_frame_planar_memory_callbacks *callbacks);

/* Frames over planes the application keeps valid until the frame is deleted; no callback, and
 * copies are deep. */
OTC_DECL(otc_video_frame *) otc_video_frame_new_I420_wrapper(int width, int height, const uint8_t *y_plane,
                                                             int y_stride, const uint8_t *u_plane, int u_stride,
                                                             const uint8_t *v_plane, int v_stride);
OTC_DECL(otc_video_frame *) otc_video_frame_new_NV21_wrapper(int width, int height, const uint8_t *y_plane,
                                                             int y_stride, const uint8_t *uv_plane, int uv_stride);
OTC_DECL(otc_video_frame *) otc_video_frame_new_NV12_wrapper(int width, int height, const uint8_t *y_plane,
                                                             int y_stride, const uint8_t *uv_plane, int uv_stride);

/* The frame's bytes when they are one block (otc_video_frame_is_contiguous), else NULL. */
OTC_DECL(const uint8_t *) otc_video_frame_get_buffer(const otc_video_frame *frame);
/* The size of that block; 0 when the frame is not contiguous. */
OTC_DECL(size_t) otc_video_frame_get_buffer_size(const otc_video_frame *frame);

/* Milliseconds (see the top of this file). */
OTC_DECL(int64_t) otc_video_frame_get_timestamp(const otc_video_frame *frame);
OTC_DECL(void) otc_video_frame_set_timestamp(otc_video_frame *frame, int64_t timestamp);

OTC_DECL(int) otc_video_frame_get_width(const otc_video_frame *frame);
OTC_DECL(int) otc_video_frame_get_height(const otc_video_frame *frame);

/* 3 for YUV420P, 2 for NV12/NV21, 1 for the others. */
OTC_DECL(size_t) otc_video_frame_get_number_of_planes(const otc_video_frame *frame);

OTC_DECL(enum otc_video_frame_format) otc_video_frame_get_format(const otc_video_frame *frame);

/* Relabels the frame's bytes, which stay as they are; only between formats of the same layout:
 * the four 32-bit RGB formats among themselves, YUY2 and UYVY, NV12 and NV21, MJPEG and
 * COMPRESSED. Any other change is ignored. */
OTC_DECL(void) otc_video_frame_set_format(otc_video_frame *frame, enum otc_video_frame_format format);

/* A plane's first byte, its size in bytes (stride x rows), stride, and width and height in
 * samples (chroma planes: (width+1)/2 x (height+1)/2; a packed plane: the frame's size). MJPEG and
 * COMPRESSED frames have one plane, their bytes, with stride 0. */
OTC_DECL(const uint8_t *) otc_video_frame_get_plane_binary_data(const otc_video_frame *frame,
                                                                enum otc_video_frame_plane plane);
OTC_DECL(size_t) otc_video_frame_get_plane_size(const otc_video_frame *frame, enum otc_video_frame_plane plane);
OTC_DECL(int) otc_video_frame_get_plane_stride(const otc_video_frame *frame, enum otc_video_frame_plane plane);
OTC_DECL(int) otc_video_frame_get_plane_width(const otc_video_frame *frame, enum otc_video_frame_plane plane);
OTC_DECL(int) otc_video_frame_get_plane_height(const otc_video_frame *frame, enum otc_video_frame_plane plane);

/* A frame the caller deletes, with the same pixels, timestamp and metadata. It shares the memory
 * of a wrapper made shallow-copyable (the release callback waits for the last of them) and owns
 * a tightly packed copy otherwise; it is always safe to keep after a callback returns. */
OTC_DECL(otc_video_frame *) otc_video_frame_copy(const otc_video_frame *frame);
/* Like otc_video_frame_copy but always a copy of the bytes, which the caller may change. */
OTC_DECL(otc_video_frame *) otc_video_frame_mutable_copy(const otc_video_frame *frame);

/* A new frame (the caller deletes it) holding the picture in format, tightly packed: YUV420P or
 * one of the 32-bit RGB formats. The source can be any format but COMPRESSED (MJPEG is decoded).
 * The same format gives a copy (shared when the source allows it and is tightly packed). */
OTC_DECL(otc_video_frame *) otc_video_frame_convert(enum otc_video_frame_format format,
                                                    const otc_video_frame *frame);

/* Writes input_frame's picture in format into the caller's planes (planes[0..2] with strides for
 * YUV420P, planes[0] for a 32-bit RGB format), each large enough for the frame's size. */
OTC_DECL(otc_status) otc_video_frame_convert_inplace(enum otc_video_frame_format format, uint8_t **planes,
                                                     const int *strides, const otc_video_frame *input_frame);

/* Whether the pixels are in one interleaved plane (YUY2, UYVY, RGB24 and the 32-bit RGB formats). */
OTC_DECL(otc_bool) otc_video_frame_is_packed(const otc_video_frame *frame);
/* Whether all planes are one block of memory, one after the other without gaps. */
OTC_DECL(otc_bool) otc_video_frame_is_contiguous(const otc_video_frame *frame);

/* Copies up to OTC_VIDEO_FRAME_METADATA_MAX_SIZE bytes into the frame (size 0 clears it). */
OTC_DECL(otc_status) otc_video_frame_set_metadata(otc_video_frame *frame, const uint8_t *data, size_t size);
/* The frame's metadata (valid until the frame is deleted or its metadata set again) and its size
 * in *size (size may be NULL); NULL and 0 when there is none. */
OTC_DECL(const uint8_t *) otc_video_frame_get_metadata(const otc_video_frame *frame, size_t *size);

OTC_END_DECL

#endif /* OTC_SDK_VIDEO_FRAME_H */
