#include "passthrough_video_encoder.h"

#include <optional>

#include <api/video_codecs/builtin_video_encoder_factory.h>
#include <api/video_codecs/video_encoder.h>
#include <modules/video_coding/codecs/vp9/include/vp9_globals.h>
#include <modules/video_coding/include/video_codec_interface.h>
#include <modules/video_coding/include/video_error_codes.h>

#include "../base/log.h"
#include "encoded_video_source.h"

namespace otc::rtc {
namespace {

std::optional<media::EncodedCodec> encoded_codec(webrtc::VideoCodecType type) {
  switch (type) {
    case webrtc::kVideoCodecVP8: return media::EncodedCodec::kVp8;
    case webrtc::kVideoCodecVP9: return media::EncodedCodec::kVp9;
    case webrtc::kVideoCodecH264: return media::EncodedCodec::kH264;
    default: return std::nullopt;
  }
}

class PassthroughVideoEncoder : public webrtc::VideoEncoder {
 public:
  PassthroughVideoEncoder(webrtc::SdpVideoFormat format, webrtc::VideoEncoderFactory &base)
      : format_(std::move(format)), base_(base) {
    const auto mode = format_.parameters.find("packetization-mode");
    packetization_mode_ = mode != format_.parameters.end() && mode->second == "1"
                              ? webrtc::H264PacketizationMode::NonInterleaved
                              : webrtc::H264PacketizationMode::SingleNalUnit;
  }

  void SetFecControllerOverride(webrtc::FecControllerOverride *override) override {
    fec_override_ = override;
    if (builtin_) builtin_->SetFecControllerOverride(override);
  }

  int InitEncode(const webrtc::VideoCodec *settings, const Settings &encoder_settings) override {
    if (!settings) return WEBRTC_VIDEO_CODEC_ERR_PARAMETER;
    codec_ = *settings;
    encoder_settings_ = encoder_settings;
    initialized_ = true;
    if (builtin_) return builtin_->InitEncode(&codec_, encoder_settings);
    return WEBRTC_VIDEO_CODEC_OK;
  }

  int32_t RegisterEncodeCompleteCallback(webrtc::EncodedImageCallback *callback) override {
    callback_ = callback;
    if (builtin_) return builtin_->RegisterEncodeCompleteCallback(callback);
    return WEBRTC_VIDEO_CODEC_OK;
  }

  int32_t Release() override {
    initialized_ = false;
    if (builtin_) return builtin_->Release();
    return WEBRTC_VIDEO_CODEC_OK;
  }

  int32_t Encode(const webrtc::VideoFrame &frame, const std::vector<webrtc::VideoFrameType> *types) override {
    const auto *encoded = frame.video_frame_buffer()->type() == webrtc::VideoFrameBuffer::Type::kNative
                              ? dynamic_cast<const EncodedFrameBuffer *>(frame.video_frame_buffer().get())
                              : nullptr;
    if (!encoded) return EncodeOrdinary(frame, types);
    if (!initialized_ || !callback_) return WEBRTC_VIDEO_CODEC_UNINITIALIZED;
    if (encoded_codec(codec_.codecType) != encoded->codec()) {
      if (!codec_warned_) {
        otc::log(OTC_LOG_LEVEL_ERROR, "encoded video: a %s frame for a %s encoder is dropped",
                 media::encoded_codec_name(encoded->codec()), format_.name.c_str());
        codec_warned_ = true;
      }
      callback_->OnDroppedFrame(webrtc::EncodedImageCallback::DropReason::kDroppedByEncoder);
      return WEBRTC_VIDEO_CODEC_OK;
    }
    if (types) {
      for (const auto type : *types) key_wanted_ |= type == webrtc::VideoFrameType::kVideoFrameKey;
    }
    if (key_wanted_ && !encoded->key()) {
      // A delta frame cannot answer: the source skips to the file's next key frame. The request
      // is remembered here (libwebrtc forgets it once Encode returns) until a key frame comes.
      encoded->RequestKeyFrame();
      callback_->OnDroppedFrame(webrtc::EncodedImageCallback::DropReason::kDroppedByEncoder);
      return WEBRTC_VIDEO_CODEC_OK;
    }
    if (encoded->key()) key_wanted_ = false;

    webrtc::EncodedImage image;
    image.SetEncodedData(encoded->data());
    image._encodedWidth = static_cast<uint32_t>(encoded->width());
    image._encodedHeight = static_cast<uint32_t>(encoded->height());
    image.SetTimestamp(frame.timestamp());
    image.ntp_time_ms_ = frame.ntp_time_ms();
    image.capture_time_ms_ = frame.render_time_ms();
    image.rotation_ = webrtc::kVideoRotation_0;
    image._frameType = encoded->key() ? webrtc::VideoFrameType::kVideoFrameKey : webrtc::VideoFrameType::kVideoFrameDelta;
    image.content_type_ = webrtc::VideoContentType::UNSPECIFIED;
    image.timing_.flags = webrtc::VideoSendTiming::kInvalid;

    webrtc::CodecSpecificInfo info;
    info.codecType = codec_.codecType;
    switch (codec_.codecType) {
      case webrtc::kVideoCodecVP8:
        info.codecSpecific.VP8.nonReference = false;
        info.codecSpecific.VP8.temporalIdx = webrtc::kNoTemporalIdx;
        info.codecSpecific.VP8.layerSync = false;
        info.codecSpecific.VP8.keyIdx = webrtc::kNoKeyIdx;
        info.codecSpecific.VP8.useExplicitDependencies = false;
        break;
      case webrtc::kVideoCodecVP9: {
        // One spatial and one temporal layer, non-flexible mode: what libwebrtc's VP9 encoder
        // reports for a plain IPPP stream; the scalability structure rides on key frames.
        auto &vp9 = info.codecSpecific.VP9;
        vp9.first_frame_in_picture = true;
        vp9.inter_pic_predicted = !encoded->key();
        vp9.flexible_mode = false;
        vp9.ss_data_available = encoded->key();
        vp9.non_ref_for_inter_layer_pred = true;
        vp9.temporal_idx = webrtc::kNoTemporalIdx;
        vp9.temporal_up_switch = false;
        vp9.inter_layer_predicted = false;
        vp9.gof_idx = 0;
        vp9.num_spatial_layers = 1;
        vp9.first_active_layer = 0;
        vp9.spatial_layer_resolution_present = encoded->key();
        vp9.width[0] = static_cast<uint16_t>(encoded->width());
        vp9.height[0] = static_cast<uint16_t>(encoded->height());
        if (encoded->key()) vp9.gof.SetGofInfoVP9(webrtc::kTemporalStructureMode1);
        vp9.num_ref_pics = 0;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        vp9.end_of_picture = true;
#pragma GCC diagnostic pop
        break;
      }
      case webrtc::kVideoCodecH264:
        info.codecSpecific.H264.packetization_mode = packetization_mode_;
        info.codecSpecific.H264.temporal_idx = webrtc::kNoTemporalIdx;
        info.codecSpecific.H264.base_layer_sync = false;
        info.codecSpecific.H264.idr_frame = encoded->key();
        break;
      default:
        break;
    }
    const auto result = callback_->OnEncodedImage(image, &info);
    return result.error == webrtc::EncodedImageCallback::Result::OK ? WEBRTC_VIDEO_CODEC_OK : WEBRTC_VIDEO_CODEC_ERROR;
  }

  void SetRates(const RateControlParameters &parameters) override {
    rates_ = parameters;
    if (builtin_) builtin_->SetRates(parameters);
  }
  void OnPacketLossRateUpdate(float rate) override {
    if (builtin_) builtin_->OnPacketLossRateUpdate(rate);
  }
  void OnRttUpdate(int64_t rtt_ms) override {
    if (builtin_) builtin_->OnRttUpdate(rtt_ms);
  }
  void OnLossNotification(const LossNotification &notification) override {
    if (builtin_) builtin_->OnLossNotification(notification);
  }

  EncoderInfo GetEncoderInfo() const override {
    EncoderInfo info;
    if (builtin_) {
      info = builtin_->GetEncoderInfo();
    } else {
      // A file's frames: no scaling, no frame dropping on rate (the file's rate is what it is).
      info.scaling_settings = ScalingSettings::kOff;
      info.has_trusted_rate_controller = true;
      info.implementation_name = "otc-passthrough";
    }
    info.supports_native_handle = true;
    return info;
  }

 private:
  int32_t EncodeOrdinary(const webrtc::VideoFrame &frame, const std::vector<webrtc::VideoFrameType> *types) {
    if (!builtin_) {
      builtin_ = base_.CreateVideoEncoder(format_);
      if (!builtin_) return WEBRTC_VIDEO_CODEC_ERROR;
      if (fec_override_) builtin_->SetFecControllerOverride(fec_override_);
      if (callback_) builtin_->RegisterEncodeCompleteCallback(callback_);
      if (initialized_) {
        const int init = builtin_->InitEncode(&codec_, *encoder_settings_);
        if (init != WEBRTC_VIDEO_CODEC_OK) {
          builtin_ = nullptr;
          return init;
        }
        if (rates_) builtin_->SetRates(*rates_);
      }
    }
    return builtin_->Encode(frame, types);
  }

  const webrtc::SdpVideoFormat format_;
  webrtc::VideoEncoderFactory &base_;
  webrtc::H264PacketizationMode packetization_mode_;
  std::unique_ptr<webrtc::VideoEncoder> builtin_;
  webrtc::FecControllerOverride *fec_override_ = nullptr;
  webrtc::EncodedImageCallback *callback_ = nullptr;
  webrtc::VideoCodec codec_{};
  std::optional<Settings> encoder_settings_;
  std::optional<RateControlParameters> rates_;
  bool initialized_ = false;
  bool key_wanted_ = false;
  bool codec_warned_ = false;
};

class PassthroughVideoEncoderFactory : public webrtc::VideoEncoderFactory {
 public:
  explicit PassthroughVideoEncoderFactory(std::unique_ptr<webrtc::VideoEncoderFactory> base) : base_(std::move(base)) {}
  std::vector<webrtc::SdpVideoFormat> GetSupportedFormats() const override { return base_->GetSupportedFormats(); }
  std::vector<webrtc::SdpVideoFormat> GetImplementations() const override { return base_->GetImplementations(); }
  CodecSupport QueryCodecSupport(const webrtc::SdpVideoFormat &format,
                                 absl::optional<std::string> scalability_mode) const override {
    return base_->QueryCodecSupport(format, scalability_mode);
  }
  std::unique_ptr<webrtc::VideoEncoder> CreateVideoEncoder(const webrtc::SdpVideoFormat &format) override {
    return std::make_unique<PassthroughVideoEncoder>(format, *base_);
  }

 private:
  const std::unique_ptr<webrtc::VideoEncoderFactory> base_;
};

}  // namespace

std::unique_ptr<webrtc::VideoEncoderFactory> CreatePassthroughVideoEncoderFactory(
    std::unique_ptr<webrtc::VideoEncoderFactory> base) {
  if (!base) base = webrtc::CreateBuiltinVideoEncoderFactory();
  return std::make_unique<PassthroughVideoEncoderFactory>(std::move(base));
}

}  // namespace otc::rtc
