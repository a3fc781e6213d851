#include "audio_codec_factories.h"

#include <api/audio_codecs/audio_decoder_factory_template.h>
#include <api/audio_codecs/audio_encoder_factory_template.h>
#include <api/audio_codecs/g711/audio_decoder_g711.h>
#include <api/audio_codecs/g711/audio_encoder_g711.h>
#include <api/audio_codecs/opus/audio_decoder_opus.h>
#include <api/audio_codecs/opus/audio_encoder_opus.h>

namespace otc::rtc {

// Template order is offer order: Opus first so that it is what gets negotiated.
::rtc::scoped_refptr<webrtc::AudioEncoderFactory> CreateOpusG711AudioEncoderFactory() {
  return webrtc::CreateAudioEncoderFactory<webrtc::AudioEncoderOpus, webrtc::AudioEncoderG711>();
}

::rtc::scoped_refptr<webrtc::AudioDecoderFactory> CreateOpusG711AudioDecoderFactory() {
  return webrtc::CreateAudioDecoderFactory<webrtc::AudioDecoderOpus, webrtc::AudioDecoderG711>();
}

}  // namespace otc::rtc
