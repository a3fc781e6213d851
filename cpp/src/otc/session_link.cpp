#include "session_link.h"

#include <cstdlib>
#include <cstring>
#include <future>
#include <utility>

#include "../signaling/messages.h"
#include "log.h"
#include "session_impl.h"

namespace otc {

using nlohmann::json;
using namespace otc::signaling;

namespace {

constexpr std::chrono::milliseconds kConnectTimeout{10000};
constexpr std::chrono::milliseconds kRequestTimeout{10000};

const json &field(const json &object, const char *key) {
  static const json null_value;
  if (!object.is_object()) return null_value;
  auto it = object.find(key);
  return it == object.end() ? null_value : *it;
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
  if (state_ != State::connected || !client_) return OTC_SESSION_NOT_CONNECTED;
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
  peer_routes_[peer_id] = endpoint;
}

void SessionLink::unroute_peer(const std::string &peer_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  peer_routes_.erase(peer_id);
}

void SessionLink::route_stream(const std::string &stream_id, MediaEndpoint *endpoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  stream_routes_.emplace(stream_id, endpoint);
}

bool SessionLink::request(json message, SignalingClient::ReplyHandler done) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ != State::connected || !client_) return false;
  client_->request(socket_, std::move(message), kRequestTimeout, std::move(done));
  return true;
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

std::vector<std::shared_ptr<MediaEndpoint>> SessionLink::endpoints_for_locked(const json &event,
                                                                             const std::string &type) {
  std::vector<std::shared_ptr<MediaEndpoint>> out;
  auto add = [&](MediaEndpoint *raw) {
    for (const auto &endpoint : endpoints_) {
      if (endpoint.get() == raw) out.push_back(endpoint);
    }
  };
  if (type == "subscriberJoined" || type == "streamDestroyed") {
    auto range = stream_routes_.equal_range(get_string(event, "streamId"));
    for (auto it = range.first; it != range.second; ++it) add(it->second);
  } else {
    auto it = peer_routes_.find(get_string(event, "peerId"));
    if (it != peer_routes_.end()) add(it->second);
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
  if (cb.on_error) cb.on_error(session_, cb.user_data, message.c_str(), status);
}

otc_status SessionLink::connect(const char *token) {
  if (!token || !*token) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ != State::disconnected) return OTC_SESSION_ILLEGAL_STATE;
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
    client_->post([this, error] { report_error(OTC_SESSION_CONNECTION_FAILED, error); });
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
  const uint64_t attempt = ++attempt_;
  socket_ = client_->open(url, tls, kConnectTimeout,
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
  return unknown;
}

std::shared_ptr<otc_stream> SessionLink::make_stream(const json &object) {
  auto stream = std::make_shared<otc_stream>();
  stream->info = parse_stream(object);
  stream->connection = find_connection(stream->info.connection_id);
  return stream;
}

std::vector<std::shared_ptr<MediaEndpoint>> SessionLink::forget_peers() {
  connection_id_ = nullptr;
  own_.reset();
  connections_.clear();
  streams_.clear();
  peer_routes_.clear();
  stream_routes_.clear();
  return std::exchange(endpoints_, {});
}

void SessionLink::on_connect_reply(uint64_t attempt, const Reply &reply) {
  std::vector<std::shared_ptr<const otc_connection>> connections;
  std::vector<std::shared_ptr<otc_stream>> streams;
  otc_status error = OTC_SUCCESS;
  std::string message;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (attempt != attempt_ || state_ != State::connecting || !client_) return;
    if (reply.status != OTC_SUCCESS) {
      state_ = State::disconnected;
      client_->close(socket_, false, nullptr);
      error = reply.status;
      message = reply.message.empty() ? "the session server refused to connect" : reply.message;
    } else if (get_bool(field(reply.body, "session"), "e2ee") && !session_->has_secret.load()) {
      state_ = State::disconnected;
      client_->close(socket_, true, nullptr);
      error = OTC_SESSION_ENCRYPTION_SECRET_MISSING;
      message = "the session is end-to-end encrypted and no encryption secret is set";
    } else {
      state_ = State::connected;
      e2ee_ = get_bool(field(reply.body, "session"), "e2ee");
      connection_ids_.push_back(std::make_unique<std::string>(get_string(reply.body, "connectionId")));
      connection_id_ = connection_ids_.back().get();
      auto own = std::make_shared<otc_connection>();
      own->info.connection_id = *connection_id_;
      own->info.data = get_string(reply.body, "data");
      own_ = own;
      for (const auto &object : field(reply.body, "connections")) {
        const ConnectionInfo info = parse_connection(object);
        if (info.connection_id.empty()) continue;
        auto connection = std::make_shared<otc_connection>(otc_connection{info});
        connections_[info.connection_id] = connection;
        connections.push_back(connection);
      }
      for (const auto &object : field(reply.body, "streams")) {
        auto stream = make_stream(object);
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
    if (cb.on_connection_created) cb.on_connection_created(session_, cb.user_data, connection.get());
  }
  for (const auto &stream : streams) {
    if (cb.on_stream_received) cb.on_stream_received(session_, cb.user_data, stream.get());
  }
}

void SessionLink::on_event(uint64_t socket, const json &event) {
  const auto &cb = session_->callbacks;
  const std::string type = get_string(event, "type");
  std::shared_ptr<const otc_connection> connection;
  std::shared_ptr<otc_stream> stream;
  std::vector<std::shared_ptr<MediaEndpoint>> endpoints;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (socket != socket_ || state_ != State::connected) return;
    endpoints = endpoints_for_locked(event, type);
    if (type == "connectionCreated") {
      const ConnectionInfo info = parse_connection(field(event, "connection"));
      if (info.connection_id.empty()) return;
      connection = std::make_shared<otc_connection>(otc_connection{info});
      connections_[info.connection_id] = connection;
    } else if (type == "connectionDestroyed") {
      const std::string id = get_string(event, "connectionId");
      connection = find_connection(id);
      connections_.erase(id);
    } else if (type == "streamCreated") {
      stream = make_stream(field(event, "stream"));
      // This client's own streams belong to its publishers, not to on_stream_received.
      if (stream->info.stream_id.empty() || (own_ && stream->connection == own_)) return;
      streams_[stream->info.stream_id] = stream;
    } else if (type == "streamDestroyed") {
      auto it = streams_.find(get_string(event, "streamId"));
      if (it != streams_.end()) {
        stream = it->second;
        streams_.erase(it);
      }
    } else if (type == "signal") {
      connection = find_connection(get_string(event, "from"));
    }
  }
  // Subscribers of a destroyed stream hear it first, then the session's callback.
  for (const auto &endpoint : endpoints) endpoint->on_session_event(event);
  if (type == "connectionCreated") {
    if (cb.on_connection_created) cb.on_connection_created(session_, cb.user_data, connection.get());
  } else if (type == "connectionDestroyed") {
    if (cb.on_connection_dropped) cb.on_connection_dropped(session_, cb.user_data, connection.get());
  } else if (type == "streamCreated") {
    if (cb.on_stream_received) cb.on_stream_received(session_, cb.user_data, stream.get());
  } else if (type == "streamDestroyed") {
    if (stream && cb.on_stream_dropped) cb.on_stream_dropped(session_, cb.user_data, stream.get());
  } else if (type == "signal") {
    const std::string signal_type = get_string(event, "signalType");
    const std::string data = get_string(event, "data");
    if (cb.on_signal_received) {
      cb.on_signal_received(session_, cb.user_data, signal_type.c_str(), data.c_str(), connection.get());
    }
  }
}

void SessionLink::on_closed(uint64_t socket, int close_code, const std::string &reason) {
  State previous;
  std::vector<std::shared_ptr<MediaEndpoint>> endpoints;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (socket != socket_ || state_ == State::disconnected) return;
    previous = state_;
    state_ = State::disconnected;
    ++attempt_;
    endpoints = forget_peers();
  }
  tell_gone(endpoints);
  const std::string why = "the session server closed the connection (" + std::to_string(close_code) +
                          (reason.empty() ? "" : " " + reason) + ")";
  const auto &cb = session_->callbacks;
  if (previous == State::connecting) {
    report_error(OTC_SESSION_CONNECTION_FAILED, why);
    return;
  }
  if (close_code != 1000) report_error(OTC_SESSION_CONNECTION_DROPPED, why);
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
    endpoints = forget_peers();
  }
  tell_gone(endpoints);
  otc::log(OTC_LOG_LEVEL_INFO, "session %s: disconnected", session_->session_id.c_str());
  const auto &cb = session_->callbacks;
  if (cb.on_disconnected) cb.on_disconnected(session_, cb.user_data);
}

const char *SessionLink::connection_id() {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_ == State::connected && connection_id_ ? connection_id_->c_str() : nullptr;
}

bool SessionLink::is_e2ee() {
  std::lock_guard<std::mutex> lock(mutex_);
  return e2ee_;
}

otc_status SessionLink::send_signal(const char *type, const char *data, const char *to_connection_id) {
  if (!data) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  const std::string signal_type = type ? type : "";
  if (signal_type.size() > kMaxSignalTypeLength) return OTC_SESSION_SIGNAL_TYPE_TOO_LONG;
  if (!valid_signal_type(signal_type)) return OTC_SESSION_INVALID_SIGNAL_TYPE;
  if (std::strlen(data) > kMaxSignalDataBytes) return OTC_SESSION_SIGNAL_DATA_TOO_LONG;
  if (to_connection_id && !*to_connection_id) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ != State::connected || !client_) return OTC_SESSION_NOT_CONNECTED;
  client_->request(socket_, make_signal(signal_type, data, to_connection_id ? to_connection_id : std::string()), kRequestTimeout,
                   [this](const Reply &reply) {
                     if (reply.status != OTC_SUCCESS) report_error(reply.status, "signal: " + reply.message);
                   });
  return OTC_SUCCESS;
}

}  // namespace otc
