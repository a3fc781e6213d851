#include "codec_names.h"

#include <strings.h>

namespace otc {

bool is_video_codec(int codec) {
  return codec == OTC_VIDEO_CODEC_VP8 || codec == OTC_VIDEO_CODEC_VP9 || codec == OTC_VIDEO_CODEC_H264;
}

const char *video_codec_name(otc_video_codec_type codec) {
  switch (codec) {
    case OTC_VIDEO_CODEC_VP8: return "VP8";
    case OTC_VIDEO_CODEC_VP9: return "VP9";
    case OTC_VIDEO_CODEC_H264: return "H264";
    case OTC_VIDEO_CODEC_UNKNOWN: break;
  }
  return "";
}

e2ee::Codec e2ee_codec_for(otc_video_codec_type codec) {
  switch (codec) {
    case OTC_VIDEO_CODEC_VP9: return e2ee::Codec::kVp9;
    case OTC_VIDEO_CODEC_H264: return e2ee::Codec::kH264;
    case OTC_VIDEO_CODEC_VP8:
    case OTC_VIDEO_CODEC_UNKNOWN: break;
  }
  return e2ee::Codec::kVp8;
}

std::optional<e2ee::Codec> e2ee_codec_from_name(const std::string &name) {
  if (strcasecmp(name.c_str(), "VP8") == 0) return e2ee::Codec::kVp8;
  if (strcasecmp(name.c_str(), "VP9") == 0) return e2ee::Codec::kVp9;
  if (strcasecmp(name.c_str(), "H264") == 0) return e2ee::Codec::kH264;
  if (strcasecmp(name.c_str(), "AV1") == 0) return e2ee::Codec::kAv1;
  return std::nullopt;
}

}  // namespace otc

extern "C" const char *otc_video_codec_name(otc_video_codec_type codec) {
  return otc::is_video_codec(codec) ? otc::video_codec_name(codec) : nullptr;
}
