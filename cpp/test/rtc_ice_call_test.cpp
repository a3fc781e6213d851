// NAT traversal through TURN, through the C API: a real coturn on 127.0.0.1 (turn_server.h)
// and the real session server (session_server.h). A call forced onto relay candidates selects a
// relay pair on both ends and its frames decrypt; forced onto relay with no TURN server
// reachable, both ends report "ICE failed" within the bound and the sessions stay connected.
#include <gtest/gtest.h>
#include <otc/otc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events.h"
#include "session_server.h"
#include "turn_server.h"

using namespace std::chrono_literals;
using otc_test::kApiKey;
using otc_test::Server;
using otc_test::ServerSuite;

namespace {

constexpr const char *kSecret = "the secret of the ICE test";

// Events as strings ("connected", "error:1600", ...), and error messages.
using Events = otc_test::BasicEvents<15>;

struct IceOptions {
  std::vector<std::string> urls, users, credentials;
  bool force_turn = false, custom_only = false;
  int timeout_ms = 0;
};

struct Client {
  Events events;
  otc_session *session = nullptr;
  std::mutex mutex;
  otc_stream *stream = nullptr;

  Client(const std::string &session_id, const IceOptions &ice, Server *server) {
    otc_session_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_session *, void *self) { static_cast<Client *>(self)->events.add("connected"); };
    cb.on_disconnected = [](otc_session *, void *self) { static_cast<Client *>(self)->events.add("disconnected"); };
    cb.on_error = [](otc_session *, void *self, const char *message, otc_session_error_code code) {
      static_cast<Client *>(self)->events.add("error:" + std::to_string(code), message);
    };
    const otc_session_encryption_key_ready_cb key_ready_cb = [](otc_session *, void *self, uint32_t) { static_cast<Client *>(self)->events.add("key"); };
    cb.on_stream_received = [](otc_session *, void *self, const otc_stream *stream) {
      auto *client = static_cast<Client *>(self);
      {
        std::lock_guard<std::mutex> lock(client->mutex);
        if (!client->stream) client->stream = otc_stream_copy(stream);
      }
      client->events.add("stream");
    };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, server->signaling().c_str());
    std::vector<std::string> urls = ice.urls, users = ice.users, credentials = ice.credentials;
    std::vector<char *> u, n, c;
    for (size_t i = 0; i < urls.size(); ++i) {
      u.push_back(urls[i].data());
      n.push_back(users[i].data());
      c.push_back(credentials[i].data());
    }
    otc_custom_ice_config config{static_cast<int>(u.size()), u.data(), n.data(), c.data(),
                                 ice.force_turn ? OTC_TRUE : OTC_FALSE, ice.custom_only ? OTC_TRUE : OTC_FALSE};
    EXPECT_EQ(otc_session_settings_set_custom_ice_config(settings, &config), OTC_SUCCESS);
    if (ice.timeout_ms) EXPECT_EQ(otc_session_settings_set_ice_connect_timeout(settings, ice.timeout_ms), OTC_SUCCESS);
    session = otc_session_new_with_settings(kApiKey, session_id.c_str(), &cb, settings);
    otc_session_set_encryption_key_ready_callback(session, key_ready_cb);
    otc_session_settings_delete(settings);
    EXPECT_EQ(otc_session_set_encryption_secret(session, kSecret), OTC_SUCCESS);
    EXPECT_TRUE(events.wait("key"));
  }
  ~Client() {
    otc_session_delete(session);
    otc_stream_delete(stream);
  }
  bool connect(const std::string &token) {
    return otc_session_connect(session, token.c_str()) == OTC_SUCCESS && events.wait("connected");
  }
};

struct Call {
  std::unique_ptr<Client> a, b;
  Events pe, se;
  std::atomic<int> frames{0};
  otc_publisher *publisher = nullptr;
  otc_subscriber *subscriber = nullptr;

  Call(const IceOptions &ice_a, const IceOptions &ice_b, Server *server = ServerSuite::server) {
    const std::string session_id = server->create_session(true);
    a = std::make_unique<Client>(session_id, ice_a, server);
    b = std::make_unique<Client>(session_id, ice_b, server);
    EXPECT_TRUE(a->connect(Server::token(session_id)));
    EXPECT_TRUE(b->connect(Server::token(session_id)));
    otc_publisher_callbacks pcb{};
    pcb.user_data = &pe;
    pcb.on_stream_created = [](otc_publisher *, void *self, const otc_stream *) { static_cast<Events *>(self)->add("created"); };
    pcb.on_error = [](otc_publisher *, void *self, const char *message, otc_publisher_error_code code) {
      static_cast<Events *>(self)->add("error:" + std::to_string(code), message);
    };
    publisher = otc_publisher_new("ice test", nullptr, &pcb);
    EXPECT_EQ(otc_session_publish(a->session, publisher), OTC_SUCCESS);
    EXPECT_TRUE(pe.wait("created")) << pe.all();
    EXPECT_TRUE(b->events.wait("stream"));
    otc_subscriber_callbacks scb{};
    scb.user_data = this;
    scb.on_connected = [](otc_subscriber *, void *self, const otc_stream *) { static_cast<Call *>(self)->se.add("connected"); };
    scb.on_disconnected = [](otc_subscriber *, void *self) { static_cast<Call *>(self)->se.add("disconnected"); };
    scb.on_error = [](otc_subscriber *, void *self, const char *message, enum otc_subscriber_error_code code) {
      static_cast<Call *>(self)->se.add("error:" + std::to_string(code), message);
    };
    scb.on_render_frame = [](otc_subscriber *, void *self, const otc_video_frame *) { static_cast<Call *>(self)->frames++; };
    std::lock_guard<std::mutex> lock(b->mutex);
    subscriber = b->stream ? otc_subscriber_new(b->stream, &scb) : nullptr;
    EXPECT_NE(subscriber, nullptr);
    if (subscriber) EXPECT_EQ(otc_session_subscribe(b->session, subscriber), OTC_SUCCESS);
  }
  ~Call() {
    otc_subscriber_delete(subscriber);
    otc_publisher_delete(publisher);
  }
};

class IceCall : public ServerSuite {
 protected:
  static void SetUpTestSuite() {
    ServerSuite::SetUpTestSuite();
    turn = new otc_test::TurnServer;
    turn_started = turn->start();
  }
  static void TearDownTestSuite() {
    delete turn;
    turn = nullptr;
    ServerSuite::TearDownTestSuite();
  }
  void SetUp() override {
    ServerSuite::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(turn_started) << "turnserver (Debian package coturn) did not start";
    ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
    ASSERT_EQ(otc_audio_capture_tone(440, 0.5), OTC_SUCCESS);
  }
  void TearDown() override { otc_destroy(); }
  static IceOptions relay_only_through(const std::string &url, const std::pair<std::string, std::string> &credentials) {
    IceOptions ice;
    ice.urls = {url};
    ice.users = {credentials.first};
    ice.credentials = {credentials.second};
    ice.force_turn = true;
    ice.custom_only = true;
    return ice;
  }
  static inline otc_test::TurnServer *turn = nullptr;
  static inline bool turn_started = false;
};

TEST_F(IceCall, ForcedThroughTurnTheSelectedPairIsRelayOnBothEndsAndFramesDecrypt) {
  Call call(relay_only_through(turn->url(), turn->credentials("a")), relay_only_through(turn->url(), turn->credentials("b")));
  ASSERT_TRUE(call.se.wait("connected", 20s)) << call.se.all() << call.pe.all();
  std::this_thread::sleep_for(4s);
  otc_media_check check{};
  otc_subscriber_get_media_check(call.subscriber, &check);
  otc_subscriber_stats sub{};
  otc_subscriber_get_stats(call.subscriber, &sub);
  otc_publisher_stats pub{};
  otc_publisher_get_stats(call.publisher, &pub);
  std::printf("  relayed: received=%llu lost=%llu opened=%llu latency p50=%.1f ms; subscriber pair %s/%s (%s), "
              "publisher pair %s/%s (%s)\n",
              (unsigned long long)check.frames_received, (unsigned long long)check.frames_lost,
              (unsigned long long)sub.video_frames_opened, check.latency_p50_ms, sub.local_candidate_type,
              sub.remote_candidate_type, sub.relay_protocol, pub.local_candidate_type, pub.remote_candidate_type,
              pub.relay_protocol);
  EXPECT_STREQ(sub.local_candidate_type, "relay");
  EXPECT_STREQ(sub.remote_candidate_type, "relay");
  EXPECT_STREQ(sub.relay_protocol, "udp");
  EXPECT_STREQ(pub.local_candidate_type, "relay");
  EXPECT_STREQ(pub.remote_candidate_type, "relay");
  EXPECT_GT(check.frames_received, 60u);
  const double total = static_cast<double>(check.frames_received + check.frames_lost);
  EXPECT_GE(static_cast<double>(check.frames_received), 0.9 * total);
  EXPECT_GT(sub.video_frames_opened, 60u);
  EXPECT_EQ(sub.frames_mismatch, 0u);
  EXPECT_EQ(call.se.count("error:1600"), 0u) << call.se.all();
}

TEST_F(IceCall, WithoutAReachableTurnServerBothEndsReportIceFailedWithinTheBound) {
  // A TURN URL where nothing listens: relay-only then gathers no candidate at all.
  const std::string nowhere = "turn:127.0.0.1:" + std::to_string(otc_test::free_port()) + "?transport=udp";
  IceOptions ice = relay_only_through(nowhere, turn->credentials());
  ice.timeout_ms = 5000;
  const auto begun = std::chrono::steady_clock::now();
  Call call(ice, ice);
  ASSERT_TRUE(call.se.wait("error:1600", 15s)) << call.se.all();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count();
  ASSERT_TRUE(call.pe.wait("error:1610", 5s)) << call.pe.all();
  std::printf("  subscriber error after %.1f s: %s\n  publisher: %s\n", seconds, call.se.all().c_str(), call.pe.all().c_str());
  EXPECT_LT(seconds, 12.0);
  const auto sub_messages = call.se.messages();
  ASSERT_FALSE(sub_messages.empty());
  EXPECT_EQ(sub_messages[0].rfind("ICE failed: no candidate pair connected within 5 s (relay-only: 0 relay candidates", 0), 0u)
      << sub_messages[0];
  const auto pub_messages = call.pe.messages();
  ASSERT_FALSE(pub_messages.empty());
  EXPECT_EQ(pub_messages[0].rfind("ICE failed: ", 0), 0u) << pub_messages[0];
  EXPECT_EQ(call.se.count("connected"), 0u);
  EXPECT_TRUE(call.se.wait("disconnected", 5s)) << call.se.all();
  // The sessions stay connected.
  EXPECT_NE(otc_session_get_connection_id(call.a->session), nullptr);
  EXPECT_NE(otc_session_get_connection_id(call.b->session), nullptr);
  EXPECT_EQ(call.a->events.count("disconnected") + call.b->events.count("disconnected"), 0u);
  EXPECT_EQ(call.frames.load(), 0);
}

TEST_F(IceCall, AWrongTurnCredentialFailsTooAndSaysWhy) {
  IceOptions ice = relay_only_through(turn->url(), {std::to_string(std::time(nullptr) + 3600) + ":x", "d3JvbmcgY3JlZGVudGlhbA=="});
  ice.timeout_ms = 5000;
  Call call(ice, ice);
  ASSERT_TRUE(call.se.wait("error:1600", 15s)) << call.se.all();
  const auto messages = call.se.messages();
  ASSERT_FALSE(messages.empty());
  std::printf("  %s\n", messages[0].c_str());
  EXPECT_EQ(messages[0].rfind("ICE failed: ", 0), 0u) << messages[0];
  EXPECT_NE(messages[0].find("0 relay candidates"), std::string::npos) << messages[0];
}

// The session server hands out the TURN server (--turn-url, --turn-secret: credentials of each
// connection's own in the shared-secret scheme); the clients only force relay.
TEST_F(IceCall, TheTurnServerTheSessionServerHandsOutCarriesAForcedRelayCall) {
  Server handing_out;
  handing_out.start({"--turn-url", turn->url(), "--turn-secret", turn->secret()});
  ASSERT_FALSE(handing_out.signaling().empty()) << "the session server with --turn-url did not start";
  IceOptions ice;
  ice.force_turn = true;
  {
    Call call(ice, ice, &handing_out);
    ASSERT_TRUE(call.se.wait("connected", 20s)) << call.se.all() << call.pe.all();
    std::this_thread::sleep_for(3s);
    otc_subscriber_stats sub{};
    otc_subscriber_get_stats(call.subscriber, &sub);
    otc_publisher_stats pub{};
    otc_publisher_get_stats(call.publisher, &pub);
    std::printf("  handed out: opened=%llu; pairs %s/%s and %s/%s\n", (unsigned long long)sub.video_frames_opened,
                sub.local_candidate_type, sub.remote_candidate_type, pub.local_candidate_type, pub.remote_candidate_type);
    EXPECT_STREQ(sub.local_candidate_type, "relay");
    EXPECT_STREQ(sub.remote_candidate_type, "relay");
    EXPECT_STREQ(pub.local_candidate_type, "relay");
    EXPECT_GT(sub.video_frames_opened, 30u);
  }
  // use_custom_turn_only with no servers of its own: the handed-out TURN server is ignored, and
  // relay-only then has nothing to gather.
  IceOptions ignoring;
  ignoring.force_turn = true;
  ignoring.custom_only = true;
  ignoring.timeout_ms = 3000;
  {
    Call call(ignoring, ignoring, &handing_out);
    ASSERT_TRUE(call.se.wait("error:1600", 15s)) << call.se.all();
    EXPECT_NE(call.se.all().find("0 relay candidates"), std::string::npos) << call.se.all();
  }
  handing_out.stop();
}

}  // namespace
