#include "encoded_audio_injector.h"

#include <api/make_ref_counted.h>

namespace otc::rtc {

::rtc::scoped_refptr<EncodedAudioInjector> EncodedAudioInjector::Create(
    std::unique_ptr<media::EncodedMediaReader> reader, ::rtc::scoped_refptr<webrtc::FrameTransformerInterface> next) {
  if (!reader || reader->codec() != media::EncodedCodec::kOpus) return nullptr;
  return ::rtc::make_ref_counted<EncodedAudioInjector>(std::move(reader), std::move(next));
}

EncodedAudioInjector::EncodedAudioInjector(std::unique_ptr<media::EncodedMediaReader> reader,
                                           ::rtc::scoped_refptr<webrtc::FrameTransformerInterface> next)
    : next_(std::move(next)), reader_(std::move(reader)) {
  pending_ = reader_->Next();
}

void EncodedAudioInjector::Transform(std::unique_ptr<webrtc::TransformableFrameInterface> frame) {
  if (!frame) return;
  const uint32_t rtp = frame->GetTimestamp();
  if (started_) elapsed_samples_ += static_cast<uint32_t>(rtp - last_rtp_);  // wraps correctly
  started_ = true;
  last_rtp_ = rtp;
  const auto samples = [](int64_t us) { return us * kSamplesPerMs / 1000; };
  // Fallen behind by more than a packet (frames that never came: DTX, a stall): skip ahead.
  while (samples(pending_.timestamp_us + pending_.duration_us) <= elapsed_samples_) pending_ = reader_->Next();
  if (samples(pending_.timestamp_us) > elapsed_samples_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);  // under a longer packet sent before
    return;
  }
  frame->SetData(::rtc::ArrayView<const uint8_t>(pending_.data.data(), pending_.data.size()));
  pending_ = reader_->Next();
  sent_.fetch_add(1, std::memory_order_relaxed);
  if (next_) {
    next_->Transform(std::move(frame));
    return;
  }
  ::rtc::scoped_refptr<webrtc::TransformedFrameCallback> callback;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    callback = callback_;
  }
  if (callback) callback->OnTransformedFrame(std::move(frame));
}

void EncodedAudioInjector::RegisterTransformedFrameCallback(
    ::rtc::scoped_refptr<webrtc::TransformedFrameCallback> callback) {
  if (next_) {
    next_->RegisterTransformedFrameCallback(std::move(callback));
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  callback_ = std::move(callback);
}

void EncodedAudioInjector::RegisterTransformedFrameSinkCallback(
    ::rtc::scoped_refptr<webrtc::TransformedFrameCallback> callback, uint32_t ssrc) {
  if (next_) {
    next_->RegisterTransformedFrameSinkCallback(std::move(callback), ssrc);
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  callback_ = std::move(callback);
}

void EncodedAudioInjector::UnregisterTransformedFrameCallback() {
  if (next_) {
    next_->UnregisterTransformedFrameCallback();
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  callback_ = nullptr;
}

void EncodedAudioInjector::UnregisterTransformedFrameSinkCallback(uint32_t ssrc) {
  if (next_) {
    next_->UnregisterTransformedFrameSinkCallback(ssrc);
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  callback_ = nullptr;
}

}  // namespace otc::rtc
