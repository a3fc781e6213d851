#include "pulse_audio_backend.h"

#include <pulse/pulseaudio.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../base/log.h"
#include "pulse_devices.h"

namespace otc::rtc {
namespace {

constexpr int kRate = 48000;
constexpr int kChannels = 1;
constexpr size_t kFrameValues = kRate / 100 * kChannels;  // 10 ms
constexpr size_t kFrameBytes = kFrameValues * sizeof(int16_t);
// Playout buffer the server keeps filled: 4 frames. Enough to ride out a busy machine,
// little enough to keep a call's latency low.
constexpr uint32_t kTargetBytes = 4 * kFrameBytes;

const char *const kStandInHint =
    "start a PulseAudio server, or set OTC_AUDIO_DEVICE to silence, tone[:HZ] or file:PATH.wav "
    "for a stand-in";

pa_buffer_attr BufferAttributes() {
  pa_buffer_attr attr;
  attr.maxlength = static_cast<uint32_t>(-1);
  attr.tlength = kTargetBytes;
  attr.prebuf = static_cast<uint32_t>(-1);
  attr.minreq = kFrameBytes;
  attr.fragsize = kFrameBytes;
  return attr;
}

}  // namespace

// One direction: a threaded main loop, its connection and one stream. Everything but the
// constructor, the destructor and MoveTo runs on the loop's thread, with the loop's lock held
// (MoveTo takes it). The stream connects to the chosen device (pulse_devices.h), or the server's
// default, and follows later choices by moving: the server re-routes the running stream, so
// the call goes on without a gap in libwebrtc's data path.
class PulseAudioBackend::Stream final : public PulseStreamMover {
 public:
  enum class Direction { kCapture, kPlayout };

  Stream(Direction direction, std::shared_ptr<AudioPort> port)
      : direction_(direction), port_(std::move(port)) {}

  ~Stream() {
    if (registered_) RemovePulseStream(this);  // no MoveTo from here on
    if (!loop_) return;
    pa_threaded_mainloop_lock(loop_);
    closing_ = true;  // a fall-back already queued does nothing
    CloseStream();
    if (context_) {
      pa_context_set_state_callback(context_, nullptr, nullptr);
      pa_context_disconnect(context_);
      pa_context_unref(context_);
    }
    pa_threaded_mainloop_unlock(loop_);
    pa_threaded_mainloop_stop(loop_);
    pa_threaded_mainloop_free(loop_);
  }

  // Issues the connection; the stream follows on the loop thread once the server answers.
  bool Start() {
    loop_ = pa_threaded_mainloop_new();
    if (!loop_) return false;
    pa_threaded_mainloop_set_name(loop_, direction_ == Direction::kCapture ? "otc-pa-capture" : "otc-pa-playout");
    context_ = pa_context_new(pa_threaded_mainloop_get_api(loop_), "node-otc");
    if (!context_) return false;
    pa_context_set_state_callback(context_, &Stream::OnContextState, this);
    if (pa_context_connect(context_, nullptr, PA_CONTEXT_NOAUTOSPAWN, nullptr) < 0) {
      otc::log(OTC_LOG_LEVEL_ERROR, "audio device (pulse): cannot connect for %s: %s; %s", what(),
               pa_strerror(pa_context_errno(context_)), kStandInHint);
      return false;
    }
    if (pa_threaded_mainloop_start(loop_) != 0) return false;
    AddPulseStream(pulse_direction(), this);
    registered_ = true;
    return true;
  }

  // The chooser's thread (never the loop's: a choice is an application call).
  void MoveTo(const std::string &device) override {
    pa_threaded_mainloop_lock(loop_);
    // A stream still connecting is moved once it is ready (OnStreamState).
    if (stream_ && pa_stream_get_state(stream_) == PA_STREAM_READY) Move(device);
    pa_threaded_mainloop_unlock(loop_);
  }

  int LatencyMs() const { return static_cast<int>(kTargetBytes / kFrameBytes * 10); }

 private:
  const char *what() const { return direction_ == Direction::kCapture ? "capture" : "playout"; }
  PulseDirection pulse_direction() const {
    return direction_ == Direction::kCapture ? PulseDirection::kInput : PulseDirection::kOutput;
  }

  void CloseStream() {
    if (!stream_) return;
    pa_stream_set_state_callback(stream_, nullptr, nullptr);
    pa_stream_set_read_callback(stream_, nullptr, nullptr);
    pa_stream_set_write_callback(stream_, nullptr, nullptr);
    pa_stream_set_moved_callback(stream_, nullptr, nullptr);
    pa_stream_disconnect(stream_);
    pa_stream_unref(stream_);
    stream_ = nullptr;
  }

  // Re-routes the ready stream to `device` (empty: the server's default, asked for first).
  void Move(const std::string &device) {
    device_ = device;
    if (device.empty()) {
      if (pa_operation *op = pa_context_get_server_info(context_, &Stream::OnServerInfo, this)) pa_operation_unref(op);
      return;
    }
    const uint32_t index = pa_stream_get_index(stream_);
    pa_operation *op =
        direction_ == Direction::kCapture
            ? pa_context_move_source_output_by_name(context_, index, device.c_str(), &Stream::OnMoved, this)
            : pa_context_move_sink_input_by_name(context_, index, device.c_str(), &Stream::OnMoved, this);
    if (op) {
      pa_operation_unref(op);
    } else {
      otc::log(OTC_LOG_LEVEL_WARN, "audio device (pulse): cannot move the %s stream to %s: %s", what(), device.c_str(),
               pa_strerror(pa_context_errno(context_)));
    }
  }

  static void OnServerInfo(pa_context *, const pa_server_info *info, void *user_data) {
    auto *self = static_cast<Stream *>(user_data);
    // A later choice of a named device overrides this one.
    if (!info || !self->device_.empty() || !self->stream_ || pa_stream_get_state(self->stream_) != PA_STREAM_READY)
      return;
    const char *fallback =
        self->direction_ == Direction::kCapture ? info->default_source_name : info->default_sink_name;
    if (!fallback) return;
    const uint32_t index = pa_stream_get_index(self->stream_);
    pa_operation *op = self->direction_ == Direction::kCapture
                           ? pa_context_move_source_output_by_name(self->context_, index, fallback, &Stream::OnMoved, self)
                           : pa_context_move_sink_input_by_name(self->context_, index, fallback, &Stream::OnMoved, self);
    if (op) pa_operation_unref(op);
  }

  static void OnMoved(pa_context *context, int success, void *user_data) {
    if (success) return;  // OnStreamMoved logs where it went
    otc::log(OTC_LOG_LEVEL_WARN, "audio device (pulse): %s stream not moved: %s",
             static_cast<Stream *>(user_data)->what(), pa_strerror(pa_context_errno(context)));
  }

  static void OnStreamMoved(pa_stream *stream, void *user_data) {
    const char *device = pa_stream_get_device_name(stream);
    otc::log(OTC_LOG_LEVEL_INFO, "audio device (pulse): %s stream moved to %s", static_cast<Stream *>(user_data)->what(),
             device ? device : "?");
  }

  // Opens a new stream on the server's default after the chosen device refused it (it may be
  // gone since it was chosen); deferred, as a stream cannot be freed in its own callback.
  static void OnFallBack(pa_mainloop_api *, void *user_data) {
    auto *self = static_cast<Stream *>(user_data);
    if (self->closing_) return;
    self->CloseStream();
    self->OpenStream();
  }

  static void OnContextState(pa_context *context, void *user_data) {
    auto *self = static_cast<Stream *>(user_data);
    switch (pa_context_get_state(context)) {
      case PA_CONTEXT_READY:
        self->OpenStream();
        break;
      case PA_CONTEXT_FAILED:
        otc::log(OTC_LOG_LEVEL_ERROR, "audio device (pulse): %s: server connection failed: %s; %s", self->what(),
                 pa_strerror(pa_context_errno(context)), kStandInHint);
        break;
      default:
        break;
    }
  }

  void OpenStream() {
    device_ = fell_back_ ? std::string() : ChosenPulseDevice(pulse_direction());
    const char *device = device_.empty() ? nullptr : device_.c_str();  // null: the server's default
    const pa_sample_spec spec{PA_SAMPLE_S16LE, kRate, kChannels};
    stream_ = pa_stream_new(context_, direction_ == Direction::kCapture ? "node-otc capture" : "node-otc playout",
                            &spec, nullptr);
    if (!stream_) {
      otc::log(OTC_LOG_LEVEL_ERROR, "audio device (pulse): cannot make the %s stream", what());
      return;
    }
    pa_stream_set_state_callback(stream_, &Stream::OnStreamState, this);
    pa_stream_set_moved_callback(stream_, &Stream::OnStreamMoved, this);
    const pa_buffer_attr attr = BufferAttributes();
    const auto flags = static_cast<pa_stream_flags_t>(PA_STREAM_ADJUST_LATENCY);
    int result;
    if (direction_ == Direction::kCapture) {
      pa_stream_set_read_callback(stream_, &Stream::OnReadable, this);
      result = pa_stream_connect_record(stream_, device, &attr, flags);
    } else {
      pa_stream_set_write_callback(stream_, &Stream::OnWritable, this);
      result = pa_stream_connect_playback(stream_, device, &attr, flags, nullptr, nullptr);
    }
    if (result < 0) {
      otc::log(OTC_LOG_LEVEL_ERROR, "audio device (pulse): cannot connect the %s stream: %s", what(),
               pa_strerror(pa_context_errno(context_)));
    }
  }

  static void OnStreamState(pa_stream *stream, void *user_data) {
    auto *self = static_cast<Stream *>(user_data);
    const pa_stream_state_t state = pa_stream_get_state(stream);
    if (state == PA_STREAM_READY) {
      otc::log(OTC_LOG_LEVEL_INFO, "audio device (pulse): %s stream on %s", self->what(),
               pa_stream_get_device_name(stream) ? pa_stream_get_device_name(stream) : "?");
      // Chosen while the stream was connecting: MoveTo left it for now.
      const std::string chosen = ChosenPulseDevice(self->pulse_direction());
      if (!self->fell_back_ && chosen != self->device_) self->Move(chosen);
    } else if (state == PA_STREAM_FAILED && !self->device_.empty() && !self->fell_back_) {
      otc::log(OTC_LOG_LEVEL_WARN, "audio device (pulse): %s stream refused by %s (%s); using the server's default",
               self->what(), self->device_.c_str(), pa_strerror(pa_context_errno(self->context_)));
      self->fell_back_ = true;
      pa_mainloop_api_once(pa_threaded_mainloop_get_api(self->loop_), &Stream::OnFallBack, self);
    } else if (state == PA_STREAM_FAILED) {
      otc::log(OTC_LOG_LEVEL_ERROR, "audio device (pulse): %s stream failed: %s", self->what(),
               pa_strerror(pa_context_errno(self->context_)));
    }
  }

  // Capture: whatever the server has, cut into 10 ms frames.
  static void OnReadable(pa_stream *stream, size_t, void *user_data) {
    auto *self = static_cast<Stream *>(user_data);
    while (pa_stream_readable_size(stream) > 0) {
      const void *data = nullptr;
      size_t bytes = 0;
      if (pa_stream_peek(stream, &data, &bytes) < 0 || bytes == 0) break;
      const size_t values = bytes / sizeof(int16_t);
      if (data) {
        const auto *samples = static_cast<const int16_t *>(data);
        self->pending_.insert(self->pending_.end(), samples, samples + values);
      } else {
        self->pending_.insert(self->pending_.end(), values, int16_t{0});  // a hole: lost audio
      }
      pa_stream_drop(stream);
    }
    size_t used = 0;
    for (; self->pending_.size() - used >= kFrameValues; used += kFrameValues) {
      self->port_->DeliverCapture(self->pending_.data() + used, kRate, kChannels, 10);
    }
    self->pending_.erase(self->pending_.begin(), self->pending_.begin() + static_cast<ptrdiff_t>(used));
  }

  // Playout: whole 10 ms frames from libwebrtc, at least one per request.
  static void OnWritable(pa_stream *stream, size_t bytes, void *user_data) {
    auto *self = static_cast<Stream *>(user_data);
    const size_t frames = std::max<size_t>(1, bytes / kFrameBytes);
    self->frame_.resize(kFrameValues);
    for (size_t i = 0; i < frames; ++i) {
      self->port_->PullPlayout(self->frame_.data(), kRate, kChannels);
      if (pa_stream_write(stream, self->frame_.data(), kFrameBytes, nullptr, 0, PA_SEEK_RELATIVE) < 0) break;
    }
  }

  const Direction direction_;
  const std::shared_ptr<AudioPort> port_;
  pa_threaded_mainloop *loop_ = nullptr;
  pa_context *context_ = nullptr;
  pa_stream *stream_ = nullptr;
  bool registered_ = false;
  std::string device_;     // what the stream was connected or last moved to; empty: the default
  bool fell_back_ = false;  // the chosen device refused the stream: the default from then on
  bool closing_ = false;
  std::vector<int16_t> pending_;  // capture not yet a whole frame
  std::vector<int16_t> frame_;
};

PulseAudioBackend::PulseAudioBackend() = default;
PulseAudioBackend::~PulseAudioBackend() = default;

std::string PulseAudioBackend::CaptureProblem() {
  std::string problem;
  if (PulseServerAnswers(&problem)) return {};
  return "no audio device: " + problem + "; " + kStandInHint;
}

bool PulseAudioBackend::StartCapture(const std::shared_ptr<AudioPort> &port) {
  capture_ = std::make_unique<Stream>(Stream::Direction::kCapture, port);
  if (capture_->Start()) return true;
  capture_.reset();
  return false;
}

void PulseAudioBackend::StopCapture() { capture_.reset(); }

bool PulseAudioBackend::StartPlayout(const std::shared_ptr<AudioPort> &port) {
  playout_ = std::make_unique<Stream>(Stream::Direction::kPlayout, port);
  if (playout_->Start()) return true;
  playout_.reset();
  return false;
}

void PulseAudioBackend::StopPlayout() { playout_.reset(); }

int PulseAudioBackend::PlayoutDelayMs() const { return playout_ ? playout_->LatencyMs() : 0; }

}  // namespace otc::rtc
