// The C++ client against a session server that floods it (issue 10, part 5): a small WebSocket
// server in this test (Boost.Beast) that speaks docs/protocol.md and then abuses it. The client
// must stay bounded: connections and streams it tracks, ICE servers it takes from the ack, and
// the peer connections a publisher opens for subscriberJoined events (one per subscriber, at
// most max_subscribers), without running out of file descriptors.
#include <gtest/gtest.h>
#include <otc/otc.h>

#include <dirent.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "otc/session_link.h"

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
using nlohmann::json;

namespace {

constexpr int kFlood = 20000;       // connections and streams, each above the client's 10 000 cap
constexpr int kSubscribers = 100;   // subscriberJoined events, above the publisher's 64

size_t open_fds() {
  size_t n = 0;
  if (DIR *dir = opendir("/proc/self/fd")) {
    while (readdir(dir)) ++n;
    closedir(dir);
  }
  return n;
}

// One client at a time; answers connect and publish, then floods.
class HostileServer {
 public:
  HostileServer() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { run(); });
  }
  ~HostileServer() {
    stop_ = true;
    beast::error_code ignored;
    acceptor_.close(ignored);
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url() const { return "ws://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/v1/signaling"; }
  size_t offers() {
    std::lock_guard<std::mutex> lock(mutex_);
    return offered_peers_.size();
  }

 private:
  void run() {
    try {
      asio::ip::tcp::socket socket(io_);
      acceptor_.accept(socket);
      beast::websocket::stream<asio::ip::tcp::socket> ws(std::move(socket));
      ws.set_option(beast::websocket::stream_base::decorator([](beast::websocket::response_type &res) {
        res.set(beast::http::field::sec_websocket_protocol, "otc-signaling-v1");
      }));
      ws.accept();
      ws.text(true);
      auto send = [&](const json &message) { ws.write(asio::buffer(message.dump())); };
      while (!stop_) {
        beast::flat_buffer buffer;
        ws.read(buffer);
        const json request = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
        if (!request.is_object()) continue;
        const std::string type = request.value("type", "");
        const json id = request.value("id", json());
        if (type == "connect") {
          json connections = json::array(), streams = json::array(), ice = json::array();
          for (int i = 0; i < kFlood; ++i) {
            connections.push_back({{"connectionId", "c-" + std::to_string(i)}, {"data", ""}, {"creationTime", 0}});
          }
          for (int i = 0; i < 1000; ++i) ice.push_back({{"urls", "stun:127.0.0.1:9"}});
          send({{"type", "ack"}, {"id", id}, {"connectionId", "c-self"}, {"sessionId", "s"}, {"role", "publisher"},
                {"data", ""}, {"session", {{"e2ee", false}, {"mediaMode", "relayed"}}}, {"connections", connections},
                {"streams", streams}, {"iceServers", ice}});
          for (int i = 0; i < kFlood; ++i) {
            send({{"type", "streamCreated"},
                  {"stream", {{"streamId", "st-" + std::to_string(i)}, {"connectionId", "c-1"}, {"name", "x"},
                              {"hasAudio", true}, {"hasVideo", true}, {"e2ee", false}, {"videoCodec", "VP8"}}}});
          }
        } else if (type == "publish") {
          send({{"type", "ack"}, {"id", id}, {"streamId", "mine"}});
          for (int i = 0; i < kSubscribers; ++i) {
            send({{"type", "subscriberJoined"}, {"peerId", "p-" + std::to_string(i)}, {"streamId", "mine"},
                  {"subscriberConnectionId", "c-" + std::to_string(i)}});
          }
        } else if (type == "subscribe") {
          send({{"type", "ack"}, {"id", id}, {"peerId", "sub-1"}});  // and no offer ever follows
        } else {
          if (type == "offer") {
            std::lock_guard<std::mutex> lock(mutex_);
            offered_peers_.insert(request.value("peerId", ""));
          }
          send({{"type", "ack"}, {"id", id}});
        }
      }
    } catch (const std::exception &) {
      // The client went, or the test ended.
    }
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::set<std::string> offered_peers_;
};

struct Counts {
  std::atomic<int> connections{0}, streams{0}, connected{0};
};

TEST(HostileServer, TrackedConnectionsStreamsAndPublisherPeersStayBounded) {
  // The publisher chooses no video source: the test pattern stands in for the camera.
  setenv("OTC_VIDEO_CAPTURER", "pattern", 0);
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  {
    HostileServer server;
    Counts counts;
    otc_session_callbacks cb{};
    cb.user_data = &counts;
    cb.on_connected = [](otc_session *, void *c) { static_cast<Counts *>(c)->connected++; };
    cb.on_connection_created = [](otc_session *, void *c, const otc_connection *) { static_cast<Counts *>(c)->connections++; };
    cb.on_stream_received = [](otc_session *, void *c, const otc_stream *) { static_cast<Counts *>(c)->streams++; };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, server.url().c_str());
    otc_session *session = otc_session_new_with_settings("k", "s", &cb, settings);
    otc_session_settings_delete(settings);
    ASSERT_EQ(otc_session_connect(session, "a token"), OTC_SUCCESS);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline &&
           (counts.connected.load() == 0 || counts.streams.load() < static_cast<int>(otc::SessionLink::kMaxTrackedStreams))) {
      std::this_thread::sleep_for(20ms);
    }
    std::this_thread::sleep_for(500ms);  // the rest of the flood
    std::printf("  flood of %d: %d connections and %d streams reported\n", kFlood, counts.connections.load(), counts.streams.load());
    EXPECT_EQ(counts.connections.load(), static_cast<int>(otc::SessionLink::kMaxTrackedConnections));
    EXPECT_EQ(counts.streams.load(), static_cast<int>(otc::SessionLink::kMaxTrackedStreams));

    const size_t fds_before = open_fds();
    std::atomic<int> refused_errors{0};
    otc_publisher_callbacks pcb{};
    pcb.user_data = &refused_errors;
    pcb.on_error = [](otc_publisher *, void *n, const char *message, otc_publisher_error_code code) {
      if (code == OTC_PUBLISHER_WEBRTC_ERROR && std::string(message).rfind("refused a subscriber: ", 0) == 0) {
        ++*static_cast<std::atomic<int> *>(n);
      }
    };
    otc_publisher *publisher = otc_publisher_new("flooded", nullptr, &pcb);
    ASSERT_EQ(otc_session_publish(session, publisher), OTC_SUCCESS);
    const auto until = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < until && server.offers() < OTC_PUBLISHER_DEFAULT_MAX_SUBSCRIBERS) {
      std::this_thread::sleep_for(50ms);
    }
    std::this_thread::sleep_for(1s);  // any offer beyond the cap would come now
    otc_publisher_stats stats{};
    otc_publisher_get_stats(publisher, &stats);
    const size_t fds_after = open_fds();
    std::printf("  %d subscriberJoined: %zu offers, %u peers, %llu refused; fds %zu -> %zu\n", kSubscribers,
                server.offers(), stats.subscribers, (unsigned long long)stats.subscribers_refused, fds_before, fds_after);
    EXPECT_EQ(server.offers(), static_cast<size_t>(OTC_PUBLISHER_DEFAULT_MAX_SUBSCRIBERS));
    EXPECT_EQ(stats.subscribers, static_cast<uint32_t>(OTC_PUBLISHER_DEFAULT_MAX_SUBSCRIBERS));
    EXPECT_EQ(stats.subscribers_refused, static_cast<uint64_t>(kSubscribers - OTC_PUBLISHER_DEFAULT_MAX_SUBSCRIBERS));
    EXPECT_EQ(refused_errors.load(), kSubscribers - OTC_PUBLISHER_DEFAULT_MAX_SUBSCRIBERS);
    EXPECT_LT(fds_after, fds_before + 64u * 8u);
    otc_publisher_delete(publisher);
    otc_session_delete(session);
  }
  otc_destroy();
}

struct SubscriberSide {
  std::atomic<int> connected{0}, disconnected{0}, timed_out{0};
  std::mutex mutex;
  otc_stream *stream = nullptr;
  std::string message;
};

TEST(HostileServer, ASubscriptionWhoseOfferNeverComesEndsWithinTheBound) {
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  {
    HostileServer server;
    SubscriberSide side;
    otc_session_callbacks cb{};
    cb.user_data = &side;
    cb.on_connected = [](otc_session *, void *c) { static_cast<SubscriberSide *>(c)->connected++; };
    cb.on_stream_received = [](otc_session *, void *c, const otc_stream *stream) {
      auto *side = static_cast<SubscriberSide *>(c);
      std::lock_guard<std::mutex> lock(side->mutex);
      if (!side->stream) side->stream = otc_stream_copy(stream);
    };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, server.url().c_str());
    otc_session_settings_set_ice_connect_timeout(settings, 2000);
    otc_session *session = otc_session_new_with_settings("k", "s", &cb, settings);
    otc_session_settings_delete(settings);
    ASSERT_EQ(otc_session_connect(session, "a token"), OTC_SUCCESS);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard<std::mutex> lock(side.mutex);
        if (side.stream) break;
      }
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_NE(side.stream, nullptr);
    otc_subscriber_callbacks scb{};
    scb.user_data = &side;
    scb.on_error = [](otc_subscriber *, void *c, const char *message, enum otc_subscriber_error_code code) {
      auto *side = static_cast<SubscriberSide *>(c);
      {
        std::lock_guard<std::mutex> lock(side->mutex);
        side->message = message;
      }
      if (code == OTC_SUBSCRIBER_TIMED_OUT) side->timed_out++;
    };
    scb.on_disconnected = [](otc_subscriber *, void *c) { static_cast<SubscriberSide *>(c)->disconnected++; };
    otc_subscriber *subscriber = otc_subscriber_new(side.stream, &scb);
    const auto begun = std::chrono::steady_clock::now();
    ASSERT_EQ(otc_session_subscribe(session, subscriber), OTC_SUCCESS);
    while (std::chrono::steady_clock::now() < begun + 15s && side.disconnected.load() == 0) std::this_thread::sleep_for(20ms);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count();
    std::printf("  no offer: ended after %.1f s: %s\n", seconds, side.message.c_str());
    EXPECT_EQ(side.timed_out.load(), 1);
    EXPECT_EQ(side.disconnected.load(), 1);
    EXPECT_LT(seconds, 8.0);
    EXPECT_NE(side.message.find("no offer from the publisher within 2 s"), std::string::npos) << side.message;
    otc_subscriber_delete(subscriber);
    otc_stream_delete(side.stream);
    otc_session_delete(session);
  }
  otc_destroy();
}

TEST(HostileServer, MaxSubscribersIsASetting) {
  otc_publisher_settings *settings = otc_publisher_settings_new();
  EXPECT_EQ(otc_publisher_settings_set_max_subscribers(settings, 0), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_publisher_settings_set_max_subscribers(settings, OTC_PUBLISHER_MAX_SUBSCRIBERS_LIMIT + 1), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_publisher_settings_set_max_subscribers(nullptr, 4), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_publisher_settings_set_max_subscribers(settings, 4), OTC_SUCCESS);
  otc_publisher_settings_delete(settings);
}

}  // namespace
