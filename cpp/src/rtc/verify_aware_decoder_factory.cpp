#include "verify_aware_decoder_factory.h"

#include <utility>

#include <api/video/encoded_image.h>
#include <api/video_codecs/builtin_video_decoder_factory.h>
#include <api/video_codecs/video_decoder.h>
#include <modules/video_coding/include/video_error_codes.h>

#include "e2ee_frame_transformer.h"

namespace otc::rtc {
namespace {

std::atomic<uint64_t> real_decoders_created{0};

// All calls come from the receive stream's decoder queue, one at a time: no lock.
class LazyDecoder final : public webrtc::VideoDecoder {
 public:
  LazyDecoder(std::shared_ptr<webrtc::VideoDecoderFactory> factory, webrtc::SdpVideoFormat format)
      : factory_(std::move(factory)), format_(std::move(format)) {}
  ~LazyDecoder() override { Release(); }

  bool Configure(const Settings &settings) override {
    settings_ = settings;
    configured_ = true;
    if (real_) return real_->Configure(settings);
    return true;  // the real decoder is configured when it is made
  }

  int32_t Decode(const webrtc::EncodedImage &input_image, bool missing_frames, int64_t render_time_ms) override {
    if (E2eeFrameTransformer::IsVerifyOnlyMarker(input_image.data(), input_image.size())) {
      // Verify-only again: the real decoder's memory goes; the next real frame starts anew.
      if (real_) Release();
      return WEBRTC_VIDEO_CODEC_OK;
    }
    if (!real_) {
      if (!configured_) return WEBRTC_VIDEO_CODEC_UNINITIALIZED;
      auto real = factory_->CreateVideoDecoder(format_);
      if (!real) return WEBRTC_VIDEO_CODEC_ERROR;
      real_decoders_created.fetch_add(1, std::memory_order_relaxed);
      if (!real->Configure(settings_)) return WEBRTC_VIDEO_CODEC_ERROR;
      if (callback_) real->RegisterDecodeCompleteCallback(callback_);
      real_ = std::move(real);
    }
    return real_->Decode(input_image, missing_frames, render_time_ms);
  }

  int32_t RegisterDecodeCompleteCallback(webrtc::DecodedImageCallback *callback) override {
    callback_ = callback;
    return real_ ? real_->RegisterDecodeCompleteCallback(callback) : WEBRTC_VIDEO_CODEC_OK;
  }

  int32_t Release() override {
    if (real_) {
      real_->Release();
      real_.reset();
    }
    return WEBRTC_VIDEO_CODEC_OK;
  }

  DecoderInfo GetDecoderInfo() const override {
    if (real_) return real_->GetDecoderInfo();
    DecoderInfo info;
    info.implementation_name = "verify-only (no decoder)";
    return info;
  }

  const char *ImplementationName() const override {
    return real_ ? real_->ImplementationName() : "verify-only (no decoder)";
  }

 private:
  const std::shared_ptr<webrtc::VideoDecoderFactory> factory_;
  const webrtc::SdpVideoFormat format_;
  Settings settings_;
  bool configured_ = false;
  webrtc::DecodedImageCallback *callback_ = nullptr;
  std::unique_ptr<webrtc::VideoDecoder> real_;
};

}  // namespace

VerifyAwareDecoderFactory::VerifyAwareDecoderFactory(std::unique_ptr<webrtc::VideoDecoderFactory> real)
    : real_(std::move(real)) {}

std::unique_ptr<webrtc::VideoDecoderFactory> VerifyAwareDecoderFactory::CreateBuiltin() {
  return std::make_unique<VerifyAwareDecoderFactory>(webrtc::CreateBuiltinVideoDecoderFactory());
}

std::vector<webrtc::SdpVideoFormat> VerifyAwareDecoderFactory::GetSupportedFormats() const {
  return real_->GetSupportedFormats();
}

webrtc::VideoDecoderFactory::CodecSupport VerifyAwareDecoderFactory::QueryCodecSupport(
    const webrtc::SdpVideoFormat &format, bool reference_scaling) const {
  return real_->QueryCodecSupport(format, reference_scaling);
}

std::unique_ptr<webrtc::VideoDecoder> VerifyAwareDecoderFactory::CreateVideoDecoder(
    const webrtc::SdpVideoFormat &format) {
  if (!format.IsCodecInList(real_->GetSupportedFormats())) return nullptr;
  return std::make_unique<LazyDecoder>(real_, format);
}

uint64_t VerifyAwareDecoderFactory::RealDecodersCreatedForTesting() {
  return real_decoders_created.load(std::memory_order_relaxed);
}

}  // namespace otc::rtc
