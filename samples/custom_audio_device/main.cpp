// Custom audio device: the application is the microphone. A thread of its own writes a 440 Hz
// tone, 10 ms of 48 kHz mono at a time, into the library while the publisher (default camera,
// and this audio) is in the session. Only the capture callbacks it needs are set; the library
// plays received audio nowhere.
#include <opentok.h>

#include <SDL.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "sample.h"
#include "sample_config.h"
#include "worker.h"

namespace {

constexpr int kRate = 48000;
constexpr int kSamplesPer10ms = kRate / 100;

struct ToneDevice {
  sample::Worker worker;
  std::atomic<uint64_t> written{0};
};

// Writes the tone on the worker's clock, 10 ms at a time, until the capturer is destroyed.
void write_tone(ToneDevice *device, const std::atomic<bool> &running) {
  int16_t samples[kSamplesPer10ms];
  double phase = 0;
  const double step = 2 * M_PI * 440.0 / kRate;
  auto next = std::chrono::steady_clock::now();
  while (running.load()) {
    for (int i = 0; i < kSamplesPer10ms; ++i) {
      samples[i] = static_cast<int16_t>(0.3 * 32767 * std::sin(phase));
      phase += step;
    }
    if (phase > 2 * M_PI) phase = std::fmod(phase, 2 * M_PI);
    otc_audio_device_write_capture_data(samples, kSamplesPer10ms);
    device->written += kSamplesPer10ms;
    next += std::chrono::milliseconds(10);
    std::this_thread::sleep_until(next);
  }
}

otc_bool start_capturer(const otc_audio_device *, void *user_data) {
  auto *device = static_cast<ToneDevice *>(user_data);
  device->worker.start([device](const std::atomic<bool> &running) { write_tone(device, running); });
  return OTC_TRUE;
}

otc_bool destroy_capturer(const otc_audio_device *, void *user_data) {
  static_cast<ToneDevice *>(user_data)->worker.stop();
  return OTC_TRUE;
}

otc_bool get_capture_settings(const otc_audio_device *, void *, struct otc_audio_device_settings *settings) {
  settings->sampling_rate = kRate;
  settings->number_of_channels = 1;
  return OTC_TRUE;
}

std::atomic<bool> failed{false};

void on_connected(otc_session *session, void *user_data) {
  sample::say("connected");
  if (otc_session_publish(session, static_cast<otc_publisher *>(user_data)) != OTC_SUCCESS) failed = true;
}

void on_session_error(otc_session *, void *, const char *message, enum otc_session_error_code code) {
  sample::say("session error %d: %s", static_cast<int>(code), message);
  failed = true;
}

void on_stream_created(otc_publisher *, void *, const otc_stream *stream) {
  sample::say("publishing %s", otc_stream_get_id(stream));
}

void on_publisher_error(otc_publisher *, void *, const char *message, enum otc_publisher_error_code code) {
  sample::say("publisher error %d: %s", static_cast<int>(code), message);
  failed = true;
}

}  // namespace

int main() {
  const sample::Config config;
  if (!config.complete()) return 2;
  sample::enable_logging();
  if (SDL_Init(SDL_INIT_EVENTS) != 0) return 1;
  if (otc_init(nullptr) != OTC_SUCCESS) return 1;

  // Lives until the session and the publisher are gone: the library may call it until then.
  auto *device = new ToneDevice;
  auto *device_callbacks = new otc_audio_device_callbacks{};
  device_callbacks->start_capturer = start_capturer;
  device_callbacks->destroy_capturer = destroy_capturer;
  device_callbacks->get_capture_settings = get_capture_settings;
  device_callbacks->user_data = device;
  if (otc_set_audio_device(device_callbacks) != OTC_SUCCESS) {
    sample::say("the audio device was refused");
    return 1;
  }

  otc_publisher_callbacks publisher_callbacks{};
  publisher_callbacks.on_stream_created = on_stream_created;
  publisher_callbacks.on_error = on_publisher_error;
  otc_publisher *publisher = otc_publisher_new("custom_audio_device", nullptr, &publisher_callbacks);
  if (!publisher) return 1;

  otc_session_callbacks session_callbacks{};
  session_callbacks.on_connected = on_connected;
  session_callbacks.on_error = on_session_error;
  session_callbacks.user_data = publisher;
  otc_session *session = otc_session_new(config.api_key.c_str(), config.session_id.c_str(), &session_callbacks);
  if (!session) return 1;
  if (!config.secret.empty()) otc_session_set_encryption_secret(session, config.secret.c_str());
  otc_session_connect(session, config.token.c_str());

  sample::wait_for_quit();

  otc_session_disconnect(session);
  otc_session_delete(session);
  otc_publisher_delete(publisher);
  sample::say("tone samples written %llu", static_cast<unsigned long long>(device->written.load()));
  device->worker.stop();
  delete device_callbacks;
  delete device;
  otc_destroy();
  SDL_Quit();
  return failed ? 1 : 0;
}
