#include "audio_selection.h"

#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>

#include "../base/log.h"
#include "../media/audio_device_spec.h"
#include "../media/pcm_source.h"
#include "../rtc/audio_backends.h"
#include "../rtc/audio_device_proxy.h"
#include "../rtc/media_engine.h"
#include "app_audio_device.h"
#include "engine_access.h"

namespace otc {
namespace {

enum class Choice { kDefault, kSynthetic, kApp };

// Lock order: apply_mutex, then the engine's (acquire_media_engine), then choice_mutex, then
// app_mutex. otc_init holds the engine's lock and takes choice_mutex.
struct Selection {
  std::mutex apply_mutex;
  std::mutex choice_mutex;
  Choice choice = Choice::kDefault;
  otc_audio_device_callbacks callbacks{};
  std::mutex app_mutex;
  std::shared_ptr<AppAudioBackend> app;  // the application's device the engine runs, if any
};

Selection &selection() {
  static auto *instance = new Selection;  // never destroyed: data calls may come at exit
  return *instance;
}

std::shared_ptr<rtc::AudioBackend> make_default_backend() {
  const auto spec = media::parse_audio_device_spec(std::getenv(media::kAudioDeviceEnv));
  using Kind = media::AudioDeviceSpec::Kind;
  switch (spec.kind) {
    case Kind::kPulse:
      return rtc::MakePulseAudioBackend();
    case Kind::kSilence:
      media::process_pcm_source().set_silence();
      return rtc::MakeSyntheticAudioBackend();
    case Kind::kTone:
      media::process_pcm_source().set_tone(spec.tone_hz, 0.5);
      return rtc::MakeSyntheticAudioBackend();
    case Kind::kFile: {
      std::string error;
      if (auto backend = rtc::MakeWavFileAudioBackend(spec.path, &error)) return backend;
      const std::string problem = std::string(media::kAudioDeviceEnv) + ": " + error;
      otc::log(OTC_LOG_LEVEL_ERROR, "audio device: %s", problem.c_str());
      return rtc::MakeUnavailableAudioBackend(problem);
    }
    case Kind::kInvalid:
      otc::log(OTC_LOG_LEVEL_ERROR, "audio device: %s", spec.problem.c_str());
      return rtc::MakeUnavailableAudioBackend(spec.problem);
  }
  return rtc::MakePulseAudioBackend();
}

// choice_mutex held.
std::shared_ptr<rtc::AudioBackend> make_backend_locked(Selection &s) {
  std::shared_ptr<rtc::AudioBackend> backend;
  std::shared_ptr<AppAudioBackend> app;
  switch (s.choice) {
    case Choice::kDefault:
      backend = make_default_backend();
      break;
    case Choice::kSynthetic:
      backend = rtc::MakeSyntheticAudioBackend();
      break;
    case Choice::kApp:
      app = std::make_shared<AppAudioBackend>(s.callbacks);
      backend = app;
      break;
  }
  std::lock_guard<std::mutex> lock(s.app_mutex);
  s.app = std::move(app);
  return backend;
}

void apply(Selection &s) {
  auto engine = acquire_media_engine();
  if (!engine) return;  // the next otc_init builds the chosen backend
  std::shared_ptr<rtc::AudioBackend> backend;
  {
    std::lock_guard<std::mutex> lock(s.choice_mutex);
    backend = make_backend_locked(s);
  }
  engine->audio_device()->SetBackend(std::move(backend));
}

// False when the application chose no device of its own; else *app is the one the engine
// runs (null before otc_init).
bool current_app(std::shared_ptr<AppAudioBackend> *app) {
  Selection &s = selection();
  std::lock_guard<std::mutex> lock(s.choice_mutex);
  if (s.choice != Choice::kApp) return false;
  std::lock_guard<std::mutex> app_lock(s.app_mutex);
  *app = s.app;
  return true;
}

}  // namespace

std::shared_ptr<rtc::AudioBackend> make_selected_audio_backend() {
  Selection &s = selection();
  std::lock_guard<std::mutex> lock(s.choice_mutex);
  return make_backend_locked(s);
}

void select_synthetic_audio() {
  Selection &s = selection();
  std::lock_guard<std::mutex> apply_lock(s.apply_mutex);
  {
    std::lock_guard<std::mutex> lock(s.choice_mutex);
    if (s.choice == Choice::kSynthetic) return;
    s.choice = Choice::kSynthetic;
  }
  apply(s);
}

void select_app_audio(const otc_audio_device_callbacks *callbacks) {
  Selection &s = selection();
  std::lock_guard<std::mutex> apply_lock(s.apply_mutex);
  {
    std::lock_guard<std::mutex> lock(s.choice_mutex);
    s.choice = callbacks ? Choice::kApp : Choice::kDefault;
    s.callbacks = callbacks ? *callbacks : otc_audio_device_callbacks{};
  }
  apply(s);
}

bool app_audio_write(const int16_t *samples, size_t count) {
  std::shared_ptr<AppAudioBackend> app;
  if (!current_app(&app)) return false;
  if (app) app->WriteCapture(samples, count);
  return true;
}

bool app_audio_read(int16_t *out, size_t count, size_t *copied) {
  std::shared_ptr<AppAudioBackend> app;
  *copied = 0;
  if (!current_app(&app)) return false;
  if (app) *copied = app->ReadRender(out, count);
  return true;
}

}  // namespace otc
