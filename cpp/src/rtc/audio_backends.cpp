#include "audio_backends.h"

#include <algorithm>
#include <utility>

#include "../media/pcm_source.h"
#include "../media/wav_file.h"
#include "clocked_audio_backend.h"
#include "pulse_audio_backend.h"

namespace otc::rtc {
namespace {

using Capturer = ClockedAudioBackend::Capturer;

class PcmSourceCapturer final : public Capturer {
 public:
  int SamplingFrequency() const override { return otc::media::PcmSource::kSampleRate; }
  int NumChannels() const override { return 1; }
  bool Capture(::rtc::BufferT<int16_t> *buffer) override {
    buffer->SetSize(static_cast<size_t>(otc::media::PcmSource::kSampleRate / 100));
    otc::media::process_pcm_source().fill(buffer->data(), buffer->size());
    return true;
  }
};

class LoopingPcmCapturer final : public Capturer {
 public:
  explicit LoopingPcmCapturer(otc::media::WavPcm pcm) : pcm_(std::move(pcm)) {}
  int SamplingFrequency() const override { return pcm_.sample_rate; }
  int NumChannels() const override { return pcm_.channels; }
  bool Capture(::rtc::BufferT<int16_t> *buffer) override {
    const size_t values = static_cast<size_t>(pcm_.sample_rate / 100 * pcm_.channels);
    buffer->SetSize(values);
    for (size_t done = 0; done < values;) {
      const size_t run = std::min(values - done, pcm_.samples.size() - at_);
      std::copy_n(pcm_.samples.begin() + static_cast<ptrdiff_t>(at_), run, buffer->data() + done);
      done += run;
      at_ = (at_ + run) % pcm_.samples.size();
    }
    return true;
  }

 private:
  const otc::media::WavPcm pcm_;
  size_t at_ = 0;
};

class UnavailableAudioBackend final : public AudioBackend {
 public:
  explicit UnavailableAudioBackend(std::string problem) : problem_(std::move(problem)) {}
  std::string name() const override { return "unavailable"; }
  std::string CaptureProblem() override { return problem_; }
  bool InitCapture() override { return false; }
  bool StartCapture(const std::shared_ptr<AudioPort> &) override { return false; }
  void StopCapture() override {}
  bool InitPlayout() override { return playout_.InitPlayout(); }
  bool StartPlayout(const std::shared_ptr<AudioPort> &port) override { return playout_.StartPlayout(port); }
  void StopPlayout() override { playout_.StopPlayout(); }

 private:
  const std::string problem_;
  ClockedAudioBackend playout_{"unavailable", nullptr};
};

}  // namespace

std::shared_ptr<AudioBackend> MakeSyntheticAudioBackend() {
  return std::make_shared<ClockedAudioBackend>("synthetic", std::make_unique<PcmSourceCapturer>());
}

std::shared_ptr<AudioBackend> MakeWavFileAudioBackend(const std::string &path, std::string *error) {
  auto pcm = otc::media::read_wav_file(path, error);
  if (!pcm) return nullptr;
  return std::make_shared<ClockedAudioBackend>("file " + path, std::make_unique<LoopingPcmCapturer>(std::move(*pcm)));
}

std::shared_ptr<AudioBackend> MakePulseAudioBackend() { return std::make_shared<PulseAudioBackend>(); }

std::shared_ptr<AudioBackend> MakeUnavailableAudioBackend(std::string problem) {
  return std::make_shared<UnavailableAudioBackend>(std::move(problem));
}

}  // namespace otc::rtc
