// A session's link to the session server: connect, disconnect, signals, and the connection and
// stream events of docs/protocol.md, reported through the session's callbacks.
//
// Threads: the API functions may be called from any thread, callbacks included. Callbacks run
// on the signaling client's io thread and are never called with mutex_ held, so they may call
// back into the API (send a signal, disconnect). The destructor joins the io thread and must
// not run on it.
#pragma once

#include <otc/session.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../signaling/signaling_client.h"
#include "connection.h"
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
  bool is_e2ee();
  // to_connection_id: NULL for everyone.
  otc_status send_signal(const char *type, const char *data, const char *to_connection_id);
  // Whether the caller runs on the io thread (inside one of the session's callbacks).
  bool on_own_thread();

  // Publishers and subscribers (media_endpoint.h). attach: OTC_SESSION_NOT_CONNECTED unless
  // connected. Routes: negotiation events naming peer_id, and events naming stream_id
  // (subscriberJoined for a publisher, streamDestroyed for a subscriber), go to the endpoint.
  otc_status attach(const std::shared_ptr<MediaEndpoint> &endpoint);
  void detach(MediaEndpoint *endpoint);
  void route_peer(const std::string &peer_id, MediaEndpoint *endpoint);
  void unroute_peer(const std::string &peer_id);
  void route_stream(const std::string &stream_id, MediaEndpoint *endpoint);
  // A request on the current socket; false (done never runs) when not connected.
  bool request(nlohmann::json message, signaling::SignalingClient::ReplyHandler done);
  // Runs fn on the io thread (dropped when the link has no client).
  void post(std::function<void()> fn);
  // Waits until the io thread has finished what it is running (no-op on the io thread).
  void sync_io();
  // This client's connection, for the streams its publishers create (null while not connected).
  std::shared_ptr<const otc_connection> own_connection();
  otc_session *session() const { return session_; }

 private:
  enum class State { disconnected, connecting, connected, disconnecting };

  void on_event(uint64_t socket, const nlohmann::json &event) override;
  void on_closed(uint64_t socket, int close_code, const std::string &reason) override;
  void on_open(uint64_t attempt, otc_status status, const std::string &message, const std::string &token);
  void on_connect_reply(uint64_t attempt, const signaling::Reply &reply);
  void on_disconnect_done(uint64_t attempt);
  void report_error(otc_status status, const std::string &message);
  // mutex_ held. Returns the endpoints, to be told outside the lock (tell_gone).
  [[nodiscard]] std::vector<std::shared_ptr<MediaEndpoint>> forget_peers();
  static void tell_gone(const std::vector<std::shared_ptr<MediaEndpoint>> &endpoints);
  // Endpoints an event is for (mutex_ held).
  std::vector<std::shared_ptr<MediaEndpoint>> endpoints_for_locked(const nlohmann::json &event,
                                                                   const std::string &type);
  std::shared_ptr<const otc_connection> find_connection(const std::string &id);
  std::shared_ptr<otc_stream> make_stream(const nlohmann::json &object);

  otc_session *const session_;
  std::mutex mutex_;
  std::unique_ptr<signaling::SignalingClient> client_;  // created at the first connect
  State state_ = State::disconnected;
  uint64_t attempt_ = 0;  // bumped by connect and disconnect: older completions are stale
  uint64_t socket_ = 0;
  bool e2ee_ = false;
  // Every connection id ever handed out stays allocated until the session is deleted, so a
  // pointer from otc_session_get_connection_id never dangles while another thread reconnects.
  std::vector<std::unique_ptr<std::string>> connection_ids_;
  const std::string *connection_id_ = nullptr;  // null while not connected
  std::shared_ptr<const otc_connection> own_;
  std::map<std::string, std::shared_ptr<const otc_connection>> connections_;
  std::map<std::string, std::shared_ptr<otc_stream>> streams_;
  std::vector<std::shared_ptr<MediaEndpoint>> endpoints_;
  std::map<std::string, MediaEndpoint *> peer_routes_;
  std::multimap<std::string, MediaEndpoint *> stream_routes_;
};

}  // namespace otc
