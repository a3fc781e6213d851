/* A custom audio device written as an SDK application would write it, in C (audio_device_app.c):
 * a capture thread pushes a sine tone with otc_audio_device_write_capture_data in pieces that are
 * not 10 ms, a render thread pulls with otc_audio_device_read_render_data and measures how much
 * of what it gets is a given tone. Every callback is logged, in order. */
#ifndef OTC_TEST_AUDIO_DEVICE_APP_H
#define OTC_TEST_AUDIO_DEVICE_APP_H

#include <opentok/audio_device.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct test_audio_device test_audio_device;

/* capture_hz: the tone the device captures; listen_hz: the tone the renderer looks for. */
test_audio_device *test_audio_device_new(double capture_hz, double listen_hz, int capture_rate,
                                         int render_rate);
void test_audio_device_delete(test_audio_device *device);
const struct otc_audio_device_callbacks *test_audio_device_callbacks(test_audio_device *device);

/* The callbacks' names so far, comma-separated ("init,init_capturer,..."); copied into out. */
void test_audio_device_log(test_audio_device *device, char *out, size_t capacity);
/* Render windows (100 ms each) analysed so far, and how many were mostly the listened-for tone. */
long test_audio_device_windows(test_audio_device *device);
long test_audio_device_tone_windows(test_audio_device *device);
/* The loudest rendered sample (absolute) of the windows completed since the last reset. */
int test_audio_device_peak(test_audio_device *device);
void test_audio_device_reset_peak(test_audio_device *device);
/* Capture writes that returned something other than OTC_SUCCESS. */
long test_audio_device_write_errors(test_audio_device *device);
/* Whether a capture / render thread runs now. */
int test_audio_device_capturing(test_audio_device *device);
int test_audio_device_rendering(test_audio_device *device);

/* Goertzel: the share of the signal's energy at hz (0..1). */
double test_audio_tone_share(const int16_t *samples, size_t count, int rate, double hz);

#ifdef __cplusplus
}
#endif

#endif
