#include "clocked_audio_backend.h"

#include <pthread.h>

#include <chrono>
#include <utility>
#include <vector>

namespace otc::rtc {
namespace {

constexpr auto kTick = std::chrono::milliseconds(10);
// Behind by more than this (a stalled machine): start counting again from now instead of
// delivering a burst of frames to catch up.
constexpr auto kMaxLag = std::chrono::milliseconds(200);

}  // namespace

ClockedAudioBackend::ClockedAudioBackend(std::string name, std::unique_ptr<Capturer> capturer,
                                         std::unique_ptr<Renderer> renderer)
    : name_(std::move(name)),
      capturer_(std::move(capturer)),
      renderer_(renderer ? std::move(renderer)
                         : webrtc::TestAudioDeviceModule::CreateDiscardRenderer(48000, 2)) {}

ClockedAudioBackend::~ClockedAudioBackend() {
  capture_ = false;
  playout_ = false;
  UpdateClock();
}

bool ClockedAudioBackend::StartCapture(const std::shared_ptr<AudioPort> &port) {
  if (!capturer_) return false;
  if (!thread_.joinable()) port_ = port;
  capture_ = true;
  UpdateClock();
  return true;
}

void ClockedAudioBackend::StopCapture() {
  capture_ = false;
  UpdateClock();
}

bool ClockedAudioBackend::StartPlayout(const std::shared_ptr<AudioPort> &port) {
  if (!thread_.joinable()) port_ = port;
  playout_ = true;
  UpdateClock();
  return true;
}

void ClockedAudioBackend::StopPlayout() {
  playout_ = false;
  UpdateClock();
}

void ClockedAudioBackend::UpdateClock() {
  const bool needed = capture_.load() || playout_.load();
  if (needed && !thread_.joinable()) {
    stop_ = false;
    thread_ = std::thread([this] { Run(); });
  } else if (!needed && thread_.joinable()) {
    stop_ = true;
    thread_.join();
  }
}

void ClockedAudioBackend::Run() {
  pthread_setname_np(pthread_self(), "otc-audio-clock");
  ::rtc::BufferT<int16_t> captured;
  const int play_rate = renderer_->SamplingFrequency();
  const int play_channels = renderer_->NumChannels();
  std::vector<int16_t> played(static_cast<size_t>(play_rate / 100 * play_channels));
  auto next = std::chrono::steady_clock::now();
  while (!stop_.load()) {
    if (capture_.load()) {
      captured.Clear();
      // Capturers return false when they have nothing more (a WAV file not looped): silence.
      const int rate = capturer_->SamplingFrequency(), channels = capturer_->NumChannels();
      if (!capturer_->Capture(&captured) || captured.size() != static_cast<size_t>(rate / 100 * channels)) {
        captured.SetSize(static_cast<size_t>(rate / 100 * channels));
        std::fill(captured.begin(), captured.end(), int16_t{0});
      }
      port_->DeliverCapture(captured.data(), rate, channels, 0);
    }
    if (playout_.load() && port_->PullPlayout(played.data(), play_rate, play_channels)) {
      renderer_->Render(played);
    }
    next += kTick;
    const auto now = std::chrono::steady_clock::now();
    if (now - next > kMaxLag) next = now;
    std::this_thread::sleep_until(next);
  }
}

}  // namespace otc::rtc
