// A real PulseAudio daemon for the tests, as a child process with a private runtime directory
// and socket (the modules given by the test), killed when the object goes (and by the kernel,
// should the test die first). While it exists, this process's libpulse (the library under test
// and the test's own streams and pactl children) finds it through PULSE_SERVER.
#pragma once

#include <pulse/simple.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"

extern "C" char **environ;

namespace otc_test {

class PulseDaemon {
 public:
  // modules: the daemon's startup script after the native protocol (load-module ..., set-default-*).
  explicit PulseDaemon(const std::string &modules) {
    char pattern[] = "/tmp/otc-pulse-test-XXXXXX";
    if (!mkdtemp(pattern)) return;
    dir_ = pattern;
    std::filesystem::create_directories(dir_ + "/runtime");
    std::filesystem::create_directories(dir_ + "/home");
    chmod((dir_ + "/runtime").c_str(), 0700);
    std::ofstream script(dir_ + "/daemon.pa");
    script << "load-module module-native-protocol-unix auth-anonymous=1 socket=" << dir_ << "/native\n" << modules;
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
    setenv("PULSE_SERVER", ("unix:" + dir_ + "/native").c_str(), 1);
    setenv("PULSE_COOKIE", (dir_ + "/cookie").c_str(), 1);
  }
  ~PulseDaemon() {
    stop_child(pid_);
    unsetenv("PULSE_SERVER");
    unsetenv("PULSE_COOKIE");
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  PulseDaemon(const PulseDaemon &) = delete;
  PulseDaemon &operator=(const PulseDaemon &) = delete;

  bool started() const { return pid_ > 0; }
  std::string log() const {
    std::ifstream in(dir_ + "/daemon.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

// A 48 kHz mono stream of the test's own on `device` (null: the default); null on failure.
// fragment_bytes > 0 asks a recorder for small fragments, so that what it reads is recent.
inline pa_simple *open_pulse_stream(pa_stream_direction_t direction, const char *device, uint32_t fragment_bytes = 0) {
  const pa_sample_spec spec{PA_SAMPLE_S16LE, 48000, 1};
  pa_buffer_attr attr{static_cast<uint32_t>(-1), static_cast<uint32_t>(-1), static_cast<uint32_t>(-1),
                      static_cast<uint32_t>(-1), fragment_bytes};
  int error = 0;
  return pa_simple_new(nullptr, "otc pulse test", direction, device, "test", &spec, nullptr,
                       fragment_bytes > 0 ? &attr : nullptr, &error);
}

// Waits (up to 10 s) for the daemon to answer: a recorder on `device`, or null.
inline pa_simple *wait_for_pulse(const char *device, uint32_t fragment_bytes = 0) {
  pa_simple *stream = nullptr;
  for (int i = 0; i < 100 && !stream; ++i) {
    stream = open_pulse_stream(PA_STREAM_RECORD, device, fragment_bytes);
    if (!stream) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return stream;
}

// A steady sine tone (48 kHz mono, amplitude 12000) into `sink`, paced by the server, while the
// object lives: a microphone for the library to capture from.
class TonePlayer {
 public:
  TonePlayer(const char *sink, double hz) : sink_(sink), hz_(hz), thread_([this] { run(); }) {}
  ~TonePlayer() {
    playing_ = false;
    thread_.join();
  }

 private:
  void run() {
    constexpr int kRate = 48000;
    pa_simple *out = open_pulse_stream(PA_STREAM_PLAYBACK, sink_.c_str());
    if (!out) return;
    std::vector<int16_t> block(kRate / 100);
    double phase = 0;
    while (playing_.load()) {
      for (auto &sample : block) {
        sample = static_cast<int16_t>(12000 * std::sin(phase));
        phase += 2 * std::numbers::pi * hz_ / kRate;
      }
      phase = std::fmod(phase, 2 * std::numbers::pi);
      int error = 0;
      if (pa_simple_write(out, block.data(), block.size() * sizeof(int16_t), &error) < 0) break;
    }
    pa_simple_free(out);
  }
  const std::string sink_;
  const double hz_;
  std::atomic<bool> playing_{true};
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace otc_test
