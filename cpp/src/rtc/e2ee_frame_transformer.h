// Insertable-streams glue: a libwebrtc FrameTransformerInterface that seals every encoded frame
// of one sender (encoder -> packetizer) or opens every frame of one receiver (depacketizer ->
// decoder) with the project's frame format.
//
// Threads (libwebrtc M108, docs/platform-facts.md section 1.4): sender Transform() runs on the
// encoder queue (video) or audio encoder queue; every receive-side Transform() runs on the
// worker thread. Registration calls come from the worker/signaling threads. Everything here is
// safe from any thread; the crypto objects (FrameSealer/FrameOpener) are themselves thread-safe.
//
// Receiver rule: a frame whose outcome is not OTC_E2EE_DECRYPTED never reaches the decoder; it
// is dropped (the callback is not called) and counted by outcome.
//
// A receiver can be paused (a subscriber with video off): its frames are then dropped before
// they are opened, so neither the frame cryptor nor the decoder spends anything on them. A
// receiver of a stream without E2EE is a pass-through (CreatePassThroughReceiver) only so that it
// can be paused the same way.
//
// A receiver can be verify-only (a subscription that checks frames without decoding them): each
// frame is still opened (or passed through) and counted, then audio frames are dropped (NetEq
// conceals, nothing decodes) and video frames are handed on with their payload replaced by
// kVerifyOnlyMarker, which the decoders of verify_aware_decoder_factory.h skip. Video frames must
// still reach the frame buffer: a receive stream whose decoder gets no frame asks for key frames
// over and over.
#pragma once

#include "webrtc_build_guard.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <api/frame_transformer_interface.h>
#include <api/scoped_refptr.h>

#include <otc/e2ee.h>

#include "../e2ee/codec_prefix.h"
#include "../media/verify_counter.h"

namespace otc::e2ee {
class FrameSealer;
class FrameOpener;
}  // namespace otc::e2ee

namespace otc::rtc {

class E2eeFrameTransformer : public webrtc::FrameTransformerInterface {
 public:
  enum class Role { kSender, kReceiver };
  enum class Kind { kAudio, kVideo };

  // A snapshot of the counters; each field is read atomically (the set is not one snapshot).
  struct Counters {
    uint64_t sealed = 0;               // sender: frames sealed and handed on
    uint64_t opened = 0;               // receiver: frames decrypted and handed on
    uint64_t passed_through_empty = 0; // audio frames of 0 bytes, handed on unchanged
    uint64_t dropped_mismatch = 0;     // receiver outcomes other than decrypted ...
    uint64_t dropped_integrity = 0;
    uint64_t dropped_replay = 0;
    uint64_t dropped_no_codec = 0;     // payload type with no codec in the table, no default
    uint64_t dropped_error = 0;        // seal/open call failed (size, crypto, key not ready)
    uint64_t dropped_no_callback = 0;  // no callback registered for the frame's SSRC
    uint64_t dropped_paused = 0;       // receiver: dropped unopened while paused
    uint64_t passed_through = 0;       // pass-through receiver: frames handed on unchanged
    // Receiver frames whose outcome was not 'decrypted' (mismatch + integrity + replay).
    uint64_t not_decrypted() const { return dropped_mismatch + dropped_integrity + dropped_replay; }
    uint64_t dropped() const {
      return not_decrypted() + dropped_no_codec + dropped_error + dropped_no_callback;
    }
    // Sums another transformer's counters into these (a publisher or subscriber over all its
    // peers, closed ones included).
    Counters &operator+=(const Counters &other);
  };

  // Audio always uses Opus. Video uses payload_type_codecs[frame's payload type] when present,
  // else default_codec, else the frame is dropped (counted as dropped_no_codec).
  static ::rtc::scoped_refptr<E2eeFrameTransformer> CreateSender(
      std::shared_ptr<e2ee::FrameSealer> sealer, Kind kind,
      std::optional<e2ee::Codec> default_codec = std::nullopt,
      std::map<uint8_t, e2ee::Codec> payload_type_codecs = {});
  static ::rtc::scoped_refptr<E2eeFrameTransformer> CreateReceiver(
      std::shared_ptr<e2ee::FrameOpener> opener, Kind kind,
      std::optional<e2ee::Codec> default_codec = std::nullopt,
      std::map<uint8_t, e2ee::Codec> payload_type_codecs = {});

  // A receiver that hands every frame on unchanged (a stream without E2EE), unless paused.
  static ::rtc::scoped_refptr<E2eeFrameTransformer> CreatePassThroughReceiver(Kind kind);

  // Receiver: while paused, frames are dropped before being opened (counted as dropped_paused).
  void SetPaused(bool paused) { paused_.store(paused, std::memory_order_relaxed); }
  bool paused() const { return paused_.load(std::memory_order_relaxed); }

  // Receiver: while verify-only, frames are counted and never decoded (see above).
  void SetVerifyOnly(bool verify_only) { verify_only_.store(verify_only, std::memory_order_relaxed); }
  bool verify_only() const { return verify_only_.load(std::memory_order_relaxed); }
  // The payload of a verify-only video frame as handed on.
  static constexpr std::array<uint8_t, 8> kVerifyOnlyMarker = {'O', 'T', 'C', 'V', 'E', 'R', 'I', 'F'};
  static bool IsVerifyOnlyMarker(const uint8_t *data, size_t size);

  // Receiver: counts every frame received while not paused, verify-only or not. Set before the
  // transformer is attached to its receiver (libwebrtc's attach orders it before the first frame).
  void SetVerifyCounter(std::shared_ptr<media::VerifyCounter> counter) { verify_counter_ = std::move(counter); }

  // Maps an RTP payload type to a codec (video); may be called at any time, e.g. once the
  // negotiated payload types are known.
  void SetPayloadTypeCodec(uint8_t payload_type, e2ee::Codec codec);
  void ClearPayloadTypeCodec(uint8_t payload_type);

  // Receiver: called with every episode event of the opener (mismatch, match, integrity
  // failure), on the thread that opened the frame (the worker thread): it must not block.
  using EventHandler = std::function<void(otc_e2ee_event)>;
  void SetEventHandler(EventHandler handler);

  // Tests only: a faulty sender, for receivers' integrity failures
  // (OTC_SUBSCRIBER_DECRYPTION_INTERNAL_ERROR) in real calls. While on, every sender of the
  // process flips a bit of each sealed frame's authentication tag. Not reachable from the C API.
  static void SetTagFaultForTesting(bool on);
  // Tests only: called with every frame a receiver opened (its plaintext, before the decoder),
  // on the worker thread; null removes it. Not reachable from the C API.
  using OpenedObserver = std::function<void(Kind kind, uint32_t ssrc, const uint8_t *data, size_t size)>;
  static void SetOpenedObserverForTesting(OpenedObserver observer);

  Role role() const { return role_; }
  Kind kind() const { return kind_; }
  Counters counters() const;

  // webrtc::FrameTransformerInterface
  void Transform(std::unique_ptr<webrtc::TransformableFrameInterface> frame) override;
  void RegisterTransformedFrameCallback(
      ::rtc::scoped_refptr<webrtc::TransformedFrameCallback> callback) override;
  void RegisterTransformedFrameSinkCallback(
      ::rtc::scoped_refptr<webrtc::TransformedFrameCallback> callback, uint32_t ssrc) override;
  void UnregisterTransformedFrameCallback() override;
  void UnregisterTransformedFrameSinkCallback(uint32_t ssrc) override;

 protected:
  E2eeFrameTransformer(Role role, Kind kind, std::shared_ptr<e2ee::FrameSealer> sealer,
                       std::shared_ptr<e2ee::FrameOpener> opener,
                       std::optional<e2ee::Codec> default_codec,
                       std::map<uint8_t, e2ee::Codec> payload_type_codecs);
  ~E2eeFrameTransformer() override;

 private:
  std::optional<e2ee::Codec> CodecFor(uint8_t payload_type) const;
  ::rtc::scoped_refptr<webrtc::TransformedFrameCallback> CallbackFor(uint32_t ssrc) const;
  void Seal(std::unique_ptr<webrtc::TransformableFrameInterface> frame, e2ee::Codec codec);
  void Open(std::unique_ptr<webrtc::TransformableFrameInterface> frame, e2ee::Codec codec);
  void Deliver(std::unique_ptr<webrtc::TransformableFrameInterface> frame);
  // Receiver: a frame opened or passed through: counts it, then delivers it, its marker or nothing.
  void DeliverReceived(std::unique_ptr<webrtc::TransformableFrameInterface> frame);
  void CountNotOpened(media::VerifyCounter::NotOpened why);

  const Role role_;
  const Kind kind_;
  const std::shared_ptr<e2ee::FrameSealer> sealer_;
  const std::shared_ptr<e2ee::FrameOpener> opener_;
  const std::optional<e2ee::Codec> default_codec_;

  // Payload type (7 bits) -> 1 + codec, 0 when unmapped. Read on every frame without a lock:
  // each frame runs cold (20-33 ms of other work between two frames), so every extra cache
  // line and lock shows in the call's CPU.
  std::array<std::atomic<uint8_t>, 128> payload_type_codecs_{};

  // One output buffer reused by every frame (frames of one transformer come one at a time, the
  // lock is uncontended) instead of a zero-filled allocation per frame. Grows to the largest
  // frame seen; holds media, never key material.
  std::mutex buffer_mutex_;
  std::vector<uint8_t> buffer_;

  mutable std::mutex mutex_;  // guards the callbacks and the event handler
  ::rtc::scoped_refptr<webrtc::TransformedFrameCallback> callback_;  // any SSRC (audio)
  std::map<uint32_t, ::rtc::scoped_refptr<webrtc::TransformedFrameCallback>> sink_callbacks_;
  std::shared_ptr<const EventHandler> event_handler_;

  std::atomic<uint64_t> sealed_{0}, opened_{0}, passed_through_empty_{0};
  std::atomic<uint64_t> dropped_mismatch_{0}, dropped_integrity_{0}, dropped_replay_{0};
  std::atomic<uint64_t> dropped_no_codec_{0}, dropped_error_{0}, dropped_no_callback_{0};
  std::atomic<uint64_t> dropped_paused_{0}, passed_through_{0};
  std::atomic<bool> paused_{false};
  std::atomic<bool> verify_only_{false};
  std::shared_ptr<media::VerifyCounter> verify_counter_;
};

}  // namespace otc::rtc
