/* A C11 program on the installed libopentok: starts the library, prints its version, checks that
 * libwebrtc inside it works (its VP8 encoder is listed), makes and deletes a session object, and
 * stops. Exit status 0 only if every step did what it should. */
#if __has_include(<opentok.h>)
#include <opentok.h>
#endif
#include <otc/otc.h>

#include <stdio.h>
#include <string.h>

static int fail(const char *what) {
  fprintf(stderr, "consumer_c: %s\n", what);
  return 1;
}

int main(void) {
  if (otc_init(NULL) != OTC_SUCCESS) return fail("otc_init failed");
  printf("libopentok %s\n", otc_version());

  otc_codec_info codecs[32];
  size_t count = 0;
  if (otc_media_get_codecs(OTC_MEDIA_VIDEO, OTC_CODEC_ENCODE, codecs, 32, &count) != OTC_SUCCESS)
    return fail("otc_media_get_codecs failed");
  int vp8 = 0;
  for (size_t i = 0; i < count && i < 32; ++i) vp8 |= strcmp(codecs[i].name, "VP8") == 0;
  if (!vp8) return fail("no VP8 encoder");

  struct otc_session_callbacks callbacks;
  memset(&callbacks, 0, sizeof callbacks);
  otc_session *session = otc_session_new("consumer-key", "consumer-session", &callbacks);
  if (!session) return fail("otc_session_new returned NULL");
  otc_session_delete(session);

  if (otc_destroy() != OTC_SUCCESS) return fail("otc_destroy failed");
  printf("consumer_c: ok\n");
  return 0;
}
