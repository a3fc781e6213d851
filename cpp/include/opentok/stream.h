/* node-otc, Linux SDK interface: streams (the media a client publishes in a session). */
#ifndef OTC_SDK_STREAM_H
#define OTC_SDK_STREAM_H

#include "base.h"
#include "config.h"
#include "connection.h"

OTC_BEGIN_DECL

/* Opaque. The streams callbacks hand over are valid during the callback; otc_stream_copy makes
 * one that lives until otc_stream_delete (to subscribe later, for instance). */
typedef struct otc_stream otc_stream;

/* What the publisher says its video is. */
enum otc_stream_video_type {
  OTC_STREAM_VIDEO_TYPE_CAMERA = 1,
  OTC_STREAM_VIDEO_TYPE_SCREEN = 2,
  OTC_STREAM_VIDEO_TYPE_CUSTOM = 3
};

OTC_DECL(const char *) otc_stream_get_id(const otc_stream *stream);
OTC_DECL(const char *) otc_stream_get_name(const otc_stream *stream);
/* Whether the stream was published with a video track at all (it announced a video codec) ... */
OTC_DECL(otc_bool) otc_stream_has_video_track(const otc_stream *stream);
/* ... and whether its video is on now (the publisher may turn it off and on). */
OTC_DECL(otc_bool) otc_stream_has_video(const otc_stream *stream);
OTC_DECL(otc_bool) otc_stream_has_audio_track(const otc_stream *stream);
OTC_DECL(otc_bool) otc_stream_has_audio(const otc_stream *stream);
OTC_DECL(otc_stream *) otc_stream_copy(const otc_stream *stream);
/* Frees a copy. NULL is OTC_INVALID_PARAM. */
OTC_DECL(otc_status) otc_stream_delete(otc_stream *stream);
/* The size of the video the publisher captures, as it last told the session (its publisher
 * tells it once frames of a new size have come for half a second); 0 x 0 until then. */
OTC_DECL(int) otc_stream_get_video_width(const otc_stream *stream);
OTC_DECL(int) otc_stream_get_video_height(const otc_stream *stream);
/* Milliseconds since the epoch when the stream was published. */
OTC_DECL(int64_t) otc_stream_get_creation_time(const otc_stream *stream);
OTC_DECL(enum otc_stream_video_type) otc_stream_get_video_type(const otc_stream *stream);
/* The publisher's connection, valid as long as the stream. */
OTC_DECL(const otc_connection *) otc_stream_get_connection(const otc_stream *stream);

OTC_END_DECL

#endif /* OTC_SDK_STREAM_H */
