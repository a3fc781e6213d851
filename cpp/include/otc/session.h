/* node-otc: sessions: identity and end-to-end encryption secret, connecting to the session
 * server (docs/protocol.md), connections, streams and signals. Publishing and subscribing media
 * build on this. */
#ifndef OTC_SESSION_H
#define OTC_SESSION_H

#include <stdint.h>

#include "base.h"
#include "e2ee.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otc_session otc_session;
/** Another client of the session. Valid only during the callback that hands it over. */
typedef struct otc_connection otc_connection;
/** A published stream. Valid only during the callback that hands it over. */
typedef struct otc_stream otc_stream;

/** Callbacks run on internal threads; data passed to them is valid only during the call. Any
 *  may be NULL. */
typedef struct otc_session_callbacks {
  void (*on_connected)(otc_session *session, void *user_data);
  void (*on_disconnected)(otc_session *session, void *user_data);
  void (*on_connection_created)(otc_session *session, void *user_data,
                                const otc_connection *connection);
  void (*on_connection_dropped)(otc_session *session, void *user_data,
                                const otc_connection *connection);
  /** A stream of another client (this client's own streams go to its publishers'
   *  on_stream_created instead). */
  void (*on_stream_received)(otc_session *session, void *user_data, const otc_stream *stream);
  void (*on_stream_dropped)(otc_session *session, void *user_data, const otc_stream *stream);
  void (*on_signal_received)(otc_session *session, void *user_data, const char *type,
                             const char *signal, const otc_connection *connection);
  /** The link to the session server dropped while connected and the session is reconnecting by
   *  itself (once per drop). The connection id, streams, publishers and subscribers stay, and
   *  media already flowing keeps flowing; requests made meanwhile wait for the reconnection. */
  void (*on_reconnection_started)(otc_session *session, void *user_data);
  /** The session reconnected with the same connection id. Connections and streams that came or
   *  went meanwhile are reported next (on_connection_created/dropped, on_stream_received/dropped).
   *  A session that cannot reconnect reports on_error with OTC_SESSION_CONNECTION_DROPPED (1022)
   *  and the reason, then on_disconnected. */
  void (*on_reconnected)(otc_session *session, void *user_data);
  void (*on_error)(otc_session *session, void *user_data, const char *error_string,
                   otc_status error);
  /** The key of the secret last set is derived and in use (project addition). */
  void (*on_encryption_key_ready)(otc_session *session, void *user_data, uint32_t epoch_id);
  void *user_data;
  void *reserved;
} otc_session_callbacks;

/** Settings for otc_session_new_with_settings (project addition: where the server is). */
typedef struct otc_session_settings otc_session_settings;
otc_session_settings *otc_session_settings_new(void);
void otc_session_settings_delete(otc_session_settings *settings);
/** The session server's signaling URL, "ws://host:port/v1/signaling" or, over TLS,
 *  "wss://host:port/v1/signaling" (port 443 by default). Without it a session uses the
 *  environment variable OTC_SIGNALING_URL. */
otc_status otc_session_settings_set_signaling_url(otc_session_settings *settings, const char *url);
/** Project additions: the certificate authorities a "wss://" signaling URL trusts, instead of the
 *  system's CA store: a PEM file (one or more certificates), or PEM text. Given both, both are
 *  trusted. Without either, a session uses the PEM file named by the environment variable
 *  OTC_CA_FILE, and without that the system store (OpenSSL's default paths; SSL_CERT_FILE and
 *  SSL_CERT_DIR apply). Precedence: settings > OTC_CA_FILE > system store. The server's
 *  certificate must chain to one of them, be valid now and name the URL's host (DNS name, or IP
 *  address for an address literal); TLS 1.2 or newer. A file or PEM that cannot be read, or a
 *  certificate that fails a check, makes otc_session_connect report
 *  OTC_SESSION_CONNECTION_FAILED with a message naming it ("TLS: certificate has expired", "TLS:
 *  certificate is not trusted (...)", "TLS: hostname mismatch (...)", "TLS: cannot read the CA
 *  file ..."). Ignored for "ws://" URLs. */
otc_status otc_session_settings_set_ca_file(otc_session_settings *settings, const char *path);
otc_status otc_session_settings_set_ca_pem(otc_session_settings *settings, const char *pem);

/** The Linux SDK's custom ICE configuration: num_ice_servers STUN or TURN servers, server i at
 *  ice_url[i] ("stun:host:port", "turn:host:port?transport=udp", "turns:...") with ice_user[i]
 *  and ice_credential[i] (required for TURN; the user and credential arrays may be NULL when no
 *  server needs them). force_turn: relay (TURN) candidates only. use_custom_turn_only: ignore the
 *  ICE servers the session server hands out and use only these; otherwise these are added to
 *  the server's. Everything is copied (the caller frees its arrays); credentials are wiped when
 *  the settings and the session are freed. OTC_SESSION_NULL_OR_INVALID_PARAMETER for NULL
 *  settings or config, NULL arrays or URLs with num_ice_servers > 0, more than 16 servers, a
 *  URL that is not stun:/stuns:/turn:/turns: host[:port] (TURN: [?transport=udp|tcp]), a TURN
 *  server without a user and credential, or strings longer than 512 bytes; the previous
 *  configuration stays then. */
struct otc_custom_ice_config {
  int num_ice_servers;
  char **ice_url;
  char **ice_user;
  char **ice_credential;
  otc_bool force_turn;
  otc_bool use_custom_turn_only;
};
otc_status otc_session_settings_set_custom_ice_config(otc_session_settings *settings,
                                                      const struct otc_custom_ice_config *config);
/** Project addition: how long a session whose link to the server dropped keeps trying to
 *  reconnect before it gives up (on_error 1022, on_disconnected): 1000 to 600000 ms, default
 *  60000; 0 never reconnects (a drop is on_error 1022 and on_disconnected at once). Attempts back
 *  off from 0.5 s doubling to 5 s (with jitter), each bounded by 5 s. */
otc_status otc_session_settings_set_reconnection_timeout(otc_session_settings *settings, int timeout_ms);
/** Project addition: how long a peer connection may take to connect its ICE (a candidate pair
 *  through which media flows) before the publisher or subscriber reports
 *  OTC_PUBLISHER_WEBRTC_ERROR / OTC_SUBSCRIBER_WEBRTC_ERROR with a message starting "ICE
 *  failed:". 1000 to 600000 ms; default 30000. */
otc_status otc_session_settings_set_ice_connect_timeout(otc_session_settings *settings, int timeout_ms);

/** A session object for session_id. callbacks may be NULL and are copied. NULL when api_key or
 *  session_id is NULL or empty. */
otc_session *otc_session_new(const char *api_key, const char *session_id,
                             const otc_session_callbacks *callbacks);
/** As otc_session_new; settings are copied and may be NULL. */
otc_session *otc_session_new_with_settings(const char *api_key, const char *session_id,
                                           const otc_session_callbacks *callbacks,
                                           const otc_session_settings *settings);

/** Connects with a client token, asynchronously: on_connected, or on_error with
 *  OTC_SESSION_AUTHORIZATION_FAILURE (1004), OTC_SESSION_INVALID_SESSION (1005),
 *  OTC_SESSION_CONNECTION_FAILED (1006: no URL, unreachable, closed while connecting, a
 *  TLS check failed),
 *  OTC_SESSION_CONNECTION_TIMED_OUT (1021), or OTC_SESSION_ENCRYPTION_SECRET_MISSING (6000) when
 *  the session is end-to-end encrypted and no secret was set. Returns OTC_SESSION_ILLEGAL_STATE
 *  when already connecting or connected. A link that drops later (server restart, cut network:
 *  noticed within about 10 s) is reconnected by itself: on_reconnection_started, then
 *  on_reconnected; one that cannot be (the reconnection timeout passed, or the server refuses
 *  it) gives on_error with OTC_SESSION_CONNECTION_DROPPED (1022) and why, then on_disconnected.
 *  A server that closes the link for a protocol reason (4001, 4002, 4005-4008) is not
 *  reconnected to. */
otc_status otc_session_connect(otc_session *session, const char *token);
/** Leaves the session (or ends a connect attempt); on_disconnected follows.
 *  OTC_SESSION_ILLEGAL_STATE when not connected or connecting. */
otc_status otc_session_disconnect(otc_session *session);
/** node-otc addition (not in the Linux SDK): whether the session's link to the server is in use,
 *  from a successful otc_session_connect until the callback that ends the link is made:
 *  on_disconnected, or the on_error that ends a connect attempt. Read inside on_error, OTC_FALSE
 *  says that error ended the link (no on_connected or on_disconnected follows); OTC_TRUE that the
 *  link goes on or its on_disconnected is still to come. For bindings that keep their process
 *  alive while a session has something left to report. */
otc_bool otc_session_is_link_active(otc_session *session);
/** The connection id this client got, or NULL while not connected. Valid until disconnect. */
const char *otc_session_get_connection_id(otc_session *session);
/** Whether the session server says this session is end-to-end encrypted (after connecting). */
otc_bool otc_session_is_e2ee(otc_session *session);

/** Sends a signal to every client, the sender included, or to one. type may be NULL or "".
 *  OTC_SESSION_NOT_CONNECTED, OTC_SESSION_SIGNAL_TYPE_TOO_LONG (> 128),
 *  OTC_SESSION_INVALID_SIGNAL_TYPE ([A-Za-z0-9_~-] only), OTC_SESSION_SIGNAL_DATA_TOO_LONG
 *  (> 8 KiB); errors the server answers with later arrive in on_error. */
otc_status otc_session_send_signal(otc_session *session, const char *type, const char *signal);
otc_status otc_session_send_signal_to_connection(otc_session *session, const char *type,
                                                 const char *signal,
                                                 const otc_connection *connection);

/** The same, to a connection named by its id (which outlives the callbacks that report it). */
otc_status otc_session_send_signal_to_connection_id(otc_session *session, const char *type,
                                                    const char *signal, const char *connection_id);

const char *otc_connection_get_id(const otc_connection *connection);
const char *otc_connection_get_data(const otc_connection *connection);
int64_t otc_connection_get_creation_time(const otc_connection *connection);

const char *otc_stream_get_id(const otc_stream *stream);
const char *otc_stream_get_name(const otc_stream *stream);
otc_bool otc_stream_has_audio(const otc_stream *stream);
otc_bool otc_stream_has_video(const otc_stream *stream);
/** Whether the publisher says it seals its frames (project addition). */
otc_bool otc_stream_is_e2ee(const otc_stream *stream);
int64_t otc_stream_get_creation_time(const otc_stream *stream);
/** The connection that published the stream (valid as long as the stream). */
const otc_connection *otc_stream_get_connection(const otc_stream *stream);
/** The codecs the publisher announced: "VP8", "VP9", "H264" / "opus"; "" when it has none. */
const char *otc_stream_get_video_codec(const otc_stream *stream);
const char *otc_stream_get_audio_codec(const otc_stream *stream);
/** A copy of stream that outlives the callback (for otc_subscriber_new later); free it with
 *  otc_stream_delete. NULL when stream is NULL. */
otc_stream *otc_stream_copy(const otc_stream *stream);
void otc_stream_delete(otc_stream *stream);

/** node-otc addition (not in the Linux SDK, whose callbacks carry no reason): why something
 *  ended, readable inside the callback that reports the end and after it. The reason is a word of
 *  docs/protocol.md: "clientDisconnected", "clientUnpublished", "clientUnsubscribed",
 *  "networkDisconnected" (the client's link dropped: killed, or cut off), "forceDisconnected",
 *  "routerFailed", "peerFailed", "timedOut", "sessionDisconnected", or "unknown"; a static string,
 *  NULL while the thing has not ended. The code is OTC_SUCCESS when someone asked for the end
 *  (disconnect, unpublish, unsubscribe), else the failure's code (1022 for a dropped link).
 *  Streams: in on_stream_dropped (and the publisher's on_stream_destroyed). Connections: in
 *  on_connection_dropped. */
const char *otc_stream_get_destroyed_reason(const otc_stream *stream);
otc_status otc_stream_get_destroyed_code(const otc_stream *stream);
const char *otc_connection_get_destroyed_reason(const otc_connection *connection);
otc_status otc_connection_get_destroyed_code(const otc_connection *connection);
/** node-otc addition: why the session's last on_disconnected came ("clientDisconnected" after
 *  otc_session_disconnect, "networkDisconnected" with 1022 when the link dropped and could not be
 *  reconnected); NULL before the first disconnect and again once connect is called. */
const char *otc_session_get_disconnect_reason(otc_session *session);
otc_status otc_session_get_disconnect_code(otc_session *session);
/** node-otc addition (not in the Linux SDK): a copy (free it with otc_stream_delete) of the
 *  stream stream_id as the session knows it now: another client's stream, from
 *  on_stream_received until on_stream_dropped or the link ends, or one this client publishes in
 *  the session (from its on_stream_created). NULL when there is none, so that a binding can make
 *  subscribers by stream id without keeping stream copies of its own. */
otc_stream *otc_session_copy_stream(otc_session *session, const char *stream_id);

/** Sets the session's end-to-end encryption secret. Validates at once (OTC_SUCCESS or
 *  OTC_SESSION_INVALID_ENCRYPTION_SECRET, in which case the previous secret stays); the key is
 *  derived on an internal thread, never the caller's, and on_encryption_key_ready reports it. */
otc_status otc_session_set_encryption_secret(otc_session *session, const char *secret);

/** Moves every sender of the session to the next ratchet step of its key (forward secrecy
 *  without a new secret); receivers follow on their own (docs/e2ee-frame-format.md section 7.4).
 *  OTC_E2EE_KEY_NOT_READY while no key is derived. */
otc_status otc_session_ratchet_encryption_key(otc_session *session);

/** The epoch id of the key now in use; OTC_E2EE_KEY_NOT_READY while none is derived yet. */
otc_status otc_session_get_encryption_epoch(otc_session *session, uint32_t *epoch_id);

/** Whether a secret set is still waiting for, or in, its key derivation. */
otc_bool otc_session_encryption_key_pending(otc_session *session);

/** Whether a secret was set (it may still be deriving). */
otc_bool otc_session_has_encryption_secret(otc_session *session);

const char *otc_session_get_id(const otc_session *session);

/** Wipes keys, waits for a running key derivation to stop, frees. NULL is a no-op. Publishers
 *  and subscribers still attached are detached first (they report on_stream_destroyed /
 *  on_disconnected) and stay valid: delete them, or publish them in another session. A process
 *  that exits without deleting its sessions is safe too: their threads are joined at exit.
 *  Must not be called from one of the session's own callbacks. */
otc_status otc_session_delete(otc_session *session);

#ifdef __cplusplus
}
#endif

#endif /* OTC_SESSION_H */
