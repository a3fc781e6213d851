// The protocol's messages as the C++ client reads and builds them (cpp/src/signaling/messages.h):
// events and acks in the shape the session server sends them (lib/protocol/messages.ts), and
// requests in the shape its parser (lib/protocol/parse-request.ts) takes.
#include <gtest/gtest.h>

#include "signaling/messages.h"

namespace otc::signaling {
namespace {

using nlohmann::json;

json parsed(const char *text) {
  auto value = parse(text);
  EXPECT_TRUE(value.has_value()) << text;
  return value.value_or(json::object());
}

TEST(SignalingMessages, NegotiationEventsReadIntoTheirFields) {
  ServerEvent offer = parse_event(parsed(
      R"({"type":"offer","peerId":"p-1","streamId":"s-1","from":"router","sdp":"v=0 offer","e2ee":true})"));
  EXPECT_EQ(offer.type, EventType::offer);
  EXPECT_EQ(offer.peer_id, "p-1");
  EXPECT_EQ(offer.stream_id, "s-1");
  EXPECT_EQ(offer.from, kFromRouter);
  EXPECT_EQ(offer.sdp, "v=0 offer");
  EXPECT_TRUE(offer.e2ee);
  EXPECT_EQ(offer.to, "");
  EXPECT_EQ(parse_event(parsed(R"({"type":"answer","peerId":"p-1","streamId":"s-1","from":"c-1","sdp":"v=0","to":"publisher"})")).to,
            "publisher");

  ServerEvent candidate = parse_event(parsed(
      R"({"type":"candidate","peerId":"p-1","streamId":"s-1","from":"c-2","candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":1})"));
  EXPECT_EQ(candidate.type, EventType::candidate);
  EXPECT_EQ(candidate.candidate.mid, "0");
  EXPECT_EQ(candidate.candidate.mline_index, 1);
  EXPECT_EQ(candidate.candidate.sdp, "candidate:1 1 udp 1 127.0.0.1 5000 typ host");

  ServerEvent closed = parse_event(parsed(R"({"type":"peerClosed","peerId":"pub-s-1","reason":"routerRestarted","message":"Janus died"})"));
  EXPECT_EQ(closed.type, EventType::peer_closed);
  EXPECT_EQ(closed.reason, "routerRestarted");
  EXPECT_EQ(closed.message, "Janus died");

  ServerEvent joined = parse_event(parsed(R"({"type":"subscriberJoined","peerId":"p-2","streamId":"s-1","subscriberConnectionId":"c-3"})"));
  EXPECT_EQ(joined.type, EventType::subscriber_joined);
  EXPECT_EQ(joined.subscriber_connection_id, "c-3");
}

TEST(SignalingMessages, SessionEventsReadIntoTheirFields) {
  ServerEvent created = parse_event(parsed(R"({"type":"streamCreated","stream":{"streamId":"s-1","connectionId":"c-1","name":"cam",
      "hasAudio":false,"hasVideo":true,"videoType":"custom","e2ee":true,"creationTime":1700000000000,"videoCodec":"VP9","audioCodec":""}})"));
  EXPECT_EQ(created.type, EventType::stream_created);
  EXPECT_EQ(created.stream.stream_id, "s-1");
  EXPECT_EQ(created.stream.connection_id, "c-1");
  EXPECT_FALSE(created.stream.has_audio);
  EXPECT_TRUE(created.stream.has_video);
  EXPECT_TRUE(created.stream.e2ee);
  EXPECT_EQ(created.stream.creation_time, 1700000000000);
  EXPECT_EQ(created.stream.video_codec, "VP9");

  ServerEvent gone = parse_event(parsed(R"({"type":"connectionDestroyed","connectionId":"c-9","reason":"networkDisconnected"})"));
  EXPECT_EQ(gone.type, EventType::connection_destroyed);
  EXPECT_EQ(gone.connection_id, "c-9");
  EXPECT_EQ(gone.reason, "networkDisconnected");

  ServerEvent signal = parse_event(parsed(R"({"type":"signal","from":"c-1","signalType":"chat","data":"hi"})"));
  EXPECT_EQ(signal.type, EventType::signal);
  EXPECT_EQ(signal.from, "c-1");
  EXPECT_EQ(signal.signal_type, "chat");
  EXPECT_EQ(signal.data, "hi");
}

TEST(SignalingMessages, UnknownEventsAndWrongTypesReadAsDefaults) {
  EXPECT_EQ(parse_event(parsed(R"({"type":"surprise","peerId":"p"})")).type, EventType::unknown);
  EXPECT_EQ(parse_event(json::array()).type, EventType::unknown);
  ServerEvent offer = parse_event(parsed(R"({"type":"offer","peerId":7,"sdp":["x"],"e2ee":"yes"})"));
  EXPECT_EQ(offer.type, EventType::offer);
  EXPECT_EQ(offer.peer_id, "");
  EXPECT_EQ(offer.sdp, "");
  EXPECT_FALSE(offer.e2ee);
  EXPECT_FALSE(parse("not json").has_value());
  EXPECT_FALSE(parse("[1]").has_value());
}

TEST(SignalingMessages, AcksReadForTheirRequest) {
  ConnectAck ack = parse_connect_ack(parsed(R"({"type":"ack","id":"1","connectionId":"c-1","sessionId":"1_x","role":"publisher",
      "data":"name=A","session":{"e2ee":true,"mediaMode":"routed"},
      "connections":[{"connectionId":"c-0","data":"","creationTime":5}],
      "streams":[{"streamId":"s-0","connectionId":"c-0","name":"","hasAudio":true,"hasVideo":true,"videoType":"camera","e2ee":true,
                  "creationTime":6,"videoCodec":"VP8","audioCodec":"opus"}],
      "iceServers":[{"urls":["stun:198.18.0.1:3478"]}],"reconnectToken":"rt","reconnected":true})"));
  EXPECT_EQ(ack.connection_id, "c-1");
  EXPECT_EQ(ack.session_id, "1_x");
  EXPECT_EQ(ack.role, "publisher");
  EXPECT_EQ(ack.data, "name=A");
  EXPECT_TRUE(ack.session_e2ee);
  EXPECT_TRUE(ack.routed);
  ASSERT_EQ(ack.connections.size(), 1u);
  EXPECT_EQ(ack.connections[0].connection_id, "c-0");
  ASSERT_EQ(ack.streams.size(), 1u);
  EXPECT_EQ(ack.streams[0].audio_codec, "opus");
  ASSERT_EQ(ack.ice_servers.size(), 1u);
  EXPECT_EQ(ack.ice_servers[0].urls, std::vector<std::string>{"stun:198.18.0.1:3478"});
  EXPECT_EQ(ack.ice_server_problems, "");
  EXPECT_EQ(ack.reconnect_token, "rt");
  EXPECT_TRUE(ack.reconnected);

  ConnectAck relayed = parse_connect_ack(parsed(R"({"type":"ack","id":"1","session":{"mediaMode":"relayed"},"connections":{}})"));
  EXPECT_FALSE(relayed.routed);
  EXPECT_TRUE(relayed.connections.empty());

  PublishAck published = parse_publish_ack(parsed(R"({"type":"ack","id":"2","streamId":"s-1","peerId":"pub-s-1"})"));
  EXPECT_EQ(published.stream_id, "s-1");
  EXPECT_EQ(published.peer_id, "pub-s-1");
  EXPECT_EQ(parse_publish_ack(parsed(R"({"type":"ack","id":"2","streamId":"s-1"})")).peer_id, "");
  EXPECT_EQ(parse_subscribe_ack(parsed(R"({"type":"ack","id":"3","peerId":"p-1"})")).peer_id, "p-1");
}

// The ack's ICE servers: RTCIceServer's shape read into IceServer entries, each malformed entry
// skipped with its reason, the counts and sizes bounded (URLs themselves are judged in otc/).
TEST(SignalingMessages, IceServersReadIntoTypedEntriesWithinBounds) {
  std::string problems;
  auto servers = parse_ice_servers(json::parse(R"([
      {"urls":"turn:198.18.0.1:3478?transport=udp","username":"u","credential":"c"},
      {"urls":["stun:198.18.0.1:3478","stun:198.18.0.2:3478"]},
      {"urls":[]}, {"urls":42}, {"username":"no urls"}, 7, "text",
      {"urls":["stun:198.18.0.3:3478", 5]},
      {"urls":"turn:198.18.0.4:3478","credential":{"not":"a string"}}])"), problems);
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[0].urls, std::vector<std::string>{"turn:198.18.0.1:3478?transport=udp"});
  EXPECT_EQ(servers[0].username, "u");
  EXPECT_EQ(servers[0].credential, "c");
  EXPECT_EQ(servers[1].urls.size(), 2u);
  EXPECT_NE(problems.find("without urls"), std::string::npos) << problems;
  EXPECT_NE(problems.find("not an object"), std::string::npos) << problems;
  EXPECT_NE(problems.find("URL that is not a string"), std::string::npos) << problems;
  EXPECT_NE(problems.find("credential that is not a string"), std::string::npos) << problems;

  problems.clear();
  EXPECT_TRUE(parse_ice_servers(json::parse("null"), problems).empty());
  EXPECT_EQ(problems, "");
  EXPECT_TRUE(parse_ice_servers(json::parse(R"({"urls":"stun:198.18.0.1"})"), problems).empty());
  EXPECT_NE(problems.find("not an array"), std::string::npos) << problems;

  // At most kMaxIceUrlsPerServer URLs of bounded length, bounded credentials (the count of
  // servers: api_ice_config_test).
  nlohmann::json too_many_urls = nlohmann::json::array();
  for (size_t i = 0; i <= otc::kMaxIceUrlsPerServer; ++i) too_many_urls.push_back("stun:198.18.0.1:3478");
  nlohmann::json wide = nlohmann::json::array();
  wide.push_back(nlohmann::json{{"urls", too_many_urls}});
  wide.push_back(nlohmann::json{{"urls", "stun:" + std::string(otc::kMaxIceUrlLength, 'a')}});
  wide.push_back(nlohmann::json{{"urls", "stun:198.18.0.1"}, {"username", std::string(otc::kMaxIceCredentialLength + 1, 'u')}});
  problems.clear();
  EXPECT_TRUE(parse_ice_servers(wide, problems).empty()) << problems;
}

TEST(SignalingMessages, RequestsCarryTheProtocolsFieldNames) {
  PublishRequest publish;
  publish.name = "cam";
  publish.has_audio = false;
  publish.e2ee = true;
  publish.video_codec = "VP8";
  EXPECT_EQ(make_publish(publish), parsed(R"({"type":"publish","name":"cam","hasAudio":false,"hasVideo":true,"videoType":"custom",
      "e2ee":true,"videoCodec":"VP8","audioCodec":""})"));
  EXPECT_EQ(make_offer("p-1", "v=0", true), parsed(R"({"type":"offer","peerId":"p-1","sdp":"v=0","e2ee":true})"));
  EXPECT_EQ(make_answer("p-1", "v=0"), parsed(R"({"type":"answer","peerId":"p-1","sdp":"v=0"})"));
  EXPECT_EQ(make_ice_restart("p-1"), parsed(R"({"type":"iceRestart","peerId":"p-1"})"));
  EXPECT_EQ(make_subscribe("s-1"), parsed(R"({"type":"subscribe","streamId":"s-1"})"));
  EXPECT_EQ(make_unsubscribe("p-1"), parsed(R"({"type":"unsubscribe","peerId":"p-1"})"));
  EXPECT_EQ(make_unpublish("s-1"), parsed(R"({"type":"unpublish","streamId":"s-1"})"));
  EXPECT_EQ(make_candidate("p-1", "0", 0, "candidate:1", "subscriber"),
            parsed(R"({"type":"candidate","peerId":"p-1","candidate":"candidate:1","sdpMid":"0","sdpMLineIndex":0,"end":"subscriber"})"));
  EXPECT_FALSE(make_candidate("p-1", "0", 0, "candidate:1").contains("end"));
  const json reconnect = make_reconnect("tok", "1_x", true, "c-1", "rt");
  EXPECT_EQ(reconnect["type"], "connect");
  EXPECT_EQ(reconnect["token"], "tok");
  EXPECT_EQ(reconnect["sessionId"], "1_x");
  EXPECT_EQ(reconnect["e2ee"], true);
  EXPECT_EQ(reconnect["reconnect"], parsed(R"({"connectionId":"c-1","reconnectToken":"rt"})"));
}

// Forced muting (docs/protocol.md): the moderator's three requests, the two events and the
// connect ack's flag.
TEST(SignalingMessages, ForcedMutingRequestsEventsAndAckFlag) {
  EXPECT_EQ(make_force_mute_stream("s-1"), parsed(R"({"type":"forceMuteStream","streamId":"s-1"})"));
  EXPECT_EQ(make_force_mute_all({}), parsed(R"({"type":"forceMuteAll"})"));
  EXPECT_EQ(make_force_mute_all({"s-1", "s-2"}), parsed(R"({"type":"forceMuteAll","excludedStreamIds":["s-1","s-2"]})"));
  EXPECT_EQ(make_disable_force_mute(), parsed(R"({"type":"disableForceMute"})"));

  ServerEvent one = parse_event(parsed(R"({"type":"muteForced","streamId":"s-1"})"));
  EXPECT_EQ(one.type, EventType::mute_forced);
  EXPECT_EQ(one.stream_id, "s-1");
  EXPECT_FALSE(one.all);
  ServerEvent all = parse_event(parsed(R"({"type":"muteForced","streamId":"s-2","all":true})"));
  EXPECT_EQ(all.type, EventType::mute_forced);
  EXPECT_EQ(all.stream_id, "s-2");
  EXPECT_TRUE(all.all);
  // Wrong types read as defaults: a one-stream mute without a stream, not an "all".
  ServerEvent odd = parse_event(parsed(R"({"type":"muteForced","streamId":5,"all":"yes"})"));
  EXPECT_EQ(odd.type, EventType::mute_forced);
  EXPECT_EQ(odd.stream_id, "");
  EXPECT_FALSE(odd.all);

  ServerEvent on = parse_event(parsed(R"({"type":"forceMuteChanged","active":true})"));
  EXPECT_EQ(on.type, EventType::force_mute_changed);
  EXPECT_TRUE(on.active);
  EXPECT_FALSE(parse_event(parsed(R"({"type":"forceMuteChanged","active":false})")).active);
  EXPECT_FALSE(parse_event(parsed(R"({"type":"forceMuteChanged","active":"true"})")).active);

  EXPECT_TRUE(parse_connect_ack(parsed(R"({"type":"ack","id":"1","connectionId":"c-1","forceMuteActive":true})")).force_mute_active);
  EXPECT_FALSE(parse_connect_ack(parsed(R"({"type":"ack","id":"1","connectionId":"c-1"})")).force_mute_active);
}

TEST(SignalingMessages, ArchiveEvents) {
  ServerEvent started = parse_event(parsed(R"({"type":"archiveStarted","archiveId":"a-1","name":"lecture"})"));
  EXPECT_EQ(started.type, EventType::archive_started);
  EXPECT_EQ(started.archive_id, "a-1");
  EXPECT_EQ(started.archive_name, "lecture");
  ServerEvent stopped = parse_event(parsed(R"({"type":"archiveStopped","archiveId":"a-1","name":""})"));
  EXPECT_EQ(stopped.type, EventType::archive_stopped);
  EXPECT_EQ(stopped.archive_id, "a-1");
  // Fields of the wrong type read as absent: the session link ignores an event without an id.
  ServerEvent odd = parse_event(parsed(R"({"type":"archiveStarted","archiveId":7,"name":null})"));
  EXPECT_EQ(odd.type, EventType::archive_started);
  EXPECT_EQ(odd.archive_id, "");
  EXPECT_EQ(odd.archive_name, "");
}

}  // namespace
}  // namespace otc::signaling
