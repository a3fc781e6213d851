// A publisher's video from a V4L2 camera, captured by libwebrtc's capture module
// (VideoCaptureModuleV4L2).
//
// The module converts each frame to I420 on its capture thread and hands it to a sink while
// holding its own locks; that thread is never made to wait here: the sink only parks the
// newest frame in a one-frame mailbox (an older one not yet taken is dropped). The source's own
// thread takes frames from there to the preview and the encoders, and watches the camera: the
// module reports nothing when a camera is unplugged (it retries the dead node forever), so a
// camera silent for kProbeAfter is asked whether it is still there, and one gone, or silent for
// kGiveUpAfter, is stopped and reported once through the failure handler.
#pragma once

#include "video_sources.h"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <modules/video_capture/video_capture.h>

#include "../media/capture_size.h"
#include "v4l2_devices.h"

namespace otc::rtc {

class CameraVideoSource : public PublisherVideoSource {
 public:
  static constexpr auto kProbeAfter = std::chrono::seconds(2);
  static constexpr auto kGiveUpAfter = std::chrono::seconds(10);
  static constexpr int kMaxFps = 30;

  // Runs on the source's thread, at most once, with why the camera stopped.
  using Failure = std::function<void(const std::string &why)>;

  CameraVideoSource();
  ~CameraVideoSource() override;
  // Before Start.
  void SetFailureHandler(Failure failure) { failure_ = std::move(failure); }

  // Opens the camera choice names (find_v4l2_camera) and captures at the size it offers nearest
  // wanted, up to kMaxFps. false with why set when it cannot. Once.
  bool Start(const std::string &choice, media::CaptureSize wanted, std::string &why);
  // Stops capturing and joins the source's thread; idempotent, from any thread but the source's.
  void Stop() override;

  const V4l2Camera &camera() const { return camera_; }
  // The size asked of the camera (its frames may differ if the driver chose another).
  media::CaptureSize size() const { return size_; }
  uint64_t frames_dropped() const { return dropped_.load(); }

 private:
  class Sink;
  struct Mailbox;
  void Run();
  void StopModule();

  Failure failure_;
  V4l2Camera camera_;
  media::CaptureSize size_;
  std::shared_ptr<Mailbox> mailbox_;
  std::unique_ptr<Sink> sink_;
  // Touched by Start, then by the source's thread, then by Stop after joining it.
  ::rtc::scoped_refptr<webrtc::VideoCaptureModule> module_;
  std::atomic<uint64_t> dropped_{0};
  std::thread thread_;
  std::mutex stop_mutex_;  // serialises Stop
};

}  // namespace otc::rtc
