// End-to-end encryption, an invalid secret: a secret shorter than 8 characters is refused at
// once with OTC_SESSION_INVALID_ENCRYPTION_SECRET (6004) and the session keeps working with a
// valid one set afterwards: it connects and publishes the default camera, then quits.
// Exit status 0 when both happened.
#include <opentok.h>

#include <atomic>

#include "sample.h"
#include "sample_config.h"

namespace {

std::atomic<bool> published{false};

void on_connected(otc_session *session, void *user_data) {
  sample::say("connected");
  if (otc_session_publish(session, static_cast<otc_publisher *>(user_data)) != OTC_SUCCESS) sample::quit();
}

void on_session_error(otc_session *, void *, const char *message, enum otc_session_error_code code) {
  sample::say("session error %d: %s", static_cast<int>(code), message);
  sample::quit();
}

void on_stream_created(otc_publisher *, void *, const otc_stream *stream) {
  sample::say("publishing %s", otc_stream_get_id(stream));
  published = true;
  sample::quit();
}

void on_publisher_error(otc_publisher *, void *, const char *message, enum otc_publisher_error_code code) {
  sample::say("publisher error %d: %s", static_cast<int>(code), message);
  sample::quit();
}

}  // namespace

int main() {
  const sample::Config config;
  if (!config.complete()) return 2;
  sample::enable_logging();
  if (SDL_Init(SDL_INIT_EVENTS) != 0) return 1;
  if (otc_init(nullptr) != OTC_SUCCESS) return 1;

  otc_publisher_callbacks publisher_callbacks{};
  publisher_callbacks.on_stream_created = on_stream_created;
  publisher_callbacks.on_error = on_publisher_error;
  otc_publisher *publisher = otc_publisher_new("e2ee_invalid_secret", nullptr, &publisher_callbacks);

  otc_session_callbacks session_callbacks{};
  session_callbacks.on_connected = on_connected;
  session_callbacks.on_error = on_session_error;
  session_callbacks.user_data = publisher;
  otc_session *session = otc_session_new(config.api_key.c_str(), config.session_id.c_str(), &session_callbacks);
  if (!session || !publisher) return 1;

  const otc_status refused = otc_session_set_encryption_secret(session, "short");
  sample::say("set_encryption_secret(\"short\") = %d", static_cast<int>(refused));
  const bool invalid = refused == OTC_SESSION_INVALID_ENCRYPTION_SECRET;

  if (otc_session_set_encryption_secret(session, config.secret.c_str()) != OTC_SUCCESS) {
    sample::say("the configured secret was refused too");
    return 1;
  }
  otc_session_connect(session, config.token.c_str());
  sample::wait_for_quit();

  otc_session_disconnect(session);
  otc_session_delete(session);
  otc_publisher_delete(publisher);
  otc_destroy();
  SDL_Quit();
  return invalid && published ? 0 : 1;
}
