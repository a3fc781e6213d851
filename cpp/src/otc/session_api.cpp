// C API: otc_session_*. A session holds its id, its callbacks and its end-to-end encryption
// keys; the key ring is what publishers and subscribers will seal and open frames with.
#include <otc/session.h>

#include <atomic>
#include <memory>
#include <new>
#include <string>

#include "../e2ee/key_ring.h"
#include "../e2ee/secret.h"
#include "../e2ee/secret_installer.h"
#include "log.h"

using namespace otc::e2ee;

struct otc_session {
  std::string api_key;
  std::string session_id;
  otc_session_callbacks callbacks{};
  std::shared_ptr<KeyRing> ring;
  std::atomic<bool> has_secret{false};
  std::unique_ptr<SecretInstaller> installer;  // declared last: its thread stops first
};

extern "C" {

otc_session *otc_session_new(const char *api_key, const char *session_id,
                             const otc_session_callbacks *callbacks) {
  if (!api_key || !*api_key || !session_id || !*session_id) return nullptr;
  auto *session = new (std::nothrow) otc_session;
  if (!session) return nullptr;
  session->api_key = api_key;
  session->session_id = session_id;
  if (callbacks) session->callbacks = *callbacks;
  session->ring =
      std::make_shared<KeyRing>(std::chrono::milliseconds(OTC_E2EE_DEFAULT_GRACE_PERIOD_MS));
  session->installer = std::make_unique<SecretInstaller>(
      session->ring, session->session_id, [session](bool ok, uint32_t epoch_id) {
        const auto &cb = session->callbacks;
        if (ok) {
          otc::log(OTC_LOG_LEVEL_INFO, "session %s: encryption key ready, epoch %08x",
                   session->session_id.c_str(), epoch_id);
          if (cb.on_encryption_key_ready) cb.on_encryption_key_ready(session, cb.user_data, epoch_id);
        } else if (cb.on_error) {
          cb.on_error(session, cb.user_data, "encryption key derivation failed",
                      OTC_SESSION_INTERNAL_ERROR);
        }
      });
  return session;
}

otc_status otc_session_set_encryption_secret(otc_session *session, const char *secret) {
  if (!session) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  if (!secret || !is_valid_secret(secret)) return OTC_SESSION_INVALID_ENCRYPTION_SECRET;
  session->has_secret.store(true);
  session->installer->submit(SecureString(secret));
  return OTC_SUCCESS;
}

otc_status otc_session_get_encryption_epoch(otc_session *session, uint32_t *epoch_id) {
  if (!session || !epoch_id) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  auto current = session->ring->current();
  if (!current) return OTC_E2EE_KEY_NOT_READY;
  *epoch_id = current->id;
  return OTC_SUCCESS;
}

otc_bool otc_session_encryption_key_pending(otc_session *session) {
  return session && session->installer->pending() ? OTC_TRUE : OTC_FALSE;
}

otc_bool otc_session_has_encryption_secret(otc_session *session) {
  return session && session->has_secret.load() ? OTC_TRUE : OTC_FALSE;
}

const char *otc_session_get_id(const otc_session *session) {
  return session ? session->session_id.c_str() : nullptr;
}

otc_status otc_session_delete(otc_session *session) {
  if (!session) return OTC_SUCCESS;
  // Deleting from the session's own callback would join the thread running it.
  if (session->installer->on_own_thread()) return OTC_SESSION_ILLEGAL_STATE;
  delete session;
  return OTC_SUCCESS;
}

}  // extern "C"
