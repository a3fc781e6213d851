// Audio codec factories for the engine: Opus and G.711.
//
// The builtin factories of the Debian build have no Opus (they offer ISAC), and every browser
// and SFU the project talks to expects Opus, so the engine assembles its own from the codec
// templates. G.711 stays as the universally supported fallback.
#pragma once

#include "webrtc_build_guard.h"

#include <api/audio_codecs/audio_decoder_factory.h>
#include <api/audio_codecs/audio_encoder_factory.h>
#include <api/scoped_refptr.h>

namespace otc::rtc {

::rtc::scoped_refptr<webrtc::AudioEncoderFactory> CreateOpusG711AudioEncoderFactory();
::rtc::scoped_refptr<webrtc::AudioDecoderFactory> CreateOpusG711AudioDecoderFactory();

}  // namespace otc::rtc
