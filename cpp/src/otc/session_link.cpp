#include "session_link.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <future>
#include <set>
#include <utility>

#include "../signaling/messages.h"
#include "../base/log.h"
#include "session_impl.h"

namespace otc {

using nlohmann::json;
using namespace otc::signaling;

namespace {

constexpr std::chrono::milliseconds kConnectTimeout{10000};
constexpr std::chrono::milliseconds kRequestTimeout{10000};
// The close code of a connection the project removed (REST forceDisconnect): final (docs/protocol.md).
constexpr int kForceDisconnected = 4009;

void wipe(std::string &secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

Reply dropped_reply(const std::string &message) {
  Reply reply;
  reply.status = OTC_SESSION_CONNECTION_DROPPED;
  reply.message = message;
  return reply;
}

// The streamPropertyChanged events that bring a stream known before up to `info` (a
// reconnection's catch-up); applying them tells which ones change anything.
std::vector<ServerEvent> property_changes(const StreamInfo &info) {
  std::vector<ServerEvent> out(2);
  for (ServerEvent &event : out) {
    event.type = EventType::stream_property_changed;
    event.stream_id = info.stream_id;
  }
  out[0].property = StreamProperty::has_audio;
  out[0].flag = info.has_audio;
  out[1].property = StreamProperty::has_video;
  out[1].flag = info.has_video;
  if (info.video_width > 0) {
    ServerEvent size = out[0];
    size.property = StreamProperty::video_dimensions;
    size.width = info.video_width;
    size.height = info.video_height;
    out.push_back(std::move(size));
  }
  return out;
}

bool valid_signal_type(const std::string &type) {
  for (unsigned char c : type) {
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '~')) return false;
  }
  return true;
}

}  // namespace

SessionLink::SessionLink(otc_session *session) : session_(session) {}

SessionLink::~SessionLink() {
  std::vector<std::shared_ptr<MediaEndpoint>> endpoints;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    endpoints = forget_peers();
  }
  // Publishers and subscribers stop (closing their peer connections) while the socket is up.
  tell_gone(endpoints);
  std::unique_ptr<SignalingClient> client;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    client = std::move(client_);  // handlers still running see no client and stop
    ++attempt_;
  }
  client.reset();  // joins the io thread (after a close bounded to about a second)
}

otc_status SessionLink::attach(const std::shared_ptr<MediaEndpoint> &endpoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  if ((state_ != State::connected && state_ != State::reconnecting) || !client_) return OTC_SESSION_NOT_CONNECTED;
  endpoints_.push_back(endpoint);
  return OTC_SUCCESS;
}

void SessionLink::detach(MediaEndpoint *endpoint) {
  std::shared_ptr<MediaEndpoint> keep;  // released outside the lock
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = peer_routes_.begin(); it != peer_routes_.end();) {
    it = it->second == endpoint ? peer_routes_.erase(it) : std::next(it);
  }
  for (auto it = stream_routes_.begin(); it != stream_routes_.end();) {
    it = it->second == endpoint ? stream_routes_.erase(it) : std::next(it);
  }
  for (auto it = endpoints_.begin(); it != endpoints_.end(); ++it) {
    if (it->get() == endpoint) {
      keep = std::move(*it);
      endpoints_.erase(it);
      break;
    }
  }
}

void SessionLink::route_peer(const std::string &peer_id, MediaEndpoint *endpoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto range = peer_routes_.equal_range(peer_id);
  for (auto it = range.first; it != range.second;) {  // one endpoint per end
    it = it->second->peer_end() == endpoint->peer_end() ? peer_routes_.erase(it) : std::next(it);
  }
  peer_routes_.emplace(peer_id, endpoint);
}

void SessionLink::unroute_peer(const std::string &peer_id, MediaEndpoint *endpoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto range = peer_routes_.equal_range(peer_id);
  for (auto it = range.first; it != range.second;) {
    it = it->second == endpoint ? peer_routes_.erase(it) : std::next(it);
  }
}

void SessionLink::route_stream(const std::string &stream_id, MediaEndpoint *endpoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  stream_routes_.emplace(stream_id, endpoint);
}

bool SessionLink::request(json message, SignalingClient::ReplyHandler done) {
  std::lock_guard<std::mutex> lock(mutex_);
  if ((state_ != State::connected && state_ != State::reconnecting) || !client_) return false;
  dispatch_locked(std::move(message), std::move(done));
  return true;
}

void SessionLink::send_locked(json message, SignalingClient::ReplyHandler done) {
  const uint64_t key = ++next_request_;
  in_flight_[key] = std::move(done);
  client_->request(socket_, std::move(message), kRequestTimeout, [this, key](const Reply &reply) {
    SignalingClient::ReplyHandler handler;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = in_flight_.find(key);
      if (it == in_flight_.end()) return;  // failed already: the socket dropped
      handler = std::move(it->second);
      in_flight_.erase(it);
    }
    if (handler) handler(reply);
  });
}

void SessionLink::dispatch_locked(json message, SignalingClient::ReplyHandler done) {
  if (state_ == State::connected) return send_locked(std::move(message), std::move(done));
  // A newer offer for a peer supersedes one still queued (ICE restarts made during the outage):
  // the other end answers only the offer this end has as its local description. Likewise one
  // queued ICE restart request per peer is enough.
  const std::string type = message.value("type", "");
  if ((type == "offer" || type == "iceRestart") && message.contains("peerId")) {
    for (auto &queued : queued_) {
      if (queued.message.value("type", "") == type && queued.message.value("peerId", "") == message.value("peerId", "")) {
        queued = QueuedRequest{std::move(message), std::move(done)};
        return;
      }
    }
  }
  if (queued_.size() < kMaxQueuedRequests) {
    queued_.push_back(QueuedRequest{std::move(message), std::move(done)});
    return;
  }
  // Posted: the caller may hold a lock of its own that done takes.
  client_->post([done = std::move(done)] {
    if (done) done(dropped_reply("more than 256 requests wait for the reconnection to the session server"));
  });
}

void SessionLink::post(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (client_) client_->post(std::move(fn));
}

void SessionLink::sync_io() {
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!client_ || client_->in_io_thread()) return;
    client_->post([done] { done->set_value(); });
  }
  // Bounded: an io thread stuck in an application callback must not hang the caller forever.
  future.wait_for(std::chrono::seconds(5));
}

std::shared_ptr<const otc_connection> SessionLink::own_connection() {
  std::lock_guard<std::mutex> lock(mutex_);
  return own_;
}

void SessionLink::tell_gone(const std::vector<std::shared_ptr<MediaEndpoint>> &endpoints) {
  for (const auto &endpoint : endpoints) endpoint->on_session_gone();
}

std::vector<std::shared_ptr<MediaEndpoint>> SessionLink::endpoints_for_locked(const ServerEvent &event) {
  std::vector<std::shared_ptr<MediaEndpoint>> out;
  auto add = [&](MediaEndpoint *raw) {
    for (const auto &endpoint : endpoints_) {
      if (endpoint.get() == raw) out.push_back(endpoint);
    }
  };
  if (event.type == EventType::force_mute_changed || event.type == EventType::archive_started ||
      event.type == EventType::archive_stopped) {
    return out;  // the session's alone
  }
  if (event.type == EventType::subscriber_joined || event.type == EventType::stream_destroyed ||
      event.type == EventType::stream_property_changed || event.type == EventType::mute_forced) {
    auto range = stream_routes_.equal_range(event.stream_id);
    for (auto it = range.first; it != range.second; ++it) add(it->second);
  } else {
    // `to` names the end the event is for (both ends may be this session's: a subscription to
    // its own stream); without it, offers are for subscribers and answers for publishers.
    std::string to = event.to;
    if (to.empty() && event.type == EventType::offer) to = "subscriber";
    if (to.empty() && event.type == EventType::answer) to = "publisher";
    auto range = peer_routes_.equal_range(event.peer_id);
    for (auto it = range.first; it != range.second; ++it) {
      if (to.empty() || to == MediaEndpoint::peer_end_name(it->second->peer_end())) add(it->second);
    }
  }
  return out;
}

bool SessionLink::on_own_thread() {
  std::lock_guard<std::mutex> lock(mutex_);
  return client_ && client_->in_io_thread();
}

void SessionLink::report_error(otc_status status, const std::string &message) {
  const auto &cb = session_->callbacks;
  otc::log(OTC_LOG_LEVEL_WARN, "session %s: %s (%d)", session_->session_id.c_str(), message.c_str(),
           static_cast<int>(status));
  if (cb.on_error) cb.on_error(session_, cb.user_data, message.c_str(), static_cast<otc_session_error_code>(status));
}

otc_status SessionLink::connect(const char *token) {
  if (!token || !*token) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ != State::disconnected) return OTC_SESSION_ILLEGAL_STATE;
  disconnect_reason_ = EndReason{};
  if (!client_) client_ = std::make_unique<SignalingClient>(*this);
  std::string text = session_->signaling_url;
  if (text.empty()) {
    const char *env = std::getenv("OTC_SIGNALING_URL");
    if (env) text = env;
  }
  WsUrl url;
  std::string error;
  if (text.empty()) {
    error = "no signaling URL (set it in the session settings or in OTC_SIGNALING_URL)";
  } else if (!parse_ws_url(text, url, error)) {
    error = "bad signaling URL \"" + text + "\": " + error;
  }
  if (!error.empty()) {
    // Reported like any connect failure: asynchronously, on the io thread.
    end_report_pending_ = true;
    client_->post([this, error] {
      end_reported();
      report_error(OTC_SESSION_CONNECTION_FAILED, error);
    });
    return OTC_SUCCESS;
  }
  // Which CAs wss:// trusts: the settings, else OTC_CA_FILE, else the system store.
  TlsOptions tls;
  if (!session_->ca_file.empty() || !session_->ca_pem.empty()) {
    tls.ca_file = session_->ca_file;
    tls.ca_pem = session_->ca_pem;
    tls.origin = "the session settings";
  } else if (const char *env = std::getenv("OTC_CA_FILE"); env && *env) {
    tls.ca_file = env;
    tls.origin = "OTC_CA_FILE";
  }
  state_ = State::connecting;
  url_ = url;
  tls_ = tls;
  wipe(token_);
  token_ = token;
  wipe(reconnect_token_);
  const uint64_t attempt = ++attempt_;
  socket_ = client_->open(url, tls, session_->proxy, kConnectTimeout,
                          [this, attempt, token = std::string(token)](otc_status status, const std::string &message) {
                            on_open(attempt, status, message, token);
                          });
  return OTC_SUCCESS;
}

void SessionLink::on_open(uint64_t attempt, otc_status status, const std::string &message,
                          const std::string &token) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (attempt != attempt_ || state_ != State::connecting || !client_) return;
    if (status == OTC_SUCCESS) {
      client_->request(socket_, make_connect(token, session_->session_id, session_->has_secret.load()),
                       kConnectTimeout,
                       [this, attempt](const Reply &reply) { on_connect_reply(attempt, reply); });
      return;
    }
    state_ = State::disconnected;
  }
  report_error(status, message);
}

std::shared_ptr<const otc_connection> SessionLink::find_connection(const std::string &id) {
  if (own_ && own_->info.connection_id == id) return own_;
  auto it = connections_.find(id);
  if (it != connections_.end()) return it->second;
  auto unknown = std::make_shared<otc_connection>();
  unknown->info.connection_id = id;
  unknown->session_id = session_->session_id;
  return unknown;
}

std::shared_ptr<otc_stream> SessionLink::make_stream(const StreamInfo &info) {
  auto stream = std::make_shared<otc_stream>();
  stream->info = info;
  stream->live.reset(info);
  stream->connection = find_connection(stream->info.connection_id);
  return stream;
}

rtc::IceSettings SessionLink::ice_settings() {
  std::lock_guard<std::mutex> lock(mutex_);
  return combine_ice_settings(session_->ice, server_ice_servers_, url_.host);
}

std::vector<std::shared_ptr<MediaEndpoint>> SessionLink::forget_peers() {
  connection_id_ = nullptr;
  server_ice_servers_.clear();  // their destructors wipe the credentials
  own_.reset();
  connections_.clear();
  streams_.clear();
  peer_routes_.clear();
  stream_routes_.clear();
  // Requests waiting for, or lost with, the link: their handlers never run (as on a socket
  // that goes down); the endpoints hear on_session_gone instead.
  queued_.clear();
  in_flight_.clear();
  force_mute_active_ = false;
  archive_id_.clear();
  wipe(token_);
  wipe(reconnect_token_);
  return std::exchange(endpoints_, {});
}

void SessionLink::on_connect_reply(uint64_t attempt, const Reply &reply) {
  std::vector<std::shared_ptr<const otc_connection>> connections;
  std::vector<std::shared_ptr<otc_stream>> streams;
  otc_status error = OTC_SUCCESS;
  std::string message;
  bool force_muted = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (attempt != attempt_ || state_ != State::connecting || !client_) return;
    if (reply.status != OTC_SUCCESS) {
      state_ = State::disconnected;
      client_->close(socket_, false, nullptr);
      error = reply.status;
      message = reply.message.empty() ? "the session server refused to connect" : reply.message;
    } else if (parse_connect_ack(reply.body).session_e2ee && !session_->has_secret.load()) {
      state_ = State::disconnected;
      client_->close(socket_, true, nullptr);
      error = OTC_SESSION_ENCRYPTION_SECRET_MISSING;
      message = "the session is end-to-end encrypted and no encryption secret is set";
    } else {
      const ConnectAck ack = parse_connect_ack(reply.body);
      state_ = State::connected;
      e2ee_ = ack.session_e2ee;
      force_mute_active_ = force_muted = ack.force_mute_active;
      connection_ids_.push_back(std::make_unique<std::string>(ack.connection_id));
      connection_id_ = connection_ids_.back().get();
      auto own = std::make_shared<otc_connection>();
      own->info.connection_id = *connection_id_;
      own->info.data = ack.data;
      own->session_id = session_->session_id;
      own_ = own;
      own_connections_.push_back(own);
      can_publish_ = ack.role != "subscriber";
      moderator_ = ack.role == "moderator";
      reconnect_token_ = ack.reconnect_token;
      std::string problems = ack.ice_server_problems;
      server_ice_servers_ = ice_servers_from_ack(ack.ice_servers, problems);
      if (!problems.empty()) {
        otc::log(OTC_LOG_LEVEL_WARN, "session %s: ICE servers from the server skipped: %s",
                 session_->session_id.c_str(), problems.c_str());
      }
      for (const ConnectionInfo &info : ack.connections) {
        if (info.connection_id.empty()) continue;
        if (connections_.size() >= kMaxTrackedConnections) {
          ++untracked_events_;
          continue;
        }
        auto connection = std::make_shared<otc_connection>(otc_connection{info, {}, session_->session_id});
        connections_[info.connection_id] = connection;
        connections.push_back(connection);
      }
      for (const StreamInfo &info : ack.streams) {
        if (streams_.size() >= kMaxTrackedStreams) {
          ++untracked_events_;
          continue;
        }
        auto stream = make_stream(info);
        if (stream->info.stream_id.empty()) continue;
        streams_[stream->info.stream_id] = stream;
        streams.push_back(stream);
      }
    }
  }
  if (error != OTC_SUCCESS) return report_error(error, message);
  const auto &cb = session_->callbacks;
  otc::log(OTC_LOG_LEVEL_INFO, "session %s: connected", session_->session_id.c_str());
  if (cb.on_connected) cb.on_connected(session_, cb.user_data);
  for (const auto &connection : connections) {
    if (cb.on_connection_created && !session_->connection_events_suppressed) {
      cb.on_connection_created(session_, cb.user_data, connection.get());
    }
  }
  for (const auto &stream : streams) {
    if (cb.on_stream_received) cb.on_stream_received(session_, cb.user_data, stream.get());
  }
  // Joining a session a moderator has muted: the client learns the state it joins in.
  if (force_muted) report_mute_forced(true);
}

void SessionLink::on_event(uint64_t socket, const json &message) {
  const auto &cb = session_->callbacks;
  // Read once here: the endpoints get the typed event.
  const ServerEvent typed = parse_event(message);
  const EventType type = typed.type;
  std::shared_ptr<const otc_connection> connection;
  std::shared_ptr<otc_stream> stream;
  std::vector<std::shared_ptr<MediaEndpoint>> endpoints;
  bool property_changed = false;
  bool mute_changed = false;
  bool archive_changed = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (socket != socket_ || state_ != State::connected) return;
    if (type == EventType::stream_property_changed && typed.property == StreamProperty::unknown) return;
    endpoints = endpoints_for_locked(typed);
    if (type == EventType::connection_created) {
      const ConnectionInfo &info = typed.connection;
      if (info.connection_id.empty()) return;
      if (connections_.size() >= kMaxTrackedConnections && !connections_.count(info.connection_id)) {
        if (untracked_events_++ % 1000 == 0) {
          otc::log(OTC_LOG_LEVEL_WARN, "session %s: more than %zu connections: not tracked (%llu so far)",
                   session_->session_id.c_str(), kMaxTrackedConnections,
                   static_cast<unsigned long long>(untracked_events_));
        }
        return;
      }
      // Known already: reported by a reconnection's catch-up, before this queued event.
      if (connections_.count(info.connection_id)) return;
      connection = std::make_shared<otc_connection>(otc_connection{info, {}, session_->session_id});
      connections_[info.connection_id] = connection;
    } else if (type == EventType::connection_destroyed) {
      const std::string &id = typed.connection_id;
      // Unknown: reported gone by a reconnection's catch-up already (unless untracked by the caps).
      if (!connections_.count(id) && untracked_events_ == 0) return;
      connection = find_connection(id);
      connections_.erase(id);
      if (connection) {  // the shared one stays as it was: a copy carries the reason
        auto ended = std::make_shared<otc_connection>(*connection);
        ended->destroyed = end_reason_from_server(typed.reason);
        connection = std::move(ended);
      }
    } else if (type == EventType::stream_created) {
      stream = make_stream(typed.stream);
      // This client's own streams belong to its publishers, not to on_stream_received.
      if (stream->info.stream_id.empty() || (own_ && stream->connection == own_)) return;
      if (streams_.count(stream->info.stream_id)) return;  // reported by a reconnection's catch-up
      if (streams_.size() >= kMaxTrackedStreams && !streams_.count(stream->info.stream_id)) {
        if (untracked_events_++ % 1000 == 0) {
          otc::log(OTC_LOG_LEVEL_WARN, "session %s: more than %zu streams: not tracked (%llu so far)",
                   session_->session_id.c_str(), kMaxTrackedStreams,
                   static_cast<unsigned long long>(untracked_events_));
        }
        return;
      }
      streams_[stream->info.stream_id] = stream;
    } else if (type == EventType::stream_destroyed) {
      auto it = streams_.find(typed.stream_id);
      if (it != streams_.end()) {
        stream = it->second;
        streams_.erase(it);
        stream->destroyed = end_reason_from_server(typed.reason);
      }
    } else if (type == EventType::signal) {
      // A signal the server sent (REST) has no sender: on_signal_received gets a null connection.
      if (!typed.from.empty()) connection = find_connection(typed.from);
    } else if (type == EventType::force_mute_changed) {
      // Told once per change: a reconnection's catch-up may have reported this queued event.
      mute_changed = typed.active != force_mute_active_;
      force_mute_active_ = typed.active;
    } else if (type == EventType::archive_started) {
      archive_changed = !typed.archive_id.empty() && typed.archive_id != archive_id_;
      if (archive_changed) archive_id_ = typed.archive_id;
    } else if (type == EventType::archive_stopped) {
      archive_changed = !typed.archive_id.empty() && typed.archive_id == archive_id_;
      if (archive_changed) archive_id_.clear();
    } else if (type == EventType::stream_property_changed) {
      // This client's own streams are not here: their publishers know their state already.
      auto it = streams_.find(typed.stream_id);
      if (it != streams_.end()) {
        stream = it->second;
        property_changed = apply_stream_property(stream->live, typed);
      }
    }
  }
  // Subscribers of a destroyed stream hear it first, then the session's callback.
  for (const auto &endpoint : endpoints) endpoint->on_session_event(typed);
  if (type == EventType::connection_created) {
    if (cb.on_connection_created && !session_->connection_events_suppressed) {
      cb.on_connection_created(session_, cb.user_data, connection.get());
    }
  } else if (type == EventType::connection_destroyed) {
    if (cb.on_connection_dropped && !session_->connection_events_suppressed) {
      cb.on_connection_dropped(session_, cb.user_data, connection.get());
    }
  } else if (type == EventType::stream_created) {
    if (cb.on_stream_received) cb.on_stream_received(session_, cb.user_data, stream.get());
  } else if (type == EventType::stream_destroyed) {
    if (stream && cb.on_stream_dropped) cb.on_stream_dropped(session_, cb.user_data, stream.get());
  } else if (type == EventType::signal) {
    if (cb.on_signal_received) {
      cb.on_signal_received(session_, cb.user_data, typed.signal_type.c_str(), typed.data.c_str(), connection.get());
    }
  } else if (type == EventType::stream_property_changed && property_changed) {
    report_property(stream.get(), typed);
  } else if (type == EventType::force_mute_changed && mute_changed) {
    report_mute_forced(typed.active);
  } else if (type == EventType::archive_started && archive_changed) {
    if (cb.on_archive_started) cb.on_archive_started(session_, cb.user_data, typed.archive_id.c_str(), typed.archive_name.c_str());
  } else if (type == EventType::archive_stopped && archive_changed) {
    if (cb.on_archive_stopped) cb.on_archive_stopped(session_, cb.user_data, typed.archive_id.c_str());
  } else if (type == EventType::mute_forced && !typed.all && !typed.stream_id.empty()) {
    // One of this client's streams was muted on its own (its publisher, routed above, muted
    // first); the streams of a session-wide mute were announced by forceMuteChanged already.
    report_mute_forced(true);
  }
}

void SessionLink::report_mute_forced(bool active) {
  const auto callback = session_->on_mute_forced.load();
  if (!callback) return;
  otc_on_mute_forced_info info{active ? OTC_TRUE : OTC_FALSE};
  callback(session_, session_->callbacks.user_data, &info);
}

void SessionLink::report_property(const otc_stream *stream, const ServerEvent &event) {
  const auto &cb = session_->callbacks;
  switch (event.property) {
    case StreamProperty::has_audio:
      if (cb.on_stream_has_audio_changed) {
        cb.on_stream_has_audio_changed(session_, cb.user_data, stream, event.flag ? OTC_TRUE : OTC_FALSE);
      }
      break;
    case StreamProperty::has_video:
      if (cb.on_stream_has_video_changed) {
        cb.on_stream_has_video_changed(session_, cb.user_data, stream, event.flag ? OTC_TRUE : OTC_FALSE);
      }
      break;
    case StreamProperty::video_dimensions:
      if (cb.on_stream_video_dimensions_changed) {
        cb.on_stream_video_dimensions_changed(session_, cb.user_data, stream, event.width, event.height);
      }
      break;
    case StreamProperty::unknown:
      break;
  }
}

bool SessionLink::reconnectable(int close_code) {
  // The server closing for a reason a new socket would not change (docs/protocol.md, Closing
  // codes) is final; anything else (no close frame: a cut link or a silent one, 1001, 1006,
  // 1011, 1012, 4004 server shutting down: a restart) is worth reconnecting.
  static const std::set<int> final_codes = {1000, 1002, 1003, 1007, 1008, 1009, 1010, 4001, 4002, 4003, 4005, 4006, 4007, 4008, 4009};
  return !final_codes.count(close_code);
}

void SessionLink::on_closed(uint64_t socket, int close_code, const std::string &reason) {
  const std::string why = close_code == 0
                              ? "the link to the session server was lost" + (reason.empty() ? std::string() : ": " + reason)
                              : "the session server closed the connection (" + std::to_string(close_code) +
                                    (reason.empty() ? "" : " " + reason) + ")";
  State previous;
  std::vector<std::shared_ptr<MediaEndpoint>> endpoints;
  std::vector<SignalingClient::ReplyHandler> failed;
  uint64_t attempt = 0;
  bool started = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (socket != socket_ || state_ == State::disconnected) return;
    previous = state_;
    if (state_ == State::reconnecting) {
      // An attempt's socket dropped before its connect was answered: the next attempt, if any.
      last_attempt_error_ = why;
      attempt = attempt_;
      if (schedule_retry_locked(attempt)) return;
    } else if (state_ == State::connected && session_->reconnection_timeout_ms > 0 && !reconnect_token_.empty() &&
               reconnectable(close_code)) {
      state_ = State::reconnecting;
      attempt = ++attempt_;
      started = true;
      reconnect_deadline_ =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(session_->reconnection_timeout_ms);
      backoff_ = kFirstBackoff;
      last_attempt_error_ = why;
      for (auto &entry : in_flight_) failed.push_back(std::move(entry.second));
      in_flight_.clear();
      client_->post([this, attempt] { attempt_reconnect(attempt); });
    } else {
      state_ = State::disconnected;
      end_report_pending_ = true;
      ++attempt_;
      endpoints = forget_peers();
      if (previous == State::connected) {
        disconnect_reason_ = close_code == kForceDisconnected ? EndReason{"forceDisconnected", OTC_SUCCESS}
                                                              : EndReason{"networkDisconnected", OTC_SESSION_CONNECTION_DROPPED};
      }
    }
  }
  const auto &cb = session_->callbacks;
  if (started) {
    otc::log(OTC_LOG_LEVEL_WARN, "session %s: %s: reconnecting", session_->session_id.c_str(), why.c_str());
    if (cb.on_reconnection_started) cb.on_reconnection_started(session_, cb.user_data);
    for (auto &handler : failed) {
      if (handler) handler(dropped_reply("the link to the session server dropped before it answered"));
    }
    return;
  }
  if (previous == State::reconnecting) return give_up(attempt, "could not reconnect to the session server: " + why);
  tell_gone(endpoints);
  if (previous == State::connecting) {
    end_reported();
    report_error(OTC_SESSION_CONNECTION_FAILED, why);
    return;
  }
  // Removed by the project (REST forceDisconnect) is an ending the application asked for, as a
  // disconnect is: on_disconnected alone, as the Linux SDK reports it.
  if (close_code != 1000 && close_code != kForceDisconnected) report_error(OTC_SESSION_CONNECTION_DROPPED, why);
  end_reported();
  if (cb.on_disconnected) cb.on_disconnected(session_, cb.user_data);
}

// Reconnecting (docs/protocol.md, "Reconnecting"): attempts on the io thread, each a new socket
// and a connect with the connection id and reconnect token, until one is acked with the same
// connection id, the server refuses it, or the reconnection timeout passes.
bool SessionLink::schedule_retry_locked(uint64_t attempt) {
  const auto now = std::chrono::steady_clock::now();
  std::uniform_real_distribution<double> spread(0.8, 1.2);
  auto delay = std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(backoff_.count()) * spread(jitter_)));
  // The last attempt is moved up to fit before the deadline; with less than 200 ms left none is made.
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(reconnect_deadline_ - now) - std::chrono::milliseconds(200);
  if (left <= std::chrono::milliseconds(0) || !client_) return false;
  delay = std::min(delay, left);
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  client_->post_after(delay, [this, attempt] { attempt_reconnect(attempt); });
  return true;
}

void SessionLink::attempt_reconnect(uint64_t attempt) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (attempt != attempt_ || state_ != State::reconnecting || !client_) return;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(reconnect_deadline_ - std::chrono::steady_clock::now());
  const auto timeout = std::clamp(left, std::chrono::milliseconds(200), kReconnectAttemptTimeout);
  const uint64_t next = ++attempt_;
  socket_ = client_->open(url_, tls_, session_->proxy, timeout, [this, next](otc_status status, const std::string &message) {
    on_reconnect_open(next, status, message);
  });
}

void SessionLink::on_reconnect_open(uint64_t attempt, otc_status status, const std::string &message) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (attempt != attempt_ || state_ != State::reconnecting || !client_ || !connection_id_) return;
    if (status == OTC_SUCCESS) {
      json connect = make_reconnect(token_, session_->session_id, session_->has_secret.load(), *connection_id_,
                                    reconnect_token_);
      client_->request(socket_, std::move(connect), kReconnectAttemptTimeout,
                       [this, attempt](const Reply &reply) { on_reconnect_reply(attempt, reply); });
      return;
    }
    last_attempt_error_ = message;
    if (schedule_retry_locked(attempt)) return;
  }
  give_up(attempt, "could not reconnect to the session server within " +
                       std::to_string(session_->reconnection_timeout_ms / 1000) + " s: " + message);
}

void SessionLink::on_reconnect_reply(uint64_t attempt, const Reply &reply) {
  const auto &cb = session_->callbacks;
  std::vector<std::shared_ptr<const otc_connection>> created_connections, dropped_connections;
  std::vector<std::shared_ptr<otc_stream>> created_streams, dropped_streams;
  struct PropertyEvent {
    std::shared_ptr<otc_stream> stream;
    ServerEvent event;
    std::vector<std::shared_ptr<MediaEndpoint>> endpoints;
  };
  std::vector<PropertyEvent> property_events;
  std::vector<std::pair<ServerEvent, std::vector<std::shared_ptr<MediaEndpoint>>>> stream_events;
  std::string refusal;
  bool mute_changed = false, muted_now = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (attempt != attempt_ || state_ != State::reconnecting || !client_ || !connection_id_) return;
    const bool refused = reply.status == OTC_SESSION_AUTHORIZATION_FAILURE || reply.status == OTC_SESSION_INVALID_SESSION ||
                         reply.status == OTC_SESSION_CONNECTION_DROPPED;
    const std::string said = reply.message.empty() ? std::string("no reason given") : reply.message;
    if (reply.status != OTC_SUCCESS && !refused) {
      // Not an answer about this connection (a timeout, a limit, an internal error): try again.
      last_attempt_error_ = said;
      client_->close(socket_, false, nullptr);  // asked for: no on_closed for it
      if (schedule_retry_locked(attempt)) return;
      refusal = "could not reconnect to the session server within " +
                std::to_string(session_->reconnection_timeout_ms / 1000) + " s: " + said;
    } else if (refused) {
      refusal = "the session server refused the reconnection: " + said + " (" +
                std::to_string(static_cast<int>(reply.status)) + ")";
    } else if (parse_connect_ack(reply.body).connection_id != *connection_id_) {
      client_->close(socket_, true, nullptr);
      refusal = "the session server answered the reconnection with another connection id";
    } else {
      const ConnectAck ack = parse_connect_ack(reply.body);
      state_ = State::connected;
      reconnect_token_ = ack.reconnect_token;
      // The mute state changed while away: reported as the forceMuteChanged missed (the queued
      // one that follows then changes nothing).
      mute_changed = ack.force_mute_active != force_mute_active_;
      force_mute_active_ = muted_now = ack.force_mute_active;
      std::string problems = ack.ice_server_problems;
      auto ice = ice_servers_from_ack(ack.ice_servers, problems);
      if (!ice.empty()) server_ice_servers_ = std::move(ice);
      // What came and went while away: the ack's lists against what this client knew.
      std::map<std::string, std::shared_ptr<const otc_connection>> connections;
      for (const ConnectionInfo &info : ack.connections) {
        if (info.connection_id.empty() || connections.size() >= kMaxTrackedConnections) continue;
        auto known = connections_.find(info.connection_id);
        if (known != connections_.end()) {
          connections[info.connection_id] = known->second;
        } else {
          auto connection = std::make_shared<otc_connection>(otc_connection{info, {}, session_->session_id});
          connections[info.connection_id] = connection;
          created_connections.push_back(connection);
        }
      }
      for (const auto &[id, connection] : connections_) {
        if (connections.count(id)) continue;
        // Gone while this client was away: why is not known here.
        auto ended = std::make_shared<otc_connection>(*connection);
        ended->destroyed = end_reason_from_server("unknown");
        dropped_connections.push_back(std::move(ended));
      }
      connections_ = std::move(connections);
      std::map<std::string, std::shared_ptr<otc_stream>> streams;
      for (const StreamInfo &info : ack.streams) {
        const std::string &id = info.stream_id;
        if (id.empty() || info.connection_id == *connection_id_ || streams.size() >= kMaxTrackedStreams) continue;
        auto known = streams_.find(id);
        if (known != streams_.end()) {
          streams[id] = known->second;
          // Properties changed while away: reported as the events this client missed.
          for (ServerEvent &event : property_changes(info)) {
            if (!apply_stream_property(known->second->live, event)) continue;
            auto endpoints = endpoints_for_locked(event);
            property_events.push_back({known->second, std::move(event), std::move(endpoints)});
          }
        } else {
          auto stream = make_stream(info);
          streams[id] = stream;
          created_streams.push_back(stream);
        }
      }
      for (const auto &[id, stream] : streams_) {
        if (streams.count(id)) continue;
        stream->destroyed = end_reason_from_server("unknown");  // gone while this client was away
        dropped_streams.push_back(stream);
        ServerEvent event;
        event.type = EventType::stream_destroyed;
        event.stream_id = id;
        event.reason = "unknown";
        auto endpoints = endpoints_for_locked(event);
        stream_events.emplace_back(std::move(event), std::move(endpoints));
      }
      streams_ = std::move(streams);
      // Requests made meanwhile go out now, in order, before anything new.
      for (auto &queued : std::exchange(queued_, {})) send_locked(std::move(queued.message), std::move(queued.done));
    }
  }
  if (!refusal.empty()) return give_up(attempt, refusal);
  otc::log(OTC_LOG_LEVEL_INFO, "session %s: reconnected", session_->session_id.c_str());
  if (cb.on_reconnected) cb.on_reconnected(session_, cb.user_data);
  for (size_t i = 0; i < dropped_streams.size(); ++i) {
    for (const auto &endpoint : stream_events[i].second) endpoint->on_session_event(stream_events[i].first);
    if (cb.on_stream_dropped) cb.on_stream_dropped(session_, cb.user_data, dropped_streams[i].get());
  }
  for (const auto &connection : dropped_connections) {
    if (cb.on_connection_dropped && !session_->connection_events_suppressed) {
      cb.on_connection_dropped(session_, cb.user_data, connection.get());
    }
  }
  for (const auto &connection : created_connections) {
    if (cb.on_connection_created && !session_->connection_events_suppressed) {
      cb.on_connection_created(session_, cb.user_data, connection.get());
    }
  }
  for (const auto &stream : created_streams) {
    if (cb.on_stream_received) cb.on_stream_received(session_, cb.user_data, stream.get());
  }
  for (const auto &change : property_events) {
    for (const auto &endpoint : change.endpoints) endpoint->on_session_event(change.event);
    report_property(change.stream.get(), change.event);
  }
  if (mute_changed) report_mute_forced(muted_now);
}

void SessionLink::give_up(uint64_t attempt, const std::string &why) {
  std::vector<std::shared_ptr<MediaEndpoint>> endpoints;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (attempt != attempt_ || state_ != State::reconnecting) return;
    state_ = State::disconnected;
    end_report_pending_ = true;
    ++attempt_;
    if (client_) client_->close(socket_, false, nullptr);
    endpoints = forget_peers();
    disconnect_reason_ = {"networkDisconnected", OTC_SESSION_CONNECTION_DROPPED};
  }
  tell_gone(endpoints);
  report_error(OTC_SESSION_CONNECTION_DROPPED, why);
  end_reported();
  const auto &cb = session_->callbacks;
  if (cb.on_disconnected) cb.on_disconnected(session_, cb.user_data);
}

otc_status SessionLink::disconnect() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ == State::disconnected || state_ == State::disconnecting || !client_) {
    return OTC_SESSION_ILLEGAL_STATE;
  }
  const bool connected = state_ == State::connected;
  state_ = State::disconnecting;
  const uint64_t attempt = ++attempt_;
  client_->close(socket_, connected, [this, attempt] { on_disconnect_done(attempt); });
  return OTC_SUCCESS;
}

void SessionLink::on_disconnect_done(uint64_t attempt) {
  std::vector<std::shared_ptr<MediaEndpoint>> endpoints;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (attempt != attempt_ || state_ != State::disconnecting) return;
    state_ = State::disconnected;
    end_report_pending_ = true;
    endpoints = forget_peers();
    disconnect_reason_ = {"clientDisconnected", OTC_SUCCESS};
  }
  tell_gone(endpoints);
  otc::log(OTC_LOG_LEVEL_INFO, "session %s: disconnected", session_->session_id.c_str());
  end_reported();
  const auto &cb = session_->callbacks;
  if (cb.on_disconnected) cb.on_disconnected(session_, cb.user_data);
}

bool SessionLink::link_active() {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_ != State::disconnected || end_report_pending_;
}

void SessionLink::end_reported() {
  std::lock_guard<std::mutex> lock(mutex_);
  end_report_pending_ = false;
}

std::shared_ptr<otc_stream> SessionLink::find_stream(const std::string &stream_id) {
  std::vector<std::shared_ptr<MediaEndpoint>> endpoints;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = streams_.find(stream_id); it != streams_.end()) return it->second;
    endpoints = endpoints_;
  }
  // Outside mutex_: a publisher takes its own lock, and calls into the link while holding it.
  for (const auto &endpoint : endpoints) {
    if (auto stream = endpoint->own_stream(stream_id)) return stream;
  }
  return nullptr;
}

EndReason SessionLink::disconnect_reason() {
  std::lock_guard<std::mutex> lock(mutex_);
  return disconnect_reason_;
}

const char *SessionLink::connection_id() {
  std::lock_guard<std::mutex> lock(mutex_);
  // Reconnecting keeps the connection: its id stays.
  return (state_ == State::connected || state_ == State::reconnecting) && connection_id_ ? connection_id_->c_str() : nullptr;
}

bool SessionLink::signaling_up() {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_ == State::connected;
}

otc_connection *SessionLink::own_connection_handle() {
  std::lock_guard<std::mutex> lock(mutex_);
  // The C API hands out a non-const pointer (the SDK's signature); nothing writes through it.
  return connection_id_ ? const_cast<otc_connection *>(own_.get()) : nullptr;
}

bool SessionLink::can_publish() {
  std::lock_guard<std::mutex> lock(mutex_);
  return connection_id_ && can_publish_;
}

bool SessionLink::is_moderator() {
  std::lock_guard<std::mutex> lock(mutex_);
  return connection_id_ && moderator_;
}

bool SessionLink::force_mute_active() {
  std::lock_guard<std::mutex> lock(mutex_);
  return force_mute_active_;
}

bool SessionLink::is_e2ee() {
  std::lock_guard<std::mutex> lock(mutex_);
  return e2ee_;
}

otc_status SessionLink::send_signal(const char *type, const char *data, const char *to_connection_id,
                                    bool retry_after_reconnect) {
  if (!data) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  const std::string signal_type = type ? type : "";
  if (signal_type.size() > kMaxSignalTypeLength) return OTC_SESSION_SIGNAL_TYPE_TOO_LONG;
  if (!valid_signal_type(signal_type)) return OTC_SESSION_INVALID_SIGNAL_TYPE;
  if (std::strlen(data) > kMaxSignalDataBytes) return OTC_SESSION_SIGNAL_DATA_TOO_LONG;
  if (to_connection_id && !*to_connection_id) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  std::lock_guard<std::mutex> lock(mutex_);
  if ((state_ != State::connected && state_ != State::reconnecting) || !client_) return OTC_SESSION_NOT_CONNECTED;
  if (state_ == State::reconnecting && !retry_after_reconnect) return OTC_SESSION_NOT_CONNECTED;
  // While reconnecting the signal waits and is sent once reconnected (the Linux SDK's
  // retry_after_reconnect); a signal lost with the link is reported as 1022.
  dispatch_locked(make_signal(signal_type, data, to_connection_id ? to_connection_id : std::string()),
                  [this](const Reply &reply) {
                    if (reply.status != OTC_SUCCESS) report_error(reply.status, "signal: " + reply.message);
                  });
  return OTC_SUCCESS;
}

otc_status SessionLink::send_moderation(json message, const char *what, otc_status refused) {
  std::lock_guard<std::mutex> lock(mutex_);
  if ((state_ != State::connected && state_ != State::reconnecting) || !client_) return OTC_SESSION_NOT_CONNECTED;
  // Whatever stopped it (the server's refusal, a field it refused, a link lost before its
  // answer), the moderator's request did not happen: one code for the application, the why in
  // the text.
  dispatch_locked(std::move(message), [this, what, refused](const Reply &reply) {
    if (reply.status == OTC_SUCCESS) return;
    std::string why = reply.message.empty() ? "no reason given" : reply.message;
    if (reply.status != refused) why += " (" + std::to_string(static_cast<int>(reply.status)) + ")";
    report_error(refused, std::string(what) + ": " + why);
  });
  return OTC_SUCCESS;
}

otc_status SessionLink::force_mute_stream(const std::string &stream_id) {
  return send_moderation(make_force_mute_stream(stream_id), "forceMuteStream");
}

otc_status SessionLink::force_mute_all(const std::vector<std::string> &excluded_stream_ids) {
  return send_moderation(make_force_mute_all(excluded_stream_ids), "forceMuteAll");
}

otc_status SessionLink::disable_force_mute() {
  return send_moderation(make_disable_force_mute(), "disableForceMute");
}

otc_status SessionLink::force_disconnect(const std::string &connection_id) {
  return send_moderation(make_force_disconnect(connection_id), "forceDisconnect", OTC_UNABLE_TO_FORCE_DISCONNECT);
}

otc_status SessionLink::force_unpublish(const std::string &stream_id) {
  return send_moderation(make_force_unpublish(stream_id), "forceUnpublish", OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM);
}

}  // namespace otc
