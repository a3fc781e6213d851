// The default device: the PulseAudio server's default source (capture) and default sink
// (playout), through libpulse's asynchronous API. Each direction has its own threaded main loop,
// connection and stream; PulseAudio's callbacks run on those loop threads, which hand 10 ms
// frames to libwebrtc and back, so libwebrtc's threads never wait for the server: starting and
// stopping only take the loop's lock, connecting happens on the loop thread.
#pragma once

#include <memory>
#include <string>

#include "audio_backend.h"

namespace otc::rtc {

class PulseAudioBackend final : public AudioBackend {
 public:
  PulseAudioBackend();
  ~PulseAudioBackend() override;

  std::string name() const override { return "pulse"; }
  // Connects to the server (no autospawn) and waits up to a few seconds for it to answer.
  std::string CaptureProblem() override;
  bool InitCapture() override { return true; }
  bool StartCapture(const std::shared_ptr<AudioPort> &port) override;
  void StopCapture() override;
  bool InitPlayout() override { return true; }
  bool StartPlayout(const std::shared_ptr<AudioPort> &port) override;
  void StopPlayout() override;
  int PlayoutDelayMs() const override;

  class Stream;  // one direction (pulse_audio_backend.cpp)

 private:
  std::unique_ptr<Stream> capture_, playout_;
};

}  // namespace otc::rtc
