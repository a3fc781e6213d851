// Calls through the C API end to end: the session server as a child process, two sessions of
// one process connected to it, a publisher (test pattern + tone) and a subscriber, media on
// libwebrtc over 127.0.0.1, every frame sealed and opened with the session's secret.
#include <gtest/gtest.h>
#include <otc/otc.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "session_server.h"

using namespace std::chrono_literals;
using otc_test::kApiKey;
using otc_test::Server;

namespace {

constexpr const char *kSecret = "the secret of the call test";
constexpr const char *kOtherSecret = "not the secret of the call test";

Server *server = nullptr;

// Events of one object's callbacks, as strings: "connected", "error:6003", "stream:<id>", ...
class Events {
 public:
  void add(std::string event) {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(std::move(event));
    cv_.notify_all();
  }
  bool wait(const std::string &event, std::chrono::milliseconds timeout = 15s) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return std::count(events_.begin(), events_.end(), event) > 0; });
  }
  size_t count(const std::string &event) {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::count(events_.begin(), events_.end(), event);
  }
  std::string all() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    for (const auto &e : events_) out += e + " ";
    return out;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

struct StreamDeleter {
  void operator()(otc_stream *s) const { otc_stream_delete(s); }
};

// One client: a session, its events and the streams it was told about.
struct Client {
  Events events;
  otc_session *session = nullptr;
  std::mutex mutex;
  std::vector<std::unique_ptr<otc_stream, StreamDeleter>> streams;

  Client(const std::string &session_id, const char *secret) {
    otc_session_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_session *, void *self) { static_cast<Client *>(self)->events.add("connected"); };
    cb.on_disconnected = [](otc_session *, void *self) { static_cast<Client *>(self)->events.add("disconnected"); };
    cb.on_error = [](otc_session *, void *self, const char *, otc_status code) {
      static_cast<Client *>(self)->events.add("error:" + std::to_string(code));
    };
    cb.on_encryption_key_ready = [](otc_session *, void *self, uint32_t) {
      static_cast<Client *>(self)->events.add("key");
    };
    cb.on_stream_received = [](otc_session *, void *self, const otc_stream *stream) {
      auto *client = static_cast<Client *>(self);
      {
        std::lock_guard<std::mutex> lock(client->mutex);
        client->streams.emplace_back(otc_stream_copy(stream));
      }
      client->events.add("stream");
    };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, server->signaling().c_str());
    session = otc_session_new_with_settings(kApiKey, session_id.c_str(), &cb, settings);
    otc_session_settings_delete(settings);
    if (secret) {
      EXPECT_EQ(otc_session_set_encryption_secret(session, secret), OTC_SUCCESS);
      EXPECT_TRUE(events.wait("key"));
    }
  }
  ~Client() { otc_session_delete(session); }
  bool connect(const std::string &token) {
    return otc_session_connect(session, token.c_str()) == OTC_SUCCESS && events.wait("connected");
  }
  otc_stream *first_stream() {
    std::lock_guard<std::mutex> lock(mutex);
    return streams.empty() ? nullptr : streams.front().get();
  }
};

struct PublisherEvents {
  Events events;
  otc_publisher_callbacks callbacks() {
    otc_publisher_callbacks cb{};
    cb.user_data = this;
    cb.on_stream_created = [](otc_publisher *, void *self, const otc_stream *) {
      static_cast<PublisherEvents *>(self)->events.add("created");
    };
    cb.on_stream_destroyed = [](otc_publisher *, void *self, const otc_stream *) {
      static_cast<PublisherEvents *>(self)->events.add("destroyed");
    };
    cb.on_error = [](otc_publisher *, void *self, const char *, otc_status code) {
      static_cast<PublisherEvents *>(self)->events.add("error:" + std::to_string(code));
    };
    return cb;
  }
};

struct SubscriberEvents {
  Events events;
  std::atomic<int> frames{0};
  std::atomic<int> audio{0};
  otc_subscriber_callbacks callbacks() {
    otc_subscriber_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_subscriber *, void *self) { static_cast<SubscriberEvents *>(self)->events.add("connected"); };
    cb.on_disconnected = [](otc_subscriber *, void *self) {
      static_cast<SubscriberEvents *>(self)->events.add("disconnected");
    };
    cb.on_error = [](otc_subscriber *, void *self, const char *, otc_status code) {
      static_cast<SubscriberEvents *>(self)->events.add("error:" + std::to_string(code));
    };
    cb.on_encryption_secret_match = [](otc_subscriber *, void *self) {
      static_cast<SubscriberEvents *>(self)->events.add("match");
    };
    cb.on_render_frame = [](otc_subscriber *, void *self, const otc_video_frame *) {
      static_cast<SubscriberEvents *>(self)->frames.fetch_add(1);
    };
    cb.on_audio_data = [](otc_subscriber *, void *self, const int16_t *, size_t, int, int) {
      static_cast<SubscriberEvents *>(self)->audio.fetch_add(1);
    };
    return cb;
  }
};

void print(const char *label, const otc_media_check &c) {
  std::printf("  %s: decoded=%llu received=%llu lost=%llu repeated=%llu out_of_order=%llu freezes=%llu "
              "unreadable=%llu max_gap=%.0f ms latency mean=%.1f p50=%.1f p95=%.1f max=%.1f ms\n",
              label, (unsigned long long)c.frames_decoded, (unsigned long long)c.frames_received,
              (unsigned long long)c.frames_lost, (unsigned long long)c.frames_repeated,
              (unsigned long long)c.frames_out_of_order, (unsigned long long)c.freezes,
              (unsigned long long)c.frames_unreadable, c.max_gap_ms, c.latency_mean_ms, c.latency_p50_ms,
              c.latency_p95_ms, c.latency_max_ms);
}

class SessionCall : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server = new Server;
    server->start();
  }
  static void TearDownTestSuite() {
    server->stop();
    delete server;
    server = nullptr;
  }
  void SetUp() override {
    ASSERT_FALSE(server->signaling().empty()) << "the session server did not start (tsc -p . first?)";
    ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
    ASSERT_EQ(otc_audio_capture_tone(440, 0.5), OTC_SUCCESS);
  }
  void TearDown() override { otc_destroy(); }
};

// Publishes with codec from a to b; returns b's media check after `seconds` of media.
struct CallResult {
  otc_media_check check{};
  otc_publisher_stats pub{};
  otc_subscriber_stats sub{};
  int render_frames = 0, audio_callbacks = 0;
  bool connected = false;
};

CallResult run_call(otc_video_codec codec, const char *secret_a, const char *secret_b, bool e2ee_session,
                    std::chrono::milliseconds duration) {
  CallResult result;
  const std::string session_id = server->create_session(e2ee_session);
  Client a(session_id, secret_a), b(session_id, secret_b);
  EXPECT_TRUE(a.connect(Server::token(session_id)));
  EXPECT_TRUE(b.connect(Server::token(session_id)));
  PublisherEvents pe;
  auto pcb = pe.callbacks();
  otc_publisher_settings *settings = otc_publisher_settings_new();
  otc_publisher_settings_set_video_codec(settings, codec);
  otc_publisher_settings_set_name(settings, "call test");
  otc_publisher *publisher = otc_publisher_new_with_settings(&pcb, settings);
  otc_publisher_settings_delete(settings);
  EXPECT_EQ(otc_session_publish(a.session, publisher), OTC_SUCCESS);
  EXPECT_TRUE(pe.events.wait("created")) << pe.events.all();
  EXPECT_TRUE(b.events.wait("stream")) << b.events.all();
  SubscriberEvents se;
  auto scb = se.callbacks();
  otc_subscriber *subscriber = b.first_stream() ? otc_subscriber_new(b.first_stream(), &scb) : nullptr;
  EXPECT_NE(subscriber, nullptr);
  if (subscriber) {
    EXPECT_EQ(otc_session_subscribe(b.session, subscriber), OTC_SUCCESS);
    result.connected = se.events.wait("connected");
    std::this_thread::sleep_for(duration);
    otc_subscriber_get_media_check(subscriber, &result.check);
    otc_subscriber_get_stats(subscriber, &result.sub);
    otc_publisher_get_stats(publisher, &result.pub);
    result.render_frames = se.frames.load();
    result.audio_callbacks = se.audio.load();
    std::printf("  subscriber events: %s\n", se.events.all().c_str());
  }
  otc_subscriber_delete(subscriber);
  otc_publisher_delete(publisher);
  return result;
}

class SessionCallCodec : public SessionCall, public ::testing::WithParamInterface<otc_video_codec> {};

TEST_P(SessionCallCodec, FramesArriveDecryptedWithTheMediaCheckReportingLatency) {
  const auto r = run_call(GetParam(), kSecret, kSecret, true, 4s);
  print(otc_video_codec_name(GetParam()), r.check);
  std::printf("  publisher: sealed video=%llu audio=%llu sent=%llu %dx%d %.1f fps %.0f kbit/s rtt=%.1f ms\n",
              (unsigned long long)r.pub.video_frames_sealed, (unsigned long long)r.pub.audio_frames_sealed,
              (unsigned long long)r.pub.video_frames_sent, r.pub.video_width, r.pub.video_height, r.pub.video_fps,
              r.pub.video_bitrate_bps / 1000, r.pub.rtt_ms);
  std::printf("  subscriber: opened video=%llu audio=%llu mismatch=%llu replay=%llu decoded=%llu, render=%d audio=%d\n",
              (unsigned long long)r.sub.video_frames_opened, (unsigned long long)r.sub.audio_frames_opened,
              (unsigned long long)r.sub.frames_mismatch, (unsigned long long)r.sub.frames_replay,
              (unsigned long long)r.sub.video_frames_decoded, r.render_frames, r.audio_callbacks);
  EXPECT_TRUE(r.connected);
  EXPECT_GT(r.check.frames_received, 60u);
  const double total = static_cast<double>(r.check.frames_received + r.check.frames_lost);
  EXPECT_GE(static_cast<double>(r.check.frames_received), 0.9 * total);
  EXPECT_GT(r.check.latency_p50_ms, 0.0);
  EXPECT_LT(r.check.latency_p50_ms, 1000.0);
  EXPECT_GT(r.sub.video_frames_opened, 60u);
  EXPECT_GT(r.sub.audio_frames_opened, 50u);
  EXPECT_EQ(r.sub.frames_mismatch, 0u);
  EXPECT_EQ(r.sub.e2ee, OTC_TRUE);
  EXPECT_GT(r.pub.video_frames_sealed, 60u);
  EXPECT_GT(r.render_frames, 60);
  EXPECT_GT(r.audio_callbacks, 50);
}

INSTANTIATE_TEST_SUITE_P(Codecs, SessionCallCodec,
                         ::testing::Values(OTC_VIDEO_CODEC_VP8, OTC_VIDEO_CODEC_VP9, OTC_VIDEO_CODEC_H264),
                         [](const auto &info) { return std::string(otc_video_codec_name(info.param)); });

TEST_F(SessionCall, ADifferentSecretGivesMismatchAndNoDecodedFrame) {
  const auto r = run_call(OTC_VIDEO_CODEC_VP8, kSecret, kOtherSecret, true, 2s);
  print("mismatch", r.check);
  EXPECT_EQ(r.check.frames_decoded, 0u);
  EXPECT_EQ(r.sub.video_frames_opened, 0u);
  EXPECT_GT(r.sub.frames_mismatch, 10u);
  EXPECT_EQ(r.render_frames, 0);
}

}  // namespace
