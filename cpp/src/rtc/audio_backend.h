// What stands behind the engine's audio device (audio_device_proxy.h): the synthetic device, a
// stand-in, PulseAudio or the application's own device. libwebrtc M108 takes one
// AudioDeviceModule when the PeerConnectionFactory is made (otc_init), so the device the
// factory sees is a proxy and the backends below can be swapped under it.
#pragma once

#include "webrtc_build_guard.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <modules/audio_device/include/audio_device_defines.h>

namespace otc::rtc {

// The proxy's end of libwebrtc's AudioTransport as backends see it. Capture goes in and
// playout comes out 10 ms at a time, from whichever thread the backend runs them on. The proxy
// opens a direction before it starts the backend's and closes it before it stops it: once
// Close* returned, nothing reaches libwebrtc for that direction any more. Shared: a backend's
// data path (an application thread pushing PCM) may outlive the engine that made the port.
class AudioPort {
 public:
  // Samples: rate / 100 frames of `channels` interleaved values. Dropped while capture is closed.
  void DeliverCapture(const int16_t *samples, int rate, int channels, int delay_ms);
  // Fills rate / 100 frames; false (and silence) while playout is closed.
  bool PullPlayout(int16_t *out, int rate, int channels);

  void OpenCapture(webrtc::AudioTransport *transport);
  void CloseCapture();
  void OpenPlayout(webrtc::AudioTransport *transport);
  void ClosePlayout();
  bool playout_open();

 private:
  std::mutex capture_mutex_, playout_mutex_;
  webrtc::AudioTransport *capture_ = nullptr;
  webrtc::AudioTransport *playout_ = nullptr;
};

// One kind of device. The proxy calls the control methods one at a time (its control lock
// held, never the port's locks): Init* then Start*, and Stop* after every Init* that succeeded,
// whether Start* ran or not. Stop* must not return before the backend's last use of the port
// for that direction has ended (or reaches only a closed port).
class AudioBackend {
 public:
  virtual ~AudioBackend() = default;

  // For logs: "synthetic", "pulse", "file /tmp/a.wav", "application".
  virtual std::string name() const = 0;
  // Why capture cannot work, empty when it can. Called on application threads (publishing);
  // may wait briefly (PulseAudio: connecting to the server).
  virtual std::string CaptureProblem() { return {}; }

  virtual bool InitCapture() = 0;
  virtual bool StartCapture(const std::shared_ptr<AudioPort> &port) = 0;
  virtual void StopCapture() = 0;
  virtual bool InitPlayout() = 0;
  virtual bool StartPlayout(const std::shared_ptr<AudioPort> &port) = 0;
  virtual void StopPlayout() = 0;
  virtual int PlayoutDelayMs() const { return 0; }

  // The engine is going away (otc_destroy): release what the backend owns from here on, but
  // call back into the application no more.
  virtual void Abandon() {}
};

}  // namespace otc::rtc
