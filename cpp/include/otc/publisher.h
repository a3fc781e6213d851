/* node-otc additions to publishers (opentok/publisher.h): codec choice, node-otc's video sources
 * (test pattern, pushed frames), a subscriber limit and aggregate stats. In a session with an
 * encryption secret every frame is sealed (docs/e2ee-frame-format.md) before it reaches the
 * packetizer, from the first frame on. */
#ifndef OTC_PUBLISHER_H
#define OTC_PUBLISHER_H

#include <stddef.h>
#include <stdint.h>

#include "../opentok/publisher.h"
#include "base.h"
#include "errors.h"
#include "media.h"
#include "session.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Project addition: where the publisher's video comes from when no custom capturer is set. */
typedef enum otc_video_source {
  OTC_VIDEO_SOURCE_TEST_PATTERN = 0, /* node-otc's test pattern (otc_publisher_settings_set_test_pattern) */
  OTC_VIDEO_SOURCE_PUSHED = 1,       /* frames from otc_publisher_push_video_frame */
  OTC_VIDEO_SOURCE_DEFAULT = 2       /* the SDK's default: OTC_VIDEO_CAPTURER (opentok/publisher.h) */
} otc_video_source;

/** Project additions to the settings. The video source defaults to OTC_VIDEO_SOURCE_DEFAULT;
 *  choosing one replaces a custom capturer set before, and setting a capturer replaces it. */
otc_status otc_publisher_settings_set_video_codec(otc_publisher_settings *settings, otc_video_codec_type codec);
otc_status otc_publisher_settings_set_video_source(otc_publisher_settings *settings, otc_video_source source);
/** Test pattern size (even, 64x64 .. 1920x1080) and rate (1..60 fps); default 640x360 at 30. */
otc_status otc_publisher_settings_set_test_pattern(otc_publisher_settings *settings, int width,
                                                   int height, int fps);

/** node-otc addition: publish pre-encoded files as they are, without decoding or re-encoding:
 *  video_file an IVF file of VP8 or VP9 frames or a raw H.264 Annex B stream (constrained
 *  baseline, no B-frames), audio_file an Ogg Opus file; either may be NULL (that kind then comes
 *  from its usual source). The format is read from the file's content, not its name, and the
 *  publisher's video codec becomes the file's (a later otc_publisher_settings_set_video_codec
 *  must agree). The files are read whole when publishing starts (at most 512 MiB each); an
 *  unreadable, malformed or unsupported file makes publishing fail through on_error
 *  (OTC_PUBLISHER_UNABLE_TO_PUBLISH, the message naming the file and the problem). Frames are
 *  sent at the file's pace, looping at the end, each one sealed by the frame cryptor in an E2EE
 *  session; a key-frame request is answered by the file's next key frame (the frames between
 *  are skipped). A video file replaces any video source or capturer; there are no
 *  on_render_frame calls (no pixels). Audio: the file's Opus packets replace the frames the
 *  Opus encoder makes from the audio device's input (which is still captured and encoded).
 *  OTC_MEDIA_INVALID_PARAMETER for a NULL settings, both files NULL, or a path over 4096 bytes. */
otc_status otc_publisher_settings_set_encoded_media(otc_publisher_settings *settings, const char *video_file,
                                                    const char *audio_file);
/** node-otc addition: the frame rate of a raw H.264 video file (which carries no timestamps),
 *  1..120; default 30. IVF and Ogg files carry their own timing. */
otc_status otc_publisher_settings_set_encoded_frame_rate(otc_publisher_settings *settings, int fps);

/** Project addition: the most peer connections (one per subscriber, relayed sessions) the
 *  publisher opens at once, 1..OTC_PUBLISHER_MAX_SUBSCRIBERS_LIMIT; default
 *  OTC_PUBLISHER_DEFAULT_MAX_SUBSCRIBERS. A subscription beyond it gets no peer connection:
 *  on_error OTC_PUBLISHER_WEBRTC_ERROR "refused a subscriber: ...", counted in
 *  otc_publisher_stats.subscribers_refused (the subscriber's side then ends on its own), so that
 *  a server cannot make the client open connections without bound. */
#define OTC_PUBLISHER_DEFAULT_MAX_SUBSCRIBERS 64
#define OTC_PUBLISHER_MAX_SUBSCRIBERS_LIMIT 256
otc_status otc_publisher_settings_set_max_subscribers(otc_publisher_settings *settings, int max_subscribers);

/** Project addition: pushes one video frame into a publisher made with OTC_VIDEO_SOURCE_PUSHED (capture time:
 *  now). format: any SDK format with pixels (opentok/video_frame.h: YUV420P, NV12, NV21, YUY2,
 *  UYVY, RGB24, the 32-bit RGB formats, MJPEG), its planes one after the other, tightly packed;
 *  size must be exactly what format, width and height need (MJPEG: the JPEG's bytes, which must
 *  be a width x height picture); width and height even, 16..3840 x 16..2160.
 *  OTC_MEDIA_INVALID_PARAMETER, OTC_MEDIA_ILLEGAL_STATE (not a pushed source). The frame is
 *  copied (converted to I420) before the call returns. Frames pushed while nobody subscribes are
 *  dropped, as a camera's would be. */
otc_status otc_publisher_push_video_frame(otc_publisher *publisher, enum otc_video_frame_format format,
                                          int width, int height, const uint8_t *data, size_t size);

/** node-otc addition: called each time a moderator mutes this publisher (one stream, or all of
 *  the session's: otc_session_force_mute_stream / _all), after its audio was turned off as
 *  otc_publisher_set_publish_audio(publisher, OTC_FALSE) does, with the user_data of its
 *  otc_publisher_callbacks, on the session's callback thread. May be set or changed (NULL removes
 *  it) at any time; a call already under way completes. OTC_MEDIA_INVALID_PARAMETER for a NULL
 *  publisher. */
typedef void (*otc_publisher_mute_forced_cb)(otc_publisher *publisher, void *user_data);
otc_status otc_publisher_set_mute_forced_callback(otc_publisher *publisher, otc_publisher_mute_forced_cb callback);

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

/** Project addition: the stream id while published, else NULL. Valid until the publisher is unpublished. */
const char *otc_publisher_get_stream_id(otc_publisher *publisher);

#ifdef __cplusplus
}
#endif

#endif /* OTC_PUBLISHER_H */
