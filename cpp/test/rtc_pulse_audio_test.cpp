// The default audio device against a real PulseAudio daemon that the test starts itself: a
// private runtime directory and socket, two null sinks ("mic": the test plays a tone into it,
// its monitor is the default source; "speaker": the default sink, whose monitor the test
// records), killed when the test ends (and by the kernel, should the test die first). A
// publisher captures the tone from the default source, its subscriber in the same process
// plays it out into the default sink, and the test hears it there.
#include <gtest/gtest.h>

#include <pulse/error.h>
#include <pulse/simple.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"

#include "audio_call.h"
#include "audio_device_app.h"

using namespace std::chrono_literals;

namespace {

constexpr int kRate = 48000;
constexpr double kToneHz = 1000;

extern "C" char **environ;

// pulseaudio as a child process with its own directory; gone when the object is.
class PulseDaemon {
 public:
  PulseDaemon() {
    char pattern[] = "/tmp/otc-pulse-test-XXXXXX";
    if (!mkdtemp(pattern)) return;
    dir_ = pattern;
    std::filesystem::create_directories(dir_ + "/runtime");
    std::filesystem::create_directories(dir_ + "/home");
    chmod((dir_ + "/runtime").c_str(), 0700);
    std::ofstream script(dir_ + "/daemon.pa");
    script << "load-module module-native-protocol-unix auth-anonymous=1 socket=" << dir_ << "/native\n"
           << "load-module module-null-sink sink_name=mic rate=48000 channels=1\n"
           << "load-module module-null-sink sink_name=speaker rate=48000 channels=1\n"
           << "set-default-source mic.monitor\n"
           << "set-default-sink speaker\n";
    script.close();

    // Everything exec needs is built before fork: the child only calls async-signal-safe code.
    std::vector<std::string> env_strings;
    for (char **e = environ; *e; ++e) {
      const std::string entry = *e;
      if (entry.rfind("XDG_RUNTIME_DIR=", 0) == 0 || entry.rfind("HOME=", 0) == 0) continue;
      env_strings.push_back(entry);
    }
    env_strings.push_back("XDG_RUNTIME_DIR=" + dir_ + "/runtime");
    env_strings.push_back("HOME=" + dir_ + "/home");
    std::vector<std::string> args = {"pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1",
                                     "--use-pid-file=no", "--disable-shm=yes", "--system=no",
                                     "-F", dir_ + "/daemon.pa", "--log-target=file:" + dir_ + "/daemon.log"};
    std::vector<char *> argv, envp;
    for (auto &a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto &e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // the test died: no daemon left behind
      if (getppid() != parent) _exit(127);
      execvpe("pulseaudio", argv.data(), envp.data());
      _exit(127);
    }
    // This process's libpulse (the library under test and the test's own streams) finds the
    // daemon by these; the cookie stays in the private directory too.
    setenv("PULSE_SERVER", ("unix:" + dir_ + "/native").c_str(), 1);
    setenv("PULSE_COOKIE", (dir_ + "/cookie").c_str(), 1);
  }
  ~PulseDaemon() {
    otc_test::stop_child(pid_);
    unsetenv("PULSE_SERVER");
    unsetenv("PULSE_COOKIE");
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  bool started() const { return pid_ > 0; }
  std::string log() const {
    std::ifstream in(dir_ + "/daemon.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

pa_simple *open_stream(pa_stream_direction_t direction, const char *device) {
  const pa_sample_spec spec{PA_SAMPLE_S16LE, kRate, 1};
  int error = 0;
  return pa_simple_new(nullptr, "otc pulse test", direction, device, "test", &spec, nullptr, nullptr, &error);
}

class PulseAudioDevice : public otc_test::ServerSuite {};

TEST_F(PulseAudioDevice, TheMicrophonesToneIsPublishedAndTheSubscriberPlaysItToTheSpeaker) {
  unsetenv("OTC_AUDIO_DEVICE");  // the default: PulseAudio
  PulseDaemon daemon;
  ASSERT_TRUE(daemon.started()) << "could not start pulseaudio (Debian package pulseaudio)";
  pa_simple *probe = nullptr;
  for (int i = 0; i < 100 && !probe; ++i) {
    probe = open_stream(PA_STREAM_RECORD, "speaker.monitor");
    if (!probe) std::this_thread::sleep_for(100ms);
  }
  ASSERT_NE(probe, nullptr) << "the daemon does not answer:\n" << daemon.log();
  pa_simple *recorder = probe;

  // The microphone: a steady tone into the "mic" sink, paced by the server.
  std::atomic<bool> playing{true};
  std::thread player([&] {
    pa_simple *out = open_stream(PA_STREAM_PLAYBACK, "mic");
    if (!out) return;
    std::vector<int16_t> block(kRate / 100);
    double phase = 0;
    while (playing.load()) {
      for (auto &sample : block) {
        sample = static_cast<int16_t>(12000 * std::sin(phase));
        phase += 2 * std::numbers::pi * kToneHz / kRate;
      }
      phase = std::fmod(phase, 2 * std::numbers::pi);
      int error = 0;
      if (pa_simple_write(out, block.data(), block.size() * sizeof(int16_t), &error) < 0) break;
    }
    pa_simple_free(out);
  });

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
  playing = false;
  player.join();
  pa_simple_free(recorder);
  std::printf("  speaker: %ld windows of 100 ms recorded in the call, %ld of them the tone; %d blocks to on_audio_data\n",
              windows, tone_windows, audio_blocks);
  EXPECT_EQ(tone_before_call, 0);
  EXPECT_GE(tone_windows, 20) << daemon.log();
  EXPECT_GT(audio_blocks, 100);
}

}  // namespace
