// Publisher only: connects, publishes the default camera and shows its preview (the publisher's
// rendered frames) until the window is closed or Ctrl-C. Subscribes to nothing.
#include <opentok.h>

#include <atomic>

#include "renderer.h"
#include "sample.h"
#include "sample_config.h"

namespace {

sample::Renderer *renderer = nullptr;
std::atomic<bool> failed{false};

void on_connected(otc_session *session, void *user_data) {
  sample::say("connected");
  if (otc_session_publish(session, static_cast<otc_publisher *>(user_data)) != OTC_SUCCESS) {
    sample::say("could not publish");
    failed = true;
  }
}

void on_session_error(otc_session *, void *, const char *message, enum otc_session_error_code code) {
  sample::say("session error %d: %s", static_cast<int>(code), message);
  failed = true;
}

void on_stream_created(otc_publisher *, void *, const otc_stream *stream) {
  sample::say("publishing %s", otc_stream_get_id(stream));
}

void on_render_frame(otc_publisher *, void *, const otc_video_frame *frame) { renderer->show("preview", frame); }

void on_publisher_error(otc_publisher *, void *, const char *message, enum otc_publisher_error_code code) {
  sample::say("publisher error %d: %s", static_cast<int>(code), message);
  failed = true;
}

}  // namespace

int main() {
  const sample::Config config;
  if (!config.complete()) return 2;
  sample::enable_logging();
  if (otc_init(nullptr) != OTC_SUCCESS) return 1;
  renderer = new sample::Renderer;

  otc_publisher_callbacks publisher_callbacks{};
  publisher_callbacks.on_stream_created = on_stream_created;
  publisher_callbacks.on_render_frame = on_render_frame;
  publisher_callbacks.on_error = on_publisher_error;
  otc_publisher *publisher = otc_publisher_new("publisher_only", nullptr, &publisher_callbacks);
  if (!publisher) return 1;

  otc_session_callbacks session_callbacks{};
  session_callbacks.on_connected = on_connected;
  session_callbacks.on_error = on_session_error;
  session_callbacks.user_data = publisher;
  otc_session *session = otc_session_new(config.api_key.c_str(), config.session_id.c_str(), &session_callbacks);
  if (!session) return 1;
  if (!config.secret.empty()) otc_session_set_encryption_secret(session, config.secret.c_str());
  otc_session_connect(session, config.token.c_str());

  renderer->run();
  sample::say("preview frames %llu", static_cast<unsigned long long>(renderer->frames("preview")));

  otc_session_disconnect(session);
  otc_session_delete(session);
  otc_publisher_delete(publisher);
  delete renderer;
  otc_destroy();
  return failed ? 1 : 0;
}
