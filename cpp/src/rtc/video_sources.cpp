#include "video_sources.h"

#include <chrono>

#include <api/video/i420_buffer.h>
#include <api/video/video_frame.h>
#include <libyuv/convert.h>
#include <rtc_base/time_utils.h>

#include "../media/test_pattern.h"

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
  if (!data || width < kMinSide || height < kMinSide || width > kMaxWidth || height > kMaxHeight ||
      width % 2 != 0 || height % 2 != 0) {
    return OTC_MEDIA_INVALID_PARAMETER;
  }
  const size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
  const size_t chroma = static_cast<size_t>(width / 2) * static_cast<size_t>(height / 2);
  if (format == OTC_VIDEO_FRAME_FORMAT_I420) return size == pixels + 2 * chroma ? otc_status{OTC_SUCCESS} : OTC_MEDIA_INVALID_PARAMETER;
  if (format == OTC_VIDEO_FRAME_FORMAT_RGBA) return size == pixels * 4 ? otc_status{OTC_SUCCESS} : OTC_MEDIA_INVALID_PARAMETER;
  return OTC_MEDIA_INVALID_PARAMETER;
}

otc_status PushedVideoSource::Push(otc_video_frame_format format, int width, int height,
                                   const uint8_t *data, size_t size) {
  if (const otc_status status = Validate(format, width, height, data, size); status != OTC_SUCCESS) {
    return status;
  }
  const size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
  const int chroma_width = width / 2;
  const size_t chroma = static_cast<size_t>(chroma_width) * static_cast<size_t>(height / 2);
  ::rtc::scoped_refptr<webrtc::I420Buffer> buffer;
  if (format == OTC_VIDEO_FRAME_FORMAT_I420) {
    buffer = webrtc::I420Buffer::Copy(width, height, data, width, data + pixels, chroma_width,
                                      data + pixels + chroma, chroma_width);
  } else {
    buffer = webrtc::I420Buffer::Create(width, height);
    // libyuv names formats by little-endian words: its "ABGR" is bytes R, G, B, A in memory.
    if (libyuv::ABGRToI420(data, width * 4, buffer->MutableDataY(), buffer->StrideY(),
                           buffer->MutableDataU(), buffer->StrideU(), buffer->MutableDataV(),
                           buffer->StrideV(), width, height) != 0) {
      return OTC_MEDIA_INVALID_PARAMETER;
    }
  }
  Deliver(buffer, ::rtc::TimeMicros());
  return OTC_SUCCESS;
}

}  // namespace otc::rtc
