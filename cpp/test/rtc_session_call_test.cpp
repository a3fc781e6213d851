// Calls through the C API end to end: the session server as a child process, two sessions of
// one process connected to it, a publisher (test pattern + tone) and a subscriber, media on
// libwebrtc over 127.0.0.1, every frame sealed and opened with the session's secret.
#include <gtest/gtest.h>
#include <otc/otc.h>

#include <dirent.h>
#include <execinfo.h>
#include <csignal>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events.h"
#include "otc/engine_access.h"
#include "rtc/e2ee_frame_transformer.h"
#include "rtc/media_engine.h"
#include "rtc/peer_link.h"
#include "rtc/verify_aware_decoder_factory.h"
#include "rtc/video_sources.h"
#include "session_server.h"
#include "signaling/messages.h"
#include "signaling/signaling_client.h"

using namespace std::chrono_literals;
using otc_test::kApiKey;
using otc_test::Server;
using otc_test::ServerSuite;

namespace {

constexpr const char *kSecret = "the secret of the call test";
constexpr const char *kOtherSecret = "not the secret of the call test";


// Events of one object's callbacks, as strings: "connected", "error:6003", "stream:<id>", ...
using Events = otc_test::BasicEvents<15>;

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
    cb.on_error = [](otc_session *, void *self, const char *, otc_session_error_code code) {
      static_cast<Client *>(self)->events.add("error:" + std::to_string(code));
    };
    const otc_session_encryption_key_ready_cb key_ready_cb = [](otc_session *, void *self, uint32_t) {
      static_cast<Client *>(self)->events.add("key");
    };
    cb.on_connection_dropped = [](otc_session *, void *self, const otc_connection *connection) {
      const char *reason = otc_connection_get_destroyed_reason(connection);
      static_cast<Client *>(self)->events.add(std::string("connection-dropped:") + (reason ? reason : "null") + ":" +
                                              std::to_string(otc_connection_get_destroyed_code(connection)));
    };
    cb.on_stream_dropped = [](otc_session *, void *self, const otc_stream *stream) {
      const char *reason = otc_stream_get_destroyed_reason(stream);
      static_cast<Client *>(self)->events.add(std::string("stream-dropped:") + (reason ? reason : "null") + ":" +
                                              std::to_string(otc_stream_get_destroyed_code(stream)));
    };
    cb.on_stream_received = [](otc_session *, void *self, const otc_stream *stream) {
      auto *client = static_cast<Client *>(self);
      {
        std::lock_guard<std::mutex> lock(client->mutex);
        client->streams.emplace_back(otc_stream_copy(stream));
      }
      client->events.add("stream");
    };
    // Stream properties: the value the callback got and what the stream's accessor says then.
    cb.on_stream_has_audio_changed = [](otc_session *, void *self, const otc_stream *stream, otc_bool on) {
      static_cast<Client *>(self)->events.add("has_audio:" + std::to_string(on) + ":" +
                                              std::to_string(otc_stream_has_audio(stream)));
    };
    cb.on_stream_has_video_changed = [](otc_session *, void *self, const otc_stream *stream, otc_bool on) {
      static_cast<Client *>(self)->events.add("has_video:" + std::to_string(on) + ":" +
                                              std::to_string(otc_stream_has_video(stream)));
    };
    cb.on_stream_video_dimensions_changed = [](otc_session *, void *self, const otc_stream *stream, int w, int h) {
      static_cast<Client *>(self)->events.add("dimensions:" + std::to_string(w) + "x" + std::to_string(h) + ":" +
                                              std::to_string(otc_stream_get_video_width(stream)) + "x" +
                                              std::to_string(otc_stream_get_video_height(stream)));
    };
    cb.on_signal_received = [](otc_session *, void *self, const char *type, const char *, const otc_connection *) {
      static_cast<Client *>(self)->events.add(std::string("signal:") + (type ? type : ""));
    };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, ServerSuite::server->signaling().c_str());
    session = otc_session_new_with_settings(kApiKey, session_id.c_str(), &cb, settings);
    otc_session_set_encryption_key_ready_callback(session, key_ready_cb);
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
    cb.on_error = [](otc_publisher *, void *self, const char *, otc_publisher_error_code code) {
      static_cast<PublisherEvents *>(self)->events.add("error:" + std::to_string(code));
    };
    return cb;
  }
};

struct SubscriberEvents {
  Events events;
  std::atomic<int> frames{0};
  std::atomic<int> audio{0};
  std::atomic<int> audio_peak{0};  // the loudest on_audio_data sample since reset (audio thread writes)
  std::atomic<int> audio_stats{0}, video_stats{0}, audio_levels{0};
  std::atomic<const otc_stream *> connected_stream{nullptr};
  std::mutex stats_mutex;
  otc_subscriber_audio_stats last_audio{};
  otc_subscriber_video_stats last_video{};
  otc_subscriber_callbacks callbacks() {
    otc_subscriber_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_subscriber *, void *self, const otc_stream *stream) {
      static_cast<SubscriberEvents *>(self)->connected_stream.store(stream);
      static_cast<SubscriberEvents *>(self)->events.add("connected");
    };
    cb.on_reconnected = [](otc_subscriber *, void *self) { static_cast<SubscriberEvents *>(self)->events.add("reconnected"); };
    cb.on_video_disabled = [](otc_subscriber *, void *self, enum otc_video_reason reason) {
      static_cast<SubscriberEvents *>(self)->events.add("video_disabled:" + std::to_string(reason));
    };
    cb.on_video_enabled = [](otc_subscriber *, void *self, enum otc_video_reason reason) {
      static_cast<SubscriberEvents *>(self)->events.add("video_enabled:" + std::to_string(reason));
    };
    cb.on_audio_disabled = [](otc_subscriber *, void *self) {
      static_cast<SubscriberEvents *>(self)->events.add("audio_disabled");
    };
    cb.on_audio_enabled = [](otc_subscriber *, void *self) {
      static_cast<SubscriberEvents *>(self)->events.add("audio_enabled");
    };
    cb.on_video_data_received = [](otc_subscriber *, void *self) {
      static_cast<SubscriberEvents *>(self)->events.add("video_data");
    };
    cb.on_audio_stats = [](otc_subscriber *, void *self, struct otc_subscriber_audio_stats stats) {
      auto *me = static_cast<SubscriberEvents *>(self);
      std::lock_guard<std::mutex> lock(me->stats_mutex);
      me->last_audio = stats;
      me->audio_stats.fetch_add(1);
    };
    cb.on_video_stats = [](otc_subscriber *, void *self, struct otc_subscriber_video_stats stats) {
      auto *me = static_cast<SubscriberEvents *>(self);
      std::lock_guard<std::mutex> lock(me->stats_mutex);
      me->last_video = stats;
      me->video_stats.fetch_add(1);
    };
    cb.on_audio_level_updated = [](otc_subscriber *, void *self, float level) {
      if (level >= 0.0f && level <= 1.0f) static_cast<SubscriberEvents *>(self)->audio_levels.fetch_add(1);
    };
    cb.on_disconnected = [](otc_subscriber *, void *self) {
      static_cast<SubscriberEvents *>(self)->events.add("disconnected");
    };
    cb.on_error = [](otc_subscriber *, void *self, const char *, enum otc_subscriber_error_code code) {
      static_cast<SubscriberEvents *>(self)->events.add("error:" + std::to_string(code));
    };
    cb.on_render_frame = [](otc_subscriber *, void *self, const otc_video_frame *) {
      static_cast<SubscriberEvents *>(self)->frames.fetch_add(1);
    };
    return cb;
  }
  static otc_subscriber_extension_callbacks extension() {
    otc_subscriber_extension_callbacks ext{};
    ext.on_encryption_secret_match = [](otc_subscriber *, void *self) {
      static_cast<SubscriberEvents *>(self)->events.add("match");
    };
    ext.on_audio_data = [](otc_subscriber *, void *self, const otc_audio_data *data) {
      auto *me = static_cast<SubscriberEvents *>(self);
      EXPECT_EQ(data->bits_per_sample, 16);
      EXPECT_EQ(data->number_of_samples, static_cast<size_t>(data->sample_rate / 100));
      const auto *samples = static_cast<const int16_t *>(data->sample_buffer);
      int loudest = 0;
      for (size_t i = 0; i < data->number_of_samples * data->number_of_channels; ++i) loudest = std::max(loudest, std::abs(samples[i]));
      if (loudest > me->audio_peak.load()) me->audio_peak.store(loudest);
      me->audio.fetch_add(1);
    };
    return ext;
  }
  // A subscriber with these callbacks and the extension ones.
  otc_subscriber *make(const otc_stream *stream) {
    const otc_subscriber_callbacks cb = callbacks();
    otc_subscriber *subscriber = otc_subscriber_new(stream, &cb);
    const otc_subscriber_extension_callbacks ext = extension();
    if (subscriber) EXPECT_EQ(otc_subscriber_set_extension_callbacks(subscriber, &ext), OTC_SUCCESS);
    return subscriber;
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

class SessionCall : public otc_test::ServerSuite {
 protected:
  void SetUp() override {
    ServerSuite::SetUp();
    if (HasFatalFailure()) return;
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

CallResult run_call(otc_video_codec_type codec, const char *secret_a, const char *secret_b, bool e2ee_session,
                    std::chrono::milliseconds duration) {
  CallResult result;
  const std::string session_id = ServerSuite::server->create_session(e2ee_session);
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
  otc_subscriber *subscriber = b.first_stream() ? se.make(b.first_stream()) : nullptr;
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

// A call that stays up while a test acts on it.
struct LiveCall {
  std::string session_id;
  std::unique_ptr<Client> a, b;
  PublisherEvents pe;
  SubscriberEvents se;
  otc_publisher *publisher = nullptr;
  otc_subscriber *subscriber = nullptr;

  // raw_audio: the publisher's audio processing off (echo cancellation, gain control, noise
  // suppression), so that the level sent does not follow what this process plays out.
  // verify_only: the subscriber is made verify-only before it subscribes.
  LiveCall(const char *secret_a, const char *secret_b, otc_video_codec_type codec = OTC_VIDEO_CODEC_VP8,
           bool raw_audio = false, bool verify_only = false) {
    session_id = ServerSuite::server->create_session(true);
    a = std::make_unique<Client>(session_id, secret_a);
    b = std::make_unique<Client>(session_id, secret_b);
    EXPECT_TRUE(a->connect(Server::token(session_id)));
    EXPECT_TRUE(b->connect(Server::token(session_id)));
    auto pcb = pe.callbacks();
    otc_publisher_settings *settings = otc_publisher_settings_new();
    otc_publisher_settings_set_video_codec(settings, codec);
    if (raw_audio) {
      otc_publisher_settings_set_echo_cancellation(settings, OTC_FALSE);
      otc_publisher_settings_set_auto_gain_control(settings, OTC_FALSE);
      otc_publisher_settings_set_noise_suppression(settings, OTC_FALSE);
    }
    publisher = otc_publisher_new_with_settings(&pcb, settings);
    otc_publisher_settings_delete(settings);
    EXPECT_EQ(otc_session_publish(a->session, publisher), OTC_SUCCESS);
    EXPECT_TRUE(pe.events.wait("created"));
    EXPECT_TRUE(b->events.wait("stream"));
    subscriber = b->first_stream() ? se.make(b->first_stream()) : nullptr;
    EXPECT_NE(subscriber, nullptr);
    if (subscriber && verify_only) EXPECT_EQ(otc_subscriber_set_verify_only(subscriber, OTC_TRUE), OTC_SUCCESS);
    if (subscriber) EXPECT_EQ(otc_session_subscribe(b->session, subscriber), OTC_SUCCESS);
    EXPECT_TRUE(se.events.wait("connected"));
  }
  ~LiveCall() {
    otc_subscriber_delete(subscriber);
    otc_publisher_delete(publisher);
  }
  otc_media_check check() {
    otc_media_check c{};
    otc_subscriber_get_media_check(subscriber, &c);
    return c;
  }
  otc_subscriber_verify_stats verify() {
    otc_subscriber_verify_stats v{};
    otc_subscriber_get_verify_stats(subscriber, &v);
    return v;
  }
  // Waits until the frame cryptor has opened `more` video frames (false after timeout).
  bool opened_flow(uint64_t more, std::chrono::milliseconds timeout = 10s) {
    const uint64_t start = verify().video.frames_opened;
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (verify().video.frames_opened >= start + more) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  otc_subscriber_stats sub_stats() {
    otc_subscriber_stats s{};
    otc_subscriber_get_stats(subscriber, &s);
    return s;
  }
  // Waits until the media check has seen `more` new frames (false after timeout).
  bool frames_flow(uint64_t more, std::chrono::milliseconds timeout = 10s) {
    const uint64_t start = check().frames_received;
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (check().frames_received >= start + more) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
};

// The longest a re-key or ratchet may interrupt the picture: the receiver asks for a key frame
// after about 200 ms without a decodable frame, so one key-frame round trip plus a frame.
constexpr double kMaxRekeyGapMs = 400;

TEST_F(SessionCall, TheRightSecretAfterAMismatchGivesMatchAndFrames) {
  LiveCall call(kSecret, kOtherSecret);
  const auto begun = std::chrono::steady_clock::now();
  ASSERT_TRUE(call.se.events.wait("error:6003", 1500ms)) << call.se.events.all();
  const double ms_to_mismatch = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begun).count();
  std::printf("  6003 %.0f ms after the subscriber connected\n", ms_to_mismatch);
  EXPECT_LT(ms_to_mismatch, 1000.0);
  EXPECT_EQ(call.check().frames_decoded, 0u);
  EXPECT_EQ(call.se.frames.load(), 0);
  ASSERT_EQ(otc_session_set_encryption_secret(call.b->session, kSecret), OTC_SUCCESS);
  EXPECT_TRUE(call.se.events.wait("match", 5s)) << call.se.events.all();
  EXPECT_TRUE(call.frames_flow(30));
  print("after match", call.check());
  EXPECT_EQ(call.se.events.count("error:6003"), 1u);
}

TEST_F(SessionCall, AfterAMismatchMidCallTheFirstFramesThatOpenAreDecodedAtOnce) {
  LiveCall call(kSecret, kSecret);
  ASSERT_TRUE(call.frames_flow(30));
  // The sender moves to a secret the receiver does not hold, then back: the frames dropped in
  // between were the references of those that open again, so the decoder needs a key frame. The
  // subscriber asks for one on "match"; without that, libwebrtc asks only after 3 s of nothing
  // decodable.
  ASSERT_EQ(otc_session_set_encryption_secret(call.a->session, kOtherSecret), OTC_SUCCESS);
  ASSERT_TRUE(call.se.events.wait("error:6003", 5s)) << call.se.events.all();
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(otc_session_set_encryption_secret(call.a->session, kSecret), OTC_SUCCESS);
  ASSERT_TRUE(call.se.events.wait("match", 5s)) << call.se.events.all();
  const auto matched = std::chrono::steady_clock::now();
  const uint64_t decoded = call.check().frames_decoded;
  while (call.check().frames_decoded == decoded && std::chrono::steady_clock::now() - matched < 5s) {
    std::this_thread::sleep_for(10ms);
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - matched).count();
  std::printf("  first decoded frame %.0f ms after frames opened again\n", ms);
  EXPECT_GT(call.check().frames_decoded, decoded);
  EXPECT_LT(ms, 1500.0);  // generous on a loaded machine; libwebrtc's own request comes at 3 s
  EXPECT_TRUE(call.frames_flow(30));
}

TEST_F(SessionCall, ReKeyingMidCallKeepsFramesFlowing) {
  LiveCall call(kSecret, kSecret);
  ASSERT_TRUE(call.frames_flow(30));
  const auto before = call.check();
  uint32_t old_epoch = 0;
  ASSERT_EQ(otc_session_get_encryption_epoch(call.a->session, &old_epoch), OTC_SUCCESS);
  // The epoch a session moved to from old_epoch (old_epoch if it has not within 5 s).
  const auto moved_epoch = [old_epoch](otc_session *session) {
    uint32_t epoch = old_epoch;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline &&
           (otc_session_get_encryption_epoch(session, &epoch) != OTC_SUCCESS || epoch == old_epoch)) {
      std::this_thread::sleep_for(10ms);
    }
    return epoch;
  };
  // Receivers first, then the sender: receivers hold the old key through the grace period. The
  // receiver's new key must be in place before the sender's: waiting for a "key" event here
  // matched the one of the call's start, and when the sender's derivation won the race, its
  // first frames met a receiver without the key (6003, a 3 s freeze; 1 run in 15 under load).
  ASSERT_EQ(otc_session_set_encryption_secret(call.b->session, kOtherSecret), OTC_SUCCESS);
  const uint32_t receiver_epoch = moved_epoch(call.b->session);
  ASSERT_NE(receiver_epoch, old_epoch);
  ASSERT_EQ(otc_session_set_encryption_secret(call.a->session, kOtherSecret), OTC_SUCCESS);
  const uint32_t new_epoch = moved_epoch(call.a->session);
  ASSERT_NE(new_epoch, old_epoch);
  ASSERT_EQ(new_epoch, receiver_epoch);
  ASSERT_TRUE(call.frames_flow(60));
  const auto after = call.check();
  print("re-key", after);
  EXPECT_EQ(call.sub_stats().encryption_epoch, new_epoch);
  EXPECT_LT(after.max_gap_ms, kMaxRekeyGapMs);
  EXPECT_EQ(after.freezes, before.freezes);
  EXPECT_EQ(call.se.events.count("error:6003"), 0u) << call.se.events.all();
}

TEST_F(SessionCall, RatchetingMidCallKeepsFramesFlowing) {
  LiveCall call(kSecret, kSecret);
  ASSERT_TRUE(call.frames_flow(30));
  uint32_t old_epoch = 0, new_epoch = 0;
  ASSERT_EQ(otc_session_get_encryption_epoch(call.a->session, &old_epoch), OTC_SUCCESS);
  ASSERT_EQ(otc_session_ratchet_encryption_key(call.a->session), OTC_SUCCESS);
  ASSERT_EQ(otc_session_get_encryption_epoch(call.a->session, &new_epoch), OTC_SUCCESS);
  ASSERT_NE(new_epoch, old_epoch);
  ASSERT_TRUE(call.frames_flow(60));
  const auto after = call.check();
  print("ratchet", after);
  // The receiver followed the ratchet on its own: it now holds and uses the new epoch.
  EXPECT_EQ(call.sub_stats().encryption_epoch, new_epoch);
  uint32_t b_epoch = 0;
  EXPECT_EQ(otc_session_get_encryption_epoch(call.b->session, &b_epoch), OTC_SUCCESS);
  EXPECT_EQ(b_epoch, new_epoch);
  EXPECT_LT(after.max_gap_ms, kMaxRekeyGapMs);
  EXPECT_EQ(call.sub_stats().frames_mismatch, 0u);
  EXPECT_EQ(call.se.events.count("error:6003"), 0u) << call.se.events.all();
}

// A client that speaks the protocol but does not seal: it claims an encrypted stream and sends
// plain VP8. Built from the core's parts (signaling client, peer link, pattern source) without
// a frame transformer.
class PlainPublisher : public otc::signaling::SignalingListener {
 public:
  PlainPublisher() : client_(*this) {}
  ~PlainPublisher() override {
    if (peer_) peer_->Close();
    peer_.reset();
    if (source_) source_->Stop();
    track_ = nullptr;
    source_ = nullptr;
  }
  bool start(const std::string &url_text, const std::string &session_id, const std::string &token) {
    engine_ = otc::acquire_media_engine();
    if (!engine_) return false;
    otc::signaling::WsUrl url;
    std::string error;
    if (!otc::signaling::parse_ws_url(url_text, url, error)) return false;
    std::promise<bool> opened;
    socket_ = client_.open(url, {}, 5s, [&](otc_status status, const std::string &) { opened.set_value(status == OTC_SUCCESS); });
    if (!opened.get_future().get()) return false;
    std::promise<bool> connected, published;
    client_.request(socket_, otc::signaling::make_connect(token, session_id, true), 5s,
                    [&](const otc::signaling::Reply &r) { connected.set_value(r.status == OTC_SUCCESS); });
    if (!connected.get_future().get()) return false;
    source_ = rtc::make_ref_counted<otc::rtc::PatternVideoSource>(640, 360, 30);
    source_->Start();
    track_ = engine_->factory()->CreateVideoTrack("video", source_.get());
    client_.request(socket_,
                    nlohmann::json{{"type", "publish"}, {"name", "plain"}, {"hasAudio", false}, {"hasVideo", true},
                                   {"videoType", "custom"}, {"e2ee", true}, {"videoCodec", "VP8"}},
                    5s, [&](const otc::signaling::Reply &r) { published.set_value(r.status == OTC_SUCCESS); });
    return published.get_future().get();
  }
  void on_event(uint64_t, const nlohmann::json &event) override {
    const std::string type = otc::signaling::get_string(event, "type");
    const std::string peer_id = otc::signaling::get_string(event, "peerId");
    if (type == "subscriberJoined") {
      otc::rtc::PeerLink::Listener listener;
      listener.on_candidate = [this, peer_id](const std::string &mid, int index, const std::string &c) {
        client_.request(socket_, otc::signaling::make_candidate(peer_id, mid, index, c), 5s, [](const otc::signaling::Reply &) {});
      };
      peer_ = otc::rtc::PeerLink::Create(*engine_, "plain publisher", std::move(listener));
      webrtc::RtpTransceiverInit init;
      init.direction = webrtc::RtpTransceiverDirection::kSendOnly;
      init.stream_ids = {"plain"};
      peer_->connection()->AddTransceiver(track_, init);
      peer_->MakeOffer([this, peer_id](const std::string &sdp) {
        client_.request(socket_, nlohmann::json{{"type", "offer"}, {"peerId", peer_id}, {"sdp", sdp}, {"e2ee", true}},
                        5s, [](const otc::signaling::Reply &) {});
      });
    } else if (type == "answer" && peer_) {
      peer_->AcceptAnswer(otc::signaling::get_string(event, "sdp"));
    } else if (type == "candidate" && peer_) {
      const auto candidate = otc::signaling::parse_candidate(event);
      peer_->AddRemoteCandidate(candidate.mid, candidate.mline_index, candidate.sdp);
    }
  }
  void on_closed(uint64_t, int, const std::string &) override {}

 private:
  std::shared_ptr<otc::rtc::MediaEngine> engine_;
  otc::signaling::SignalingClient client_;
  uint64_t socket_ = 0;
  rtc::scoped_refptr<otc::rtc::PatternVideoSource> source_;
  rtc::scoped_refptr<webrtc::VideoTrackInterface> track_;
  std::shared_ptr<otc::rtc::PeerLink> peer_;
};

TEST_F(SessionCall, APlainPublisherInAnEncryptedSessionIsAMismatchAndNeverDecoded) {
  const std::string session_id = server->create_session(true);
  Client b(session_id, kSecret);
  ASSERT_TRUE(b.connect(Server::token(session_id)));
  {
    PlainPublisher plain;
    ASSERT_TRUE(plain.start(server->signaling(), session_id, Server::token(session_id)));
    ASSERT_TRUE(b.events.wait("stream"));
    SubscriberEvents se;
    otc_subscriber *subscriber = se.make(b.first_stream());
    ASSERT_EQ(otc_session_subscribe(b.session, subscriber), OTC_SUCCESS);
    EXPECT_TRUE(se.events.wait("connected"));
    EXPECT_TRUE(se.events.wait("error:6003", 3s)) << se.events.all();
    std::this_thread::sleep_for(1s);
    otc_media_check check{};
    otc_subscriber_get_media_check(subscriber, &check);
    otc_subscriber_stats stats{};
    otc_subscriber_get_stats(subscriber, &stats);
    std::printf("  plain frames: mismatch=%llu opened=%llu decoded=%llu\n", (unsigned long long)stats.frames_mismatch,
                (unsigned long long)stats.video_frames_opened, (unsigned long long)check.frames_decoded);
    EXPECT_GT(stats.frames_mismatch, 10u);
    EXPECT_EQ(stats.video_frames_opened, 0u);
    EXPECT_EQ(check.frames_decoded, 0u);
    EXPECT_EQ(se.frames.load(), 0);
    otc_subscriber_delete(subscriber);
  }
}

TEST_F(SessionCall, AnEncryptedStreamCannotBeSubscribedWithoutASecret) {
  const std::string session_id = server->create_session(false);  // a plain session
  Client a(session_id, kSecret), b(session_id, nullptr);
  ASSERT_TRUE(a.connect(Server::token(session_id)));
  ASSERT_TRUE(b.connect(Server::token(session_id)));
  PublisherEvents pe;
  auto pcb = pe.callbacks();
  otc_publisher *publisher = otc_publisher_new("sealed", nullptr, &pcb);
  ASSERT_EQ(otc_session_publish(a.session, publisher), OTC_SUCCESS);
  ASSERT_TRUE(b.events.wait("stream"));
  EXPECT_EQ(otc_stream_is_e2ee(b.first_stream()), OTC_TRUE);
  // The SDK's stream accessors on a received stream.
  const otc_stream *stream = b.first_stream();
  EXPECT_EQ(otc_stream_get_video_type(stream), OTC_STREAM_VIDEO_TYPE_CUSTOM);  // the test pattern
  EXPECT_EQ(otc_stream_has_video_track(stream), OTC_TRUE);
  EXPECT_EQ(otc_stream_has_audio_track(stream), OTC_TRUE);
  EXPECT_STREQ(otc_connection_get_session_id(otc_stream_get_connection(stream)), session_id.c_str());
  otc_stream *copy = otc_stream_copy(stream);
  EXPECT_STREQ(otc_stream_get_id(copy), otc_stream_get_id(stream));
  EXPECT_EQ(otc_stream_delete(copy), OTC_SUCCESS);
  EXPECT_EQ(otc_stream_delete(nullptr), OTC_INVALID_PARAM);
  otc_subscriber *subscriber = otc_subscriber_new(b.first_stream(), nullptr);
  EXPECT_EQ(otc_session_subscribe(b.session, subscriber), OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISSING);
  otc_subscriber_delete(subscriber);
  otc_publisher_delete(publisher);
}

TEST_F(SessionCall, ASubscriberTokenCannotPublish) {
  const std::string session_id = server->create_session(true);
  Client a(session_id, kSecret);
  ASSERT_TRUE(a.connect(Server::token(session_id, "subscriber")));
  PublisherEvents pe;
  auto pcb = pe.callbacks();
  otc_publisher *publisher = otc_publisher_new("not allowed", nullptr, &pcb);
  ASSERT_EQ(otc_session_publish(a.session, publisher), OTC_SUCCESS);
  EXPECT_TRUE(pe.events.wait("error:1500")) << pe.events.all();
  EXPECT_EQ(otc_publisher_get_stream_id(publisher), nullptr);
  otc_publisher_delete(publisher);
}

TEST_F(SessionCall, PublishingNeedsAConnectedSession) {
  const std::string session_id = server->create_session(true);
  Client a(session_id, kSecret);
  otc_publisher *publisher = otc_publisher_new("early", nullptr, nullptr);
  EXPECT_EQ(otc_session_publish(a.session, publisher), OTC_SESSION_NOT_CONNECTED);
  EXPECT_EQ(otc_session_unpublish(a.session, publisher), OTC_SESSION_PUBLISHER_NOT_FOUND);
  otc_publisher_delete(publisher);
}

size_t thread_count() {
  size_t n = 0;
  if (DIR *dir = opendir("/proc/self/task")) {
    while (dirent *entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++n;
    }
    closedir(dir);
  }
  return n;
}

// Open descriptors, less opendir's own.
size_t fd_count() {
  size_t n = 0;
  if (DIR *dir = opendir("/proc/self/fd")) {
    while (dirent *entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++n;
    }
    closedir(dir);
  }
  return n > 0 ? n - 1 : 0;
}

// Resident memory after handing freed heap back to the system, so that what remains is memory
// in use (or fragmentation), not glibc's cached free lists.
size_t rss_kib() {
  malloc_trim(0);
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

TEST_F(SessionCall, TwentyJoinPublishSubscribeLeaveCyclesLeaveNoThreadsOrDescriptorsBehind) {
  const std::string session_id = server->create_session(true);
  size_t threads_after_first = 0, fds_after_first = 0, rss_after_first = 0;
  for (int cycle = 0; cycle < 20; ++cycle) {
    {
      Client a(session_id, kSecret), b(session_id, kSecret);
      ASSERT_TRUE(a.connect(Server::token(session_id)));
      ASSERT_TRUE(b.connect(Server::token(session_id)));
      PublisherEvents pe;
      auto pcb = pe.callbacks();
      otc_publisher *publisher = otc_publisher_new("cycle", nullptr, &pcb);
      ASSERT_EQ(otc_session_publish(a.session, publisher), OTC_SUCCESS);
      ASSERT_TRUE(b.events.wait("stream"));
      SubscriberEvents se;
      otc_subscriber *subscriber = se.make(b.first_stream());
      ASSERT_EQ(otc_session_subscribe(b.session, subscriber), OTC_SUCCESS);
      EXPECT_TRUE(se.events.wait("connected"));
      const auto end = std::chrono::steady_clock::now() + 3s;
      otc_media_check check{};
      while (std::chrono::steady_clock::now() < end && check.frames_received < 5) {
        otc_subscriber_get_media_check(subscriber, &check);
        std::this_thread::sleep_for(20ms);
      }
      EXPECT_GE(check.frames_received, 5u) << "cycle " << cycle;
      // Leave in a different order each time: subscriber first, publisher first, or neither.
      if (cycle % 3 == 0) otc_subscriber_delete(subscriber);
      if (cycle % 3 == 1) otc_publisher_delete(publisher);
      otc_session_disconnect(b.session);
      otc_session_disconnect(a.session);
      EXPECT_TRUE(b.events.wait("disconnected"));
      EXPECT_TRUE(a.events.wait("disconnected"));
      if (cycle % 3 != 0) otc_subscriber_delete(subscriber);
      if (cycle % 3 != 1) otc_publisher_delete(publisher);
    }
    if (cycle == 0) {
      threads_after_first = thread_count();
      fds_after_first = fd_count();
      rss_after_first = rss_kib();
    }
    if (cycle % 5 == 4) std::printf("  after cycle %d: RSS %zu KiB\n", cycle + 1, rss_kib());
  }
  const size_t threads = thread_count(), fds = fd_count(), rss = rss_kib();
  std::printf("  after 20 cycles: %zu threads (after the first: %zu), %zu fds (after the first: %zu), RSS %zu KiB (after the first: %zu, growth %+ld KiB)\n",
              threads, threads_after_first, fds, fds_after_first, rss, rss_after_first,
              static_cast<long>(rss) - static_cast<long>(rss_after_first));
  EXPECT_LE(threads, threads_after_first);
  EXPECT_LE(fds, fds_after_first) << "descriptors left open by sessions, peer connections or media";
}

// A C program may return from main (or call exit) mid-call without deleting anything: the exit
// handler shuts publishers and subscribers down and stops libwebrtc before OpenSSL's cleanup.
TEST_F(SessionCall, ExitingMidCallWithoutDeletingAnythingIsClean) {
  // "fast" death tests fork this process: with the engine stopped first, the child starts its
  // own from a single thread and reuses the running session server.
  otc_destroy();
  GTEST_FLAG_SET(death_test_style, "fast");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EXIT(
        {
          // A crash prints its stack into the death test's message.
          signal(SIGSEGV, +[](int) { void *f[40]; int n = backtrace(f, 40); backtrace_symbols_fd(f, n, 2); _exit(11); });
          if (otc_init(nullptr) != OTC_SUCCESS) std::exit(2);
          otc_audio_capture_tone(440, 0.5);
          auto *call = new LiveCall(kSecret, kSecret);  // deliberately never deleted
          if (!call->frames_flow(10)) std::exit(3);
          std::exit(0);
        },
        ::testing::ExitedWithCode(0), "");
  }
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);  // for TearDown's otc_destroy
}

class SessionCallCodec : public SessionCall, public ::testing::WithParamInterface<otc_video_codec_type> {};

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

// Video off costs no decoding: frames are dropped before the frame cryptor and the decoder
// (not decoded and handed on as black frames); back on, the picture resumes at once (a key frame
// is asked for).
TEST_F(SessionCall, WithVideoOffNoVideoFrameIsDecryptedOrDecodedAndBackOnItResumes) {
  LiveCall call(kSecret, kSecret);
  ASSERT_TRUE(call.frames_flow(30));
  ASSERT_EQ(otc_subscriber_set_subscribe_to_video(call.subscriber, OTC_FALSE), OTC_SUCCESS);
  std::this_thread::sleep_for(1s);  // frames already past the gate when it closed
  const auto off0 = call.sub_stats();
  const int render0 = call.se.frames.load();
  std::this_thread::sleep_for(3s);
  const auto off1 = call.sub_stats();
  const int render1 = call.se.frames.load();
  std::printf("  video off 3 s: opened %llu -> %llu, decoded %llu -> %llu, rendered %d -> %d, audio opened +%llu\n",
              (unsigned long long)off0.video_frames_opened, (unsigned long long)off1.video_frames_opened,
              (unsigned long long)off0.video_frames_decoded, (unsigned long long)off1.video_frames_decoded, render0,
              render1, (unsigned long long)(off1.audio_frames_opened - off0.audio_frames_opened));
  EXPECT_EQ(off1.video_frames_opened, off0.video_frames_opened);
  EXPECT_EQ(off1.video_frames_decoded, off0.video_frames_decoded);
  EXPECT_EQ(render1, render0);
  EXPECT_GT(off1.audio_frames_opened, off0.audio_frames_opened + 50);  // audio is not affected

  const auto on_at = std::chrono::steady_clock::now();
  ASSERT_EQ(otc_subscriber_set_subscribe_to_video(call.subscriber, OTC_TRUE), OTC_SUCCESS);
  double first_frame_ms = -1;
  while (std::chrono::steady_clock::now() - on_at < 10s) {
    if (first_frame_ms < 0 && call.se.frames.load() > render1) {
      first_frame_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - on_at).count();
    }
    if (call.sub_stats().video_frames_decoded >= off1.video_frames_decoded + 30) break;
    std::this_thread::sleep_for(10ms);
  }
  const auto on = call.sub_stats();
  std::printf("  video back on: first frame after %.0f ms; opened +%llu, decoded +%llu\n", first_frame_ms,
              (unsigned long long)(on.video_frames_opened - off1.video_frames_opened),
              (unsigned long long)(on.video_frames_decoded - off1.video_frames_decoded));
  EXPECT_GE(on.video_frames_decoded, off1.video_frames_decoded + 30);
  EXPECT_GE(on.video_frames_opened, off1.video_frames_opened + 30);
  EXPECT_GE(first_frame_ms, 0.0);
  EXPECT_LT(first_frame_ms, 2500.0);  // a key-frame round trip; generous for a loaded machine
}

// A session subscribes to its own stream: both ends of one relayed peer are in one session.
// The SDK's stream property events: a publisher's audio and video toggles reach the other
// session (on_stream_has_*_changed, the stream's accessors following) and the subscriber
// (on_video_disabled/enabled with OTC_VIDEO_REASON_PUBLISH_VIDEO, on_audio_disabled/enabled);
// the size of the video it captures reaches the session once (the pattern's 640x360).
TEST_F(SessionCall, PublishTogglesAndTheVideoSizeReachTheSessionAndTheSubscriber) {
  LiveCall call(kSecret, kSecret);
  ASSERT_NE(call.subscriber, nullptr);
  const otc_stream *stream = call.b->first_stream();
  ASSERT_NE(stream, nullptr);
  // The subscriber's stream follows the publisher (a copy made with otc_stream_copy is a snapshot).
  const otc_stream *subscribed = otc_subscriber_get_stream(call.subscriber);
  ASSERT_NE(subscribed, nullptr);
  EXPECT_TRUE(call.b->events.wait("dimensions:640x360:640x360")) << call.b->events.all();
  EXPECT_EQ(otc_stream_get_video_width(subscribed), 640);
  EXPECT_EQ(otc_stream_get_video_height(subscribed), 360);
  EXPECT_EQ(otc_stream_has_video(subscribed), OTC_TRUE);

  ASSERT_EQ(otc_publisher_set_publish_video(call.publisher, OTC_FALSE), OTC_SUCCESS);
  EXPECT_TRUE(call.b->events.wait("has_video:0:0")) << call.b->events.all();
  EXPECT_TRUE(call.se.events.wait("video_disabled:" + std::to_string(OTC_VIDEO_REASON_PUBLISH_VIDEO)))
      << call.se.events.all();
  EXPECT_EQ(otc_stream_has_video(subscribed), OTC_FALSE);
  EXPECT_EQ(otc_stream_has_video_track(subscribed), OTC_TRUE);  // the track is still there

  ASSERT_EQ(otc_publisher_set_publish_audio(call.publisher, OTC_FALSE), OTC_SUCCESS);
  EXPECT_TRUE(call.b->events.wait("has_audio:0:0")) << call.b->events.all();
  EXPECT_TRUE(call.se.events.wait("audio_disabled")) << call.se.events.all();
  EXPECT_EQ(otc_stream_has_audio(subscribed), OTC_FALSE);
  EXPECT_EQ(otc_stream_has_audio_track(subscribed), OTC_TRUE);

  ASSERT_EQ(otc_publisher_set_publish_video(call.publisher, OTC_TRUE), OTC_SUCCESS);
  ASSERT_EQ(otc_publisher_set_publish_audio(call.publisher, OTC_TRUE), OTC_SUCCESS);
  EXPECT_TRUE(call.b->events.wait("has_video:1:1")) << call.b->events.all();
  EXPECT_TRUE(call.b->events.wait("has_audio:1:1")) << call.b->events.all();
  EXPECT_TRUE(call.se.events.wait("video_enabled:" + std::to_string(OTC_VIDEO_REASON_PUBLISH_VIDEO)))
      << call.se.events.all();
  EXPECT_TRUE(call.se.events.wait("audio_enabled")) << call.se.events.all();
  EXPECT_EQ(otc_stream_has_video(subscribed), OTC_TRUE);
  EXPECT_EQ(otc_stream_has_audio(subscribed), OTC_TRUE);

  // Setting a toggle to the value it has says nothing: exactly one event per change.
  ASSERT_EQ(otc_publisher_set_publish_video(call.publisher, OTC_TRUE), OTC_SUCCESS);
  // A signal sent after it arrives after anything it caused (one socket, in order).
  ASSERT_EQ(otc_session_send_signal(call.a->session, "marker", "after"), OTC_SUCCESS);
  ASSERT_TRUE(call.b->events.wait("signal:marker"));
  EXPECT_EQ(call.b->events.count("has_video:0:0"), 1u);
  EXPECT_EQ(call.b->events.count("has_video:1:1"), 1u);
  EXPECT_EQ(call.b->events.count("dimensions:640x360:640x360"), 1u);
  EXPECT_EQ(call.se.events.count("video_disabled:" + std::to_string(OTC_VIDEO_REASON_PUBLISH_VIDEO)), 1u);
  // The publishing session hears nothing about its own stream.
  EXPECT_EQ(call.a->events.count("has_video:0:0"), 0u) << call.a->events.all();
}

// A publisher whose audio is off before it publishes announces its stream without audio.
TEST_F(SessionCall, AStreamPublishedWithAudioOffIsAnnouncedWithoutAudio) {
  const std::string session_id = ServerSuite::server->create_session(false);
  Client a(session_id, nullptr), b(session_id, nullptr);
  ASSERT_TRUE(a.connect(Server::token(session_id)));
  ASSERT_TRUE(b.connect(Server::token(session_id)));
  PublisherEvents pe;
  auto pcb = pe.callbacks();
  otc_publisher *publisher = otc_publisher_new("audio off", nullptr, &pcb);
  ASSERT_NE(publisher, nullptr);
  ASSERT_EQ(otc_publisher_set_publish_audio(publisher, OTC_FALSE), OTC_SUCCESS);
  ASSERT_EQ(otc_session_publish(a.session, publisher), OTC_SUCCESS);
  ASSERT_TRUE(b.events.wait("stream")) << b.events.all();
  const otc_stream *stream = b.first_stream();
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(otc_stream_has_audio(stream), OTC_FALSE);
  EXPECT_EQ(otc_stream_has_audio_track(stream), OTC_TRUE);
  EXPECT_EQ(otc_stream_has_video(stream), OTC_TRUE);
  ASSERT_EQ(otc_publisher_set_publish_audio(publisher, OTC_TRUE), OTC_SUCCESS);
  EXPECT_TRUE(b.events.wait("has_audio:1:1")) << b.events.all();
  otc_publisher_delete(publisher);
}

TEST_F(SessionCall, ASessionSubscribesToItsOwnStreamAndGetsDecryptedFrames) {
  const std::string session_id = ServerSuite::server->create_session(true);
  Client a(session_id, kSecret);
  ASSERT_TRUE(a.connect(Server::token(session_id)));
  struct Own {
    Events events;
    std::mutex mutex;
    std::unique_ptr<otc_stream, StreamDeleter> stream;
  } own;
  otc_publisher_callbacks pcb{};
  pcb.user_data = &own;
  pcb.on_stream_created = [](otc_publisher *, void *self, const otc_stream *stream) {
    auto *o = static_cast<Own *>(self);
    {
      std::lock_guard<std::mutex> lock(o->mutex);
      o->stream.reset(otc_stream_copy(stream));
    }
    o->events.add("created");
  };
  otc_publisher *publisher = otc_publisher_new("own stream", nullptr, &pcb);
  ASSERT_EQ(otc_session_publish(a.session, publisher), OTC_SUCCESS);
  ASSERT_TRUE(own.events.wait("created"));
  // otc_session_copy_stream knows this client's own stream by id, as it knows other clients'.
  const std::string own_id = otc_stream_get_id(own.stream.get());
  {
    std::unique_ptr<otc_stream, StreamDeleter> copy(otc_session_copy_stream(a.session, own_id.c_str()));
    ASSERT_NE(copy, nullptr);
    EXPECT_EQ(otc_stream_get_id(copy.get()), own_id);
    EXPECT_EQ(otc_stream_is_e2ee(copy.get()), OTC_TRUE);
    EXPECT_EQ(otc_session_copy_stream(a.session, "s-no-such-stream"), nullptr);
    EXPECT_EQ(otc_session_copy_stream(a.session, nullptr), nullptr);
    EXPECT_EQ(otc_session_copy_stream(nullptr, own_id.c_str()), nullptr);
  }
  SubscriberEvents se;
  otc_subscriber *subscriber = se.make(own.stream.get());
  ASSERT_NE(subscriber, nullptr);
  ASSERT_EQ(otc_session_subscribe(a.session, subscriber), OTC_SUCCESS);
  EXPECT_TRUE(se.events.wait("connected", 20s)) << se.events.all();
  const auto start = std::chrono::steady_clock::now();
  otc_subscriber_stats stats{};
  while (std::chrono::steady_clock::now() - start < 10s) {
    otc_subscriber_get_stats(subscriber, &stats);
    if (stats.video_frames_opened >= 60 && se.frames.load() >= 30) break;
    std::this_thread::sleep_for(50ms);
  }
  otc_media_check check{};
  otc_subscriber_get_media_check(subscriber, &check);
  print("own stream", check);
  EXPECT_GE(stats.video_frames_opened, 60u);
  EXPECT_GT(stats.audio_frames_opened, 0u);
  EXPECT_EQ(stats.frames_mismatch, 0u);
  EXPECT_GE(se.frames.load(), 30);
  EXPECT_EQ(se.events.count("error:1542") + se.events.count("error:1600"), 0u) << se.events.all();
  // Unsubscribing leaves the publisher publishing.
  ASSERT_EQ(otc_session_unsubscribe(a.session, subscriber), OTC_SUCCESS);
  EXPECT_TRUE(se.events.wait("disconnected"));
  EXPECT_STREQ(otc_subscriber_get_disconnect_reason(subscriber), "clientUnsubscribed");
  EXPECT_EQ(otc_subscriber_get_disconnect_code(subscriber), OTC_SUCCESS);
  // Unpublished, the stream is gone from what the session knows.
  ASSERT_EQ(otc_session_unpublish(a.session, publisher), OTC_SUCCESS);
  const auto unpublished = std::chrono::steady_clock::now();
  otc_stream *left = otc_session_copy_stream(a.session, own_id.c_str());
  while (left && std::chrono::steady_clock::now() - unpublished < 10s) {
    otc_stream_delete(left);
    std::this_thread::sleep_for(20ms);
    left = otc_session_copy_stream(a.session, own_id.c_str());
  }
  EXPECT_EQ(left, nullptr) << "the unpublished stream is still known";
  otc_stream_delete(left);
  otc_subscriber_delete(subscriber);
  otc_publisher_delete(publisher);
}

// Every end carries its reason and code (node-otc's accessors beside the Linux SDK's callbacks).
TEST_F(SessionCall, EveryDisconnectCarriesItsReasonAndCode) {
  LiveCall call(kSecret, kSecret);
  EXPECT_EQ(otc_subscriber_get_disconnect_reason(call.subscriber), nullptr);
  EXPECT_EQ(otc_session_get_disconnect_reason(call.b->session), nullptr);
  // The publisher unpublishes: the subscriber ends with the stream's reason.
  ASSERT_EQ(otc_session_unpublish(call.a->session, call.publisher), OTC_SUCCESS);
  ASSERT_TRUE(call.se.events.wait("disconnected"));
  EXPECT_TRUE(call.b->events.wait("stream-dropped:clientUnpublished:0")) << call.b->events.all();
  EXPECT_STREQ(otc_subscriber_get_disconnect_reason(call.subscriber), "clientUnpublished");
  EXPECT_EQ(otc_subscriber_get_disconnect_code(call.subscriber), OTC_SUCCESS);
  // The publisher's session leaves: b sees its connection dropped with clientDisconnected, a's
  // own on_disconnected says clientDisconnected too.
  ASSERT_EQ(otc_session_disconnect(call.a->session), OTC_SUCCESS);
  ASSERT_TRUE(call.a->events.wait("disconnected"));
  EXPECT_STREQ(otc_session_get_disconnect_reason(call.a->session), "clientDisconnected");
  EXPECT_EQ(otc_session_get_disconnect_code(call.a->session), OTC_SUCCESS);
  ASSERT_TRUE(call.b->events.wait("connection-dropped:clientDisconnected:0")) << call.b->events.all();
}

}  // namespace

// The SDK's subscriber interface (opentok/subscriber.h) on a live relayed call: getters, the
// callbacks node-otc reports, and the statistics.
TEST_F(SessionCall, TheSdkSubscriberGettersAndCallbacksWork) {
  LiveCall call(kSecret, kSecret);
  otc_subscriber *sub = call.subscriber;
  ASSERT_NE(sub, nullptr);

  // on_connected hands over the subscriber's stream.
  otc_stream *stream = otc_subscriber_get_stream(sub);
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(call.se.connected_stream.load(), stream);
  EXPECT_STREQ(otc_stream_get_id(stream), otc_stream_get_id(call.b->first_stream()));
  EXPECT_EQ(otc_subscriber_get_session(sub), call.b->session);
  EXPECT_EQ(otc_subscriber_get_user_data(sub), static_cast<void *>(&call.se));

  // A UUID, the same at every call, another for another subscriber.
  const char *id = otc_subscriber_get_subscriber_id(sub);
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(std::strlen(id), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_EQ(otc_subscriber_get_subscriber_id(sub), id);
  otc_subscriber *other = otc_subscriber_new(stream, nullptr);
  ASSERT_NE(other, nullptr);
  EXPECT_STRNE(otc_subscriber_get_subscriber_id(other), id);
  EXPECT_EQ(otc_subscriber_get_session(other), nullptr);  // never subscribed
  EXPECT_EQ(otc_subscriber_get_user_data(other), nullptr);
  otc_subscriber_delete(other);

  // The first decoded frame, once.
  ASSERT_TRUE(call.se.events.wait("video_data", 10s)) << call.se.events.all();
  ASSERT_TRUE(call.frames_flow(30));

  // Periodic stats (about 1 s apart) and audio levels.
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline &&
         (call.se.audio_stats.load() < 3 || call.se.video_stats.load() < 3 || call.se.audio_levels.load() < 3)) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GE(call.se.audio_stats.load(), 3);
  EXPECT_GE(call.se.video_stats.load(), 3);
  EXPECT_GE(call.se.audio_levels.load(), 3);
  {
    std::lock_guard<std::mutex> lock(call.se.stats_mutex);
    const double now_ms = std::chrono::duration<double, std::milli>(
                              std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_GT(call.se.last_audio.packets_received, 20u);
    EXPECT_GT(call.se.last_audio.bytes_received, 1000u);
    EXPECT_GT(call.se.last_audio.audio_level, 0.0f);  // the 440 Hz tone at half scale
    EXPECT_LE(call.se.last_audio.audio_level, 1.0f);
    EXPECT_NEAR(call.se.last_audio.timestamp, now_ms, 60000.0);
    EXPECT_GT(call.se.last_video.packets_received, 20u);
    EXPECT_GT(call.se.last_video.bytes_received, 10000u);
    EXPECT_NEAR(call.se.last_video.timestamp, now_ms, 60000.0);
  }
  EXPECT_EQ(call.se.events.count("video_data"), 1u);

  // Video off and on again: the SDK's callbacks with the subscriber's reason, once each change.
  EXPECT_EQ(otc_subscriber_get_subscribe_to_video(sub), OTC_TRUE);
  ASSERT_EQ(otc_subscriber_set_subscribe_to_video(sub, OTC_FALSE), OTC_SUCCESS);
  EXPECT_EQ(otc_subscriber_get_subscribe_to_video(sub), OTC_FALSE);
  EXPECT_EQ(otc_subscriber_set_subscribe_to_video(sub, OTC_FALSE), OTC_SUCCESS);
  ASSERT_TRUE(call.se.events.wait("video_disabled:2", 5s)) << call.se.events.all();
  ASSERT_EQ(otc_subscriber_set_subscribe_to_video(sub, OTC_TRUE), OTC_SUCCESS);
  ASSERT_TRUE(call.se.events.wait("video_enabled:2", 5s)) << call.se.events.all();
  EXPECT_EQ(call.se.events.count("video_disabled:2"), 1u);
  EXPECT_EQ(call.se.events.count("video_enabled:2"), 1u);
  // Audio off on an encrypted stream: no frame is opened (and no libwebrtc check trips, as it did
  // when the track was disabled under a frame transformer); back on, audio flows again.
  EXPECT_EQ(otc_subscriber_get_subscribe_to_audio(sub), OTC_TRUE);
  EXPECT_EQ(otc_subscriber_set_subscribe_to_audio(sub, OTC_FALSE), OTC_SUCCESS);
  EXPECT_EQ(otc_subscriber_get_subscribe_to_audio(sub), OTC_FALSE);
  std::this_thread::sleep_for(500ms);
  const uint64_t audio_off0 = call.sub_stats().audio_frames_opened;
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(call.sub_stats().audio_frames_opened, audio_off0);
  EXPECT_EQ(otc_subscriber_set_subscribe_to_audio(sub, OTC_TRUE), OTC_SUCCESS);
  std::this_thread::sleep_for(1s);
  EXPECT_GT(call.sub_stats().audio_frames_opened, audio_off0 + 20);

  // Preferences are kept and returned.
  uint32_t width = 1, height = 1;
  float fps = 1;
  EXPECT_EQ(otc_subscriber_get_preferred_resolution(sub, &width, &height), OTC_SUCCESS);
  EXPECT_EQ(width, 0u);
  EXPECT_EQ(height, 0u);
  EXPECT_EQ(otc_subscriber_get_preferred_framerate(sub, &fps), OTC_SUCCESS);
  EXPECT_EQ(fps, 0.0f);
  EXPECT_EQ(otc_subscriber_set_preferred_resolution(sub, 320, 180), OTC_SUCCESS);
  EXPECT_EQ(otc_subscriber_get_preferred_resolution(sub, &width, &height), OTC_SUCCESS);
  EXPECT_EQ(width, 320u);
  EXPECT_EQ(height, 180u);
  EXPECT_EQ(otc_subscriber_set_preferred_framerate(sub, 15.0f), OTC_SUCCESS);
  EXPECT_EQ(otc_subscriber_set_preferred_framerate(sub, -1.0f), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_set_preferred_framerate(sub, std::nanf("")), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_get_preferred_framerate(sub, &fps), OTC_SUCCESS);
  EXPECT_EQ(fps, 15.0f);
  EXPECT_EQ(otc_subscriber_get_preferred_resolution(sub, nullptr, &height), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_get_preferred_framerate(sub, nullptr), OTC_MEDIA_INVALID_PARAMETER);

  // The RTC stats report: libwebrtc's JSON, with this subscription's inbound streams.
  EXPECT_EQ(otc_subscriber_get_rtc_stats_report(sub), OTC_MEDIA_ILLEGAL_STATE);  // no callback yet
  struct Report {
    std::mutex mutex;
    std::condition_variable cv;
    std::string json;
    otc_subscriber *from = nullptr;
  } report;
  otc_subscriber_rtc_stats_report_cb rcb{};
  rcb.user_data = &report;
  rcb.on_rtc_stats_report = [](otc_subscriber *subscriber, void *user_data, const char *json) {
    auto *r = static_cast<Report *>(user_data);
    std::lock_guard<std::mutex> lock(r->mutex);
    r->json = json ? json : "";
    r->from = subscriber;
    r->cv.notify_all();
  };
  ASSERT_EQ(otc_subscriber_set_rtc_stats_report_cb(sub, rcb), OTC_SUCCESS);
  ASSERT_EQ(otc_subscriber_get_rtc_stats_report(sub), OTC_SUCCESS);
  {
    std::unique_lock<std::mutex> lock(report.mutex);
    ASSERT_TRUE(report.cv.wait_for(lock, 10s, [&] { return !report.json.empty(); }));
    EXPECT_EQ(report.from, sub);
    const auto parsed = nlohmann::json::parse(report.json, nullptr, false);
    ASSERT_TRUE(parsed.is_array()) << report.json.substr(0, 200);
    int inbound = 0;
    for (const auto &entry : parsed) {
      if (entry.value("type", "") == "inbound-rtp") ++inbound;
    }
    EXPECT_EQ(inbound, 2) << report.json.substr(0, 400);  // audio and video
  }

  // The extension callbacks are set while idle only.
  const otc_subscriber_extension_callbacks ext = SubscriberEvents::extension();
  EXPECT_EQ(otc_subscriber_set_extension_callbacks(sub, &ext), OTC_MEDIA_ILLEGAL_STATE);
  EXPECT_GT(call.se.audio.load(), 100);  // the PCM extension callback set before subscribing

  ASSERT_EQ(otc_session_unsubscribe(call.b->session, sub), OTC_SUCCESS);
  ASSERT_TRUE(call.se.events.wait("disconnected", 10s));
  EXPECT_EQ(otc_subscriber_get_session(sub), nullptr);
  EXPECT_EQ(otc_subscriber_get_rtc_stats_report(sub), OTC_MEDIA_ILLEGAL_STATE);
  EXPECT_EQ(otc_subscriber_set_extension_callbacks(sub, &ext), OTC_SUCCESS);
  EXPECT_EQ(otc_subscriber_set_extension_callbacks(sub, nullptr), OTC_SUCCESS);
  // Toggling video while not subscribed reports nothing.
  const size_t disabled = call.se.events.count("video_disabled:2");
  EXPECT_EQ(otc_subscriber_set_subscribe_to_video(sub, OTC_FALSE), OTC_SUCCESS);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(call.se.events.count("video_disabled:2"), disabled);
  EXPECT_EQ(call.se.events.count("reconnected"), 0u);  // only after a media router restart
}

// NULL subscribers: clear codes or NULL, never a crash.
// The loudest sample on_audio_data gets over `blocks` 10 ms blocks, counted from a few blocks
// after now.
int audio_peak_over(SubscriberEvents &se, int blocks) {
  const auto wait_blocks = [&](int count) {
    const int until = se.audio.load() + count;
    const auto end = std::chrono::steady_clock::now() + 20s;
    while (se.audio.load() < until) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  };
  if (!wait_blocks(3)) return -1;
  se.audio_peak = 0;
  if (!wait_blocks(blocks)) return -1;
  return se.audio_peak.load();
}

// otc_subscriber_set_audio_volume on an end-to-end encrypted stream: node-otc's PCM callback gets
// the audio at that volume (the tone is captured at half scale); bad values are clamped or
// refused as documented. The publisher's audio processing is off: its echo canceller would
// otherwise take the tone this process plays out for an echo of the one it captures, and the
// level sent would change with the volume.
TEST_F(SessionCall, TheSubscribersAudioVolumeScalesItsAudioEvenEncrypted) {
  LiveCall call(kSecret, kSecret, OTC_VIDEO_CODEC_VP8, true);
  ASSERT_NE(call.subscriber, nullptr);
  double volume = -1;
  EXPECT_EQ(otc_subscriber_get_audio_volume(call.subscriber, &volume), OTC_SUCCESS);
  EXPECT_EQ(volume, 100);
  const int full = audio_peak_over(call.se, 50);
  EXPECT_GT(full, 8000);
  ASSERT_EQ(otc_subscriber_set_audio_volume(call.subscriber, 0), OTC_SUCCESS);
  EXPECT_EQ(audio_peak_over(call.se, 50), 0);
  ASSERT_EQ(otc_subscriber_set_audio_volume(call.subscriber, 25), OTC_SUCCESS);
  const int quarter = audio_peak_over(call.se, 50);
  EXPECT_GT(quarter, full * 15 / 100) << full;
  EXPECT_LT(quarter, full * 35 / 100) << full;
  ASSERT_EQ(otc_subscriber_set_audio_volume(call.subscriber, 100), OTC_SUCCESS);
  EXPECT_GT(audio_peak_over(call.se, 50), full * 85 / 100);
  EXPECT_TRUE(call.frames_flow(10));  // video untouched

  // Out of range is clamped, as the SDK does; NaN and null are refused and change nothing.
  EXPECT_EQ(otc_subscriber_set_audio_volume(call.subscriber, 250), OTC_SUCCESS);
  EXPECT_EQ(otc_subscriber_get_audio_volume(call.subscriber, &volume), OTC_SUCCESS);
  EXPECT_EQ(volume, 100);
  EXPECT_EQ(otc_subscriber_set_audio_volume(call.subscriber, -3), OTC_SUCCESS);
  EXPECT_EQ(otc_subscriber_get_audio_volume(call.subscriber, &volume), OTC_SUCCESS);
  EXPECT_EQ(volume, 0);
  EXPECT_EQ(otc_subscriber_set_audio_volume(call.subscriber, std::nan("")), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_get_audio_volume(call.subscriber, &volume), OTC_SUCCESS);
  EXPECT_EQ(volume, 0);
  EXPECT_EQ(otc_subscriber_set_audio_volume(nullptr, 50), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_get_audio_volume(nullptr, &volume), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_get_audio_volume(call.subscriber, nullptr), OTC_MEDIA_INVALID_PARAMETER);
}

TEST(SdkSubscriber, NullArgumentsAreRefused) {
  EXPECT_EQ(otc_subscriber_new(nullptr, nullptr), nullptr);
  EXPECT_EQ(otc_subscriber_get_stream(nullptr), nullptr);
  EXPECT_EQ(otc_subscriber_get_session(nullptr), nullptr);
  EXPECT_EQ(otc_subscriber_get_subscriber_id(nullptr), nullptr);
  EXPECT_EQ(otc_subscriber_get_user_data(nullptr), nullptr);
  EXPECT_EQ(otc_subscriber_get_subscribe_to_audio(nullptr), OTC_FALSE);
  EXPECT_EQ(otc_subscriber_get_subscribe_to_video(nullptr), OTC_FALSE);
  EXPECT_EQ(otc_subscriber_set_subscribe_to_audio(nullptr, OTC_TRUE), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_set_subscribe_to_video(nullptr, OTC_TRUE), OTC_MEDIA_INVALID_PARAMETER);
  uint32_t w, h;
  float fps;
  EXPECT_EQ(otc_subscriber_set_preferred_resolution(nullptr, 1, 1), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_get_preferred_resolution(nullptr, &w, &h), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_set_preferred_framerate(nullptr, 1), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_get_preferred_framerate(nullptr, &fps), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_get_rtc_stats_report(nullptr), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_set_rtc_stats_report_cb(nullptr, otc_subscriber_rtc_stats_report_cb{}),
            OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_set_extension_callbacks(nullptr, nullptr), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_delete(nullptr), OTC_SUCCESS);
}

// opentok/media_utils.h: the engine's video codecs by the SDK's numbers.
TEST_F(SessionCall, MediaUtilsListsTheEnginesVideoCodecs) {
  EXPECT_EQ(otc_media_utils_get_supported_codecs(nullptr), OTC_INVALID_PARAM);
  otc_media_utils_codecs *codecs = nullptr;
  ASSERT_EQ(otc_media_utils_get_supported_codecs(&codecs), OTC_SUCCESS);
  ASSERT_NE(codecs, nullptr);
  auto has = [](const otc_video_codec_type *list, size_t n, otc_video_codec_type codec) {
    return std::count(list, list + n, codec) == 1;  // each once
  };
  for (otc_video_codec_type codec : {OTC_VIDEO_CODEC_VP8, OTC_VIDEO_CODEC_VP9, OTC_VIDEO_CODEC_H264}) {
    EXPECT_TRUE(has(codecs->encoder_video_codecs, codecs->number_encoder_video_codecs, codec)) << codec;
    EXPECT_TRUE(has(codecs->decoder_video_codecs, codecs->number_decoder_video_codecs, codec)) << codec;
  }
  EXPECT_EQ(codecs->number_encoder_video_codecs, 3u);
  EXPECT_EQ(codecs->number_decoder_video_codecs, 3u);
  EXPECT_EQ(otc_media_utils_codecs_delete(codecs), OTC_SUCCESS);
  EXPECT_EQ(otc_media_utils_codecs_delete(nullptr), OTC_SUCCESS);
  // The SDK's numbers, and node-otc's names for them.
  EXPECT_EQ(OTC_VIDEO_CODEC_VP8, 1);
  EXPECT_EQ(OTC_VIDEO_CODEC_H264, 2);
  EXPECT_EQ(OTC_VIDEO_CODEC_VP9, 3);
  EXPECT_STREQ(otc_video_codec_name(OTC_VIDEO_CODEC_H264), "H264");
  EXPECT_STREQ(otc_video_codec_name(OTC_VIDEO_CODEC_VP9), "VP9");
  EXPECT_EQ(otc_video_codec_name(OTC_VIDEO_CODEC_UNKNOWN), nullptr);
  otc_destroy();  // balanced by TearDown's otc_destroy: the engine is gone now
  EXPECT_EQ(otc_media_utils_get_supported_codecs(&codecs), OTC_MEDIA_ENGINE_NOT_INITIALIZED);
  EXPECT_EQ(codecs, nullptr);
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
}

// OTC_MEDIA_CHECK_REPORT (otc/media.h): what an unmodified SDK program's CI job reads.
namespace {

std::vector<std::string> read_lines(const std::string &path) {
  std::vector<std::string> lines;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  return lines;
}

// The number after "key": in a report line; -1 when absent.
double report_number(const std::string &line, const std::string &key) {
  const size_t at = line.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::strtod(line.c_str() + at + key.size() + 3, nullptr);
}

std::string report_line(const std::vector<std::string> &lines, const char *type) {
  for (const auto &line : lines) {
    if (line.find(std::string("{\"type\":\"") + type + "\"") == 0) return line;
  }
  return {};
}

}  // namespace

TEST_F(SessionCall, TheMediaCheckReportHasALinePerEndedSubscriptionAndPublication) {
  char path[] = "/tmp/otc-media-report-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  unlink(path);
  setenv(OTC_MEDIA_CHECK_REPORT_ENV, path, 1);
  std::string stream_id;
  uint64_t received = 0;
  {
    LiveCall call(kSecret, kSecret);
    ASSERT_TRUE(call.frames_flow(30, 20s));
    stream_id = otc_subscriber_get_stream_id(call.subscriber);
    received = call.check().frames_received;
    EXPECT_EQ(otc_session_unsubscribe(call.b->session, call.subscriber), OTC_SUCCESS);
    EXPECT_EQ(otc_session_unpublish(call.a->session, call.publisher), OTC_SUCCESS);
    // Once the variable is gone, nothing more is written (the objects are deleted below).
    unsetenv(OTC_MEDIA_CHECK_REPORT_ENV);
  }
  otc_destroy();  // writes what is queued; balanced by the otc_init below
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  const auto lines = read_lines(path);
  unlink(path);
  ASSERT_EQ(lines.size(), 2u) << (lines.empty() ? "" : lines[0]);
  const std::string sub = report_line(lines, "subscriber"), pub = report_line(lines, "publisher");
  ASSERT_FALSE(sub.empty()) << lines[0];
  ASSERT_FALSE(pub.empty()) << lines[0];
  std::printf("  %s\n  %s\n", sub.c_str(), pub.c_str());
  EXPECT_NE(sub.find("\"stream_id\":\"" + stream_id + "\""), std::string::npos);
  EXPECT_NE(pub.find("\"stream_id\":\"" + stream_id + "\""), std::string::npos);
  EXPECT_NE(sub.find("\"e2ee\":true"), std::string::npos);
  EXPECT_NE(sub.find("\"end\":\"clientUnsubscribed\""), std::string::npos);
  EXPECT_NE(pub.find("\"end\":\"clientUnpublished\""), std::string::npos);
  EXPECT_GE(report_number(sub, "frames_received"), static_cast<double>(received));
  EXPECT_GE(report_number(sub, "frames_decoded"), report_number(sub, "frames_received"));
  EXPECT_EQ(report_number(sub, "decrypt_failures"), 0);
  EXPECT_EQ(report_number(sub, "frames_mismatch") + report_number(sub, "frames_integrity_failure"), 0);
  EXPECT_GT(report_number(sub, "width"), 0);
  EXPECT_GT(report_number(sub, "height"), 0);
  EXPECT_GE(report_number(sub, "video_frames_opened"), report_number(sub, "frames_received"));
  // The publisher's tone (SetUp): decoded audio, most of it louder than silence.
  EXPECT_GT(report_number(sub, "audio_blocks"), 50);
  EXPECT_GT(report_number(sub, "audio_loud_blocks"), report_number(sub, "audio_blocks") / 4);
  EXPECT_GT(report_number(sub, "audio_peak"), 1000);
  EXPECT_GE(report_number(pub, "video_frames_sealed"), static_cast<double>(received));
  EXPECT_GT(report_number(pub, "audio_frames_sealed"), 0);
  EXPECT_EQ(report_number(pub, "pid"), static_cast<double>(getpid()));
}

// The frame cryptor's integrity failures in a real call, from a sender that is faulty on purpose
// (samples/e2ee_decryption_error's peer in the Samples tests uses the same switch).
TEST_F(SessionCall, AFaultySendersFramesGiveTheSubscriberDecryptionInternalError6002) {
  struct Fault {
    Fault() { otc::rtc::E2eeFrameTransformer::SetTagFaultForTesting(true); }
    ~Fault() { otc::rtc::E2eeFrameTransformer::SetTagFaultForTesting(false); }
  } fault;
  LiveCall call(kSecret, kSecret);
  EXPECT_TRUE(call.se.events.wait("error:" + std::to_string(OTC_SUBSCRIBER_DECRYPTION_INTERNAL_ERROR), 20s))
      << call.se.events.all();
  // The event comes with the first such frame; the counters follow it.
  otc_subscriber_stats s = call.sub_stats();
  for (int i = 0; i < 100 && s.frames_integrity_failure < 10; ++i) {
    std::this_thread::sleep_for(50ms);
    s = call.sub_stats();
  }
  EXPECT_GE(s.frames_integrity_failure, 10u);
  EXPECT_EQ(s.frames_mismatch, 0u);
  EXPECT_EQ(s.video_frames_opened, 0u);
  EXPECT_EQ(call.check().frames_decoded, 0u);
  // Reported once per episode, not once per frame.
  EXPECT_EQ(call.se.events.count("error:" + std::to_string(OTC_SUBSCRIBER_DECRYPTION_INTERNAL_ERROR)), 1u);
}

namespace {

void print(const char *label, const otc_subscriber_verify_kind_stats &k) {
  std::printf("  %s: opened=%llu bytes=%llu key=%llu not_opened=%llu/%llu/%llu/%llu gaps=%llu freezes=%llu "
              "(%.0f ms) max_gap=%.0f ms\n",
              label, (unsigned long long)k.frames_opened, (unsigned long long)k.bytes_opened,
              (unsigned long long)k.key_frames, (unsigned long long)k.not_opened_mismatch,
              (unsigned long long)k.not_opened_integrity, (unsigned long long)k.not_opened_replay,
              (unsigned long long)k.not_opened_other, (unsigned long long)k.gaps,
              (unsigned long long)k.freezes, k.freeze_ms, k.max_gap_ms);
}

}  // namespace

// The test pattern is sent at 30 fps and Opus at 50 frames/s; a verify-only subscription opens
// them at that rate (half of it is the margin of a busy machine) and never makes a decoder.
TEST_F(SessionCall, AVerifyOnlySubscriptionOpensAndCountsEveryFrameAndNeverDecodes) {
  EXPECT_EQ(otc_subscriber_set_verify_only(nullptr, OTC_TRUE), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_subscriber_get_verify_stats(nullptr, nullptr), OTC_MEDIA_INVALID_PARAMETER);
  const uint64_t decoders_before = otc::rtc::VerifyAwareDecoderFactory::RealDecodersCreatedForTesting();
  LiveCall call(kSecret, kSecret, OTC_VIDEO_CODEC_VP8, false, /*verify_only=*/true);
  ASSERT_NE(call.subscriber, nullptr);
  EXPECT_EQ(otc_subscriber_get_verify_only(call.subscriber), OTC_TRUE);
  ASSERT_TRUE(call.opened_flow(15)) << call.se.events.all();
  const auto start = call.verify();
  const auto begun = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(4s);
  const auto end = call.verify();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count();
  print("video", end.video);
  print("audio", end.audio);
  const double video_fps = static_cast<double>(end.video.frames_opened - start.video.frames_opened) / seconds;
  const double audio_fps = static_cast<double>(end.audio.frames_opened - start.audio.frames_opened) / seconds;
  std::printf("  opened %.1f video frames/s, %.1f audio frames/s\n", video_fps, audio_fps);
  EXPECT_EQ(end.verify_only, OTC_TRUE);
  EXPECT_GT(video_fps, 15.0);
  EXPECT_LT(video_fps, 40.0);
  EXPECT_GT(audio_fps, 25.0);
  EXPECT_GE(end.video.key_frames, 1u);
  EXPECT_GT(end.video.bytes_opened, end.video.frames_opened * 20);
  EXPECT_EQ(end.video.not_opened_mismatch + end.video.not_opened_integrity + end.video.not_opened_other, 0u);
  EXPECT_EQ(end.audio.not_opened_mismatch + end.audio.not_opened_integrity + end.audio.not_opened_other, 0u);
  EXPECT_LT(end.video.gaps, end.video.frames_opened / 10 + 3);
  EXPECT_LT(end.audio.gaps, end.audio.frames_opened / 10 + 3);
  EXPECT_GT(end.video.last_frame_time_us, end.video.first_frame_time_us);
  // Nothing decoded or rendered, no decoder made.
  EXPECT_EQ(call.se.frames.load(), 0);
  EXPECT_EQ(otc::rtc::VerifyAwareDecoderFactory::RealDecodersCreatedForTesting(), decoders_before);
  EXPECT_EQ(call.se.events.count("error:6003"), 0u) << call.se.events.all();
  // The media check without pixels: the verify counts.
  const auto check = call.check();
  print("media check", check);
  EXPECT_EQ(check.frames_decoded, 0u);
  EXPECT_GE(check.frames_received, end.video.frames_opened);
  EXPECT_EQ(check.latency_mean_ms, 0.0);
}

TEST_F(SessionCall, AVerifyOnlySubscriptionWithAWrongSecretOpensNothingAndReportsMismatch) {
  LiveCall call(kSecret, kOtherSecret, OTC_VIDEO_CODEC_VP8, false, /*verify_only=*/true);
  ASSERT_NE(call.subscriber, nullptr);
  ASSERT_TRUE(call.se.events.wait("error:6003", 5s)) << call.se.events.all();
  std::this_thread::sleep_for(1500ms);
  const auto v = call.verify();
  print("video", v.video);
  print("audio", v.audio);
  EXPECT_EQ(v.video.frames_opened, 0u);
  EXPECT_EQ(v.audio.frames_opened, 0u);
  EXPECT_GT(v.video.not_opened_mismatch, 10u);
  EXPECT_GT(v.audio.not_opened_mismatch, 10u);
  EXPECT_EQ(call.se.frames.load(), 0);
  EXPECT_EQ(call.check().frames_received, 0u);
}

TEST_F(SessionCall, LeavingVerifyOnlyMidCallDecodesAgainAndBackInItStops) {
  const uint64_t decoders_before = otc::rtc::VerifyAwareDecoderFactory::RealDecodersCreatedForTesting();
  LiveCall call(kSecret, kSecret, OTC_VIDEO_CODEC_VP8, false, /*verify_only=*/true);
  ASSERT_NE(call.subscriber, nullptr);
  ASSERT_TRUE(call.opened_flow(30));
  EXPECT_EQ(call.se.frames.load(), 0);
  ASSERT_EQ(otc_subscriber_set_verify_only(call.subscriber, OTC_FALSE), OTC_SUCCESS);
  const auto switched = std::chrono::steady_clock::now();
  const auto deadline = switched + 10s;
  while (std::chrono::steady_clock::now() < deadline && call.se.frames.load() < 30) std::this_thread::sleep_for(20ms);
  std::printf("  30 frames rendered %.0f ms after leaving verify-only\n",
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - switched).count());
  ASSERT_GE(call.se.frames.load(), 30);
  EXPECT_GT(otc::rtc::VerifyAwareDecoderFactory::RealDecodersCreatedForTesting(), decoders_before);
  EXPECT_GT(call.check().frames_received, 0u);  // the pattern's codes, read from decoded pixels
  // Back in verify-only: rendering stops, counting goes on.
  ASSERT_EQ(otc_subscriber_set_verify_only(call.subscriber, OTC_TRUE), OTC_SUCCESS);
  std::this_thread::sleep_for(700ms);
  const int rendered = call.se.frames.load();
  const uint64_t opened = call.verify().video.frames_opened;
  std::this_thread::sleep_for(1500ms);
  EXPECT_LE(call.se.frames.load(), rendered + 2);
  EXPECT_GT(call.verify().video.frames_opened, opened + 15);
}
