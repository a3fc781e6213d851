// Native half of bench/call: one end of a call through the C API, alone in its process so that
// its CPU (getrusage RUSAGE_SELF, user + sys, every thread) is the CPU of that end of the call.
//
//   call_bench publish   <signaling-url> <session-id> <token> <seconds> <codec> [secret]
//   call_bench subscribe <signaling-url> <session-id> <token> <seconds> [secret]
//   call_bench crypto    <video-frame-bytes> <audio-frame-bytes> <codec> [seconds]
//
// publish: connects, publishes the test pattern (640x360 at 30 fps by default) in <codec>
// (VP8, VP9, H264) with a 440 Hz tone, waits for a subscriber's media to flow, skips a warm-up,
// measures <seconds>, prints its result line, then keeps publishing until stdin reaches EOF,
// SIGINT/SIGTERM, or CALL_BENCH_HOLD seconds.
// subscribe: connects, subscribes to the first stream, times connect() -> first decoded frame
// whose test-pattern code reads, skips the warm-up, measures <seconds>, prints its result line.
// With a secret both set it on the session (the session must be an E2EE one for the server);
// every frame is then sealed / opened. crypto: times otc_frame_cryptor_seal/open on frames of the
// sizes a call produced, warm (back to back) and cold (L1/L2 evicted before every frame).
// With CALL_BENCH_SYNC=stdin (run.mjs sets it) the two ends measure the same window: the
// subscriber prints {"type":"first_frame"}, the driver then writes "start\n" to the publisher,
// which begins its warm-up then; after its result the subscriber, too, stays in the call until
// stdin reaches EOF, so neither window sees the other end leave.
//
// stdout: JSON lines only ({"type":"published"}, {"type":"result",...}, {"type":"crypto",...});
// stderr: progress and errors. Environment: CALL_BENCH_WARMUP (s, default 2),
// CALL_BENCH_PATTERN (WxH@FPS, default 640x360@30), CALL_BENCH_HOLD (s, default 120),
// CALL_BENCH_VIDEO_OFF=1 (subscribe: video switched off after the warm-up and 1 s before the
// window, so the window is the cost of a subscription with video off).
#include <otc/otc.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

constexpr const char *kApiKey = "47000001";  // the key run.mjs gives the session server

int64_t mono_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// CPU time of the calling thread, in microseconds (a preempted thread's clock stops: the crypto
// timings below stay right on a busy machine).
double thread_cpu_us() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

struct Usage {
  double cpu = 0, user = 0;  // seconds
  long csw = 0;              // voluntary + involuntary context switches
};

Usage usage_now() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  Usage u;
  u.user = static_cast<double>(ru.ru_utime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec) / 1e6;
  u.cpu = u.user + static_cast<double>(ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_stime.tv_usec) / 1e6;
  u.csw = ru.ru_nvcsw + ru.ru_nivcsw;
  return u;
}

void sleep_ms(int ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

double env_double(const char *name, double fallback) {
  const char *v = std::getenv(name);
  return v && *v ? std::atof(v) : fallback;
}

const char *g_role = "call_bench";
const bool verbose = std::getenv("CALL_BENCH_VERBOSE") != nullptr;

[[noreturn]] void fail(const char *format, ...) {
  char message[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
  std::fprintf(stderr, "call_bench %s: %s\n", g_role, message);
  std::string escaped;
  for (const char *p = message; *p; ++p) {
    if (*p == '"' || *p == '\\') escaped += '\\';
    escaped += (*p == '\n') ? ' ' : *p;
  }
  std::printf("{\"type\":\"error\",\"role\":\"%s\",\"message\":\"%s\"}\n", g_role, escaped.c_str());
  std::fflush(stdout);
  std::_Exit(2);
}

void note(const char *format, ...) {
  va_list args;
  va_start(args, format);
  std::fprintf(stderr, "call_bench %s: ", g_role);
  std::vfprintf(stderr, format, args);
  std::fputc('\n', stderr);
  va_end(args);
}

// Flags set by callbacks on internal threads, waited for by main.
class Flags {
 public:
  void set(const std::string &name) {
    std::lock_guard<std::mutex> lock(mutex_);
    set_.push_back(name);
    cv_.notify_all();
  }
  bool has(const std::string &name) {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::find(set_.begin(), set_.end(), name) != set_.end();
  }
  bool wait(const std::string &name, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return std::find(set_.begin(), set_.end(), name) != set_.end(); });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> set_;
};

// A session and what its callbacks reported.
struct Client {
  Flags flags;
  otc_session *session = nullptr;
  std::mutex mutex;
  otc_stream *stream = nullptr;  // the first stream received (a copy)
  std::atomic<int> last_error{0};
  int64_t key_ms = -1;

  Client(const char *url, const char *session_id, const char *secret) {
    otc_session_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_session *, void *self) { static_cast<Client *>(self)->flags.set("connected"); };
    cb.on_error = [](otc_session *, void *self, const char *message, otc_session_error_code code) {
      note("session error %d: %s", code, message ? message : "");
      static_cast<Client *>(self)->last_error = code;
      static_cast<Client *>(self)->flags.set("error");
    };
    const otc_session_encryption_key_ready_cb key_ready_cb = [](otc_session *, void *self, uint32_t) {
      static_cast<Client *>(self)->flags.set("key");
    };
    cb.on_stream_received = [](otc_session *, void *self, const otc_stream *stream) {
      auto *client = static_cast<Client *>(self);
      {
        std::lock_guard<std::mutex> lock(client->mutex);
        if (!client->stream) client->stream = otc_stream_copy(stream);
      }
      client->flags.set("stream");
    };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, url);
    session = otc_session_new_with_settings(kApiKey, session_id, &cb, settings);
    otc_session_set_encryption_key_ready_callback(session, key_ready_cb);
    otc_session_settings_delete(settings);
    if (!session) fail("otc_session_new_with_settings failed");
    if (secret) {
      // The key is derived before connect(), so connect -> first frame is the call's own time.
      const int64_t t0 = mono_us();
      if (otc_session_set_encryption_secret(session, secret) != OTC_SUCCESS) fail("invalid secret");
      if (!flags.wait("key", 10s)) fail("no encryption key after 10 s");
      key_ms = (mono_us() - t0) / 1000;
    }
  }
  ~Client() {
    if (stream) otc_stream_delete(stream);
    otc_session_delete(session);
  }
  // Returns the CLOCK_MONOTONIC time connect() was called.
  int64_t connect(const char *token) {
    const int64_t t = mono_us();
    const otc_status status = otc_session_connect(session, token);
    if (status != OTC_SUCCESS) fail("otc_session_connect: %d", status);
    if (!flags.wait("connected", 15s)) fail("not connected after 15 s (error %d)", last_error.load());
    return t;
  }
};

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop = true; }

const bool sync_stdin = [] {
  const char *v = std::getenv("CALL_BENCH_SYNC");
  return v && std::strcmp(v, "stdin") == 0;
}();

// Reads stdin until a line equal to `word`; false at EOF, a signal or the deadline.
bool wait_stdin_line(const char *word, int64_t deadline_us) {
  std::string line;
  while (!g_stop && mono_us() < deadline_us) {
    pollfd pfd{0, POLLIN, 0};
    if (poll(&pfd, 1, 50) <= 0) continue;
    char c;
    if (read(0, &c, 1) != 1) return false;
    if (c != '\n') {
      line += c;
    } else if (line == word) {
      return true;
    } else {
      line.clear();
    }
  }
  return false;
}

// Keeps the call up until stdin reaches EOF (the driver closes it once both ends have their
// result), a signal, or the deadline.
void hold_until_stdin_eof(int64_t deadline_us) {
  while (!g_stop && mono_us() < deadline_us) {
    pollfd pfd{0, POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    char buffer[256];
    if (read(0, buffer, sizeof buffer) <= 0) return;
  }
}

// Window measurement: CPU and wall time between begin() and end().
struct Window {
  int64_t t0 = 0, t1 = 0;
  Usage u0, u1;
  void begin() {
    t0 = mono_us();
    u0 = usage_now();
  }
  void end() {
    u1 = usage_now();
    t1 = mono_us();
  }
  double seconds() const { return static_cast<double>(t1 - t0) / 1e6; }
  double cpu_pct() const { return 100.0 * (u1.cpu - u0.cpu) / seconds(); }
  double user_pct() const { return 100.0 * (u1.user - u0.user) / seconds(); }
  double csw_per_s() const { return static_cast<double>(u1.csw - u0.csw) / seconds(); }
};

// Samples fn every second for `seconds` (at least one sample), from Window::begin to end.
void measure_window(Window &w, double seconds, const std::function<void()> &sample) {
  w.begin();
  const int64_t end = w.t0 + static_cast<int64_t>(seconds * 1e6);
  int64_t next = w.t0 + 1000000;
  for (;;) {
    const int64_t now = mono_us();
    if (now >= end) break;
    sleep_ms(static_cast<int>(std::min(next, end) - now + 999) / 1000);
    if (mono_us() >= next) {
      sample();
      next += 1000000;
    }
  }
  w.end();
}

struct Mean {
  double sum = 0;
  int n = 0;
  void add(double v) {
    sum += v;
    ++n;
  }
  double value() const { return n ? sum / n : 0; }
};

bool parse_codec(const char *name, otc_video_codec_type *video, otc_e2ee_codec *e2ee) {
  std::string n(name);
  for (auto &c : n) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (n == "VP8") {
    *video = OTC_VIDEO_CODEC_VP8;
    *e2ee = OTC_E2EE_CODEC_VP8;
  } else if (n == "VP9") {
    *video = OTC_VIDEO_CODEC_VP9;
    *e2ee = OTC_E2EE_CODEC_VP9;
  } else if (n == "H264") {
    *video = OTC_VIDEO_CODEC_H264;
    *e2ee = OTC_E2EE_CODEC_H264;
  } else {
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// publish
// ---------------------------------------------------------------------------------------------

int run_publish(const char *url, const char *session_id, const char *token, double seconds,
                const char *codec_name, const char *secret) {
  g_role = "publish";
  otc_video_codec_type codec;
  otc_e2ee_codec e2ee_codec;
  if (!parse_codec(codec_name, &codec, &e2ee_codec)) fail("codec must be VP8, VP9 or H264, not %s", codec_name);
  int width = 640, height = 360, fps = 30;
  if (const char *p = std::getenv("CALL_BENCH_PATTERN"); p && *p) {
    if (std::sscanf(p, "%dx%d@%d", &width, &height, &fps) != 3) fail("CALL_BENCH_PATTERN must be WxH@FPS");
  }
  const double warmup = env_double("CALL_BENCH_WARMUP", 2);
  const double hold = env_double("CALL_BENCH_HOLD", 120);

  if (otc_init(nullptr) != OTC_SUCCESS) fail("otc_init failed");
  if (otc_audio_capture_tone(440, 0.5) != OTC_SUCCESS) fail("otc_audio_capture_tone failed");
  {
    Client client(url, session_id, secret);
    const int64_t t_connect = client.connect(token);
    const int64_t connected_ms = (mono_us() - t_connect) / 1000;

    Flags events;
    otc_publisher_callbacks pcb{};
    pcb.user_data = &events;
    pcb.on_stream_created = [](otc_publisher *, void *self, const otc_stream *) {
      static_cast<Flags *>(self)->set("created");
    };
    pcb.on_error = [](otc_publisher *, void *self, const char *message, otc_publisher_error_code code) {
      note("publisher error %d: %s", code, message ? message : "");
      static_cast<Flags *>(self)->set("error");
    };
    otc_publisher_settings *settings = otc_publisher_settings_new();
    otc_publisher_settings_set_video_codec(settings, codec);
    otc_publisher_settings_set_name(settings, "call_bench");
    otc_publisher_settings_set_video_source(settings, OTC_VIDEO_SOURCE_TEST_PATTERN);
    if (otc_publisher_settings_set_test_pattern(settings, width, height, fps) != OTC_SUCCESS)
      fail("bad test pattern %dx%d@%d", width, height, fps);
    otc_publisher *publisher = otc_publisher_new_with_settings(&pcb, settings);
    otc_publisher_settings_delete(settings);
    if (!publisher) fail("otc_publisher_new_with_settings failed");
    const int64_t t_publish = mono_us();
    if (const otc_status s = otc_session_publish(client.session, publisher); s != OTC_SUCCESS)
      fail("otc_session_publish: %d", s);
    if (!events.wait("created", 15s)) fail("stream not created after 15 s");
    const int64_t published_ms = (mono_us() - t_publish) / 1000;
    std::printf("{\"type\":\"published\",\"stream_id\":\"%s\"}\n", otc_publisher_get_stream_id(publisher));
    std::fflush(stdout);
    note("published %s %dx%d@%d%s", otc_video_codec_name(codec), width, height, fps, secret ? " (E2EE)" : "");

    // Media flows once a subscriber's peer connection encodes frames. Under run.mjs
    // (CALL_BENCH_SYNC=stdin) the driver writes "start" when the subscriber has decoded its first
    // frame, so both ends measure the same window; alone, the transport stats tell (each second).
    otc_publisher_stats st{};
    const int64_t wait_deadline = mono_us() + 60000000;
    if (sync_stdin) {
      if (!wait_stdin_line("start", wait_deadline)) fail("no \"start\" on stdin");
    } else {
      for (;;) {
        otc_publisher_get_stats(publisher, &st);
        if (st.subscribers >= 1 && st.video_frames_sent > 0) break;
        if (mono_us() > wait_deadline) fail("no subscriber's media after 60 s");
        if (g_stop) fail("stopped before a subscriber came");
        sleep_ms(50);
      }
    }
    note("media flows; warm-up %.1f s, then %.1f s measured", warmup, seconds);
    sleep_ms(static_cast<int>(warmup * 1000));

    otc_publisher_stats s0{}, s1{};
    Mean video_bps, audio_bps, stats_fps, rtt;
    int min_width = 1 << 30, min_height = 1 << 30, max_width = 0, max_height = 0;
    Window w;
    otc_publisher_get_stats(publisher, &s0);
    measure_window(w, seconds, [&] {
      otc_publisher_stats s{};
      otc_publisher_get_stats(publisher, &s);
      if (verbose)
        note("sample: sent %llu sealed %llu/%llu %dx%d %.1f fps %.0f+%.0f kbit/s", (unsigned long long)s.video_frames_sent,
             (unsigned long long)s.video_frames_sealed, (unsigned long long)s.audio_frames_sealed, s.video_width,
             s.video_height, s.video_fps, s.video_bitrate_bps / 1000, s.audio_bitrate_bps / 1000);
      video_bps.add(s.video_bitrate_bps);
      audio_bps.add(s.audio_bitrate_bps);
      stats_fps.add(s.video_fps);
      if (s.rtt_ms >= 0) rtt.add(s.rtt_ms);
      min_width = std::min(min_width, s.video_width);
      min_height = std::min(min_height, s.video_height);
      max_width = std::max(max_width, s.video_width);
      max_height = std::max(max_height, s.video_height);
    });
    otc_publisher_get_stats(publisher, &s1);
    const double secs = w.seconds();
    // Encoded frames per second from the transport counters (refreshed each second: the snapshot
    // interval is the window give or take a second, so the sampled rate is the better figure).
    const double fps_measured = stats_fps.value();
    const double video_frame_bytes = fps_measured > 0 ? video_bps.value() / 8 / fps_measured : 0;
    const double audio_fps = s1.audio_frames_sent > s0.audio_frames_sent
                                 ? static_cast<double>(s1.audio_frames_sent - s0.audio_frames_sent) / secs
                                 : 50.0;  // Opus 20 ms frames (counted only with E2EE)
    const double audio_frame_bytes = audio_bps.value() / 8 / audio_fps;
    std::printf(
        "{\"type\":\"result\",\"role\":\"publish\",\"e2ee\":%s,\"codec\":\"%s\",\"pattern\":\"%dx%d@%d\","
        "\"window_s\":%.3f,\"window_start_us\":%lld,\"window_end_us\":%lld,\"cpu_pct\":%.3f,\"user_pct\":%.3f,"
        "\"sys_pct\":%.3f,\"csw_per_s\":%.1f,\"video_frames_sealed\":%llu,\"audio_frames_sealed\":%llu,\"seal_errors\":%llu,"
        "\"video_frames_sent\":%llu,\"fps\":%.2f,\"audio_fps\":%.2f,\"width\":%d,\"height\":%d,"
        "\"min_width\":%d,\"min_height\":%d,\"max_width\":%d,\"max_height\":%d,"
        "\"video_kbps\":%.1f,\"audio_kbps\":%.1f,\"video_frame_bytes\":%.1f,\"audio_frame_bytes\":%.1f,"
        "\"rtt_ms\":%.2f,\"key_ms\":%lld,\"connect_ms\":%lld,\"publish_ms\":%lld,\"subscribers\":%u}\n",
        secret ? "true" : "false", otc_video_codec_name(codec), width, height, fps, secs, (long long)w.t0, (long long)w.t1, w.cpu_pct(),
        w.user_pct(), w.cpu_pct() - w.user_pct(), w.csw_per_s(),
        (unsigned long long)(s1.video_frames_sealed - s0.video_frames_sealed),
        (unsigned long long)(s1.audio_frames_sealed - s0.audio_frames_sealed),
        (unsigned long long)(s1.seal_errors - s0.seal_errors),
        (unsigned long long)(s1.video_frames_sent >= s0.video_frames_sent ? s1.video_frames_sent - s0.video_frames_sent : 0),
        fps_measured, audio_fps,
        s1.video_width, s1.video_height, min_width, min_height, max_width, max_height, video_bps.value() / 1000,
        audio_bps.value() / 1000, video_frame_bytes, audio_frame_bytes, rtt.n ? rtt.value() : -1.0,
        (long long)client.key_ms, (long long)connected_ms, (long long)published_ms, s1.subscribers);
    std::fflush(stdout);

    // Keep the stream up for the subscriber until the driver closes stdin (or a signal/timeout).
    hold_until_stdin_eof(mono_us() + static_cast<int64_t>(hold * 1e6));
    otc_session_unpublish(client.session, publisher);
    otc_publisher_delete(publisher);
    otc_session_disconnect(client.session);
  }
  otc_destroy();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// subscribe
// ---------------------------------------------------------------------------------------------

struct SubscriberState {
  Flags flags;
  std::atomic<int64_t> first_render_us{0};
  std::atomic<uint64_t> render_frames{0};
  std::atomic<uint64_t> audio_callbacks{0};
  std::atomic<int> last_error{0};
};

int run_subscribe(const char *url, const char *session_id, const char *token, double seconds, const char *secret) {
  g_role = "subscribe";
  const double warmup = env_double("CALL_BENCH_WARMUP", 2);
  if (otc_init(nullptr) != OTC_SUCCESS) fail("otc_init failed");
  {
    Client client(url, session_id, secret);
    const int64_t t_connect = client.connect(token);
    const int64_t connected_us = mono_us();
    if (!client.flags.wait("stream", 15s)) fail("no stream after 15 s");
    const int64_t stream_us = mono_us();

    SubscriberState state;
    otc_subscriber_callbacks scb{};
    scb.user_data = &state;
    scb.on_connected = [](otc_subscriber *, void *self, const otc_stream *) { static_cast<SubscriberState *>(self)->flags.set("connected"); };
    scb.on_error = [](otc_subscriber *, void *self, const char *message, enum otc_subscriber_error_code code) {
      note("subscriber error %d: %s", code, message ? message : "");
      static_cast<SubscriberState *>(self)->last_error = code;
    };
    // A renderer's minimum: look at the frame. Counting is all the benchmark needs.
    scb.on_render_frame = [](otc_subscriber *, void *self, const otc_video_frame *) {
      auto *s = static_cast<SubscriberState *>(self);
      if (s->render_frames.fetch_add(1, std::memory_order_relaxed) == 0) s->first_render_us = mono_us();
    };
    otc_subscriber_extension_callbacks ext{};
    ext.on_audio_data = [](otc_subscriber *, void *self, const otc_audio_data *) {
      static_cast<SubscriberState *>(self)->audio_callbacks.fetch_add(1, std::memory_order_relaxed);
    };
    otc_subscriber *subscriber = nullptr;
    {
      std::lock_guard<std::mutex> lock(client.mutex);
      subscriber = otc_subscriber_new(client.stream, &scb);
    }
    if (!subscriber) fail("otc_subscriber_new failed");
    otc_subscriber_set_extension_callbacks(subscriber, &ext);
    if (const otc_status s = otc_session_subscribe(client.session, subscriber); s != OTC_SUCCESS)
      fail("otc_session_subscribe: %d", s);
    if (!state.flags.wait("connected", 20s)) fail("subscriber not connected after 20 s (error %d)", state.last_error.load());
    const int64_t subscribed_us = mono_us();

    // The first decoded frame whose test-pattern code reads (the media check's clock is
    // CLOCK_MONOTONIC, as mono_us()).
    otc_media_check check{};
    const int64_t deadline = mono_us() + 20000000;
    for (;;) {
      otc_subscriber_get_media_check(subscriber, &check);
      if (check.first_frame_time_us != 0) break;
      if (mono_us() > deadline) {
        otc_subscriber_stats st{};
        otc_subscriber_get_stats(subscriber, &st);
        fail("no readable frame after 20 s (decoded %llu, opened %llu, mismatch %llu, error %d)",
             (unsigned long long)check.frames_decoded, (unsigned long long)st.video_frames_opened,
             (unsigned long long)st.frames_mismatch, state.last_error.load());
      }
      sleep_ms(2);
    }
    const double first_frame_ms = static_cast<double>(check.first_frame_time_us - t_connect) / 1000;
    const int64_t first_render_us = state.first_render_us.load();
    const double first_render_ms = first_render_us ? static_cast<double>(first_render_us - t_connect) / 1000 : -1;
    std::printf("{\"type\":\"first_frame\",\"ms\":%.1f}\n", first_frame_ms);
    std::fflush(stdout);
    note("first frame %.0f ms after connect(); warm-up %.1f s, then %.1f s measured", first_frame_ms, warmup, seconds);
    sleep_ms(static_cast<int>(warmup * 1000));
    if (const char *off = std::getenv("CALL_BENCH_VIDEO_OFF"); off && std::strcmp(off, "1") == 0) {
      if (const otc_status s = otc_subscriber_set_subscribe_to_video(subscriber, OTC_FALSE); s != OTC_SUCCESS)
        fail("otc_subscriber_set_subscribe_to_video: %d", s);
      note("video off");
      sleep_ms(1000);
    }

    otc_subscriber_stats s0{}, s1{};
    otc_media_check c0{}, c1{};
    Mean video_bps, audio_bps, stats_fps, jitter;
    int min_width = 1 << 30, min_height = 1 << 30;
    otc_subscriber_get_stats(subscriber, &s0);
    otc_subscriber_get_media_check(subscriber, &c0);
    const uint64_t render0 = state.render_frames.load();
    Window w;
    measure_window(w, seconds, [&] {
      otc_subscriber_stats s{};
      otc_subscriber_get_stats(subscriber, &s);
      if (verbose)
        note("sample: opened %llu/%llu decoded %llu rendered %llu audio %llu %dx%d %.1f fps %.0f+%.0f kbit/s",
             (unsigned long long)s.video_frames_opened, (unsigned long long)s.audio_frames_opened,
             (unsigned long long)s.video_frames_decoded, (unsigned long long)state.render_frames.load(),
             (unsigned long long)state.audio_callbacks.load(), s.video_width, s.video_height, s.video_fps,
             s.video_bitrate_bps / 1000, s.audio_bitrate_bps / 1000);
      video_bps.add(s.video_bitrate_bps);
      audio_bps.add(s.audio_bitrate_bps);
      stats_fps.add(s.video_fps);
      jitter.add(s.jitter_buffer_delay_ms);
      min_width = std::min(min_width, s.video_width);
      min_height = std::min(min_height, s.video_height);
    });
    const uint64_t render1 = state.render_frames.load();
    otc_subscriber_get_stats(subscriber, &s1);
    otc_subscriber_get_media_check(subscriber, &c1);
    const double secs = w.seconds();
    const double fps = static_cast<double>(render1 - render0) / secs;
    const double audio_fps = s1.audio_frames_opened > s0.audio_frames_opened
                                 ? static_cast<double>(s1.audio_frames_opened - s0.audio_frames_opened) / secs
                                 : 50.0;
    std::printf(
        "{\"type\":\"result\",\"role\":\"subscribe\",\"e2ee\":%s,\"window_s\":%.3f,\"window_start_us\":%lld,"
        "\"window_end_us\":%lld,\"cpu_pct\":%.3f,"
        "\"user_pct\":%.3f,\"sys_pct\":%.3f,\"csw_per_s\":%.1f,\"video_frames_opened\":%llu,\"audio_frames_opened\":%llu,"
        "\"frames_unencrypted\":%llu,\"frames_mismatch\":%llu,\"video_frames_decoded\":%llu,"
        "\"rendered\":%llu,\"fps\":%.2f,\"stats_fps\":%.2f,\"audio_fps\":%.2f,\"width\":%d,\"height\":%d,"
        "\"min_width\":%d,\"min_height\":%d,\"video_kbps\":%.1f,\"audio_kbps\":%.1f,"
        "\"video_frame_bytes\":%.1f,\"audio_frame_bytes\":%.1f,\"jitter_buffer_ms\":%.2f,"
        "\"key_ms\":%lld,\"connected_ms\":%.1f,\"stream_ms\":%.1f,\"subscribed_ms\":%.1f,"
        "\"first_frame_ms\":%.1f,\"first_render_ms\":%.1f,"
        "\"check_received\":%llu,\"check_lost\":%llu,\"check_repeated\":%llu,\"check_freezes\":%llu,"
        "\"check_unreadable\":%llu,\"check_received_total\":%llu,\"check_lost_total\":%llu,"
        "\"latency_mean_ms\":%.2f,\"latency_p50_ms\":%.2f,\"latency_p95_ms\":%.2f,\"latency_max_ms\":%.2f,"
        "\"packets_lost\":%llu}\n",
        secret ? "true" : "false", secs, (long long)w.t0, (long long)w.t1, w.cpu_pct(), w.user_pct(),
        w.cpu_pct() - w.user_pct(), w.csw_per_s(),
        (unsigned long long)(s1.video_frames_opened - s0.video_frames_opened),
        (unsigned long long)(s1.audio_frames_opened - s0.audio_frames_opened),
        (unsigned long long)(s1.frames_unencrypted - s0.frames_unencrypted),
        (unsigned long long)(s1.frames_mismatch - s0.frames_mismatch),
        (unsigned long long)(s1.video_frames_decoded - s0.video_frames_decoded),
        (unsigned long long)(render1 - render0), fps, stats_fps.value(), audio_fps, s1.video_width, s1.video_height,
        min_width, min_height, video_bps.value() / 1000, audio_bps.value() / 1000,
        fps > 0 ? video_bps.value() / 8 / fps : 0.0, audio_bps.value() / 8 / audio_fps, jitter.value(),
        (long long)client.key_ms, static_cast<double>(connected_us - t_connect) / 1000,
        static_cast<double>(stream_us - t_connect) / 1000, static_cast<double>(subscribed_us - t_connect) / 1000,
        first_frame_ms, first_render_ms, (unsigned long long)(c1.frames_received - c0.frames_received),
        (unsigned long long)(c1.frames_lost - c0.frames_lost),
        (unsigned long long)(c1.frames_repeated - c0.frames_repeated),
        (unsigned long long)(c1.freezes - c0.freezes),
        (unsigned long long)(c1.frames_unreadable - c0.frames_unreadable),
        (unsigned long long)c1.frames_received, (unsigned long long)c1.frames_lost, c1.latency_mean_ms,
        c1.latency_p50_ms, c1.latency_p95_ms, c1.latency_max_ms, (unsigned long long)(s1.packets_lost - s0.packets_lost));
    std::fflush(stdout);
    if (sync_stdin) {
      hold_until_stdin_eof(mono_us() + static_cast<int64_t>(env_double("CALL_BENCH_HOLD", 120) * 1e6));
    } else {
      sleep_ms(3000);  // alone: let a publisher started a moment later finish its window too
    }
    otc_session_unsubscribe(client.session, subscriber);
    otc_subscriber_delete(subscriber);
    otc_session_disconnect(client.session);
  }
  otc_destroy();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// crypto: the frame cryptor alone, on frames of a call's sizes
// ---------------------------------------------------------------------------------------------

struct CryptoTimes {
  double seal_us = 0, open_us = 0, seal_cold_us = 0, open_cold_us = 0;
};

// Evicts L1 and L2 (what a media thread's other work between two frames does): writes and reads
// a buffer larger than both.
void evict_caches(std::vector<unsigned char> &junk) {
  volatile unsigned char sink = 0;
  for (size_t i = 0; i < junk.size(); i += 64) {
    junk[i] = static_cast<unsigned char>(junk[i] + 1);
    sink = sink + junk[i];
  }
  (void)sink;
}

CryptoTimes time_cryptor(otc_e2ee_codec codec, size_t size, double seconds, std::mt19937 &rng,
                         std::vector<unsigned char> &junk) {
  otc_status status;
  otc_frame_cryptor *sender = otc_frame_cryptor_new("call-bench", "call bench secret", nullptr, &status);
  otc_frame_cryptor *receiver = otc_frame_cryptor_new("call-bench", "call bench secret", nullptr, &status);
  if (!sender || !receiver) fail("otc_frame_cryptor_new: %d", status);
  std::vector<unsigned char> frame(size);
  for (auto &b : frame) b = static_cast<unsigned char>(rng());
  if (codec == OTC_E2EE_CODEC_VP8) frame[0] |= 1;  // a VP8 delta frame (3 clear bytes)
  if (codec == OTC_E2EE_CODEC_H264 && size >= 5) {  // one NAL unit: start code + a non-IDR slice
    frame[0] = 0, frame[1] = 0, frame[2] = 0, frame[3] = 1, frame[4] = 0x41;
  }
  const size_t cap = otc_frame_cryptor_max_sealed_size(codec, size);
  const size_t batch = 256;  // distinct frames, each opened once (the replay window is 256)
  std::vector<std::vector<unsigned char>> sealed(batch, std::vector<unsigned char>(cap));
  std::vector<size_t> lengths(batch);
  std::vector<unsigned char> out(cap);
  CryptoTimes t;

  // Warm: back to back. Seal a batch (timed), open it (timed), repeat; thread CPU time.
  double seal_time = 0, open_time = 0;
  size_t count = 0;
  const int64_t start = mono_us();
  for (int round = 0; round == 0 || static_cast<double>(mono_us() - start) / 1e6 < seconds; ++round) {
    const double t0 = thread_cpu_us();
    for (size_t i = 0; i < batch; ++i)
      otc_frame_cryptor_seal(sender, codec, 0, frame.data(), size, sealed[i].data(), cap, &lengths[i]);
    const double t1 = thread_cpu_us();
    for (size_t i = 0; i < batch; ++i) {
      size_t n = 0;
      otc_e2ee_outcome outcome;
      otc_frame_cryptor_open(receiver, codec, sealed[i].data(), lengths[i], out.data(), cap, &n, &outcome, nullptr);
      if (outcome != OTC_E2EE_DECRYPTED) fail("open failed (%d) at %zu B", outcome, size);
    }
    const double t2 = thread_cpu_us();
    if (round > 0) {  // round 0 warms up
      seal_time += t1 - t0;
      open_time += t2 - t1;
      count += batch;
    }
  }
  t.seal_us = seal_time / static_cast<double>(count);
  t.open_us = open_time / static_cast<double>(count);

  // Cold: one frame at a time with L1/L2 evicted before it, as a media thread meets a frame every
  // 20-33 ms after other work. Each call timed alone on the thread's CPU clock, less the cost of
  // reading that clock twice.
  const size_t cold = 300;
  double clock_cost = 0;
  for (int i = 0; i < 1000; ++i) {
    const double a = thread_cpu_us();
    clock_cost += thread_cpu_us() - a;
  }
  clock_cost /= 1000;
  double seal_cold = 0, open_cold = 0;
  for (size_t i = 0; i < cold; ++i) {
    evict_caches(junk);
    const double t0 = thread_cpu_us();
    otc_frame_cryptor_seal(sender, codec, 0, frame.data(), size, sealed[i % batch].data(), cap, &lengths[i % batch]);
    seal_cold += thread_cpu_us() - t0 - clock_cost;
    evict_caches(junk);
    size_t n = 0;
    otc_e2ee_outcome outcome;
    const double t1 = thread_cpu_us();
    otc_frame_cryptor_open(receiver, codec, sealed[i % batch].data(), lengths[i % batch], out.data(), cap, &n, &outcome, nullptr);
    open_cold += thread_cpu_us() - t1 - clock_cost;
    if (outcome != OTC_E2EE_DECRYPTED) fail("cold open failed (%d)", outcome);
  }
  t.seal_cold_us = seal_cold / cold;
  t.open_cold_us = open_cold / cold;
  otc_frame_cryptor_delete(sender);
  otc_frame_cryptor_delete(receiver);
  return t;
}

int run_crypto(double video_bytes, double audio_bytes, const char *codec_name, double seconds) {
  g_role = "crypto";
  otc_video_codec_type codec;
  otc_e2ee_codec e2ee_codec;
  if (!parse_codec(codec_name, &codec, &e2ee_codec)) fail("codec must be VP8, VP9 or H264, not %s", codec_name);
  std::mt19937 rng(12345);
  std::vector<unsigned char> junk(16u << 20);  // > L1 + L2 (the L3 may be far larger)
  const size_t vsize = std::max<size_t>(16, static_cast<size_t>(video_bytes + 0.5));
  const size_t asize = std::max<size_t>(8, static_cast<size_t>(audio_bytes + 0.5));
  const CryptoTimes v = time_cryptor(e2ee_codec, vsize, seconds, rng, junk);
  const CryptoTimes a = time_cryptor(OTC_E2EE_CODEC_OPUS, asize, seconds, rng, junk);
  std::printf(
      "{\"type\":\"crypto\",\"codec\":\"%s\",\"video_bytes\":%zu,\"audio_bytes\":%zu,"
      "\"video_seal_us\":%.4f,\"video_open_us\":%.4f,\"video_seal_cold_us\":%.4f,\"video_open_cold_us\":%.4f,"
      "\"audio_seal_us\":%.4f,\"audio_open_us\":%.4f,\"audio_seal_cold_us\":%.4f,\"audio_open_cold_us\":%.4f}\n",
      otc_video_codec_name(codec), vsize, asize, v.seal_us, v.open_us, v.seal_cold_us, v.open_cold_us, a.seal_us,
      a.open_us, a.seal_cold_us, a.open_cold_us);
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage:\n"
               "  call_bench publish <signaling-url> <session-id> <token> <seconds> <codec> [secret]\n"
               "  call_bench subscribe <signaling-url> <session-id> <token> <seconds> [secret]\n"
               "  call_bench crypto <video-frame-bytes> <audio-frame-bytes> <codec> [seconds]\n");
  return 64;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  const std::string role = argv[1];
  if (role == "publish" && (argc == 7 || argc == 8)) {
    const double seconds = std::atof(argv[5]);
    if (seconds <= 0) return usage();
    alarm(static_cast<unsigned>(seconds + env_double("CALL_BENCH_HOLD", 120) + 120));  // a watchdog
    return run_publish(argv[2], argv[3], argv[4], seconds, argv[6], argc == 8 ? argv[7] : nullptr);
  }
  if (role == "subscribe" && (argc == 6 || argc == 7)) {
    const double seconds = std::atof(argv[5]);
    if (seconds <= 0) return usage();
    alarm(static_cast<unsigned>(seconds + env_double("CALL_BENCH_HOLD", 120) + 120));
    return run_subscribe(argv[2], argv[3], argv[4], seconds, argc == 7 ? argv[6] : nullptr);
  }
  if (role == "crypto" && (argc == 5 || argc == 6)) {
    return run_crypto(std::atof(argv[2]), std::atof(argv[3]), argv[4], argc == 6 ? std::atof(argv[5]) : 1.0);
  }
  return usage();
}
