// End-to-end encryption, a faulty sender: subscribes to every stream of an encrypted session
// with the right secret. A publisher whose frames fail authentication (altered after they were
// sealed) makes the subscriber report OTC_SUBSCRIBER_DECRYPTION_INTERNAL_ERROR (6002), once.
// Quits then; exit status 0 when that code came and no frame was rendered.
#include <opentok.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "sample.h"
#include "sample_config.h"

namespace {

std::atomic<bool> decryption_error{false};
std::atomic<int> frames{0};
std::mutex mutex;
std::vector<otc_subscriber *> subscribers;

void on_subscriber_error(otc_subscriber *, void *, const char *message, enum otc_subscriber_error_code code) {
  sample::say("subscriber error %d: %s", static_cast<int>(code), message);
  if (code == OTC_SUBSCRIBER_DECRYPTION_INTERNAL_ERROR) {
    decryption_error = true;
    sample::quit();
  }
}

void on_render_frame(otc_subscriber *, void *, const otc_video_frame *) { ++frames; }

void on_stream_received(otc_session *session, void *, const otc_stream *stream) {
  sample::say("stream %s", otc_stream_get_id(stream));
  otc_subscriber_callbacks callbacks{};
  callbacks.on_error = on_subscriber_error;
  callbacks.on_render_frame = on_render_frame;
  otc_subscriber *subscriber = otc_subscriber_new(stream, &callbacks);
  if (!subscriber) return;
  std::lock_guard<std::mutex> lock(mutex);
  subscribers.push_back(subscriber);
  otc_session_subscribe(session, subscriber);
}

void on_connected(otc_session *, void *) { sample::say("connected"); }

void on_session_error(otc_session *, void *, const char *message, enum otc_session_error_code code) {
  sample::say("session error %d: %s", static_cast<int>(code), message);
  sample::quit();
}

}  // namespace

int main() {
  const sample::Config config;
  if (!config.complete()) return 2;
  sample::enable_logging();
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
  sample::wait_for_quit();

  otc_session_disconnect(session);
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (otc_subscriber *subscriber : subscribers) otc_subscriber_delete(subscriber);
  }
  otc_session_delete(session);
  otc_destroy();
  SDL_Quit();
  sample::say("decryption_error %s, frames rendered %d", decryption_error ? "reported" : "not reported", frames.load());
  return decryption_error && frames.load() == 0 ? 0 : 1;
}
