// A call for the audio device tests: two sessions of this process on the session server, one
// publishing (video and audio), the other subscribed; PCM the subscriber hears is counted.
#pragma once

#include <otc/otc.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "audio_device_app.h"
#include "events.h"
#include "session_server.h"

namespace otc_test {

struct AudioClient {
  Events events;
  otc_session *session = nullptr;
  std::mutex mutex;
  otc_stream *stream = nullptr;

  explicit AudioClient(const std::string &session_id) {
    otc_session_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_session *, void *self) { static_cast<AudioClient *>(self)->events.add("connected"); };
    cb.on_stream_received = [](otc_session *, void *self, const otc_stream *stream) {
      auto *client = static_cast<AudioClient *>(self);
      {
        std::lock_guard<std::mutex> lock(client->mutex);
        if (!client->stream) client->stream = otc_stream_copy(stream);
      }
      client->events.add("stream");
    };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, ServerSuite::server->signaling().c_str());
    session = otc_session_new_with_settings(kApiKey, session_id.c_str(), &cb, settings);
    otc_session_settings_delete(settings);
  }
  ~AudioClient() {
    otc_session_delete(session);
    if (stream) otc_stream_delete(stream);
  }
  bool connect(const std::string &session_id) {
    return otc_session_connect(session, Server::token(session_id).c_str()) == OTC_SUCCESS && events.wait("connected");
  }
};

struct PublisherLog {
  Events events;
  std::mutex mutex;
  std::string last_error;
  otc_publisher_callbacks callbacks() {
    otc_publisher_callbacks cb{};
    cb.user_data = this;
    cb.on_stream_created = [](otc_publisher *, void *self, const otc_stream *) {
      static_cast<PublisherLog *>(self)->events.add("created");
    };
    cb.on_error = [](otc_publisher *, void *self, const char *message, otc_publisher_error_code code) {
      auto *log = static_cast<PublisherLog *>(self);
      {
        std::lock_guard<std::mutex> lock(log->mutex);
        log->last_error = message ? message : "";
      }
      log->events.add("error:" + std::to_string(code));
    };
    return cb;
  }
};

// Counts the subscriber's audio blocks and, when listen_hz is set, the 100 ms windows (first
// channel) whose energy is mostly that tone.
struct SubscriberLog {
  Events events;
  std::atomic<int> audio_blocks{0};
  std::atomic<long> tone_windows{0};
  double listen_hz = 0;
  std::vector<int16_t> window;  // the audio callback's thread only
  otc_subscriber_callbacks callbacks() {
    otc_subscriber_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_subscriber *, void *self, const otc_stream *) {
      static_cast<SubscriberLog *>(self)->events.add("connected");
    };
    return cb;
  }
  // Decoded PCM is a node-otc extension callback.
  static otc_subscriber_extension_callbacks extension() {
    otc_subscriber_extension_callbacks cb{};
    cb.on_audio_data = [](otc_subscriber *, void *self, const otc_audio_data *data) {
      auto *log = static_cast<SubscriberLog *>(self);
      const auto *samples = static_cast<const int16_t *>(data->sample_buffer);
      const size_t frames = data->number_of_samples;
      const int rate = data->sample_rate;
      const int channels = static_cast<int>(data->number_of_channels);
      log->audio_blocks.fetch_add(1);
      if (log->listen_hz <= 0 || rate <= 0 || channels <= 0) return;
      for (size_t i = 0; i < frames; ++i) {
        log->window.push_back(samples[i * static_cast<size_t>(channels)]);
        if (log->window.size() == static_cast<size_t>(rate / 10)) {
          if (test_audio_tone_share(log->window.data(), log->window.size(), rate, log->listen_hz) > 0.5) {
            log->tone_windows.fetch_add(1);
          }
          log->window.clear();
        }
      }
    };
    return cb;
  }
};

// a publishes, b subscribes; members are deleted in reverse order unless a test deletes them
// first (then set to null).
struct AudioCall {
  std::string session_id;
  std::unique_ptr<AudioClient> a, b;
  PublisherLog pe;
  SubscriberLog se;
  otc_publisher *publisher = nullptr;
  otc_subscriber *subscriber = nullptr;
  double volume = -1;  // >= 0: set on the subscriber before it subscribes

  AudioCall() {
    session_id = ServerSuite::server->create_session(false);
    a = std::make_unique<AudioClient>(session_id);
    b = std::make_unique<AudioClient>(session_id);
    EXPECT_TRUE(a->connect(session_id));
    EXPECT_TRUE(b->connect(session_id));
  }
  // raw_audio: the publisher's audio processing off, so that the level sent does not follow what
  // this process plays out (its echo canceller would take the tone played for an echo).
  otc_status publish(bool raw_audio = false) {
    auto cb = pe.callbacks();
    otc_publisher_settings *settings = otc_publisher_settings_new();
    otc_publisher_settings_set_name(settings, "audio test");
    if (raw_audio) {
      otc_publisher_settings_set_echo_cancellation(settings, OTC_FALSE);
      otc_publisher_settings_set_auto_gain_control(settings, OTC_FALSE);
      otc_publisher_settings_set_noise_suppression(settings, OTC_FALSE);
    }
    publisher = otc_publisher_new_with_settings(&cb, settings);
    otc_publisher_settings_delete(settings);
    return otc_session_publish(a->session, publisher);
  }
  bool subscribe() {
    if (!pe.events.wait("created") || !b->events.wait("stream")) return false;
    auto cb = se.callbacks();
    subscriber = otc_subscriber_new(b->stream, &cb);
    const auto ext = SubscriberLog::extension();
    if (subscriber) otc_subscriber_set_extension_callbacks(subscriber, &ext);
    if (subscriber && volume >= 0) otc_subscriber_set_audio_volume(subscriber, volume);
    return subscriber && otc_session_subscribe(b->session, subscriber) == OTC_SUCCESS && se.events.wait("connected");
  }
  void end_subscriber() {
    otc_subscriber_delete(subscriber);
    subscriber = nullptr;
  }
  void end_publisher() {
    otc_publisher_delete(publisher);
    publisher = nullptr;
  }
  ~AudioCall() {
    end_subscriber();
    end_publisher();
    b.reset();
    a.reset();
  }
};

}  // namespace otc_test
