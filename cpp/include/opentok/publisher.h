/* node-otc, Linux SDK interface: publishers (the audio and video a client sends into a session).
 *
 * Video comes from the application's capturer (opentok/video_capturer.h) or, when none is
 * given, from the default source, which the environment variable OTC_VIDEO_CAPTURER chooses:
 *   camera              the first V4L2 camera (/dev/video*), as the SDK captures; unset means
 *                       this too;
 *   camera:DEVICE       the camera at node DEVICE (/dev/videoN), or the one with that name or
 *                       unique id (its driver's card name or bus id);
 *   pattern[:WxH@FPS]   node-otc's moving test pattern (default 640x360@30), which node-otc's
 *                       media check recognises at the far end;
 *   file:PATH.y4m       a YUV4MPEG2 (4:2:0) file, played in a loop at its own frame rate.
 * The camera captures at the size it offers nearest the capture resolution setting (default
 * MEDIUM, 640x480), at up to 30 frames per second, from otc_session_publish until unpublished.
 * No camera (machines without /dev/video*, containers, CI), a device that is not a camera, or a
 * bad value makes otc_session_publish return OTC_PUBLISHER_UNABLE_TO_PUBLISH and on_error report
 * it with a message saying why and naming the OTC_VIDEO_CAPTURER stand-ins. A camera that stops
 * while published (unplugged, or silent for 10 s) is reported the same way through on_error;
 * the stream stays, without video. (The SDK's generic codes for these, OTC_CAMERA_FAILED and
 * OTC_VIDEO_CAPTURE_FAILED, are not publisher error codes.)
 * node-otc additions (codec choice, pushed frames, aggregate stats, ...) are in otc/publisher.h. */
#ifndef OTC_SDK_PUBLISHER_H
#define OTC_SDK_PUBLISHER_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "camera_capture_resolution.h"
#include "config.h"
#include "stream.h"
#include "video_capturer.h"
#include "video_frame.h"

OTC_BEGIN_DECL

#ifndef OTC_SESSION_FWD_DECL
#define OTC_SESSION_FWD_DECL
typedef struct otc_session otc_session;
#endif
typedef struct otc_publisher otc_publisher;
typedef struct otc_publisher_settings otc_publisher_settings;

/* What a publisher's on_error reports. A publish into an end-to-end encrypted session without a
 * secret reports the session's OTC_SESSION_ENCRYPTION_SECRET_MISSING (6000), as the SDK does. */
enum otc_publisher_error_code {
  OTC_PUBLISHER_SESSION_DISCONNECTED = 1010,
  OTC_PUBLISHER_UNABLE_TO_PUBLISH = 1500,
  OTC_PUBLISHER_TIMED_OUT = 1541,
  OTC_PUBLISHER_WEBRTC_ERROR = 1610,
  OTC_PUBLISHER_INTERNAL_ERROR = 2000,
  OTC_PUBLISHER_ENCRYPTION_INTERNAL_ERROR = 6001,
  OTC_PUBLISHER_ENCRYPTION_UNSUPPORTED_CODEC = 6005
};

/* What the publisher tells subscribers its video is (a hint for them; node-otc does not encode
 * differently). */
enum otc_publisher_video_type {
  OTC_PUBLISHER_VIDEO_TYPE_CAMERA = 1,
  OTC_PUBLISHER_VIDEO_TYPE_SCREEN = 2
};

/* One entry a peer connection of the publisher (one per subscriber in relayed sessions, the one
 * to the media router in routed sessions). connection_id and subscriber_id name the far end where
 * known ("" otherwise); timestamp and start_time are milliseconds since the epoch. */
struct otc_publisher_audio_stats {
  const char *connection_id;
  const char *subscriber_id;
  int64_t packets_lost;
  int64_t packets_sent;
  int64_t bytes_sent;
  float audio_level;
  double timestamp;
  double start_time;
};

struct otc_publisher_video_stats {
  const char *connection_id;
  const char *subscriber_id;
  int64_t packets_lost;
  int64_t packets_sent;
  int64_t bytes_sent;
  double timestamp;
  double start_time;
};

/* Callbacks run on the library's threads (never a media thread); what they are handed is valid
 * during the call only. Any may be NULL. A callback must not delete its own publisher. */
struct otc_publisher_callbacks {
  /* The session server accepted the stream. */
  void (*on_stream_created)(otc_publisher *publisher, void *user_data, const otc_stream *stream);
  void (*on_stream_destroyed)(otc_publisher *publisher, void *user_data, const otc_stream *stream);
  /* Every picture the publisher sends (and, before publishing, would send), as a YUV420P frame. */
  void (*on_render_frame)(otc_publisher *publisher, void *user_data, const otc_video_frame *frame);
  /* Not called yet by node-otc (audio level and per-connection stats; otc_publisher_get_stats,
   * a node-otc addition, has the figures meanwhile). */
  void (*on_audio_level_updated)(otc_publisher *publisher, void *user_data, float audio_level);
  void (*on_audio_stats)(otc_publisher *publisher, void *user_data,
                         struct otc_publisher_audio_stats audio_stats[], size_t number_of_stats);
  void (*on_video_stats)(otc_publisher *publisher, void *user_data,
                         struct otc_publisher_video_stats video_stats[], size_t number_of_stats);
  void (*on_error)(otc_publisher *publisher, void *user_data, const char *error_string,
                   enum otc_publisher_error_code error_code);
  void *user_data;
  void *reserved;
};

/* One peer connection's WebRTC statistics, as libwebrtc's JSON array of stats objects. */
struct otc_publisher_rtc_stats {
  const char *connection_id;
  const char *json_array_of_reports;
};

/* Where otc_publisher_get_rtc_stats_report delivers (user_data comes first here, unlike the
 * other callback structs). */
struct otc_publisher_rtc_stats_report_cb {
  void *user_data;
  void (*on_rtc_stats_report)(otc_publisher *publisher, void *user_data,
                              const struct otc_publisher_rtc_stats *stats, size_t number_of_stats);
  void *reserved;
};

/* A publisher named name (NULL: no name; at most 1024 bytes) with audio and video; capturer NULL
 * for the default video source (above). The structs are copied. NULL for a name too long or when
 * out of memory. With a capturer, its init, get_capture_settings and start run before this
 * returns; a failing init or start makes the publisher report OTC_PUBLISHER_UNABLE_TO_PUBLISH
 * once published. */
OTC_DECL(otc_publisher *) otc_publisher_new(const char *name,
                                            const struct otc_video_capturer_callbacks *capturer,
                                            const struct otc_publisher_callbacks *callbacks);

OTC_DECL(otc_publisher_settings *) otc_publisher_settings_new(void);
/* NULL is OTC_INVALID_PARAM. */
OTC_DECL(otc_status) otc_publisher_settings_delete(otc_publisher_settings *settings);
OTC_DECL(otc_status) otc_publisher_settings_set_name(otc_publisher_settings *settings, const char *name);
/* The callbacks are copied; NULL goes back to the default video source. */
OTC_DECL(otc_status) otc_publisher_settings_set_video_capturer(otc_publisher_settings *settings,
                                                               const struct otc_video_capturer_callbacks *capturer);
/* Whether the stream has audio / video (both default true; not both false). */
OTC_DECL(otc_status) otc_publisher_settings_set_audio_track(otc_publisher_settings *settings, otc_bool enabled);
OTC_DECL(otc_status) otc_publisher_settings_set_video_track(otc_publisher_settings *settings, otc_bool enabled);
/* Stereo audio: accepted; node-otc sends Opus as libwebrtc negotiates it (mono capture). */
OTC_DECL(otc_status) otc_publisher_settings_set_stereo(otc_publisher_settings *settings, otc_bool enabled);

/* Later SDKs' settings. Echo cancellation, automatic gain control and noise suppression switch
 * libwebrtc's audio processing of the captured audio (unset: libwebrtc's defaults). Opus DTX and
 * scalable screen sharing are accepted and kept: node-otc neither negotiates DTX nor sends
 * simulcast layers yet. The camera's capture resolution chooses the default camera's size
 * (LOW 320x240, MEDIUM 640x480, HIGH 1280x720, 1080P 1920x1080, or the nearest it offers). */
OTC_DECL(otc_status) otc_publisher_settings_set_opus_dtx(otc_publisher_settings *settings, otc_bool enabled);
OTC_DECL(otc_status) otc_publisher_settings_set_auto_gain_control(otc_publisher_settings *settings, otc_bool enabled);
OTC_DECL(otc_status) otc_publisher_settings_set_noise_suppression(otc_publisher_settings *settings, otc_bool enabled);
OTC_DECL(otc_status) otc_publisher_settings_set_echo_cancellation(otc_publisher_settings *settings, otc_bool enabled);
OTC_DECL(otc_status) otc_publisher_settings_set_default_camera_capture_resolution(
    otc_publisher_settings *settings, enum otc_camera_capture_resolution camera_capture_resolution);
OTC_DECL(otc_status) otc_publisher_settings_set_scalable_screenshare(otc_publisher_settings *settings, otc_bool enabled);

/* As otc_publisher_new, with settings (read, not kept). NULL for invalid settings (audio and
 * video both off). */
OTC_DECL(otc_publisher *) otc_publisher_new_with_settings(const struct otc_publisher_callbacks *callbacks,
                                                          otc_publisher_settings *settings);

/* Unpublishes if needed, stops the capturer (stop, destroy), closes every peer connection and
 * frees. NULL is a no-op. Not from the publisher's own callbacks. */
OTC_DECL(otc_status) otc_publisher_delete(otc_publisher *publisher);

/* The publisher's stream while published, else NULL; valid until it is unpublished. */
OTC_DECL(otc_stream *) otc_publisher_get_stream(otc_publisher *publisher);

/* Stops or resumes sending video / audio (the far end gets black / silence). */
OTC_DECL(otc_status) otc_publisher_set_publish_video(otc_publisher *publisher, otc_bool publish_video);
OTC_DECL(otc_status) otc_publisher_set_publish_audio(otc_publisher *publisher, otc_bool publish_audio);
OTC_DECL(otc_bool) otc_publisher_get_publish_video(const otc_publisher *publisher);
OTC_DECL(otc_bool) otc_publisher_get_publish_audio(const otc_publisher *publisher);

/* The session it is published in (or being published in), else NULL. */
OTC_DECL(otc_session *) otc_publisher_get_session(const otc_publisher *publisher);

/* Caps the audio bitrate, bits per second, 6000..510000 (Opus' range); applies to peer
 * connections made from then on and those open now. */
OTC_DECL(otc_status) otc_publisher_set_max_audio_bitrate(otc_publisher *publisher, uint32_t bitrate);

/* Not available yet: both return OTC_NOT_SUPPORTED (otc/errors.h), or OTC_INVALID_PARAM for NULL. */
OTC_DECL(otc_status) otc_publisher_set_rtc_stats_report_cb(otc_publisher *publisher,
                                                           const struct otc_publisher_rtc_stats_report_cb cb);
OTC_DECL(otc_status) otc_publisher_get_rtc_stats_report(const otc_publisher *publisher);

/* Audio fallback (dropping video when the network cannot carry it) needs the SDK's media
 * router: the setting is kept and reported, and changes nothing here. */
OTC_DECL(otc_status) otc_publisher_set_audio_fallback_enabled(otc_publisher *publisher, otc_bool enabled);
OTC_DECL(otc_bool) otc_publisher_get_audio_fallback_enabled(const otc_publisher *publisher);

/* A unique id of this publisher object (a UUID), valid as long as it. */
OTC_DECL(const char *) otc_publisher_get_publisher_id(const otc_publisher *publisher);

/* Camera by default; told to the session server when publishing. */
OTC_DECL(otc_status) otc_publisher_set_video_type(otc_publisher *publisher,
                                                  enum otc_publisher_video_type video_type);
OTC_DECL(enum otc_publisher_video_type) otc_publisher_get_video_type(const otc_publisher *publisher);

/* The user_data of the callbacks the publisher was made with. */
OTC_DECL(void *) otc_publisher_get_user_data(const otc_publisher *publisher);
/* The name it was made with ("" without one), valid as long as the publisher. */
OTC_DECL(const char *) otc_publisher_get_name(const otc_publisher *publisher);

/* Starts publishing: the session asks the server for a stream (on_stream_created follows, or
 * on_error). OTC_SESSION_NOT_CONNECTED, OTC_SESSION_ILLEGAL_STATE (already published),
 * OTC_SESSION_ENCRYPTION_SECRET_MISSING (an encrypted session without a secret),
 * OTC_PUBLISHER_UNABLE_TO_PUBLISH (no usable audio device or video source). */
OTC_DECL(otc_status) otc_session_publish(otc_session *session, otc_publisher *publisher);
/* Stops publishing; on_stream_destroyed follows. OTC_SESSION_PUBLISHER_NOT_FOUND when it is not
 * published in this session. */
OTC_DECL(otc_status) otc_session_unpublish(otc_session *session, otc_publisher *publisher);

OTC_END_DECL

#endif /* OTC_SDK_PUBLISHER_H */
