// The default audio module's devices (opentok/audio_module_*_device.h) against a real
// PulseAudio daemon the test starts (pulse_daemon.h): null sinks "mic" (the test plays a tone
// into it; its monitor is a microphone), "speaker_a" (the default sink) and "speaker_b", and a
// null source "quiet" (the default source: silence). The enumerators must list what pactl
// lists; a call's playout must reach the chosen sink's monitor and no other, and follow a new
// choice mid-call as the same server stream (moved, not re-created); a chosen sink gone before
// playout starts gives way to the default; capture must come from the chosen source, also when
// chosen mid-call.
#include <gtest/gtest.h>

#include <opentok.h>
#include <pulse/error.h>
#include <pulse/simple.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "audio_call.h"
#include "audio_device_app.h"
#include "pulse_daemon.h"

using namespace std::chrono_literals;

namespace {

constexpr int kRate = 48000;
constexpr double kToneHz = 1000;

const char *const kModules =
    "load-module module-null-sink sink_name=mic rate=48000 channels=1 "
    "sink_properties=\"device.description='Test microphone line'\"\n"
    "load-module module-null-sink sink_name=speaker_a rate=48000 channels=1 "
    "sink_properties=\"device.description='Speaker A'\"\n"
    "load-module module-null-sink sink_name=speaker_b rate=48000 channels=1 "
    "sink_properties=\"device.description='Speaker B'\"\n"
    "load-module module-null-source source_name=quiet rate=48000 channels=1 description=\"Quiet source\"\n"
    "set-default-source quiet\n"
    "set-default-sink speaker_a\n";

using Devices = std::vector<std::pair<std::string, std::string>>;

// `pactl list sources|sinks`: (Name, Description) in the server's order; sources split into
// real ones and monitors ("Monitor of Sink: n/a" for a real one).
void pactl_list(const char *what, Devices *devices, Devices *monitors) {
  FILE *pipe = popen((std::string("LC_ALL=C pactl list ") + what).c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char line[4096];
  std::string name, description;
  auto field = [](const std::string &text, const char *key, std::string *value) {
    const auto at = text.find(key);
    if (at == std::string::npos) return false;
    *value = text.substr(at + std::string(key).size());
    while (!value->empty() && (value->back() == '\n' || value->back() == '\r')) value->pop_back();
    return true;
  };
  while (fgets(line, sizeof line, pipe)) {
    const std::string text = line;
    std::string value;
    if (field(text, "\tName: ", &value)) name = value;
    if (field(text, "\tDescription: ", &value)) {
      description = value;
      if (std::string(what) == "sinks") devices->emplace_back(name, description);
    }
    if (field(text, "\tMonitor of Sink: ", &value)) (value == "n/a" ? devices : monitors)->emplace_back(name, description);
  }
  ASSERT_EQ(pclose(pipe), 0);
}

// The library's playout stream as the server sees it: "INDEX@SINK-INDEX" of each sink input whose
// media.name is "node-otc playout" (pactl list sink-inputs), in order.
std::string playout_sink_inputs() {
  FILE *pipe = popen("LC_ALL=C pactl list sink-inputs", "r");
  if (!pipe) return "popen failed";
  char line[4096];
  std::string out, index, sink;
  while (fgets(line, sizeof line, pipe)) {
    const std::string text = line;
    if (text.rfind("Sink Input #", 0) == 0) index = text.substr(12, text.find_first_of("\r\n") - 12);
    if (text.rfind("\tSink: ", 0) == 0) sink = text.substr(7, text.find_first_of("\r\n") - 7);
    if (text.find("media.name = \"node-otc playout\"") != std::string::npos) out += index + "@" + sink + " ";
  }
  pclose(pipe);
  return out;
}

Devices listed_inputs() {
  Devices out;
  otc_audio_module_input_device_enumerator *e = otc_audio_module_input_device_enumerator_new();
  EXPECT_NE(e, nullptr);
  for (int i = 0; i < otc_audio_module_input_device_enumerator_size(e); ++i) {
    out.emplace_back(otc_audio_module_input_device_enumerator_get_device_id(e, i),
                     otc_audio_module_input_device_enumerator_get_device_name(e, i));
  }
  EXPECT_EQ(otc_audio_module_input_device_enumerator_delete(e), OTC_SUCCESS);
  return out;
}

Devices listed_outputs() {
  Devices out;
  otc_audio_module_output_device_enumerator *e = otc_audio_module_output_device_enumerator_new();
  EXPECT_NE(e, nullptr);
  for (int i = 0; i < otc_audio_module_output_device_enumerator_size(e); ++i) {
    out.emplace_back(otc_audio_module_output_device_enumerator_get_device_id(e, i),
                     otc_audio_module_output_device_enumerator_get_device_name(e, i));
  }
  EXPECT_EQ(otc_audio_module_output_device_enumerator_delete(e), OTC_SUCCESS);
  return out;
}

// Both speakers' monitors, read in step (100 ms windows, small fragments so that a window is
// recent audio): which of them carries the tone.
class Speakers {
 public:
  Speakers() {
    a_ = otc_test::wait_for_pulse("speaker_a.monitor", 4800);
    b_ = otc_test::wait_for_pulse("speaker_b.monitor", 4800);
  }
  ~Speakers() {
    if (a_) pa_simple_free(a_);
    if (b_) pa_simple_free(b_);
  }
  bool ok() const { return a_ && b_; }

  struct Phase {
    long windows = 0;         // windows read on each monitor
    long target_tone = 0;     // of them, the tone on the speaker expected to play it
    long other_tone = 0;      // the tone on the other speaker once the expected one had it 5 times
    long other_windows = 0;   // windows counted for other_tone
    long other_tone_all = 0;  // the tone on the other speaker, all windows
  };
  // Reads until the speaker `target` ('a' or 'b') has carried the tone in 25 windows, or 30 s.
  Phase until_tone_on(char target) {
    Phase phase;
    std::vector<int16_t> wa(kRate / 10), wb(kRate / 10);
    const auto end = std::chrono::steady_clock::now() + 30s;
    while (phase.target_tone < 25 && std::chrono::steady_clock::now() < end) {
      int error = 0;
      if (pa_simple_read(a_, wa.data(), wa.size() * sizeof(int16_t), &error) < 0 ||
          pa_simple_read(b_, wb.data(), wb.size() * sizeof(int16_t), &error) < 0) {
        ADD_FAILURE() << "recording: " << pa_strerror(error);
        break;
      }
      ++phase.windows;
      const bool tone_a = test_audio_tone_share(wa.data(), wa.size(), kRate, kToneHz) > 0.5;
      const bool tone_b = test_audio_tone_share(wb.data(), wb.size(), kRate, kToneHz) > 0.5;
      const bool target_tone = target == 'a' ? tone_a : tone_b;
      const bool other_tone = target == 'a' ? tone_b : tone_a;
      if (other_tone) ++phase.other_tone_all;
      if (phase.target_tone >= 5) {
        ++phase.other_windows;
        if (other_tone) ++phase.other_tone;
      }
      if (target_tone) ++phase.target_tone;
    }
    return phase;
  }

 private:
  pa_simple *a_ = nullptr;
  pa_simple *b_ = nullptr;
};

class PulseDevices : public otc_test::ServerSuite {
 protected:
  void SetUp() override {
    unsetenv("OTC_AUDIO_DEVICE");  // the default audio module: PulseAudio
  }
  void TearDown() override {
    otc_audio_module_input_device_select(nullptr);
    otc_audio_module_output_device_select(nullptr);
  }
};

TEST_F(PulseDevices, TheEnumeratorsListWhatPactlLists) {
  otc_test::PulseDaemon daemon(kModules);
  ASSERT_TRUE(daemon.started()) << "could not start pulseaudio (Debian package pulseaudio)";
  pa_simple *probe = otc_test::wait_for_pulse(nullptr);
  ASSERT_NE(probe, nullptr) << daemon.log();
  pa_simple_free(probe);

  Devices sources, monitors, sinks, unused;
  pactl_list("sources", &sources, &monitors);
  pactl_list("sinks", &sinks, &unused);
  Devices expected_inputs = sources;
  expected_inputs.insert(expected_inputs.end(), monitors.begin(), monitors.end());
  // What the daemon was given, as pactl shows it.
  ASSERT_EQ(sources, (Devices{{"quiet", "Quiet source"}}));
  ASSERT_EQ(sinks, (Devices{{"mic", "Test microphone line"}, {"speaker_a", "Speaker A"}, {"speaker_b", "Speaker B"}}));
  ASSERT_EQ(monitors.size(), 3u);

  EXPECT_EQ(listed_inputs(), expected_inputs);
  EXPECT_EQ(listed_outputs(), sinks);

  // Ids of the server's devices are accepted, of the other direction or unknown refused.
  EXPECT_EQ(otc_audio_module_input_device_select("speaker_b.monitor"), OTC_SUCCESS);
  EXPECT_EQ(otc_audio_module_input_device_select("quiet"), OTC_SUCCESS);
  EXPECT_EQ(otc_audio_module_input_device_select("speaker_b"), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_audio_module_input_device_select("no_such_source"), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_audio_module_input_device_select(""), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_audio_module_output_device_select("speaker_b"), OTC_SUCCESS);
  EXPECT_EQ(otc_audio_module_output_device_select("speaker_b.monitor"), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_audio_module_output_device_select("no_such_sink"), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_audio_module_input_device_select(nullptr), OTC_SUCCESS);
  EXPECT_EQ(otc_audio_module_output_device_select(nullptr), OTC_SUCCESS);
}

TEST_F(PulseDevices, NullEnumeratorsAndIndexesOutOfRange) {
  otc_test::PulseDaemon daemon(kModules);
  ASSERT_TRUE(daemon.started());
  pa_simple *probe = otc_test::wait_for_pulse(nullptr);
  ASSERT_NE(probe, nullptr) << daemon.log();
  pa_simple_free(probe);

  EXPECT_EQ(otc_audio_module_input_device_enumerator_size(nullptr), 0);
  EXPECT_EQ(otc_audio_module_input_device_enumerator_get_device_id(nullptr, 0), nullptr);
  EXPECT_EQ(otc_audio_module_input_device_enumerator_get_device_name(nullptr, 0), nullptr);
  EXPECT_EQ(otc_audio_module_input_device_enumerator_delete(nullptr), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_audio_module_output_device_enumerator_size(nullptr), 0);
  EXPECT_EQ(otc_audio_module_output_device_enumerator_get_device_id(nullptr, 0), nullptr);
  EXPECT_EQ(otc_audio_module_output_device_enumerator_get_device_name(nullptr, 0), nullptr);
  EXPECT_EQ(otc_audio_module_output_device_enumerator_delete(nullptr), OTC_INVALID_PARAM);

  otc_audio_module_input_device_enumerator *in = otc_audio_module_input_device_enumerator_new();
  otc_audio_module_output_device_enumerator *out = otc_audio_module_output_device_enumerator_new();
  ASSERT_NE(in, nullptr);
  ASSERT_NE(out, nullptr);
  const int inputs = otc_audio_module_input_device_enumerator_size(in);
  const int outputs = otc_audio_module_output_device_enumerator_size(out);
  EXPECT_EQ(inputs, 4);
  EXPECT_EQ(outputs, 3);
  for (int index : {-1, inputs, inputs + 1, 1 << 30}) {
    EXPECT_EQ(otc_audio_module_input_device_enumerator_get_device_id(in, index), nullptr) << index;
    EXPECT_EQ(otc_audio_module_input_device_enumerator_get_device_name(in, index), nullptr) << index;
  }
  for (int index : {-1, outputs, 1 << 30}) {
    EXPECT_EQ(otc_audio_module_output_device_enumerator_get_device_id(out, index), nullptr) << index;
    EXPECT_EQ(otc_audio_module_output_device_enumerator_get_device_name(out, index), nullptr) << index;
  }
  // The strings stay valid while the enumerator lives, whatever the server does meanwhile.
  const char *first = otc_audio_module_output_device_enumerator_get_device_id(out, 0);
  otc_audio_module_output_device_enumerator *again = otc_audio_module_output_device_enumerator_new();
  EXPECT_EQ(otc_audio_module_output_device_enumerator_delete(again), OTC_SUCCESS);
  EXPECT_STREQ(first, "mic");
  EXPECT_EQ(otc_audio_module_input_device_enumerator_delete(in), OTC_SUCCESS);
  EXPECT_EQ(otc_audio_module_output_device_enumerator_delete(out), OTC_SUCCESS);
}

TEST_F(PulseDevices, WithoutAServerTheEnumeratorsAreEmptyAndSelectingFails) {
  // No socket at all: refused at once.
  setenv("PULSE_SERVER", "unix:/nonexistent/otc-no-pulse/native", 1);
  otc_audio_module_input_device_enumerator *in = otc_audio_module_input_device_enumerator_new();
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(otc_audio_module_input_device_enumerator_size(in), 0);
  EXPECT_EQ(otc_audio_module_input_device_enumerator_get_device_id(in, 0), nullptr);
  EXPECT_EQ(otc_audio_module_input_device_enumerator_delete(in), OTC_SUCCESS);
  otc_audio_module_output_device_enumerator *out = otc_audio_module_output_device_enumerator_new();
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(otc_audio_module_output_device_enumerator_size(out), 0);
  EXPECT_EQ(otc_audio_module_output_device_enumerator_delete(out), OTC_SUCCESS);
  EXPECT_EQ(otc_audio_module_input_device_select("quiet"), OTC_FATAL);
  EXPECT_EQ(otc_audio_module_output_device_select("speaker_a"), OTC_FATAL);
  EXPECT_EQ(otc_audio_module_output_device_select(nullptr), OTC_SUCCESS);

  // A socket that accepts and never answers: the wait is bounded (a few seconds).
  char dir[] = "/tmp/otc-mute-pulse-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/native";
  const int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 8), 0);
  setenv("PULSE_SERVER", ("unix:" + path).c_str(), 1);
  const auto start = std::chrono::steady_clock::now();
  out = otc_audio_module_output_device_enumerator_new();
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(otc_audio_module_output_device_enumerator_size(out), 0);
  EXPECT_EQ(otc_audio_module_output_device_enumerator_delete(out), OTC_SUCCESS);
  EXPECT_LT(took, 20s);
  EXPECT_EQ(otc_audio_module_output_device_select("speaker_a"), OTC_FATAL);
  close(listener);
  unlink(path.c_str());
  rmdir(dir);
  unsetenv("PULSE_SERVER");
}

TEST_F(PulseDevices, PlayoutGoesToTheChosenSinkAndFollowsANewChoiceMidCall) {
  otc_test::PulseDaemon daemon(kModules);
  ASSERT_TRUE(daemon.started()) << "could not start pulseaudio (Debian package pulseaudio)";
  Speakers speakers;
  ASSERT_TRUE(speakers.ok()) << "the daemon does not answer:\n" << daemon.log();
  otc_test::TonePlayer tone("mic", kToneHz);

  // Chosen before otc_init: the choice outlives engines, and the first stream opens on it.
  ASSERT_EQ(otc_audio_module_input_device_select("mic.monitor"), OTC_SUCCESS);
  ASSERT_EQ(otc_audio_module_output_device_select("speaker_b"), OTC_SUCCESS);
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  Speakers::Phase on_b, back_to_default, on_b_again;
  {
    otc_test::AudioCall call;
    ASSERT_EQ(call.publish(true), OTC_SUCCESS) << call.pe.last_error;
    ASSERT_TRUE(call.subscribe());
    on_b = speakers.until_tone_on('b');
    const std::string stream_on_b = playout_sink_inputs();
    // NULL: back to the server's default sink (speaker_a), moved without a new stream.
    ASSERT_EQ(otc_audio_module_output_device_select(nullptr), OTC_SUCCESS);
    back_to_default = speakers.until_tone_on('a');
    const std::string stream_on_a = playout_sink_inputs();
    ASSERT_EQ(otc_audio_module_output_device_select("speaker_b"), OTC_SUCCESS);
    on_b_again = speakers.until_tone_on('b');
    const std::string stream_on_b_again = playout_sink_inputs();
    std::printf("  the playout stream (sink input @ sink): %s-> %s-> %s\n", stream_on_b.c_str(), stream_on_a.c_str(),
                stream_on_b_again.c_str());
    // One stream, the same sink input throughout: moved between sinks, never re-created.
    const auto input_of = [](const std::string &text) { return text.substr(0, text.find('@')); };
    EXPECT_FALSE(stream_on_b.empty());
    EXPECT_EQ(stream_on_b.find(' '), stream_on_b.size() - 1) << "one playout stream: " << stream_on_b;
    EXPECT_EQ(input_of(stream_on_a), input_of(stream_on_b));
    EXPECT_EQ(input_of(stream_on_b_again), input_of(stream_on_b));
    EXPECT_NE(stream_on_a, stream_on_b);
    EXPECT_EQ(stream_on_b_again, stream_on_b);
  }
  otc_destroy();
  for (const auto &[what, phase] : {std::pair{"on B", on_b}, {"back to A", back_to_default}, {"on B again", on_b_again}}) {
    std::printf("  %s: %ld windows of 100 ms per monitor, the tone on the chosen one in %ld; on the other in %ld of %ld "
                "after the first 5\n",
                what, phase.windows, phase.target_tone, phase.other_tone, phase.other_windows);
  }
  EXPECT_GE(on_b.target_tone, 25) << daemon.log();
  EXPECT_EQ(on_b.other_tone_all, 0);  // speaker A never heard it before the first move
  EXPECT_GE(back_to_default.target_tone, 25) << daemon.log();
  EXPECT_EQ(back_to_default.other_tone, 0);
  EXPECT_GE(on_b_again.target_tone, 25) << daemon.log();
  EXPECT_EQ(on_b_again.other_tone, 0);
}

TEST_F(PulseDevices, AChosenSinkGoneBeforePlayoutStartsFallsBackToTheDefault) {
  otc_test::PulseDaemon daemon(kModules);
  ASSERT_TRUE(daemon.started()) << "could not start pulseaudio (Debian package pulseaudio)";
  pa_simple *recorder = otc_test::wait_for_pulse("speaker_a.monitor", 4800);
  ASSERT_NE(recorder, nullptr) << "the daemon does not answer:\n" << daemon.log();
  otc_test::TonePlayer tone("mic", kToneHz);
  ASSERT_EQ(otc_audio_module_input_device_select("mic.monitor"), OTC_SUCCESS);
  ASSERT_EQ(otc_audio_module_output_device_select("speaker_b"), OTC_SUCCESS);
  // speaker_b's module goes away (as an unplugged headset would): the choice names nothing now.
  ASSERT_EQ(std::system("LC_ALL=C pactl list short modules | awk '/sink_name=speaker_b/ {print $1}' | "
                        "xargs -r -n1 pactl unload-module"), 0);
  ASSERT_EQ(otc_audio_module_output_device_select("speaker_b"), OTC_INVALID_PARAM);
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  long windows = 0, tone_windows = 0;
  {
    otc_test::AudioCall call;
    ASSERT_EQ(call.publish(true), OTC_SUCCESS) << call.pe.last_error;
    ASSERT_TRUE(call.subscribe());
    std::vector<int16_t> window(kRate / 10);
    const auto end = std::chrono::steady_clock::now() + 30s;
    while (tone_windows < 25 && std::chrono::steady_clock::now() < end) {
      int error = 0;
      ASSERT_EQ(pa_simple_read(recorder, window.data(), window.size() * sizeof(int16_t), &error), 0)
          << pa_strerror(error);
      ++windows;
      if (test_audio_tone_share(window.data(), window.size(), kRate, kToneHz) > 0.5) ++tone_windows;
    }
  }
  otc_destroy();
  pa_simple_free(recorder);
  std::printf("  speaker A (the default): the tone in %ld of %ld windows\n", tone_windows, windows);
  EXPECT_GE(tone_windows, 25) << daemon.log();
}

TEST_F(PulseDevices, CaptureComesFromTheChosenSourceAlsoWhenChosenMidCall) {
  otc_test::PulseDaemon daemon(kModules);
  ASSERT_TRUE(daemon.started()) << "could not start pulseaudio (Debian package pulseaudio)";
  pa_simple *probe = otc_test::wait_for_pulse(nullptr);
  ASSERT_NE(probe, nullptr) << daemon.log();
  pa_simple_free(probe);
  otc_test::TonePlayer tone("mic", kToneHz);

  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  long quiet_windows = 0, quiet_tone = 0, chosen_tone = 0;
  {
    otc_test::AudioCall call;
    call.se.listen_hz = kToneHz;
    ASSERT_EQ(call.publish(true), OTC_SUCCESS) << call.pe.last_error;
    ASSERT_TRUE(call.subscribe());
    // The default source ("quiet") is silent: 3 s of the call carry no tone.
    const int blocks_at_start = call.se.audio_blocks.load();
    const auto quiet_end = std::chrono::steady_clock::now() + 30s;
    while (call.se.audio_blocks.load() - blocks_at_start < 300 && std::chrono::steady_clock::now() < quiet_end)
      std::this_thread::sleep_for(50ms);
    quiet_windows = (call.se.audio_blocks.load() - blocks_at_start) / 10;
    quiet_tone = call.se.tone_windows.load();
    // The microphone chosen mid-call: the capture stream moves to the mic's monitor.
    ASSERT_EQ(otc_audio_module_input_device_select("mic.monitor"), OTC_SUCCESS);
    const auto end = std::chrono::steady_clock::now() + 30s;
    while (call.se.tone_windows.load() - quiet_tone < 20 && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(50ms);
    chosen_tone = call.se.tone_windows.load() - quiet_tone;
  }
  otc_destroy();
  std::printf("  subscriber: the tone in %ld of ~%ld windows from the default source, in %ld after choosing the mic\n",
              quiet_tone, quiet_windows, chosen_tone);
  EXPECT_GE(quiet_windows, 25);
  EXPECT_EQ(quiet_tone, 0);
  EXPECT_GE(chosen_tone, 20) << daemon.log();
}

}  // namespace
