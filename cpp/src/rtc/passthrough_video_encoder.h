// The video encoder factory of the media engine: libwebrtc's built-in encoders, wrapped so that
// frames of a pre-encoded source (encoded_video_source.h) pass straight through to the packetizer
// (and the sender's frame transformer before it) as the EncodedImage they already are. Ordinary
// frames go to the built-in encoder of the same format, created at the first such frame; a
// publisher of a file thus never makes a VP8/VP9/H.264 encoder at all.
#pragma once

#include "webrtc_build_guard.h"

#include <memory>

#include <api/video_codecs/video_encoder_factory.h>

namespace otc::rtc {

// Wraps base (libwebrtc's built-in factory when null).
std::unique_ptr<webrtc::VideoEncoderFactory> CreatePassthroughVideoEncoderFactory(
    std::unique_ptr<webrtc::VideoEncoderFactory> base = nullptr);

}  // namespace otc::rtc
