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

json make_signal(const std::string &type, const std::string &data, const std::string &to) {
  json message{{"type", "signal"}, {"signalType", type}, {"data", data}};
  if (!to.empty()) message["to"] = to;
  return message;
}

json make_disconnect() { return json{{"type", "disconnect"}}; }

json make_candidate(const std::string &peer_id, const std::string &mid, int mline_index,
                    const std::string &candidate) {
  return json{{"type", "candidate"}, {"peerId", peer_id}, {"candidate", candidate}, {"sdpMid", mid},
              {"sdpMLineIndex", mline_index}};
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
  return stream;
}

CandidateInfo parse_candidate(const json &event) {
  return {get_string(event, "sdpMid"), static_cast<int>(get_int(event, "sdpMLineIndex")),
          get_string(event, "candidate")};
}

}  // namespace otc::signaling
