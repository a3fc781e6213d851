/* node-otc: publishers: one stream of audio and/or video a client sends into a session. In a
 * session with an encryption secret every frame is sealed (docs/e2ee-frame-format.md) before it
 * reaches the packetizer, from the first frame on. */
#ifndef OTC_PUBLISHER_H
#define OTC_PUBLISHER_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "media.h"
#include "session.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otc_publisher otc_publisher;

/** Callbacks run on internal threads; data passed to them is valid only during the call. Any
 *  may be NULL. */
typedef struct otc_publisher_callbacks {
  /** The session server accepted the stream; the stream object is valid during the call. */
  void (*on_stream_created)(otc_publisher *publisher, void *user_data, const otc_stream *stream);
  void (*on_stream_destroyed)(otc_publisher *publisher, void *user_data, const otc_stream *stream);
  /** OTC_PUBLISHER_UNABLE_TO_PUBLISH (1500: refused, e.g. a subscriber token),
   *  OTC_PUBLISHER_ENCRYPTION_SECRET_MISSING (6000), OTC_PUBLISHER_ENCRYPTION_INTERNAL_ERROR
   *  (6001), OTC_PUBLISHER_WEBRTC_ERROR (1610), OTC_PUBLISHER_TIMED_OUT (1541). */
  void (*on_error)(otc_publisher *publisher, void *user_data, const char *error_string,
                   otc_status error_code);
  void *user_data;
  void *reserved;
} otc_publisher_callbacks;

typedef enum otc_video_source {
  OTC_VIDEO_SOURCE_TEST_PATTERN = 0, /* the default */
  OTC_VIDEO_SOURCE_PUSHED = 1        /* frames from otc_publisher_push_video_frame */
} otc_video_source;

typedef struct otc_publisher_settings otc_publisher_settings;
otc_publisher_settings *otc_publisher_settings_new(void);
void otc_publisher_settings_delete(otc_publisher_settings *settings);
/** The stream's name (at most 1024 bytes). */
otc_status otc_publisher_settings_set_name(otc_publisher_settings *settings, const char *name);
/** Whether the stream has audio (default true) and video (default true); not both false. */
otc_status otc_publisher_settings_set_audio_track(otc_publisher_settings *settings, otc_bool enabled);
otc_status otc_publisher_settings_set_video_track(otc_publisher_settings *settings, otc_bool enabled);
otc_status otc_publisher_settings_set_video_codec(otc_publisher_settings *settings, otc_video_codec_type codec);
otc_status otc_publisher_settings_set_video_source(otc_publisher_settings *settings, otc_video_source source);
/** Test pattern size (even, 64x64 .. 1920x1080) and rate (1..60 fps); default 640x360 at 30. */
otc_status otc_publisher_settings_set_test_pattern(otc_publisher_settings *settings, int width,
                                                   int height, int fps);

/** Project addition: the most peer connections (one per subscriber, relayed sessions) the
 *  publisher opens at once, 1..OTC_PUBLISHER_MAX_SUBSCRIBERS_LIMIT; default
 *  OTC_PUBLISHER_DEFAULT_MAX_SUBSCRIBERS. A subscription beyond it gets no peer connection:
 *  on_error OTC_PUBLISHER_WEBRTC_ERROR "refused a subscriber: ...", counted in
 *  otc_publisher_stats.subscribers_refused (the subscriber's side then ends on its own), so that
 *  a server cannot make the client open connections without bound. */
#define OTC_PUBLISHER_DEFAULT_MAX_SUBSCRIBERS 64
#define OTC_PUBLISHER_MAX_SUBSCRIBERS_LIMIT 256
otc_status otc_publisher_settings_set_max_subscribers(otc_publisher_settings *settings, int max_subscribers);

/** A publisher with the defaults: test pattern 640x360 at 30 fps in VP8, and Opus audio from
 *  the audio device. name may be NULL. NULL only when out of memory. */
otc_publisher *otc_publisher_new(const char *name, const otc_publisher_callbacks *callbacks);
/** As otc_publisher_new, with settings (copied; NULL for the defaults). NULL for invalid
 *  settings (audio and video both off). */
otc_publisher *otc_publisher_new_with_settings(const otc_publisher_callbacks *callbacks,
                                               const otc_publisher_settings *settings);

/** Starts publishing: the session asks the server for a stream (on_stream_created follows, or
 *  on_error), then sends media to every subscriber. Needs otc_init.
 *  OTC_SESSION_NOT_CONNECTED, OTC_SESSION_ILLEGAL_STATE (the publisher is already published),
 *  OTC_PUBLISHER_ENCRYPTION_SECRET_MISSING (an E2EE session without a secret),
 *  OTC_MEDIA_ENGINE_NOT_INITIALIZED. */
otc_status otc_session_publish(otc_session *session, otc_publisher *publisher);
/** Stops publishing; on_stream_destroyed follows. OTC_SESSION_PUBLISHER_NOT_FOUND when the
 *  publisher is not published in this session. */
otc_status otc_session_unpublish(otc_session *session, otc_publisher *publisher);

/** Pushes one video frame into a publisher made with OTC_VIDEO_SOURCE_PUSHED (capture time:
 *  now). format: any SDK format with pixels (opentok/video_frame.h: YUV420P, NV12, NV21, YUY2,
 *  UYVY, RGB24, the 32-bit RGB formats, MJPEG), its planes one after the other, tightly packed;
 *  size must be exactly what format, width and height need (MJPEG: the JPEG's bytes, which must
 *  be a width x height picture); width and height even, 16..3840 x 16..2160.
 *  OTC_MEDIA_INVALID_PARAMETER, OTC_MEDIA_ILLEGAL_STATE (not a pushed source). The frame is
 *  copied (converted to I420) before the call returns. Frames pushed while nobody subscribes are
 *  dropped, as a camera's would be. */
otc_status otc_publisher_push_video_frame(otc_publisher *publisher, enum otc_video_frame_format format,
                                          int width, int height, const uint8_t *data, size_t size);

/** Stops or resumes sending audio / video (the track stays; the far end gets silence / black). */
otc_status otc_publisher_set_publish_audio(otc_publisher *publisher, otc_bool enabled);
otc_status otc_publisher_set_publish_video(otc_publisher *publisher, otc_bool enabled);

typedef struct otc_publisher_stats {
  uint32_t subscribers;             /* peer connections carrying this stream now */
  uint64_t video_frames_sealed;     /* frames encrypted by the frame cryptor (0 without E2EE) */
  uint64_t audio_frames_sealed;
  uint64_t video_frames_sent;       /* encoded frames handed to the packetizer */
  uint64_t audio_frames_sent;
  uint64_t seal_errors;             /* frames dropped because sealing failed */
  uint64_t video_frames_captured;
  uint64_t bytes_sent;              /* RTP payload bytes, all peers */
  double video_bitrate_bps;         /* over the last stats interval, all peers */
  double audio_bitrate_bps;
  double video_fps;                 /* encoded frames per second, first peer */
  int video_width;                  /* encoded size, first peer */
  int video_height;
  double rtt_ms;                    /* round-trip time reported by the receiver, first peer; -1 unknown */
  uint32_t encryption_epoch;        /* epoch id of the key sealing now, 0 without E2EE */
  otc_bool e2ee;                    /* whether this publisher seals its frames */
  uint64_t subscribers_refused;     /* subscriptions beyond the publisher's max_subscribers */
  /* The selected ICE candidate pair of the first peer: "host", "srflx", "prflx" or "relay"
   * ("" before one is selected), and how a relay local candidate reaches its TURN server
   * ("udp", "tcp", "tls"; "" otherwise). */
  char local_candidate_type[8];
  char remote_candidate_type[8];
  char relay_protocol[8];
} otc_publisher_stats;

/** A snapshot; transport figures are refreshed once a second. */
otc_status otc_publisher_get_stats(otc_publisher *publisher, otc_publisher_stats *stats);

/** The stream id while published, else NULL. Valid until the publisher is unpublished. */
const char *otc_publisher_get_stream_id(otc_publisher *publisher);

/** Unpublishes if needed, closes every peer connection and frees. NULL is a no-op. Must not be
 *  called from one of the publisher's own callbacks. Publishers never deleted are shut down at
 *  process exit (before OpenSSL's exit cleanup, which libwebrtc's threads must not outlive). */
otc_status otc_publisher_delete(otc_publisher *publisher);

#ifdef __cplusplus
}
#endif

#endif /* OTC_PUBLISHER_H */
