/* node-otc, Linux SDK interface: the custom audio device.
 *
 * One audio device serves the whole process: it captures what every publisher sends and plays
 * what every subscriber receives. Without a custom device the library uses its default one (see
 * the README: PulseAudio, or the stand-in named by the OTC_AUDIO_DEVICE environment variable).
 *
 * An application that brings its own device fills in otc_audio_device_callbacks and passes it
 * to otc_set_audio_device, before it connects a session. From then on:
 *  - capture: once a publisher sends audio the library calls init (first use), init_capturer,
 *    get_capture_settings and start_capturer; the application then hands captured PCM to
 *    otc_audio_device_write_capture_data from any thread, in pieces of any size. When the last
 *    publisher stops, the library calls stop_capturer and destroy_capturer (only after a
 *    start_capturer that succeeded).
 *  - playout: once a subscriber receives audio the library calls init (first use),
 *    init_renderer, get_render_settings and start_renderer; the application then takes mixed
 *    PCM with otc_audio_device_read_render_data from any thread. stop_renderer and
 *    destroy_renderer follow when the last subscriber stops.
 *  - destroy is called when neither capture nor playout runs any more after init succeeded, so
 *    the device may be freed once the application's sessions, publishers and subscribers are
 *    deleted. otc_destroy calls none of the callbacks.
 * PCM is signed 16-bit, channels interleaved, at the rate and channel count the settings
 * callbacks give (8000..192000 Hz in steps of 100, 1 or 2 channels; 48000 Hz mono when a
 * settings callback is NULL or fails). Every callback may be NULL; all run on library threads,
 * never while the library holds a lock that the two data calls take. The is_* callbacks are
 * not called: the library keeps track of the device's state itself.
 * The callbacks struct is copied; user_data must stay valid while callbacks can come. */
#ifndef OTC_SDK_AUDIO_DEVICE_H
#define OTC_SDK_AUDIO_DEVICE_H

#include <stdlib.h>

#include "config.h"
#include "base.h"

OTC_BEGIN_DECL

/* The device as the library passes it to the callbacks; opaque. */
typedef struct otc_audio_device otc_audio_device;

/* PCM format of one direction of the device. */
struct otc_audio_device_settings {
  int sampling_rate;      /* samples per second and channel */
  int number_of_channels; /* 1 or 2 */
};

/* Each otc_bool callback returns OTC_TRUE for success. */
struct otc_audio_device_callbacks {
  otc_bool (*init)(const otc_audio_device* audio_device, void* user_data);
  otc_bool (*destroy)(const otc_audio_device* audio_device, void* user_data);
  otc_bool (*init_capturer)(const otc_audio_device* audio_device, void* user_data);
  otc_bool (*destroy_capturer)(const otc_audio_device* audio_device, void* user_data);
  otc_bool (*start_capturer)(const otc_audio_device* audio_device, void* user_data);
  otc_bool (*stop_capturer)(const otc_audio_device* audio_device, void* user_data);
  otc_bool (*is_capturer_initialized)(const otc_audio_device* audio_device, void* user_data);
  otc_bool (*is_capturer_started)(const otc_audio_device* audio_device, void* user_data);
  /* Milliseconds between sound reaching the microphone and its samples being written; asked
   * when capture starts. */
  int (*get_estimated_capture_delay)(const otc_audio_device* audio_device, void* user_data);
  otc_bool (*get_capture_settings)(const otc_audio_device* audio_device, void* user_data,
                                   struct otc_audio_device_settings* settings);
  otc_bool (*init_renderer)(const otc_audio_device* audio_device, void* user_data);
  otc_bool (*destroy_renderer)(const otc_audio_device* audio_device, void* user_data);
  otc_bool (*start_renderer)(const otc_audio_device* audio_device, void* user_data);
  otc_bool (*stop_renderer)(const otc_audio_device* audio_device, void* user_data);
  otc_bool (*is_renderer_initialized)(const otc_audio_device* audio_device, void* user_data);
  otc_bool (*is_renderer_started)(const otc_audio_device* audio_device, void* user_data);
  /* Milliseconds between samples being read and their sound leaving the speaker; asked when
   * playout starts. */
  int (*get_estimated_render_delay)(const otc_audio_device* audio_device, void* user_data);
  otc_bool (*get_render_settings)(const otc_audio_device* audio_device, void* user_data,
                                  struct otc_audio_device_settings* settings);
  void* user_data;
  void* reserved; /* leave NULL */
};

/* Copies up to number_of_samples int16 values (interleaved when stereo) of the subscribers'
 * mixed audio into buffer; returns how many were copied: 0 while playout is not started or no
 * custom device is set. */
OTC_DECL(size_t)
otc_audio_device_read_render_data(int16_t* buffer, size_t number_of_samples);

/* Hands number_of_samples captured int16 values (interleaved when stereo) to the publishers;
 * copied before the call returns. Samples written while capture is not started are dropped.
 * OTC_INVALID_PARAM for a NULL buffer with a non-zero count; OTC_FATAL when no custom device
 * is set. */
OTC_DECL(otc_status)
otc_audio_device_write_capture_data(const int16_t* buffer, size_t number_of_samples);

/* Makes callbacks (copied) the process's audio device, replacing the current one (a device in
 * use is stopped and the new one started in its place); NULL goes back to the default device.
 * Call it before connecting a session. The choice lasts for the process, across otc_destroy
 * and otc_init. */
OTC_DECL(otc_status)
otc_set_audio_device(const struct otc_audio_device_callbacks* callbacks);

OTC_END_DECL

#endif /* OTC_SDK_AUDIO_DEVICE_H */
