// A TCP proxy for tests between a client and a server on 127.0.0.1 that can cut the link the way
// a network does: blackhole() stops forwarding without closing anything (bytes both ways are read
// and dropped, new connections are accepted and go nowhere), restore() forwards again (the
// connections that lived through the cut are reset, as a NAT that lost them would), and
// reset_all() closes every connection at once with a TCP reset.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace otc_test {

class TcpCutProxy {
 public:
  // Forwards 127.0.0.1:port() to 127.0.0.1:upstream_port.
  explicit TcpCutProxy(int upstream_port) : upstream_port_(upstream_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr *>(&address), sizeof address);
    ::listen(listener_, 16);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr *>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TcpCutProxy() {
    stop_ = true;
    thread_.join();
    for (auto &pair : pairs_) close_pair(pair, false);
    ::close(listener_);
  }
  TcpCutProxy(const TcpCutProxy &) = delete;
  TcpCutProxy &operator=(const TcpCutProxy &) = delete;

  int port() const { return port_; }
  void blackhole() { cut_ = true; }
  void restore() {
    std::lock_guard<std::mutex> lock(mutex_);
    cut_ = false;
    reset_dead_ = true;
  }
  void reset_all() {
    std::lock_guard<std::mutex> lock(mutex_);
    reset_everything_ = true;
  }

 private:
  struct Pair {
    int client = -1;
    int server = -1;  // -1: accepted during a cut, goes nowhere
    bool dead = false;  // lived through a cut: its bytes are dropped until it is reset
  };

  static void close_fd(int &fd, bool reset) {
    if (fd < 0) return;
    if (reset) {
      linger hard{1, 0};  // close with RST, as a dropped NAT mapping or a killed host does
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
    ::close(fd);
    fd = -1;
  }
  void close_pair(Pair &pair, bool reset) {
    close_fd(pair.client, reset);
    close_fd(pair.server, reset);
  }

  int connect_upstream() const {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(upstream_port_));
    if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  // Moves what `from` has to `to` (or drops it); false when `from` closed.
  static bool pump(int from, int to, bool drop) {
    char buffer[16384];
    const ssize_t n = ::recv(from, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    if (drop || to < 0) return true;
    for (ssize_t sent = 0; sent < n;) {
      const ssize_t m = ::send(to, buffer + sent, static_cast<size_t>(n - sent), MSG_NOSIGNAL);
      if (m <= 0) return false;
      sent += m;
    }
    return true;
  }

  void run() {
    while (!stop_) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (reset_everything_) {
          for (auto &pair : pairs_) close_pair(pair, true);
          pairs_.clear();
          reset_everything_ = false;
        }
        if (reset_dead_) {
          for (auto &pair : pairs_) {
            if (pair.dead) close_pair(pair, true);
          }
          std::erase_if(pairs_, [](const Pair &p) { return p.client < 0 && p.server < 0; });
          reset_dead_ = false;
        }
      }
      const bool cut = cut_;
      if (cut) {
        for (auto &pair : pairs_) pair.dead = true;
      }
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      for (const auto &pair : pairs_) {
        fds.push_back({pair.client, POLLIN, 0});
        fds.push_back({pair.server, POLLIN, 0});  // -1 is ignored by poll
      }
      if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        Pair pair;
        pair.client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (pair.client >= 0) {
          if (cut) {
            pair.dead = true;
          } else {
            pair.server = connect_upstream();
            if (pair.server < 0) close_fd(pair.client, true);  // nothing listens upstream: refused
          }
          if (pair.client >= 0) pairs_.push_back(pair);
        }
      }
      for (size_t i = 0; i < pairs_.size(); ++i) {
        Pair &pair = pairs_[i];
        const short client_events = fds[1 + 2 * i].revents;
        const short server_events = fds[2 + 2 * i].revents;
        bool client_open = true, server_open = true;
        if (pair.client >= 0 && (client_events & (POLLIN | POLLHUP | POLLERR))) {
          client_open = pump(pair.client, pair.server, pair.dead);
        }
        if (pair.server >= 0 && (server_events & (POLLIN | POLLHUP | POLLERR))) {
          server_open = pump(pair.server, pair.client, pair.dead);
        }
        if (client_open && server_open) continue;
        if (!pair.dead) {
          close_pair(pair, false);  // a close is passed on at once
        } else {
          // A cut link passes nothing, not even a close: only the end that closed goes.
          if (!client_open) close_fd(pair.client, false);
          if (!server_open) close_fd(pair.server, false);
        }
      }
      std::erase_if(pairs_, [](const Pair &p) { return p.client < 0 && p.server < 0; });
    }
  }

  const int upstream_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> cut_{false};
  std::mutex mutex_;
  bool reset_dead_ = false;
  bool reset_everything_ = false;
  std::vector<Pair> pairs_;  // proxy thread only
  std::thread thread_;
};

}  // namespace otc_test
