// The SDK's custom audio device (opentok/audio_device.h) in real calls through the session
// server: a device written in C (audio_device_app.c) captures a tone that the subscriber's side
// of the same device must hear; the device's callbacks come in a sane order and end with stop
// and destroy; replacing the device mid-call, and otc_destroy, call nothing more. Also: what
// publishing audio reports when no device can capture.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <unistd.h>
#include <functional>
#include <string>
#include <thread>

#include "audio_call.h"
#include "audio_device_app.h"

using namespace std::chrono_literals;
using otc_test::AudioCall;

namespace {

std::string log_of(test_audio_device *device) {
  char text[8192];
  test_audio_device_log(device, text, sizeof text);
  return text;
}

// The log's events of one direction ("capture" or "render"), plus init and destroy: libwebrtc
// starts and stops the two directions in an order of its own.
std::string direction_log(test_audio_device *device, const std::string &direction) {
  const std::string log = log_of(device);
  std::string out;
  size_t at = 0;
  while (at <= log.size()) {
    size_t comma = log.find(',', at);
    if (comma == std::string::npos) comma = log.size();
    const std::string event = log.substr(at, comma - at);
    if (event == "init" || event == "destroy" || event.find(direction) != std::string::npos) {
      out += (out.empty() ? "" : ",") + event;
    }
    at = comma + 1;
  }
  return out;
}

// Waits until the renderer has heard `windows` 100 ms windows of its tone.
bool hears_tone(test_audio_device *device, long windows, std::chrono::seconds timeout = 30s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (test_audio_device_tone_windows(device) >= windows) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

bool eventually(const std::function<bool()> &condition, std::chrono::seconds timeout = 10s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

// Each test sets its device after otc_init, as the SDK's sample does; TearDown goes back to the
// default device so that the next test starts clean.
class AudioDeviceCall : public otc_test::ServerSuite {
 protected:
  void SetUp() override {
    ServerSuite::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  }
  void TearDown() override {
    otc_set_audio_device(nullptr);
    otc_destroy();
  }
};

TEST_F(AudioDeviceCall, TheDevicesToneReachesTheSubscriberAndTheDeviceIsStoppedAndDestroyed) {
  // Capture at 16 kHz, render at 48 kHz: the engine resamples both ways.
  test_audio_device *device = test_audio_device_new(600, 600, 16000, 48000);
  ASSERT_EQ(otc_set_audio_device(test_audio_device_callbacks(device)), OTC_SUCCESS);
  {
    AudioCall call;
    ASSERT_EQ(call.publish(), OTC_SUCCESS) << call.pe.events.all();
    ASSERT_TRUE(call.subscribe());
    EXPECT_TRUE(hears_tone(device, 20)) << "windows " << test_audio_device_windows(device) << ", tone "
                                        << test_audio_device_tone_windows(device) << "; " << log_of(device);
    // Nearly all of what is heard once it started is the tone (a few windows at the start and
    // around packet loss may not be).
    const long windows = test_audio_device_windows(device), tone = test_audio_device_tone_windows(device);
    std::printf("  rendered %ld windows of 100 ms, %ld of them the tone\n", windows, tone);
    EXPECT_EQ(test_audio_device_write_errors(device), 0);
    EXPECT_EQ(direction_log(device, "captur"), "init,init_capturer,get_capture_settings,start_capturer");
    EXPECT_EQ(direction_log(device, "render"), "init,init_renderer,get_render_settings,start_renderer");

    call.end_subscriber();
    EXPECT_TRUE(eventually([&] { return !test_audio_device_rendering(device); }));
    call.end_publisher();
    EXPECT_TRUE(eventually([&] { return !test_audio_device_capturing(device); }));
  }
  // The subscriber went first, so playout stopped first.
  const std::string log = log_of(device);
  EXPECT_LT(log.find("destroy_renderer"), log.find("stop_capturer")) << log;
  EXPECT_EQ(direction_log(device, "captur"),
            "init,init_capturer,get_capture_settings,start_capturer,stop_capturer,destroy_capturer,destroy");
  EXPECT_EQ(direction_log(device, "render"),
            "init,init_renderer,get_render_settings,start_renderer,stop_renderer,destroy_renderer,destroy");
  // As the SDK's sample does: the device is freed after the sessions are gone, before
  // otc_destroy (TearDown), which must not touch it.
  test_audio_device_delete(device);
}

// The loudest sample the device plays over `windows` 100 ms windows, counted from a few windows
// after now (a volume change reaches what is read with the device's buffering).
int rendered_peak(test_audio_device *device, long windows) {
  const long settle = test_audio_device_windows(device) + 3;
  if (!eventually([&] { return test_audio_device_windows(device) >= settle; })) return -1;
  test_audio_device_reset_peak(device);
  const long until = test_audio_device_windows(device) + windows;
  if (!eventually([&] { return test_audio_device_windows(device) >= until; })) return -1;
  return test_audio_device_peak(device);
}

// otc_subscriber_set_audio_volume changes what the audio device plays: the receiver's gain in
// libwebrtc's playout mix. The tone is captured at 12000 (of 32767), its processing off (see
// AudioCall::publish).
TEST_F(AudioDeviceCall, TheSubscribersVolumeScalesWhatTheDevicePlays) {
  test_audio_device *device = test_audio_device_new(600, 600, 48000, 48000);
  ASSERT_EQ(otc_set_audio_device(test_audio_device_callbacks(device)), OTC_SUCCESS);
  {
    AudioCall call;
    ASSERT_EQ(call.publish(true), OTC_SUCCESS) << call.pe.events.all();
    ASSERT_TRUE(call.subscribe());
    ASSERT_TRUE(hears_tone(device, 5));
    const int full = rendered_peak(device, 10);
    EXPECT_GT(full, 6000);
    ASSERT_EQ(otc_subscriber_set_audio_volume(call.subscriber, 0), OTC_SUCCESS);
    EXPECT_EQ(rendered_peak(device, 10), 0);
    ASSERT_EQ(otc_subscriber_set_audio_volume(call.subscriber, 50), OTC_SUCCESS);
    const int half = rendered_peak(device, 10);
    EXPECT_GT(half, full * 35 / 100) << full;
    EXPECT_LT(half, full * 65 / 100) << full;
    ASSERT_EQ(otc_subscriber_set_audio_volume(call.subscriber, 100), OTC_SUCCESS);
    EXPECT_GT(rendered_peak(device, 10), full * 85 / 100);
    call.end_subscriber();
  }
  // Set before subscribing: silent from the first sample.
  {
    AudioCall call;
    call.volume = 0;
    ASSERT_EQ(call.publish(true), OTC_SUCCESS) << call.pe.events.all();
    ASSERT_TRUE(call.subscribe());
    EXPECT_TRUE(eventually([&] { return call.se.audio_blocks.load() >= 100; }, 30s));  // audio arrives
    EXPECT_EQ(rendered_peak(device, 10), 0);
    double volume = -1;
    EXPECT_EQ(otc_subscriber_get_audio_volume(call.subscriber, &volume), OTC_SUCCESS);
    EXPECT_EQ(volume, 0);
    ASSERT_EQ(otc_subscriber_set_audio_volume(call.subscriber, 100), OTC_SUCCESS);
    EXPECT_GT(rendered_peak(device, 10), 6000);
  }
  test_audio_device_delete(device);
}

TEST_F(AudioDeviceCall, WritesWithoutACustomDeviceOrWhileNotCapturingAreHandled) {
  int16_t samples[480] = {};
  EXPECT_EQ(otc_audio_device_write_capture_data(samples, 480), OTC_FATAL);  // no device set
  EXPECT_EQ(otc_audio_device_read_render_data(samples, 480), 0u);
  test_audio_device *device = test_audio_device_new(600, 600, 48000, 48000);
  ASSERT_EQ(otc_set_audio_device(test_audio_device_callbacks(device)), OTC_SUCCESS);
  EXPECT_EQ(otc_audio_device_write_capture_data(nullptr, 480), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_audio_device_write_capture_data(samples, 480), OTC_SUCCESS);  // dropped: not capturing
  EXPECT_EQ(otc_audio_device_read_render_data(samples, 480), 0u);            // nothing plays yet
  EXPECT_EQ(log_of(device), "");  // nothing was started, so nothing is called
  ASSERT_EQ(otc_set_audio_device(nullptr), OTC_SUCCESS);
  EXPECT_EQ(otc_audio_device_write_capture_data(samples, 480), OTC_FATAL);
  test_audio_device_delete(device);
}

TEST_F(AudioDeviceCall, ReplacingTheDeviceMidCallStopsItAndTheSyntheticDeviceTakesOver) {
  test_audio_device *device = test_audio_device_new(600, 600, 48000, 48000);
  ASSERT_EQ(otc_set_audio_device(test_audio_device_callbacks(device)), OTC_SUCCESS);
  {
    AudioCall call;
    ASSERT_EQ(call.publish(), OTC_SUCCESS);
    ASSERT_TRUE(call.subscribe());
    ASSERT_TRUE(hears_tone(device, 5)) << log_of(device);
    const int blocks_before = call.se.audio_blocks.load();
    // The project's own call selects the synthetic device: the application's device is stopped
    // and destroyed at once, while the call goes on.
    ASSERT_EQ(otc_audio_capture_tone(440, 0.5), OTC_SUCCESS);
    EXPECT_EQ(direction_log(device, "captur"),
              "init,init_capturer,get_capture_settings,start_capturer,stop_capturer,destroy_capturer,destroy");
    EXPECT_EQ(direction_log(device, "render"),
              "init,init_renderer,get_render_settings,start_renderer,stop_renderer,destroy_renderer,destroy");
    EXPECT_FALSE(test_audio_device_capturing(device));
    EXPECT_FALSE(test_audio_device_rendering(device));
    // The synthetic device's clock now pulls the subscriber's audio.
    EXPECT_TRUE(eventually([&] { return call.se.audio_blocks.load() > blocks_before + 100; }))
        << call.se.audio_blocks.load() << " blocks, " << blocks_before << " before";
  }
  const std::string log = log_of(device);
  test_audio_device_delete(device);  // nothing may call it from here on
  EXPECT_EQ(log.find("destroy", log.size() - 7), log.size() - 7) << log;
}

TEST_F(AudioDeviceCall, TearingTheCallDownRightAfterPublishingIsClean) {
  for (int round = 0; round < 3; ++round) {
    test_audio_device *device = test_audio_device_new(600, 600, 48000, 48000);
    ASSERT_EQ(otc_set_audio_device(test_audio_device_callbacks(device)), OTC_SUCCESS);
    {
      AudioCall call;
      ASSERT_EQ(call.publish(), OTC_SUCCESS);
      if (round > 0) ASSERT_TRUE(call.subscribe());
      if (round > 1) std::this_thread::sleep_for(300ms);
    }
    const std::string log = log_of(device);
    // Whatever was started was stopped, and an init was matched by a destroy.
    const bool started = log.find("start_capturer") != std::string::npos;
    EXPECT_EQ(started, log.find("destroy_capturer") != std::string::npos) << log;
    EXPECT_EQ(log.find("init,") == 0, log.size() >= 7 && log.compare(log.size() - 7, 7, "destroy") == 0) << log;
    EXPECT_FALSE(test_audio_device_capturing(device));
    EXPECT_FALSE(test_audio_device_rendering(device));
    ASSERT_EQ(otc_set_audio_device(nullptr), OTC_SUCCESS);
    test_audio_device_delete(device);
  }
}

// The OTC_AUDIO_DEVICE stand-ins an unmodified SDK program gets in CI: the tone it names, or a
// WAV file, is what the subscriber hears.
class StandInDevice : public otc_test::ServerSuite {
 protected:
  void TearDown() override { unsetenv("OTC_AUDIO_DEVICE"); }
  static long tone_windows_heard(double hz) {
    EXPECT_EQ(otc_init(nullptr), OTC_SUCCESS);
    long heard = 0;
    {
      AudioCall call;
      call.se.listen_hz = hz;
      EXPECT_EQ(call.publish(), OTC_SUCCESS) << call.pe.last_error;
      EXPECT_TRUE(call.subscribe());
      eventually([&] { return call.se.tone_windows.load() >= 20; }, 30s);
      heard = call.se.tone_windows.load();
    }
    otc_destroy();
    return heard;
  }
};

TEST_F(StandInDevice, ToneHzIsHeard) {
  setenv("OTC_AUDIO_DEVICE", "tone:750", 1);
  EXPECT_GE(tone_windows_heard(750), 20);
}

TEST_F(StandInDevice, AWavFileIsHeardLooped) {
  // 0.25 s of 16-bit stereo at 44.1 kHz: the stand-in loops it, at its own rate and channels.
  const std::string path = "/tmp/otc-audio-test-" + std::to_string(getpid()) + ".wav";
  {
    const int rate = 44100, channels = 2, frames = rate / 4;
    std::vector<int16_t> pcm;
    for (int i = 0; i < frames; ++i) {
      const auto v = static_cast<int16_t>(10000 * std::sin(2 * M_PI * 900.0 * i / rate));
      pcm.push_back(v);
      pcm.push_back(v);
    }
    auto le32 = [](uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; };
    auto le16 = [](uint16_t v) { return std::string{char(v), char(v >> 8)}; };
    const uint32_t data_bytes = static_cast<uint32_t>(pcm.size() * 2);
    std::string file = "RIFF" + le32(36 + data_bytes) + "WAVE" + "fmt " + le32(16) + le16(1) + le16(channels) +
                       le32(rate) + le32(rate * channels * 2) + le16(channels * 2) + le16(16) + "data" + le32(data_bytes);
    file.append(reinterpret_cast<const char *>(pcm.data()), data_bytes);
    std::ofstream(path, std::ios::binary) << file;
  }
  setenv("OTC_AUDIO_DEVICE", ("file:" + path).c_str(), 1);
  const long heard = tone_windows_heard(900);
  unlink(path.c_str());
  EXPECT_GE(heard, 20);
}

// Without a device that can capture, publishing audio fails at once with a message that names
// the variable choosing a stand-in; the variable is read at otc_init.
class NoAudioDevice : public otc_test::ServerSuite {};

TEST_F(NoAudioDevice, PublishingAudioWithABadStandInNameFailsClearly) {
  setenv("OTC_AUDIO_DEVICE", "loudspeaker", 1);
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  {
    AudioCall call;
    EXPECT_EQ(call.publish(), OTC_PUBLISHER_UNABLE_TO_PUBLISH);
    EXPECT_TRUE(call.pe.events.wait("error:1500", 1s));
    std::lock_guard<std::mutex> lock(call.pe.mutex);
    EXPECT_NE(call.pe.last_error.find("OTC_AUDIO_DEVICE=loudspeaker"), std::string::npos) << call.pe.last_error;
  }
  otc_destroy();
  unsetenv("OTC_AUDIO_DEVICE");
}

TEST_F(NoAudioDevice, PublishingAudioWithoutAPulseAudioServerFailsClearly) {
  unsetenv("OTC_AUDIO_DEVICE");
  setenv("PULSE_SERVER", "unix:/nonexistent/otc-test/native", 1);
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  {
    AudioCall call;
    const auto begun = std::chrono::steady_clock::now();
    EXPECT_EQ(call.publish(), OTC_PUBLISHER_UNABLE_TO_PUBLISH);
    EXPECT_LT(std::chrono::steady_clock::now() - begun, 10s);
    std::lock_guard<std::mutex> lock(call.pe.mutex);
    EXPECT_NE(call.pe.last_error.find("PulseAudio"), std::string::npos) << call.pe.last_error;
    EXPECT_NE(call.pe.last_error.find("OTC_AUDIO_DEVICE"), std::string::npos) << call.pe.last_error;
  }
  {
    // Video alone still publishes.
    AudioCall call;
    auto cb = call.pe.callbacks();
    otc_publisher_settings *settings = otc_publisher_settings_new();
    otc_publisher_settings_set_audio_track(settings, OTC_FALSE);
    call.publisher = otc_publisher_new_with_settings(&cb, settings);
    otc_publisher_settings_delete(settings);
    EXPECT_EQ(otc_session_publish(call.a->session, call.publisher), OTC_SUCCESS);
    EXPECT_TRUE(call.pe.events.wait("created"));
  }
  otc_destroy();
  unsetenv("PULSE_SERVER");
}

TEST_F(NoAudioDevice, AWavFileStandInThatCannotBeReadFailsClearly) {
  setenv("OTC_AUDIO_DEVICE", "file:/nonexistent/tone.wav", 1);
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  {
    AudioCall call;
    EXPECT_EQ(call.publish(), OTC_PUBLISHER_UNABLE_TO_PUBLISH);
    std::lock_guard<std::mutex> lock(call.pe.mutex);
    EXPECT_NE(call.pe.last_error.find("/nonexistent/tone.wav"), std::string::npos) << call.pe.last_error;
  }
  otc_destroy();
  unsetenv("OTC_AUDIO_DEVICE");
}

}  // namespace
