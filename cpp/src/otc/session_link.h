// A session's link to the session server: connect, disconnect, signals, and the connection and
// stream events of docs/protocol.md, reported through the session's callbacks.
//
// Threads: the API functions may be called from any thread, callbacks included. Callbacks run
// on the signaling client's io thread and are never called with mutex_ held, so they may call
// back into the API (send a signal, disconnect). The destructor joins the io thread and must
// not run on it.
#pragma once

#include <otc/session.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "../signaling/messages.h"
#include "../signaling/signaling_client.h"
#include "../rtc/ice_settings.h"
#include "connection.h"
#include "end_reason.h"
#include "media_endpoint.h"
#include "stream.h"

namespace otc {

class SessionLink : public signaling::SignalingListener {
 public:
  explicit SessionLink(otc_session *session);
  ~SessionLink() override;

  otc_status connect(const char *token);
  otc_status disconnect();
  const char *connection_id();
  // Why the last on_disconnected came (end_reason.h); reason null before it and while connecting.
  EndReason disconnect_reason();
  // otc_session_is_link_active: not disconnected, or the callback ending the link not yet made.
  bool link_active();
  // otc_session_copy_stream: another client's stream known now, else one of this client's
  // publishers' (null when none).
  std::shared_ptr<otc_stream> find_stream(const std::string &stream_id);
  bool is_e2ee();
  // The session's forced-mute state (a moderator's forceMuteAll until disableForceMute): from
  // the connect ack and forceMuteChanged; false while not connected.
  bool force_mute_active();
  // Connected (not reconnecting): a request goes out now rather than waiting in the queue.
  bool signaling_up();
  // to_connection_id: NULL for everyone.
  // retry_after_reconnect: while reconnecting, queue the signal (true) or refuse it (false).
  otc_status send_signal(const char *type, const char *data, const char *to_connection_id,
                         bool retry_after_reconnect = true);
  // Forced muting (moderators): the request is sent (queued while reconnecting); a refusal, or
  // a link lost before the answer, reaches on_error as OTC_UNABLE_TO_FORCE_MUTE. The arguments
  // are checked by the C API (session_api.cpp).
  otc_status force_mute_stream(const std::string &stream_id);
  otc_status force_mute_all(const std::vector<std::string> &excluded_stream_ids);
  otc_status disable_force_mute();
  // Moderation (moderators): the same, refused as OTC_UNABLE_TO_FORCE_DISCONNECT and
  // OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM.
  otc_status force_disconnect(const std::string &connection_id);
  otc_status force_unpublish(const std::string &stream_id);
  // This client's connection while connected (kept until the session is deleted), else null.
  otc_connection *own_connection_handle();
  // Whether the token's role lets this client publish; false while not connected.
  bool can_publish();
  // Whether the token's role is moderator (forced disconnects, unpublishing and muting); false
  // while not connected.
  bool is_moderator();
  // Whether the caller runs on the io thread (inside one of the session's callbacks).
  bool on_own_thread();

  // Publishers and subscribers (media_endpoint.h). attach: OTC_SESSION_NOT_CONNECTED unless
  // connected. Routes: negotiation events naming peer_id, and events naming stream_id
  // (subscriberJoined for a publisher, streamDestroyed for a subscriber), go to the endpoint.
  otc_status attach(const std::shared_ptr<MediaEndpoint> &endpoint);
  void detach(MediaEndpoint *endpoint);
  // One endpoint per end of a peer (both ends when a session subscribes to its own stream).
  void route_peer(const std::string &peer_id, MediaEndpoint *endpoint);
  void unroute_peer(const std::string &peer_id, MediaEndpoint *endpoint);
  void route_stream(const std::string &stream_id, MediaEndpoint *endpoint);
  // A request on the current socket; false (done never runs) when not connected. While the
  // session reconnects it waits (at most kMaxQueuedRequests) and is sent once reconnected; past
  // that bound, or when the link drops before the server answers, done gets
  // OTC_SESSION_CONNECTION_DROPPED (never inside this call).
  bool request(nlohmann::json message, signaling::SignalingClient::ReplyHandler done);
  // Runs fn on the io thread (dropped when the link has no client).
  void post(std::function<void()> fn);
  // Waits until the io thread has finished what it is running (no-op on the io thread).
  void sync_io();
  // This client's connection, for the streams its publishers create (null while not connected).
  std::shared_ptr<const otc_connection> own_connection();
  otc_session *session() const { return session_; }
  // What a peer connection of this session is made with now: the ICE servers of the connect
  // ack and the application's custom ICE configuration (ice_config.h).
  rtc::IceSettings ice_settings();

  // A hostile or broken server cannot grow the client without bound: connections and streams
  // beyond these are not tracked (dropped with a log line).
  static constexpr size_t kMaxTrackedConnections = 10000;
  static constexpr size_t kMaxTrackedStreams = 10000;
  // Requests waiting for a reconnection.
  static constexpr size_t kMaxQueuedRequests = 256;
  // Reconnection: each attempt is bounded by this; the waits between attempts start at the
  // first and double up to the second (±20% jitter).
  static constexpr std::chrono::milliseconds kReconnectAttemptTimeout{5000};
  static constexpr std::chrono::milliseconds kFirstBackoff{500};
  static constexpr std::chrono::milliseconds kMaxBackoff{5000};

 private:
  // reconnecting: the link dropped while connected; the connection (id, streams, endpoints) is
  // kept while attempts run.
  enum class State { disconnected, connecting, connected, reconnecting, disconnecting };
  struct QueuedRequest {
    nlohmann::json message;
    signaling::SignalingClient::ReplyHandler done;
  };

  void on_event(uint64_t socket, const nlohmann::json &event) override;
  void on_closed(uint64_t socket, int close_code, const std::string &reason) override;
  void on_open(uint64_t attempt, otc_status status, const std::string &message, const std::string &token);
  void on_connect_reply(uint64_t attempt, const signaling::Reply &reply);
  void on_disconnect_done(uint64_t attempt);
  // mutex_ held: a request on the current socket, failed with 1022 if the socket drops first.
  void send_locked(nlohmann::json message, signaling::SignalingClient::ReplyHandler done);
  // mutex_ held: sent now when connected, queued while reconnecting.
  void dispatch_locked(nlohmann::json message, signaling::SignalingClient::ReplyHandler done);
  // Reconnection steps (session_link.cpp, "Reconnecting"); attempt: attempt_ when scheduled.
  void attempt_reconnect(uint64_t attempt);
  void on_reconnect_open(uint64_t attempt, otc_status status, const std::string &message);
  void on_reconnect_reply(uint64_t attempt, const signaling::Reply &reply);
  // mutex_ held: schedules the next attempt; false when the reconnection timeout would pass first.
  [[nodiscard]] bool schedule_retry_locked(uint64_t attempt);
  // The reconnection failed for good: 1022 with why, then on_disconnected.
  void give_up(uint64_t attempt, const std::string &why);
  static bool reconnectable(int close_code);
  void report_error(otc_status status, const std::string &message);
  // mutex_ held. Returns the endpoints, to be told outside the lock (tell_gone).
  [[nodiscard]] std::vector<std::shared_ptr<MediaEndpoint>> forget_peers();
  static void tell_gone(const std::vector<std::shared_ptr<MediaEndpoint>> &endpoints);
  // Endpoints an event is for (mutex_ held).
  std::vector<std::shared_ptr<MediaEndpoint>> endpoints_for_locked(const signaling::ServerEvent &event);
  std::shared_ptr<const otc_connection> find_connection(const std::string &id);
  std::shared_ptr<otc_stream> make_stream(const signaling::StreamInfo &info);
  // The session callback of a stream property that changed (io thread, mutex_ not held).
  void report_property(const otc_stream *stream, const signaling::ServerEvent &event);
  // The forced-mute callback (otc_session_set_mute_forced_callback; io thread, mutex_ not held).
  void report_mute_forced(bool active);
  otc_status send_moderation(nlohmann::json message, const char *what, otc_status refused = OTC_UNABLE_TO_FORCE_MUTE);

  otc_session *const session_;
  std::mutex mutex_;
  std::unique_ptr<signaling::SignalingClient> client_;  // created at the first connect
  State state_ = State::disconnected;
  // The link went to disconnected and the callback that says so (on_disconnected, or the error
  // ending a connect attempt) is still to come: link_active() stays true until just before it.
  bool end_report_pending_ = false;
  // Clears end_report_pending_; called right before the callback ending the link.
  void end_reported();
  uint64_t attempt_ = 0;  // bumped by connect and disconnect: older completions are stale
  uint64_t socket_ = 0;
  bool e2ee_ = false;
  bool force_mute_active_ = false;  // force_mute_active()
  // The archive recording the session as last told: a start told again (a reconnection's catch-up
  // and the server's word to a new connection) is reported once.
  std::string archive_id_;
  // Every connection id ever handed out stays allocated until the session is deleted, so a
  // pointer from otc_session_get_connection_id never dangles while another thread reconnects.
  std::vector<std::unique_ptr<std::string>> connection_ids_;
  const std::string *connection_id_ = nullptr;  // null while not connected
  std::shared_ptr<const otc_connection> own_;
  // Every own connection handed out by otc_session_get_connection stays allocated until the
  // session is deleted, like connection_ids_.
  std::vector<std::shared_ptr<const otc_connection>> own_connections_;
  bool can_publish_ = false;  // the connect ack's role is not "subscriber"
  bool moderator_ = false;    // the connect ack's role is "moderator"
  EndReason disconnect_reason_;
  std::map<std::string, std::shared_ptr<const otc_connection>> connections_;
  std::map<std::string, std::shared_ptr<otc_stream>> streams_;
  // What a reconnection needs: kept from connect() until disconnected (the tokens wiped then).
  signaling::WsUrl url_;
  signaling::TlsOptions tls_;
  std::string token_;
  std::string reconnect_token_;  // from the last connect ack; empty: the server cannot reconnect us
  std::chrono::steady_clock::time_point reconnect_deadline_;
  std::chrono::milliseconds backoff_{kFirstBackoff};
  std::string last_attempt_error_;
  std::minstd_rand jitter_{std::random_device{}()};
  std::vector<QueuedRequest> queued_;  // while reconnecting
  std::map<uint64_t, signaling::SignalingClient::ReplyHandler> in_flight_;
  uint64_t next_request_ = 0;
  std::vector<IceServer> server_ice_servers_;  // from the connect ack
  uint64_t untracked_events_ = 0;                   // events dropped by the caps above
  std::vector<std::shared_ptr<MediaEndpoint>> endpoints_;
  std::multimap<std::string, MediaEndpoint *> peer_routes_;
  std::multimap<std::string, MediaEndpoint *> stream_routes_;
};

}  // namespace otc
