// The other end of a sample program in the Samples.* tests (check_samples.sh): a node-otc
// client that does what a sample cannot show by itself.
//
//   samples_peer signal API_KEY SESSION_ID TOKEN SECRET COUNT
//     waits for another connection, sends it COUNT signals and expects each back from it
//     (the signaling sample echoes them); exit status 0 when all came back within 60 s.
//   samples_peer faulty-publisher API_KEY SESSION_ID TOKEN SECRET
//     publishes the test pattern with every sealed frame's authentication tag altered (a faulty
//     sender: its subscribers see integrity failures, 6002) until SIGINT or SIGTERM.
//
// The server is OTC_SIGNALING_URL's, as for the samples.
#include <opentok.h>
#include <otc/otc.h>

#include <csignal>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "rtc/e2ee_frame_transformer.h"

namespace {

volatile std::sig_atomic_t stop_requested = 0;

struct Peer {
  std::mutex mutex;
  std::condition_variable changed;
  bool connected = false, published = false, failed = false;
  std::string own_connection_id;
  otc_connection *other = nullptr;  // a copy
  std::set<std::string> echoed;
};

void say(const char *format, const char *text) {
  std::printf(format, text);
  std::printf("\n");
  std::fflush(stdout);
}

otc_session *make_session(Peer &peer, const char *api_key, const char *session_id, const char *secret) {
  otc_session_callbacks callbacks{};
  callbacks.user_data = &peer;
  callbacks.on_connected = [](otc_session *session, void *self) {
    auto *p = static_cast<Peer *>(self);
    std::lock_guard<std::mutex> lock(p->mutex);
    p->connected = true;
    if (const otc_connection *own = otc_session_get_connection(session)) p->own_connection_id = otc_connection_get_id(own);
    p->changed.notify_all();
  };
  callbacks.on_connection_created = [](otc_session *session, void *self, const otc_connection *connection) {
    auto *p = static_cast<Peer *>(self);
    const otc_connection *own = otc_session_get_connection(session);
    if (own && std::strcmp(otc_connection_get_id(own), otc_connection_get_id(connection)) == 0) return;
    std::lock_guard<std::mutex> lock(p->mutex);
    if (!p->other) p->other = otc_connection_copy(connection);
    p->changed.notify_all();
  };
  callbacks.on_signal_received = [](otc_session *, void *self, const char *type, const char *signal,
                                    const otc_connection *connection) {
    auto *p = static_cast<Peer *>(self);
    std::lock_guard<std::mutex> lock(p->mutex);
    if (!connection || !type || std::strcmp(type, "echo") != 0 || !signal) return;
    if (p->own_connection_id == otc_connection_get_id(connection)) return;  // not an echo
    p->echoed.insert(signal);
    p->changed.notify_all();
  };
  callbacks.on_error = [](otc_session *, void *self, const char *message, enum otc_session_error_code code) {
    std::printf("session error %d: %s\n", static_cast<int>(code), message);
    std::fflush(stdout);
    auto *p = static_cast<Peer *>(self);
    std::lock_guard<std::mutex> lock(p->mutex);
    p->failed = true;
    p->changed.notify_all();
  };
  otc_session *session = otc_session_new(api_key, session_id, &callbacks);
  if (session && secret && *secret) otc_session_set_encryption_secret(session, secret);
  return session;
}

int run_signal(otc_session *session, Peer &peer, int count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::unique_lock<std::mutex> lock(peer.mutex);
  if (!peer.changed.wait_until(lock, deadline, [&] { return peer.failed || (peer.connected && peer.other); })) {
    say("%s", "no other connection came");
    return 1;
  }
  if (peer.failed) return 1;
  const otc_connection *other = peer.other;
  lock.unlock();
  for (int i = 0; i < count; ++i) {
    const std::string data = "ping-" + std::to_string(i);
    if (otc_session_send_signal_to_connection(session, "echo", data.c_str(), other) != OTC_SUCCESS) {
      say("%s", "could not send a signal");
      return 1;
    }
  }
  lock.lock();
  const bool all = peer.changed.wait_until(lock, deadline, [&] { return peer.echoed.size() >= static_cast<size_t>(count); });
  std::printf("echoes received: %zu of %d\n", peer.echoed.size(), count);
  return all ? 0 : 1;
}

int run_faulty_publisher(otc_session *session, Peer &peer) {
  otc::rtc::E2eeFrameTransformer::SetTagFaultForTesting(true);
  otc_publisher_callbacks callbacks{};
  callbacks.user_data = &peer;
  callbacks.on_stream_created = [](otc_publisher *, void *self, const otc_stream *stream) {
    say("publishing %s", otc_stream_get_id(stream));
    auto *p = static_cast<Peer *>(self);
    std::lock_guard<std::mutex> lock(p->mutex);
    p->published = true;
  };
  callbacks.on_error = [](otc_publisher *, void *, const char *message, enum otc_publisher_error_code code) {
    std::printf("publisher error %d: %s\n", static_cast<int>(code), message);
    std::fflush(stdout);
  };
  otc_publisher_settings *settings = otc_publisher_settings_new();
  otc_publisher_settings_set_video_source(settings, OTC_VIDEO_SOURCE_TEST_PATTERN);
  otc_publisher *publisher = otc_publisher_new_with_settings(&callbacks, settings);
  otc_publisher_settings_delete(settings);
  {
    std::unique_lock<std::mutex> lock(peer.mutex);
    peer.changed.wait_for(lock, std::chrono::seconds(30), [&] { return peer.failed || peer.connected; });
  }
  int status = 1;
  if (publisher && otc_session_publish(session, publisher) == OTC_SUCCESS) {
    while (!stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::lock_guard<std::mutex> lock(peer.mutex);
    status = peer.published ? 0 : 1;
  }
  otc_session_disconnect(session);
  if (publisher) otc_publisher_delete(publisher);
  return status;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: samples_peer signal|faulty-publisher API_KEY SESSION_ID TOKEN SECRET [COUNT]\n");
    return 2;
  }
  const std::string mode = argv[1];
  std::signal(SIGINT, [](int) { stop_requested = 1; });
  std::signal(SIGTERM, [](int) { stop_requested = 1; });
  if (otc_init(nullptr) != OTC_SUCCESS) return 1;
  Peer peer;
  otc_session *session = make_session(peer, argv[2], argv[3], argv[5]);
  if (!session || otc_session_connect(session, argv[4]) != OTC_SUCCESS) return 1;
  int status = 2;
  if (mode == "signal") {
    status = run_signal(session, peer, argc > 6 ? std::atoi(argv[6]) : 5);
    otc_session_disconnect(session);
  } else if (mode == "faulty-publisher") {
    status = run_faulty_publisher(session, peer);
  }
  otc_session_delete(session);
  if (peer.other) otc_connection_delete(peer.other);
  otc_destroy();
  return status;
}
