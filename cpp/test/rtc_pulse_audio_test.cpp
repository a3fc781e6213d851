// The default audio device against a real PulseAudio daemon that the test starts itself
// (pulse_daemon.h): two null sinks ("mic": the test plays a tone into it, its monitor is the
// default source; "speaker": the default sink, whose monitor the test records). A publisher
// captures the tone from the default source, its subscriber in the same process
// plays it out into the default sink, and the test hears it there.
#include <gtest/gtest.h>

#include <pulse/error.h>
#include <pulse/simple.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "audio_call.h"
#include "audio_device_app.h"
#include "pulse_daemon.h"

using namespace std::chrono_literals;

namespace {

constexpr int kRate = 48000;
constexpr double kToneHz = 1000;

class PulseAudioDevice : public otc_test::ServerSuite {};

TEST_F(PulseAudioDevice, TheMicrophonesToneIsPublishedAndTheSubscriberPlaysItToTheSpeaker) {
  unsetenv("OTC_AUDIO_DEVICE");  // the default: PulseAudio
  otc_test::PulseDaemon daemon(
      "load-module module-null-sink sink_name=mic rate=48000 channels=1\n"
      "load-module module-null-sink sink_name=speaker rate=48000 channels=1\n"
      "set-default-source mic.monitor\n"
      "set-default-sink speaker\n");
  ASSERT_TRUE(daemon.started()) << "could not start pulseaudio (Debian package pulseaudio)";
  pa_simple *probe = otc_test::wait_for_pulse("speaker.monitor");
  ASSERT_NE(probe, nullptr) << "the daemon does not answer:\n" << daemon.log();
  pa_simple *recorder = probe;

  // The microphone: a steady tone into the "mic" sink, paced by the server.
  auto player = std::make_unique<otc_test::TonePlayer>("mic", kToneHz);

  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  long windows = 0, tone_windows = 0, tone_before_call = 0;
  int audio_blocks = 0;
  {
    // The speaker is silent before anyone subscribes.
    std::vector<int16_t> window(kRate / 10);
    for (int i = 0; i < 5; ++i) {
      int error = 0;
      ASSERT_EQ(pa_simple_read(recorder, window.data(), window.size() * sizeof(int16_t), &error), 0);
      if (test_audio_tone_share(window.data(), window.size(), kRate, kToneHz) > 0.5) ++tone_before_call;
    }
    otc_test::AudioCall call;
    ASSERT_EQ(call.publish(), OTC_SUCCESS) << call.pe.last_error;
    ASSERT_TRUE(call.subscribe());
    const auto end = std::chrono::steady_clock::now() + 30s;
    while (tone_windows < 20 && std::chrono::steady_clock::now() < end) {
      int error = 0;
      ASSERT_EQ(pa_simple_read(recorder, window.data(), window.size() * sizeof(int16_t), &error), 0)
          << pa_strerror(error);
      ++windows;
      if (test_audio_tone_share(window.data(), window.size(), kRate, kToneHz) > 0.5) ++tone_windows;
    }
    audio_blocks = call.se.audio_blocks.load();
  }
  otc_destroy();
  player.reset();
  pa_simple_free(recorder);
  std::printf("  speaker: %ld windows of 100 ms recorded in the call, %ld of them the tone; %d blocks to on_audio_data\n",
              windows, tone_windows, audio_blocks);
  EXPECT_EQ(tone_before_call, 0);
  EXPECT_GE(tone_windows, 20) << daemon.log();
  EXPECT_GT(audio_blocks, 100);
}

}  // namespace
