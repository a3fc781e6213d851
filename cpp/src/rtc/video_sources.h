// A publisher's video: the built-in test pattern, rendered on its own thread at its frame rate,
// or frames the application pushes (any SDK pixel format). Both are libwebrtc track sources; sinks
// (the encoders of each peer connection) get every frame.
#pragma once

#include "webrtc_build_guard.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <api/video/video_frame_buffer.h>
#include <media/base/adapted_video_track_source.h>
#include <otc/media.h>

#include "../media/test_pattern.h"
#include "../media/video_frame.h"
#include "../media/y4m_file.h"

namespace otc::rtc {

class PublisherVideoSource : public ::rtc::AdaptedVideoTrackSource {
 public:
  // Sees every frame before the encoders do (the publisher's on_render_frame), on the thread
  // that made it. Set before the first frame; not changed afterwards.
  using Preview = std::function<void(const otc_video_frame &)>;
  void SetPreview(Preview preview) { preview_ = std::move(preview); }
  uint64_t frames_captured() const { return captured_.load(); }
  // Stops producing frames (a pattern thread is joined); idempotent.
  virtual void Stop() {}

  SourceState state() const override { return kLive; }
  bool remote() const override { return false; }
  bool is_screencast() const override { return false; }
  absl::optional<bool> needs_denoising() const override { return false; }

 protected:
  void Deliver(const ::rtc::scoped_refptr<webrtc::I420BufferInterface> &buffer, int64_t time_us);
  std::atomic<uint64_t> captured_{0};
  Preview preview_;
};

// Makes frames at fps from its own thread while started.
class ClockedVideoSource : public PublisherVideoSource {
 public:
  ~ClockedVideoSource() override;
  void Start();
  void Stop() override;

 protected:
  explicit ClockedVideoSource(int fps) : fps_(fps) {}
  // The next frame (number counts frames made so far); null to skip a tick.
  virtual ::rtc::scoped_refptr<webrtc::I420BufferInterface> Make(uint32_t number) = 0;

 private:
  void Run();
  const int fps_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

// Renders otc::media::TestPattern frames.
class PatternVideoSource : public ClockedVideoSource {
 public:
  PatternVideoSource(int width, int height, int fps);
  ~PatternVideoSource() override { Stop(); }

 private:
  ::rtc::scoped_refptr<webrtc::I420BufferInterface> Make(uint32_t number) override;
  const int width_, height_;
  std::unique_ptr<media::TestPattern> pattern_;
};

// Plays a Y4M file in a loop (read on the source's own thread).
class FileVideoSource : public ClockedVideoSource {
 public:
  explicit FileVideoSource(std::unique_ptr<media::Y4mFile> file);
  ~FileVideoSource() override;

 private:
  ::rtc::scoped_refptr<webrtc::I420BufferInterface> Make(uint32_t number) override;
  std::unique_ptr<media::Y4mFile> file_;
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

// Frames of the application's capturer (otc_video_capturer_provide_frame): any SDK frame with
// pixels, converted to I420 and turned upright on the application's thread.
class CapturerVideoSource : public PublisherVideoSource {
 public:
  // OTC_INVALID_PARAM: rotation not 0/90/180/270, or a frame that does not convert.
  otc_status Provide(int rotation, const otc_video_frame &frame);
};

}  // namespace otc::rtc
