// A publisher's video: the built-in test pattern, rendered on its own thread at its frame rate,
// or frames the application pushes (any SDK pixel format). Both are libwebrtc track sources; sinks
// (the encoders of each peer connection) get every frame.
#pragma once

#include "webrtc_build_guard.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include <media/base/adapted_video_track_source.h>
#include <otc/media.h>

#include "../media/video_frame.h"

namespace otc::rtc {

class PublisherVideoSource : public ::rtc::AdaptedVideoTrackSource {
 public:
  uint64_t frames_captured() const { return captured_.load(); }
  // Stops producing frames (a pattern thread is joined); idempotent.
  virtual void Stop() {}

  SourceState state() const override { return kLive; }
  bool remote() const override { return false; }
  bool is_screencast() const override { return false; }
  absl::optional<bool> needs_denoising() const override { return false; }

 protected:
  void Deliver(const ::rtc::scoped_refptr<webrtc::VideoFrameBuffer> &buffer, int64_t time_us);
  std::atomic<uint64_t> captured_{0};
};

// Renders otc::media::TestPattern frames at fps from its own thread while started.
class PatternVideoSource : public PublisherVideoSource {
 public:
  PatternVideoSource(int width, int height, int fps);
  ~PatternVideoSource() override;
  void Start();
  void Stop() override;

 private:
  void Run();
  const int width_, height_, fps_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

// Frames pushed by the application in any SDK pixel format, converted to I420 on the pushing
// thread.
class PushedVideoSource : public PublisherVideoSource {
 public:
  static constexpr int kMinSide = 16, kMaxWidth = 3840, kMaxHeight = 2160;
  // OTC_SUCCESS or OTC_MEDIA_INVALID_PARAMETER (format, size or data length).
  otc_status Push(otc_video_frame_format format, int width, int height, const uint8_t *data,
                  size_t size);
  // The checks of Push without a frame.
  static otc_status Validate(otc_video_frame_format format, int width, int height,
                             const uint8_t *data, size_t size);

 private:
  // The pushed bytes as a borrowed frame; null when they do not fit format, width and height.
  static media::FramePtr Borrow(otc_video_frame_format format, int width, int height, const uint8_t *data,
                                size_t size);
};

}  // namespace otc::rtc
