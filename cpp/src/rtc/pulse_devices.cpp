#include "pulse_devices.h"

#include <pulse/pulseaudio.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <utility>

#include "../base/log.h"

namespace otc::rtc {
namespace {

// Bounds a whole query (connection and answer): a server that hangs costs this, no more.
constexpr auto kListTimeout = std::chrono::seconds(3);

// A connection driven on the calling thread by its own (non-threaded) main loop.
class BlockingContext {
 public:
  BlockingContext() : deadline_(std::chrono::steady_clock::now() + kListTimeout) {
    loop_ = pa_mainloop_new();
    if (loop_) context_ = pa_context_new(pa_mainloop_get_api(loop_), "node-otc devices");
  }
  ~BlockingContext() {
    if (context_) {
      pa_context_disconnect(context_);
      pa_context_unref(context_);
    }
    if (loop_) pa_mainloop_free(loop_);
  }
  BlockingContext(const BlockingContext &) = delete;
  BlockingContext &operator=(const BlockingContext &) = delete;

  bool Connect(std::string *problem) {
    if (!context_) return Fail(problem, "out of memory");
    if (pa_context_connect(context_, nullptr, PA_CONTEXT_NOAUTOSPAWN, nullptr) < 0)
      return Fail(problem, std::string("no PulseAudio server (") + pa_strerror(pa_context_errno(context_)) + ")");
    for (;;) {
      const pa_context_state_t state = pa_context_get_state(context_);
      if (state == PA_CONTEXT_READY) return true;
      if (!PA_CONTEXT_IS_GOOD(state))
        return Fail(problem, std::string("no PulseAudio server (") + pa_strerror(pa_context_errno(context_)) + ")");
      if (!Iterate(problem)) return false;
    }
  }

  // Runs the loop until the operation is done; takes the reference.
  bool Wait(pa_operation *operation, std::string *problem) {
    if (!operation) return Fail(problem, std::string("PulseAudio: ") + pa_strerror(pa_context_errno(context_)));
    bool ok = true;
    while (ok && pa_operation_get_state(operation) == PA_OPERATION_RUNNING) ok = Iterate(problem);
    if (ok && pa_operation_get_state(operation) != PA_OPERATION_DONE) ok = Fail(problem, "PulseAudio: the query was cancelled");
    if (!ok) pa_operation_cancel(operation);
    pa_operation_unref(operation);
    return ok;
  }

  pa_context *context() { return context_; }

 private:
  bool Iterate(std::string *problem) {
    const auto left = deadline_ - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return Fail(problem, "the PulseAudio server did not answer");
    const auto wait_us = std::chrono::duration_cast<std::chrono::microseconds>(left).count();
    if (pa_mainloop_prepare(loop_, static_cast<int>(std::min<long long>(wait_us, 100'000))) < 0 ||
        pa_mainloop_poll(loop_) < 0 || pa_mainloop_dispatch(loop_) < 0)
      return Fail(problem, "PulseAudio connection error");
    return true;
  }
  static bool Fail(std::string *problem, std::string text) {
    *problem = std::move(text);
    return false;
  }

  const std::chrono::steady_clock::time_point deadline_;
  pa_mainloop *loop_ = nullptr;
  pa_context *context_ = nullptr;
};

struct Listing {
  std::vector<PulseDevice> devices, monitors;
};

PulseDevice Describe(const char *name, const char *description) {
  return PulseDevice{name ? name : "", description ? description : (name ? name : "")};
}

void OnSource(pa_context *, const pa_source_info *info, int eol, void *user_data) {
  if (eol != 0 || !info) return;
  auto *listing = static_cast<Listing *>(user_data);
  auto &into = info->monitor_of_sink == PA_INVALID_INDEX ? listing->devices : listing->monitors;
  into.push_back(Describe(info->name, info->description));
}

void OnSink(pa_context *, const pa_sink_info *info, int eol, void *user_data) {
  if (eol != 0 || !info) return;
  static_cast<Listing *>(user_data)->devices.push_back(Describe(info->name, info->description));
}

// The choice and the running streams, for the whole process. Lock order: registry_mutex, then a
// stream's main loop lock, then choice_mutex (a stream's loop thread reads the choice with its
// loop lock held).
struct Choices {
  std::mutex registry_mutex;
  std::vector<std::pair<PulseDirection, PulseStreamMover *>> streams;
  std::mutex choice_mutex;
  std::string input, output;
};

Choices &choices() {
  static auto *instance = new Choices;  // never destroyed: streams may stop at exit
  return *instance;
}

}  // namespace

bool PulseServerAnswers(std::string *problem) {
  BlockingContext pulse;
  return pulse.Connect(problem);
}

bool ListPulseDevices(PulseDirection direction, std::vector<PulseDevice> *devices, std::string *problem) {
  devices->clear();
  BlockingContext pulse;
  if (!pulse.Connect(problem)) return false;
  Listing listing;
  pa_operation *operation = direction == PulseDirection::kInput
                                ? pa_context_get_source_info_list(pulse.context(), &OnSource, &listing)
                                : pa_context_get_sink_info_list(pulse.context(), &OnSink, &listing);
  if (!pulse.Wait(operation, problem)) return false;
  *devices = std::move(listing.devices);
  devices->insert(devices->end(), std::make_move_iterator(listing.monitors.begin()),
                  std::make_move_iterator(listing.monitors.end()));
  return true;
}

std::string ChosenPulseDevice(PulseDirection direction) {
  Choices &c = choices();
  std::lock_guard<std::mutex> lock(c.choice_mutex);
  return direction == PulseDirection::kInput ? c.input : c.output;
}

void AddPulseStream(PulseDirection direction, PulseStreamMover *stream) {
  Choices &c = choices();
  std::lock_guard<std::mutex> lock(c.registry_mutex);
  c.streams.emplace_back(direction, stream);
}

void RemovePulseStream(PulseStreamMover *stream) {
  Choices &c = choices();
  std::lock_guard<std::mutex> lock(c.registry_mutex);
  std::erase_if(c.streams, [stream](const auto &entry) { return entry.second == stream; });
}

void ChoosePulseDevice(PulseDirection direction, const std::string &id) {
  Choices &c = choices();
  std::lock_guard<std::mutex> lock(c.registry_mutex);  // one choice at a time: moves in order
  {
    std::lock_guard<std::mutex> choice_lock(c.choice_mutex);
    (direction == PulseDirection::kInput ? c.input : c.output) = id;
  }
  otc::log(OTC_LOG_LEVEL_INFO, "audio device (pulse): %s device: %s", direction == PulseDirection::kInput ? "input" : "output",
           id.empty() ? "the server's default" : id.c_str());
  for (const auto &[stream_direction, stream] : c.streams) {
    if (stream_direction == direction) stream->MoveTo(id);
  }
}

}  // namespace otc::rtc
