#include "video_sources.h"

#include <chrono>

#include <api/video/i420_buffer.h>
#include <api/video/video_frame.h>
#include <rtc_base/time_utils.h>

#include "../media/test_pattern.h"
#include "../media/video_frame.h"

namespace otc::rtc {

void PublisherVideoSource::Deliver(const ::rtc::scoped_refptr<webrtc::I420BufferInterface> &buffer,
                                   int64_t time_us) {
  captured_.fetch_add(1, std::memory_order_relaxed);
  if (preview_) {
    otc_video_frame view;
    media::fill_i420_view(view, buffer->width(), buffer->height(), buffer->DataY(), buffer->StrideY(),
                          buffer->DataU(), buffer->StrideU(), buffer->DataV(), buffer->StrideV(), time_us);
    preview_(view);
  }
  OnFrame(webrtc::VideoFrame::Builder()
              .set_video_frame_buffer(buffer)
              .set_timestamp_us(time_us)
              .set_rotation(webrtc::kVideoRotation_0)
              .build());
}

ClockedVideoSource::~ClockedVideoSource() { Stop(); }

void ClockedVideoSource::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void ClockedVideoSource::Stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    thread = std::move(thread_);
  }
  wake_.notify_all();
  if (thread.joinable()) thread.join();
}

void ClockedVideoSource::Run() {
  const auto interval = std::chrono::microseconds(1000000 / fps_);
  auto next = std::chrono::steady_clock::now();
  // Frame numbers continue across Stop/Start, so a receiver never sees one twice.
  for (;;) {
    if (auto buffer = Make(static_cast<uint32_t>(captured_.load()))) Deliver(buffer, ::rtc::TimeMicros());
    next += interval;
    const auto now = std::chrono::steady_clock::now();
    if (next < now - interval * 3) next = now;  // fell far behind (a stalled machine): no burst
    std::unique_lock<std::mutex> lock(mutex_);
    if (wake_.wait_until(lock, next, [this] { return stop_; })) return;
  }
}

PatternVideoSource::PatternVideoSource(int width, int height, int fps)
    : ClockedVideoSource(fps), width_(width), height_(height),
      pattern_(std::make_unique<otc::media::TestPattern>(width, height)) {}

::rtc::scoped_refptr<webrtc::I420BufferInterface> PatternVideoSource::Make(uint32_t number) {
  auto buffer = webrtc::I420Buffer::Create(width_, height_);
  pattern_->render(number, otc::media::monotonic_time_ms(), buffer->MutableDataY(), buffer->StrideY(),
                   buffer->MutableDataU(), buffer->StrideU(), buffer->MutableDataV(), buffer->StrideV());
  return buffer;
}

FileVideoSource::FileVideoSource(std::unique_ptr<media::Y4mFile> file)
    : ClockedVideoSource(file->fps()), file_(std::move(file)) {}

FileVideoSource::~FileVideoSource() { Stop(); }

::rtc::scoped_refptr<webrtc::I420BufferInterface> FileVideoSource::Make(uint32_t) {
  const uint8_t *planes = file_->Next();
  if (!planes) return nullptr;
  const int w = file_->width(), h = file_->height();
  const uint8_t *u = planes + static_cast<size_t>(w) * h;
  const uint8_t *v = u + static_cast<size_t>(w / 2) * (h / 2);
  return webrtc::I420Buffer::Copy(w, h, planes, w, u, w / 2, v, w / 2);
}

otc_status PushedVideoSource::Validate(otc_video_frame_format format, int width, int height,
                                       const uint8_t *data, size_t size) {
  return Borrow(format, width, height, data, size) ? otc_status{OTC_SUCCESS} : otc_status{OTC_MEDIA_INVALID_PARAMETER};
}

media::FramePtr PushedVideoSource::Borrow(otc_video_frame_format format, int width, int height,
                                          const uint8_t *data, size_t size) {
  if (width < kMinSide || height < kMinSide || width > kMaxWidth || height > kMaxHeight || width % 2 != 0 ||
      height % 2 != 0 || format == OTC_VIDEO_FRAME_FORMAT_COMPRESSED) {
    return nullptr;
  }
  return media::wrap_buffer(format, width, height, data, size, true);
}

otc_status PushedVideoSource::Push(otc_video_frame_format format, int width, int height,
                                   const uint8_t *data, size_t size) {
  const media::FramePtr frame = Borrow(format, width, height, data, size);
  if (!frame) return OTC_MEDIA_INVALID_PARAMETER;
  ::rtc::scoped_refptr<webrtc::I420Buffer> buffer = webrtc::I420Buffer::Create(width, height);
  if (!media::to_i420(*frame, buffer->MutableDataY(), buffer->StrideY(), buffer->MutableDataU(),
                      buffer->StrideU(), buffer->MutableDataV(), buffer->StrideV())) {
    return OTC_MEDIA_INVALID_PARAMETER;  // a JPEG whose header read but whose data did not
  }
  Deliver(buffer, ::rtc::TimeMicros());
  return OTC_SUCCESS;
}

otc_status CapturerVideoSource::Provide(int rotation, const otc_video_frame &frame) {
  webrtc::VideoRotation turn;
  switch (rotation) {
    case 0: turn = webrtc::kVideoRotation_0; break;
    case 90: turn = webrtc::kVideoRotation_90; break;
    case 180: turn = webrtc::kVideoRotation_180; break;
    case 270: turn = webrtc::kVideoRotation_270; break;
    default: return OTC_INVALID_PARAM;
  }
  if (frame.format == OTC_VIDEO_FRAME_FORMAT_COMPRESSED || !media::valid_size(frame.width, frame.height)) {
    return OTC_INVALID_PARAM;
  }
  ::rtc::scoped_refptr<webrtc::I420Buffer> buffer = webrtc::I420Buffer::Create(frame.width, frame.height);
  if (!media::to_i420(frame, buffer->MutableDataY(), buffer->StrideY(), buffer->MutableDataU(), buffer->StrideU(),
                      buffer->MutableDataV(), buffer->StrideV())) {
    return OTC_INVALID_PARAM;
  }
  // Turned here rather than tagged with a rotation: the preview and every encoder get the same
  // upright picture.
  if (turn != webrtc::kVideoRotation_0) buffer = webrtc::I420Buffer::Rotate(*buffer, turn);
  Deliver(buffer, ::rtc::TimeMicros());
  return OTC_SUCCESS;
}

}  // namespace otc::rtc
