// Signaling reconnection through the C API: a relayed E2EE call whose signaling link is cut (a
// TCP proxy that blackholes it for 10 s and for 30 s, or resets it), and a server that goes away
// for good. The sessions must reconnect by themselves with the same connection id, keep their
// streams, publisher and subscriber, and the media must keep flowing while signaling is down.
#include <gtest/gtest.h>
#include <otc/otc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events.h"
#include "session_server.h"
#include "tcp_cut_proxy.h"

using namespace std::chrono_literals;
using otc_test::kApiKey;
using otc_test::Server;
using otc_test::TcpCutProxy;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char *kSecret = "the secret of the reconnection test";

// Events of one object's callbacks, as strings, with the time each arrived.
using Events = otc_test::BasicEvents<15>;

struct StreamDeleter {
  void operator()(otc_stream *s) const { otc_stream_delete(s); }
};

struct Client {
  Events events;
  otc_session *session = nullptr;
  std::mutex mutex;
  std::vector<std::unique_ptr<otc_stream, StreamDeleter>> streams;
  std::string last_error;

  Client(const std::string &url, const std::string &session_id, int reconnection_timeout_ms = 60000) {
    otc_session_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_session *, void *self) { static_cast<Client *>(self)->events.add("connected"); };
    cb.on_disconnected = [](otc_session *, void *self) { static_cast<Client *>(self)->events.add("disconnected"); };
    cb.on_reconnection_started = [](otc_session *, void *self) { static_cast<Client *>(self)->events.add("reconnecting"); };
    cb.on_reconnected = [](otc_session *, void *self) { static_cast<Client *>(self)->events.add("reconnected"); };
    cb.on_error = [](otc_session *, void *self, const char *message, otc_session_error_code code) {
      auto *client = static_cast<Client *>(self);
      {
        std::lock_guard<std::mutex> lock(client->mutex);
        client->last_error = message ? message : "";
      }
      client->events.add("error:" + std::to_string(code));
    };
    const otc_session_encryption_key_ready_cb key_ready_cb = [](otc_session *, void *self, uint32_t) { static_cast<Client *>(self)->events.add("key"); };
    cb.on_stream_received = [](otc_session *, void *self, const otc_stream *stream) {
      auto *client = static_cast<Client *>(self);
      {
        std::lock_guard<std::mutex> lock(client->mutex);
        client->streams.emplace_back(otc_stream_copy(stream));
      }
      client->events.add("stream");
    };
    cb.on_stream_dropped = [](otc_session *, void *self, const otc_stream *) { static_cast<Client *>(self)->events.add("stream dropped"); };
    cb.on_connection_dropped = [](otc_session *, void *self, const otc_connection *) {
      static_cast<Client *>(self)->events.add("connection dropped");
    };
    cb.on_signal_received = [](otc_session *, void *self, const char *type, const char *data, const otc_connection *) {
      static_cast<Client *>(self)->events.add(std::string("signal:") + type + ":" + data);
    };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, url.c_str());
    EXPECT_EQ(otc_session_settings_set_reconnection_timeout(settings, reconnection_timeout_ms), OTC_SUCCESS);
    session = otc_session_new_with_settings(kApiKey, session_id.c_str(), &cb, settings);
    otc_session_set_encryption_key_ready_callback(session, key_ready_cb);
    otc_session_settings_delete(settings);
    EXPECT_EQ(otc_session_set_encryption_secret(session, kSecret), OTC_SUCCESS);
    EXPECT_TRUE(events.wait("key"));
  }
  ~Client() { otc_session_delete(session); }
  bool connect(const std::string &token) {
    return otc_session_connect(session, token.c_str()) == OTC_SUCCESS && events.wait("connected");
  }
  std::string connection_id() {
    const char *id = otc_session_get_connection_id(session);
    return id ? id : "";
  }
  otc_stream *first_stream() {
    std::lock_guard<std::mutex> lock(mutex);
    return streams.empty() ? nullptr : streams.front().get();
  }
  std::string error_message() {
    std::lock_guard<std::mutex> lock(mutex);
    return last_error;
  }
};

struct PublisherEvents {
  Events events;
  otc_publisher_callbacks callbacks() {
    otc_publisher_callbacks cb{};
    cb.user_data = this;
    cb.on_stream_created = [](otc_publisher *, void *self, const otc_stream *) { static_cast<PublisherEvents *>(self)->events.add("created"); };
    cb.on_stream_destroyed = [](otc_publisher *, void *self, const otc_stream *) {
      static_cast<PublisherEvents *>(self)->events.add("destroyed");
    };
    cb.on_error = [](otc_publisher *, void *self, const char *, otc_publisher_error_code code) {
      static_cast<PublisherEvents *>(self)->events.add("error:" + std::to_string(code));
    };
    return cb;
  }
};

struct SubscriberEvents {
  Events events;
  otc_subscriber_callbacks callbacks() {
    otc_subscriber_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_subscriber *, void *self, const otc_stream *) { static_cast<SubscriberEvents *>(self)->events.add("connected"); };
    cb.on_disconnected = [](otc_subscriber *, void *self) { static_cast<SubscriberEvents *>(self)->events.add("disconnected"); };
    cb.on_error = [](otc_subscriber *, void *self, const char *, enum otc_subscriber_error_code code) {
      static_cast<SubscriberEvents *>(self)->events.add("error:" + std::to_string(code));
    };
    return cb;
  }
};

// A relayed E2EE call from a to b, both signaling through `url`.
struct Call {
  std::string session_id;
  std::unique_ptr<Client> a, b;
  PublisherEvents pe;
  SubscriberEvents se;
  otc_publisher *publisher = nullptr;
  otc_subscriber *subscriber = nullptr;

  Call(Server &server, const std::string &url, int reconnection_timeout_ms = 60000) {
    session_id = server.create_session(true);
    a = std::make_unique<Client>(url, session_id, reconnection_timeout_ms);
    b = std::make_unique<Client>(url, session_id, reconnection_timeout_ms);
    EXPECT_TRUE(a->connect(Server::token(session_id)));
    EXPECT_TRUE(b->connect(Server::token(session_id)));
    auto pcb = pe.callbacks();
    publisher = otc_publisher_new("reconnect test", nullptr, &pcb);
    EXPECT_EQ(otc_session_publish(a->session, publisher), OTC_SUCCESS);
    EXPECT_TRUE(pe.events.wait("created"));
    EXPECT_TRUE(b->events.wait("stream"));
    auto scb = se.callbacks();
    subscriber = b->first_stream() ? otc_subscriber_new(b->first_stream(), &scb) : nullptr;
    EXPECT_NE(subscriber, nullptr);
    if (subscriber) EXPECT_EQ(otc_session_subscribe(b->session, subscriber), OTC_SUCCESS);
    EXPECT_TRUE(se.events.wait("connected"));
  }
  ~Call() {
    otc_subscriber_delete(subscriber);
    otc_publisher_delete(publisher);
  }
  uint64_t frames() {
    otc_media_check c{};
    if (subscriber) otc_subscriber_get_media_check(subscriber, &c);
    return c.frames_received;
  }
  bool frames_flow(uint64_t more, std::chrono::milliseconds timeout = 10s) {
    const uint64_t start = frames();
    const auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      if (frames() >= start + more) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
};

class Reconnect : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    ASSERT_GT(server_.port(), 0) << "the session server did not start (tsc -p . first?)";
    ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
    ASSERT_EQ(otc_audio_capture_tone(440, 0.5), OTC_SUCCESS);
  }
  void TearDown() override {
    otc_destroy();
    server_.stop();
  }
  static std::string url(int port) { return "ws://127.0.0.1:" + std::to_string(port) + "/v1/signaling"; }

  // The link is cut (blackholed) for `cut` while the call runs: both ends reconnect after it.
  void cut_link(std::chrono::seconds cut) {
    TcpCutProxy proxy(server_.port());
    Call call(server_, url(proxy.port()));
    ASSERT_TRUE(call.frames_flow(30)) << "no media before the cut";
    const std::string id_a = call.a->connection_id(), id_b = call.b->connection_id();
    const auto frames_before = call.frames();
    proxy.blackhole();
    const auto cut_at = Clock::now();
    // A link silent for 10 s is noticed (SignalingClient::kIdleBound), within a few seconds more.
    EXPECT_TRUE(call.a->events.wait("reconnecting", 20s)) << call.a->events.all();
    EXPECT_TRUE(call.b->events.wait("reconnecting", 20s)) << call.b->events.all();
    const double noticed_s = std::chrono::duration<double>(call.a->events.when("reconnecting") - cut_at).count();
    // A signal sent while reconnecting waits for the reconnection.
    EXPECT_EQ(otc_session_send_signal(call.a->session, "during", "the-cut"), OTC_SUCCESS);
    EXPECT_EQ(call.a->connection_id(), id_a) << "the connection id stays while reconnecting";
    std::this_thread::sleep_until(cut_at + cut);
    const auto frames_during = call.frames() - frames_before;
    proxy.restore();
    const auto restored_at = Clock::now();
    EXPECT_TRUE(call.a->events.wait("reconnected", 20s)) << call.a->events.all() << call.a->error_message();
    EXPECT_TRUE(call.b->events.wait("reconnected", 20s)) << call.b->events.all() << call.b->error_message();
    const double recovered_a_s = std::chrono::duration<double>(call.a->events.when("reconnected") - restored_at).count();
    const double recovered_b_s = std::chrono::duration<double>(call.b->events.when("reconnected") - restored_at).count();
    std::printf("  cut %llds: noticed after %.1f s; frames during the cut %llu; reconnected %.1f s (a) and %.1f s (b) after the link returned\n",
                static_cast<long long>(cut.count()), noticed_s, static_cast<unsigned long long>(frames_during),
                recovered_a_s, recovered_b_s);
    // Generous bounds: the next attempt comes within the 5 s backoff cap (+20% jitter) plus a
    // 5 s attempt that may have started just before the link returned.
    EXPECT_LT(recovered_a_s, 15.0);
    EXPECT_LT(recovered_b_s, 15.0);
    EXPECT_GT(frames_during, 30u) << "media must keep flowing while signaling is down";
    EXPECT_EQ(call.a->connection_id(), id_a);
    EXPECT_EQ(call.b->connection_id(), id_b);
    EXPECT_TRUE(call.b->events.wait("signal:during:the-cut", 10s)) << "the signal queued while reconnecting: " << call.b->events.all();
    EXPECT_TRUE(call.frames_flow(30)) << "media after the reconnection";
    // Signaling works again: a signal both ways.
    EXPECT_EQ(otc_session_send_signal(call.b->session, "after", "ok"), OTC_SUCCESS);
    EXPECT_TRUE(call.a->events.wait("signal:after:ok", 10s)) << call.a->events.all();
    for (Client *c : {call.a.get(), call.b.get()}) {
      EXPECT_EQ(c->events.count("disconnected"), 0u) << c->events.all();
      EXPECT_EQ(c->events.count("stream dropped"), 0u) << c->events.all();
      EXPECT_EQ(c->events.count("connection dropped"), 0u) << c->events.all();
      EXPECT_EQ(c->events.count("reconnecting"), 1u) << c->events.all();
    }
    EXPECT_EQ(call.pe.events.count("destroyed"), 0u) << call.pe.events.all();
    EXPECT_EQ(call.se.events.count("disconnected"), 0u) << call.se.events.all();
  }

  Server server_;
};

TEST_F(Reconnect, LinkCutFor10SecondsMidCall) { cut_link(10s); }

TEST_F(Reconnect, LinkCutFor30SecondsMidCall) { cut_link(30s); }

TEST_F(Reconnect, SocketResetMidCallReconnectsAtOnce) {
  TcpCutProxy proxy(server_.port());
  Call call(server_, url(proxy.port()));
  ASSERT_TRUE(call.frames_flow(30));
  const std::string id_a = call.a->connection_id();
  const auto reset_at = Clock::now();
  proxy.reset_all();
  EXPECT_TRUE(call.a->events.wait("reconnecting", 5s)) << call.a->events.all();
  EXPECT_TRUE(call.a->events.wait("reconnected", 10s)) << call.a->events.all() << call.a->error_message();
  EXPECT_TRUE(call.b->events.wait("reconnected", 10s)) << call.b->events.all() << call.b->error_message();
  const double took_s = std::chrono::duration<double>(call.a->events.when("reconnected") - reset_at).count();
  std::printf("  reset: reconnected %.2f s after the sockets were reset\n", took_s);
  EXPECT_LT(took_s, 5.0);
  EXPECT_EQ(call.a->connection_id(), id_a);
  EXPECT_TRUE(call.frames_flow(30));
  EXPECT_EQ(otc_session_send_signal(call.a->session, "after", "reset"), OTC_SUCCESS);
  EXPECT_TRUE(call.b->events.wait("signal:after:reset", 10s)) << call.b->events.all();
  EXPECT_EQ(call.a->events.count("disconnected") + call.b->events.count("disconnected"), 0u);
  EXPECT_EQ(call.pe.events.count("destroyed"), 0u);
  EXPECT_EQ(call.se.events.count("disconnected"), 0u);
}

TEST_F(Reconnect, ServerGoneForGoodGivesUpAfterTheBound) {
  // A 3 s reconnection timeout keeps the test short.
  Call call(server_, url(server_.port()), 3000);
  ASSERT_TRUE(call.frames_flow(30));
  server_.kill_now();
  const auto killed_at = Clock::now();
  EXPECT_TRUE(call.a->events.wait("reconnecting", 15s)) << call.a->events.all();
  EXPECT_TRUE(call.a->events.wait("disconnected", 15s)) << call.a->events.all();
  EXPECT_TRUE(call.b->events.wait("disconnected", 15s)) << call.b->events.all();
  const double gave_up_s = std::chrono::duration<double>(call.a->events.when("disconnected") - call.a->events.when("reconnecting")).count();
  std::printf("  gave up %.1f s after reconnecting started (%.1f s after the kill): %s\n", gave_up_s,
              std::chrono::duration<double>(call.a->events.when("disconnected") - killed_at).count(), call.a->error_message().c_str());
  EXPECT_EQ(call.a->events.count("error:" + std::to_string(OTC_SESSION_CONNECTION_DROPPED)), 1u) << call.a->events.all();
  EXPECT_LT(call.a->events.when("error:" + std::to_string(OTC_SESSION_CONNECTION_DROPPED)), call.a->events.when("disconnected"));
  EXPECT_NE(call.a->error_message().find("could not reconnect"), std::string::npos) << call.a->error_message();
  EXPECT_GE(gave_up_s, 2.0);
  EXPECT_LT(gave_up_s, 8.0);
  EXPECT_EQ(otc_session_get_connection_id(call.a->session), nullptr);
  EXPECT_TRUE(call.pe.events.wait("destroyed", 5s)) << call.pe.events.all();
  EXPECT_TRUE(call.se.events.wait("disconnected", 5s)) << call.se.events.all();
}

TEST_F(Reconnect, ServerRestartWithoutStateRefusesTheReconnection) {
  // A server restarted on the same port without a state file knows no session: the reconnection
  // is refused (1005) and the session gives up at once with that reason.
  const int port = server_.port();
  Client a(url(port), server_.create_session(true));
  ASSERT_TRUE(a.connect(Server::token(otc_session_get_id(a.session))));
  server_.kill_now();
  ASSERT_TRUE(a.events.wait("reconnecting", 15s)) << a.events.all();
  Server again;
  again.start({"--port", std::to_string(port)});
  ASSERT_EQ(again.port(), port);
  EXPECT_TRUE(a.events.wait("disconnected", 20s)) << a.events.all();
  EXPECT_NE(a.error_message().find("refused the reconnection"), std::string::npos) << a.error_message();
  EXPECT_EQ(a.events.count("reconnected"), 0u);
  again.stop();
}

TEST_F(Reconnect, ZeroTimeoutNeverReconnects) {
  Client a(url(server_.port()), server_.create_session(true), 0);
  ASSERT_TRUE(a.connect(Server::token(otc_session_get_id(a.session))));
  server_.kill_now();
  EXPECT_TRUE(a.events.wait("disconnected", 15s)) << a.events.all();
  EXPECT_EQ(a.events.count("reconnecting"), 0u) << a.events.all();
  EXPECT_EQ(a.events.count("error:" + std::to_string(OTC_SESSION_CONNECTION_DROPPED)), 1u) << a.events.all();
}

TEST(ReconnectSettings, TimeoutBounds) {
  otc_session_settings *settings = otc_session_settings_new();
  EXPECT_EQ(otc_session_settings_set_reconnection_timeout(settings, 0), OTC_SUCCESS);
  EXPECT_EQ(otc_session_settings_set_reconnection_timeout(settings, 1000), OTC_SUCCESS);
  EXPECT_EQ(otc_session_settings_set_reconnection_timeout(settings, 600000), OTC_SUCCESS);
  EXPECT_EQ(otc_session_settings_set_reconnection_timeout(settings, 999), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_settings_set_reconnection_timeout(settings, 600001), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_settings_set_reconnection_timeout(settings, -1), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_settings_set_reconnection_timeout(nullptr, 1000), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  otc_session_settings_delete(settings);
}

}  // namespace
