#include "subscriber_error_watch.h"

#include <atomic>
#include <mutex>
#include <vector>

#include "sample.h"
#include "sample_config.h"

namespace sample {
namespace {

// Callbacks are plain functions: the SDK's structs take no closures.
enum otc_subscriber_error_code awaited_code;
std::atomic<bool> awaited_came{false};
std::atomic<int> frames{0};
std::mutex mutex;
std::vector<otc_subscriber *> subscribers;

void on_subscriber_error(otc_subscriber *, void *, const char *message, enum otc_subscriber_error_code code) {
  say("subscriber error %d: %s", static_cast<int>(code), message);
  if (code == awaited_code) {
    awaited_came = true;
    quit();
  }
}

void on_render_frame(otc_subscriber *, void *, const otc_video_frame *) { ++frames; }

void on_stream_received(otc_session *session, void *, const otc_stream *stream) {
  say("stream %s", otc_stream_get_id(stream));
  otc_subscriber_callbacks callbacks{};
  callbacks.on_error = on_subscriber_error;
  callbacks.on_render_frame = on_render_frame;
  otc_subscriber *subscriber = otc_subscriber_new(stream, &callbacks);
  if (!subscriber) return;
  std::lock_guard<std::mutex> lock(mutex);
  subscribers.push_back(subscriber);
  otc_session_subscribe(session, subscriber);
}

void on_connected(otc_session *, void *) { say("connected"); }

void on_session_error(otc_session *, void *, const char *message, enum otc_session_error_code code) {
  say("session error %d: %s", static_cast<int>(code), message);
  quit();
}

}  // namespace

int watch_for_subscriber_error(enum otc_subscriber_error_code awaited, const char *label) {
  awaited_code = awaited;
  const Config config;
  if (!config.complete()) return 2;
  enable_logging();
  if (SDL_Init(SDL_INIT_EVENTS) != 0) return 1;
  if (otc_init(nullptr) != OTC_SUCCESS) return 1;

  otc_session_callbacks session_callbacks{};
  session_callbacks.on_connected = on_connected;
  session_callbacks.on_stream_received = on_stream_received;
  session_callbacks.on_error = on_session_error;
  otc_session *session = otc_session_new(config.api_key.c_str(), config.session_id.c_str(), &session_callbacks);
  if (!session) return 1;
  if (otc_session_set_encryption_secret(session, config.secret.c_str()) != OTC_SUCCESS) return 1;
  otc_session_connect(session, config.token.c_str());
  wait_for_quit();

  otc_session_disconnect(session);
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (otc_subscriber *subscriber : subscribers) otc_subscriber_delete(subscriber);
  }
  otc_session_delete(session);
  otc_destroy();
  SDL_Quit();
  say("%s %s, frames rendered %d", label, awaited_came ? "reported" : "not reported", frames.load());
  return awaited_came && frames.load() == 0 ? 0 : 1;
}

}  // namespace sample
