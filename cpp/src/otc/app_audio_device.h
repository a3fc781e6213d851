// The application's own audio device (opentok/audio_device.h) as a backend of the engine's
// audio device proxy: lifecycle callbacks on the proxy's control path, capture pushed and
// playout pulled by the application's threads.
#pragma once

#include <opentok/audio_device.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "../rtc/audio_backend.h"

namespace otc {

class AppAudioBackend final : public rtc::AudioBackend {
 public:
  explicit AppAudioBackend(const otc_audio_device_callbacks &callbacks);

  std::string name() const override { return "application"; }
  bool InitCapture() override;
  bool StartCapture(const std::shared_ptr<rtc::AudioPort> &port) override;
  void StopCapture() override;
  bool InitPlayout() override;
  bool StartPlayout(const std::shared_ptr<rtc::AudioPort> &port) override;
  void StopPlayout() override;
  int PlayoutDelayMs() const override { return render_delay_ms_.load(); }
  void Abandon() override { abandoned_ = true; }

  // otc_audio_device_write_capture_data / otc_audio_device_read_render_data.
  void WriteCapture(const int16_t *samples, size_t count);
  size_t ReadRender(int16_t *out, size_t count);

 private:
  struct Format {
    int rate = 48000;
    int channels = 1;
    size_t frame_values() const { return static_cast<size_t>(rate / 100 * channels); }
  };
  bool EnsureDeviceInit();
  void ReleaseDeviceIfIdle();
  Format AskFormat(otc_bool (*get)(const otc_audio_device *, void *, otc_audio_device_settings *),
                   const char *what);
  const otc_audio_device *self() const { return reinterpret_cast<const otc_audio_device *>(this); }

  const otc_audio_device_callbacks callbacks_;
  // Control state: only touched on the proxy's control path (one call at a time).
  bool device_initialized_ = false;
  bool capturer_initialized_ = false, capturer_started_ = false;
  bool renderer_initialized_ = false, renderer_started_ = false;
  std::atomic<bool> abandoned_{false};
  std::atomic<int> render_delay_ms_{0};

  // The data path: the application's threads. Never held while calling the application.
  std::mutex capture_mutex_;
  std::shared_ptr<rtc::AudioPort> capture_port_;  // null while capture is stopped
  Format capture_format_;
  int capture_delay_ms_ = 0;
  std::vector<int16_t> capture_pending_;
  std::mutex render_mutex_;
  std::shared_ptr<rtc::AudioPort> render_port_;
  Format render_format_;
  std::vector<int16_t> render_ready_;
  size_t render_at_ = 0;
};

}  // namespace otc
