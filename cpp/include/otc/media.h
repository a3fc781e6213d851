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
