// Moderation through the C API against the session server (a child process): a moderator
// forces a client out (otc_session_force_disconnect: that client's on_disconnected with reason
// forceDisconnected, no error and no reconnection; the others' on_connection_dropped and
// on_stream_dropped with that reason) and stops a stream (otc_session_force_unpublish: its
// publisher's on_stream_destroyed with reason forceUnpublished, its subscriber's end, and the
// publisher published again); other roles are refused through on_error (1520, 1535);
// otc_session_get_capabilities says which token may do what.
#include <gtest/gtest.h>
#include <otc/otc.h>

#include <atomic>
#include <chrono>
#include <string>

#include "moderated_clients.h"
#include "session_server.h"

using namespace std::chrono_literals;
using otc_test::Client;
using otc_test::Events;
using otc_test::Publishing;
using otc_test::ServerSuite;

namespace {

class Moderation : public otc_test::ModeratedSessionSuite {};

// A subscriber to `stream_id` in `client`'s session, counting frames and saying how it ended.
struct Watching {
  Events events;
  std::atomic<int> frames{0};
  otc_subscriber *subscriber = nullptr;

  Watching(Client &client, const otc_stream *stream) {
    otc_subscriber_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_subscriber *, void *self, const otc_stream *) { static_cast<Watching *>(self)->events.add("connected"); };
    cb.on_disconnected = [](otc_subscriber *subscriber, void *self) {
      const char *reason = otc_subscriber_get_disconnect_reason(subscriber);
      static_cast<Watching *>(self)->events.add(std::string("disconnected:") + (reason ? reason : ""));
    };
    cb.on_render_frame = [](otc_subscriber *, void *self, const otc_video_frame *) { static_cast<Watching *>(self)->frames++; };
    subscriber = otc_subscriber_new(stream, &cb);
    EXPECT_NE(subscriber, nullptr);
    if (subscriber) EXPECT_EQ(otc_session_subscribe(client.session, subscriber), OTC_SUCCESS);
  }
  ~Watching() { otc_subscriber_delete(subscriber); }
};

TEST_F(Moderation, CapabilitiesFollowTheTokensRole) {
  Client moderator(session_id_), publisher(session_id_), subscriber(session_id_);
  otc_session_capabilities before = otc_session_get_capabilities(moderator.session);
  EXPECT_EQ(before.publish | before.force_disconnect | before.force_mute | before.force_unpublish, OTC_FALSE);
  ASSERT_TRUE(moderator.connect(session_id_, "moderator"));
  ASSERT_TRUE(publisher.connect(session_id_, "publisher"));
  ASSERT_TRUE(subscriber.connect(session_id_, "subscriber"));
  const otc_session_capabilities m = otc_session_get_capabilities(moderator.session);
  EXPECT_TRUE(m.publish && m.force_disconnect && m.force_mute && m.force_unpublish);
  const otc_session_capabilities p = otc_session_get_capabilities(publisher.session);
  EXPECT_TRUE(p.publish);
  EXPECT_FALSE(p.force_disconnect || p.force_mute || p.force_unpublish);
  const otc_session_capabilities s = otc_session_get_capabilities(subscriber.session);
  EXPECT_FALSE(s.publish || s.force_disconnect || s.force_mute || s.force_unpublish);
}

TEST_F(Moderation, AModeratorForcesAClientOutAndNobodyReportsAnError) {
  Client moderator(session_id_), target(session_id_), watcher(session_id_);
  ASSERT_TRUE(target.connect(session_id_, "publisher"));
  Publishing pub(target, "forced out soon");
  ASSERT_FALSE(pub.stream_id.empty());
  ASSERT_TRUE(moderator.connect(session_id_, "moderator"));
  ASSERT_TRUE(watcher.connect(session_id_, "subscriber"));
  const otc_connection *target_connection = otc_session_get_connection(target.session);
  ASSERT_NE(target_connection, nullptr);
  const std::string target_id = otc_connection_get_id(target_connection);

  // The C API takes the otc_connection on_connection_created gave (copied by the test).
  const otc_connection *seen = nullptr;
  ASSERT_TRUE(moderator.events.wait("connection:" + target_id)) << moderator.events.all();
  {
    std::lock_guard<std::mutex> lock(moderator.mutex);
    for (const auto &c : moderator.connections) {
      if (target_id == otc_connection_get_id(c.get())) seen = c.get();
    }
  }
  ASSERT_NE(seen, nullptr);
  ASSERT_EQ(otc_session_force_disconnect(moderator.session, seen), OTC_SUCCESS);
  EXPECT_TRUE(target.events.wait("disconnected:forceDisconnected")) << target.events.all();
  for (Client *other : {&moderator, &watcher}) {
    EXPECT_TRUE(other->events.wait("connection_dropped:" + target_id + ":forceDisconnected")) << other->events.all();
    EXPECT_TRUE(other->events.wait("stream_dropped:" + pub.stream_id + ":forceDisconnected")) << other->events.all();
  }
  EXPECT_TRUE(pub.events.wait("destroyed:" + pub.stream_id + ":forceDisconnected")) << pub.events.all();
  ASSERT_TRUE(moderator.settle("after-force-disconnect"));
  std::this_thread::sleep_for(500ms);  // a reconnection attempt would have started by now
  EXPECT_EQ(target.events.count("reconnecting"), 0u) << target.events.all();
  for (Client *client : {&moderator, &target, &watcher}) {
    EXPECT_EQ(client->last_error(), "") << client->events.all();
  }
}

TEST_F(Moderation, AModeratorStopsAStreamItsPublisherMayPublishAgain) {
  Client moderator(session_id_), owner(session_id_), viewer(session_id_);
  ASSERT_TRUE(owner.connect(session_id_, "publisher"));
  ASSERT_TRUE(moderator.connect(session_id_, "moderator"));
  ASSERT_TRUE(viewer.connect(session_id_, "subscriber"));
  Publishing pub(owner, "stopped soon");
  ASSERT_FALSE(pub.stream_id.empty());
  const std::string first = pub.stream_id;
  ASSERT_TRUE(viewer.events.wait("stream:" + first)) << viewer.events.all();
  otc_stream *stream = viewer.copy_stream(first);
  ASSERT_NE(stream, nullptr);
  Watching watching(viewer, stream);
  ASSERT_TRUE(watching.events.wait("connected")) << watching.events.all();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (watching.frames.load() < 10 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_GE(watching.frames.load(), 10);

  ASSERT_EQ(otc_session_force_unpublish(moderator.session, stream), OTC_SUCCESS);
  EXPECT_TRUE(pub.events.wait("destroyed:" + first + ":forceUnpublished")) << pub.events.all();
  EXPECT_TRUE(watching.events.wait("disconnected:forceUnpublished")) << watching.events.all();
  for (Client *other : {&moderator, &viewer}) {
    EXPECT_TRUE(other->events.wait("stream_dropped:" + first + ":forceUnpublished")) << other->events.all();
  }
  EXPECT_EQ(otc_publisher_get_stream_id(pub.publisher), nullptr);
  // Still connected, and free to publish again: a new stream reaches the others.
  pub.publish(owner);
  ASSERT_FALSE(pub.stream_id.empty());
  EXPECT_NE(pub.stream_id, first);
  EXPECT_TRUE(viewer.events.wait("stream:" + pub.stream_id)) << viewer.events.all();
  EXPECT_EQ(owner.events.count("disconnected:forceUnpublished"), 0u);
  otc_stream_delete(stream);
}

TEST_F(Moderation, OtherRolesAndUnknownIdsAreRefusedThroughOnError) {
  Client moderator(session_id_), owner(session_id_);
  ASSERT_TRUE(owner.connect(session_id_, "publisher"));
  ASSERT_TRUE(moderator.connect(session_id_, "moderator"));
  Publishing pub(owner, "not stopped");
  ASSERT_FALSE(pub.stream_id.empty());

  EXPECT_EQ(otc_session_force_disconnect(owner.session, nullptr), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_force_unpublish(owner.session, nullptr), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_force_disconnect_connection_id(owner.session, ""), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_force_unpublish_stream_id(nullptr, pub.stream_id.c_str()), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_force_unpublish_stream_id(owner.session, std::string(200, 'x').c_str()), OTC_SESSION_NULL_OR_INVALID_PARAMETER);

  ASSERT_EQ(otc_session_force_disconnect(owner.session, otc_session_get_connection(moderator.session)), OTC_SUCCESS);
  EXPECT_TRUE(owner.events.wait("error:1520")) << owner.events.all();
  EXPECT_NE(owner.last_error().find("forceDisconnect"), std::string::npos) << owner.last_error();
  ASSERT_EQ(otc_session_force_unpublish_stream_id(owner.session, pub.stream_id.c_str()), OTC_SUCCESS);
  EXPECT_TRUE(owner.events.wait("error:1535")) << owner.events.all();
  ASSERT_EQ(otc_session_force_unpublish_stream_id(moderator.session, "no-such-stream"), OTC_SUCCESS);
  EXPECT_TRUE(moderator.events.wait("error:1535")) << moderator.events.all();
  ASSERT_EQ(otc_session_force_disconnect_connection_id(moderator.session, "no-such-connection"), OTC_SUCCESS);
  EXPECT_TRUE(moderator.events.wait("error:1520")) << moderator.events.all();

  ASSERT_TRUE(owner.settle("after-refusals"));
  EXPECT_NE(otc_publisher_get_stream_id(pub.publisher), nullptr);
  EXPECT_EQ(pub.events.count("destroyed:" + pub.stream_id + ":forceUnpublished"), 0u) << pub.events.all();
  EXPECT_EQ(moderator.events.count("disconnected:forceDisconnected"), 0u);
}

}  // namespace
