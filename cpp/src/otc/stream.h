// otc_stream: a stream published in the session, as the C API hands it over.
#pragma once

#include <otc/session.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "../signaling/messages.h"
#include "connection.h"
#include "end_reason.h"

namespace otc {

// What a publisher may change after publishing (streamPropertyChanged): the application reads it
// from any thread (otc_stream_has_audio, ...) while the session's io thread updates it. The
// video size is one word so a reader never sees a new width with an old height.
class LiveStreamProperties {
 public:
  LiveStreamProperties() = default;
  explicit LiveStreamProperties(const signaling::StreamInfo &info) { reset(info); }
  LiveStreamProperties(const LiveStreamProperties &other) { *this = other; }
  LiveStreamProperties &operator=(const LiveStreamProperties &other) {
    copy_from(other);
    return *this;
  }
  void copy_from(const LiveStreamProperties &other) const {
    has_audio_.store(other.has_audio_.load());
    has_video_.store(other.has_video_.load());
    size_.store(other.size_.load());
  }
  void reset(const signaling::StreamInfo &info) {
    has_audio_.store(info.has_audio);
    has_video_.store(info.has_video);
    set_size(info.video_width, info.video_height);
  }

  bool has_audio() const { return has_audio_.load(); }
  bool has_video() const { return has_video_.load(); }
  // Each returns the previous value.
  bool set_has_audio(bool on) const { return has_audio_.exchange(on); }
  bool set_has_video(bool on) const { return has_video_.exchange(on); }
  void size(int &width, int &height) const {
    const uint32_t packed = size_.load();
    width = static_cast<int>(packed >> 16);
    height = static_cast<int>(packed & 0xffff);
  }
  // Widths and heights up to signaling::kMaxVideoDimension (16384) fit in 16 bits each.
  // Returns whether the size changed.
  bool set_size(int width, int height) const {
    const uint32_t packed = (static_cast<uint32_t>(width) & 0xffff) << 16 | (static_cast<uint32_t>(height) & 0xffff);
    return size_.exchange(packed) != packed;
  }

 private:
  mutable std::atomic<bool> has_audio_{false}, has_video_{false};
  mutable std::atomic<uint32_t> size_{0};
};

// Applies a streamPropertyChanged event; whether the value changed (false for an unknown property).
bool apply_stream_property(const LiveStreamProperties &live, const signaling::ServerEvent &event);

}  // namespace otc

struct otc_stream {
  otc::signaling::StreamInfo info;  // as announced; the properties below are the current values
  std::shared_ptr<const otc_connection> connection;  // never null
  otc::EndReason destroyed;  // set on the stream handed to on_stream_dropped / on_stream_destroyed
  // Its setters are const: a subscriber's own copy of its stream is const but still follows the
  // publisher.
  otc::LiveStreamProperties live;
};
