// The session server as a child process of a C/C++ test: `node dist/lib/cli/index.js serve
// --port 0` (build the TypeScript first: tsc -p .), with sessions and tokens made by the same CLI.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "child_process.h"

extern char **environ;

namespace otc_test {

using namespace std::chrono_literals;

inline constexpr const char *kApiKey = "47000001";
inline constexpr const char *kApiSecret = "0123456789abcdef0123456789abcdef01234567";
inline std::string cli() { return std::string("node ") + OTC_REPO_DIR + "/dist/lib/cli/index.js"; }

inline std::string run(const std::string &command) {
  std::string out;
  FILE *pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// The session server as a child process.
class Server {
 public:
  // extra_args: more serve flags (--tls-cert F --tls-key F).
  void start(const std::vector<std::string> &extra_args = {}) {
    static int started = 0;  // a test may run several servers at once: one log each
    log_path_ = "/tmp/otc-server-test-" + std::to_string(getpid()) + "-" + std::to_string(started++) + ".log";
    setenv("OTC_API_KEY", kApiKey, 1);
    // Publishers that choose no video source send the test pattern, as an SDK application's CI
    // job would (OTC_VIDEO_CAPTURER, opentok/publisher.h); a test may choose otherwise.
    setenv("OTC_VIDEO_CAPTURER", "pattern", 0);
    setenv("OTC_API_SECRET", kApiSecret, 1);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    // No inherited descriptors: a pipe held open by the server would keep readers waiting.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    const std::string script = std::string(OTC_REPO_DIR) + "/dist/lib/cli/index.js";
    // Relayed sessions only: no Janus.
    std::vector<std::string> args = {"node", script, "serve", "--port", "0", "--no-router"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char *> argv;
    for (auto &arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "node", &actions, nullptr, argv.data(), environ) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&actions);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (pid_ && std::chrono::steady_clock::now() < deadline && (signaling_.empty() || url_.empty())) {
      std::ifstream file(log_path_);
      std::string line;
      while (std::getline(file, line)) {
        if (line.rfind("signaling: ", 0) == 0) signaling_ = line.substr(11);
        if (line.rfind("url: ", 0) == 0) url_ = line.substr(5);
      }
      std::this_thread::sleep_for(50ms);
    }
  }
  void stop() {
    stop_child(pid_);
    pid_ = 0;
    unlink(log_path_.c_str());
  }
  std::string create_session(bool e2ee) {
    return run(cli() + " create-session --url " + url_ + " --api-key " + kApiKey + " --api-secret " +
               kApiSecret + " --relayed" + (e2ee ? " --e2ee" : "") + (ca_file.empty() ? "" : " --ca-file " + ca_file));
  }
  static std::string token(const std::string &session_id, const std::string &role = "publisher") {
    return run(cli() + " token --api-key " + kApiKey + " --api-secret " + kApiSecret + " --session " + session_id + " --role " + role);
  }
  // A REST call with the project's credentials (path from /v2/...; body JSON without single
  // quotes); the HTTP status, 0 when the request failed.
  int rest(const std::string &method, const std::string &path, const std::string &body = "") const {
    return std::atoi(run("node " + std::string(OTC_REPO_DIR) + "/cpp/test/rest_call.cjs " + url_ + " " + method + " '" + path +
                         "' '" + body + "'").c_str());
  }
  const std::string &signaling() const { return signaling_; }
  // The port it listens on (from its signaling URL), 0 when it did not start.
  int port() const {
    const size_t colon = signaling_.rfind(':');
    return colon == std::string::npos ? 0 : std::atoi(signaling_.c_str() + colon + 1);
  }
  // Kills it at once (SIGKILL: no close frames, as a crash); stop() still removes its log.
  void kill_now() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = 0;
    }
  }
  // An https:// server's CA, for create_session.
  std::string ca_file;

 private:
  pid_t pid_ = 0;
  std::string log_path_, signaling_, url_;
};

// A fixture whose tests share one server, started before the suite's first test and stopped
// after its last. A derived SetUp calls ServerSuite::SetUp() first.
class ServerSuite : public ::testing::Test {
 public:
  static inline Server *server = nullptr;

 protected:
  static void SetUpTestSuite() {
    server = new Server;
    server->start();
  }
  static void TearDownTestSuite() {
    server->stop();
    delete server;
    server = nullptr;
  }
  void SetUp() override {
    ASSERT_FALSE(server->signaling().empty()) << "the session server did not start (tsc -p . first?)";
  }
};

}  // namespace otc_test
