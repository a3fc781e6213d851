#include "e2ee_frame_transformer.h"

#include <cstring>
#include <utility>

#include <api/make_ref_counted.h>

#include "../e2ee/frame_layout.h"
#include "../e2ee/frame_opener.h"
#include "../e2ee/frame_sealer.h"
#include "../media/media_check.h"

namespace otc::rtc {

namespace {
std::atomic<bool> tag_fault{false};
std::atomic<bool> observing{false};
std::mutex observer_mutex;
E2eeFrameTransformer::OpenedObserver *opened_observer = nullptr;  // guarded by observer_mutex
}  // namespace

void E2eeFrameTransformer::SetTagFaultForTesting(bool on) { tag_fault.store(on); }

bool E2eeFrameTransformer::IsVerifyOnlyMarker(const uint8_t *data, size_t size) {
  return size == kVerifyOnlyMarker.size() && data &&
         std::memcmp(data, kVerifyOnlyMarker.data(), kVerifyOnlyMarker.size()) == 0;
}

void E2eeFrameTransformer::SetOpenedObserverForTesting(OpenedObserver observer) {
  std::lock_guard<std::mutex> lock(observer_mutex);
  delete opened_observer;
  opened_observer = observer ? new OpenedObserver(std::move(observer)) : nullptr;
  observing.store(opened_observer != nullptr);
}

::rtc::scoped_refptr<E2eeFrameTransformer> E2eeFrameTransformer::CreateSender(
    std::shared_ptr<e2ee::FrameSealer> sealer, Kind kind,
    std::optional<e2ee::Codec> default_codec, std::map<uint8_t, e2ee::Codec> payload_type_codecs) {
  if (!sealer) return nullptr;
  return ::rtc::make_ref_counted<E2eeFrameTransformer>(Role::kSender, kind, std::move(sealer),
                                                       nullptr, default_codec,
                                                       std::move(payload_type_codecs));
}

::rtc::scoped_refptr<E2eeFrameTransformer> E2eeFrameTransformer::CreateReceiver(
    std::shared_ptr<e2ee::FrameOpener> opener, Kind kind,
    std::optional<e2ee::Codec> default_codec, std::map<uint8_t, e2ee::Codec> payload_type_codecs) {
  if (!opener) return nullptr;
  return ::rtc::make_ref_counted<E2eeFrameTransformer>(Role::kReceiver, kind, nullptr,
                                                       std::move(opener), default_codec,
                                                       std::move(payload_type_codecs));
}

::rtc::scoped_refptr<E2eeFrameTransformer> E2eeFrameTransformer::CreatePassThroughReceiver(Kind kind) {
  return ::rtc::make_ref_counted<E2eeFrameTransformer>(Role::kReceiver, kind, nullptr, nullptr, std::nullopt,
                                                       std::map<uint8_t, e2ee::Codec>{});
}

E2eeFrameTransformer::E2eeFrameTransformer(Role role, Kind kind,
                                           std::shared_ptr<e2ee::FrameSealer> sealer,
                                           std::shared_ptr<e2ee::FrameOpener> opener,
                                           std::optional<e2ee::Codec> default_codec,
                                           std::map<uint8_t, e2ee::Codec> payload_type_codecs)
    : role_(role),
      kind_(kind),
      sealer_(std::move(sealer)),
      opener_(std::move(opener)),
      default_codec_(kind == Kind::kAudio ? std::optional<e2ee::Codec>(e2ee::Codec::kOpus)
                                          : default_codec) {
  if (kind_ == Kind::kAudio) return;  // audio is always Opus
  for (const auto &[payload_type, codec] : payload_type_codecs)
    SetPayloadTypeCodec(payload_type, codec);
}

E2eeFrameTransformer::~E2eeFrameTransformer() = default;

void E2eeFrameTransformer::SetPayloadTypeCodec(uint8_t payload_type, e2ee::Codec codec) {
  if (kind_ == Kind::kAudio) return;  // audio is always Opus
  if (payload_type >= payload_type_codecs_.size()) return;  // not an RTP payload type
  payload_type_codecs_[payload_type].store(static_cast<uint8_t>(1 + static_cast<int>(codec)),
                                           std::memory_order_relaxed);
}

void E2eeFrameTransformer::ClearPayloadTypeCodec(uint8_t payload_type) {
  if (payload_type >= payload_type_codecs_.size()) return;
  payload_type_codecs_[payload_type].store(0, std::memory_order_relaxed);
}

E2eeFrameTransformer::Counters E2eeFrameTransformer::counters() const {
  Counters c;
  c.sealed = sealed_.load(std::memory_order_relaxed);
  c.opened = opened_.load(std::memory_order_relaxed);
  c.passed_through_empty = passed_through_empty_.load(std::memory_order_relaxed);
  c.dropped_mismatch = dropped_mismatch_.load(std::memory_order_relaxed);
  c.dropped_integrity = dropped_integrity_.load(std::memory_order_relaxed);
  c.dropped_replay = dropped_replay_.load(std::memory_order_relaxed);
  c.dropped_no_codec = dropped_no_codec_.load(std::memory_order_relaxed);
  c.dropped_error = dropped_error_.load(std::memory_order_relaxed);
  c.dropped_no_callback = dropped_no_callback_.load(std::memory_order_relaxed);
  c.dropped_paused = dropped_paused_.load(std::memory_order_relaxed);
  c.passed_through = passed_through_.load(std::memory_order_relaxed);
  return c;
}

void E2eeFrameTransformer::RegisterTransformedFrameCallback(
    ::rtc::scoped_refptr<webrtc::TransformedFrameCallback> callback) {
  std::lock_guard<std::mutex> lock(mutex_);
  callback_ = std::move(callback);
}

void E2eeFrameTransformer::RegisterTransformedFrameSinkCallback(
    ::rtc::scoped_refptr<webrtc::TransformedFrameCallback> callback, uint32_t ssrc) {
  std::lock_guard<std::mutex> lock(mutex_);
  sink_callbacks_[ssrc] = std::move(callback);
}

void E2eeFrameTransformer::UnregisterTransformedFrameCallback() {
  std::lock_guard<std::mutex> lock(mutex_);
  callback_ = nullptr;
}

void E2eeFrameTransformer::UnregisterTransformedFrameSinkCallback(uint32_t ssrc) {
  std::lock_guard<std::mutex> lock(mutex_);
  sink_callbacks_.erase(ssrc);
}

std::optional<e2ee::Codec> E2eeFrameTransformer::CodecFor(uint8_t payload_type) const {
  if (payload_type < payload_type_codecs_.size()) {
    const uint8_t mapped = payload_type_codecs_[payload_type].load(std::memory_order_relaxed);
    if (mapped != 0) return static_cast<e2ee::Codec>(mapped - 1);
  }
  return default_codec_;
}

E2eeFrameTransformer::Counters &E2eeFrameTransformer::Counters::operator+=(const Counters &other) {
  sealed += other.sealed;
  opened += other.opened;
  passed_through_empty += other.passed_through_empty;
  dropped_mismatch += other.dropped_mismatch;
  dropped_integrity += other.dropped_integrity;
  dropped_replay += other.dropped_replay;
  dropped_no_codec += other.dropped_no_codec;
  dropped_error += other.dropped_error;
  dropped_no_callback += other.dropped_no_callback;
  dropped_paused += other.dropped_paused;
  passed_through += other.passed_through;
  return *this;
}

void E2eeFrameTransformer::SetEventHandler(EventHandler handler) {
  auto shared = std::make_shared<const EventHandler>(std::move(handler));
  std::lock_guard<std::mutex> lock(mutex_);
  event_handler_ = std::move(shared);
}

::rtc::scoped_refptr<webrtc::TransformedFrameCallback> E2eeFrameTransformer::CallbackFor(
    uint32_t ssrc) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sink_callbacks_.find(ssrc);
  if (it != sink_callbacks_.end() && it->second) return it->second;
  return callback_;
}

void E2eeFrameTransformer::Deliver(std::unique_ptr<webrtc::TransformableFrameInterface> frame) {
  // The callback is called without our lock held: it posts to libwebrtc's queues, which may
  // call back into (Un)Register*.
  auto callback = CallbackFor(frame->GetSsrc());
  if (!callback) {
    dropped_no_callback_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  callback->OnTransformedFrame(std::move(frame));
}

void E2eeFrameTransformer::Transform(std::unique_ptr<webrtc::TransformableFrameInterface> frame) {
  if (!frame) return;
  if (role_ == Role::kReceiver) {
    if (paused_.load(std::memory_order_relaxed)) {
      dropped_paused_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (!opener_) {  // a pass-through receiver
      passed_through_.fetch_add(1, std::memory_order_relaxed);
      DeliverReceived(std::move(frame));
      return;
    }
  }
  // An empty audio frame (DTX, no payload) has nothing to protect: hand it on unchanged.
  if (kind_ == Kind::kAudio && frame->GetData().empty()) {
    passed_through_empty_.fetch_add(1, std::memory_order_relaxed);
    if (role_ == Role::kReceiver) {
      DeliverReceived(std::move(frame));
    } else {
      Deliver(std::move(frame));
    }
    return;
  }
  const std::optional<e2ee::Codec> codec = CodecFor(frame->GetPayloadType());
  if (!codec) {
    // Neither side may let an unprotected (sender) or unauthenticated (receiver) frame through.
    dropped_no_codec_.fetch_add(1, std::memory_order_relaxed);
    if (role_ == Role::kReceiver) CountNotOpened(media::VerifyCounter::NotOpened::kOther);
    return;
  }
  if (role_ == Role::kSender) {
    Seal(std::move(frame), *codec);
  } else {
    Open(std::move(frame), *codec);
  }
}

void E2eeFrameTransformer::Seal(std::unique_ptr<webrtc::TransformableFrameInterface> frame,
                                e2ee::Codec codec) {
  {
    const auto data = frame->GetData();
    const size_t capacity = e2ee::max_sealed_size(codec, data.size());
    if (capacity == 0) {
      dropped_error_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    std::lock_guard<std::mutex> lock(buffer_mutex_);
    if (buffer_.size() < capacity) buffer_.resize(capacity);
    size_t sealed_size = 0;
    const otc_status status = sealer_->seal(codec, {data.data(), data.size()}, buffer_.data(),
                                            capacity, &sealed_size);
    if (status != OTC_SUCCESS) {
      dropped_error_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (tag_fault.load(std::memory_order_relaxed) && sealed_size > 0) {
      // The layout ends with the tag, the header and the header's size (docs/e2ee-frame-format.md).
      const size_t header_size = buffer_[sealed_size - 1];
      if (sealed_size >= header_size + 2) buffer_[sealed_size - 2 - header_size] ^= 0x01;
    }
    frame->SetData(::rtc::ArrayView<const uint8_t>(buffer_.data(), sealed_size));  // copies
  }
  sealed_.fetch_add(1, std::memory_order_relaxed);
  Deliver(std::move(frame));
}

void E2eeFrameTransformer::Open(std::unique_ptr<webrtc::TransformableFrameInterface> frame,
                                e2ee::Codec codec) {
  e2ee::OpenResult result;
  {
    const auto data = frame->GetData();
    const size_t capacity = data.size() > 0 ? data.size() : 1;  // plaintext is never longer
    std::lock_guard<std::mutex> lock(buffer_mutex_);
    if (buffer_.size() < capacity) buffer_.resize(capacity);
    const otc_status status =
        opener_->open(codec, {data.data(), data.size()}, buffer_.data(), capacity, &result);
    if (status != OTC_SUCCESS) {
      dropped_error_.fetch_add(1, std::memory_order_relaxed);
      CountNotOpened(media::VerifyCounter::NotOpened::kOther);
      return;
    }
    if (result.outcome == OTC_E2EE_DECRYPTED)
      frame->SetData(::rtc::ArrayView<const uint8_t>(buffer_.data(), result.size));  // copies
  }
  if (result.event != OTC_E2EE_EVENT_NONE) {
    std::shared_ptr<const EventHandler> handler;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      handler = event_handler_;
    }
    if (handler && *handler) (*handler)(result.event);
  }
  switch (result.outcome) {
    case OTC_E2EE_DECRYPTED:
      break;
    case OTC_E2EE_INTEGRITY_FAILURE:
      dropped_integrity_.fetch_add(1, std::memory_order_relaxed);
      CountNotOpened(media::VerifyCounter::NotOpened::kIntegrity);
      return;
    case OTC_E2EE_REPLAY:
      dropped_replay_.fetch_add(1, std::memory_order_relaxed);
      CountNotOpened(media::VerifyCounter::NotOpened::kReplay);
      return;
    case OTC_E2EE_MISMATCH:
    default:
      dropped_mismatch_.fetch_add(1, std::memory_order_relaxed);
      CountNotOpened(media::VerifyCounter::NotOpened::kMismatch);
      return;
  }
  opened_.fetch_add(1, std::memory_order_relaxed);
  if (observing.load(std::memory_order_relaxed)) {
    std::lock_guard<std::mutex> lock(observer_mutex);
    const auto data = frame->GetData();
    if (opened_observer) (*opened_observer)(kind_, frame->GetSsrc(), data.data(), data.size());
  }
  DeliverReceived(std::move(frame));
}

void E2eeFrameTransformer::CountNotOpened(media::VerifyCounter::NotOpened why) {
  if (verify_counter_) verify_counter_->on_not_opened(why);
}

void E2eeFrameTransformer::DeliverReceived(std::unique_ptr<webrtc::TransformableFrameInterface> frame) {
  if (verify_counter_) {
    std::optional<media::VerifyCounter::Position> position;
    bool key_frame = false;
    if (kind_ == Kind::kVideo) {
      auto &video = static_cast<webrtc::TransformableVideoFrameInterface &>(*frame);
      key_frame = video.IsKeyFrame();
      // Frame ids only come with the generic frame descriptor or the dependency descriptor
      // (not negotiated by default in M108): otherwise the RTP timestamp.
      if (const auto id = video.GetMetadata().GetFrameId()) {
        position = media::VerifyCounter::Position{media::VerifyCounter::Position::Kind::kSequence,
                                                  static_cast<uint32_t>(*id), uint64_t{1} << 32};
      } else {
        position = media::VerifyCounter::Position{media::VerifyCounter::Position::Kind::kTimestamp,
                                                  frame->GetTimestamp(), uint64_t{1} << 32};
      }
    } else if (frame->GetDirection() == webrtc::TransformableFrameInterface::Direction::kReceiver) {
      // Received audio frames are the audio subclass (sent ones are not): one RTP packet each.
      const auto &audio = static_cast<webrtc::TransformableAudioFrameInterface &>(*frame);
      position = media::VerifyCounter::Position{media::VerifyCounter::Position::Kind::kSequence,
                                                audio.GetHeader().sequenceNumber, uint64_t{1} << 16};
    }
    verify_counter_->on_opened(frame->GetData().size(), key_frame, position, media::monotonic_time_us());
  }
  if (!verify_only_.load(std::memory_order_relaxed)) {
    Deliver(std::move(frame));
    return;
  }
  if (kind_ == Kind::kAudio) return;  // nothing to decode; NetEq conceals the silence
  frame->SetData(::rtc::ArrayView<const uint8_t>(kVerifyOnlyMarker.data(), kVerifyOnlyMarker.size()));
  Deliver(std::move(frame));
}

}  // namespace otc::rtc
