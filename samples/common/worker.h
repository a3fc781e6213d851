// A thread that runs a loop until asked to stop: what the samples' capturers and audio devices
// feed frames from.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace sample {

class Worker {
 public:
  Worker() = default;
  Worker(const Worker &) = delete;
  Worker &operator=(const Worker &) = delete;
  ~Worker() { stop(); }

  // body runs on the new thread and should return soon after running() turns false.
  void start(std::function<void(const std::atomic<bool> &running)> body) {
    stop();
    running_.store(true);
    thread_ = std::thread([this, body = std::move(body)] { body(running_); });
  }
  void stop() {
    running_.store(false);
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace sample
