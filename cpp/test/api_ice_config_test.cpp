// The custom ICE configuration (otc_session_settings_set_custom_ice_config, the Linux SDK's
// shape) and the ICE servers a session server hands out: validation, copies, bounds, and how the
// two combine into what peer connections are made with.
#include <gtest/gtest.h>
#include <otc/otc.h>

#include <string>
#include <vector>

#include "otc/ice_config.h"
#include "otc/session_impl.h"

namespace {

struct Config {
  std::vector<std::string> urls, users, credentials;
  std::vector<char *> url_ptrs, user_ptrs, credential_ptrs;
  otc_custom_ice_config c{};
  otc_custom_ice_config *make(bool force_turn = false, bool custom_only = false) {
    url_ptrs.clear();
    user_ptrs.clear();
    credential_ptrs.clear();
    for (auto &u : urls) url_ptrs.push_back(u.data());
    for (auto &u : users) user_ptrs.push_back(u.data());
    for (auto &u : credentials) credential_ptrs.push_back(u.data());
    c.num_ice_servers = static_cast<int>(urls.size());
    c.ice_url = url_ptrs.data();
    c.ice_user = users.empty() ? nullptr : user_ptrs.data();
    c.ice_credential = credentials.empty() ? nullptr : credential_ptrs.data();
    c.force_turn = force_turn ? OTC_TRUE : OTC_FALSE;
    c.use_custom_turn_only = custom_only ? OTC_TRUE : OTC_FALSE;
    return &c;
  }
};

class IceConfig : public ::testing::Test {
 protected:
  void SetUp() override { settings = otc_session_settings_new(); }
  void TearDown() override { otc_session_settings_delete(settings); }
  otc_session_settings *settings = nullptr;
};

TEST_F(IceConfig, AValidConfigurationIsCopied) {
  Config config;
  config.urls = {"stun:127.0.0.1:3478", "turn:turn.example.org:3478?transport=udp", "turns:[::1]:5349?transport=tcp"};
  config.users = {"", "1700000000:alice", "bob"};
  config.credentials = {"", "c3VwZXJzZWNyZXQ=", "pw"};
  ASSERT_EQ(otc_session_settings_set_custom_ice_config(settings, config.make(true, true)), OTC_SUCCESS);
  // The caller's arrays can go at once.
  for (auto &text : config.credentials) text.assign(text.size(), 'x');
  config = Config{};
  ASSERT_EQ(settings->ice.servers.size(), 3u);
  EXPECT_EQ(settings->ice.servers[1].urls, std::vector<std::string>{"turn:turn.example.org:3478?transport=udp"});
  EXPECT_EQ(settings->ice.servers[1].username, "1700000000:alice");
  EXPECT_EQ(settings->ice.servers[1].credential, "c3VwZXJzZWNyZXQ=");
  EXPECT_TRUE(settings->ice.force_turn);
  EXPECT_TRUE(settings->ice.custom_only);
  // A session made from the settings holds its own copy.
  otc_session *session = otc_session_new_with_settings("k", "s", nullptr, settings);
  ASSERT_NE(session, nullptr);
  otc_session_settings_delete(settings);
  settings = nullptr;
  ASSERT_EQ(session->ice.servers.size(), 3u);
  EXPECT_EQ(session->ice.servers[2].credential, "pw");
  otc_session_delete(session);
}

TEST_F(IceConfig, BadInputIsRefusedAndThePreviousConfigurationStays) {
  Config good;
  good.urls = {"stun:127.0.0.1:3478"};
  ASSERT_EQ(otc_session_settings_set_custom_ice_config(settings, good.make()), OTC_SUCCESS);
  EXPECT_EQ(otc_session_settings_set_custom_ice_config(nullptr, good.make()), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_settings_set_custom_ice_config(settings, nullptr), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  otc_custom_ice_config raw{};
  raw.num_ice_servers = 1;  // and no arrays
  EXPECT_EQ(otc_session_settings_set_custom_ice_config(settings, &raw), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  raw.num_ice_servers = -1;
  EXPECT_EQ(otc_session_settings_set_custom_ice_config(settings, &raw), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  char *null_url[1] = {nullptr};
  raw.num_ice_servers = 1;
  raw.ice_url = null_url;
  EXPECT_EQ(otc_session_settings_set_custom_ice_config(settings, &raw), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  const std::vector<std::string> bad_urls = {
      "", "http://127.0.0.1:3478", "stun:", "stun:host:0", "stun:host:65536", "stun:host:port",
      "stun:host name", "stun:host:3478?transport=udp", "turn:host:3478?transport=sctp", "STUN:host",
      "stun:[::1", "stun:[::1]x", "stun://host:3478", "stun:h\xc3\xa9st", "stun:" + std::string(600, 'a')};
  for (const auto &url : bad_urls) {
    Config bad;
    bad.urls = {url};
    bad.users = {"u"};
    bad.credentials = {"p"};
    EXPECT_EQ(otc_session_settings_set_custom_ice_config(settings, bad.make()), OTC_SESSION_NULL_OR_INVALID_PARAMETER) << url;
  }
  Config turn_without_credentials;
  turn_without_credentials.urls = {"turn:127.0.0.1:3478"};
  EXPECT_EQ(otc_session_settings_set_custom_ice_config(settings, turn_without_credentials.make()),
            OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  turn_without_credentials.users = {"u"};
  turn_without_credentials.credentials = {""};
  EXPECT_EQ(otc_session_settings_set_custom_ice_config(settings, turn_without_credentials.make()),
            OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  Config long_credential;
  long_credential.urls = {"turn:127.0.0.1:3478"};
  long_credential.users = {"u"};
  long_credential.credentials = {std::string(513, 'c')};
  EXPECT_EQ(otc_session_settings_set_custom_ice_config(settings, long_credential.make()),
            OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  Config too_many;
  too_many.urls.assign(17, "stun:127.0.0.1:3478");
  EXPECT_EQ(otc_session_settings_set_custom_ice_config(settings, too_many.make()), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  // None of it replaced the good configuration.
  ASSERT_EQ(settings->ice.servers.size(), 1u);
  EXPECT_EQ(settings->ice.servers[0].urls[0], "stun:127.0.0.1:3478");
  // No servers at all is a valid configuration (force_turn then finds no relay: see the ICE tests).
  Config none;
  EXPECT_EQ(otc_session_settings_set_custom_ice_config(settings, none.make(true)), OTC_SUCCESS);
  EXPECT_TRUE(settings->ice.servers.empty());
}

TEST_F(IceConfig, TheConnectTimeoutIsBounded) {
  EXPECT_EQ(otc_session_settings_set_ice_connect_timeout(nullptr, 5000), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_settings_set_ice_connect_timeout(settings, 999), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_settings_set_ice_connect_timeout(settings, 600001), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(settings->ice.connect_timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(otc_session_settings_set_ice_connect_timeout(settings, 5000), OTC_SUCCESS);
  EXPECT_EQ(settings->ice.connect_timeout, std::chrono::milliseconds(5000));
}

// The connect ack's ICE servers as the session link takes them: read by the signaling layer,
// then judged and converted for libwebrtc.
std::vector<otc::IceServer> from_ack(const nlohmann::json &ice_servers, std::string &problems) {
  return otc::ice_servers_from_ack(otc::signaling::parse_ice_servers(ice_servers, problems), problems);
}

TEST(IceServersFromTheServer, UrlsAsAStringOrAnArrayAndBadEntriesSkipped) {
  const auto ack = nlohmann::json::parse(R"([
    { "urls": "stun:127.0.0.1:3478" },
    { "urls": ["turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"],
      "username": "1700000000:c-1", "credential": "abc=" },
    { "urls": ["ftp:nope"] },
    { "urls": 5 },
    "not an object",
    { "urls": ["stun:127.0.0.1"], "username": 7 }
  ])");
  std::string problems;
  const auto servers = from_ack(ack, problems);
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[0].urls, std::vector<std::string>{"stun:127.0.0.1:3478"});
  EXPECT_EQ(servers[1].urls.size(), 2u);
  EXPECT_EQ(servers[1].username, "1700000000:c-1");
  EXPECT_EQ(servers[1].credential, "abc=");
  EXPECT_NE(problems.find("ftp:nope"), std::string::npos) << problems;
  std::string none;
  EXPECT_TRUE(from_ack(nlohmann::json(), none).empty());
  EXPECT_TRUE(from_ack(nlohmann::json::array(), none).empty());
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(from_ack(nlohmann::json("stun:x"), none).empty());
  EXPECT_FALSE(none.empty());
}

TEST(IceServersFromTheServer, AFloodIsCutToTheBound) {
  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < 10000; ++i) many.push_back(nlohmann::json{{"urls", "stun:127.0.0.1:3478"}});
  std::string problems;
  EXPECT_EQ(from_ack(many, problems).size(), otc::kMaxIceServers);
  EXPECT_LT(problems.size(), 2048u);
  nlohmann::json urls = nlohmann::json::array();
  for (int i = 0; i < 100; ++i) urls.push_back("stun:127.0.0.1:3478");
  nlohmann::json wide = nlohmann::json::array();
  wide.push_back(nlohmann::json{{"urls", urls}});
  EXPECT_TRUE(from_ack(wide, problems).empty());
}

TEST(IceServersFromTheServer, CustomServersAddToTheServersUnlessCustomOnly) {
  otc::IceServer from_server, custom;
  from_server.urls = {"turn:10.0.0.1:3478"};
  custom.urls = {"turn:10.0.0.2:3478"};
  otc::CustomIceConfig config;
  config.servers = {custom};
  auto both = otc::combine_ice_settings(config, {from_server}, "otc.example.org");
  ASSERT_EQ(both.servers.size(), 2u);
  EXPECT_EQ(both.servers[0].urls[0], "turn:10.0.0.1:3478");
  EXPECT_FALSE(both.relay_only);
  config.custom_only = true;
  config.force_turn = true;
  auto only = otc::combine_ice_settings(config, {from_server}, "otc.example.org");
  ASSERT_EQ(only.servers.size(), 1u);
  EXPECT_EQ(only.servers[0].urls[0], "turn:10.0.0.2:3478");
  EXPECT_TRUE(only.relay_only);
  EXPECT_TRUE(otc::combine_ice_settings(otc::CustomIceConfig{}, {}, "otc.example.org").servers.empty());
}

TEST(LoopbackCandidates, OnlyWhenTheSessionServerOrAnIceServerIsOnThisMachine) {
  for (const char *host : {"127.0.0.1", "127.4.5.6", "localhost", "LocalHost", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(otc::is_loopback_host(host)) << host;
  }
  for (const char *host : {"10.0.0.1", "198.18.0.1", "128.0.0.1", "otc.example.org", "::2", "::ffff:10.0.0.1", "", "127.0.0"}) {
    EXPECT_FALSE(otc::is_loopback_host(host)) << host;
  }
  EXPECT_EQ(otc::ice_url_host("turn:[::1]:3478?transport=udp"), "::1");
  EXPECT_EQ(otc::ice_url_host("stun:127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(otc::ice_url_host("turns:turn.example.org:5349?transport=tcp"), "turn.example.org");
  EXPECT_EQ(otc::ice_url_host("nonsense"), "");

  otc::IceServer remote_turn, local_turn;
  remote_turn.urls = {"turn:198.18.0.1:3478?transport=udp"};
  local_turn.urls = {"stun:10.0.0.9", "turn:127.0.0.1:3478"};
  EXPECT_TRUE(otc::combine_ice_settings({}, {}, "127.0.0.1").loopback_candidates);
  EXPECT_TRUE(otc::combine_ice_settings({}, {}, "::1").loopback_candidates);
  EXPECT_FALSE(otc::combine_ice_settings({}, {}, "198.18.0.1").loopback_candidates);
  EXPECT_FALSE(otc::combine_ice_settings({}, {remote_turn}, "otc.example.org").loopback_candidates);
  EXPECT_TRUE(otc::combine_ice_settings({}, {remote_turn, local_turn}, "otc.example.org").loopback_candidates);
  otc::CustomIceConfig custom;
  custom.servers = {local_turn};
  EXPECT_TRUE(otc::combine_ice_settings(custom, {remote_turn}, "otc.example.org").loopback_candidates);
}

TEST(IceServersFromTheServer, CredentialsAreWipedWhenDropped) {
  std::string text = "a credential longer than the small-string buffer";
  const char *storage = text.data();
  otc::wipe_string(text);
  EXPECT_TRUE(text.empty());
  EXPECT_EQ(text.data(), storage);  // same buffer, now zeroed
  for (size_t i = 0; i < 40; ++i) EXPECT_EQ(storage[i], '\0');
}

}  // namespace
