// Publishers in the Linux SDK's shape (opentok/publisher.h, opentok/video_capturer.h): every
// getter and setter, the custom video capturer's lifecycle and frames (alone and in a call
// against the session server), and the OTC_VIDEO_CAPTURER stand-ins.
#include <gtest/gtest.h>
#include <opentok/publisher.h>
#include <opentok/video_capturer.h>
#include <otc/otc.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "session_server.h"
#include "v4l2_nodes.h"

using namespace std::chrono_literals;
using otc_test::Server;
using otc_test::ServerSuite;

namespace {

// Sets an environment variable for one test and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char *name, const char *value) : name_(name) {
    const char *old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      setenv(name_, old_.c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char *name_;
  bool had_ = false;
  std::string old_;
};

// Waits for a condition the callbacks make true.
class Waiter {
 public:
  void notify() { cv_.notify_all(); }
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = 20s) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, pred);
  }
  std::mutex mutex_;

 private:
  std::condition_variable cv_;
};

struct PublisherLog {
  Waiter waiter;
  std::vector<std::string> events;  // guarded by waiter.mutex_
  std::atomic<int> render_frames{0};
  std::atomic<int> render_width{0}, render_height{0}, render_format{0};
  std::string last_error;
  std::atomic<int> audio_stats{0}, video_stats{0}, levels{0};
  std::atomic<int64_t> video_bytes{0}, audio_bytes{0}, video_packets{0};
  std::atomic<size_t> stats_entries{0};

  void add(const std::string &event) {
    {
      std::lock_guard<std::mutex> lock(waiter.mutex_);
      events.push_back(event);
    }
    waiter.notify();
  }
  bool wait(const std::string &event) {
    return waiter.wait([&] {
      for (const auto &e : events) {
        if (e == event) return true;
      }
      return false;
    });
  }
  std::string all() {
    std::lock_guard<std::mutex> lock(waiter.mutex_);
    std::string out;
    for (const auto &e : events) out += e + " ";
    return out;
  }
  otc_publisher_callbacks callbacks() {
    otc_publisher_callbacks cb{};
    cb.user_data = this;
    cb.on_stream_created = [](otc_publisher *, void *self, const otc_stream *) {
      static_cast<PublisherLog *>(self)->add("created");
    };
    cb.on_stream_destroyed = [](otc_publisher *, void *self, const otc_stream *) {
      static_cast<PublisherLog *>(self)->add("destroyed");
    };
    cb.on_render_frame = [](otc_publisher *, void *self, const otc_video_frame *frame) {
      auto *log = static_cast<PublisherLog *>(self);
      log->render_width = otc_video_frame_get_width(frame);
      log->render_height = otc_video_frame_get_height(frame);
      log->render_format = otc_video_frame_get_format(frame);
      log->render_frames.fetch_add(1);
      log->waiter.notify();
    };
    cb.on_audio_level_updated = [](otc_publisher *, void *self, float level) {
      auto *log = static_cast<PublisherLog *>(self);
      if (level >= 0 && level <= 1) log->levels.fetch_add(1);
    };
    cb.on_audio_stats = [](otc_publisher *, void *self, otc_publisher_audio_stats stats[], size_t count) {
      auto *log = static_cast<PublisherLog *>(self);
      log->stats_entries = count;
      if (count > 0) log->audio_bytes = stats[0].bytes_sent;
      log->audio_stats.fetch_add(1);
    };
    cb.on_video_stats = [](otc_publisher *, void *self, otc_publisher_video_stats stats[], size_t count) {
      auto *log = static_cast<PublisherLog *>(self);
      if (count > 0) {
        log->video_bytes = stats[0].bytes_sent;
        log->video_packets = stats[0].packets_sent;
        if (stats[0].start_time <= 0 || stats[0].timestamp < stats[0].start_time || !stats[0].subscriber_id) {
          log->video_packets = -1;  // a malformed entry fails the test
        }
      }
      log->video_stats.fetch_add(1);
      log->waiter.notify();
    };
    cb.on_error = [](otc_publisher *, void *self, const char *message, otc_publisher_error_code code) {
      auto *log = static_cast<PublisherLog *>(self);
      {
        std::lock_guard<std::mutex> lock(log->waiter.mutex_);
        log->last_error = message ? message : "";
      }
      log->add("error:" + std::to_string(code));
    };
    return cb;
  }
};

// An application capturer as the SDK's samples write one: start makes a thread that provides
// frames until stop; destroy joins it. Records the order of the callbacks.
struct AppCapturer {
  std::mutex mutex;
  std::vector<std::string> calls;
  const otc_video_capturer *handle = nullptr;
  std::thread thread;
  std::atomic<bool> running{false};
  std::atomic<int> provided{0}, refused{0};
  std::atomic<int> provide_after_stop{-1};
  int width = 320, height = 240, rotation = 0;
  bool fail_init = false, fail_start = false;
  std::chrono::milliseconds interval{40};

  void record(const char *call) {
    std::lock_guard<std::mutex> lock(mutex);
    calls.push_back(call);
  }
  std::string order() {
    std::lock_guard<std::mutex> lock(mutex);
    std::string out;
    for (const auto &c : calls) out += (out.empty() ? "" : ",") + c;
    return out;
  }
  void run() {
    // A BGRA gradient that changes every frame, so the encoder has something to send.
    std::vector<uint8_t> pixels(static_cast<size_t>(width) * height * 4);
    for (uint32_t n = 0; running.load(); ++n) {
      for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i / 7 + n * 3);
      otc_video_frame *frame = otc_video_frame_new(OTC_VIDEO_FRAME_FORMAT_ARGB32, width, height, pixels.data());
      const otc_status status = otc_video_capturer_provide_frame(handle, rotation, frame);
      otc_video_frame_delete(frame);
      (status == OTC_SUCCESS ? provided : refused).fetch_add(1);
      std::this_thread::sleep_for(interval);
    }
  }
  otc_video_capturer_callbacks callbacks() {
    otc_video_capturer_callbacks cb{};
    cb.user_data = this;
    cb.init = [](const otc_video_capturer *capturer, void *self) -> otc_bool {
      auto *app = static_cast<AppCapturer *>(self);
      app->record("init");
      app->handle = capturer;
      return app->fail_init ? OTC_FALSE : OTC_TRUE;
    };
    cb.get_capture_settings = [](const otc_video_capturer *, void *self, otc_video_capturer_settings *settings) -> otc_bool {
      auto *app = static_cast<AppCapturer *>(self);
      app->record("settings");
      settings->format = OTC_VIDEO_FRAME_FORMAT_ARGB32;
      settings->width = app->width;
      settings->height = app->height;
      settings->fps = 25;
      return OTC_TRUE;
    };
    cb.start = [](const otc_video_capturer *, void *self) -> otc_bool {
      auto *app = static_cast<AppCapturer *>(self);
      app->record("start");
      if (app->fail_start) return OTC_FALSE;
      app->running = true;
      app->thread = std::thread([app] { app->run(); });
      return OTC_TRUE;
    };
    cb.stop = [](const otc_video_capturer *capturer, void *self) -> otc_bool {
      auto *app = static_cast<AppCapturer *>(self);
      app->record("stop");
      // Frames after stop are refused; the thread may still be inside provide_frame.
      std::vector<uint8_t> blank(64 * 64 * 3 / 2, 128);
      otc_video_frame *frame = otc_video_frame_new(OTC_VIDEO_FRAME_FORMAT_YUV420P, 64, 64, blank.data());
      app->provide_after_stop = otc_video_capturer_provide_frame(capturer, 0, frame);
      otc_video_frame_delete(frame);
      app->running = false;
      return OTC_TRUE;
    };
    cb.destroy = [](const otc_video_capturer *, void *self) -> otc_bool {
      auto *app = static_cast<AppCapturer *>(self);
      app->record("destroy");
      app->running = false;
      if (app->thread.joinable()) app->thread.join();
      return OTC_TRUE;
    };
    return cb;
  }
};

// ---- Without a session ----------------------------------------------------------------------

TEST(Publisher, SettingsCallsAndTheirErrors) {
  otc_publisher_settings *settings = otc_publisher_settings_new();
  ASSERT_NE(settings, nullptr);
  EXPECT_EQ(otc_publisher_settings_set_name(settings, "a name"), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_settings_set_stereo(settings, OTC_TRUE), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_settings_set_audio_track(settings, OTC_TRUE), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_settings_set_video_track(settings, OTC_TRUE), OTC_SUCCESS);
  AppCapturer app;
  const otc_video_capturer_callbacks ccb = app.callbacks();
  EXPECT_EQ(otc_publisher_settings_set_video_capturer(settings, &ccb), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_settings_set_video_capturer(settings, nullptr), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_settings_set_opus_dtx(settings, OTC_TRUE), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_settings_set_auto_gain_control(settings, OTC_FALSE), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_settings_set_noise_suppression(settings, OTC_FALSE), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_settings_set_echo_cancellation(settings, OTC_FALSE), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_settings_set_scalable_screenshare(settings, OTC_TRUE), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_settings_set_default_camera_capture_resolution(settings, OTC_CAMERA_CAPTURE_RESOLUTION_1080P),
            OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_settings_set_default_camera_capture_resolution(
                settings, static_cast<otc_camera_capture_resolution>(4)),
            OTC_INVALID_PARAM);
  for (auto set : {otc_publisher_settings_set_opus_dtx, otc_publisher_settings_set_auto_gain_control,
                   otc_publisher_settings_set_noise_suppression, otc_publisher_settings_set_echo_cancellation,
                   otc_publisher_settings_set_scalable_screenshare, otc_publisher_settings_set_stereo}) {
    EXPECT_EQ(set(nullptr, OTC_TRUE), OTC_INVALID_PARAM);
  }
  EXPECT_EQ(otc_publisher_settings_set_video_capturer(nullptr, &ccb), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_publisher_settings_delete(settings), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_settings_delete(nullptr), OTC_INVALID_PARAM);
  // The capturer set and then cleared was never used.
  EXPECT_EQ(app.order(), "");
}

TEST(Publisher, GettersAndSetters) {
  PublisherLog log;
  otc_publisher_callbacks cb = log.callbacks();
  otc_publisher *publisher = otc_publisher_new("getters", nullptr, &cb);
  ASSERT_NE(publisher, nullptr);
  EXPECT_STREQ(otc_publisher_get_name(publisher), "getters");
  EXPECT_EQ(otc_publisher_get_user_data(publisher), &log);
  const std::string id = otc_publisher_get_publisher_id(publisher);
  EXPECT_EQ(id.size(), 36u) << id;
  EXPECT_EQ(id[14], '4') << id;
  EXPECT_EQ(otc_publisher_get_session(publisher), nullptr);
  EXPECT_EQ(otc_publisher_get_stream(publisher), nullptr);

  EXPECT_EQ(otc_publisher_get_publish_video(publisher), OTC_TRUE);
  EXPECT_EQ(otc_publisher_get_publish_audio(publisher), OTC_TRUE);
  EXPECT_EQ(otc_publisher_set_publish_video(publisher, OTC_FALSE), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_set_publish_audio(publisher, OTC_FALSE), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_get_publish_video(publisher), OTC_FALSE);
  EXPECT_EQ(otc_publisher_get_publish_audio(publisher), OTC_FALSE);

  EXPECT_EQ(otc_publisher_get_video_type(publisher), OTC_PUBLISHER_VIDEO_TYPE_CAMERA);
  EXPECT_EQ(otc_publisher_set_video_type(publisher, OTC_PUBLISHER_VIDEO_TYPE_SCREEN), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_get_video_type(publisher), OTC_PUBLISHER_VIDEO_TYPE_SCREEN);
  EXPECT_EQ(otc_publisher_set_video_type(publisher, static_cast<otc_publisher_video_type>(7)), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_publisher_get_video_type(publisher), OTC_PUBLISHER_VIDEO_TYPE_SCREEN);

  EXPECT_EQ(otc_publisher_get_audio_fallback_enabled(publisher), OTC_FALSE);
  EXPECT_EQ(otc_publisher_set_audio_fallback_enabled(publisher, OTC_TRUE), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_get_audio_fallback_enabled(publisher), OTC_TRUE);

  EXPECT_EQ(otc_publisher_set_max_audio_bitrate(publisher, 64000), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_set_max_audio_bitrate(publisher, 100), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_publisher_set_max_audio_bitrate(publisher, 1000000), OTC_INVALID_PARAM);

  otc_publisher_rtc_stats_report_cb report{};
  EXPECT_EQ(otc_publisher_set_rtc_stats_report_cb(publisher, report), OTC_NOT_SUPPORTED);
  EXPECT_EQ(otc_publisher_get_rtc_stats_report(publisher), OTC_NOT_SUPPORTED);

  otc_publisher *other = otc_publisher_new(nullptr, nullptr, nullptr);
  ASSERT_NE(other, nullptr);
  EXPECT_STREQ(otc_publisher_get_name(other), "");
  EXPECT_EQ(otc_publisher_get_user_data(other), nullptr);
  EXPECT_NE(std::string(otc_publisher_get_publisher_id(other)), id);
  EXPECT_EQ(otc_publisher_delete(other), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_delete(publisher), OTC_SUCCESS);
  EXPECT_EQ(otc_publisher_delete(nullptr), OTC_SUCCESS);
}

TEST(Publisher, NullPublisherIsRefusedEverywhere) {
  EXPECT_EQ(otc_publisher_get_stream(nullptr), nullptr);
  EXPECT_EQ(otc_publisher_get_session(nullptr), nullptr);
  EXPECT_EQ(otc_publisher_get_name(nullptr), nullptr);
  EXPECT_EQ(otc_publisher_get_publisher_id(nullptr), nullptr);
  EXPECT_EQ(otc_publisher_get_user_data(nullptr), nullptr);
  EXPECT_EQ(otc_publisher_get_publish_audio(nullptr), OTC_FALSE);
  EXPECT_EQ(otc_publisher_get_publish_video(nullptr), OTC_FALSE);
  EXPECT_EQ(otc_publisher_get_audio_fallback_enabled(nullptr), OTC_FALSE);
  EXPECT_EQ(otc_publisher_set_audio_fallback_enabled(nullptr, OTC_TRUE), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_publisher_set_video_type(nullptr, OTC_PUBLISHER_VIDEO_TYPE_CAMERA), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_publisher_set_max_audio_bitrate(nullptr, 64000), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_publisher_get_rtc_stats_report(nullptr), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_video_capturer_provide_frame(nullptr, 0, nullptr), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_video_capturer_get_content_hint(nullptr), OTC_VIDEO_CAPTURER_CONTENT_HINT_TYPE_NONE);
  EXPECT_EQ(otc_video_capturer_set_content_hint(nullptr, OTC_VIDEO_CAPTURER_CONTENT_HINT_TYPE_TEXT),
            OTC_INVALID_PARAM);
}

TEST(Publisher, CapturerLifecycleOrderAndPreviewFrames) {
  AppCapturer app;
  app.rotation = 90;
  const otc_video_capturer_callbacks ccb = app.callbacks();
  PublisherLog log;
  otc_publisher_callbacks cb = log.callbacks();
  otc_publisher *publisher = otc_publisher_new("capturer", &ccb, &cb);
  ASSERT_NE(publisher, nullptr);
  EXPECT_EQ(app.order(), "init,settings,start");
  // The preview sees the provided frames, turned upright (90 degrees: width and height swap).
  EXPECT_TRUE(log.waiter.wait([&] { return log.render_frames.load() >= 3; })) << log.render_frames.load();
  EXPECT_EQ(log.render_width.load(), 240);
  EXPECT_EQ(log.render_height.load(), 320);
  EXPECT_EQ(log.render_format.load(), OTC_VIDEO_FRAME_FORMAT_YUV420P);

  EXPECT_EQ(otc_video_capturer_get_content_hint(app.handle), OTC_VIDEO_CAPTURER_CONTENT_HINT_TYPE_NONE);
  EXPECT_EQ(otc_video_capturer_set_content_hint(app.handle, OTC_VIDEO_CAPTURER_CONTENT_HINT_TYPE_DETAIL), OTC_SUCCESS);
  EXPECT_EQ(otc_video_capturer_get_content_hint(app.handle), OTC_VIDEO_CAPTURER_CONTENT_HINT_TYPE_DETAIL);
  EXPECT_EQ(otc_video_capturer_set_content_hint(app.handle, static_cast<otc_video_capturer_content_hint_type>(9)),
            OTC_INVALID_PARAM);
  EXPECT_EQ(otc_video_capturer_provide_frame(app.handle, 45, nullptr), OTC_INVALID_PARAM);

  EXPECT_EQ(otc_publisher_delete(publisher), OTC_SUCCESS);
  EXPECT_EQ(app.order(), "init,settings,start,stop,destroy");
  EXPECT_EQ(app.provide_after_stop.load(), OTC_FATAL);
  EXPECT_GE(app.provided.load(), 3);
  EXPECT_FALSE(app.thread.joinable());
}

TEST(Publisher, CapturerFrameChecks) {
  AppCapturer app;
  const otc_video_capturer_callbacks ccb = app.callbacks();
  app.fail_start = true;  // no thread: this test provides the frames itself
  otc_publisher *publisher = otc_publisher_new("checks", &ccb, nullptr);
  ASSERT_NE(publisher, nullptr);
  std::vector<uint8_t> pixels(64 * 48 * 3 / 2, 100);
  otc_video_frame *frame = otc_video_frame_new(OTC_VIDEO_FRAME_FORMAT_YUV420P, 64, 48, pixels.data());
  for (int rotation : {0, 90, 180, 270}) EXPECT_EQ(otc_video_capturer_provide_frame(app.handle, rotation, frame), OTC_SUCCESS);
  for (int rotation : {-90, 1, 360}) {
    EXPECT_EQ(otc_video_capturer_provide_frame(app.handle, rotation, frame), OTC_INVALID_PARAM) << rotation;
  }
  otc_video_frame_delete(frame);
  const uint8_t bytes[4] = {1, 2, 3, 4};
  frame = otc_video_frame_new_compressed(64, 48, bytes, sizeof bytes);
  EXPECT_EQ(otc_video_capturer_provide_frame(app.handle, 0, frame), OTC_INVALID_PARAM);
  otc_video_frame_delete(frame);
  EXPECT_EQ(otc_publisher_delete(publisher), OTC_SUCCESS);
  // start failed: no stop; destroy still follows the successful init.
  EXPECT_EQ(app.order(), "init,settings,start,destroy");
}

TEST(Publisher, CapturerWhoseInitFailsIsNeverStartedNorDestroyed) {
  AppCapturer app;
  app.fail_init = true;
  const otc_video_capturer_callbacks ccb = app.callbacks();
  otc_publisher *publisher = otc_publisher_new("init fails", &ccb, nullptr);
  ASSERT_NE(publisher, nullptr);
  EXPECT_EQ(otc_publisher_delete(publisher), OTC_SUCCESS);
  EXPECT_EQ(app.order(), "init");
}

TEST(Publisher, CapturerWithNullCallbacksWorks) {
  otc_video_capturer_callbacks ccb{};
  otc_publisher *publisher = otc_publisher_new("bare", &ccb, nullptr);
  ASSERT_NE(publisher, nullptr);
  EXPECT_EQ(otc_publisher_delete(publisher), OTC_SUCCESS);
}

TEST(Publisher, DeletedWhileTheApplicationThreadProvidesFrames) {
  // Teardown at any point: many short lives, each deleted while frames are being provided.
  for (int i = 0; i < 20; ++i) {
    AppCapturer app;
    app.interval = 0ms;
    app.width = 64;
    app.height = 64;
    const otc_video_capturer_callbacks ccb = app.callbacks();
    PublisherLog log;
    otc_publisher_callbacks cb = log.callbacks();
    otc_publisher *publisher = otc_publisher_new("churn", &ccb, &cb);
    ASSERT_NE(publisher, nullptr);
    std::this_thread::sleep_for(std::chrono::milliseconds(i % 5));
    EXPECT_EQ(otc_publisher_delete(publisher), OTC_SUCCESS);
    EXPECT_EQ(app.order(), "init,settings,start,stop,destroy");
  }
}

// ---- In a session -------------------------------------------------------------------------

struct Client {
  otc_session *session = nullptr;
  std::atomic<bool> connected{false};
  std::mutex mutex;
  otc_stream *stream = nullptr;  // the first stream received (a copy)
  Waiter waiter;

  explicit Client(const std::string &session_id) {
    otc_session_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_session *, void *self) {
      auto *client = static_cast<Client *>(self);
      client->connected = true;
      client->waiter.notify();
    };
    cb.on_stream_received = [](otc_session *, void *self, const otc_stream *stream) {
      auto *client = static_cast<Client *>(self);
      {
        std::lock_guard<std::mutex> lock(client->mutex);
        if (!client->stream) client->stream = otc_stream_copy(stream);
      }
      client->waiter.notify();
    };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, ServerSuite::server->signaling().c_str());
    session = otc_session_new_with_settings(otc_test::kApiKey, session_id.c_str(), &cb, settings);
    otc_session_settings_delete(settings);
  }
  ~Client() {
    otc_session_delete(session);
    if (stream) otc_stream_delete(stream);
  }
  bool connect(const std::string &token) {
    return otc_session_connect(session, token.c_str()) == OTC_SUCCESS &&
           waiter.wait([&] { return connected.load(); });
  }
  otc_stream *wait_stream() {
    waiter.wait([&] {
      std::lock_guard<std::mutex> lock(mutex);
      return stream != nullptr;
    });
    std::lock_guard<std::mutex> lock(mutex);
    return stream;
  }
};

// What a subscriber renders: only on_render_frame is used, so this holds across the
// subscriber's own conversion to the SDK's callbacks.
struct Viewer {
  std::atomic<int> frames{0}, width{0}, height{0};
  otc_subscriber_callbacks callbacks() {
    otc_subscriber_callbacks cb{};
    cb.user_data = this;
    cb.on_render_frame = [](otc_subscriber *, void *self, const otc_video_frame *frame) {
      auto *viewer = static_cast<Viewer *>(self);
      viewer->width = otc_video_frame_get_width(frame);
      viewer->height = otc_video_frame_get_height(frame);
      viewer->frames.fetch_add(1);
    };
    return cb;
  }
  bool wait_frames(int count, std::chrono::seconds timeout = 30s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (frames.load() >= count) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
};

class PublisherCall : public ServerSuite {
 protected:
  void SetUp() override {
    ServerSuite::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
    session_id_ = ServerSuite::server->create_session(false);
    a_ = std::make_unique<Client>(session_id_);
    b_ = std::make_unique<Client>(session_id_);
    ASSERT_TRUE(a_->connect(Server::token(session_id_)));
    ASSERT_TRUE(b_->connect(Server::token(session_id_)));
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    otc_destroy();
  }
  // Publishes from a, subscribes from b; true once b renders `frames` frames.
  bool publish_and_view(otc_publisher *publisher, PublisherLog &log, Viewer &viewer, int frames) {
    if (otc_session_publish(a_->session, publisher) != OTC_SUCCESS) return false;
    if (!log.wait("created")) return false;
    otc_stream *stream = b_->wait_stream();
    if (!stream) return false;
    auto scb = viewer.callbacks();
    subscriber_ = otc_subscriber_new(stream, &scb);
    if (!subscriber_ || otc_session_subscribe(b_->session, subscriber_) != OTC_SUCCESS) return false;
    return viewer.wait_frames(frames);
  }
  void end_subscriber() {
    otc_subscriber_delete(subscriber_);
    subscriber_ = nullptr;
  }
  std::string session_id_;
  std::unique_ptr<Client> a_, b_;
  otc_subscriber *subscriber_ = nullptr;
};

TEST_F(PublisherCall, CustomCapturerFramesReachASubscriber) {
  AppCapturer app;
  const otc_video_capturer_callbacks ccb = app.callbacks();
  PublisherLog log;
  otc_publisher_callbacks cb = log.callbacks();
  otc_publisher *publisher = otc_publisher_new("custom capturer", &ccb, &cb);
  ASSERT_NE(publisher, nullptr);
  Viewer viewer;
  EXPECT_TRUE(publish_and_view(publisher, log, viewer, 10)) << log.all() << " rendered " << viewer.frames.load();
  EXPECT_EQ(viewer.width.load(), 320);
  EXPECT_EQ(viewer.height.load(), 240);
  EXPECT_EQ(otc_publisher_get_session(publisher), a_->session);
  otc_stream *own = otc_publisher_get_stream(publisher);
  ASSERT_NE(own, nullptr);
  EXPECT_STREQ(otc_stream_get_id(own), otc_publisher_get_stream_id(publisher));
  EXPECT_EQ(otc_publisher_set_max_audio_bitrate(publisher, 32000), OTC_SUCCESS);
  EXPECT_EQ(app.order(), "init,settings,start");
  // Unpublished and published again: the capturer is not restarted.
  EXPECT_EQ(otc_session_unpublish(a_->session, publisher), OTC_SUCCESS);
  EXPECT_TRUE(log.wait("destroyed"));
  EXPECT_EQ(otc_publisher_get_session(publisher), nullptr);
  EXPECT_EQ(otc_publisher_get_stream(publisher), nullptr);
  end_subscriber();
  EXPECT_EQ(app.order(), "init,settings,start");
  // Torn down while published and frames flow.
  EXPECT_EQ(otc_session_publish(a_->session, publisher), OTC_SUCCESS);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(otc_publisher_delete(publisher), OTC_SUCCESS);
  EXPECT_EQ(app.order(), "init,settings,start,stop,destroy");
}

TEST_F(PublisherCall, CapturerWhoseStartFailedCannotPublish) {
  AppCapturer app;
  app.fail_start = true;
  const otc_video_capturer_callbacks ccb = app.callbacks();
  PublisherLog log;
  otc_publisher_callbacks cb = log.callbacks();
  otc_publisher *publisher = otc_publisher_new("start fails", &ccb, &cb);
  EXPECT_EQ(otc_session_publish(a_->session, publisher), OTC_PUBLISHER_UNABLE_TO_PUBLISH);
  EXPECT_TRUE(log.wait("error:1500")) << log.all();
  EXPECT_EQ(otc_publisher_delete(publisher), OTC_SUCCESS);
}

TEST_F(PublisherCall, StandInPatternWithItsSize) {
  ScopedEnv env("OTC_VIDEO_CAPTURER", "pattern:320x180@15");
  PublisherLog log;
  otc_publisher_callbacks cb = log.callbacks();
  otc_publisher *publisher = otc_publisher_new("pattern", nullptr, &cb);
  Viewer viewer;
  EXPECT_TRUE(publish_and_view(publisher, log, viewer, 10)) << log.all();
  EXPECT_EQ(viewer.width.load(), 320);
  EXPECT_EQ(viewer.height.load(), 180);
  // The preview sees what is sent.
  EXPECT_GT(log.render_frames.load(), 0);
  EXPECT_EQ(log.render_width.load(), 320);
  otc_media_check check{};
  ASSERT_EQ(otc_subscriber_get_media_check(subscriber_, &check), OTC_SUCCESS);
  EXPECT_GT(check.frames_received, 0u);  // the media check reads the pattern's frame code
  // The periodic callbacks: one entry (one subscriber, relayed), media counted.
  EXPECT_TRUE(log.waiter.wait([&] { return log.video_stats.load() >= 2 && log.video_bytes.load() > 0; }))
      << log.video_stats.load();
  EXPECT_GT(log.video_packets.load(), 0);
  EXPECT_GE(log.audio_stats.load(), 1);
  EXPECT_EQ(log.stats_entries.load(), 1u);
  EXPECT_GT(log.audio_bytes.load(), 0);
  EXPECT_GE(log.levels.load(), 1);
  end_subscriber();
  EXPECT_EQ(otc_publisher_delete(publisher), OTC_SUCCESS);
}

TEST_F(PublisherCall, StandInY4mFileLoops) {
  // A 128x96 file of 3 frames at 25 fps: more than 3 frames arriving shows the loop.
  char path[] = "/tmp/otc-pub-test-XXXXXX.y4m";
  const int fd = mkstemps(path, 4);
  ASSERT_GE(fd, 0);
  FILE *file = fdopen(fd, "wb");
  std::fprintf(file, "YUV4MPEG2 W128 H96 F25:1 Ip A1:1 C420jpeg\n");
  std::vector<uint8_t> frame(128 * 96 * 3 / 2);
  for (int n = 0; n < 3; ++n) {
    std::fprintf(file, "FRAME\n");
    for (size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<uint8_t>(i + n * 50);
    std::fwrite(frame.data(), 1, frame.size(), file);
  }
  std::fclose(file);
  {
    ScopedEnv env("OTC_VIDEO_CAPTURER", (std::string("file:") + path).c_str());
    PublisherLog log;
    otc_publisher_callbacks cb = log.callbacks();
    otc_publisher *publisher = otc_publisher_new("file", nullptr, &cb);
    Viewer viewer;
    EXPECT_TRUE(publish_and_view(publisher, log, viewer, 10)) << log.all();
    EXPECT_EQ(viewer.width.load(), 128);
    EXPECT_EQ(viewer.height.load(), 96);
    end_subscriber();
    EXPECT_EQ(otc_publisher_delete(publisher), OTC_SUCCESS);
  }
  std::remove(path);
}

TEST_F(PublisherCall, DefaultCameraWithoutADeviceIsAClearError) {
  if (otc_test::capture_nodes_on_this_machine() > 0) GTEST_SKIP() << "this machine has a camera";
  // The SDK's samples: otc_publisher_new(name, NULL, callbacks), OTC_VIDEO_CAPTURER unset.
  for (const char *value : {static_cast<const char *>(nullptr), "camera"}) {
    for (int resolution : {OTC_CAMERA_CAPTURE_RESOLUTION_MEDIUM, OTC_CAMERA_CAPTURE_RESOLUTION_1080P}) {
      ScopedEnv env("OTC_VIDEO_CAPTURER", value);
      PublisherLog log;
      otc_publisher_callbacks cb = log.callbacks();
      otc_publisher *publisher;
      if (resolution == OTC_CAMERA_CAPTURE_RESOLUTION_MEDIUM) {
        publisher = otc_publisher_new("camera", nullptr, &cb);
      } else {
        otc_publisher_settings *settings = otc_publisher_settings_new();
        otc_publisher_settings_set_default_camera_capture_resolution(
            settings, static_cast<otc_camera_capture_resolution>(resolution));
        otc_publisher_settings_set_name(settings, "camera 1080p");
        publisher = otc_publisher_new_with_settings(&cb, settings);
        otc_publisher_settings_delete(settings);
      }
      ASSERT_NE(publisher, nullptr);
      EXPECT_EQ(otc_session_publish(a_->session, publisher), OTC_PUBLISHER_UNABLE_TO_PUBLISH);
      EXPECT_TRUE(log.wait("error:1500")) << log.all();
      {
        std::lock_guard<std::mutex> lock(log.waiter.mutex_);
        EXPECT_NE(log.last_error.find("no V4L2 camera found"), std::string::npos) << log.last_error;
        EXPECT_NE(log.last_error.find("OTC_VIDEO_CAPTURER=pattern"), std::string::npos) << log.last_error;
        EXPECT_NE(log.last_error.find("file:PATH.y4m"), std::string::npos) << log.last_error;
        std::printf("  on_error: %s\n", log.last_error.c_str());
      }
      EXPECT_EQ(otc_publisher_get_session(publisher), nullptr);
      EXPECT_EQ(otc_publisher_get_stream(publisher), nullptr);
      EXPECT_EQ(otc_publisher_delete(publisher), OTC_SUCCESS);
    }
  }
}

TEST_F(PublisherCall, NoCameraBadValuesAndMissingFilesAreClearErrors) {
  // value, and what the message must name besides OTC_VIDEO_CAPTURER.
  const std::pair<const char *, const char *> cases[] = {
      {"patern", "patern"},
      {"pattern:10x10@5", "pattern:10x10@5"},
      {"pattern:320x240", "WxH@FPS"},
      {"file:/nonexistent/clip.y4m", "/nonexistent/clip.y4m"},
      {"file:clip.mp4", ".y4m"},
      {"camera:", "camera:/dev/videoN"},
      {"camera:/dev/nonexistent", "camera /dev/nonexistent: cannot open it"},
      {"camera:/dev/null", "camera /dev/null: it is not a V4L2 device"},
      {"camera:no such camera", "\"no such camera\""},
  };
  for (const auto &[value, named] : cases) {
    ScopedEnv env("OTC_VIDEO_CAPTURER", value);
    PublisherLog log;
    otc_publisher_callbacks cb = log.callbacks();
    otc_publisher *publisher = otc_publisher_new("no video", nullptr, &cb);
    EXPECT_EQ(otc_session_publish(a_->session, publisher), OTC_PUBLISHER_UNABLE_TO_PUBLISH) << value;
    EXPECT_TRUE(log.wait("error:1500")) << log.all();
    {
      std::lock_guard<std::mutex> lock(log.waiter.mutex_);
      EXPECT_NE(log.last_error.find("OTC_VIDEO_CAPTURER"), std::string::npos) << log.last_error;
      EXPECT_NE(log.last_error.find(named), std::string::npos) << log.last_error;
      std::printf("  %s: %s\n", value, log.last_error.c_str());
    }
    EXPECT_EQ(otc_publisher_get_session(publisher), nullptr);
    EXPECT_EQ(otc_publisher_delete(publisher), OTC_SUCCESS);
  }
  // Audio only needs no video source at all.
  ScopedEnv env("OTC_VIDEO_CAPTURER", "camera");
  PublisherLog log;
  otc_publisher_callbacks cb = log.callbacks();
  otc_publisher_settings *settings = otc_publisher_settings_new();
  otc_publisher_settings_set_video_track(settings, OTC_FALSE);
  otc_publisher *publisher = otc_publisher_new_with_settings(&cb, settings);
  otc_publisher_settings_delete(settings);
  EXPECT_EQ(otc_session_publish(a_->session, publisher), OTC_SUCCESS);
  EXPECT_TRUE(log.wait("created")) << log.all();
  EXPECT_EQ(otc_publisher_delete(publisher), OTC_SUCCESS);
}

}  // namespace
