#include "video_sources.h"

#include <chrono>

#include <api/video/i420_buffer.h>
#include <api/video/video_frame.h>
#include <rtc_base/time_utils.h>

#include "../media/test_pattern.h"
#include "../media/video_frame.h"

namespace otc::rtc {

void PublisherVideoSource::Deliver(const ::rtc::scoped_refptr<webrtc::VideoFrameBuffer> &buffer,
                                   int64_t time_us) {
  captured_.fetch_add(1, std::memory_order_relaxed);
  OnFrame(webrtc::VideoFrame::Builder()
              .set_video_frame_buffer(buffer)
              .set_timestamp_us(time_us)
              .set_rotation(webrtc::kVideoRotation_0)
              .build());
}

PatternVideoSource::PatternVideoSource(int width, int height, int fps)
    : width_(width), height_(height), fps_(fps) {}

PatternVideoSource::~PatternVideoSource() { Stop(); }

void PatternVideoSource::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void PatternVideoSource::Stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    thread = std::move(thread_);
  }
  wake_.notify_all();
  if (thread.joinable()) thread.join();
}

void PatternVideoSource::Run() {
  const otc::media::TestPattern pattern(width_, height_);
  const auto interval = std::chrono::microseconds(1000000 / fps_);
  auto next = std::chrono::steady_clock::now();
  // Frame numbers continue across Stop/Start, so a receiver never sees one twice.
  for (;;) {
    auto buffer = webrtc::I420Buffer::Create(width_, height_);
    const uint32_t number = static_cast<uint32_t>(captured_.load());
    pattern.render(number, otc::media::monotonic_time_ms(), buffer->MutableDataY(),
                   buffer->StrideY(), buffer->MutableDataU(), buffer->StrideU(),
                   buffer->MutableDataV(), buffer->StrideV());
    Deliver(buffer, ::rtc::TimeMicros());
    next += interval;
    const auto now = std::chrono::steady_clock::now();
    if (next < now - interval * 3) next = now;  // fell far behind (a stalled machine): no burst
    std::unique_lock<std::mutex> lock(mutex_);
    if (wake_.wait_until(lock, next, [this] { return stop_; })) return;
  }
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

}  // namespace otc::rtc
