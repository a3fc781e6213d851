/* node-otc, Linux SDK interface: which video codecs the media engine can encode and decode. */
#ifndef OTC_SDK_MEDIA_UTILS_H
#define OTC_SDK_MEDIA_UTILS_H

#include <stddef.h>

#include "base.h"
#include "config.h"

OTC_BEGIN_DECL

/* Video codecs by the SDK's numbers (VP9 and UNKNOWN are later SDKs' additions). node-otc's
 * publisher settings take the same values (otc_publisher_settings_set_video_codec). */
enum otc_video_codec_type {
  OTC_VIDEO_CODEC_UNKNOWN = 0,
  OTC_VIDEO_CODEC_VP8 = 1,
  OTC_VIDEO_CODEC_H264 = 2,
  OTC_VIDEO_CODEC_VP9 = 3
};
typedef enum otc_video_codec_type otc_video_codec_type;

/* Each codec once, in the engine's order of preference. */
struct otc_media_utils_codecs {
  size_t number_encoder_video_codecs;
  otc_video_codec_type *encoder_video_codecs;
  size_t number_decoder_video_codecs;
  otc_video_codec_type *decoder_video_codecs;
};
typedef struct otc_media_utils_codecs otc_media_utils_codecs;

/* Fills *supported_codecs with a list to free with otc_media_utils_codecs_delete. Needs the media
 * engine (otc_init): node-otc's OTC_MEDIA_ENGINE_NOT_INITIALIZED otherwise, and
 * OTC_INVALID_PARAM for a NULL supported_codecs. */
OTC_DECL(otc_status) otc_media_utils_get_supported_codecs(otc_media_utils_codecs **supported_codecs);
/* NULL is a no-op. */
OTC_DECL(otc_status) otc_media_utils_codecs_delete(otc_media_utils_codecs *supported_codecs);

OTC_END_DECL

#endif /* OTC_SDK_MEDIA_UTILS_H */
