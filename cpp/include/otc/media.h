/* node-otc: media shared by publishers and subscribers: video codecs and frames, the built-in
 * test pattern and its media check, and the synthetic audio device (capture and playout of
 * 10 ms PCM frames at 48 kHz; there is no sound card). */
#ifndef OTC_MEDIA_H
#define OTC_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "../opentok/media_utils.h"
#include "../opentok/video_frame.h"
#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Video codecs are the SDK's otc_video_codec_type (opentok/media_utils.h); VP8 is the default. */

/** "VP8", "VP9", "H264"; NULL for OTC_VIDEO_CODEC_UNKNOWN and values outside the enum. */
const char *otc_video_codec_name(otc_video_codec_type codec);

/* Video frames are the SDK's (opentok/video_frame.h). A subscriber's on_render_frame gets
 * YUV420P frames over libwebrtc's decoded buffer, valid during the callback only
 * (otc_video_frame_copy keeps one). */

/** node-otc addition: the frame's timestamp in microseconds (otc_video_frame_get_timestamp gives
 *  milliseconds). Rendered frames: libwebrtc's render time, on its monotonic clock. */
int64_t otc_video_frame_get_timestamp_us(const otc_video_frame *frame);

/** The built-in test pattern: moving bars and, in a band of blocks along the top edge that
 *  survives lossy compression and scaling, the frame's number and capture time. */
#define OTC_TEST_PATTERN_DEFAULT_WIDTH 640
#define OTC_TEST_PATTERN_DEFAULT_HEIGHT 360
#define OTC_TEST_PATTERN_DEFAULT_FPS 30

/** What a subscriber's media check read from the test pattern's code in the frames it decoded
 *  (frames without a readable code, e.g. from a pushed source, count only as unreadable). */
typedef struct otc_media_check {
  uint64_t frames_decoded;     /* every decoded frame the check looked at */
  uint64_t frames_received;    /* frames with a readable code, each frame number counted once */
  uint64_t frames_unreadable;  /* decoded frames without a readable code */
  uint64_t frames_lost;        /* numbers missing between the first and the highest seen */
  uint64_t frames_repeated;    /* a frame number delivered again (a frozen picture) */
  uint64_t frames_out_of_order;/* a number below the highest seen, not seen before */
  uint64_t freezes;            /* gaps between new frames over max(3 x mean, mean + 150 ms) */
  double max_gap_ms;           /* longest time between two new frames */
  double latency_mean_ms;      /* capture (publisher's clock) to decode: same machine only */
  double latency_p50_ms;
  double latency_p95_ms;
  double latency_max_ms;
  uint32_t first_frame_number;
  uint32_t last_frame_number;  /* the highest seen */
  int64_t first_frame_time_us; /* when the first readable frame was decoded (CLOCK_MONOTONIC) */
} otc_media_check;

/** node-otc addition: the media check for programs that cannot call it (an unmodified Linux SDK
 *  application run as a CI test). When the environment variable names a file, every subscription
 *  that ends (unsubscribed, deleted, its stream or session gone) appends one line of JSON to it:
 *    {"type":"subscriber","stream_id":"...","e2ee":true,"end":"clientUnsubscribed",
 *     "frames_decoded":N,"frames_received":N,"frames_unreadable":N,"frames_lost":N,
 *     "frames_repeated":N,"freezes":N,"max_gap_ms":X,"first_frame_number":N,
 *     "last_frame_number":N,"width":W,"height":H,"video_frames_opened":N,"audio_frames_opened":N,
 *     "frames_mismatch":N,"frames_integrity_failure":N,"frames_replay":N,"decrypt_failures":N,
 *     "audio_blocks":N,"audio_samples":N,"audio_loud_blocks":N,"audio_peak":N,"pid":N,
 *     "verify_only":false,"verify_video_frames":N,"verify_video_gaps":N,"verify_video_freezes":N,
 *     "verify_video_freeze_ms":X,"verify_video_fps":X,"verify_video_not_opened":N,
 *     "verify_audio_frames":N,"verify_audio_gaps":N}
 *  (the media check's figures as in otc_media_check, the last decoded frame's size, the frame
 *  cryptor's outcomes (decrypt_failures: frames that did not open, mismatch + integrity
 *  failure; a replayed frame is a duplicate, dropped, and counted apart), and the decoded audio: 10 ms blocks, samples per channel, blocks louder
 *  than -40 dBFS, the largest sample), the verify counts (otc_subscriber_verify_stats, for
 *  every subscription; verify_video_fps over the first to the last frame opened; a verify-only
 *  subscription's media-check figures are its video's verify counts), and every publication that ends appends
 *    {"type":"publisher","stream_id":"...","e2ee":true,"end":"clientUnpublished",
 *     "video_frames_captured":N,"video_frames_sent":N,"video_frames_sealed":N,
 *     "audio_frames_sent":N,"audio_frames_sealed":N,"seal_errors":N,"width":W,"height":H,
 *     "subscribers":N,"pid":N}
 *  The publisher's video_frames_sent and size come from the transport's statistics, refreshed
 *  once a second (0 in a publication shorter than that); video_frames_sealed counts exactly.
 *  Lines are written by a thread of the library's own, never by the media threads or the
 *  caller; at most 1024 wait at a time (more are dropped, and the next line says how many in
 *  "lines_dropped_before"). otc_destroy waits up to 2 s for the queued lines. Keys may be added
 *  in later versions; readers should ignore keys they do not know. */
#define OTC_MEDIA_CHECK_REPORT_ENV "OTC_MEDIA_CHECK_REPORT"

/* The synthetic audio device (a node-otc addition): one per process, shared by every publisher
 * (capture) and subscriber (playout, discarded), like the Linux SDK's audio device. Capture is
 * mono 16-bit PCM at 48 kHz, taken 10 ms (480 samples) at a time on the device's own clock;
 * silence until told otherwise. Each call below makes it the process's audio device in place
 * of the default one (PulseAudio, or the stand-in OTC_AUDIO_DEVICE names) or an application's
 * device (opentok/audio_device.h). Needs otc_init. */
#define OTC_AUDIO_SAMPLE_RATE 48000
#define OTC_AUDIO_SAMPLES_PER_FRAME 480
/** How much pushed audio the device buffers (1 s); more is refused with OTC_MEDIA_BUFFER_FULL. */
#define OTC_AUDIO_MAX_BUFFERED_SAMPLES 48000

/** Makes the synthetic device the process's audio device, keeping what it captures. */
otc_status otc_audio_select_synthetic_device(void);
/** Captures silence. */
otc_status otc_audio_capture_silence(void);
/** Captures a sine tone: frequency in 20..20000 Hz, amplitude in (0, 1]. */
otc_status otc_audio_capture_tone(double frequency_hz, double amplitude);
/** Switches to pushed PCM and queues samples (mono, 48 kHz, any count up to the free space;
 *  copied before the call returns). When the queue runs dry the device captures silence until
 *  more arrives. */
otc_status otc_audio_push_capture_samples(const int16_t *samples, size_t count);
/** Samples queued and not yet captured. */
size_t otc_audio_buffered_capture_samples(void);

#ifdef __cplusplus
}
#endif

#endif /* OTC_MEDIA_H */
