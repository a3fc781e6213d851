// What one object's callbacks said, as strings ("connected", "error:1600", "stream:<id>",
// "mute:1", ...), when each came, and the messages some came with; the tests wait for them.
// Header-only (the test CMake glob builds *_test.cpp only).
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace otc_test {

// kWaitSeconds: how long wait() waits unless told (Events: 20 s; the call tests that chose
// 15 s keep it with BasicEvents<15>).
template <int kWaitSeconds>
class BasicEvents {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kWait{kWaitSeconds * 1000};

  // An event, and the message that came with it if any (all() lists the messages after the events).
  void add(std::string event, std::string message = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.emplace_back(std::move(event), Clock::now());
    if (!message.empty()) messages_.push_back(std::move(message));
    cv_.notify_all();
  }
  // Whether `event` has come, waiting for it up to timeout.
  bool wait(const std::string &event, std::chrono::milliseconds timeout = kWait) { return wait(event, 1, timeout); }
  // Whether `event` has come `times` times, waiting for them up to timeout.
  bool wait(const std::string &event, size_t times, std::chrono::milliseconds timeout = kWait) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return count_locked(event) >= times; });
  }
  size_t count(const std::string &event) {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_locked(event);
  }
  // When `event` first came (Clock's epoch if never).
  Clock::time_point when(const std::string &event) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto &[e, t] : events_) {
      if (e == event) return t;
    }
    return {};
  }
  std::string all() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    for (const auto &e : events_) out += e.first + " ";
    for (const auto &m : messages_) out += "[" + m + "] ";
    return out;
  }
  std::vector<std::string> messages() {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
  }

 private:
  size_t count_locked(const std::string &event) const {
    return static_cast<size_t>(
        std::count_if(events_.begin(), events_.end(), [&](const auto &e) { return e.first == event; }));
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, Clock::time_point>> events_;
  std::vector<std::string> messages_;
};

using Events = BasicEvents<20>;

}  // namespace otc_test
