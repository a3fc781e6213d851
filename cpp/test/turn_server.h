// coturn (Debian's `turnserver`) as a child process of a test: on 127.0.0.1, a free port, the
// REST-API shared-secret scheme (use-auth-secret) with a random secret, loopback peers allowed.
// Credentials are made as the session server makes them: username "<expiry>:<name>",
// credential base64(HMAC-SHA1(secret, username)).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <chrono>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

extern char **environ;

namespace otc_test {

// A port nothing listens on now (TCP and UDP), on 127.0.0.1.
inline int free_port() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(tcp, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 ||
        getsockname(tcp, reinterpret_cast<sockaddr *>(&addr), &len) != 0) {
      close(tcp);
      continue;
    }
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    const bool ok = bind(udp, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
    close(udp);
    close(tcp);
    if (ok) return ntohs(addr.sin_port);
  }
  return 0;
}

class TurnServer {
 public:
  bool start() {
    unsigned char random[16];
    RAND_bytes(random, sizeof random);
    for (unsigned char byte : random) {
      static const char *hex = "0123456789abcdef";
      secret_ += hex[byte >> 4];
      secret_ += hex[byte & 15];
    }
    port_ = free_port();
    if (!port_) return false;
    log_path_ = "/tmp/otc-turn-test-" + std::to_string(getpid()) + "-" + std::to_string(port_) + ".log";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    std::vector<std::string> args = {"turnserver", "-n", "--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1",
                                     "--listening-port", std::to_string(port_), "--allow-loopback-peers",
                                     "--use-auth-secret", "--static-auth-secret", secret_, "--realm", "node-otc",
                                     "--no-cli", "--no-tls", "--no-dtls", "--log-file", "stdout", "--simple-log"};
    std::vector<char *> argv;
    for (auto &arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "turnserver", &actions, nullptr, argv.data(), environ) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&actions);
    // Ready when its TCP listener takes a connection.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pid_ && std::chrono::steady_clock::now() < deadline) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(port_));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      const bool up = connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
      close(fd);
      if (up) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 60 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (waitpid(pid_, &status, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
      pid_ = 0;
    }
    unlink(log_path_.c_str());
  }
  ~TurnServer() { stop(); }
  int port() const { return port_; }
  const std::string &secret() const { return secret_; }
  std::string url(const char *transport = "udp") const {
    return "turn:127.0.0.1:" + std::to_string(port_) + "?transport=" + transport;
  }
  // A REST-scheme username valid for an hour, and its credential.
  std::pair<std::string, std::string> credentials(const std::string &name = "otc-test") const {
    const std::string username = std::to_string(std::time(nullptr) + 3600) + ":" + name;
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA1", nullptr, secret_.data(), secret_.size(),
              reinterpret_cast<const unsigned char *>(username.data()), username.size(), mac, sizeof mac, &mac_len);
    std::string credential(4 * ((mac_len + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(credential.data()), mac, static_cast<int>(mac_len));
    credential.resize(static_cast<size_t>(n));
    return {username, credential};
  }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
  std::string secret_, log_path_;
};

}  // namespace otc_test
