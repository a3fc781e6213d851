// Forced muting through the C API against the session server (a child process): a client whose
// token has the moderator role mutes another client's stream, or all streams but some; the
// muted publisher stops sending audio as if the application had turned it off, every other
// client sees the stream's hasAudio change, and the forced-mute callbacks say what happened.
#include <gtest/gtest.h>
#include <otc/otc.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "moderated_clients.h"
#include "session_server.h"
#include "tcp_cut_proxy.h"

using namespace std::chrono_literals;
using otc_test::Client;
using otc_test::kApiKey;
using otc_test::Publishing;
using otc_test::Server;
using otc_test::ServerSuite;

namespace {

class ForceMute : public otc_test::ModeratedSessionSuite {};

// One stream: the publisher's audio goes off as with otc_publisher_set_publish_audio, the others
// see hasAudio change, the muted client's session and publisher callbacks say so (active), the
// moderator's do not; the application turns audio back on itself.
TEST_F(ForceMute, AModeratorMutesAnotherClientsStream) {
  Client moderator(session_id_), owner(session_id_), watcher(session_id_);
  ASSERT_TRUE(moderator.connect(session_id_, "moderator"));
  ASSERT_TRUE(owner.connect(session_id_, "publisher"));
  ASSERT_TRUE(watcher.connect(session_id_, "subscriber"));
  Publishing pub(owner, "muted soon");
  ASSERT_FALSE(pub.stream_id.empty());
  ASSERT_TRUE(moderator.events.wait("stream:" + pub.stream_id)) << moderator.events.all();
  ASSERT_TRUE(watcher.events.wait("stream:" + pub.stream_id)) << watcher.events.all();
  ASSERT_TRUE(pub.audio());

  ASSERT_EQ(otc_session_force_mute_stream(moderator.session, pub.stream_id.c_str()), OTC_SUCCESS);
  EXPECT_TRUE(pub.events.wait("muted")) << pub.events.all();
  EXPECT_TRUE(owner.events.wait("mute:1")) << owner.events.all();
  EXPECT_FALSE(pub.audio());
  const std::string off = "has_audio:" + pub.stream_id + ":0:0";
  EXPECT_TRUE(moderator.events.wait(off)) << moderator.events.all();
  EXPECT_TRUE(watcher.events.wait(off)) << watcher.events.all();
  ASSERT_TRUE(moderator.settle("after-mute"));
  EXPECT_EQ(moderator.events.count("mute:1"), 0u) << moderator.events.all();
  EXPECT_EQ(watcher.events.count("mute:1"), 0u) << watcher.events.all();
  EXPECT_EQ(moderator.events.count("error:1540"), 0u) << moderator.last_error();

  ASSERT_EQ(otc_publisher_set_publish_audio(pub.publisher, OTC_TRUE), OTC_SUCCESS);
  EXPECT_TRUE(pub.audio());
  EXPECT_TRUE(watcher.events.wait("has_audio:" + pub.stream_id + ":1:1")) << watcher.events.all();
  // Muted again while already muted: the callbacks come again, hasAudio changes once.
  ASSERT_EQ(otc_session_force_mute_stream(moderator.session, pub.stream_id.c_str()), OTC_SUCCESS);
  ASSERT_EQ(otc_session_force_mute_stream(moderator.session, pub.stream_id.c_str()), OTC_SUCCESS);
  EXPECT_TRUE(pub.events.wait("muted", 3)) << pub.events.all();
  EXPECT_TRUE(owner.events.wait("mute:1", 3)) << owner.events.all();
  ASSERT_TRUE(owner.settle("after-second-mute"));
  ASSERT_TRUE(watcher.settle("after-second-mute-watcher"));
  EXPECT_EQ(watcher.events.count(off), 2u) << watcher.events.all();
}

// Clients whose token is not a moderator's are refused (1540, asynchronously through on_error),
// and so is a moderator naming a stream the session does not have; nothing is muted.
TEST_F(ForceMute, TheServersRefusalReachesOnErrorAs1540) {
  Client moderator(session_id_), owner(session_id_);
  ASSERT_TRUE(moderator.connect(session_id_, "moderator"));
  ASSERT_TRUE(owner.connect(session_id_, "publisher"));
  Publishing pub(owner, "not muted");
  ASSERT_FALSE(pub.stream_id.empty());

  ASSERT_EQ(otc_session_force_mute_stream(owner.session, pub.stream_id.c_str()), OTC_SUCCESS);
  EXPECT_TRUE(owner.events.wait("error:1540")) << owner.events.all();
  EXPECT_NE(owner.last_error().find("forceMuteStream"), std::string::npos) << owner.last_error();
  ASSERT_EQ(otc_session_force_mute_all(owner.session, nullptr, 0), OTC_SUCCESS);
  EXPECT_TRUE(owner.events.wait("error:1540", 2)) << owner.events.all();
  ASSERT_EQ(otc_session_disable_force_mute(owner.session), OTC_SUCCESS);
  EXPECT_TRUE(owner.events.wait("error:1540", 3)) << owner.events.all();

  ASSERT_EQ(otc_session_force_mute_stream(moderator.session, "no-such-stream"), OTC_SUCCESS);
  EXPECT_TRUE(moderator.events.wait("error:1540")) << moderator.events.all();

  ASSERT_TRUE(owner.settle("after-refusals"));
  EXPECT_TRUE(pub.audio());
  EXPECT_EQ(pub.events.count("muted"), 0u) << pub.events.all();
  EXPECT_EQ(owner.events.count("mute:1"), 0u) << owner.events.all();
}

// Muting all: every client hears active once, every stream but the excluded one is muted
// (without a second session callback), streams published later are muted too and a client
// joining is told; disabling tells everyone and leaves later streams alone, mutes standing.
TEST_F(ForceMute, MuteAllSparesTheExcludedAndHoldsUntilDisabled) {
  Client moderator(session_id_), a(session_id_), b(session_id_);
  ASSERT_TRUE(moderator.connect(session_id_, "moderator"));
  ASSERT_TRUE(a.connect(session_id_, "publisher"));
  ASSERT_TRUE(b.connect(session_id_, "publisher"));
  Publishing pub_a(a, "a"), pub_b(b, "b");
  ASSERT_FALSE(pub_a.stream_id.empty());
  ASSERT_FALSE(pub_b.stream_id.empty());
  ASSERT_TRUE(moderator.events.wait("stream:" + pub_b.stream_id));

  const char *excluded[] = {pub_b.stream_id.c_str()};
  ASSERT_EQ(otc_session_force_mute_all(moderator.session, excluded, 1), OTC_SUCCESS);
  EXPECT_TRUE(pub_a.events.wait("muted")) << pub_a.events.all();
  EXPECT_FALSE(pub_a.audio());
  for (Client *client : {&moderator, &a, &b}) EXPECT_TRUE(client->events.wait("mute:1")) << client->events.all();
  EXPECT_TRUE(moderator.events.wait("has_audio:" + pub_a.stream_id + ":0:0")) << moderator.events.all();
  ASSERT_TRUE(b.settle("after-mute-all"));
  EXPECT_TRUE(pub_b.audio());
  EXPECT_EQ(pub_b.events.count("muted"), 0u) << pub_b.events.all();
  for (Client *client : {&moderator, &a, &b}) EXPECT_EQ(otc_session_is_force_mute_active(client->session), OTC_TRUE);

  // Again while it holds: the streams are muted again, the state did not change (no callback).
  ASSERT_EQ(otc_publisher_set_publish_audio(pub_a.publisher, OTC_TRUE), OTC_SUCCESS);
  ASSERT_EQ(otc_session_force_mute_all(moderator.session, excluded, 1), OTC_SUCCESS);
  EXPECT_TRUE(pub_a.events.wait("muted", 2)) << pub_a.events.all();
  EXPECT_FALSE(pub_a.audio());
  ASSERT_TRUE(a.settle("after-second-mute-all"));
  EXPECT_EQ(a.events.count("mute:1"), 1u) << a.events.all();

  // Published while the mute holds: muted once created; the session was told already.
  Publishing later(b, "later");
  ASSERT_FALSE(later.stream_id.empty());
  EXPECT_TRUE(later.events.wait("muted")) << later.events.all();
  EXPECT_FALSE(later.audio());
  EXPECT_TRUE(pub_b.audio());
  ASSERT_TRUE(b.settle("after-later"));
  EXPECT_EQ(b.events.count("mute:1"), 1u) << b.events.all();
  // Joining while it holds: told right after connecting.
  Client joiner(session_id_);
  ASSERT_TRUE(joiner.connect(session_id_, "publisher"));
  EXPECT_TRUE(joiner.events.wait("mute:1")) << joiner.events.all();
  EXPECT_EQ(otc_session_is_force_mute_active(joiner.session), OTC_TRUE);

  ASSERT_EQ(otc_session_disable_force_mute(moderator.session), OTC_SUCCESS);
  for (Client *client : {&moderator, &a, &b, &joiner}) {
    EXPECT_TRUE(client->events.wait("mute:0")) << client->events.all();
  }
  EXPECT_FALSE(pub_a.audio());  // nobody is unmuted
  EXPECT_EQ(otc_session_is_force_mute_active(a.session), OTC_FALSE);
  // Off again while off: no callback.
  ASSERT_EQ(otc_session_disable_force_mute(moderator.session), OTC_SUCCESS);
  ASSERT_TRUE(moderator.settle("after-second-disable"));
  EXPECT_EQ(moderator.events.count("mute:0"), 1u) << moderator.events.all();
  Publishing after(joiner, "after");
  ASSERT_FALSE(after.stream_id.empty());
  ASSERT_TRUE(joiner.settle("after-disable"));
  EXPECT_TRUE(after.audio());
  EXPECT_EQ(after.events.count("muted"), 0u) << after.events.all();
  EXPECT_EQ(moderator.events.count("error:1540"), 0u) << moderator.last_error();
}

// The mute state turned on while a client's link is down: the reconnection's ack reports it once
// (the forceMuteChanged the server queued for it then changes nothing), and the queued
// muteForced mutes its publisher.
TEST_F(ForceMute, AChangeMadeWhileTheLinkIsDownIsReportedOnceAfterReconnecting) {
  otc_test::TcpCutProxy proxy(server->port());
  Client moderator(session_id_), owner(session_id_, "ws://127.0.0.1:" + std::to_string(proxy.port()) + "/v1/signaling");
  ASSERT_TRUE(moderator.connect(session_id_, "moderator"));
  ASSERT_TRUE(owner.connect(session_id_, "publisher"));
  Publishing pub(owner, "away");
  ASSERT_FALSE(pub.stream_id.empty());
  ASSERT_TRUE(moderator.events.wait("stream:" + pub.stream_id)) << moderator.events.all();

  // Reset both ends (the server keeps the connection detached and queues its messages), and
  // keep the client's attempts from getting through until the change is made.
  proxy.blackhole();
  proxy.reset_all();
  ASSERT_TRUE(owner.events.wait("reconnecting")) << owner.events.all();
  ASSERT_TRUE(moderator.settle("before-mute-all"));
  ASSERT_EQ(otc_session_force_mute_all(moderator.session, nullptr, 0), OTC_SUCCESS);
  ASSERT_TRUE(moderator.events.wait("mute:1")) << moderator.events.all();
  EXPECT_EQ(owner.events.count("mute:1"), 0u) << owner.events.all();
  proxy.restore();

  EXPECT_TRUE(owner.events.wait("reconnected", 1, 30s)) << owner.events.all() << owner.last_error();
  EXPECT_TRUE(owner.events.wait("mute:1")) << owner.events.all();
  EXPECT_TRUE(pub.events.wait("muted")) << pub.events.all();
  EXPECT_FALSE(pub.audio());
  ASSERT_TRUE(owner.settle("after-reconnect"));
  EXPECT_EQ(owner.events.count("mute:1"), 1u) << owner.events.all();
  EXPECT_EQ(otc_session_is_force_mute_active(owner.session), OTC_TRUE);
  EXPECT_TRUE(moderator.events.wait("has_audio:" + pub.stream_id + ":0:0")) << moderator.events.all();
}

// Arguments the C API refuses without sending anything, and calls that need a connection.
TEST_F(ForceMute, BadArgumentsAndNoConnectionAreRefusedAtOnce) {
  EXPECT_EQ(otc_session_force_mute_stream(nullptr, "s"), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_force_mute_all(nullptr, nullptr, 0), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_disable_force_mute(nullptr), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_set_mute_forced_callback(nullptr, nullptr), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_is_force_mute_active(nullptr), OTC_FALSE);
  EXPECT_EQ(otc_publisher_set_mute_forced_callback(nullptr, nullptr), OTC_MEDIA_INVALID_PARAMETER);

  Client moderator(session_id_);
  const char *one[] = {"s-1"};
  EXPECT_EQ(otc_session_force_mute_stream(moderator.session, "s-1"), OTC_SESSION_NOT_CONNECTED);
  EXPECT_EQ(otc_session_force_mute_all(moderator.session, one, 1), OTC_SESSION_NOT_CONNECTED);
  EXPECT_EQ(otc_session_disable_force_mute(moderator.session), OTC_SESSION_NOT_CONNECTED);
  ASSERT_TRUE(moderator.connect(session_id_, "moderator"));

  const std::string long_id(129, 's');
  EXPECT_EQ(otc_session_force_mute_stream(moderator.session, nullptr), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_force_mute_stream(moderator.session, ""), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_force_mute_stream(moderator.session, long_id.c_str()), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_force_mute_all(moderator.session, one, -1), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_force_mute_all(moderator.session, nullptr, 1), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  const char *with_null[] = {"s-1", nullptr};
  EXPECT_EQ(otc_session_force_mute_all(moderator.session, with_null, 2), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  const char *with_empty[] = {""};
  EXPECT_EQ(otc_session_force_mute_all(moderator.session, with_empty, 1), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  const char *with_long[] = {long_id.c_str()};
  EXPECT_EQ(otc_session_force_mute_all(moderator.session, with_long, 1), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  std::vector<const char *> too_many(OTC_SESSION_FORCE_MUTE_MAX_EXCLUDED + 1, "s-1");
  EXPECT_EQ(otc_session_force_mute_all(moderator.session, too_many.data(), static_cast<int>(too_many.size())),
            OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  // The most ids the server takes are sent (and accepted: ids of streams it does not have are
  // nothing to spare).
  std::vector<const char *> most(OTC_SESSION_FORCE_MUTE_MAX_EXCLUDED, "s-1");
  EXPECT_EQ(otc_session_force_mute_all(moderator.session, most.data(), static_cast<int>(most.size())), OTC_SUCCESS);
  EXPECT_TRUE(moderator.events.wait("mute:1")) << moderator.events.all();
  EXPECT_EQ(otc_session_disable_force_mute(moderator.session), OTC_SUCCESS);
  EXPECT_TRUE(moderator.events.wait("mute:0")) << moderator.events.all();
  ASSERT_TRUE(moderator.settle("after-arguments"));
  EXPECT_EQ(moderator.events.count("error:1540"), 0u) << moderator.last_error();
}

}  // namespace
