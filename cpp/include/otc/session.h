/* node-otc: additions to the SDK's sessions, connections and streams (opentok/session.h,
 * connection.h, stream.h): where the session server is and how it is trusted, reconnection and ICE
 * timeouts, why things ended, the encryption key's state and ratchet, and what bindings need to
 * keep no state of their own. */
#ifndef OTC_SESSION_H
#define OTC_SESSION_H

#include <stdint.h>

#include "../opentok/session.h"
#include "base.h"
#include "e2ee.h"

#ifdef __cplusplus
extern "C" {
#endif

/** node-otc addition: a callback for the moment the key of the secret last set is derived and
 *  in use (otc_session_set_encryption_secret), called with the session's user_data on the key
 *  derivation's thread. Set it before setting a secret; NULL removes it. */
typedef void (*otc_session_encryption_key_ready_cb)(otc_session *session, void *user_data, uint32_t epoch_id);
otc_status otc_session_set_encryption_key_ready_callback(otc_session *session,
                                                        otc_session_encryption_key_ready_cb callback);

/** node-otc addition: the forced-mute callback, which later SDKs carry in otc_session_callbacks
 *  (node-otc keeps SDK 2.19.1's layout of that struct). Called with the session's user_data, on
 *  the thread of the session's other callbacks, with active:
 *  - OTC_TRUE when the session's mute state goes on (a moderator's otc_session_force_mute_all:
 *    every client hears it), and OTC_FALSE when it goes off (otc_session_disable_force_mute);
 *    once per change: a second mute-all while it is on mutes the streams again without a call;
 *  - OTC_TRUE when a moderator muted one of this client's streams on its own
 *    (otc_session_force_mute_stream), after that stream's publisher turned its audio off;
 *  - OTC_TRUE right after on_connected when the session's mute state is on already, and after
 *    on_reconnected when it changed while the link was down.
 *  May be set or changed (NULL removes it) at any time; a call already under way completes. */
typedef void (*otc_session_mute_forced_cb)(otc_session *session, void *user_data,
                                           struct otc_on_mute_forced_info *mute_info);
otc_status otc_session_set_mute_forced_callback(otc_session *session, otc_session_mute_forced_cb callback);
/** node-otc addition: whether the session's mute state is on (from otc_session_force_mute_all until
 *  otc_session_disable_force_mute), as the last forced-mute callback of a change said; OTC_FALSE
 *  while not connected. */
otc_bool otc_session_is_force_mute_active(otc_session *session);

/** The most stream ids otc_session_force_mute_all takes (the session server's bound). */
#define OTC_SESSION_FORCE_MUTE_MAX_EXCLUDED 1000

/* Settings: the SDK's (opentok/session.h) plus where the server is and how it is trusted. */
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

/** The same, to a connection named by its id (which outlives the callbacks that report it);
 *  OTC_SESSION_NULL_OR_INVALID_PARAMETER for an empty id or one over 128 bytes. */
otc_status otc_session_send_signal_to_connection_id(otc_session *session, const char *type,
                                                    const char *signal, const char *connection_id);

/** node-otc addition, as OpenTok.js's forceUnpublish (moderators: otc_session_get_capabilities
 *  says force_unpublish): stops a stream. Its publisher's on_stream_destroyed follows with the
 *  reason "forceUnpublished" (the publisher stays usable and may be published again), every
 *  subscriber's on_disconnected and the sessions' on_stream_dropped the same reason. OTC_SUCCESS
 *  says the request was sent; a refusal (another role, an unknown stream) reaches on_error with
 *  OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM (1535). */
otc_status otc_session_force_unpublish(otc_session *session, const otc_stream *stream);

/** otc_session_force_disconnect and otc_session_force_unpublish with the connection or stream
 *  named by its id (at most 128 bytes), as the Node binding calls them. */
otc_status otc_session_force_disconnect_connection_id(otc_session *session, const char *connection_id);
otc_status otc_session_force_unpublish_stream_id(otc_session *session, const char *stream_id);

/** Node-otc additions to streams: whether the publisher says it seals its frames, and the
 *  codecs it announced ("VP8", "VP9", "H264" / "opus"; "" when it has none). */
otc_bool otc_stream_is_e2ee(const otc_stream *stream);
const char *otc_stream_get_video_codec(const otc_stream *stream);
const char *otc_stream_get_audio_codec(const otc_stream *stream);

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

#ifdef __cplusplus
}
#endif

#endif /* OTC_SESSION_H */
