/* node-otc, Linux SDK interface: sessions. A session connects to the session server (node-otc's
 * own: its URL comes from the environment variable OTC_SIGNALING_URL, or from node-otc's
 * otc_session_settings_set_signaling_url), reports the clients and streams in it, carries
 * signals, and holds the end-to-end encryption secret its publishers and subscribers seal and
 * open media frames with. Subscribing is a session call, as in the SDK (below); publishing is
 * still declared with publishers (otc/publisher.h). */
#ifndef OTC_SDK_SESSION_H
#define OTC_SDK_SESSION_H

#include "base.h"
#include "config.h"
#include "connection.h"
#include "stream.h"

OTC_BEGIN_DECL

#ifndef OTC_SESSION_FWD_DECL
#define OTC_SESSION_FWD_DECL
typedef struct otc_session otc_session;
#endif
typedef struct otc_session_settings otc_session_settings;
#ifndef OTC_SUBSCRIBER_FWD_DECL
#define OTC_SUBSCRIBER_FWD_DECL
typedef struct otc_subscriber otc_subscriber; /* opentok/subscriber.h */
#endif

/* What a session's on_error reports and its calls return. */
enum otc_session_error_code {
  OTC_SESSION_AUTHORIZATION_FAILURE = 1004,
  OTC_SESSION_INVALID_SESSION = 1005,
  OTC_SESSION_CONNECTION_FAILED = 1006,
  OTC_SESSION_NOT_CONNECTED = 1010,
  OTC_SESSION_NULL_OR_INVALID_PARAMETER = 1011,
  OTC_SESSION_ILLEGAL_STATE = 1015,
  OTC_SESSION_STATE_FAILED = 1020,
  OTC_SESSION_CONNECTION_TIMED_OUT = 1021,
  OTC_SESSION_CONNECTION_DROPPED = 1022,
  OTC_SESSION_CONNECTION_REFUSED = 1023,
  OTC_SESSION_BLOCKED_COUNTRY = 1026,
  OTC_SESSION_CONNECTION_LIMIT_EXCEEDED = 1027,
  OTC_SESSION_SUBSCRIBER_NOT_FOUND = 1112,
  OTC_SESSION_PUBLISHER_NOT_FOUND = 1113,
  OTC_SESSION_SIGNAL_DATA_TOO_LONG = 1413,
  OTC_SESSION_SIGNAL_TYPE_TOO_LONG = 1414,
  OTC_SESSION_INVALID_SIGNAL_TYPE = 1461,
  OTC_SESSION_NO_MESSAGING_SERVER = 1503,
  OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM = 1535,
  OTC_SESSION_INTERNAL_ERROR = 2000,
  OTC_SESSION_UNEXPECTED_GET_SESSION_INFO_REPONSE = 2001, /* sic: the SDK's spelling */
  OTC_SESSION_ENCRYPTION_SECRET_MISSING = 6000,
  OTC_SESSION_INVALID_ENCRYPTION_SECRET = 6004
};

/* What this client's token lets it do in the session. publish as in SDK 2.19.1; force_disconnect
 * and force_mute as later SDKs have them (a moderator token); force_unpublish, node-otc's, as
 * OpenTok.js's capabilities.forceUnpublish. Returned by value: a program built against 2.19.1's
 * one-field struct reads its publish as before. */
struct otc_session_capabilities {
  otc_bool publish;
  otc_bool force_disconnect;
  otc_bool force_mute;
  otc_bool force_unpublish;
};

/* STUN/TURN servers of the application's own (otc_session_settings_set_custom_ice_config). */
struct otc_custom_ice_config {
  int num_ice_servers;
  char **ice_url;
  char **ice_user;
  char **ice_credential;
  otc_bool force_turn;           /* relay (TURN) candidates only */
  otc_bool use_custom_turn_only; /* ignore the ICE servers the session server hands out */
};

/* Passed by value to the *_with_options signal calls. */
struct otc_signal_options {
  /* While the session reconnects: OTC_TRUE queues the signal until it has (the default of the
   * calls without options), OTC_FALSE refuses it with OTC_SESSION_NOT_CONNECTED. */
  otc_bool retry_after_reconnect;
};

/* Any member may be NULL. Callbacks run on the library's threads, one at a time per session;
 * what they are handed is valid during the call. A callback may call the API (publish in
 * on_connected, subscribe in on_stream_received, ...) but must not delete its own session. */
struct otc_session_callbacks {
  void (*on_connected)(otc_session *session, void *user_data);
  void (*on_disconnected)(otc_session *session, void *user_data);
  void (*on_connection_created)(otc_session *session, void *user_data, const otc_connection *connection);
  void (*on_connection_dropped)(otc_session *session, void *user_data, const otc_connection *connection);
  /* Another client's stream (this client's own go to its publishers' on_stream_created). */
  void (*on_stream_received)(otc_session *session, void *user_data, const otc_stream *stream);
  void (*on_stream_dropped)(otc_session *session, void *user_data, const otc_stream *stream);
  /* Another client's stream changed: its publisher turned audio or video off or on, or the size
   * of the video it captures changed (told once it has held for half a second). The stream's
   * accessors give the new values already. Not called for this client's own streams, nor for a
   * value the stream had already. on_stream_video_type_changed is never called: node-otc's
   * publishers cannot change their video type once published. */
  void (*on_stream_has_audio_changed)(otc_session *session, void *user_data, const otc_stream *stream,
                                      otc_bool has_audio);
  void (*on_stream_has_video_changed)(otc_session *session, void *user_data, const otc_stream *stream,
                                      otc_bool has_video);
  void (*on_stream_video_dimensions_changed)(otc_session *session, void *user_data, const otc_stream *stream,
                                             int width, int height);
  void (*on_stream_video_type_changed)(otc_session *session, void *user_data, const otc_stream *stream,
                                       enum otc_stream_video_type type);
  /* type is "" for a signal sent without one; connection is the sender's, NULL when the project
   * sent it through the REST API. */
  void (*on_signal_received)(otc_session *session, void *user_data, const char *type, const char *signal,
                             const otc_connection *connection);
  /* The link to the server dropped and the session is reconnecting by itself; media flowing
   * keeps flowing. Then on_reconnected, or on_error 1022 and on_disconnected. */
  void (*on_reconnection_started)(otc_session *session, void *user_data);
  void (*on_reconnected)(otc_session *session, void *user_data);
  /* Archiving (Vonage's cloud recording) does not exist here: not called. */
  void (*on_archive_started)(otc_session *session, void *user_data, const char *archive_id, const char *name);
  void (*on_archive_stopped)(otc_session *session, void *user_data, const char *archive_id);
  void (*on_error)(otc_session *session, void *user_data, const char *error_string,
                   enum otc_session_error_code error);
  void *user_data;
  void *reserved; /* must be NULL */
};

/* A session object for session_id (no connection yet). callbacks are copied. NULL for a NULL or
 * empty apikey or session_id. The apikey is the project's key on node-otc's session server. */
OTC_DECL(otc_session *) otc_session_new(const char *apikey, const char *session_id,
                                       const struct otc_session_callbacks *callbacks);

OTC_DECL(otc_session_settings *) otc_session_settings_new(void);

/* Leave out on_connection_created/on_connection_dropped (large sessions). node-otc's server still
 * sends the events; the session drops them. */
OTC_DECL(otc_status) otc_session_settings_set_connection_events_suppressed(otc_session_settings *settings,
                                                                           otc_bool suppress);

/* Everything is copied; credentials are wiped when the settings and the session are freed.
 * OTC_SESSION_NULL_OR_INVALID_PARAMETER for NULL settings or config, NULL arrays or URLs with
 * num_ice_servers > 0, more than 16 servers, a URL that is not stun:/stuns:/turn:/turns:
 * host[:port] (TURN: [?transport=udp|tcp]), a TURN server without user and credential, or
 * strings over 512 bytes; the previous configuration stays then. */
OTC_DECL(otc_status) otc_session_settings_set_custom_ice_config(otc_session_settings *settings,
                                                                const struct otc_custom_ice_config *custom_ice_config);

/* The signaling connection goes through this HTTP proxy: "http://host:port", or
 * "http://user:password@host:port" (Basic proxy authentication; user and password may be
 * percent-encoded). The library asks the proxy for a CONNECT tunnel to the session server and
 * speaks TLS and WebSocket inside it; media is not proxied (ICE: use TURN). A URL that is not
 * of that form (https:// proxies included) is OTC_INVALID_PARAM, as are NULL settings; NULL or
 * "" removes the proxy. A proxy that cannot be reached or refuses the tunnel (403, 407, 5xx)
 * ends the connect attempt with on_error OTC_SESSION_CONNECTION_FAILED (1006), its message naming the proxy
 * and its answer. */
OTC_DECL(otc_status) otc_session_settings_set_proxy_url(otc_session_settings *settings, const char *proxy_url);

/* Vonage's IP allow-list mode has no counterpart on a self-hosted server: accepted, no effect. */
OTC_DECL(otc_status) otc_session_settings_set_ip_whitelist(otc_session_settings *settings, otc_bool ip_whitelist);

OTC_DECL(otc_status) otc_session_settings_delete(otc_session_settings *settings);

/* As otc_session_new; settings are copied and may be NULL. */
OTC_DECL(otc_session *) otc_session_new_with_settings(const char *apikey, const char *session_id,
                                                     const struct otc_session_callbacks *callbacks,
                                                     otc_session_settings *settings);

/* Disconnects if needed, wipes keys, frees. Publishers and subscribers still attached are
 * detached first and stay valid. Not from the session's own callbacks
 * (OTC_SESSION_ILLEGAL_STATE). NULL is a no-op. */
OTC_DECL(otc_status) otc_session_delete(otc_session *session);

/* Connects with a token of node-otc's server, asynchronously: on_connected or on_error
 * (1004 bad token, 1005 wrong session, 1006 unreachable or TLS failure, 1021 timed out, 6000 an
 * encrypted session and no secret set). OTC_SESSION_ILLEGAL_STATE when connecting already. */
OTC_DECL(otc_status) otc_session_connect(otc_session *session, const char *token);

/* Leaves the session; on_disconnected follows. OTC_SESSION_ILLEGAL_STATE when not connected. */
OTC_DECL(otc_status) otc_session_disconnect(otc_session *session);

/* Signals reach every client (the sender too), or one connection. type may be NULL or "";
 * OTC_SESSION_NOT_CONNECTED, OTC_SESSION_SIGNAL_TYPE_TOO_LONG (> 128),
 * OTC_SESSION_INVALID_SIGNAL_TYPE (only [A-Za-z0-9_~-]), OTC_SESSION_SIGNAL_DATA_TOO_LONG
 * (> 8 KiB). Sent while reconnecting, a signal waits for the reconnection. */
OTC_DECL(otc_status) otc_session_send_signal(otc_session *session, const char *type, const char *signal);
OTC_DECL(otc_status) otc_session_send_signal_to_connection(otc_session *session, const char *type,
                                                           const char *signal, const otc_connection *connection);
OTC_DECL(otc_status) otc_session_send_signal_with_options(otc_session *session, const char *type,
                                                          const char *signal,
                                                          struct otc_signal_options signal_options);
OTC_DECL(otc_status) otc_session_send_signal_to_connection_with_options(otc_session *session, const char *type,
                                                                        const char *signal,
                                                                        const otc_connection *connection,
                                                                        struct otc_signal_options signal_options);

/* Forced muting, for clients whose token has the moderator role. Each call only sends the
 * request and returns: OTC_SUCCESS once it is on its way (while the session reconnects it waits
 * for the reconnection), OTC_SESSION_NULL_OR_INVALID_PARAMETER for a NULL session, a NULL or
 * empty stream id or one over 128 bytes, a negative count, a positive count with a NULL array or a
 * NULL or empty entry, or more than 1000 ids, OTC_SESSION_NOT_CONNECTED when not connected. A
 * server that refuses (the token is not a moderator's, no such stream) is reported later through
 * on_error with OTC_UNABLE_TO_FORCE_MUTE (1540). The clients muted stop sending audio as
 * otc_publisher_set_publish_audio(publisher, OTC_FALSE) would, and may turn it back on.
 *
 * otc_session_force_mute_stream mutes one stream, whoever publishes it. */
OTC_DECL(otc_status) otc_session_force_mute_stream(const otc_session *session, const char *stream_id);
/* Turns the session's mute state on: mutes every stream of the session but the count ids in
 * excluded_stream_ids (NULL with 0: none spared), and streams published later too, until
 * otc_session_disable_force_mute. Every client's forced-mute callback says active (once: a second
 * call while it is on mutes again and replaces the excluded ids, without a callback). */
OTC_DECL(otc_status) otc_session_force_mute_all(otc_session *session, const char **excluded_stream_ids, int count);
/* Turns the session's mute state off: streams published from now on keep their audio; nobody is
 * unmuted. Every client's forced-mute callback says not active (when it was on). */
OTC_DECL(otc_status) otc_session_disable_force_mute(otc_session *session);

/* Moderation, for a moderator token (otc_session_get_capabilities says force_disconnect):
 * otc_session_force_disconnect removes a connection from the session as the REST
 * forceDisconnect does: that client's on_disconnected follows (no error, no reconnection), the
 * others get on_connection_dropped and on_stream_dropped with the reason "forceDisconnected".
 * OTC_SUCCESS says the request was sent (queued while reconnecting); a refusal (another role, an
 * unknown connection) or a link lost before the answer reaches on_error with
 * OTC_UNABLE_TO_FORCE_DISCONNECT (1520). */
OTC_DECL(otc_status) otc_session_force_disconnect(otc_session *session, const otc_connection *connection);

/* Starts receiving the subscriber's stream: the server is asked, then the publisher's (or the
 * media router's) offer sets up the peer connection; on_connected or on_error follow.
 * OTC_SESSION_NOT_CONNECTED, OTC_SESSION_ILLEGAL_STATE (subscribed already),
 * OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISSING (an encrypted stream and no secret), node-otc's
 * OTC_MEDIA_ENGINE_NOT_INITIALIZED. */
OTC_DECL(otc_status) otc_session_subscribe(otc_session *session, otc_subscriber *subscriber);
/* Stops receiving; on_disconnected follows. OTC_SESSION_SUBSCRIBER_NOT_FOUND when not subscribed
 * in this session. */
OTC_DECL(otc_status) otc_session_unsubscribe(otc_session *session, otc_subscriber *subscriber);

/* Reporting an issue to Vonage means nothing on a self-hosted server: the description goes to
 * the library's log (level WARN), *issue_id is set to NULL, and the call returns
 * OTC_NOT_SUPPORTED (node-otc, otc/errors.h). */
OTC_DECL(otc_status) otc_session_report_issue(struct otc_session *session, const char *issue_description,
                                              char **issue_id);

/* The session id given to otc_session_new; owned by the session (do not free). */
OTC_DECL(char *) otc_session_get_id(const otc_session *session);

/* This client's connection while connected, owned by the session (valid until it disconnects);
 * NULL otherwise. */
OTC_DECL(otc_connection *) otc_session_get_connection(const otc_session *session);

/* publish: whether the token's role lets this client publish; the force_* fields: whether it is a
 * moderator's (connected sessions; all zero otherwise). */
OTC_DECL(struct otc_session_capabilities) otc_session_get_capabilities(const otc_session *session);

OTC_DECL(void *) otc_session_get_user_data(const otc_session *session);

/* Sets the end-to-end encryption secret (8 to 256 characters). Validated at once
 * (OTC_SESSION_INVALID_ENCRYPTION_SECRET leaves the previous one in place); the key is derived
 * on an internal thread. Publishers and subscribers of the session seal and open every media
 * frame with it. */
OTC_DECL(otc_status) otc_session_set_encryption_secret(otc_session *session, const char *secret);

OTC_END_DECL

#endif /* OTC_SDK_SESSION_H */
