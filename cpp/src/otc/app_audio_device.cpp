#include "app_audio_device.h"

#include <algorithm>

#include "../base/log.h"

namespace otc {
namespace {

// A NULL callback counts as success: the SDK's own sample leaves most of them NULL.
bool call(otc_bool (*callback)(const otc_audio_device *, void *), const otc_audio_device *device,
          void *user_data) {
  return callback == nullptr || callback(device, user_data) == OTC_TRUE;
}

}  // namespace

AppAudioBackend::AppAudioBackend(const otc_audio_device_callbacks &callbacks) : callbacks_(callbacks) {}

bool AppAudioBackend::EnsureDeviceInit() {
  if (device_initialized_) return true;
  if (!call(callbacks_.init, self(), callbacks_.user_data)) {
    otc::log(OTC_LOG_LEVEL_ERROR, "audio device (application): init failed");
    return false;
  }
  device_initialized_ = true;
  return true;
}

void AppAudioBackend::ReleaseDeviceIfIdle() {
  if (!device_initialized_ || capturer_initialized_ || renderer_initialized_) return;
  device_initialized_ = false;
  if (!abandoned_) call(callbacks_.destroy, self(), callbacks_.user_data);
}

AppAudioBackend::Format AppAudioBackend::AskFormat(
    otc_bool (*get)(const otc_audio_device *, void *, otc_audio_device_settings *), const char *what) {
  Format format;
  if (!get) return format;
  otc_audio_device_settings settings{format.rate, format.channels};
  if (get(self(), callbacks_.user_data, &settings) != OTC_TRUE) {
    otc::log(OTC_LOG_LEVEL_WARN, "audio device (application): %s settings failed; using 48000 Hz mono", what);
    return format;
  }
  if (settings.sampling_rate < 8000 || settings.sampling_rate > 192000 || settings.sampling_rate % 100 != 0 ||
      settings.number_of_channels < 1 || settings.number_of_channels > 2) {
    otc::log(OTC_LOG_LEVEL_WARN,
             "audio device (application): %s settings %d Hz, %d channels not supported (8000..192000 Hz in "
             "steps of 100, 1 or 2 channels); using 48000 Hz mono",
             what, settings.sampling_rate, settings.number_of_channels);
    return format;
  }
  format.rate = settings.sampling_rate;
  format.channels = settings.number_of_channels;
  return format;
}

bool AppAudioBackend::InitCapture() {
  if (abandoned_ || !EnsureDeviceInit()) return false;
  if (!call(callbacks_.init_capturer, self(), callbacks_.user_data)) {
    otc::log(OTC_LOG_LEVEL_ERROR, "audio device (application): init_capturer failed");
    ReleaseDeviceIfIdle();
    return false;
  }
  capturer_initialized_ = true;
  return true;
}

bool AppAudioBackend::StartCapture(const std::shared_ptr<rtc::AudioPort> &port) {
  if (abandoned_ || !capturer_initialized_) return false;
  const Format format = AskFormat(callbacks_.get_capture_settings, "capture");
  const int delay = callbacks_.get_estimated_capture_delay
                        ? callbacks_.get_estimated_capture_delay(self(), callbacks_.user_data)
                        : 0;
  {
    // Open before start_capturer: an application thread it starts may write at once.
    std::lock_guard<std::mutex> lock(capture_mutex_);
    capture_format_ = format;
    capture_delay_ms_ = std::clamp(delay, 0, 10000);
    capture_pending_.clear();
    capture_port_ = port;
  }
  if (!call(callbacks_.start_capturer, self(), callbacks_.user_data)) {
    otc::log(OTC_LOG_LEVEL_ERROR, "audio device (application): start_capturer failed");
    std::lock_guard<std::mutex> lock(capture_mutex_);
    capture_port_ = nullptr;
    return false;
  }
  capturer_started_ = true;
  return true;
}

void AppAudioBackend::StopCapture() {
  {
    std::lock_guard<std::mutex> lock(capture_mutex_);
    capture_port_ = nullptr;
    capture_pending_.clear();
  }
  // Outside the data lock: destroy_capturer typically joins a thread that writes capture data.
  if (capturer_started_ && !abandoned_) {
    call(callbacks_.stop_capturer, self(), callbacks_.user_data);
    call(callbacks_.destroy_capturer, self(), callbacks_.user_data);
  }
  capturer_started_ = false;
  capturer_initialized_ = false;
  ReleaseDeviceIfIdle();
}

bool AppAudioBackend::InitPlayout() {
  if (abandoned_ || !EnsureDeviceInit()) return false;
  if (!call(callbacks_.init_renderer, self(), callbacks_.user_data)) {
    otc::log(OTC_LOG_LEVEL_ERROR, "audio device (application): init_renderer failed");
    ReleaseDeviceIfIdle();
    return false;
  }
  renderer_initialized_ = true;
  return true;
}

bool AppAudioBackend::StartPlayout(const std::shared_ptr<rtc::AudioPort> &port) {
  if (abandoned_ || !renderer_initialized_) return false;
  const Format format = AskFormat(callbacks_.get_render_settings, "render");
  const int delay = callbacks_.get_estimated_render_delay
                        ? callbacks_.get_estimated_render_delay(self(), callbacks_.user_data)
                        : 0;
  render_delay_ms_ = std::clamp(delay, 0, 10000);
  {
    std::lock_guard<std::mutex> lock(render_mutex_);
    render_format_ = format;
    render_ready_.clear();
    render_at_ = 0;
    render_port_ = port;
  }
  if (!call(callbacks_.start_renderer, self(), callbacks_.user_data)) {
    otc::log(OTC_LOG_LEVEL_ERROR, "audio device (application): start_renderer failed");
    std::lock_guard<std::mutex> lock(render_mutex_);
    render_port_ = nullptr;
    return false;
  }
  renderer_started_ = true;
  return true;
}

void AppAudioBackend::StopPlayout() {
  {
    std::lock_guard<std::mutex> lock(render_mutex_);
    render_port_ = nullptr;
    render_ready_.clear();
    render_at_ = 0;
  }
  if (renderer_started_ && !abandoned_) {
    call(callbacks_.stop_renderer, self(), callbacks_.user_data);
    call(callbacks_.destroy_renderer, self(), callbacks_.user_data);
  }
  renderer_started_ = false;
  renderer_initialized_ = false;
  ReleaseDeviceIfIdle();
}

void AppAudioBackend::WriteCapture(const int16_t *samples, size_t count) {
  std::lock_guard<std::mutex> lock(capture_mutex_);
  if (!capture_port_) return;  // nobody publishes: dropped, as a microphone's would be
  const size_t frame = capture_format_.frame_values();
  size_t at = 0;
  // Top up a partial frame left from the last call first, then deliver straight from the
  // caller's buffer, keeping only the tail.
  if (!capture_pending_.empty()) {
    const size_t take = std::min(count, frame - capture_pending_.size());
    capture_pending_.insert(capture_pending_.end(), samples, samples + take);
    at = take;
    if (capture_pending_.size() < frame) return;
    capture_port_->DeliverCapture(capture_pending_.data(), capture_format_.rate, capture_format_.channels,
                                  capture_delay_ms_);
    capture_pending_.clear();
  }
  for (; count - at >= frame; at += frame) {
    capture_port_->DeliverCapture(samples + at, capture_format_.rate, capture_format_.channels, capture_delay_ms_);
  }
  capture_pending_.assign(samples + at, samples + count);
}

size_t AppAudioBackend::ReadRender(int16_t *out, size_t count) {
  std::lock_guard<std::mutex> lock(render_mutex_);
  if (!render_port_) return 0;
  size_t done = 0;
  while (done < count) {
    if (render_at_ == render_ready_.size()) {
      render_ready_.resize(render_format_.frame_values());
      render_at_ = 0;
      if (!render_port_->PullPlayout(render_ready_.data(), render_format_.rate, render_format_.channels)) {
        render_ready_.clear();
        break;
      }
    }
    const size_t run = std::min(count - done, render_ready_.size() - render_at_);
    std::copy_n(render_ready_.begin() + static_cast<ptrdiff_t>(render_at_), run, out + done);
    render_at_ += run;
    done += run;
  }
  return done;
}

}  // namespace otc
