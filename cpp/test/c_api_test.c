/* The public header is C: this file is compiled as C11 with -pedantic -Werror and uses the API
 * the way a C program does (examples/c will build on the same). Exit status 0 means every
 * check held. */
#include <otc/otc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                    \
    }                                                                \
  } while (0)

int main(void) {
  const char *session_id = "1_MX4xMjM0NX5-c2Vzc2lvbn4";
  otc_status status = OTC_SUCCESS;
  otc_frame_cryptor_settings settings = {OTC_E2EE_DEFAULT_SUITE, 0};
  otc_frame_cryptor *alice = otc_frame_cryptor_new(session_id, "a secret for C", &settings, &status);
  otc_frame_cryptor *bob = otc_frame_cryptor_new(session_id, "a secret for C", &settings, &status);
  unsigned char frame[1200];
  unsigned char *sealed;
  unsigned char opened[1300];
  size_t capacity, sealed_size = 0, opened_size = 0, i;
  otc_e2ee_outcome outcome = OTC_E2EE_MISMATCH;
  otc_e2ee_event event = OTC_E2EE_EVENT_NONE;
  otc_frame_cryptor_stats stats;

  CHECK(status == OTC_SUCCESS && alice && bob);
  if (!alice || !bob) return 1;
  for (i = 0; i < sizeof frame; ++i) frame[i] = (unsigned char)(i * 7);
  frame[0] = 0x01; /* VP8 delta frame */

  capacity = otc_frame_cryptor_max_sealed_size(OTC_E2EE_CODEC_VP8, sizeof frame);
  sealed = malloc(capacity);
  CHECK(sealed != NULL);
  CHECK(otc_frame_cryptor_seal(alice, OTC_E2EE_CODEC_VP8, 0, frame, sizeof frame, sealed, capacity,
                               &sealed_size) == OTC_SUCCESS);
  CHECK(sealed_size == sizeof frame + 10 + 10); /* tag + 9-byte header + length byte */
  CHECK(memcmp(sealed, frame, 3) == 0);         /* the VP8 frame tag stays clear */
  CHECK(otc_frame_cryptor_open(bob, OTC_E2EE_CODEC_VP8, sealed, sealed_size, opened, sizeof opened,
                               &opened_size, &outcome, &event) == OTC_SUCCESS);
  CHECK(outcome == OTC_E2EE_DECRYPTED && event == OTC_E2EE_EVENT_NONE);
  CHECK(opened_size == sizeof frame && memcmp(opened, frame, sizeof frame) == 0);
  CHECK(otc_frame_cryptor_open(bob, OTC_E2EE_CODEC_VP8, sealed, sealed_size, opened, sizeof opened,
                               &opened_size, &outcome, &event) == OTC_SUCCESS);
  CHECK(outcome == OTC_E2EE_REPLAY);
  CHECK(otc_frame_cryptor_get_stats(bob, &stats) == OTC_SUCCESS);
  CHECK(stats.frames_decrypted == 1 && stats.frames_replay == 1);

  CHECK(otc_frame_cryptor_set_secret(bob, "short") == OTC_SESSION_INVALID_ENCRYPTION_SECRET);
  CHECK(otc_e2ee_validate_secret("eight ch") == OTC_SUCCESS);
  CHECK(strcmp(otc_error_name(OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH),
               "OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH") == 0);

  free(sealed);
  otc_frame_cryptor_delete(alice);
  otc_frame_cryptor_delete(bob);
  if (failures == 0) printf("c_api_test: all checks held\n");
  return failures == 0 ? 0 : 1;
}
