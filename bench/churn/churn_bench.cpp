// Native half of bench/churn: join/leave cycles in one process through the C API, sampling the
// process's memory, threads and file descriptors as it goes.
//
//   churn_bench <signaling-url> <session-id> <token> <cycles> <mode> [sample-every]
//
// mode: connect  (session new, connect, disconnect, delete)
//       publish  (connect, publish the test pattern until its stream is created, unpublish, ...)
//       call     (two sessions: one publishes, the other subscribes to that stream until its first
//                 decoded frame; then unsubscribe, unpublish, disconnect and delete both)
// otc_init runs once, before the first cycle. Every `sample-every` cycles (default 50; also after
// cycle 0, before any) one JSON line goes to stdout:
//   {"type":"sample","cycle":N,"rss_kb":..,"rss_anon_kb":..,"in_use_kb":..,"heap_kb":..,"threads":..,"fds":..,"ms":..}
// in_use_kb is malloc's allocated bytes (mallinfo2 uordblks + hblkhd): what the program holds,
// as opposed to RSS, which also counts what the allocator keeps after free; rss_anon_kb is RSS
// without file-backed pages (the library's code, paged in as it is first run). The sample is taken
// at rest, 1.2 s after the cycle, once the library's deferred malloc trim (at most one a second
// after otc_session_delete) has run: what the process keeps, not what the cycle just freed;
// rss_busy_kb is RSS right after the cycle. ms excludes these pauses. stderr: progress.
// Environment: CHURN_PATTERN (WxH@FPS, default 320x180@15).
#include <otc/otc.h>
#include <dirent.h>
#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

namespace {

using namespace std::chrono_literals;

constexpr const char *kApiKey = "47000001";  // the key run.mjs gives the session server

int64_t mono_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

[[noreturn]] void fail(const char *format, ...) {
  char message[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
  std::fprintf(stderr, "churn_bench: %s\n", message);
  std::printf("{\"type\":\"error\",\"message\":\"%s\"}\n", message);
  std::fflush(stdout);
  std::_Exit(2);
}

// Events set by callbacks on internal threads, waited for by main.
class Events {
 public:
  void set(unsigned bit) {
    std::lock_guard<std::mutex> lock(mutex_);
    bits_ |= bit;
    cv_.notify_all();
  }
  bool wait(unsigned bit, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return (bits_ & bit) != 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  unsigned bits_ = 0;
};

enum : unsigned {
  kConnected = 1,
  kDisconnected = 2,
  kStream = 4,
  kCreated = 8,
  kFrame = 16,
  kSubscriberGone = 32,
  kError = 64,
};

struct Client {
  Events events;
  otc_session *session = nullptr;
  std::mutex mutex;
  otc_stream *stream = nullptr;  // the first stream received (a copy)

  Client(const char *url, const char *session_id) {
    otc_session_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_session *, void *self) { static_cast<Client *>(self)->events.set(kConnected); };
    cb.on_disconnected = [](otc_session *, void *self) { static_cast<Client *>(self)->events.set(kDisconnected); };
    cb.on_error = [](otc_session *, void *self, const char *message, otc_session_error_code code) {
      std::fprintf(stderr, "churn_bench: session error %d: %s\n", code, message ? message : "");
      static_cast<Client *>(self)->events.set(kError);
    };
    cb.on_stream_received = [](otc_session *, void *self, const otc_stream *stream) {
      auto *client = static_cast<Client *>(self);
      {
        std::lock_guard<std::mutex> lock(client->mutex);
        if (!client->stream) client->stream = otc_stream_copy(stream);
      }
      client->events.set(kStream);
    };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, url);
    session = otc_session_new_with_settings(kApiKey, session_id, &cb, settings);
    otc_session_settings_delete(settings);
    if (!session) fail("otc_session_new_with_settings failed");
  }
  ~Client() {
    if (stream) otc_stream_delete(stream);
    otc_session_delete(session);
  }
  void connect(const char *token) {
    if (const otc_status s = otc_session_connect(session, token); s != OTC_SUCCESS) fail("otc_session_connect: %d", s);
    if (!events.wait(kConnected, 15s)) fail("not connected after 15 s");
  }
  void disconnect() {
    if (const otc_status s = otc_session_disconnect(session); s != OTC_SUCCESS) fail("otc_session_disconnect: %d", s);
    if (!events.wait(kDisconnected, 10s)) fail("no on_disconnected after 10 s");
  }
};

int g_width = 320, g_height = 180, g_fps = 15;

otc_publisher *publish(Client &client, Events &events) {
  otc_publisher_callbacks pcb{};
  pcb.user_data = &events;
  pcb.on_stream_created = [](otc_publisher *, void *self, const otc_stream *) { static_cast<Events *>(self)->set(kCreated); };
  pcb.on_error = [](otc_publisher *, void *self, const char *message, otc_publisher_error_code code) {
    std::fprintf(stderr, "churn_bench: publisher error %d: %s\n", code, message ? message : "");
    static_cast<Events *>(self)->set(kError);
  };
  otc_publisher_settings *settings = otc_publisher_settings_new();
  otc_publisher_settings_set_name(settings, "churn_bench");
  otc_publisher_settings_set_video_source(settings, OTC_VIDEO_SOURCE_TEST_PATTERN);
  if (otc_publisher_settings_set_test_pattern(settings, g_width, g_height, g_fps) != OTC_SUCCESS)
    fail("bad test pattern %dx%d@%d", g_width, g_height, g_fps);
  otc_publisher *publisher = otc_publisher_new_with_settings(&pcb, settings);
  otc_publisher_settings_delete(settings);
  if (!publisher) fail("otc_publisher_new_with_settings failed");
  if (const otc_status s = otc_session_publish(client.session, publisher); s != OTC_SUCCESS) fail("otc_session_publish: %d", s);
  if (!events.wait(kCreated, 15s)) fail("stream not created after 15 s");
  return publisher;
}

void unpublish(Client &client, otc_publisher *publisher) {
  if (const otc_status s = otc_session_unpublish(client.session, publisher); s != OTC_SUCCESS) fail("otc_session_unpublish: %d", s);
  otc_publisher_delete(publisher);
}

void cycle(const char *url, const char *session_id, const char *token, const std::string &mode) {
  Client a(url, session_id);
  a.connect(token);
  if (mode == "connect") {
    a.disconnect();
    return;
  }
  Events pub_events;
  otc_publisher *publisher = publish(a, pub_events);
  if (mode == "call") {
    Client b(url, session_id);
    b.connect(token);
    if (!b.events.wait(kStream, 15s)) fail("the subscriber's session saw no stream after 15 s");
    Events sub_events;
    otc_subscriber_callbacks scb{};
    scb.user_data = &sub_events;
    scb.on_video_data_received = [](otc_subscriber *, void *self) { static_cast<Events *>(self)->set(kFrame); };
    scb.on_disconnected = [](otc_subscriber *, void *self) { static_cast<Events *>(self)->set(kSubscriberGone); };
    scb.on_error = [](otc_subscriber *, void *self, const char *message, otc_subscriber_error_code code) {
      std::fprintf(stderr, "churn_bench: subscriber error %d: %s\n", code, message ? message : "");
      static_cast<Events *>(self)->set(kError);
    };
    otc_subscriber *subscriber;
    {
      std::lock_guard<std::mutex> lock(b.mutex);
      subscriber = otc_subscriber_new(b.stream, &scb);
    }
    if (!subscriber) fail("otc_subscriber_new failed");
    if (const otc_status s = otc_session_subscribe(b.session, subscriber); s != OTC_SUCCESS) fail("otc_session_subscribe: %d", s);
    if (!sub_events.wait(kFrame, 20s)) fail("no decoded frame after 20 s");
    otc_session_unsubscribe(b.session, subscriber);
    otc_subscriber_delete(subscriber);
    b.disconnect();
  }
  unpublish(a, publisher);
  a.disconnect();
}

long status_kb(const char *field) {
  FILE *f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long value = -1;
  const size_t n = std::strlen(field);
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, field, n) == 0 && line[n] == ':') {
      value = std::atol(line + n + 1);
      break;
    }
  }
  std::fclose(f);
  return value;
}

int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  while (dirent *e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n - (std::strcmp(dir, "/proc/self/fd") == 0 ? 1 : 0);  // opendir's own descriptor
}

int64_t paused_us = 0;  // time spent in the samples' pauses, not counted as cycles' time

void sample(int cycle_no, int64_t t0) {
  const long busy_kb = status_kb("VmRSS");
  const int64_t pause_start = mono_us();
  std::this_thread::sleep_for(1200ms);
  paused_us += mono_us() - pause_start;
  const struct mallinfo2 mi = mallinfo2();
  std::printf(
      "{\"type\":\"sample\",\"cycle\":%d,\"rss_kb\":%ld,\"rss_busy_kb\":%ld,\"rss_anon_kb\":%ld,\"in_use_kb\":%zu,\"heap_kb\":%zu,\"threads\":%d,\"fds\":%d,\"ms\":%lld}\n",
      cycle_no, status_kb("VmRSS"), busy_kb, status_kb("RssAnon"), (mi.uordblks + mi.hblkhd) / 1024, (mi.arena + mi.hblkhd) / 1024,
      count_entries("/proc/self/task"), count_entries("/proc/self/fd"), (long long)((mono_us() - t0 - paused_us) / 1000));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: churn_bench <signaling-url> <session-id> <token> <cycles> connect|publish|call [sample-every]\n");
    return 64;
  }
  const int cycles = std::atoi(argv[4]);
  const std::string mode = argv[5];
  const int every = argc > 6 ? std::max(1, std::atoi(argv[6])) : 50;
  if (cycles < 1 || (mode != "connect" && mode != "publish" && mode != "call")) fail("bad cycles or mode");
  if (const char *p = std::getenv("CHURN_PATTERN"); p && *p) {
    if (std::sscanf(p, "%dx%d@%d", &g_width, &g_height, &g_fps) != 3) fail("CHURN_PATTERN must be WxH@FPS");
  }
  if (otc_init(nullptr) != OTC_SUCCESS) fail("otc_init failed");
  if (otc_audio_capture_tone(440, 0.5) != OTC_SUCCESS) fail("otc_audio_capture_tone failed");
  const int64_t t0 = mono_us();
  sample(0, t0);
  for (int i = 1; i <= cycles; ++i) {
    cycle(argv[1], argv[2], argv[3], mode);
    if (i % every == 0 || i == cycles) sample(i, t0);
  }
  // CHURN_BENCH_NO_DESTROY=1: leave without tearing down, so that a heap profiler's "leaked at
  // exit" is what the cycles left behind, not what otc_destroy would free.
  if (std::getenv("CHURN_BENCH_NO_DESTROY")) {
    std::fflush(stdout);
    sleep(1);
    std::_Exit(0);
  }
  otc_destroy();
  return 0;
}
