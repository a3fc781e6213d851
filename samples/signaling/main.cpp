// Signaling: connects and sends every signal it receives back to the connection it came from,
// from inside the callback, until Ctrl-C. Opens no window; SDL runs the event loop.
#include <opentok.h>

#include <SDL.h>

#include <atomic>

#include "sample.h"
#include "sample_config.h"

namespace {

std::atomic<int> echoed{0};
std::atomic<bool> failed{false};

void on_connected(otc_session *, void *) { sample::say("connected"); }

void on_signal_received(otc_session *session, void *, const char *type, const char *signal,
                        const otc_connection *connection) {
  sample::say("signal type=%s data=%s", type ? type : "", signal ? signal : "");
  if (!connection) return;  // a signal from the server itself
  if (otc_session_send_signal_to_connection(session, type, signal, connection) == OTC_SUCCESS) {
    ++echoed;
  } else {
    sample::say("could not echo");
  }
}

void on_session_error(otc_session *, void *, const char *message, enum otc_session_error_code code) {
  sample::say("session error %d: %s", static_cast<int>(code), message);
  failed = true;
}

}  // namespace

int main() {
  const sample::Config config;
  if (!config.complete()) return 2;
  sample::enable_logging();
  if (SDL_Init(SDL_INIT_EVENTS) != 0) return 1;
  if (otc_init(nullptr) != OTC_SUCCESS) return 1;

  otc_session_callbacks callbacks{};
  callbacks.on_connected = on_connected;
  callbacks.on_signal_received = on_signal_received;
  callbacks.on_error = on_session_error;
  otc_session *session = otc_session_new(config.api_key.c_str(), config.session_id.c_str(), &callbacks);
  if (!session) return 1;
  if (!config.secret.empty()) otc_session_set_encryption_secret(session, config.secret.c_str());
  otc_session_connect(session, config.token.c_str());

  sample::wait_for_quit();
  sample::say("echoed %d", echoed.load());

  otc_session_disconnect(session);
  otc_session_delete(session);
  otc_destroy();
  SDL_Quit();
  return failed ? 1 : 0;
}
