/*
 * A C program on node-otc's C API: joins an end-to-end encrypted session, publishes the test
 * pattern, subscribes to its own stream (in a routed session it comes back through the media
 * router, as everyone else would receive it), and checks the media with the subscriber's media
 * check. Exits 0 when at least 80% of the frames arrived and none failed to decrypt.
 *
 *   OTC_E2EE_SECRET='the session secret' \
 *     otc_example_c ws://127.0.0.1:8080/v1/signaling API_KEY SESSION_ID TOKEN [SECONDS]
 *
 * The secret comes from the environment so that it stays out of the process list.
 * Every callback runs on one of the library's threads: they only set flags for main().
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <otc/otc.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WIDTH 320
#define HEIGHT 180
#define FPS 30

static atomic_int connected;
static atomic_int failed;
static _Atomic(otc_stream *) own_stream;  /* copied in on_stream_created: callback pointers die with the callback */

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Waits up to timeout_ms for *flag, giving up early on a failure. */
static int wait_for(atomic_int *flag, long timeout_ms) {
  for (long waited = 0; waited < timeout_ms; waited += 20) {
    if (atomic_load(flag) || atomic_load(&failed)) return atomic_load(flag);
    sleep_ms(20);
  }
  return atomic_load(flag);
}

static void on_connected(otc_session *session, void *user_data) { atomic_store(&connected, 1); }

static void on_session_error(otc_session *session, void *user_data, const char *message,
                             enum otc_session_error_code code) {
  fprintf(stderr, "session error %s: %s\n", otc_error_name(code), message);
  atomic_store(&failed, 1);
}

static void on_stream_created(otc_publisher *publisher, void *user_data, const otc_stream *stream) {
  printf("publishing %s%s\n", otc_stream_get_id(stream), otc_stream_is_e2ee(stream) ? " (end-to-end encrypted)" : "");
  atomic_store(&own_stream, otc_stream_copy(stream));
}

static void on_publisher_error(otc_publisher *publisher, void *user_data, const char *message, enum otc_publisher_error_code code) {
  fprintf(stderr, "publisher error %s: %s\n", otc_error_name(code), message);
  atomic_store(&failed, 1);
}

static void on_subscriber_error(otc_subscriber *subscriber, void *user_data, const char *message,
                                enum otc_subscriber_error_code code) {
  fprintf(stderr, "subscriber error %s: %s\n", otc_error_name(code), message);
  atomic_store(&failed, 1);
}

int main(int argc, char **argv) {
  if (argc < 5 || argc > 6) {
    fprintf(stderr, "usage: OTC_E2EE_SECRET=... %s SIGNALING_URL API_KEY SESSION_ID TOKEN [SECONDS]\n", argv[0]);
    return 2;
  }
  const char *secret = getenv("OTC_E2EE_SECRET");
  const int seconds = argc == 6 ? atoi(argv[5]) : 5;
  if (!secret || seconds < 1) {
    fprintf(stderr, "OTC_E2EE_SECRET must hold the session's secret, and SECONDS be 1 or more\n");
    return 2;
  }
  int ok = 0;
  otc_status status = otc_init(NULL);
  if (status != OTC_SUCCESS) {
    fprintf(stderr, "otc_init: %s\n", otc_error_name(status));
    return 1;
  }

  struct otc_session_callbacks session_callbacks = {0};
  session_callbacks.on_connected = on_connected;
  session_callbacks.on_error = on_session_error;
  otc_session_settings *settings = otc_session_settings_new();
  otc_session_settings_set_signaling_url(settings, argv[1]);
  otc_session *session = otc_session_new_with_settings(argv[2], argv[3], &session_callbacks, settings);
  otc_session_settings_delete(settings);
  otc_publisher *publisher = NULL;
  otc_subscriber *subscriber = NULL;
  if (!session) {
    fprintf(stderr, "otc_session_new failed\n");
    goto done;
  }
  if ((status = otc_session_set_encryption_secret(session, secret)) != OTC_SUCCESS) {
    fprintf(stderr, "the secret is not valid: %s\n", otc_error_name(status));
    goto done;
  }
  if (otc_session_connect(session, argv[4]) != OTC_SUCCESS || !wait_for(&connected, 15000)) {
    fprintf(stderr, "could not connect\n");
    goto done;
  }
  printf("connected as %s%s\n", otc_session_get_connection_id(session),
         otc_session_is_e2ee(session) ? " to an end-to-end encrypted session" : "");

  otc_audio_capture_tone(440, 0.3);
  struct otc_publisher_callbacks publisher_callbacks = {0};
  publisher_callbacks.on_stream_created = on_stream_created;
  publisher_callbacks.on_error = on_publisher_error;
  otc_publisher_settings *publisher_settings = otc_publisher_settings_new();
  otc_publisher_settings_set_name(publisher_settings, "c example");
  /* node-otc's test pattern rather than the SDK's default (the camera, or OTC_VIDEO_CAPTURER). */
  otc_publisher_settings_set_video_source(publisher_settings, OTC_VIDEO_SOURCE_TEST_PATTERN);
  otc_publisher_settings_set_test_pattern(publisher_settings, WIDTH, HEIGHT, FPS);
  publisher = otc_publisher_new_with_settings(&publisher_callbacks, publisher_settings);
  otc_publisher_settings_delete(publisher_settings);
  if (!publisher || otc_session_publish(session, publisher) != OTC_SUCCESS) {
    fprintf(stderr, "could not publish\n");
    goto done;
  }
  for (int waited = 0; !atomic_load(&own_stream) && !atomic_load(&failed) && waited < 15000; waited += 20) sleep_ms(20);
  otc_stream *stream = atomic_load(&own_stream);
  if (!stream) goto done;

  struct otc_subscriber_callbacks subscriber_callbacks = {0};
  subscriber_callbacks.on_error = on_subscriber_error;
  subscriber = otc_subscriber_new(stream, &subscriber_callbacks);
  if (!subscriber || otc_session_subscribe(session, subscriber) != OTC_SUCCESS) {
    fprintf(stderr, "could not subscribe\n");
    goto done;
  }

  /* Wait for the first readable frame, then measure `seconds`. */
  otc_media_check check;
  for (int waited = 0; waited < 20000 && !atomic_load(&failed); waited += 50) {
    if (otc_subscriber_get_media_check(subscriber, &check) == OTC_SUCCESS && check.frames_received > 0) break;
    sleep_ms(50);
  }
  otc_media_check before;
  otc_subscriber_get_media_check(subscriber, &before);
  sleep_ms(seconds * 1000L);
  otc_subscriber_get_media_check(subscriber, &check);
  otc_subscriber_stats stats;
  otc_subscriber_get_stats(subscriber, &stats);
  const unsigned long long received = (unsigned long long)(check.frames_received - before.frames_received);
  const unsigned long long expected = (unsigned long long)seconds * FPS;
  printf("received %llu of about %llu frames, %llu lost, latency p50 %.1f ms p95 %.1f ms; %llu frames opened, %llu mismatched\n",
         received, expected, (unsigned long long)check.frames_lost, check.latency_p50_ms, check.latency_p95_ms,
         (unsigned long long)stats.video_frames_opened, (unsigned long long)stats.frames_mismatch);
  ok = !atomic_load(&failed) && received * 10 >= expected * 8 && stats.frames_mismatch == 0 && stats.video_frames_opened > 0;
  printf("%s\n", ok ? "PASS" : "FAIL");

done:
  if (subscriber) {
    otc_session_unsubscribe(session, subscriber);
    otc_subscriber_delete(subscriber);
  }
  if (publisher) {
    otc_session_unpublish(session, publisher);
    otc_publisher_delete(publisher);
  }
  otc_stream *copied = atomic_exchange(&own_stream, NULL);
  if (copied) otc_stream_delete(copied);
  if (session) {
    otc_session_disconnect(session);
    otc_session_delete(session);
  }
  otc_destroy();
  return ok ? 0 : 1;
}
