#include "media_report.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include <otc/media.h>

#include "../base/log.h"

namespace otc {
namespace {

constexpr size_t kMaxQueuedLines = 1024;

struct Queue {
  std::mutex mutex;
  std::condition_variable idle;
  std::deque<std::pair<std::string, std::string>> lines;  // path, line
  bool writing = false;
  size_t dropped = 0;
};

// Never destroyed: a writer thread may outlive static destruction when the process exits
// without otc_destroy.
Queue &queue() {
  static Queue *q = new Queue;
  return *q;
}

void write_line(const std::string &path, const std::string &line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    otc::log(OTC_LOG_LEVEL_WARN, "OTC_MEDIA_CHECK_REPORT: cannot open %s", path.c_str());
    return;
  }
  // One write per line: lines of several processes appending to one file do not interleave.
  const std::string text = line + "\n";
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

void drain() {
  Queue &q = queue();
  std::unique_lock<std::mutex> lock(q.mutex);
  while (!q.lines.empty()) {
    auto [path, line] = std::move(q.lines.front());
    q.lines.pop_front();
    lock.unlock();
    write_line(path, line);
    lock.lock();
  }
  q.writing = false;
  q.idle.notify_all();
}

}  // namespace

std::string media_report_path() {
  const char *value = std::getenv(OTC_MEDIA_CHECK_REPORT_ENV);
  return value ? std::string(value) : std::string();
}

void media_report_append(const std::string &path, std::string line) {
  if (path.empty()) return;
  Queue &q = queue();
  std::lock_guard<std::mutex> lock(q.mutex);
  if (q.lines.size() >= kMaxQueuedLines) {
    ++q.dropped;
    return;
  }
  if (q.dropped && !line.empty() && line.back() == '}') {
    line.insert(line.size() - 1, ",\"lines_dropped_before\":" + std::to_string(q.dropped));
    q.dropped = 0;
  }
  q.lines.emplace_back(path, std::move(line));
  if (!q.writing) {
    q.writing = true;
    try {
      std::thread(drain).detach();
    } catch (...) {
      q.writing = false;  // no thread: the lines wait for the next append or the flush
    }
  }
}

void media_report_flush() {
  Queue &q = queue();
  std::unique_lock<std::mutex> lock(q.mutex);
  if (!q.writing && !q.lines.empty()) {
    // A thread could not be started before: write here, off any media thread (otc_destroy).
    q.writing = true;
    lock.unlock();
    drain();
    lock.lock();
  }
  q.idle.wait_for(lock, std::chrono::seconds(2), [&] { return !q.writing && q.lines.empty(); });
}

std::string media_report_quote(const std::string &text) {
  std::string out = "\"";
  for (const unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace otc
