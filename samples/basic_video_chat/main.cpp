// Basic video chat: connects to a session, publishes the default camera and subscribes to every
// other stream, each in a window of its own, until the window is closed or Ctrl-C.
#include <opentok.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "renderer.h"
#include "sample.h"
#include "sample_config.h"

namespace {

struct Chat {
  sample::Renderer renderer;
  otc_publisher *publisher = nullptr;
  std::mutex mutex;
  std::map<std::string, otc_subscriber *> subscribers;  // by stream id
  std::atomic<bool> failed{false};
};

Chat *chat = nullptr;

void on_subscriber_connected(otc_subscriber *, void *, const otc_stream *stream) {
  sample::say("subscribed %s", otc_stream_get_id(stream));
}

void on_subscriber_frame(otc_subscriber *subscriber, void *, const otc_video_frame *frame) {
  const otc_stream *stream = otc_subscriber_get_stream(subscriber);
  if (stream) chat->renderer.show(otc_stream_get_id(stream), frame);
}

void on_subscriber_error(otc_subscriber *, void *, const char *message, enum otc_subscriber_error_code code) {
  sample::say("subscriber error %d: %s", static_cast<int>(code), message);
}

void on_stream_received(otc_session *session, void *, const otc_stream *stream) {
  otc_subscriber_callbacks callbacks{};
  callbacks.on_connected = on_subscriber_connected;
  callbacks.on_render_frame = on_subscriber_frame;
  callbacks.on_error = on_subscriber_error;
  otc_subscriber *subscriber = otc_subscriber_new(stream, &callbacks);
  if (!subscriber) return;
  if (otc_session_subscribe(session, subscriber) != OTC_SUCCESS) {
    sample::say("could not subscribe to %s", otc_stream_get_id(stream));
    otc_subscriber_delete(subscriber);
    return;
  }
  std::lock_guard<std::mutex> lock(chat->mutex);
  chat->subscribers[otc_stream_get_id(stream)] = subscriber;
}

void on_stream_dropped(otc_session *, void *, const otc_stream *stream) {
  const std::string id = otc_stream_get_id(stream);
  otc_subscriber *subscriber = nullptr;
  {
    std::lock_guard<std::mutex> lock(chat->mutex);
    auto it = chat->subscribers.find(id);
    if (it == chat->subscribers.end()) return;
    subscriber = it->second;
    chat->subscribers.erase(it);
  }
  sample::say("stream %s dropped after %llu frames", id.c_str(),
              static_cast<unsigned long long>(chat->renderer.frames(id)));
  otc_subscriber_delete(subscriber);
  chat->renderer.remove(id);
}

void on_publisher_stream_created(otc_publisher *, void *, const otc_stream *stream) {
  sample::say("publishing %s", otc_stream_get_id(stream));
}

void on_publisher_frame(otc_publisher *, void *, const otc_video_frame *frame) {
  chat->renderer.show("you", frame);
}

void on_publisher_error(otc_publisher *, void *, const char *message, enum otc_publisher_error_code code) {
  sample::say("publisher error %d: %s", static_cast<int>(code), message);
  chat->failed = true;
}

void on_connected(otc_session *session, void *) {
  sample::say("connected");
  if (chat->publisher && otc_session_publish(session, chat->publisher) != OTC_SUCCESS) {
    sample::say("could not publish");
    chat->failed = true;
  }
}

void on_session_error(otc_session *, void *, const char *message, enum otc_session_error_code code) {
  sample::say("session error %d: %s", static_cast<int>(code), message);
  chat->failed = true;
}

}  // namespace

int main() {
  const sample::Config config;
  if (!config.complete()) return 2;
  sample::enable_logging();
  if (otc_init(nullptr) != OTC_SUCCESS) return 1;
  chat = new Chat;

  otc_session_callbacks session_callbacks{};
  session_callbacks.on_connected = on_connected;
  session_callbacks.on_stream_received = on_stream_received;
  session_callbacks.on_stream_dropped = on_stream_dropped;
  session_callbacks.on_error = on_session_error;
  otc_session *session = otc_session_new(config.api_key.c_str(), config.session_id.c_str(), &session_callbacks);
  if (!session) return 1;
  if (!config.secret.empty() && otc_session_set_encryption_secret(session, config.secret.c_str()) != OTC_SUCCESS) {
    sample::say("the encryption secret was refused");
    return 1;
  }

  otc_publisher_callbacks publisher_callbacks{};
  publisher_callbacks.on_stream_created = on_publisher_stream_created;
  publisher_callbacks.on_render_frame = on_publisher_frame;
  publisher_callbacks.on_error = on_publisher_error;
  chat->publisher = otc_publisher_new("basic_video_chat", nullptr, &publisher_callbacks);  // the default camera

  otc_session_connect(session, config.token.c_str());
  chat->renderer.run();
  sample::say("quitting");

  otc_session_disconnect(session);
  {
    std::lock_guard<std::mutex> lock(chat->mutex);
    for (auto &[id, subscriber] : chat->subscribers) otc_subscriber_delete(subscriber);
    chat->subscribers.clear();
  }
  otc_session_delete(session);
  if (chat->publisher) otc_publisher_delete(chat->publisher);
  const bool failed = chat->failed;
  delete chat;
  otc_destroy();
  return failed ? 1 : 0;
}
