/* node-otc: additions to the SDK's subscribers (opentok/subscriber.h). Every frame of an
 * end-to-end encrypted stream is opened (docs/e2ee-frame-format.md) before the decoder; a frame
 * that does not decrypt never reaches it. */
#ifndef OTC_SUBSCRIBER_H
#define OTC_SUBSCRIBER_H

#include <stddef.h>
#include <stdint.h>

#include "../opentok/audio_data.h"
#include "../opentok/subscriber.h"
#include "base.h"
#include "media.h"
#include "session.h"

#ifdef __cplusplus
extern "C" {
#endif

/** node-otc addition: callbacks the SDK's struct has no field for. Any member may be NULL; they
 *  get the user_data of the subscriber's otc_subscriber_callbacks. */
struct otc_subscriber_extension_callbacks {
  /** Decoded audio of this stream, the later SDKs' otc_subscriber_callbacks.on_audio_data:
   *  10 ms of 16-bit interleaved PCM at a time (opentok/audio_data.h), after the subscriber's
   *  audio volume, on libwebrtc's audio thread (return quickly; the buffer is valid during the
   *  call only). */
  void (*on_audio_data)(otc_subscriber *subscriber, void *user_data, const struct otc_audio_data *audio_data);
  /** Frames decrypt again after an OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH error (as the web
   *  SDK's encryptionSecretMatch), on the session's thread. */
  void (*on_encryption_secret_match)(otc_subscriber *subscriber, void *user_data);
  void *reserved; /* must be NULL */
};

/** node-otc addition: sets (copies) the extension callbacks; NULL clears them. Only while not
 *  subscribed (before otc_session_subscribe, or after on_disconnected): OTC_MEDIA_ILLEGAL_STATE
 *  otherwise; OTC_MEDIA_INVALID_PARAMETER for a NULL subscriber. */
otc_status otc_subscriber_set_extension_callbacks(otc_subscriber *subscriber,
                                                  const struct otc_subscriber_extension_callbacks *callbacks);

/* What node-otc's subscribers report through on_error: OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH
 * (6003: frames arrive that this secret cannot open; once per episode),
 * OTC_SUBSCRIBER_DECRYPTION_INTERNAL_ERROR (6002), OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM
 * (1604), OTC_SUBSCRIBER_WEBRTC_ERROR (1600), OTC_SUBSCRIBER_TIMED_OUT (1542). */

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
/* node-otc addition: verify-only subscriptions, for load tests and bots that check what arrives
 * without paying for decoding. Every frame is still opened by the frame cryptor (or, without
 * end-to-end encryption, taken as received) and counted; none reaches a decoder: audio frames
 * are dropped after counting, video frames reach libwebrtc's frame buffer with their payload
 * replaced, so the receive path keeps its timing and asks for no key frames, and no video decoder
 * is ever allocated. There are no on_render_frame or on_audio_data calls in this mode. */

/** What one kind (audio or video) of a subscription received. Counted for every subscription,
 *  verify-only or not, while that kind is subscribed to; reset by each otc_session_subscribe. */
struct otc_subscriber_verify_kind_stats {
  uint64_t frames_opened;        /* opened by the frame cryptor (received, without E2EE) */
  uint64_t bytes_opened;         /* their payload bytes after opening */
  uint64_t key_frames;           /* video key frames among them */
  uint64_t not_opened_mismatch;  /* frames this secret cannot open (a wrong secret) */
  uint64_t not_opened_integrity; /* authentication failed: damaged or forged */
  uint64_t not_opened_replay;    /* a frame counter seen before */
  uint64_t not_opened_other;     /* no codec for the payload type, internal errors */
  /* Frames missing between frames opened: audio from RTP sequence numbers; video from frame ids
   * when the connection carries them, else from RTP timestamps against the stream's frame
   * interval (the smallest recent step; a step under 1.75 intervals is jitter, one over 5 s a
   * pause). Frames a publisher's encoder skipped count too. */
  uint64_t gaps;
  /* Arrival gaps between frames opened longer than max(3 x the mean of the last 30,
   * mean + 150 ms), WebRTC's freeze rule, their count and summed duration. */
  uint64_t freezes;
  double freeze_ms;
  double max_gap_ms;             /* longest time between two frames opened */
  int64_t first_frame_time_us;   /* when the first frame was opened, CLOCK_MONOTONIC; 0 none */
  int64_t last_frame_time_us;    /* when the last one was */
};

struct otc_subscriber_verify_stats {
  otc_bool verify_only;          /* the subscriber's setting now */
  struct otc_subscriber_verify_kind_stats video;
  struct otc_subscriber_verify_kind_stats audio;
};

/** node-otc addition: receive without decoding (see above), or decode again. Any time, before or
 *  during a subscription; leaving verify-only asks the publisher for a key frame, and decoding
 *  resumes from it. OTC_MEDIA_INVALID_PARAMETER for a NULL subscriber. */
otc_status otc_subscriber_set_verify_only(otc_subscriber *subscriber, otc_bool verify_only);
otc_bool otc_subscriber_get_verify_only(const otc_subscriber *subscriber);
/** node-otc addition: the counts above so far (each counter read atomically; the set is not one
 *  snapshot). OTC_MEDIA_INVALID_PARAMETER for NULL arguments. */
otc_status otc_subscriber_get_verify_stats(otc_subscriber *subscriber, struct otc_subscriber_verify_stats *stats);

/** What the media check read so far (see otc_media_check). A verify-only subscription has no
 *  pixels to read: its check gives the verify counts of its video instead (frames_received: frames
 *  opened, frames_lost: gaps, freezes, max_gap_ms, first_frame_time_us), frames_decoded 0, no
 *  frame numbers, latency 0 (unknown). */
otc_status otc_subscriber_get_media_check(otc_subscriber *subscriber, otc_media_check *check);

#ifdef __cplusplus
}
#endif

#endif /* OTC_SUBSCRIBER_H */
