// A device without hardware: its own thread ticks every 10 ms, takes a capture frame from a
// Capturer (the process's PCM source, a WAV file, noise) and pulls a playout frame into a
// Renderer (usually discarding it). The synthetic device and the OTC_AUDIO_DEVICE stand-ins.
// The clock runs while either direction does, so subscribers' audio is pulled (and their audio
// callbacks fire) as with a sound card.
#pragma once

#include "webrtc_build_guard.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <modules/audio_device/include/test_audio_device.h>

#include "audio_backend.h"

namespace otc::rtc {

class ClockedAudioBackend final : public AudioBackend {
 public:
  using Capturer = webrtc::TestAudioDeviceModule::Capturer;
  using Renderer = webrtc::TestAudioDeviceModule::Renderer;

  // A null renderer discards playout (48 kHz stereo).
  ClockedAudioBackend(std::string name, std::unique_ptr<Capturer> capturer,
                      std::unique_ptr<Renderer> renderer = nullptr);
  ~ClockedAudioBackend() override;

  std::string name() const override { return name_; }
  bool InitCapture() override { return true; }
  bool StartCapture(const std::shared_ptr<AudioPort> &port) override;
  void StopCapture() override;
  bool InitPlayout() override { return true; }
  bool StartPlayout(const std::shared_ptr<AudioPort> &port) override;
  void StopPlayout() override;

 private:
  void Run();
  void UpdateClock();  // starts or joins the thread as the directions need

  const std::string name_;
  const std::unique_ptr<Capturer> capturer_;
  const std::unique_ptr<Renderer> renderer_;
  std::shared_ptr<AudioPort> port_;  // set before the thread starts, kept until it is joined
  std::atomic<bool> capture_{false}, playout_{false}, stop_{false};
  std::thread thread_;
};

}  // namespace otc::rtc
