/* node-otc: status and error codes.
 *
 * The Linux SDK's codes keep the SDK's enumerations, names and numbers: the generic
 * otc_error_code is in opentok/base.h, otc_session_error_code in opentok/session.h,
 * otc_publisher_error_code in opentok/publisher.h, otc_subscriber_error_code in opentok/subscriber.h.
 * The E2EE codes 6000-6006 are those of the OpenTok SDKs. This project's own codes (frame cryptor, low-level
 * SFrame, media engine, unsupported calls) are 6100-6300, in otc_node_error_code. lib/error-code.ts is generated from
 * these enumerations (scripts/gen-error-codes.mjs) and a test keeps the two equal.
 */
#ifndef OTC_ERRORS_H
#define OTC_ERRORS_H

#include "../opentok/base.h"
#include "../opentok/publisher.h"
#include "../opentok/session.h"
#include "../opentok/subscriber.h"

#ifdef __cplusplus
extern "C" {
#endif

/* node-otc additions. */
enum otc_node_error_code {
  /* The SDK reports a missing secret to publishers and subscribers with the session's code
   * (6000); these names say the same number from the object's side. */
  OTC_PUBLISHER_ENCRYPTION_SECRET_MISSING = 6000,
  OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISSING = 6000,

  /* Frame cryptor and low-level SFrame calls. */
  OTC_E2EE_INVALID_PARAMETER = 6100,       /* null pointer, bad length, unknown enum value */
  OTC_E2EE_UNSUPPORTED_SUITE = 6101,       /* cipher suite id not in 1..8 */
  OTC_E2EE_BUFFER_TOO_SMALL = 6102,        /* output capacity below what the call needs */
  OTC_E2EE_FRAME_TOO_LARGE = 6103,         /* input above OTC_E2EE_MAX_FRAME_SIZE */
  OTC_E2EE_MALFORMED = 6104,               /* not a well-formed SFrame header / sealed frame */
  OTC_E2EE_AUTHENTICATION_FAILED = 6105,   /* tag check failed (low-level open) */
  OTC_E2EE_KEY_NOT_READY = 6106,           /* no key derived yet for this object */
  OTC_E2EE_COUNTER_EXHAUSTED = 6107,       /* a sender's 64-bit frame counter ran out */
  OTC_E2EE_CRYPTO_FAILURE = 6108,          /* OpenSSL reported an error */
  OTC_E2EE_DELETED = 6109,                 /* the object was deleted (bindings report this) */

  /* Media engine (libwebrtc) */
  OTC_MEDIA_ENGINE_NOT_INITIALIZED = 6200, /* otc_init was not called, or otc_destroy was */
  OTC_MEDIA_ENGINE_FAILURE = 6201,         /* libwebrtc could not create what was asked */
  OTC_MEDIA_INVALID_PARAMETER = 6202,      /* bad argument to a publisher, subscriber or audio call */
  OTC_MEDIA_ILLEGAL_STATE = 6203,          /* e.g. pushing frames into a test-pattern publisher */
  OTC_MEDIA_BUFFER_FULL = 6204,            /* pushed audio beyond OTC_AUDIO_MAX_BUFFERED_SAMPLES */

  /* An SDK call that has no meaning without Vonage's cloud (otc_session_report_issue). */
  OTC_NOT_SUPPORTED = 6300
};

/** node-otc addition: a short English name for a code ("OTC_SESSION_INVALID_ENCRYPTION_SECRET",
 *  ...); never NULL. A number several enumerators share is named by the session's, publisher's
 *  or subscriber's enumerator before the generic one. */
const char *otc_error_name(otc_status code);

#ifdef __cplusplus
}
#endif

#endif /* OTC_ERRORS_H */
