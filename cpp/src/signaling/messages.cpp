#include "messages.h"


namespace otc::signaling {

using nlohmann::json;

json make_connect(const std::string &token, const std::string &session_id, bool e2ee) {
  return json{{"type", "connect"},
              {"token", token},
              {"sessionId", session_id},
              {"sdk", {{"name", "node-otc"}, {"version", "0.1.0"}}},
              {"e2ee", e2ee}};
}

json make_reconnect(const std::string &token, const std::string &session_id, bool e2ee,
                    const std::string &connection_id, const std::string &reconnect_token) {
  json message = make_connect(token, session_id, e2ee);
  message["reconnect"] = json{{"connectionId", connection_id}, {"reconnectToken", reconnect_token}};
  return message;
}

json make_publish(const PublishRequest &request) {
  return json{{"type", "publish"},          {"name", request.name},
              {"hasAudio", request.has_audio}, {"hasVideo", request.has_video},
              {"videoType", request.video_type}, {"e2ee", request.e2ee},
              {"videoCodec", request.video_codec}, {"audioCodec", request.audio_codec}};
}

json make_unpublish(const std::string &stream_id) { return json{{"type", "unpublish"}, {"streamId", stream_id}}; }

json make_subscribe(const std::string &stream_id) { return json{{"type", "subscribe"}, {"streamId", stream_id}}; }

json make_unsubscribe(const std::string &peer_id) { return json{{"type", "unsubscribe"}, {"peerId", peer_id}}; }

json make_offer(const std::string &peer_id, const std::string &sdp, bool e2ee) {
  return json{{"type", "offer"}, {"peerId", peer_id}, {"sdp", sdp}, {"e2ee", e2ee}};
}

json make_answer(const std::string &peer_id, const std::string &sdp) {
  return json{{"type", "answer"}, {"peerId", peer_id}, {"sdp", sdp}};
}

json make_ice_restart(const std::string &peer_id) { return json{{"type", "iceRestart"}, {"peerId", peer_id}}; }

json make_signal(const std::string &type, const std::string &data, const std::string &to) {
  json message{{"type", "signal"}, {"signalType", type}, {"data", data}};
  if (!to.empty()) message["to"] = to;
  return message;
}

json make_disconnect() { return json{{"type", "disconnect"}}; }

json make_stream_has_audio(const std::string &stream_id, bool has_audio) {
  return json{{"type", "streamProperty"}, {"streamId", stream_id}, {"property", "hasAudio"}, {"value", has_audio}};
}

json make_stream_has_video(const std::string &stream_id, bool has_video) {
  return json{{"type", "streamProperty"}, {"streamId", stream_id}, {"property", "hasVideo"}, {"value", has_video}};
}

json make_stream_video_dimensions(const std::string &stream_id, int width, int height) {
  return json{{"type", "streamProperty"},
              {"streamId", stream_id},
              {"property", "videoDimensions"},
              {"value", {{"width", width}, {"height", height}}}};
}

json make_force_mute_stream(const std::string &stream_id) {
  return json{{"type", "forceMuteStream"}, {"streamId", stream_id}};
}

json make_force_mute_all(const std::vector<std::string> &excluded_stream_ids) {
  json message{{"type", "forceMuteAll"}};
  if (!excluded_stream_ids.empty()) message["excludedStreamIds"] = excluded_stream_ids;
  return message;
}

json make_disable_force_mute() { return json{{"type", "disableForceMute"}}; }

json make_force_disconnect(const std::string &connection_id) {
  return json{{"type", "forceDisconnect"}, {"connectionId", connection_id}};
}

json make_force_unpublish(const std::string &stream_id) {
  return json{{"type", "forceUnpublish"}, {"streamId", stream_id}};
}

json make_candidate(const std::string &peer_id, const std::string &mid, int mline_index,
                    const std::string &candidate, const std::string &end) {
  json message{{"type", "candidate"}, {"peerId", peer_id}, {"candidate", candidate}, {"sdpMid", mid},
               {"sdpMLineIndex", mline_index}};
  if (!end.empty()) message["end"] = end;
  return message;
}

std::string serialize(const json &message) {
  return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<json> parse(const std::string &text) {
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

std::string get_string(const json &object, const char *key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool get_bool(const json &object, const char *key) {
  if (!object.is_object()) return false;
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

int64_t get_int(const json &object, const char *key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return 0;
  if (it->is_number_float()) return static_cast<int64_t>(it->get<double>());
  return it->get<int64_t>();
}

ConnectionInfo parse_connection(const json &object) {
  return {get_string(object, "connectionId"), get_string(object, "data"),
          get_int(object, "creationTime")};
}

StreamInfo parse_stream(const json &object) {
  StreamInfo stream;
  stream.stream_id = get_string(object, "streamId");
  stream.connection_id = get_string(object, "connectionId");
  stream.name = get_string(object, "name");
  stream.has_audio = get_bool(object, "hasAudio");
  stream.has_video = get_bool(object, "hasVideo");
  stream.e2ee = get_bool(object, "e2ee");
  stream.creation_time = get_int(object, "creationTime");
  stream.video_codec = get_string(object, "videoCodec");
  stream.audio_codec = get_string(object, "audioCodec");
  stream.video_type = get_string(object, "videoType");
  const int64_t width = get_int(object, "videoWidth"), height = get_int(object, "videoHeight");
  if (width > 0 && height > 0 && width <= kMaxVideoDimension && height <= kMaxVideoDimension) {
    stream.video_width = static_cast<int>(width);
    stream.video_height = static_cast<int>(height);
  }
  return stream;
}

CandidateInfo parse_candidate(const json &event) {
  return {get_string(event, "sdpMid"), static_cast<int>(get_int(event, "sdpMLineIndex")),
          get_string(event, "candidate")};
}

namespace {

const json &field(const json &object, const char *key) {
  static const json null_value;
  if (!object.is_object()) return null_value;
  auto it = object.find(key);
  return it == object.end() ? null_value : *it;
}

template <typename T>
std::vector<T> parse_list(const json &list, T (*parse_item)(const json &)) {
  std::vector<T> out;
  if (!list.is_array()) return out;
  out.reserve(list.size());
  for (const auto &item : list) out.push_back(parse_item(item));
  return out;
}

EventType event_type(const std::string &type) {
  static const std::pair<const char *, EventType> types[] = {
      {"connectionCreated", EventType::connection_created}, {"connectionDestroyed", EventType::connection_destroyed},
      {"streamCreated", EventType::stream_created},         {"streamDestroyed", EventType::stream_destroyed},
      {"subscriberJoined", EventType::subscriber_joined},   {"offer", EventType::offer},
      {"answer", EventType::answer},                        {"candidate", EventType::candidate},
      {"peerClosed", EventType::peer_closed},               {"signal", EventType::signal},
      {"streamPropertyChanged", EventType::stream_property_changed},
      {"muteForced", EventType::mute_forced},               {"forceMuteChanged", EventType::force_mute_changed},
      {"archiveStarted", EventType::archive_started},       {"archiveStopped", EventType::archive_stopped},
  };
  for (const auto &[name, value] : types) {
    if (type == name) return value;
  }
  return EventType::unknown;
}

}  // namespace

std::vector<IceServer> parse_ice_servers(const json &value, std::string &problems) {
  std::vector<IceServer> out;
  if (value.is_null()) return out;
  auto problem = [&](const std::string &text) { add_ice_problem(problems, text); };
  if (!value.is_array()) {
    problem("iceServers is not an array");
    return out;
  }
  for (const auto &entry : value) {
    if (out.size() == kMaxIceServers) {
      problem("more than " + std::to_string(kMaxIceServers) + " ICE servers (the rest ignored)");
      break;
    }
    if (!entry.is_object()) {
      problem("an ICE server that is not an object");
      continue;
    }
    std::vector<const json *> texts;
    const auto urls = entry.find("urls");
    if (urls != entry.end() && urls->is_string()) {
      texts.push_back(&*urls);
    } else if (urls != entry.end() && urls->is_array()) {
      for (const auto &url : *urls) texts.push_back(&url);
    }
    if (texts.empty() || texts.size() > kMaxIceUrlsPerServer) {
      problem("an ICE server without urls, or with more than " + std::to_string(kMaxIceUrlsPerServer));
      continue;
    }
    IceServer server;
    bool ok = true;
    for (const json *text : texts) {
      if (!text->is_string() || text->get_ref<const std::string &>().size() > kMaxIceUrlLength) {
        problem("an ICE server URL that is not a string of at most " + std::to_string(kMaxIceUrlLength) + " bytes");
        ok = false;
        break;
      }
      server.urls.push_back(text->get<std::string>());
    }
    for (const char *key : {"username", "credential"}) {
      const auto it = entry.find(key);
      if (!ok || it == entry.end() || it->is_null()) continue;
      if (!it->is_string() || it->get_ref<const std::string &>().size() > kMaxIceCredentialLength) {
        problem(std::string("an ICE server ") + key + " that is not a string of at most " +
                std::to_string(kMaxIceCredentialLength) + " bytes");
        ok = false;
      } else {
        (std::string(key) == "username" ? server.username : server.credential) = it->get<std::string>();
      }
    }
    if (ok) out.push_back(std::move(server));
  }
  return out;
}

ConnectAck parse_connect_ack(const json &body) {
  ConnectAck ack;
  ack.connection_id = get_string(body, "connectionId");
  ack.session_id = get_string(body, "sessionId");
  ack.role = get_string(body, "role");
  ack.data = get_string(body, "data");
  const json &session = field(body, "session");
  ack.session_e2ee = get_bool(session, "e2ee");
  ack.routed = get_string(session, "mediaMode") == "routed";
  ack.connections = parse_list<ConnectionInfo>(field(body, "connections"), parse_connection);
  ack.streams = parse_list<StreamInfo>(field(body, "streams"), parse_stream);
  ack.ice_servers = parse_ice_servers(field(body, "iceServers"), ack.ice_server_problems);
  ack.reconnect_token = get_string(body, "reconnectToken");
  ack.reconnected = get_bool(body, "reconnected");
  ack.force_mute_active = get_bool(body, "forceMuteActive");
  return ack;
}

PublishAck parse_publish_ack(const json &body) { return {get_string(body, "streamId"), get_string(body, "peerId")}; }

SubscribeAck parse_subscribe_ack(const json &body) { return {get_string(body, "peerId")}; }

ServerEvent parse_event(const json &object) {
  ServerEvent event;
  event.type = event_type(get_string(object, "type"));
  switch (event.type) {
    case EventType::connection_created:
      event.connection = parse_connection(field(object, "connection"));
      break;
    case EventType::connection_destroyed:
      event.connection_id = get_string(object, "connectionId");
      event.reason = get_string(object, "reason");
      break;
    case EventType::stream_created:
      event.stream = parse_stream(field(object, "stream"));
      break;
    case EventType::stream_destroyed:
      event.stream_id = get_string(object, "streamId");
      event.reason = get_string(object, "reason");
      break;
    case EventType::subscriber_joined:
      event.peer_id = get_string(object, "peerId");
      event.stream_id = get_string(object, "streamId");
      event.subscriber_connection_id = get_string(object, "subscriberConnectionId");
      break;
    case EventType::offer:
    case EventType::answer:
    case EventType::candidate:
      event.peer_id = get_string(object, "peerId");
      event.stream_id = get_string(object, "streamId");
      event.from = get_string(object, "from");
      event.to = get_string(object, "to");
      event.sdp = get_string(object, "sdp");
      event.e2ee = get_bool(object, "e2ee");
      if (event.type == EventType::candidate) event.candidate = parse_candidate(object);
      break;
    case EventType::peer_closed:
      event.peer_id = get_string(object, "peerId");
      event.reason = get_string(object, "reason");
      event.message = get_string(object, "message");
      break;
    case EventType::signal:
      event.from = get_string(object, "from");
      event.signal_type = get_string(object, "signalType");
      event.data = get_string(object, "data");
      break;
    case EventType::stream_property_changed: {
      event.stream_id = get_string(object, "streamId");
      const std::string property = get_string(object, "property");
      const json &value = field(object, "value");
      if ((property == "hasAudio" || property == "hasVideo") && value.is_boolean()) {
        event.property = property == "hasAudio" ? StreamProperty::has_audio : StreamProperty::has_video;
        event.flag = value.get<bool>();
      } else if (property == "videoDimensions") {
        const int64_t width = get_int(value, "width"), height = get_int(value, "height");
        if (width > 0 && height > 0 && width <= kMaxVideoDimension && height <= kMaxVideoDimension) {
          event.property = StreamProperty::video_dimensions;
          event.width = static_cast<int>(width);
          event.height = static_cast<int>(height);
        }
      }
      break;
    }
    case EventType::mute_forced:
      event.stream_id = get_string(object, "streamId");
      event.all = get_bool(object, "all");
      break;
    case EventType::force_mute_changed:
      event.active = get_bool(object, "active");
      break;
    case EventType::archive_started:
    case EventType::archive_stopped:
      event.archive_id = get_string(object, "archiveId");
      event.archive_name = get_string(object, "name");
      break;
    case EventType::unknown:
      break;
  }
  return event;
}

}  // namespace otc::signaling
