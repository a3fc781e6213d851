// Configurable TURN servers: connects with an ICE configuration of its own (one TURN server from
// config.h, relay candidates only), publishes the default camera and subscribes to every other
// stream, so that all media goes through that TURN server. Runs until Ctrl-C.
#include <opentok.h>

#include <SDL.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "sample.h"
#include "sample_config.h"

namespace {

std::atomic<bool> failed{false};
std::mutex mutex;
std::map<std::string, otc_subscriber *> subscribers;

void on_connected(otc_session *session, void *user_data) {
  sample::say("connected");
  if (otc_session_publish(session, static_cast<otc_publisher *>(user_data)) != OTC_SUCCESS) failed = true;
}

void on_session_error(otc_session *, void *, const char *message, enum otc_session_error_code code) {
  sample::say("session error %d: %s", static_cast<int>(code), message);
  failed = true;
}

void on_subscriber_connected(otc_subscriber *, void *, const otc_stream *stream) {
  sample::say("subscribed %s", otc_stream_get_id(stream));
}

void on_stream_received(otc_session *session, void *, const otc_stream *stream) {
  otc_subscriber_callbacks callbacks{};
  callbacks.on_connected = on_subscriber_connected;
  otc_subscriber *subscriber = otc_subscriber_new(stream, &callbacks);
  if (!subscriber) return;
  if (otc_session_subscribe(session, subscriber) != OTC_SUCCESS) {
    otc_subscriber_delete(subscriber);
    return;
  }
  std::lock_guard<std::mutex> lock(mutex);
  subscribers[otc_stream_get_id(stream)] = subscriber;
}

void on_stream_dropped(otc_session *, void *, const otc_stream *stream) {
  otc_subscriber *subscriber = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = subscribers.find(otc_stream_get_id(stream));
    if (it == subscribers.end()) return;
    subscriber = it->second;
    subscribers.erase(it);
  }
  otc_subscriber_delete(subscriber);
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
  if (config.turn_url.empty()) {
    sample::say("TURN_URL is empty");
    return 2;
  }
  sample::enable_logging();
  if (SDL_Init(SDL_INIT_EVENTS) != 0) return 1;
  if (otc_init(nullptr) != OTC_SUCCESS) return 1;

  otc_publisher_callbacks publisher_callbacks{};
  publisher_callbacks.on_stream_created = on_stream_created;
  publisher_callbacks.on_error = on_publisher_error;
  otc_publisher *publisher = otc_publisher_new("configurable_turn_servers", nullptr, &publisher_callbacks);
  if (!publisher) return 1;

  // The library copies the configuration: these arrays may go once the session is made.
  char *urls[] = {const_cast<char *>(config.turn_url.c_str())};
  char *users[] = {const_cast<char *>(config.turn_username.c_str())};
  char *credentials[] = {const_cast<char *>(config.turn_credential.c_str())};
  struct otc_custom_ice_config ice;
  ice.num_ice_servers = 1;
  ice.ice_url = urls;
  ice.ice_user = users;
  ice.ice_credential = credentials;
  ice.force_turn = OTC_TRUE;
  ice.use_custom_turn_only = OTC_TRUE;
  otc_session_settings *settings = otc_session_settings_new();
  otc_session_settings_set_custom_ice_config(settings, &ice);

  otc_session_callbacks session_callbacks{};
  session_callbacks.on_connected = on_connected;
  session_callbacks.on_stream_received = on_stream_received;
  session_callbacks.on_stream_dropped = on_stream_dropped;
  session_callbacks.on_error = on_session_error;
  session_callbacks.user_data = publisher;
  otc_session *session = otc_session_new_with_settings(config.api_key.c_str(), config.session_id.c_str(),
                                                       &session_callbacks, settings);
  otc_session_settings_delete(settings);
  if (!session) {
    sample::say("the ICE configuration was refused");
    return 1;
  }
  if (!config.secret.empty()) otc_session_set_encryption_secret(session, config.secret.c_str());
  otc_session_connect(session, config.token.c_str());

  sample::wait_for_quit();

  otc_session_disconnect(session);
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto &[id, subscriber] : subscribers) otc_subscriber_delete(subscriber);
    subscribers.clear();
  }
  otc_session_delete(session);
  otc_publisher_delete(publisher);
  otc_destroy();
  SDL_Quit();
  return failed ? 1 : 0;
}
