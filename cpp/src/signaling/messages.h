// The messages of docs/protocol.md section 3 as typed structures (their one TypeScript
// definition is lib/protocol/messages.ts): requests built from their fields, and the server's
// acks and events read once into structures here, so the rest of the core never reads JSON.
// Reading never throws: fields of the wrong type read as their defaults.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../base/ice_server.h"

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
  std::string video_type;   // "camera", "screen", "custom" (empty: camera)
  int video_width = 0;      // 0 x 0 until the publisher says (streamProperty videoDimensions)
  int video_height = 0;
};

// What a publisher may change after publishing (streamProperty / streamPropertyChanged).
enum class StreamProperty { unknown, has_audio, has_video, video_dimensions };
inline constexpr int kMaxVideoDimension = 16384;

// An ICE candidate as the protocol carries it: its SDP attribute text and m-line.
struct CandidateInfo {
  std::string mid;
  int mline_index = 0;
  std::string sdp;
};

// Requests (the id is set by the client when it sends them).
nlohmann::json make_connect(const std::string &token, const std::string &session_id, bool e2ee);
// `connect` with `reconnect`: the connection this client had moves to a new socket.
nlohmann::json make_reconnect(const std::string &token, const std::string &session_id, bool e2ee,
                              const std::string &connection_id, const std::string &reconnect_token);

struct PublishRequest {
  std::string name;
  bool has_audio = true;
  bool has_video = true;
  std::string video_type = "custom";  // camera, screen or custom
  bool e2ee = false;
  std::string video_codec;  // empty without video
  std::string audio_codec;  // empty without audio
};
nlohmann::json make_publish(const PublishRequest &request);
nlohmann::json make_unpublish(const std::string &stream_id);
nlohmann::json make_subscribe(const std::string &stream_id);
nlohmann::json make_unsubscribe(const std::string &peer_id);
nlohmann::json make_offer(const std::string &peer_id, const std::string &sdp, bool e2ee);
nlohmann::json make_answer(const std::string &peer_id, const std::string &sdp);
nlohmann::json make_ice_restart(const std::string &peer_id);
nlohmann::json make_signal(const std::string &type, const std::string &data, const std::string &to);
nlohmann::json make_disconnect();
// Only this client's own streams; width and height within 1..kMaxVideoDimension.
nlohmann::json make_stream_has_audio(const std::string &stream_id, bool has_audio);
nlohmann::json make_stream_has_video(const std::string &stream_id, bool has_video);
nlohmann::json make_stream_video_dimensions(const std::string &stream_id, int width, int height);
// Moderator requests (docs/protocol.md, "Forced muting"); the server refuses them with 1540 for
// other roles. An empty excluded list leaves the field out.
inline constexpr size_t kMaxIdLength = 128;  // ids the server takes (parse-request.ts)
nlohmann::json make_force_mute_stream(const std::string &stream_id);
nlohmann::json make_force_mute_all(const std::vector<std::string> &excluded_stream_ids);
nlohmann::json make_disable_force_mute();
// Moderation (docs/protocol.md, "Moderation"): refused with 1520 and 1535 for other roles.
nlohmann::json make_force_disconnect(const std::string &connection_id);
nlohmann::json make_force_unpublish(const std::string &stream_id);
// `end`: the end of the peer the candidate comes from ("publisher" or "subscriber"; a session
// subscribed to its own stream holds both ends of one peerId); empty leaves it out.
nlohmann::json make_candidate(const std::string &peer_id, const std::string &mid, int mline_index,
                              const std::string &candidate, const std::string &end = {});

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

// The ack's "iceServers" (RTCIceServer's shape), read for types and sizes; the URLs themselves are
// judged by the layer that hands them to libwebrtc. Malformed entries are skipped, each reason
// appended to problems, and at most kMaxIceServers are kept. Absent or null: none.
std::vector<IceServer> parse_ice_servers(const nlohmann::json &value, std::string &problems);

// Acks (the body of a successful Reply), each read for the request it answers.
struct ConnectAck {
  std::string connection_id;
  std::string session_id;
  std::string role;
  std::string data;
  bool session_e2ee = false;
  bool routed = false;  // session.mediaMode == "routed"
  std::vector<ConnectionInfo> connections;  // the other clients
  std::vector<StreamInfo> streams;
  std::vector<IceServer> ice_servers;
  std::string ice_server_problems;  // what was wrong with the entries left out of ice_servers
  std::string reconnect_token;
  bool reconnected = false;
  bool force_mute_active = false;  // a moderator's forceMuteAll holds in the session
};
ConnectAck parse_connect_ack(const nlohmann::json &body);

struct PublishAck {
  std::string stream_id;
  std::string peer_id;  // routed sessions only: pub-<streamId>
};
PublishAck parse_publish_ack(const nlohmann::json &body);

struct SubscribeAck {
  std::string peer_id;
};
SubscribeAck parse_subscribe_ack(const nlohmann::json &body);

// Events (server -> client, no id).
enum class EventType {
  unknown,
  connection_created,
  connection_destroyed,
  stream_created,
  stream_destroyed,
  subscriber_joined,
  offer,
  answer,
  candidate,
  peer_closed,
  signal,
  stream_property_changed,
  mute_forced,
  force_mute_changed,
  archive_started,
  archive_stopped,
};

// The `from` of negotiation the media router sends.
inline constexpr const char *kFromRouter = "router";

// One event; only the fields of its type are set.
struct ServerEvent {
  EventType type = EventType::unknown;
  ConnectionInfo connection;  // connectionCreated
  std::string connection_id;  // connectionDestroyed
  StreamInfo stream;          // streamCreated
  std::string stream_id;      // streamDestroyed, subscriberJoined, offer, answer, candidate, muteForced
  std::string reason;         // connectionDestroyed, streamDestroyed, peerClosed
  std::string peer_id;        // subscriberJoined, offer, answer, candidate, peerClosed
  std::string subscriber_connection_id;  // subscriberJoined
  std::string from;           // offer, answer, candidate (a connectionId or kFromRouter); signal
  std::string to;             // offer, answer, candidate of a relayed peer: the end it is for (publisher, subscriber)
  std::string sdp;            // offer, answer
  bool e2ee = false;          // offer
  CandidateInfo candidate;    // candidate
  std::string message;        // peerClosed with routerFailed or routerRestarted
  std::string signal_type;    // signal
  std::string data;           // signal
  // streamPropertyChanged (with stream_id): which property and its new value; unknown when the
  // property or its value is not one of the protocol's (the event is then ignored).
  StreamProperty property = StreamProperty::unknown;
  bool flag = false;          // has_audio, has_video
  int width = 0, height = 0;  // video_dimensions
  bool all = false;           // muteForced: part of a forceMuteAll (else one stream's)
  bool active = false;        // forceMuteChanged
  std::string archive_id;     // archiveStarted, archiveStopped
  std::string archive_name;   // archiveStarted, archiveStopped ('' when it has none)
};
ServerEvent parse_event(const nlohmann::json &event);

}  // namespace otc::signaling
