// Many subscriptions in one process, and the process's thread count: libwebrtc's per-stream task
// queues run on the engine's bounded pool (rtc/pooled_task_queue_factory.h), so N subscriptions
// cost far fewer than N threads. The publisher lives in a child process (forked before either
// side starts libwebrtc) so that every thread counted here belongs to the subscribing side.
#include <gtest/gtest.h>
#include <otc/otc.h>

#include <dirent.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "rtc/pooled_task_queue_factory.h"
#include "session_server.h"

using namespace std::chrono_literals;
using otc_test::kApiKey;
using otc_test::Server;
using otc_test::ServerSuite;

namespace {

constexpr const char *kSecret = "the secret of the thread bound test";

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

// The process's threads by name (/proc/self/task/*/comm), for the log.
std::string thread_names() {
  std::map<std::string, int> names;
  if (DIR *dir = opendir("/proc/self/task")) {
    while (dirent *entry = readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      std::ifstream comm(std::string("/proc/self/task/") + entry->d_name + "/comm");
      std::string name;
      std::getline(comm, name);
      ++names[name];
    }
    closedir(dir);
  }
  std::string out;
  for (const auto &[name, count] : names) out += name + "x" + std::to_string(count) + " ";
  return out;
}

// One flag set from callbacks, waited for by the test.
class Flag {
 public:
  void set() {
    std::lock_guard<std::mutex> lock(mutex_);
    set_ = true;
    cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return set_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool set_ = false;
};

// The session of this process: told about the publisher's stream, subscribed to it many times.
struct Session {
  otc_session *session = nullptr;
  Flag connected, stream;
  std::mutex mutex;
  otc_stream *first = nullptr;

  explicit Session(const std::string &session_id) {
    otc_session_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_session *, void *self) { static_cast<Session *>(self)->connected.set(); };
    cb.on_stream_received = [](otc_session *, void *self, const otc_stream *s) {
      auto *me = static_cast<Session *>(self);
      std::lock_guard<std::mutex> lock(me->mutex);
      if (!me->first) me->first = otc_stream_copy(s);
      me->stream.set();
    };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, ServerSuite::server->signaling().c_str());
    session = otc_session_new_with_settings(kApiKey, session_id.c_str(), &cb, settings);
    otc_session_settings_delete(settings);
    otc_session_set_encryption_secret(session, kSecret);
  }
  ~Session() {
    otc_session_delete(session);
    otc_stream_delete(first);
  }
  bool connect(const std::string &token) {
    return otc_session_connect(session, token.c_str()) == OTC_SUCCESS && connected.wait(30s) && stream.wait(30s);
  }
};

// One subscription to the session's stream.
struct Subscription {
  otc_subscriber *subscriber = nullptr;
  Flag subscribed;

  ~Subscription() { otc_subscriber_delete(subscriber); }
  bool subscribe(Session &session) {
    otc_subscriber_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_subscriber *, void *self, const otc_stream *) {
      static_cast<Subscription *>(self)->subscribed.set();
    };
    {
      std::lock_guard<std::mutex> lock(session.mutex);
      subscriber = otc_subscriber_new(session.first, &cb);
    }
    return subscriber && otc_session_subscribe(session.session, subscriber) == OTC_SUCCESS && subscribed.wait(30s);
  }
  uint64_t frames_opened() {
    otc_subscriber_stats stats{};
    otc_subscriber_get_stats(subscriber, &stats);
    return stats.video_frames_opened;
  }
  uint64_t frames_decoded() {
    otc_media_check check{};
    otc_subscriber_get_media_check(subscriber, &check);
    return check.frames_decoded;
  }
};

// The publisher: a child process with its own engine, publishing a small test pattern until its
// parent closes the pipe (or dies).
class PublisherProcess {
 public:
  bool start(const std::string &session_id) {
    int fds[2];
    if (pipe(fds) != 0) return false;
    pid_ = fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      close(fds[1]);
      _exit(run_child(session_id, fds[0]));
    }
    close(fds[0]);
    hold_ = fds[1];
    return true;
  }
  void stop() {
    if (hold_ >= 0) close(hold_);
    hold_ = -1;
    otc_test::stop_child(pid_);
    pid_ = 0;
  }
  ~PublisherProcess() { stop(); }

 private:
  static int run_child(const std::string &session_id, int hold) {
    if (otc_init(nullptr) != OTC_SUCCESS) return 2;
    Flag connected, created;
    otc_session_callbacks cb{};
    cb.user_data = &connected;
    cb.on_connected = [](otc_session *, void *self) { static_cast<Flag *>(self)->set(); };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, ServerSuite::server->signaling().c_str());
    otc_session *session = otc_session_new_with_settings(kApiKey, session_id.c_str(), &cb, settings);
    otc_session_settings_delete(settings);
    otc_session_set_encryption_secret(session, kSecret);
    if (otc_session_connect(session, Server::token(session_id).c_str()) != OTC_SUCCESS || !connected.wait(15s)) return 3;
    otc_publisher_callbacks pcb{};
    pcb.user_data = &created;
    pcb.on_stream_created = [](otc_publisher *, void *self, const otc_stream *) { static_cast<Flag *>(self)->set(); };
    otc_publisher_settings *ps = otc_publisher_settings_new();
    otc_publisher_settings_set_video_source(ps, OTC_VIDEO_SOURCE_TEST_PATTERN);
    int width = 160, height = 90, fps = 15;  // THREAD_BOUND_PATTERN=WxH@FPS for a measurement
    if (const char *p = std::getenv("THREAD_BOUND_PATTERN")) std::sscanf(p, "%dx%d@%d", &width, &height, &fps);
    otc_publisher_settings_set_test_pattern(ps, width, height, fps);
    otc_publisher *publisher = otc_publisher_new_with_settings(&pcb, ps);
    otc_publisher_settings_delete(ps);
    if (otc_session_publish(session, publisher) != OTC_SUCCESS || !created.wait(15s)) return 4;
    char byte;
    while (read(hold, &byte, 1) != 0) {
    }
    otc_publisher_delete(publisher);
    otc_session_delete(session);
    otc_destroy();
    return 0;
  }
  pid_t pid_ = 0;
  int hold_ = -1;
};

class ThreadBound : public ServerSuite {
 protected:
  void SetUp() override {
    ServerSuite::SetUp();
    if (HasFatalFailure()) return;
    session_id_ = server->create_session(true);
    ASSERT_FALSE(session_id_.empty());
    // Before this process starts any thread of its own: fork copies only the calling thread.
    ASSERT_TRUE(publisher_.start(session_id_));
    threads_before_init_ = thread_count();
    ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  }
  void TearDown() override {
    otc_destroy();
    publisher_.stop();
  }
  // Waits until every subscription has opened and decoded `more` frames past where it stood.
  static bool frames_flow(std::vector<std::unique_ptr<Subscription>> &subs, uint64_t more,
                          std::chrono::milliseconds timeout) {
    std::vector<uint64_t> opened, decoded;
    for (auto &s : subs) {
      opened.push_back(s->frames_opened());
      decoded.push_back(s->frames_decoded());
    }
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      bool all = true;
      for (size_t i = 0; i < subs.size() && all; ++i)
        all = subs[i]->frames_opened() >= opened[i] + more && subs[i]->frames_decoded() >= decoded[i] + more;
      if (all) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  std::string session_id_;
  PublisherProcess publisher_;
  size_t threads_before_init_ = 0;
};

// The server allows 4 subscriptions to one stream per connection: 3 sessions of 4.
// THREAD_BOUND_SUBSCRIPTIONS changes the count for a measurement (the CPU window below).
constexpr int kPerSession = 4;
int subscription_count() {
  const char *n = std::getenv("THREAD_BOUND_SUBSCRIPTIONS");
  return n && std::atoi(n) >= 2 ? std::atoi(n) : 12;
}

// CPU (user + system, every thread) and context switches of this process over a window.
struct Usage {
  double cpu_s;
  long voluntary, involuntary;
  static Usage now() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return {usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6,
            usage.ru_nvcsw, usage.ru_nivcsw};
  }
};

TEST_F(ThreadBound, TwelveSubscriptionsAddFarFewerThreadsThanSubscriptionsAndMediaFlows) {
  const int count = subscription_count();
  // Sessions have threads of their own (signaling): all connected before counting.
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < (count + kPerSession - 1) / kPerSession; ++i) {
    sessions.push_back(std::make_unique<Session>(session_id_));
    ASSERT_TRUE(sessions.back()->connect(Server::token(session_id_, "subscriber"))) << "session " << i;
  }
  // One subscription first: the engine's own threads and the pool start with the first call.
  std::vector<std::unique_ptr<Subscription>> subs;
  subs.push_back(std::make_unique<Subscription>());
  ASSERT_TRUE(subs.back()->subscribe(*sessions[0]));
  ASSERT_TRUE(frames_flow(subs, 5, 20s));
  const size_t with_one = thread_count();
  std::printf("  1 subscription: %zu threads: %s\n", with_one, thread_names().c_str());
  for (int i = 1; i < count; ++i) {
    subs.push_back(std::make_unique<Subscription>());
    ASSERT_TRUE(subs.back()->subscribe(*sessions[i / kPerSession])) << "subscription " << i;
  }
  EXPECT_TRUE(frames_flow(subs, 10, 60s)) << "frames did not reach every subscription";
  const size_t with_all = thread_count();
  std::printf("  %d subscriptions: %zu threads (%+.2f per added subscription): %s\n", count, with_all,
              double(long(with_all) - long(with_one)) / (count - 1), thread_names().c_str());
  // Bounded: no thread per subscription (before the pool: 4 each).
  EXPECT_LE(with_all, with_one + 2);

  // For the record: what the subscriptions cost this process over 5 s.
  uint64_t opened = 0;
  for (auto &sub : subs) opened -= sub->frames_opened();
  const Usage before = Usage::now();
  std::this_thread::sleep_for(5s);
  const Usage after = Usage::now();
  for (auto &sub : subs) opened += sub->frames_opened();
  std::printf("  %d subscriptions over 5 s: CPU %.1f%% of one core, %.0f voluntary + %.0f involuntary context "
              "switches/s, %.1f frames opened/s per subscription\n",
              count, (after.cpu_s - before.cpu_s) / 5 * 100, (after.voluntary - before.voluntary) / 5.0,
              (after.involuntary - before.involuntary) / 5.0, opened / 5.0 / count);
}

// Subscriptions and sessions torn down at random points (mid-subscribe, mid-media, session
// first or subscriber first): the process ends each round with the threads it started it with,
// and otc_destroy leaves only the threads from before otc_init.
TEST_F(ThreadBound, TearingDownAtRandomPointsLeavesNoThreadsBehind) {
  const unsigned seed = std::random_device{}();
  std::printf("  seed %u\n", seed);
  std::mt19937 random(seed);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
  // The engine's threads (network, worker, signaling, libwebrtc's low-priority one) and the pool.
  const size_t engine_threads = 4 + otc::rtc::TaskThreadsFromEnvironment();
  size_t baseline = 0;  // after the first round: the engine running, nothing else
  for (int round = 0; round < 4; ++round) {
    std::vector<std::unique_ptr<Session>> sessions;
    for (int i = 0; i < 2; ++i) {
      sessions.push_back(std::make_unique<Session>(session_id_));
      ASSERT_TRUE(sessions.back()->connect(Server::token(session_id_, "subscriber")));
    }
    std::vector<std::unique_ptr<Subscription>> subs;
    for (int i = 0; i < 2 * kPerSession; ++i) {
      auto sub = std::make_unique<Subscription>();
      Session &session = *sessions[i % 2];
      otc_subscriber_callbacks cb{};
      cb.user_data = sub.get();
      cb.on_connected = [](otc_subscriber *, void *self, const otc_stream *) {
        static_cast<Subscription *>(self)->subscribed.set();
      };
      {
        std::lock_guard<std::mutex> lock(session.mutex);
        sub->subscriber = otc_subscriber_new(session.first, &cb);
      }
      ASSERT_NE(sub->subscriber, nullptr);
      EXPECT_EQ(otc_session_subscribe(session.session, sub->subscriber), OTC_SUCCESS);
      subs.push_back(std::move(sub));
    }
    // Then, in a random order with random pauses (0-400 ms: some before their media starts):
    // delete subscriptions and disconnect or delete sessions.
    std::vector<int> steps;
    for (int i = 0; i < int(subs.size()); ++i) steps.push_back(i);
    steps.push_back(-1);
    steps.push_back(-2);
    std::shuffle(steps.begin(), steps.end(), random);
    for (int step : steps) {
      std::this_thread::sleep_for(std::chrono::milliseconds(pick(400)));
      if (step >= 0) {
        subs[step].reset();
      } else if (pick(2) == 0) {
        otc_session_disconnect(sessions[-step - 1]->session);
      } else {
        sessions[-step - 1].reset();
      }
    }
    subs.clear();
    sessions.clear();
    // Sessions end their own threads as they go; a moment for the last to exit.
    const size_t allowed = round == 0 ? threads_before_init_ + engine_threads : baseline;
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (thread_count() > allowed && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(50ms);
    std::printf("  round %d: %zu threads (at most %zu): %s\n", round, thread_count(), allowed, thread_names().c_str());
    EXPECT_LE(thread_count(), allowed) << "round " << round;
    if (round == 0) baseline = thread_count();
  }
  {
    // Media still flows after all that.
    Session session(session_id_);
    ASSERT_TRUE(session.connect(Server::token(session_id_, "subscriber")));
    std::vector<std::unique_ptr<Subscription>> subs;
    subs.push_back(std::make_unique<Subscription>());
    ASSERT_TRUE(subs.back()->subscribe(session));
    EXPECT_TRUE(frames_flow(subs, 10, 20s));
  }
  otc_destroy();
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (thread_count() > threads_before_init_ && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(50ms);
  std::printf("  after otc_destroy: %zu threads (before otc_init: %zu): %s\n", thread_count(), threads_before_init_,
              thread_names().c_str());
  EXPECT_LE(thread_count(), threads_before_init_);
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);  // for TearDown's otc_destroy
}

}  // namespace
