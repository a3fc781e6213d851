// C API of opentok/media_utils.h: the engine's video codec lists by the SDK's numbers.
#include <opentok/media_utils.h>
#include <otc/base.h>
#include <otc/errors.h>

#include <cstring>
#include <new>
#include <vector>

namespace {

otc_video_codec_type codec_from_name(const char *name) {
  if (std::strcmp(name, "VP8") == 0) return OTC_VIDEO_CODEC_VP8;
  if (std::strcmp(name, "H264") == 0) return OTC_VIDEO_CODEC_H264;
  if (std::strcmp(name, "VP9") == 0) return OTC_VIDEO_CODEC_VP9;
  return OTC_VIDEO_CODEC_UNKNOWN;
}

// The engine lists a codec once per profile (H264's packetization modes, ...) and codecs the SDK
// has no number for (AV1, the RTX/RED/FEC pseudo codecs): each numbered codec once, first-seen
// order.
otc_status list_codecs(otc_codec_direction direction, std::vector<otc_video_codec_type> &out) {
  size_t count = 0;
  otc_status status = otc_media_get_codecs(OTC_MEDIA_VIDEO, direction, nullptr, 0, &count);
  if (status != OTC_SUCCESS) return status;
  std::vector<otc_codec_info> infos(count);
  status = otc_media_get_codecs(OTC_MEDIA_VIDEO, direction, infos.data(), infos.size(), &count);
  if (status != OTC_SUCCESS) return status;
  if (count < infos.size()) infos.resize(count);
  for (const otc_codec_info &info : infos) {
    const otc_video_codec_type codec = codec_from_name(info.name);
    if (codec == OTC_VIDEO_CODEC_UNKNOWN) continue;
    bool seen = false;
    for (otc_video_codec_type c : out) seen = seen || c == codec;
    if (!seen) out.push_back(codec);
  }
  return OTC_SUCCESS;
}

otc_video_codec_type *copy_out(const std::vector<otc_video_codec_type> &codecs) {
  auto *array = new (std::nothrow) otc_video_codec_type[codecs.empty() ? 1 : codecs.size()];
  if (array) std::copy(codecs.begin(), codecs.end(), array);
  return array;
}

}  // namespace

extern "C" {

otc_status otc_media_utils_get_supported_codecs(otc_media_utils_codecs **supported_codecs) {
  if (!supported_codecs) return OTC_INVALID_PARAM;
  *supported_codecs = nullptr;
  std::vector<otc_video_codec_type> encoders, decoders;
  otc_status status = list_codecs(OTC_CODEC_ENCODE, encoders);
  if (status == OTC_SUCCESS) status = list_codecs(OTC_CODEC_DECODE, decoders);
  if (status != OTC_SUCCESS) return status;
  auto *codecs = new (std::nothrow) otc_media_utils_codecs{};
  if (!codecs) return OTC_FATAL;
  codecs->encoder_video_codecs = copy_out(encoders);
  codecs->decoder_video_codecs = copy_out(decoders);
  if (!codecs->encoder_video_codecs || !codecs->decoder_video_codecs) {
    otc_media_utils_codecs_delete(codecs);
    return OTC_FATAL;
  }
  codecs->number_encoder_video_codecs = encoders.size();
  codecs->number_decoder_video_codecs = decoders.size();
  *supported_codecs = codecs;
  return OTC_SUCCESS;
}

otc_status otc_media_utils_codecs_delete(otc_media_utils_codecs *supported_codecs) {
  if (!supported_codecs) return OTC_SUCCESS;
  delete[] supported_codecs->encoder_video_codecs;
  delete[] supported_codecs->decoder_video_codecs;
  delete supported_codecs;
  return OTC_SUCCESS;
}

}  // extern "C"
