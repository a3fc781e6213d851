#include "audio_device_proxy.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "../base/log.h"

namespace otc::rtc {
namespace {

int32_t Answer(bool *out, bool value) {
  if (!out) return -1;
  *out = value;
  return 0;
}

int32_t DeviceName(uint16_t index, char *name, char *guid, const char *text) {
  if (index != 0 || !name) return -1;
  std::strncpy(name, text, webrtc::kAdmMaxDeviceNameSize - 1);
  name[webrtc::kAdmMaxDeviceNameSize - 1] = '\0';
  if (guid) guid[0] = '\0';
  return 0;
}

}  // namespace

AudioDeviceProxy::AudioDeviceProxy(std::shared_ptr<AudioBackend> backend)
    : backend_(std::move(backend)) {}

AudioDeviceProxy::~AudioDeviceProxy() { Abandon(); }

void AudioDeviceProxy::SetBackend(std::shared_ptr<AudioBackend> backend) {
  if (!backend) return;
  std::shared_ptr<AudioBackend> old;
  {
    std::lock_guard<std::mutex> lock(control_mutex_);
    if (abandoned_) return;
    const bool rec_init = rec_initialized_.load(), rec = recording_.load();
    const bool play_init = play_initialized_.load(), play = playing_.load();
    StopRecordingLocked();
    StopPlayoutLocked();
    otc::log(OTC_LOG_LEVEL_INFO, "audio device: %s replaces %s", backend->name().c_str(),
             backend_ ? backend_->name().c_str() : "nothing");
    old = std::exchange(backend_, std::move(backend));
    if (rec_init && backend_->InitCapture()) {
      rec_initialized_ = true;
      if (rec) {
        port_->OpenCapture(transport_);
        if (backend_->StartCapture(port_)) {
          recording_ = true;
        } else {
          port_->CloseCapture();
        }
      }
    }
    if (play_init && backend_->InitPlayout()) {
      play_initialized_ = true;
      if (play) {
        port_->OpenPlayout(transport_);
        if (backend_->StartPlayout(port_)) {
          playout_delay_ms_ = std::max(0, backend_->PlayoutDelayMs());
          playing_ = true;
        } else {
          port_->ClosePlayout();
        }
      }
    }
  }
  // old goes here, outside the lock: an application's data call may still hold it briefly.
}

std::shared_ptr<AudioBackend> AudioDeviceProxy::backend() {
  std::lock_guard<std::mutex> lock(control_mutex_);
  return backend_;
}

std::string AudioDeviceProxy::CaptureProblem() {
  // Not under the control lock: PulseAudio's check waits for the server.
  std::shared_ptr<AudioBackend> backend = this->backend();
  return backend ? backend->CaptureProblem() : "no audio device";
}

void AudioDeviceProxy::Abandon() {
  std::lock_guard<std::mutex> lock(control_mutex_);
  if (abandoned_) return;
  if (backend_) backend_->Abandon();
  StopRecordingLocked();
  StopPlayoutLocked();
  abandoned_ = true;
}

int32_t AudioDeviceProxy::ActiveAudioLayer(AudioLayer *audio_layer) const {
  if (!audio_layer) return -1;
  *audio_layer = kPlatformDefaultAudio;
  return 0;
}

int32_t AudioDeviceProxy::RegisterAudioCallback(webrtc::AudioTransport *transport) {
  std::lock_guard<std::mutex> lock(control_mutex_);
  transport_ = transport;
  if (recording_) port_->OpenCapture(transport);
  if (playing_) port_->OpenPlayout(transport);
  return 0;
}

int32_t AudioDeviceProxy::Init() {
  std::lock_guard<std::mutex> lock(control_mutex_);
  initialized_ = true;
  return 0;
}

int32_t AudioDeviceProxy::Terminate() {
  std::lock_guard<std::mutex> lock(control_mutex_);
  StopRecordingLocked();
  StopPlayoutLocked();
  initialized_ = false;
  return 0;
}

bool AudioDeviceProxy::Initialized() const {
  std::lock_guard<std::mutex> lock(control_mutex_);
  return initialized_;
}

int32_t AudioDeviceProxy::PlayoutDeviceName(uint16_t index, char name[webrtc::kAdmMaxDeviceNameSize],
                                            char guid[webrtc::kAdmMaxGuidSize]) {
  return DeviceName(index, name, guid, "node-otc playout");
}

int32_t AudioDeviceProxy::RecordingDeviceName(uint16_t index, char name[webrtc::kAdmMaxDeviceNameSize],
                                              char guid[webrtc::kAdmMaxGuidSize]) {
  return DeviceName(index, name, guid, "node-otc capture");
}

int32_t AudioDeviceProxy::PlayoutIsAvailable(bool *available) { return Answer(available, true); }
int32_t AudioDeviceProxy::RecordingIsAvailable(bool *available) { return Answer(available, true); }

int32_t AudioDeviceProxy::InitPlayout() {
  std::lock_guard<std::mutex> lock(control_mutex_);
  if (abandoned_ || !backend_) return -1;
  if (play_initialized_) return 0;
  if (!backend_->InitPlayout()) {
    otc::log(OTC_LOG_LEVEL_ERROR, "audio device (%s): playout failed to initialise", backend_->name().c_str());
    return -1;
  }
  play_initialized_ = true;
  return 0;
}

int32_t AudioDeviceProxy::InitRecording() {
  std::lock_guard<std::mutex> lock(control_mutex_);
  if (abandoned_ || !backend_) return -1;
  if (rec_initialized_) return 0;
  if (!backend_->InitCapture()) {
    otc::log(OTC_LOG_LEVEL_ERROR, "audio device (%s): capture failed to initialise", backend_->name().c_str());
    return -1;
  }
  rec_initialized_ = true;
  return 0;
}

int32_t AudioDeviceProxy::StartPlayout() {
  std::lock_guard<std::mutex> lock(control_mutex_);
  if (!play_initialized_) return -1;
  if (playing_) return 0;
  port_->OpenPlayout(transport_);
  if (!backend_->StartPlayout(port_)) {
    port_->ClosePlayout();
    otc::log(OTC_LOG_LEVEL_ERROR, "audio device (%s): playout failed to start", backend_->name().c_str());
    return -1;
  }
  playout_delay_ms_ = std::max(0, backend_->PlayoutDelayMs());
  playing_ = true;
  return 0;
}

int32_t AudioDeviceProxy::StopPlayout() {
  std::lock_guard<std::mutex> lock(control_mutex_);
  StopPlayoutLocked();
  return 0;
}

void AudioDeviceProxy::StopPlayoutLocked() {
  if (!play_initialized_) return;
  port_->ClosePlayout();
  backend_->StopPlayout();
  playing_ = false;
  play_initialized_ = false;
}

int32_t AudioDeviceProxy::StartRecording() {
  std::lock_guard<std::mutex> lock(control_mutex_);
  if (!rec_initialized_) return -1;
  if (recording_) return 0;
  port_->OpenCapture(transport_);
  if (!backend_->StartCapture(port_)) {
    port_->CloseCapture();
    otc::log(OTC_LOG_LEVEL_ERROR, "audio device (%s): capture failed to start", backend_->name().c_str());
    return -1;
  }
  recording_ = true;
  return 0;
}

int32_t AudioDeviceProxy::StopRecording() {
  std::lock_guard<std::mutex> lock(control_mutex_);
  StopRecordingLocked();
  return 0;
}

void AudioDeviceProxy::StopRecordingLocked() {
  if (!rec_initialized_) return;
  port_->CloseCapture();
  backend_->StopCapture();
  recording_ = false;
  rec_initialized_ = false;
}

int32_t AudioDeviceProxy::SpeakerVolumeIsAvailable(bool *available) { return Answer(available, false); }
int32_t AudioDeviceProxy::MicrophoneVolumeIsAvailable(bool *available) { return Answer(available, false); }
int32_t AudioDeviceProxy::SpeakerMuteIsAvailable(bool *available) { return Answer(available, false); }
int32_t AudioDeviceProxy::MicrophoneMuteIsAvailable(bool *available) { return Answer(available, false); }
int32_t AudioDeviceProxy::StereoPlayoutIsAvailable(bool *available) const { return Answer(available, false); }
int32_t AudioDeviceProxy::StereoPlayout(bool *enabled) const { return Answer(enabled, false); }
int32_t AudioDeviceProxy::StereoRecordingIsAvailable(bool *available) const { return Answer(available, false); }
int32_t AudioDeviceProxy::StereoRecording(bool *enabled) const { return Answer(enabled, false); }

int32_t AudioDeviceProxy::PlayoutDelay(uint16_t *delay_ms) const {
  if (!delay_ms) return -1;
  *delay_ms = static_cast<uint16_t>(playout_delay_ms_.load());
  return 0;
}

}  // namespace otc::rtc
