#include "encoded_video_source.h"

#include <chrono>

#include <api/video/i420_buffer.h>
#include <api/video/video_frame.h>
#include <rtc_base/time_utils.h>

#include "../base/log.h"

namespace otc::rtc {

void EncodedFrameBuffer::RequestKeyFrame() const {
  if (request_) request_->wanted.store(true);
}

::rtc::scoped_refptr<webrtc::I420BufferInterface> EncodedFrameBuffer::ToI420() {
  auto black = webrtc::I420Buffer::Create(width_, height_);
  webrtc::I420Buffer::SetBlack(black.get());
  return black;
}

EncodedVideoSource::EncodedVideoSource(std::unique_ptr<media::EncodedMediaReader> reader)
    : codec_(reader->codec()), reader_(std::move(reader)) {}

EncodedVideoSource::~EncodedVideoSource() { Stop(); }

void EncodedVideoSource::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Run(); });
}

void EncodedVideoSource::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void EncodedVideoSource::Run() {
  using clock = std::chrono::steady_clock;
  auto due = clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    lock.unlock();
    if (request_->wanted.exchange(false)) {
      request_->requests.fetch_add(1);
      reader_->SkipToKeyFrame();
      otc::log(OTC_LOG_LEVEL_INFO, "encoded video: a key frame was requested: skipped to the file's next one");
    }
    const media::EncodedFrameRef next = reader_->Next();
    auto buffer = ::rtc::make_ref_counted<EncodedFrameBuffer>(
        codec_, next.key, next.width, next.height,
        webrtc::EncodedImageBuffer::Create(next.data.data(), next.data.size()), request_);
    OnFrame(webrtc::VideoFrame::Builder()
                .set_video_frame_buffer(buffer)
                .set_timestamp_us(::rtc::TimeMicros())
                .set_rotation(webrtc::kVideoRotation_0)
                .build());
    captured_.fetch_add(1);
    if (size_handler_) size_handler_(next.width, next.height);
    due += std::chrono::microseconds(next.duration_us);
    // Behind by more than a second (a stalled machine): start the clock again rather than burst.
    if (clock::now() - due > std::chrono::seconds(1)) due = clock::now();
    lock.lock();
    wake_.wait_until(lock, due, [this] { return stop_; });
  }
}

}  // namespace otc::rtc
