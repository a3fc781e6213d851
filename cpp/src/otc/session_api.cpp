// C API: otc_session_*. A session holds its id, its callbacks and its end-to-end encryption
// keys (the key ring is what publishers and subscribers will seal and open frames with), and
// its link to the session server (session_link.h). The object itself is in session_impl.h.
#include <otc/session.h>

#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "../e2ee/secret.h"
#include "../base/log.h"
#include "../base/memory_trim.h"
#include "session_impl.h"

using namespace otc::e2ee;

extern "C" {

otc_session_settings *otc_session_settings_new(void) {
  return new (std::nothrow) otc_session_settings;
}

otc_status otc_session_settings_delete(otc_session_settings *settings) {
  if (!settings) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  delete settings;
  return OTC_SUCCESS;
}

otc_status otc_session_settings_set_connection_events_suppressed(otc_session_settings *settings, otc_bool suppress) {
  if (!settings) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  settings->connection_events_suppressed = suppress != OTC_FALSE;
  return OTC_SUCCESS;
}

otc_status otc_session_settings_set_ip_whitelist(otc_session_settings *settings, otc_bool) {
  return settings ? otc_status{OTC_SUCCESS} : OTC_SESSION_NULL_OR_INVALID_PARAMETER;
}

otc_status otc_session_settings_set_proxy_url(otc_session_settings *settings, const char *proxy_url) {
  if (!settings) return OTC_INVALID_PARAM;
  otc::signaling::HttpProxy proxy;
  std::string error;
  if (proxy_url && !otc::signaling::parse_proxy_url(proxy_url, proxy, error)) {
    otc::log(OTC_LOG_LEVEL_ERROR, "otc_session_settings_set_proxy_url: %s", error.c_str());
    return OTC_INVALID_PARAM;
  }
  settings->proxy = std::move(proxy);
  return OTC_SUCCESS;
}

otc_status otc_session_settings_set_signaling_url(otc_session_settings *settings, const char *url) {
  if (!settings || !url) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  settings->signaling_url = url;
  return OTC_SUCCESS;
}

otc_status otc_session_settings_set_ca_file(otc_session_settings *settings, const char *path) {
  if (!settings || !path) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  settings->ca_file = path;
  return OTC_SUCCESS;
}

otc_status otc_session_settings_set_ca_pem(otc_session_settings *settings, const char *pem) {
  if (!settings || !pem) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  settings->ca_pem = pem;
  return OTC_SUCCESS;
}

otc_status otc_session_settings_set_reconnection_timeout(otc_session_settings *settings, int timeout_ms) {
  if (!settings || (timeout_ms != 0 && (timeout_ms < 1000 || timeout_ms > 600000))) {
    return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  }
  settings->reconnection_timeout_ms = timeout_ms;
  return OTC_SUCCESS;
}

otc_session *otc_session_new(const char *api_key, const char *session_id,
                             const struct otc_session_callbacks *callbacks) {
  return otc_session_new_with_settings(api_key, session_id, callbacks, nullptr);
}

otc_session *otc_session_new_with_settings(const char *api_key, const char *session_id,
                                           const struct otc_session_callbacks *callbacks,
                                           otc_session_settings *settings) {
  if (!api_key || !*api_key || !session_id || !*session_id) return nullptr;
  auto *session = new (std::nothrow) otc_session;
  if (!session) return nullptr;
  session->api_key = api_key;
  session->session_id = session_id;
  if (callbacks) session->callbacks = *callbacks;
  if (settings) {
    session->signaling_url = settings->signaling_url;
    session->ice = settings->ice;
    session->ca_file = settings->ca_file;
    session->ca_pem = settings->ca_pem;
    session->reconnection_timeout_ms = settings->reconnection_timeout_ms;
    session->connection_events_suppressed = settings->connection_events_suppressed;
    session->proxy = settings->proxy;
  }
  session->link = std::make_unique<otc::SessionLink>(session);
  session->ring =
      std::make_shared<KeyRing>(std::chrono::milliseconds(OTC_E2EE_DEFAULT_GRACE_PERIOD_MS));
  session->installer = std::make_unique<SecretInstaller>(
      session->ring, session->session_id, [session](bool ok, uint32_t epoch_id) {
        const auto &cb = session->callbacks;
        if (ok) {
          otc::log(OTC_LOG_LEVEL_INFO, "session %s: encryption key ready, epoch %08x",
                   session->session_id.c_str(), epoch_id);
          const auto on_ready = session->on_encryption_key_ready.load();
          if (on_ready) on_ready(session, cb.user_data, epoch_id);
        } else if (cb.on_error) {
          cb.on_error(session, cb.user_data, "encryption key derivation failed",
                      OTC_SESSION_INTERNAL_ERROR);
        }
      });
  return session;
}

otc_status otc_session_set_encryption_key_ready_callback(otc_session *session,
                                                        otc_session_encryption_key_ready_cb callback) {
  if (!session) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  session->on_encryption_key_ready.store(callback);
  return OTC_SUCCESS;
}

otc_status otc_session_set_mute_forced_callback(otc_session *session, otc_session_mute_forced_cb callback) {
  if (!session) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  session->on_mute_forced.store(callback);
  return OTC_SUCCESS;
}

otc_bool otc_session_is_force_mute_active(otc_session *session) {
  return session && session->link->force_mute_active() ? OTC_TRUE : OTC_FALSE;
}

otc_status otc_session_set_encryption_secret(otc_session *session, const char *secret) {
  if (!session) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  if (!secret || !is_valid_secret(secret)) return OTC_SESSION_INVALID_ENCRYPTION_SECRET;
  session->has_secret.store(true);
  session->installer->submit(SecureString(secret));
  return OTC_SUCCESS;
}

otc_status otc_session_ratchet_encryption_key(otc_session *session) {
  if (!session) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return session->ring->ratchet() ? otc_status{OTC_SUCCESS} : OTC_E2EE_KEY_NOT_READY;
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

otc_status otc_session_connect(otc_session *session, const char *token) {
  if (!session) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return session->link->connect(token);
}

otc_status otc_session_disconnect(otc_session *session) {
  if (!session) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return session->link->disconnect();
}

otc_bool otc_session_is_link_active(otc_session *session) {
  return session && session->link->link_active() ? OTC_TRUE : OTC_FALSE;
}

otc_stream *otc_session_copy_stream(otc_session *session, const char *stream_id) {
  if (!session || !stream_id) return nullptr;
  auto stream = session->link->find_stream(stream_id);
  return stream ? otc_stream_copy(stream.get()) : nullptr;
}

const char *otc_session_get_connection_id(otc_session *session) {
  return session ? session->link->connection_id() : nullptr;
}

otc_bool otc_session_is_e2ee(otc_session *session) {
  return session && session->link->is_e2ee() ? OTC_TRUE : OTC_FALSE;
}

otc_status otc_session_send_signal(otc_session *session, const char *type, const char *signal) {
  if (!session) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return session->link->send_signal(type, signal, nullptr);
}

otc_status otc_session_send_signal_to_connection(otc_session *session, const char *type,
                                                 const char *signal,
                                                 const otc_connection *connection) {
  if (!session || !connection) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return session->link->send_signal(type, signal, otc_connection_get_id(connection));
}

otc_status otc_session_send_signal_with_options(otc_session *session, const char *type, const char *signal,
                                                struct otc_signal_options signal_options) {
  if (!session) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return session->link->send_signal(type, signal, nullptr, signal_options.retry_after_reconnect != OTC_FALSE);
}

otc_status otc_session_send_signal_to_connection_with_options(otc_session *session, const char *type,
                                                              const char *signal, const otc_connection *connection,
                                                              struct otc_signal_options signal_options) {
  if (!session || !connection) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return session->link->send_signal(type, signal, otc_connection_get_id(connection),
                                    signal_options.retry_after_reconnect != OTC_FALSE);
}

namespace {

// An id the server can take (the protocol's id bound, the same whatever the id names: a stream,
// a connection): refused here rather than sent.
bool valid_id(const char *id) { return id && *id && std::strlen(id) <= otc::signaling::kMaxIdLength; }

}  // namespace

otc_status otc_session_force_mute_stream(const otc_session *session, const char *stream_id) {
  if (!session || !valid_id(stream_id)) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return session->link->force_mute_stream(stream_id);
}

otc_status otc_session_force_mute_all(otc_session *session, const char **excluded_stream_ids, int count) {
  if (!session || count < 0 || count > OTC_SESSION_FORCE_MUTE_MAX_EXCLUDED ||
      (count > 0 && !excluded_stream_ids)) {
    return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  }
  std::vector<std::string> excluded;
  excluded.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    if (!valid_id(excluded_stream_ids[i])) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
    excluded.emplace_back(excluded_stream_ids[i]);
  }
  return session->link->force_mute_all(excluded);
}

otc_status otc_session_disable_force_mute(otc_session *session) {
  if (!session) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return session->link->disable_force_mute();
}

otc_status otc_session_force_disconnect_connection_id(otc_session *session, const char *connection_id) {
  if (!session || !valid_id(connection_id)) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return session->link->force_disconnect(connection_id);
}

otc_status otc_session_force_disconnect(otc_session *session, const otc_connection *connection) {
  if (!connection) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return otc_session_force_disconnect_connection_id(session, otc_connection_get_id(connection));
}

otc_status otc_session_force_unpublish_stream_id(otc_session *session, const char *stream_id) {
  if (!session || !valid_id(stream_id)) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return session->link->force_unpublish(stream_id);
}

otc_status otc_session_force_unpublish(otc_session *session, const otc_stream *stream) {
  if (!stream) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return otc_session_force_unpublish_stream_id(session, otc_stream_get_id(stream));
}

otc_status otc_session_report_issue(struct otc_session *session, const char *issue_description, char **issue_id) {
  if (issue_id) *issue_id = nullptr;
  if (!session) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  otc::log(OTC_LOG_LEVEL_WARN, "session %s: issue reported (there is no Vonage to send it to): %.512s",
           session->session_id.c_str(), issue_description ? issue_description : "");
  return OTC_NOT_SUPPORTED;
}

otc_status otc_session_send_signal_to_connection_id(otc_session *session, const char *type,
                                                    const char *signal, const char *connection_id) {
  if (!session || !valid_id(connection_id)) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return session->link->send_signal(type, signal, connection_id);
}

const char *otc_session_get_disconnect_reason(otc_session *session) {
  return session ? session->link->disconnect_reason().reason : nullptr;
}

otc_status otc_session_get_disconnect_code(otc_session *session) {
  return session ? session->link->disconnect_reason().code : OTC_SESSION_NULL_OR_INVALID_PARAMETER;
}

char *otc_session_get_id(const otc_session *session) {
  // The SDK's signature is char *; the string is the session's and nothing writes through it.
  return session ? const_cast<char *>(session->session_id.c_str()) : nullptr;
}

otc_connection *otc_session_get_connection(const otc_session *session) {
  return session ? session->link->own_connection_handle() : nullptr;
}

struct otc_session_capabilities otc_session_get_capabilities(const otc_session *session) {
  struct otc_session_capabilities capabilities{};
  capabilities.publish = session && session->link->can_publish() ? OTC_TRUE : OTC_FALSE;
  const otc_bool moderator = session && session->link->is_moderator() ? OTC_TRUE : OTC_FALSE;
  capabilities.force_disconnect = moderator;
  capabilities.force_mute = moderator;
  capabilities.force_unpublish = moderator;
  return capabilities;
}

void *otc_session_get_user_data(const otc_session *session) { return session ? session->callbacks.user_data : nullptr; }

otc_status otc_session_delete(otc_session *session) {
  if (!session) return OTC_SUCCESS;
  // Deleting from the session's own callback would join the thread running it.
  if (session->installer->on_own_thread() || session->link->on_own_thread()) {
    return OTC_SESSION_ILLEGAL_STATE;
  }
  // The link first: it closes the socket (bounded to about a second) and joins its thread, so
  // no connection callback runs once the key installer stops.
  session->link.reset();
  delete session;
  otc::trim_freed_memory();  // what the session's calls freed, back to the system
  return OTC_SUCCESS;
}

}  // extern "C"
