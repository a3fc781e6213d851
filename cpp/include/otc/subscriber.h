/* node-otc: subscribers: receiving one stream of the session. Every frame of an end-to-end
 * encrypted stream is opened (docs/e2ee-frame-format.md) before the decoder; a frame that does not
 * decrypt never reaches it. */
#ifndef OTC_SUBSCRIBER_H
#define OTC_SUBSCRIBER_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "media.h"
#include "session.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otc_subscriber otc_subscriber;

/** Callbacks run on internal threads; data passed to them is valid only during the call. Any
 *  may be NULL. on_render_frame and on_audio_data run on media threads: return quickly. */
typedef struct otc_subscriber_callbacks {
  /** Media is flowing: the peer connection to the publisher is up. */
  void (*on_connected)(otc_subscriber *subscriber, void *user_data);
  /** The stream or the session went away, or the subscriber was unsubscribed. */
  void (*on_disconnected)(otc_subscriber *subscriber, void *user_data);
  void (*on_render_frame)(otc_subscriber *subscriber, void *user_data, const otc_video_frame *frame);
  /** Decoded audio of this stream: 10 ms of 16-bit PCM, interleaved. */
  void (*on_audio_data)(otc_subscriber *subscriber, void *user_data, const int16_t *samples,
                        size_t samples_per_channel, int sample_rate, int channels);
  /** OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH (6003: frames arrive that this secret cannot
   *  open; reported once per episode), OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISSING (6000),
   *  OTC_SUBSCRIBER_DECRYPTION_INTERNAL_ERROR (6002), OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM
   *  (1604), OTC_SUBSCRIBER_WEBRTC_ERROR (1600), OTC_SUBSCRIBER_TIMED_OUT (1542). */
  void (*on_error)(otc_subscriber *subscriber, void *user_data, const char *error_string,
                   otc_status error_code);
  /** Frames decrypt again after a mismatch (project addition, as encryptionSecretMatch). */
  void (*on_encryption_secret_match)(otc_subscriber *subscriber, void *user_data);
  void *user_data;
  void *reserved;
} otc_subscriber_callbacks;

/** A subscriber for stream (from on_stream_received; its fields are copied). NULL when stream is
 *  NULL. */
otc_subscriber *otc_subscriber_new(const otc_stream *stream, const otc_subscriber_callbacks *callbacks);

/** Starts receiving: asks the server, then the publisher's offer sets up the peer connection.
 *  OTC_SESSION_NOT_CONNECTED, OTC_SESSION_ILLEGAL_STATE (already subscribed),
 *  OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISSING (an encrypted stream and no secret),
 *  OTC_MEDIA_ENGINE_NOT_INITIALIZED. Later failures arrive in on_error. */
otc_status otc_session_subscribe(otc_session *session, otc_subscriber *subscriber);
/** Stops receiving; on_disconnected follows. OTC_SESSION_SUBSCRIBER_NOT_FOUND when not
 *  subscribed in this session. */
otc_status otc_session_unsubscribe(otc_session *session, otc_subscriber *subscriber);

const char *otc_subscriber_get_stream_id(const otc_subscriber *subscriber);

/** node-otc addition (the Linux SDK's on_disconnected carries no reason): why the last
 *  on_disconnected came, readable inside it and after it, NULL before it and again once
 *  subscribed anew. A stream that ended gives the stream's reason ("networkDisconnected" with
 *  1022 when its publisher was killed or cut off, "clientUnpublished" or "clientDisconnected"
 *  with OTC_SUCCESS); also "clientUnsubscribed" (OTC_SUCCESS), "sessionDisconnected" (1010),
 *  "peerFailed" (1600), "routerFailed" (1600), "timedOut" (1542). See
 *  otc_stream_get_destroyed_reason for the words. */
const char *otc_subscriber_get_disconnect_reason(const otc_subscriber *subscriber);
otc_status otc_subscriber_get_disconnect_code(const otc_subscriber *subscriber);

/** Stops or resumes receiving audio / video (frames are dropped before decoding). */
otc_status otc_subscriber_set_subscribe_to_audio(otc_subscriber *subscriber, otc_bool enabled);
otc_status otc_subscriber_set_subscribe_to_video(otc_subscriber *subscriber, otc_bool enabled);

typedef struct otc_subscriber_stats {
  uint64_t video_frames_opened;     /* decrypted by the frame cryptor and passed to the decoder */
  uint64_t audio_frames_opened;
  uint64_t frames_mismatch;         /* receive outcomes of the frame format, audio + video */
  uint64_t frames_integrity_failure;
  uint64_t frames_replay;
  uint64_t frames_dropped_other;    /* no codec for the payload type, errors */
  uint64_t frames_unencrypted;      /* frames of a stream without E2EE (not opened) */
  uint64_t mismatch_episodes;
  uint64_t video_frames_decoded;
  uint64_t video_frames_dropped;    /* by the decoder / jitter buffer */
  uint64_t packets_lost;
  uint64_t bytes_received;
  double video_bitrate_bps;         /* over the last stats interval */
  double audio_bitrate_bps;
  double video_fps;                 /* decoded frames per second */
  int video_width;
  int video_height;
  double rtt_ms;                    /* -1 unknown */
  double jitter_buffer_delay_ms;    /* mean, video */
  uint32_t encryption_epoch;        /* epoch id of the last frame opened, 0 none */
  otc_bool e2ee;                    /* whether the stream's frames are opened */
  otc_bool in_mismatch;
  /* The selected ICE candidate pair: "host", "srflx", "prflx" or "relay" ("" before one is
   * selected), and how a relay local candidate reaches its TURN server ("udp", "tcp", "tls";
   * "" otherwise). */
  char local_candidate_type[8];
  char remote_candidate_type[8];
  char relay_protocol[8];
} otc_subscriber_stats;

otc_status otc_subscriber_get_stats(otc_subscriber *subscriber, otc_subscriber_stats *stats);
/** What the media check read so far (see otc_media_check). */
otc_status otc_subscriber_get_media_check(otc_subscriber *subscriber, otc_media_check *check);

/** Unsubscribes if needed and frees. NULL is a no-op. Must not be called from one of the
 *  subscriber's own callbacks. Subscribers never deleted are shut down at process exit. */
otc_status otc_subscriber_delete(otc_subscriber *subscriber);

#ifdef __cplusplus
}
#endif

#endif /* OTC_SUBSCRIBER_H */
