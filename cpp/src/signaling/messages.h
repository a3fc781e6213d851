// Building and reading the JSON messages of docs/protocol.md section 3. Reading never throws:
// fields of the wrong type read as their defaults.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace otc::signaling {

inline constexpr const char *kSubprotocol = "otc-signaling-v1";
inline constexpr size_t kMaxSignalDataBytes = 8 * 1024;
inline constexpr size_t kMaxSignalTypeLength = 128;

struct ConnectionInfo {
  std::string connection_id;
  std::string data;
  int64_t creation_time = 0;
};

struct StreamInfo {
  std::string stream_id;
  std::string connection_id;
  std::string name;
  bool has_audio = false;
  bool has_video = false;
  bool e2ee = false;
  int64_t creation_time = 0;
  std::string video_codec;  // "VP8", "VP9", "H264"; empty without video
  std::string audio_codec;  // "opus"; empty without audio
};

// An ICE candidate as the protocol carries it: its SDP attribute text and m-line.
struct CandidateInfo {
  std::string mid;
  int mline_index = 0;
  std::string sdp;
};

// Requests (the id is set by the client when it sends them).
nlohmann::json make_connect(const std::string &token, const std::string &session_id, bool e2ee);
nlohmann::json make_signal(const std::string &type, const std::string &data, const std::string &to);
nlohmann::json make_disconnect();
nlohmann::json make_candidate(const std::string &peer_id, const std::string &mid, int mline_index,
                              const std::string &candidate);

// Serializes; invalid UTF-8 in strings is replaced, never thrown about.
std::string serialize(const nlohmann::json &message);
// A JSON object, or nullopt for anything else (bad JSON, not an object).
std::optional<nlohmann::json> parse(const std::string &text);

std::string get_string(const nlohmann::json &object, const char *key);
bool get_bool(const nlohmann::json &object, const char *key);
int64_t get_int(const nlohmann::json &object, const char *key);

ConnectionInfo parse_connection(const nlohmann::json &object);
StreamInfo parse_stream(const nlohmann::json &object);
CandidateInfo parse_candidate(const nlohmann::json &event);

}  // namespace otc::signaling
