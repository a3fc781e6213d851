/* node-otc: sessions. Connecting, publishing and subscribing arrive with the session server;
 * this part holds what an end-to-end encrypted session needs first: its id and its secret. */
#ifndef OTC_SESSION_H
#define OTC_SESSION_H

#include <stdint.h>

#include "base.h"
#include "e2ee.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otc_session otc_session;

/** Callbacks run on internal threads; data passed to them is valid only during the call. */
typedef struct otc_session_callbacks {
  void (*on_error)(otc_session *session, void *user_data, const char *error_string,
                   otc_status error);
  /** The key of the secret last set is derived and in use (project addition). */
  void (*on_encryption_key_ready)(otc_session *session, void *user_data, uint32_t epoch_id);
  void *user_data;
  void *reserved;
} otc_session_callbacks;

/** A session object for session_id. callbacks may be NULL and are copied. NULL when api_key or
 *  session_id is NULL or empty. */
otc_session *otc_session_new(const char *api_key, const char *session_id,
                             const otc_session_callbacks *callbacks);

/** Sets the session's end-to-end encryption secret. Validates at once (OTC_SUCCESS or
 *  OTC_SESSION_INVALID_ENCRYPTION_SECRET, in which case the previous secret stays); the key is
 *  derived on an internal thread, never the caller's, and on_encryption_key_ready reports it. */
otc_status otc_session_set_encryption_secret(otc_session *session, const char *secret);

/** The epoch id of the key now in use; OTC_E2EE_KEY_NOT_READY while none is derived yet. */
otc_status otc_session_get_encryption_epoch(otc_session *session, uint32_t *epoch_id);

/** Whether a secret set is still waiting for, or in, its key derivation. */
otc_bool otc_session_encryption_key_pending(otc_session *session);

/** Whether a secret was set (it may still be deriving). */
otc_bool otc_session_has_encryption_secret(otc_session *session);

const char *otc_session_get_id(const otc_session *session);

/** Wipes keys, waits for a running key derivation to stop, frees. NULL is a no-op. A process
 *  that exits without deleting its sessions is safe too: their threads are joined at exit.
 *  Must not be called from one of the session's own callbacks. */
otc_status otc_session_delete(otc_session *session);

#ifdef __cplusplus
}
#endif

#endif /* OTC_SESSION_H */
