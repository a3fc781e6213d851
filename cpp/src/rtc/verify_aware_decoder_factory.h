// The media engine's video decoder factory: libwebrtc's builtin decoders, made lazily. Every
// receive stream gets a decoder at its start, but the real one (libvpx, OpenH264...) is created
// only for the first frame that is not a verify-only marker (E2eeFrameTransformer): a
// verify-only subscription never allocates one, marker frames are "decoded" as nothing, and a
// subscription that leaves verify-only decodes again from the next key frame. Back in
// verify-only, the real decoder is released at the next marker.
#pragma once

#include "webrtc_build_guard.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <api/video_codecs/video_decoder_factory.h>

namespace otc::rtc {

class VerifyAwareDecoderFactory final : public webrtc::VideoDecoderFactory {
 public:
  explicit VerifyAwareDecoderFactory(std::unique_ptr<webrtc::VideoDecoderFactory> real);
  // Over libwebrtc's builtin decoder factory.
  static std::unique_ptr<webrtc::VideoDecoderFactory> CreateBuiltin();

  std::vector<webrtc::SdpVideoFormat> GetSupportedFormats() const override;
  CodecSupport QueryCodecSupport(const webrtc::SdpVideoFormat &format, bool reference_scaling) const override;
  std::unique_ptr<webrtc::VideoDecoder> CreateVideoDecoder(const webrtc::SdpVideoFormat &format) override;

  // Tests: real decoders created by every factory of the process so far.
  static uint64_t RealDecodersCreatedForTesting();

 private:
  // Shared with the decoders, which may outlive the factory's owner for a moment.
  const std::shared_ptr<webrtc::VideoDecoderFactory> real_;
};

}  // namespace otc::rtc
