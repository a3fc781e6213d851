// Ogg Opus files published as they are. The audio device is one per process, so a publisher's own
// audio cannot come from it: each 20 ms frame the sender's Opus encoder makes (from the device's
// input) is replaced here, before sealing, by the file's next packet when that is due, and dropped
// otherwise (a 40/60 ms packet is sent once and the frames under it are dropped; its RTP
// timestamp is the frame's it replaced, so the receiver's timeline follows the file's). The
// encoder's own output is discarded: its CPU is the price (see the README's figures).
//
// Sits in front of the sender's sealer (E2eeFrameTransformer) when the session has E2EE, or alone
// otherwise: libwebrtc registers its callback here and it is handed on to the sealer.
// Transform() runs on the audio encoder queue; the callbacks' registration on the worker thread.
#pragma once

#include "webrtc_build_guard.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include <api/frame_transformer_interface.h>
#include <api/scoped_refptr.h>

#include "../media/encoded_media.h"

namespace otc::rtc {

class EncodedAudioInjector : public webrtc::FrameTransformerInterface {
 public:
  // reader: an Opus reader (the injector's own: Clone() one per sender); next: the sealer or null.
  static ::rtc::scoped_refptr<EncodedAudioInjector> Create(
      std::unique_ptr<media::EncodedMediaReader> reader,
      ::rtc::scoped_refptr<webrtc::FrameTransformerInterface> next);

  uint64_t packets_sent() const { return sent_.load(std::memory_order_relaxed); }
  uint64_t frames_dropped() const { return dropped_.load(std::memory_order_relaxed); }

  // webrtc::FrameTransformerInterface
  void Transform(std::unique_ptr<webrtc::TransformableFrameInterface> frame) override;
  void RegisterTransformedFrameCallback(::rtc::scoped_refptr<webrtc::TransformedFrameCallback> callback) override;
  void RegisterTransformedFrameSinkCallback(::rtc::scoped_refptr<webrtc::TransformedFrameCallback> callback,
                                            uint32_t ssrc) override;
  void UnregisterTransformedFrameCallback() override;
  void UnregisterTransformedFrameSinkCallback(uint32_t ssrc) override;

 protected:
  EncodedAudioInjector(std::unique_ptr<media::EncodedMediaReader> reader,
                       ::rtc::scoped_refptr<webrtc::FrameTransformerInterface> next);
  ~EncodedAudioInjector() override = default;

 private:
  static constexpr int kSamplesPerMs = 48;  // Opus's RTP clock
  const ::rtc::scoped_refptr<webrtc::FrameTransformerInterface> next_;

  // The audio encoder queue only.
  std::unique_ptr<media::EncodedMediaReader> reader_;
  media::EncodedFrameRef pending_;  // the next packet to send
  bool started_ = false;
  uint32_t last_rtp_ = 0;
  int64_t elapsed_samples_ = 0;  // RTP time since the first frame

  std::mutex mutex_;  // the callback when there is no next_
  ::rtc::scoped_refptr<webrtc::TransformedFrameCallback> callback_;
  std::atomic<uint64_t> sent_{0}, dropped_{0};
};

}  // namespace otc::rtc
