#define _GNU_SOURCE /* M_PI, clock_nanosleep */
#include "audio_device_app.h"

#include <math.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CAPTURE_PIECE 333 /* samples per write: deliberately not 10 ms */
#define RENDER_PIECE 256  /* samples per read */
#define MAX_RATE 48000

struct test_audio_device {
  struct otc_audio_device_callbacks callbacks;
  double capture_hz, listen_hz;
  int capture_rate, render_rate;
  pthread_mutex_t mutex;
  char log[8192];
  pthread_t capture_thread, render_thread;
  atomic_int capture_run, render_run, capturing, rendering;
  atomic_long windows, tone_windows, write_errors;
  atomic_int peak; /* the loudest sample of the windows since the last reset */
};

static void note(struct test_audio_device *d, const char *event) {
  pthread_mutex_lock(&d->mutex);
  size_t used = strlen(d->log);
  if (used + strlen(event) + 2 < sizeof d->log) {
    if (used) d->log[used++] = ',';
    strcpy(d->log + used, event);
  }
  pthread_mutex_unlock(&d->mutex);
}

static void add_ns(struct timespec *t, long ns) {
  t->tv_nsec += ns;
  while (t->tv_nsec >= 1000000000L) {
    t->tv_nsec -= 1000000000L;
    t->tv_sec += 1;
  }
}

double test_audio_tone_share(const int16_t *samples, size_t count, int rate, double hz) {
  const double coefficient = 2.0 * cos(2.0 * M_PI * hz / rate);
  double s1 = 0, s2 = 0, energy = 0;
  for (size_t i = 0; i < count; ++i) {
    const double x = samples[i];
    const double s0 = x + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  if (energy <= 0) return 0;
  const double power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  /* A pure tone of N samples puts N/2 * energy into the bin. */
  return power / (energy * (double)count / 2.0);
}

static void *capture_main(void *arg) {
  struct test_audio_device *d = arg;
  int16_t piece[CAPTURE_PIECE];
  double phase = 0;
  const double step = 2.0 * M_PI * d->capture_hz / d->capture_rate;
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  atomic_store(&d->capturing, 1);
  while (atomic_load(&d->capture_run)) {
    for (int i = 0; i < CAPTURE_PIECE; ++i) {
      piece[i] = (int16_t)(12000.0 * sin(phase));
      phase += step;
      if (phase > 2.0 * M_PI) phase -= 2.0 * M_PI;
    }
    if (otc_audio_device_write_capture_data(piece, CAPTURE_PIECE) != OTC_SUCCESS) atomic_fetch_add(&d->write_errors, 1);
    add_ns(&next, (long)(1e9 * CAPTURE_PIECE / d->capture_rate));
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
  atomic_store(&d->capturing, 0);
  return NULL;
}

static void *render_main(void *arg) {
  struct test_audio_device *d = arg;
  static const size_t window_capacity = MAX_RATE / 10;
  int16_t window[MAX_RATE / 10];
  const size_t window_size = (size_t)d->render_rate / 10; /* 100 ms */
  size_t filled = 0;
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  (void)window_capacity;
  atomic_store(&d->rendering, 1);
  while (atomic_load(&d->render_run)) {
    int16_t piece[RENDER_PIECE];
    const size_t got = otc_audio_device_read_render_data(piece, RENDER_PIECE);
    for (size_t i = 0; i < got; ++i) {
      window[filled++] = piece[i];
      if (filled == window_size) {
        int loudest = 0;
        for (size_t j = 0; j < window_size; ++j) {
          const int level = abs((int)window[j]);
          if (level > loudest) loudest = level;
        }
        if (loudest > atomic_load(&d->peak)) atomic_store(&d->peak, loudest);
        atomic_fetch_add(&d->windows, 1);
        if (test_audio_tone_share(window, window_size, d->render_rate, d->listen_hz) > 0.5) {
          atomic_fetch_add(&d->tone_windows, 1);
        }
        filled = 0;
      }
    }
    add_ns(&next, (long)(1e9 * RENDER_PIECE / d->render_rate));
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
  atomic_store(&d->rendering, 0);
  return NULL;
}

static otc_bool on_init(const otc_audio_device *device, void *user_data) {
  (void)device;
  note(user_data, "init");
  return OTC_TRUE;
}
static otc_bool on_destroy(const otc_audio_device *device, void *user_data) {
  (void)device;
  note(user_data, "destroy");
  return OTC_TRUE;
}
static otc_bool on_init_capturer(const otc_audio_device *device, void *user_data) {
  (void)device;
  note(user_data, "init_capturer");
  return OTC_TRUE;
}
static otc_bool on_start_capturer(const otc_audio_device *device, void *user_data) {
  struct test_audio_device *d = user_data;
  (void)device;
  note(d, "start_capturer");
  atomic_store(&d->capture_run, 1);
  return pthread_create(&d->capture_thread, NULL, capture_main, d) == 0 ? OTC_TRUE : OTC_FALSE;
}
static otc_bool on_stop_capturer(const otc_audio_device *device, void *user_data) {
  (void)device;
  note(user_data, "stop_capturer");
  return OTC_TRUE;
}
/* As the SDK's sample does: the thread started in start_capturer is joined here, while it may be
 * inside otc_audio_device_write_capture_data. */
static otc_bool on_destroy_capturer(const otc_audio_device *device, void *user_data) {
  struct test_audio_device *d = user_data;
  (void)device;
  note(d, "destroy_capturer");
  atomic_store(&d->capture_run, 0);
  pthread_join(d->capture_thread, NULL);
  return OTC_TRUE;
}
static otc_bool on_capture_settings(const otc_audio_device *device, void *user_data,
                                    struct otc_audio_device_settings *settings) {
  struct test_audio_device *d = user_data;
  (void)device;
  note(d, "get_capture_settings");
  settings->sampling_rate = d->capture_rate;
  settings->number_of_channels = 1;
  return OTC_TRUE;
}
static otc_bool on_init_renderer(const otc_audio_device *device, void *user_data) {
  (void)device;
  note(user_data, "init_renderer");
  return OTC_TRUE;
}
static otc_bool on_start_renderer(const otc_audio_device *device, void *user_data) {
  struct test_audio_device *d = user_data;
  (void)device;
  note(d, "start_renderer");
  atomic_store(&d->render_run, 1);
  return pthread_create(&d->render_thread, NULL, render_main, d) == 0 ? OTC_TRUE : OTC_FALSE;
}
static otc_bool on_stop_renderer(const otc_audio_device *device, void *user_data) {
  (void)device;
  note(user_data, "stop_renderer");
  return OTC_TRUE;
}
static otc_bool on_destroy_renderer(const otc_audio_device *device, void *user_data) {
  struct test_audio_device *d = user_data;
  (void)device;
  note(d, "destroy_renderer");
  atomic_store(&d->render_run, 0);
  pthread_join(d->render_thread, NULL);
  return OTC_TRUE;
}
static otc_bool on_render_settings(const otc_audio_device *device, void *user_data,
                                   struct otc_audio_device_settings *settings) {
  struct test_audio_device *d = user_data;
  (void)device;
  note(d, "get_render_settings");
  settings->sampling_rate = d->render_rate;
  settings->number_of_channels = 1;
  return OTC_TRUE;
}
static int on_capture_delay(const otc_audio_device *device, void *user_data) {
  (void)device;
  (void)user_data;
  return 20;
}

test_audio_device *test_audio_device_new(double capture_hz, double listen_hz, int capture_rate, int render_rate) {
  if (capture_rate > MAX_RATE || render_rate > MAX_RATE) return NULL;
  struct test_audio_device *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->capture_hz = capture_hz;
  d->listen_hz = listen_hz;
  d->capture_rate = capture_rate;
  d->render_rate = render_rate;
  pthread_mutex_init(&d->mutex, NULL);
  /* Left NULL on purpose: the is_* callbacks and the render delay, as SDK applications do. */
  d->callbacks.init = on_init;
  d->callbacks.destroy = on_destroy;
  d->callbacks.init_capturer = on_init_capturer;
  d->callbacks.destroy_capturer = on_destroy_capturer;
  d->callbacks.start_capturer = on_start_capturer;
  d->callbacks.stop_capturer = on_stop_capturer;
  d->callbacks.get_estimated_capture_delay = on_capture_delay;
  d->callbacks.get_capture_settings = on_capture_settings;
  d->callbacks.init_renderer = on_init_renderer;
  d->callbacks.destroy_renderer = on_destroy_renderer;
  d->callbacks.start_renderer = on_start_renderer;
  d->callbacks.stop_renderer = on_stop_renderer;
  d->callbacks.get_render_settings = on_render_settings;
  d->callbacks.user_data = d;
  return d;
}

void test_audio_device_delete(test_audio_device *d) {
  if (!d) return;
  pthread_mutex_destroy(&d->mutex);
  free(d);
}

const struct otc_audio_device_callbacks *test_audio_device_callbacks(test_audio_device *d) { return &d->callbacks; }

void test_audio_device_log(test_audio_device *d, char *out, size_t capacity) {
  pthread_mutex_lock(&d->mutex);
  snprintf(out, capacity, "%s", d->log);
  pthread_mutex_unlock(&d->mutex);
}

long test_audio_device_windows(test_audio_device *d) { return atomic_load(&d->windows); }
long test_audio_device_tone_windows(test_audio_device *d) { return atomic_load(&d->tone_windows); }
int test_audio_device_peak(test_audio_device *d) { return atomic_load(&d->peak); }
void test_audio_device_reset_peak(test_audio_device *d) { atomic_store(&d->peak, 0); }
long test_audio_device_write_errors(test_audio_device *d) { return atomic_load(&d->write_errors); }
int test_audio_device_capturing(test_audio_device *d) { return atomic_load(&d->capturing); }
int test_audio_device_rendering(test_audio_device *d) { return atomic_load(&d->rendering); }
