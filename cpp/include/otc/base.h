/* node-otc: additions to the SDK's base (opentok/base.h): a logger with levels and user data,
 * the engine's state and version, and the codecs it can use. */
#ifndef OTC_BASE_H
#define OTC_BASE_H

#include <stddef.h>

#include "../opentok/base.h"
#include "errors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum otc_log_level otc_log_level;

/** Receives the library's log lines, on any internal thread; message is valid during the call. */
typedef void (*otc_logger_func)(otc_log_level level, const char *message, void *user_data);

/** Sets (or clears, with NULL) the log callback and the most verbose level it gets. Replaces a
 *  callback set with otc_log_set_logger_callback, and the reverse. */
void otc_log_set_logger(otc_logger_func logger, otc_log_level level, void *user_data);

/** Whether the media engine runs (otc_init called more often than otc_destroy). */
otc_bool otc_is_initialized(void);

typedef enum otc_media_kind { OTC_MEDIA_AUDIO = 0, OTC_MEDIA_VIDEO = 1 } otc_media_kind;
typedef enum otc_codec_direction { OTC_CODEC_ENCODE = 0, OTC_CODEC_DECODE = 1 } otc_codec_direction;

typedef struct otc_codec_info {
  char name[32];        /* "VP8", "opus", "H264", ... as in SDP */
  char parameters[160]; /* SDP fmtp parameters "k=v;k=v", empty when none */
  int clock_rate;
  int channels;         /* audio only; 0 for video */
} otc_codec_info;

/** Lists what the engine's factory can encode (sender capabilities) or decode (receiver
 *  capabilities), without retransmission/FEC pseudo-codecs. Writes up to capacity entries and
 *  sets *count to how many there are in all. Needs otc_init. */
otc_status otc_media_get_codecs(otc_media_kind kind, otc_codec_direction direction,
                                otc_codec_info *out, size_t capacity, size_t *count);

/** The library's version, "major.minor.patch". */
const char *otc_version(void);

#ifdef __cplusplus
}
#endif

#endif /* OTC_BASE_H */
