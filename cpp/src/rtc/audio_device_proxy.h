// The AudioDeviceModule the engine's factory gets: a fixed object that forwards recording and
// playout to a backend (audio_backend.h) that can be replaced while the engine runs
// (otc_set_audio_device, otc_audio_capture_*). Thread-safe: libwebrtc calls it on its worker
// thread, the application swaps backends from its own.
#pragma once

#include "webrtc_build_guard.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <modules/audio_device/include/audio_device.h>

#include "audio_backend.h"

namespace otc::rtc {

class AudioDeviceProxy : public webrtc::AudioDeviceModule {
 public:
  explicit AudioDeviceProxy(std::shared_ptr<AudioBackend> backend);
  ~AudioDeviceProxy() override;

  // Stops what the old backend runs and starts the same directions on the new one.
  void SetBackend(std::shared_ptr<AudioBackend> backend);
  std::shared_ptr<AudioBackend> backend();
  // The current backend's CaptureProblem (see there).
  std::string CaptureProblem();
  // Engine teardown: the backend calls the application no more; what still runs stops
  // (libwebrtc's own Stop* calls at factory teardown still come, and find nothing to call).
  void Abandon();

  // webrtc::AudioDeviceModule
  int32_t ActiveAudioLayer(AudioLayer *audio_layer) const override;
  int32_t RegisterAudioCallback(webrtc::AudioTransport *transport) override;
  int32_t Init() override;
  int32_t Terminate() override;
  bool Initialized() const override;
  int16_t PlayoutDevices() override { return 1; }
  int16_t RecordingDevices() override { return 1; }
  int32_t PlayoutDeviceName(uint16_t index, char name[webrtc::kAdmMaxDeviceNameSize],
                            char guid[webrtc::kAdmMaxGuidSize]) override;
  int32_t RecordingDeviceName(uint16_t index, char name[webrtc::kAdmMaxDeviceNameSize],
                              char guid[webrtc::kAdmMaxGuidSize]) override;
  int32_t SetPlayoutDevice(uint16_t index) override { return index == 0 ? 0 : -1; }
  int32_t SetPlayoutDevice(WindowsDeviceType) override { return 0; }
  int32_t SetRecordingDevice(uint16_t index) override { return index == 0 ? 0 : -1; }
  int32_t SetRecordingDevice(WindowsDeviceType) override { return 0; }
  int32_t PlayoutIsAvailable(bool *available) override;
  int32_t InitPlayout() override;
  bool PlayoutIsInitialized() const override { return play_initialized_.load(); }
  int32_t RecordingIsAvailable(bool *available) override;
  int32_t InitRecording() override;
  bool RecordingIsInitialized() const override { return rec_initialized_.load(); }
  int32_t StartPlayout() override;
  int32_t StopPlayout() override;
  bool Playing() const override { return playing_.load(); }
  int32_t StartRecording() override;
  int32_t StopRecording() override;
  bool Recording() const override { return recording_.load(); }
  int32_t InitSpeaker() override { return 0; }
  bool SpeakerIsInitialized() const override { return true; }
  int32_t InitMicrophone() override { return 0; }
  bool MicrophoneIsInitialized() const override { return true; }
  int32_t SpeakerVolumeIsAvailable(bool *available) override;
  int32_t SetSpeakerVolume(uint32_t) override { return -1; }
  int32_t SpeakerVolume(uint32_t *) const override { return -1; }
  int32_t MaxSpeakerVolume(uint32_t *) const override { return -1; }
  int32_t MinSpeakerVolume(uint32_t *) const override { return -1; }
  int32_t MicrophoneVolumeIsAvailable(bool *available) override;
  int32_t SetMicrophoneVolume(uint32_t) override { return -1; }
  int32_t MicrophoneVolume(uint32_t *) const override { return -1; }
  int32_t MaxMicrophoneVolume(uint32_t *) const override { return -1; }
  int32_t MinMicrophoneVolume(uint32_t *) const override { return -1; }
  int32_t SpeakerMuteIsAvailable(bool *available) override;
  int32_t SetSpeakerMute(bool) override { return -1; }
  int32_t SpeakerMute(bool *) const override { return -1; }
  int32_t MicrophoneMuteIsAvailable(bool *available) override;
  int32_t SetMicrophoneMute(bool) override { return -1; }
  int32_t MicrophoneMute(bool *) const override { return -1; }
  // Backends hand over whatever channel count they run; libwebrtc converts.
  int32_t StereoPlayoutIsAvailable(bool *available) const override;
  int32_t SetStereoPlayout(bool enable) override { return enable ? -1 : 0; }
  int32_t StereoPlayout(bool *enabled) const override;
  int32_t StereoRecordingIsAvailable(bool *available) const override;
  int32_t SetStereoRecording(bool enable) override { return enable ? -1 : 0; }
  int32_t StereoRecording(bool *enabled) const override;
  int32_t PlayoutDelay(uint16_t *delay_ms) const override;
  bool BuiltInAECIsAvailable() const override { return false; }
  bool BuiltInAGCIsAvailable() const override { return false; }
  bool BuiltInNSIsAvailable() const override { return false; }
  int32_t EnableBuiltInAEC(bool) override { return -1; }
  int32_t EnableBuiltInAGC(bool) override { return -1; }
  int32_t EnableBuiltInNS(bool) override { return -1; }

 private:
  void StopRecordingLocked();
  void StopPlayoutLocked();

  // Serialises every control call and backend swap. Never held by the data path (the port has
  // its own locks), so backends may call the application while it is held.
  mutable std::mutex control_mutex_;
  std::shared_ptr<AudioBackend> backend_;
  const std::shared_ptr<AudioPort> port_ = std::make_shared<AudioPort>();
  webrtc::AudioTransport *transport_ = nullptr;
  bool initialized_ = false;
  bool abandoned_ = false;
  // Read without the lock by libwebrtc's queries.
  std::atomic<bool> rec_initialized_{false}, recording_{false};
  std::atomic<bool> play_initialized_{false}, playing_{false};
  // Asked of the backend when playout starts; libwebrtc may ask from any thread, any lock held.
  std::atomic<int> playout_delay_ms_{0};
};

}  // namespace otc::rtc
