#include "camera_video_source.h"

#include <condition_variable>

#include <api/video/video_frame.h>
#include <api/video/video_sink_interface.h>
#include <modules/video_capture/video_capture_factory.h>
#include <rtc_base/time_utils.h>

namespace otc::rtc {

using Clock = std::chrono::steady_clock;

struct CameraVideoSource::Mailbox {
  std::mutex mutex;
  std::condition_variable wake;
  ::rtc::scoped_refptr<webrtc::VideoFrameBuffer> frame;
  int64_t time_us = 0;
  Clock::time_point last_frame;  // or when capture started
  bool stop = false;
};

// Called by the module on its capture thread with the module's locks held: hands over and
// returns.
class CameraVideoSource::Sink : public ::rtc::VideoSinkInterface<webrtc::VideoFrame> {
 public:
  Sink(Mailbox &box, std::atomic<uint64_t> &dropped) : box_(box), dropped_(dropped) {}
  void OnFrame(const webrtc::VideoFrame &frame) override {
    {
      std::lock_guard<std::mutex> lock(box_.mutex);
      if (box_.frame) dropped_.fetch_add(1, std::memory_order_relaxed);
      box_.frame = frame.video_frame_buffer();
      box_.time_us = frame.timestamp_us();
      box_.last_frame = Clock::now();
    }
    box_.wake.notify_one();
  }

 private:
  Mailbox &box_;
  std::atomic<uint64_t> &dropped_;
};

CameraVideoSource::CameraVideoSource()
    : mailbox_(std::make_shared<Mailbox>()), sink_(std::make_unique<Sink>(*mailbox_, dropped_)) {}

CameraVideoSource::~CameraVideoSource() { Stop(); }

bool CameraVideoSource::Start(const std::string &choice, media::CaptureSize wanted, std::string &why) {
  std::optional<V4l2Camera> camera = find_v4l2_camera(choice, why);
  if (!camera) return false;
  camera_ = *camera;
  const std::string named = "camera " + camera_.path + " \"" + camera_.name + "\"";
  bool usable = false;
  const std::vector<media::CaptureSize> offered = v4l2_frame_sizes(camera_.path, usable);
  if (!usable) {
    why = named + " offers no pixel format libwebrtc's capture converts (YUV 4:2:0, YUYV, UYVY or MJPEG)";
    return false;
  }
  // A driver that does not enumerate sizes adjusts the one asked for itself.
  size_ = media::nearest_capture_size(offered, wanted).value_or(wanted);
  module_ = webrtc::VideoCaptureFactory::Create(camera_.unique_id.c_str());
  if (!module_) {
    why = named + ": libwebrtc's capture module cannot open it";
    return false;
  }
  module_->RegisterCaptureDataCallback(sink_.get());
  webrtc::VideoCaptureCapability capability;
  capability.width = size_.width;
  capability.height = size_.height;
  capability.maxFPS = kMaxFps;
  {
    std::lock_guard<std::mutex> lock(mailbox_->mutex);
    mailbox_->last_frame = Clock::now();
  }
  if (module_->StartCapture(capability) != 0) {
    StopModule();
    why = named + ": capture did not start at " + std::to_string(size_.width) + "x" + std::to_string(size_.height) +
          " (in use by another program, or the driver refused; libwebrtc's log says which)";
    return false;
  }
  thread_ = std::thread([this] { Run(); });
  return true;
}

void CameraVideoSource::StopModule() {
  if (!module_) return;
  module_->StopCapture();  // joins the capture thread
  module_->DeRegisterCaptureDataCallback();
  module_ = nullptr;
}

void CameraVideoSource::Stop() {
  std::lock_guard<std::mutex> serial(stop_mutex_);
  {
    std::lock_guard<std::mutex> lock(mailbox_->mutex);
    mailbox_->stop = true;
  }
  mailbox_->wake.notify_all();
  if (thread_.joinable()) thread_.join();
  StopModule();
  std::lock_guard<std::mutex> lock(mailbox_->mutex);
  mailbox_->frame = nullptr;
}

void CameraVideoSource::Run() {
  Mailbox &box = *mailbox_;
  for (;;) {
    ::rtc::scoped_refptr<webrtc::VideoFrameBuffer> frame;
    int64_t time_us = 0;
    Clock::duration silent{};
    {
      std::unique_lock<std::mutex> lock(box.mutex);
      box.wake.wait_for(lock, std::chrono::milliseconds(500), [&] { return box.stop || box.frame; });
      if (box.stop) return;
      frame = std::move(box.frame);
      box.frame = nullptr;
      time_us = box.time_us;
      silent = Clock::now() - box.last_frame;
    }
    if (frame) {
      if (auto i420 = frame->ToI420()) Deliver(i420, time_us > 0 ? time_us : ::rtc::TimeMicros());
      continue;
    }
    if (silent < kProbeAfter) continue;
    const std::string named = "camera " + camera_.path + " \"" + camera_.name + "\"";
    std::string why;
    if (!v4l2_camera_present(camera_)) {
      why = named + " is gone (unplugged?): video stopped";
    } else if (silent >= kGiveUpAfter) {
      why = named + " delivered no frame for " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kGiveUpAfter).count()) +
            " s: video stopped";
    } else {
      continue;
    }
    StopModule();
    if (failure_) failure_(why);
    std::unique_lock<std::mutex> lock(box.mutex);
    box.wake.wait(lock, [&] { return box.stop; });
    return;
  }
}

}  // namespace otc::rtc
