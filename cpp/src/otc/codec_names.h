// The video codecs a publisher may choose, by their C API value, SDP name and frame-format codec.
#pragma once

#include <otc/media.h>

#include <optional>
#include <string>

#include "../e2ee/codec_prefix.h"

namespace otc {

bool is_video_codec(int codec);
// "VP8", "VP9", "H264"; "" for a value outside the enum.
const char *video_codec_name(otc_video_codec_type codec);
e2ee::Codec e2ee_codec_for(otc_video_codec_type codec);
// By SDP name (case-insensitive): VP8, VP9, H264 and AV1 (which the frame format knows).
std::optional<e2ee::Codec> e2ee_codec_from_name(const std::string &name);

}  // namespace otc
