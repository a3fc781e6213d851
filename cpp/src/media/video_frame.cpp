#include "video_frame.h"

#include <cstring>
#include <new>

namespace otc::media {

namespace {

class OwnedMemory final : public FrameMemory {
 public:
  explicit OwnedMemory(size_t size) : bytes(new (std::nothrow) uint8_t[size == 0 ? 1 : size]) {}
  std::unique_ptr<uint8_t[]> bytes;
};

class CallbackMemory final : public FrameMemory {
 public:
  CallbackMemory(void (*release)(void *), void *arg) : release_(release), arg_(arg) {}
  ~CallbackMemory() override {
    if (release_) release_(arg_);
  }

 private:
  void (*const release_)(void *);
  void *const arg_;
};

class BufferCallbackMemory final : public FrameMemory {
 public:
  BufferCallbackMemory(otc_video_frame_memory_release_callback release, const uint8_t *buffer, void *arg)
      : release_(release), buffer_(buffer), arg_(arg) {}
  ~BufferCallbackMemory() override {
    if (release_) release_(buffer_, arg_);
  }

 private:
  const otc_video_frame_memory_release_callback release_;
  const uint8_t *const buffer_;
  void *const arg_;
};

bool is_encoded(int format) {
  return format == OTC_VIDEO_FRAME_FORMAT_MJPEG || format == OTC_VIDEO_FRAME_FORMAT_COMPRESSED;
}

void copy_rows(uint8_t *dst, int dst_stride, const uint8_t *src, int src_stride, int row_bytes, int rows) {
  for (int row = 0; row < rows; ++row) {
    std::memcpy(dst + static_cast<size_t>(row) * dst_stride, src + static_cast<size_t>(row) * src_stride,
                static_cast<size_t>(row_bytes));
  }
}

// Stride checks shared by copies and wrappers: a plane per entry, each stride at least a row.
bool planes_fit(const FrameLayout &layout, const uint8_t *const *planes, const int *strides) {
  if (!planes || !strides) return false;
  for (int i = 0; i < layout.planes; ++i) {
    if (!planes[i] || strides[i] < layout.row_bytes[i]) return false;
  }
  return true;
}

}  // namespace

size_t FrameLayout::total() const {
  size_t sum = 0;
  for (int i = 0; i < planes; ++i) sum += static_cast<size_t>(row_bytes[i]) * static_cast<size_t>(rows[i]);
  return sum;
}

bool valid_size(int width, int height) {
  return width >= 1 && height >= 1 && width <= kMaxFrameSide && height <= kMaxFrameSide;
}

bool is_raw_format(int format) {
  return format >= OTC_VIDEO_FRAME_FORMAT_YUV420P && format < OTC_VIDEO_FRAME_FORMAT_MAX &&
         format != OTC_VIDEO_FRAME_FORMAT_MJPEG;
}

bool is_packed_format(int format) {
  switch (format) {
    case OTC_VIDEO_FRAME_FORMAT_YUY2:
    case OTC_VIDEO_FRAME_FORMAT_UYVY:
    case OTC_VIDEO_FRAME_FORMAT_ARGB32:
    case OTC_VIDEO_FRAME_FORMAT_BGRA32:
    case OTC_VIDEO_FRAME_FORMAT_RGB24:
    case OTC_VIDEO_FRAME_FORMAT_ABGR32:
    case OTC_VIDEO_FRAME_FORMAT_RGBA32:
      return true;
    default:
      return false;
  }
}

bool layout_of(otc_video_frame_format format, int width, int height, FrameLayout &layout) {
  if (!valid_size(width, height) || !is_raw_format(format)) return false;
  const int chroma_width = (width + 1) / 2, chroma_height = (height + 1) / 2;
  layout = FrameLayout{};
  auto plane = [&](int row_bytes, int rows, int sample_width, int sample_height) {
    const int i = layout.planes++;
    layout.row_bytes[i] = row_bytes;
    layout.rows[i] = rows;
    layout.plane_width[i] = sample_width;
    layout.plane_height[i] = sample_height;
  };
  switch (format) {
    case OTC_VIDEO_FRAME_FORMAT_YUV420P:
      plane(width, height, width, height);
      plane(chroma_width, chroma_height, chroma_width, chroma_height);
      plane(chroma_width, chroma_height, chroma_width, chroma_height);
      return true;
    case OTC_VIDEO_FRAME_FORMAT_NV12:
    case OTC_VIDEO_FRAME_FORMAT_NV21:
      plane(width, height, width, height);
      plane(chroma_width * 2, chroma_height, chroma_width, chroma_height);
      return true;
    case OTC_VIDEO_FRAME_FORMAT_YUY2:
    case OTC_VIDEO_FRAME_FORMAT_UYVY:
      plane(chroma_width * 4, height, width, height);  // a pair of pixels in 4 bytes
      return true;
    case OTC_VIDEO_FRAME_FORMAT_RGB24:
      plane(width * 3, height, width, height);
      return true;
    default:  // the 32-bit RGB formats
      plane(width * 4, height, width, height);
      return true;
  }
}

std::shared_ptr<FrameMemory> release_on_destroy(void (*release)(void *), void *arg) {
  return std::make_shared<CallbackMemory>(release, arg);
}

std::shared_ptr<FrameMemory> release_buffer_on_destroy(otc_video_frame_memory_release_callback release,
                                                       const uint8_t *buffer, void *arg) {
  return std::make_shared<BufferCallbackMemory>(release, buffer, arg);
}

FramePtr wrap_planes(otc_video_frame_format format, int width, int height, const uint8_t *const *planes,
                     const int *strides, std::shared_ptr<FrameMemory> memory, bool shallow_copyable) {
  FrameLayout layout;
  if (!layout_of(format, width, height, layout) || !planes_fit(layout, planes, strides)) return nullptr;
  FramePtr frame(new (std::nothrow) otc_video_frame);
  if (!frame) return nullptr;
  frame->format = format;
  frame->width = width;
  frame->height = height;
  frame->plane_count = layout.planes;
  for (int i = 0; i < layout.planes; ++i) {
    frame->planes[i] = planes[i];
    frame->strides[i] = strides[i];
    frame->plane_sizes[i] = static_cast<size_t>(strides[i]) * static_cast<size_t>(layout.rows[i]);
  }
  frame->memory = std::move(memory);
  frame->shallow_copyable = shallow_copyable && frame->memory != nullptr;
  return frame;
}

FramePtr wrap_encoded(otc_video_frame_format format, int width, int height, const uint8_t *data, size_t size,
                      std::shared_ptr<FrameMemory> memory, bool shallow_copyable) {
  if (!is_encoded(format) || !valid_size(width, height) || !data || size == 0) return nullptr;
  if (format == OTC_VIDEO_FRAME_FORMAT_MJPEG) {
    int jpeg_width = 0, jpeg_height = 0;
    if (!jpeg_size(data, size, jpeg_width, jpeg_height) || jpeg_width != width || jpeg_height != height) {
      return nullptr;
    }
  }
  FramePtr frame(new (std::nothrow) otc_video_frame);
  if (!frame) return nullptr;
  frame->format = format;
  frame->width = width;
  frame->height = height;
  frame->plane_count = 1;
  frame->planes[0] = data;
  frame->plane_sizes[0] = size;
  frame->memory = std::move(memory);
  frame->shallow_copyable = shallow_copyable && frame->memory != nullptr;
  return frame;
}

FramePtr wrap_buffer(otc_video_frame_format format, int width, int height, const uint8_t *data, size_t size,
                     bool exact_size) {
  if (!data) return nullptr;
  if (is_encoded(format)) return wrap_encoded(format, width, height, data, size, nullptr, false);
  FrameLayout layout;
  if (!layout_of(format, width, height, layout)) return nullptr;
  const size_t total = layout.total();
  if (size < total || (exact_size && size != total)) return nullptr;
  const uint8_t *planes[3] = {nullptr, nullptr, nullptr};
  const uint8_t *at = data;
  for (int i = 0; i < layout.planes; ++i) {
    planes[i] = at;
    at += static_cast<size_t>(layout.row_bytes[i]) * static_cast<size_t>(layout.rows[i]);
  }
  return wrap_planes(format, width, height, planes, layout.row_bytes, nullptr, false);
}

FramePtr allocate(otc_video_frame_format format, int width, int height) {
  FrameLayout layout;
  if (!layout_of(format, width, height, layout)) return nullptr;
  auto memory = std::make_shared<OwnedMemory>(layout.total());
  if (!memory->bytes) return nullptr;
  const uint8_t *planes[3] = {nullptr, nullptr, nullptr};
  const uint8_t *at = memory->bytes.get();
  for (int i = 0; i < layout.planes; ++i) {
    planes[i] = at;
    at += static_cast<size_t>(layout.row_bytes[i]) * static_cast<size_t>(layout.rows[i]);
  }
  // Owned bytes are written only before the frame is handed out, so copies may share them.
  return wrap_planes(format, width, height, planes, layout.row_bytes, std::move(memory), true);
}

FramePtr copy_planes(otc_video_frame_format format, int width, int height, const uint8_t *const *planes,
                     const int *strides) {
  FrameLayout layout;
  if (!layout_of(format, width, height, layout) || !planes_fit(layout, planes, strides)) return nullptr;
  FramePtr frame = allocate(format, width, height);
  if (!frame) return nullptr;
  for (int i = 0; i < layout.planes; ++i) {
    copy_rows(const_cast<uint8_t *>(frame->planes[i]), frame->strides[i], planes[i], strides[i],
              layout.row_bytes[i], layout.rows[i]);
  }
  return frame;
}

FramePtr copy_encoded(otc_video_frame_format format, int width, int height, const uint8_t *data, size_t size) {
  if (!data || size == 0) return nullptr;
  auto memory = std::make_shared<OwnedMemory>(size);
  if (!memory->bytes) return nullptr;
  std::memcpy(memory->bytes.get(), data, size);
  const uint8_t *bytes = memory->bytes.get();
  return wrap_encoded(format, width, height, bytes, size, std::move(memory), true);
}

void fill_i420_view(otc_video_frame &frame, int width, int height, const uint8_t *y, int y_stride,
                    const uint8_t *u, int u_stride, const uint8_t *v, int v_stride, int64_t timestamp_us) {
  const int chroma_height = (height + 1) / 2;
  frame.format = OTC_VIDEO_FRAME_FORMAT_YUV420P;
  frame.width = width;
  frame.height = height;
  frame.plane_count = 3;
  frame.planes[0] = y;
  frame.planes[1] = u;
  frame.planes[2] = v;
  frame.strides[0] = y_stride;
  frame.strides[1] = u_stride;
  frame.strides[2] = v_stride;
  frame.plane_sizes[0] = static_cast<size_t>(y_stride) * static_cast<size_t>(height);
  frame.plane_sizes[1] = static_cast<size_t>(u_stride) * static_cast<size_t>(chroma_height);
  frame.plane_sizes[2] = static_cast<size_t>(v_stride) * static_cast<size_t>(chroma_height);
  frame.timestamp_us = timestamp_us;
  frame.metadata_size = 0;
  frame.shallow_copyable = false;  // libwebrtc's buffer is lent for the callback only
  frame.memory = nullptr;
  frame.lent = true;
}

int plane_index(const otc_video_frame &frame, int plane) {
  switch (frame.format) {
    case OTC_VIDEO_FRAME_FORMAT_YUV420P:
      return plane >= OTC_VIDEO_FRAME_PLANE_Y && plane <= OTC_VIDEO_FRAME_PLANE_V ? plane : -1;
    case OTC_VIDEO_FRAME_FORMAT_NV12:
      if (plane == OTC_VIDEO_FRAME_PLANE_Y) return 0;
      return plane == OTC_VIDEO_FRAME_PLANE_UV_INTERLEAVED || plane == 1 ? 1 : -1;
    case OTC_VIDEO_FRAME_FORMAT_NV21:
      if (plane == OTC_VIDEO_FRAME_PLANE_Y) return 0;
      return plane == OTC_VIDEO_FRAME_PLANE_VU_INTERLEAVED || plane == 1 ? 1 : -1;
    default:
      if (frame.plane_count != 1) return -1;
      return plane == OTC_VIDEO_FRAME_PLANE_PACKED || plane == 0 ? 0 : -1;
  }
}

bool is_tight(const otc_video_frame &frame) {
  if (is_encoded(frame.format)) return true;
  FrameLayout layout;
  if (!layout_of(frame.format, frame.width, frame.height, layout)) return false;
  for (int i = 0; i < layout.planes; ++i) {
    if (frame.strides[i] != layout.row_bytes[i]) return false;
  }
  return true;
}

bool is_contiguous(const otc_video_frame &frame) {
  if (frame.plane_count < 1) return false;
  for (int i = 1; i < frame.plane_count; ++i) {
    if (frame.planes[i] != frame.planes[i - 1] + frame.plane_sizes[i - 1]) return false;
  }
  return true;
}

FramePtr deep_copy(const otc_video_frame &frame) {
  FramePtr out = is_encoded(frame.format)
                     ? copy_encoded(frame.format, frame.width, frame.height, frame.planes[0], frame.plane_sizes[0])
                     : copy_planes(frame.format, frame.width, frame.height, frame.planes, frame.strides);
  if (!out) return nullptr;
  out->timestamp_us = frame.timestamp_us;
  std::memcpy(out->metadata, frame.metadata, sizeof out->metadata);
  out->metadata_size = frame.metadata_size;
  return out;
}

FramePtr copy(const otc_video_frame &frame) {
  if (!frame.shallow_copyable || !frame.memory) return deep_copy(frame);
  FramePtr out(new (std::nothrow) otc_video_frame(frame));  // shares memory: one more owner
  if (out) out->lent = false;
  return out;
}

}  // namespace otc::media
