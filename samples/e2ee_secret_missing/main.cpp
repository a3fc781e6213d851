// End-to-end encryption, no secret: joining an encrypted session without calling
// otc_session_set_encryption_secret ends with OTC_SESSION_ENCRYPTION_SECRET_MISSING (6000),
// reported to the session's on_error (or the publisher's, should the session have connected).
// Quits on the first error; exit status 0 when it was 6000.
#include <opentok.h>

#include <atomic>

#include "sample.h"
#include "sample_config.h"

namespace {

std::atomic<int> first_error{0};

void record(int code) {
  int none = 0;
  first_error.compare_exchange_strong(none, code);
  sample::quit();
}

void on_connected(otc_session *session, void *user_data) {
  sample::say("connected");
  const otc_status status = otc_session_publish(session, static_cast<otc_publisher *>(user_data));
  if (status != OTC_SUCCESS) {
    sample::say("publish: %d", static_cast<int>(status));
    record(status);
  }
}

void on_session_error(otc_session *, void *, const char *message, enum otc_session_error_code code) {
  sample::say("session error %d: %s", static_cast<int>(code), message);
  record(code);
}

void on_publisher_error(otc_publisher *, void *, const char *message, enum otc_publisher_error_code code) {
  sample::say("publisher error %d: %s", static_cast<int>(code), message);
  record(code);
}

}  // namespace

int main() {
  const sample::Config config;
  if (!config.complete()) return 2;
  sample::enable_logging();
  if (SDL_Init(SDL_INIT_EVENTS) != 0) return 1;
  if (otc_init(nullptr) != OTC_SUCCESS) return 1;

  otc_publisher_callbacks publisher_callbacks{};
  publisher_callbacks.on_error = on_publisher_error;
  otc_publisher *publisher = otc_publisher_new("e2ee_secret_missing", nullptr, &publisher_callbacks);

  otc_session_callbacks session_callbacks{};
  session_callbacks.on_connected = on_connected;
  session_callbacks.on_error = on_session_error;
  session_callbacks.user_data = publisher;
  otc_session *session = otc_session_new(config.api_key.c_str(), config.session_id.c_str(), &session_callbacks);
  if (!session || !publisher) return 1;
  // No otc_session_set_encryption_secret: that is the point.
  otc_session_connect(session, config.token.c_str());
  sample::wait_for_quit();

  otc_session_disconnect(session);
  otc_session_delete(session);
  otc_publisher_delete(publisher);
  otc_destroy();
  SDL_Quit();
  sample::say("first error %d", first_error.load());
  return first_error.load() == OTC_SESSION_ENCRYPTION_SECRET_MISSING ? 0 : 1;
}
