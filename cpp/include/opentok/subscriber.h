/* node-otc, Linux SDK interface: subscribers (receiving one stream of a session). Subscribing
 * and unsubscribing are session calls (opentok/session.h). node-otc's additions (end-to-end
 * encryption events, decoded PCM, media check, counters, why a subscription ended) are in
 * otc/subscriber.h. */
#ifndef OTC_SDK_SUBSCRIBER_H
#define OTC_SDK_SUBSCRIBER_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "config.h"
#include "session.h"
#include "stream.h"
#include "video_frame.h"

OTC_BEGIN_DECL

#ifndef OTC_SUBSCRIBER_FWD_DECL
#define OTC_SUBSCRIBER_FWD_DECL
typedef struct otc_subscriber otc_subscriber;
#endif

/* Why video stopped or resumed (on_video_disabled / on_video_enabled). node-otc reports
 * OTC_VIDEO_REASON_SUBSCRIBE_TO_VIDEO (the application called
 * otc_subscriber_set_subscribe_to_video) and OTC_VIDEO_REASON_PUBLISH_VIDEO (the publisher called
 * otc_publisher_set_publish_video; the session server relays it). QUALITY needs a media router
 * that drops video under congestion and CODEC_NOT_SUPPORTED a codec negotiation that can fail
 * late: node-otc reports neither. */
enum otc_video_reason {
  OTC_VIDEO_REASON_PUBLISH_VIDEO = 1,          /* the publisher stopped or resumed sending video */
  OTC_VIDEO_REASON_SUBSCRIBE_TO_VIDEO = 2,     /* this subscriber turned video off or on */
  OTC_VIDEO_REASON_QUALITY = 3,                /* the network could not carry the video */
  OTC_VIDEO_REASON_CODEC_NOT_SUPPORTED = 4     /* no decoder for the stream's codec */
};

/* What a subscriber's on_error reports. The 6000s are end-to-end encryption failures. */
enum otc_subscriber_error_code {
  OTC_SUBSCRIBER_SESSION_DISCONNECTED = 1010,
  OTC_SUBSCRIBER_TIMED_OUT = 1542,
  OTC_SUBSCRIBER_WEBRTC_ERROR = 1600,
  OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM = 1604,
  OTC_SUBSCRIBER_STREAM_LIMIT_EXCEEDED = 1605,
  OTC_SUBSCRIBER_INTERNAL_ERROR = 2000,
  OTC_SUBSCRIBER_DECRYPTION_INTERNAL_ERROR = 6002,
  OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH = 6003,
  OTC_SUBSCRIBER_DECRYPTION_UNSUPPORTED_CODEC = 6006
};

/* Totals since the subscription's peer connection was made, from libwebrtc's inbound RTP
 * statistics. timestamp: milliseconds since the Unix epoch. */
struct otc_subscriber_audio_stats {
  uint64_t packets_lost;
  uint64_t packets_received;
  uint64_t bytes_received;
  float audio_level; /* 0 (silence) to 1 */
  double timestamp;
};

struct otc_subscriber_video_stats {
  uint64_t packets_lost;
  uint64_t packets_received;
  uint64_t bytes_received;
  double timestamp;
};

/* The answer to otc_subscriber_get_rtc_stats_report: libwebrtc's whole statistics report of the
 * subscription's peer connection as a JSON array of objects (valid during the call). */
struct otc_subscriber_rtc_stats_report_cb {
  void *user_data;
  void (*on_rtc_stats_report)(otc_subscriber *subscriber, void *user_data, const char *json_array_of_reports);
  void *reserved;
};

/* Any member may be NULL; the struct is copied by otc_subscriber_new. Callbacks run on the
 * session's internal thread, one at a time, except on_render_frame, which runs on libwebrtc's
 * decoding thread (return quickly). What they are handed is valid during the call. */
struct otc_subscriber_callbacks {
  /* Media flows: the peer connection to the publisher is up. stream is the subscriber's. */
  void (*on_connected)(otc_subscriber *subscriber, void *user_data, const otc_stream *stream);
  /* The stream or the session went away, or the subscriber was unsubscribed. */
  void (*on_disconnected)(otc_subscriber *subscriber, void *user_data);
  /* The media router lost the subscription's peer and a new one connected. */
  void (*on_reconnected)(otc_subscriber *subscriber, void *user_data);
  /* A decoded frame (YUV420P over libwebrtc's buffer; otc_video_frame_copy keeps one). */
  void (*on_render_frame)(otc_subscriber *subscriber, void *user_data, const otc_video_frame *frame);
  void (*on_video_disabled)(otc_subscriber *subscriber, void *user_data, enum otc_video_reason reason);
  void (*on_video_enabled)(otc_subscriber *subscriber, void *user_data, enum otc_video_reason reason);
  /* The publisher turned its audio off or on (otc_publisher_set_publish_audio), relayed by the
   * session server; on the session's io thread, as every callback. */
  void (*on_audio_disabled)(otc_subscriber *subscriber, void *user_data);
  void (*on_audio_enabled)(otc_subscriber *subscriber, void *user_data);
  /* The first video frame of the subscription was decoded. */
  void (*on_video_data_received)(otc_subscriber *subscriber, void *user_data);
  /* Congestion warnings of Vonage's media router: never called. */
  void (*on_video_disable_warning)(otc_subscriber *subscriber, void *user_data);
  void (*on_video_disable_warning_lifted)(otc_subscriber *subscriber, void *user_data);
  /* About once a second while connected, for each kind the stream carries. */
  void (*on_audio_stats)(otc_subscriber *subscriber, void *user_data, struct otc_subscriber_audio_stats audio_stats);
  void (*on_video_stats)(otc_subscriber *subscriber, void *user_data, struct otc_subscriber_video_stats video_stats);
  /* About once a second while connected and receiving audio: 0 to 1. */
  void (*on_audio_level_updated)(otc_subscriber *subscriber, void *user_data, float audio_level);
  void (*on_error)(otc_subscriber *subscriber, void *user_data, const char *error_string,
                   enum otc_subscriber_error_code error);
  void *user_data;
  void *reserved; /* must be NULL */
};

/* A subscriber for stream (its fields are copied: a stream handed to on_stream_received will
 * do). NULL when stream is NULL. */
OTC_DECL(otc_subscriber *) otc_subscriber_new(const otc_stream *stream,
                                             const struct otc_subscriber_callbacks *callbacks);

/* Unsubscribes if needed and frees. NULL is a no-op. Not from one of the subscriber's own
 * callbacks. */
OTC_DECL(otc_status) otc_subscriber_delete(otc_subscriber *subscriber);

/* The subscriber's copy of its stream, owned by it (valid until otc_subscriber_delete). */
OTC_DECL(otc_stream *) otc_subscriber_get_stream(const otc_subscriber *subscriber);

/* Stop or resume receiving video / audio (before or while subscribed; OTC_TRUE at first).
 * Video off drops frames before decoding and reports on_video_disabled
 * (OTC_VIDEO_REASON_SUBSCRIBE_TO_VIDEO) while subscribed; on again, on_video_enabled. */
OTC_DECL(otc_status) otc_subscriber_set_subscribe_to_video(otc_subscriber *subscriber, otc_bool subscribe_to_video);
OTC_DECL(otc_status) otc_subscriber_set_subscribe_to_audio(otc_subscriber *subscriber, otc_bool subscribe_to_audio);
OTC_DECL(otc_bool) otc_subscriber_get_subscribe_to_video(const otc_subscriber *subscriber);
OTC_DECL(otc_bool) otc_subscriber_get_subscribe_to_audio(const otc_subscriber *subscriber);

/* The session it is subscribed in; NULL when not subscribed. */
OTC_DECL(otc_session *) otc_subscriber_get_session(const otc_subscriber *subscriber);

/* The resolution and frame rate the application would like. Vonage's router picks a simulcast
 * layer from them; node-otc's relayed and routed streams have one layer and the protocol has no
 * way to ask a publisher for less, so they are stored and returned but do not change what
 * arrives. 0 means no preference (the initial values). */
OTC_DECL(otc_status) otc_subscriber_set_preferred_resolution(otc_subscriber *subscriber, uint32_t preferred_width,
                                                            uint32_t preferred_height);
OTC_DECL(otc_status) otc_subscriber_get_preferred_resolution(const otc_subscriber *subscriber,
                                                            uint32_t *preferred_width, uint32_t *preferred_height);
OTC_DECL(otc_status) otc_subscriber_set_preferred_framerate(otc_subscriber *subscriber, float preferred_framerate);
OTC_DECL(otc_status) otc_subscriber_get_preferred_framerate(const otc_subscriber *subscriber,
                                                           float *preferred_framerate);

/* Later SDKs (2.22.2): the volume the stream's audio plays at, 0 (silent) to 100 (as received,
 * the default). Values outside are clamped, as the SDK does; NaN is refused
 * (OTC_MEDIA_INVALID_PARAMETER, otc/errors.h). It applies to what the audio device plays and to
 * the PCM of node-otc's on_audio_data (otc/subscriber.h), end-to-end encrypted streams included,
 * and may be set before subscribing. */
OTC_DECL(otc_status) otc_subscriber_set_audio_volume(otc_subscriber *subscriber, double volume);
OTC_DECL(otc_status) otc_subscriber_get_audio_volume(const otc_subscriber *subscriber, double *volume);

/* An id of this subscriber object, made when it is created and unchanged for its life (a UUID);
 * owned by the subscriber. */
OTC_DECL(const char *) otc_subscriber_get_subscriber_id(const otc_subscriber *subscriber);

OTC_DECL(void *) otc_subscriber_get_user_data(const otc_subscriber *subscriber);

/* Asks for the statistics report: it arrives through the callback set with
 * otc_subscriber_set_rtc_stats_report_cb, on the session's thread. OTC_MEDIA_ILLEGAL_STATE
 * (otc/errors.h) when there is no peer connection (not subscribed yet) or no callback. */
OTC_DECL(otc_status) otc_subscriber_get_rtc_stats_report(const otc_subscriber *subscriber);
OTC_DECL(otc_status) otc_subscriber_set_rtc_stats_report_cb(otc_subscriber *subscriber,
                                                           struct otc_subscriber_rtc_stats_report_cb cb);

OTC_END_DECL

#endif /* OTC_SDK_SUBSCRIBER_H */
