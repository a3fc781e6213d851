#pragma once
// Clients of the moderation tests (rtc_force_mute_test, rtc_moderation_test): a session and what
// its callbacks said as strings ("connected", "mute:1", "error:1540", "stream_dropped:ID:REASON",
// ...), and a publisher (test pattern video, the silent audio stand-in) with its own.
#include <gtest/gtest.h>
#include <otc/otc.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events.h"
#include "session_server.h"

namespace otc_test {

using namespace std::chrono_literals;

// A session and what its callbacks said; streams of other clients are kept by id.
struct Client {
  Events events;
  otc_session *session = nullptr;
  std::mutex mutex;
  std::vector<std::string> stream_ids;
  std::vector<std::string> error_messages;
  // Other clients' streams and connections, copied as the callbacks gave them.
  std::vector<std::unique_ptr<otc_stream, otc_status (*)(otc_stream *)>> streams;
  std::vector<std::unique_ptr<otc_connection, otc_status (*)(otc_connection *)>> connections;

  // url: the signaling URL (default: the suite's server).
  explicit Client(const std::string &session_id, const std::string &url = ServerSuite::server->signaling()) {
    otc_session_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_session *, void *self) { static_cast<Client *>(self)->events.add("connected"); };
    cb.on_reconnection_started = [](otc_session *, void *self) { static_cast<Client *>(self)->events.add("reconnecting"); };
    cb.on_reconnected = [](otc_session *, void *self) { static_cast<Client *>(self)->events.add("reconnected"); };
    cb.on_error = [](otc_session *, void *self, const char *message, otc_session_error_code code) {
      auto *client = static_cast<Client *>(self);
      {
        std::lock_guard<std::mutex> lock(client->mutex);
        client->error_messages.push_back(message ? message : "");
      }
      client->events.add("error:" + std::to_string(code));
    };
    cb.on_stream_received = [](otc_session *, void *self, const otc_stream *stream) {
      auto *client = static_cast<Client *>(self);
      {
        std::lock_guard<std::mutex> lock(client->mutex);
        client->stream_ids.emplace_back(otc_stream_get_id(stream));
        client->streams.emplace_back(otc_stream_copy(stream), otc_stream_delete);
      }
      client->events.add(std::string("stream:") + otc_stream_get_id(stream));
    };
    cb.on_stream_has_audio_changed = [](otc_session *, void *self, const otc_stream *stream, otc_bool on) {
      static_cast<Client *>(self)->events.add(std::string("has_audio:") + otc_stream_get_id(stream) + ":" +
                                              std::to_string(on) + ":" + std::to_string(otc_stream_has_audio(stream)));
    };
    cb.on_signal_received = [](otc_session *, void *self, const char *type, const char *, const otc_connection *) {
      static_cast<Client *>(self)->events.add(std::string("signal:") + (type ? type : ""));
    };
    cb.on_disconnected = [](otc_session *session, void *self) {
      const char *reason = otc_session_get_disconnect_reason(session);
      static_cast<Client *>(self)->events.add(std::string("disconnected:") + (reason ? reason : ""));
    };
    cb.on_connection_dropped = [](otc_session *, void *self, const otc_connection *connection) {
      static_cast<Client *>(self)->events.add(std::string("connection_dropped:") + otc_connection_get_id(connection) + ":" +
                                              otc_connection_get_destroyed_reason(connection));
    };
    cb.on_stream_dropped = [](otc_session *, void *self, const otc_stream *stream) {
      static_cast<Client *>(self)->events.add(std::string("stream_dropped:") + otc_stream_get_id(stream) + ":" +
                                              otc_stream_get_destroyed_reason(stream));
    };
    cb.on_connection_created = [](otc_session *, void *self, const otc_connection *connection) {
      auto *client = static_cast<Client *>(self);
      {
        std::lock_guard<std::mutex> lock(client->mutex);
        client->connections.emplace_back(otc_connection_copy(connection), otc_connection_delete);
      }
      client->events.add(std::string("connection:") + otc_connection_get_id(connection));
    };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, url.c_str());
    session = otc_session_new_with_settings(kApiKey, session_id.c_str(), &cb, settings);
    otc_session_settings_delete(settings);
    EXPECT_EQ(otc_session_set_mute_forced_callback(
                  session,
                  [](otc_session *, void *self, otc_on_mute_forced_info *info) {
                    static_cast<Client *>(self)->events.add("mute:" + std::to_string(info->active));
                  }),
              OTC_SUCCESS);
  }
  ~Client() { otc_session_delete(session); }
  bool connect(const std::string &session_id, const char *role) {
    return otc_session_connect(session, Server::token(session_id, role).c_str()) == OTC_SUCCESS &&
           events.wait("connected");
  }
  // A copy of the stream on_stream_received gave with this id (otc_stream_delete it), or null.
  otc_stream *copy_stream(const std::string &stream_id) {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto &stream : streams) {
      if (stream_id == otc_stream_get_id(stream.get())) return otc_stream_copy(stream.get());
    }
    return nullptr;
  }
  std::string last_error() {
    std::lock_guard<std::mutex> lock(mutex);
    return error_messages.empty() ? std::string() : error_messages.back();
  }
  // Everything the server sent before a signal this client sends now has arrived once it is back
  // (one socket per client, in order; the server handles one client's requests in order).
  bool settle(const std::string &marker) {
    return otc_session_send_signal(session, marker.c_str(), "") == OTC_SUCCESS && events.wait("signal:" + marker);
  }
};

// A publisher (test pattern video, the silent audio stand-in) and its callbacks.
struct Publishing {
  Events events;
  otc_publisher *publisher = nullptr;
  std::string stream_id;

  Publishing(Client &client, const char *name) {
    otc_publisher_callbacks cb{};
    cb.user_data = this;
    cb.on_stream_created = [](otc_publisher *, void *self, const otc_stream *stream) {
      static_cast<Publishing *>(self)->events.add(std::string("created:") + otc_stream_get_id(stream));
    };
    cb.on_stream_destroyed = [](otc_publisher *, void *self, const otc_stream *stream) {
      static_cast<Publishing *>(self)->events.add(std::string("destroyed:") + otc_stream_get_id(stream) + ":" +
                                                  otc_stream_get_destroyed_reason(stream));
    };
    cb.on_error = [](otc_publisher *, void *self, const char *, otc_publisher_error_code code) {
      static_cast<Publishing *>(self)->events.add("error:" + std::to_string(code));
    };
    publisher = otc_publisher_new(name, nullptr, &cb);
    EXPECT_NE(publisher, nullptr);
    if (!publisher) return;
    EXPECT_EQ(otc_publisher_set_mute_forced_callback(publisher, [](otc_publisher *, void *self) {
                static_cast<Publishing *>(self)->events.add("muted");
              }),
              OTC_SUCCESS);
    publish(client);
  }
  // Publishes (again) in client's session and waits for the stream id.
  void publish(Client &client) {
    stream_id.clear();
    EXPECT_EQ(otc_session_publish(client.session, publisher), OTC_SUCCESS);
    const char *id = nullptr;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!(id = otc_publisher_get_stream_id(publisher)) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_NE(id, nullptr) << events.all();
    if (id) stream_id = id;
  }
  ~Publishing() { otc_publisher_delete(publisher); }
  bool audio() const { return otc_publisher_get_publish_audio(publisher) == OTC_TRUE; }
};

// A suite of its own server (ServerSuite), the engine started for each test and a relayed session
// created for it (session_id_).
class ModeratedSessionSuite : public ServerSuite {
 protected:
  void SetUp() override {
    ServerSuite::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
    session_id_ = server->create_session(false);
    ASSERT_FALSE(session_id_.empty());
  }
  void TearDown() override { otc_destroy(); }
  std::string session_id_;
};

}  // namespace otc_test
