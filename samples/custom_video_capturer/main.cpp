// Custom video capturer: the application is the camera. A thread of its own draws 640x360 ARGB
// pictures (a colour that changes with time and a bar that moves across) at 30 frames a second
// and hands each to the publisher, which publishes them into the session until Ctrl-C.
#include <opentok.h>

#include <SDL.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "sample.h"
#include "sample_config.h"
#include "worker.h"

namespace {

constexpr int kWidth = 640, kHeight = 360, kFps = 30;

struct Camera {
  const otc_video_capturer *capturer = nullptr;
  sample::Worker worker;
  std::atomic<uint64_t> provided{0};
};

void draw(std::vector<uint8_t> &argb, uint32_t n) {
  // Bytes in memory order B, G, R, A (ARGB32 as a little-endian 32-bit word).
  const uint8_t r = static_cast<uint8_t>(n * 3), g = static_cast<uint8_t>(128 + n * 2), b = static_cast<uint8_t>(255 - n);
  const int bar = static_cast<int>((n * 8) % kWidth);
  for (int y = 0; y < kHeight; ++y) {
    uint8_t *row = argb.data() + static_cast<size_t>(y) * kWidth * 4;
    for (int x = 0; x < kWidth; ++x) {
      const bool in_bar = x >= bar && x < bar + 40;
      row[4 * x + 0] = in_bar ? 255 : b;
      row[4 * x + 1] = in_bar ? 255 : g;
      row[4 * x + 2] = in_bar ? 255 : r;
      row[4 * x + 3] = 255;
    }
  }
}

void capture(Camera *camera, const std::atomic<bool> &running) {
  std::vector<uint8_t> argb(static_cast<size_t>(kWidth) * kHeight * 4);
  auto next = std::chrono::steady_clock::now();
  for (uint32_t n = 0; running.load(); ++n) {
    draw(argb, n);
    otc_video_frame *frame = otc_video_frame_new(OTC_VIDEO_FRAME_FORMAT_ARGB32, kWidth, kHeight, argb.data());
    if (frame) {
      if (otc_video_capturer_provide_frame(camera->capturer, 0, frame) == OTC_SUCCESS) ++camera->provided;
      otc_video_frame_delete(frame);  // the library has what it needs by now
    }
    next += std::chrono::milliseconds(1000 / kFps);
    std::this_thread::sleep_until(next);
  }
}

otc_bool init(const otc_video_capturer *capturer, void *user_data) {
  static_cast<Camera *>(user_data)->capturer = capturer;
  return OTC_TRUE;
}

otc_bool start(const otc_video_capturer *, void *user_data) {
  auto *camera = static_cast<Camera *>(user_data);
  camera->worker.start([camera](const std::atomic<bool> &running) { capture(camera, running); });
  return OTC_TRUE;
}

otc_bool destroy(const otc_video_capturer *, void *user_data) {
  static_cast<Camera *>(user_data)->worker.stop();
  return OTC_TRUE;
}

otc_bool get_capture_settings(const otc_video_capturer *, void *, struct otc_video_capturer_settings *settings) {
  settings->format = OTC_VIDEO_FRAME_FORMAT_ARGB32;
  settings->width = kWidth;
  settings->height = kHeight;
  settings->fps = kFps;
  settings->mirror_on_local_render = OTC_FALSE;
  settings->expected_delay = 0;
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

  auto *camera = new Camera;
  otc_video_capturer_callbacks capturer_callbacks{};
  capturer_callbacks.init = init;
  capturer_callbacks.destroy = destroy;
  capturer_callbacks.start = start;
  capturer_callbacks.get_capture_settings = get_capture_settings;  // no stop: destroy ends it
  capturer_callbacks.user_data = camera;

  otc_publisher_callbacks publisher_callbacks{};
  publisher_callbacks.on_stream_created = on_stream_created;
  publisher_callbacks.on_error = on_publisher_error;
  otc_publisher *publisher = otc_publisher_new("custom_video_capturer", &capturer_callbacks, &publisher_callbacks);
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
  sample::say("frames provided %llu", static_cast<unsigned long long>(camera->provided.load()));
  delete camera;
  otc_destroy();
  SDL_Quit();
  return failed ? 1 : 0;
}
