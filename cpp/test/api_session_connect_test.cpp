// otc_session_connect and signaling against the real session server: the test suite runs
// `node dist/lib/cli/index.js serve --port 0` as a child process (build the TypeScript first:
// tsc -p .), creates sessions and tokens with the same CLI, and kills the server at the end.
// Stream events need a publisher, which the C API does not have yet: test/session-connect.test.ts
// covers them.
#include <gtest/gtest.h>
#include "session_server.h"
#include <otc/errors.h>
#include <otc/session.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char **environ;

using namespace std::chrono_literals;

namespace {

using otc_test::kApiKey;
using otc_test::Server;

constexpr const char *kSecret = "a shared secret of the test";


// What one session's callbacks saw.
struct Client {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> events;  // "connected", "error:1004", "created:<id>", "signal:<type>:<data>:<from>"
  std::vector<std::string> created;
  otc_session *session = nullptr;
  // Runs inside on_connection_created / on_signal_received (the connection is valid only there).
  std::function<void(otc_session *, const otc_connection *)> on_created;
  std::function<void(otc_session *, const char *, const char *, const otc_connection *)> on_signal;

  void add(std::string event) {
    std::lock_guard<std::mutex> lock(mutex);
    events.push_back(std::move(event));
    cv.notify_all();
  }
  bool wait(const std::string &event, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mutex);
    return cv.wait_for(lock, timeout, [&] { return std::find(events.begin(), events.end(), event) != events.end(); });
  }
  bool wait_prefix(const std::string &prefix, std::string *found = nullptr, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mutex);
    return cv.wait_for(lock, timeout, [&] {
      for (const auto &e : events) {
        if (e.rfind(prefix, 0) == 0) {
          if (found) *found = e;
          return true;
        }
      }
      return false;
    });
  }
  size_t count(const std::string &event) {
    std::lock_guard<std::mutex> lock(mutex);
    return std::count(events.begin(), events.end(), event);
  }

  otc_session_callbacks callbacks() {
    otc_session_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_session *, void *self) { static_cast<Client *>(self)->add("connected"); };
    cb.on_disconnected = [](otc_session *, void *self) { static_cast<Client *>(self)->add("disconnected"); };
    cb.on_reconnection_started = [](otc_session *, void *self) { static_cast<Client *>(self)->add("reconnecting"); };
    cb.on_reconnected = [](otc_session *, void *self) { static_cast<Client *>(self)->add("reconnected"); };
    cb.on_error = [](otc_session *s, void *self, const char *, otc_session_error_code code) {
      // Whether this error ended the link (read inside the callback, as a binding does).
      static_cast<Client *>(self)->add("link-active-at-error:" + std::to_string(otc_session_is_link_active(s)));
      static_cast<Client *>(self)->add("error:" + std::to_string(code));
    };
    cb.on_connection_created = [](otc_session *s, void *self, const otc_connection *c) {
      auto *client = static_cast<Client *>(self);
      client->add(std::string("created:") + otc_connection_get_id(c));
      if (client->on_created) client->on_created(s, c);
    };
    cb.on_connection_dropped = [](otc_session *, void *self, const otc_connection *c) {
      static_cast<Client *>(self)->add(std::string("dropped:") + otc_connection_get_id(c));
    };
    cb.on_signal_received = [](otc_session *s, void *self, const char *type, const char *data, const otc_connection *c) {
      auto *client = static_cast<Client *>(self);
      // The connection is null for a signal the project sent through the REST API.
      client->add(std::string("signal:") + type + ":" + data + ":" + (c ? otc_connection_get_id(c) : "(server)"));
      if (client->on_signal) client->on_signal(s, type, data, c);
    };
    return cb;
  }

  // reconnection_timeout_ms: otc_session_settings_set_reconnection_timeout (default 60 s).
  otc_session *make(const std::string &session_id, const std::string &url, int reconnection_timeout_ms = 60000) {
    otc_session_callbacks cb = callbacks();
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, url.c_str());
    otc_session_settings_set_reconnection_timeout(settings, reconnection_timeout_ms);
    session = otc_session_new_with_settings(kApiKey, session_id.c_str(), &cb, settings);
    otc_session_settings_delete(settings);
    return session;
  }
  ~Client() { otc_session_delete(session); }
};

class SessionConnect : public otc_test::ServerSuite {
 protected:
  void SetUp() override {
    ServerSuite::SetUp();
    if (HasFatalFailure()) return;
    session_id_ = server->create_session(false);
    ASSERT_EQ(session_id_.rfind("1_", 0), 0u) << session_id_;
    token_ = Server::token(session_id_);
    ASSERT_FALSE(token_.empty());
  }
  std::string session_id_, token_;
};

TEST_F(SessionConnect, ConnectsAndDisconnects) {
  Client a;
  ASSERT_NE(a.make(session_id_, server->signaling()), nullptr);
  EXPECT_EQ(otc_session_get_connection_id(a.session), nullptr);
  ASSERT_EQ(otc_session_connect(a.session, token_.c_str()), OTC_SUCCESS);
  EXPECT_EQ(otc_session_connect(a.session, token_.c_str()), OTC_SESSION_ILLEGAL_STATE);
  ASSERT_TRUE(a.wait("connected"));
  const char *id = otc_session_get_connection_id(a.session);
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(std::string(id).rfind("c-", 0), 0u) << id;
  EXPECT_EQ(otc_session_is_e2ee(a.session), OTC_FALSE);
  ASSERT_EQ(otc_session_disconnect(a.session), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("disconnected"));
  EXPECT_EQ(otc_session_get_connection_id(a.session), nullptr);
  EXPECT_EQ(otc_session_disconnect(a.session), OTC_SESSION_ILLEGAL_STATE);
  EXPECT_EQ(a.count("disconnected"), 1u);
}

// The SDK's session calls around a connection: the own connection, capabilities by role, user
// data, connection copies, signals with options, suppressed connection events, report_issue.
TEST_F(SessionConnect, SdkSessionAccessors) {
  Client a, b, quiet;
  ASSERT_NE(a.make(session_id_, server->signaling()), nullptr);
  EXPECT_EQ(otc_session_get_user_data(a.session), &a);
  EXPECT_EQ(otc_session_get_connection(a.session), nullptr);
  EXPECT_EQ(otc_session_get_capabilities(a.session).publish, OTC_FALSE);
  EXPECT_STREQ(otc_session_get_id(a.session), session_id_.c_str());
  ASSERT_EQ(otc_session_connect(a.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("connected"));
  otc_connection *own = otc_session_get_connection(a.session);
  ASSERT_NE(own, nullptr);
  EXPECT_STREQ(otc_connection_get_id(own), otc_session_get_connection_id(a.session));
  EXPECT_STREQ(otc_connection_get_session_id(own), session_id_.c_str());
  EXPECT_EQ(otc_session_get_capabilities(a.session).publish, OTC_TRUE);

  otc_connection *copy = otc_connection_copy(own);
  ASSERT_NE(copy, nullptr);
  EXPECT_NE(copy, own);
  EXPECT_STREQ(otc_connection_get_id(copy), otc_connection_get_id(own));
  EXPECT_EQ(otc_connection_delete(copy), OTC_SUCCESS);
  EXPECT_EQ(otc_connection_delete(nullptr), OTC_INVALID_PARAM);
  EXPECT_EQ(otc_connection_copy(nullptr), nullptr);

  // A subscriber token may not publish.
  b.make(session_id_, server->signaling());
  ASSERT_EQ(otc_session_connect(b.session, Server::token(session_id_, "subscriber").c_str()), OTC_SUCCESS);
  ASSERT_TRUE(b.wait("connected"));
  EXPECT_EQ(otc_session_get_capabilities(b.session).publish, OTC_FALSE);
  const std::string b_id = otc_session_get_connection_id(b.session);
  ASSERT_TRUE(a.wait("created:" + b_id));

  struct otc_signal_options options{};
  options.retry_after_reconnect = OTC_FALSE;
  ASSERT_EQ(otc_session_send_signal_with_options(b.session, "opt", "to all", options), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("signal:opt:to all:" + b_id));
  ASSERT_EQ(otc_session_send_signal_to_connection_with_options(a.session, "opt", "to b", own, options), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("signal:opt:to b:" + std::string(otc_connection_get_id(own))));

  // Connection events suppressed: the session connects and signals but reports no connections.
  otc_session_callbacks cb = quiet.callbacks();
  otc_session_settings *settings = otc_session_settings_new();
  otc_session_settings_set_signaling_url(settings, server->signaling().c_str());
  EXPECT_EQ(otc_session_settings_set_connection_events_suppressed(settings, OTC_TRUE), OTC_SUCCESS);
  EXPECT_EQ(otc_session_settings_set_ip_whitelist(settings, OTC_TRUE), OTC_SUCCESS);
  quiet.session = otc_session_new_with_settings(kApiKey, session_id_.c_str(), &cb, settings);
  EXPECT_EQ(otc_session_settings_delete(settings), OTC_SUCCESS);
  EXPECT_EQ(otc_session_settings_delete(nullptr), OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  ASSERT_EQ(otc_session_connect(quiet.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(quiet.wait("connected"));
  ASSERT_EQ(otc_session_send_signal(a.session, "late", "x"), OTC_SUCCESS);
  ASSERT_TRUE(quiet.wait("signal:late:x:" + std::string(otc_connection_get_id(own))));
  EXPECT_FALSE(quiet.wait_prefix("created:", nullptr, 500ms));

  char *issue = reinterpret_cast<char *>(1);
  EXPECT_EQ(otc_session_report_issue(a.session, "audio was choppy", &issue), OTC_NOT_SUPPORTED);
  EXPECT_EQ(issue, nullptr);

  ASSERT_EQ(otc_session_disconnect(a.session), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("disconnected"));
  EXPECT_EQ(otc_session_get_connection(a.session), nullptr);
  EXPECT_EQ(otc_session_get_capabilities(a.session).publish, OTC_FALSE);
}

// otc_session_is_link_active: true from a successful connect until the callback ending the link.
TEST_F(SessionConnect, LinkActiveFromConnectUntilTheEndOfTheLink) {
  EXPECT_EQ(otc_session_is_link_active(nullptr), OTC_FALSE);
  Client a;
  ASSERT_NE(a.make(session_id_, server->signaling()), nullptr);
  EXPECT_EQ(otc_session_is_link_active(a.session), OTC_FALSE);
  ASSERT_EQ(otc_session_connect(a.session, token_.c_str()), OTC_SUCCESS);
  EXPECT_EQ(otc_session_is_link_active(a.session), OTC_TRUE);
  ASSERT_TRUE(a.wait("connected"));
  EXPECT_EQ(otc_session_is_link_active(a.session), OTC_TRUE);
  ASSERT_EQ(otc_session_disconnect(a.session), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("disconnected"));
  EXPECT_EQ(otc_session_is_link_active(a.session), OTC_FALSE);

  // An error that ends the connect attempt: inactive inside its on_error; no on_disconnected follows.
  Client b;
  b.make(session_id_, server->signaling());
  ASSERT_EQ(otc_session_connect(b.session, "T1==not-a-token"), OTC_SUCCESS);
  ASSERT_TRUE(b.wait("error:1004"));
  EXPECT_EQ(b.count("link-active-at-error:0"), 1u);
  EXPECT_EQ(b.count("link-active-at-error:1"), 0u);
  EXPECT_EQ(otc_session_is_link_active(b.session), OTC_FALSE);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(b.count("disconnected"), 0u);

  // An error that does not end the link (a signal to nobody, refused by the server): still active.
  Client c;
  c.make(session_id_, server->signaling());
  ASSERT_EQ(otc_session_connect(c.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(c.wait("connected"));
  ASSERT_EQ(otc_session_send_signal_to_connection_id(c.session, "t", "d", "c-no-such-connection"), OTC_SUCCESS);
  ASSERT_TRUE(c.wait_prefix("error:"));
  EXPECT_EQ(c.count("link-active-at-error:1"), 1u);
  EXPECT_EQ(otc_session_is_link_active(c.session), OTC_TRUE);
}

TEST_F(SessionConnect, BadTokenIs1004) {
  Client a;
  a.make(session_id_, server->signaling());
  ASSERT_EQ(otc_session_connect(a.session, "T1==not-a-token"), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("error:1004"));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(a.count("connected"), 0u);
  // The attempt is over: connecting again is allowed.
  ASSERT_EQ(otc_session_connect(a.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("connected"));
}

TEST_F(SessionConnect, TokenOfAnotherSessionIs1005) {
  const std::string other = server->create_session(false);
  Client a;
  a.make(other, server->signaling());
  ASSERT_EQ(otc_session_connect(a.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("error:1005"));
}

TEST_F(SessionConnect, NoServerIs1006) {
  Client a;
  a.make(session_id_, "ws://127.0.0.1:1/v1/signaling");
  ASSERT_EQ(otc_session_connect(a.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("error:1006"));
  Client b;
  b.make(session_id_, "http://127.0.0.1:1/");
  ASSERT_EQ(otc_session_connect(b.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(b.wait("error:1006"));
  unsetenv("OTC_SIGNALING_URL");
  Client c;
  otc_session_callbacks cb = c.callbacks();
  c.session = otc_session_new(kApiKey, session_id_.c_str(), &cb);
  ASSERT_EQ(otc_session_connect(c.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(c.wait("error:1006"));
}

TEST_F(SessionConnect, EncryptedSessionNeedsASecret) {
  const std::string e2ee = server->create_session(true);
  const std::string token = Server::token(e2ee);
  Client a;
  a.make(e2ee, server->signaling());
  ASSERT_EQ(otc_session_connect(a.session, token.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("error:6000"));
  EXPECT_EQ(a.count("connected"), 0u);
  EXPECT_EQ(otc_session_get_connection_id(a.session), nullptr);

  Client b;
  b.make(e2ee, server->signaling());
  ASSERT_EQ(otc_session_set_encryption_secret(b.session, kSecret), OTC_SUCCESS);
  ASSERT_EQ(otc_session_connect(b.session, token.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(b.wait("connected"));
  EXPECT_EQ(otc_session_is_e2ee(b.session), OTC_TRUE);
}

TEST_F(SessionConnect, TwoClientsSeeEachOtherAndSignal) {
  Client a, b;
  a.make(session_id_, server->signaling());
  b.make(session_id_, server->signaling());
  // A greets B directly from the callback that hands B's connection over.
  a.on_created = [](otc_session *s, const otc_connection *c) {
    EXPECT_EQ(otc_session_send_signal_to_connection(s, "greeting", "hello B", c), OTC_SUCCESS);
  };
  // B answers the sender of any greeting.
  b.on_signal = [](otc_session *s, const char *type, const char *, const otc_connection *from) {
    if (std::string(type) == "greeting") {
      EXPECT_EQ(otc_session_send_signal_to_connection(s, "answer", "hello A", from), OTC_SUCCESS);
    }
  };
  ASSERT_EQ(otc_session_connect(a.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("connected"));
  const std::string a_id = otc_session_get_connection_id(a.session);
  ASSERT_EQ(otc_session_connect(b.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(b.wait("connected"));
  const std::string b_id = otc_session_get_connection_id(b.session);
  ASSERT_TRUE(b.wait("created:" + a_id)) << "B learns of A from the connect ack";
  ASSERT_TRUE(a.wait("created:" + b_id));
  ASSERT_TRUE(b.wait("signal:greeting:hello B:" + a_id));
  ASSERT_TRUE(a.wait("signal:answer:hello A:" + b_id));

  // To everyone (the sender included, as the server sends it), with no type.
  ASSERT_EQ(otc_session_send_signal(b.session, nullptr, "to all"), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("signal::to all:" + b_id));

  // Limits checked here.
  EXPECT_EQ(otc_session_send_signal(a.session, std::string(129, 't').c_str(), "x"), OTC_SESSION_SIGNAL_TYPE_TOO_LONG);
  EXPECT_EQ(otc_session_send_signal(a.session, "bad type!", "x"), OTC_SESSION_INVALID_SIGNAL_TYPE);
  EXPECT_EQ(otc_session_send_signal(a.session, "t", std::string(8 * 1024 + 1, 'd').c_str()),
            OTC_SESSION_SIGNAL_DATA_TOO_LONG);
  EXPECT_EQ(otc_session_send_signal(a.session, "t", std::string(8 * 1024, 'd').c_str()), OTC_SUCCESS);
  // A connection id over the protocol's id bound (as the moderation calls' ids).
  EXPECT_EQ(otc_session_send_signal_to_connection_id(a.session, "t", "x", std::string(129, 'c').c_str()),
            OTC_SESSION_NULL_OR_INVALID_PARAMETER);
  EXPECT_EQ(otc_session_send_signal_to_connection_id(a.session, "t", "x", ""), OTC_SESSION_NULL_OR_INVALID_PARAMETER);

  ASSERT_EQ(otc_session_disconnect(b.session), OTC_SUCCESS);
  ASSERT_TRUE(b.wait("disconnected"));
  ASSERT_TRUE(a.wait("dropped:" + b_id));
  EXPECT_EQ(otc_session_send_signal(b.session, "t", "x"), OTC_SESSION_NOT_CONNECTED);
}

// The REST API acting on connections (docs/protocol.md section 1): a signal from the project
// reaches on_signal_received with a null connection; a forced disconnect ends the link with
// on_disconnected alone (no error, no reconnection), and the others see the connection dropped.
TEST_F(SessionConnect, TheProjectSignalsAndForceDisconnectsThroughRest) {
  Client a, b;
  a.make(session_id_, server->signaling());
  b.make(session_id_, server->signaling());
  ASSERT_EQ(otc_session_connect(a.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("connected"));
  ASSERT_EQ(otc_session_connect(b.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(b.wait("connected"));
  const std::string b_id = otc_session_get_connection_id(b.session);
  ASSERT_TRUE(a.wait("created:" + b_id));
  const std::string session_path = std::string("/v2/project/") + kApiKey + "/session/" + session_id_;

  ASSERT_EQ(server->rest("POST", session_path + "/signal", R"({"type":"news","data":"from the project"})"), 204);
  EXPECT_TRUE(a.wait("signal:news:from the project:(server)"));
  EXPECT_TRUE(b.wait("signal:news:from the project:(server)"));
  ASSERT_EQ(server->rest("POST", session_path + "/connection/" + b_id + "/signal", R"({"data":"to b"})"), 204);
  EXPECT_TRUE(b.wait("signal::to b:(server)"));

  ASSERT_EQ(server->rest("DELETE", session_path + "/connection/" + b_id), 204);
  ASSERT_TRUE(b.wait("disconnected"));
  EXPECT_TRUE(a.wait("dropped:" + b_id));
  EXPECT_FALSE(b.wait_prefix("error:", nullptr, 500ms)) << "a forced disconnect is not an error";
  EXPECT_EQ(b.count("reconnecting"), 0u) << "4009 is final";
  EXPECT_EQ(otc_session_send_signal(b.session, "t", "x"), OTC_SESSION_NOT_CONNECTED);
  EXPECT_EQ(server->rest("DELETE", session_path + "/connection/" + b_id), 404);
  EXPECT_EQ(a.count("disconnected"), 0u);
}

TEST_F(SessionConnect, DeleteInEveryState) {
  for (int state = 0; state < 5; ++state) {
    auto client = std::make_unique<Client>();
    client->make(session_id_, server->signaling());
    if (state >= 1) {
      ASSERT_EQ(otc_session_connect(client->session, token_.c_str()), OTC_SUCCESS);
    }
    if (state >= 2) {
      ASSERT_TRUE(client->wait("connected"));
    }
    if (state >= 3) {
      ASSERT_EQ(otc_session_disconnect(client->session), OTC_SUCCESS);
    }
    if (state >= 4) {
      ASSERT_TRUE(client->wait("disconnected"));
    }
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(otc_session_delete(client->session), OTC_SUCCESS);
    client->session = nullptr;
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2500ms) << "state " << state;
  }
  // Connecting to a server that never answers: delete does not wait for it.
  Client silent;
  silent.make(session_id_, "ws://10.255.255.1:9/v1/signaling");
  ASSERT_EQ(otc_session_connect(silent.session, token_.c_str()), OTC_SUCCESS);
  std::this_thread::sleep_for(50ms);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(otc_session_delete(silent.session), OTC_SUCCESS);
  silent.session = nullptr;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2500ms);
}

TEST_F(SessionConnect, DisconnectFromACallback) {
  Client a;
  a.make(session_id_, server->signaling());
  otc_session_callbacks cb = a.callbacks();
  cb.on_connected = [](otc_session *s, void *self) {
    static_cast<Client *>(self)->add("connected");
    EXPECT_EQ(otc_session_disconnect(s), OTC_SUCCESS);
    EXPECT_EQ(otc_session_delete(s), OTC_SESSION_ILLEGAL_STATE) << "not from its own callback";
  };
  otc_session_delete(a.session);
  otc_session_settings *settings = otc_session_settings_new();
  otc_session_settings_set_signaling_url(settings, server->signaling().c_str());
  a.session = otc_session_new_with_settings(kApiKey, session_id_.c_str(), &cb, settings);
  otc_session_settings_delete(settings);
  ASSERT_EQ(otc_session_connect(a.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("disconnected"));
}

TEST_F(SessionConnect, TwentyConnectDisconnectCycles) {
  Client a;
  a.make(session_id_, server->signaling());
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(otc_session_connect(a.session, token_.c_str()), OTC_SUCCESS) << i;
    ASSERT_TRUE(a.wait_prefix("connected")) << i;
    ASSERT_EQ(otc_session_disconnect(a.session), OTC_SUCCESS) << i;
    ASSERT_TRUE(a.wait("disconnected")) << i;
    std::lock_guard<std::mutex> lock(a.mutex);
    a.events.clear();
  }
}

TEST_F(SessionConnect, ServerGoneWhileConnected) {
  // A server of its own, stopped under the connected client.
  Server own;
  own.start();
  ASSERT_FALSE(own.signaling().empty());
  const std::string session_id = own.create_session(false);
  Client a;
  // A server shutting down (4004) may be restarting: the client tries to reconnect (2 s here),
  // then gives up with 1022 and is disconnected.
  a.make(session_id, own.signaling(), 2000);
  ASSERT_EQ(otc_session_connect(a.session, Server::token(session_id).c_str()), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("connected"));
  own.stop();
  ASSERT_TRUE(a.wait("reconnecting"));
  ASSERT_TRUE(a.wait("disconnected"));
  EXPECT_EQ(a.count("error:" + std::to_string(OTC_SESSION_CONNECTION_DROPPED)), 1u);
  EXPECT_EQ(a.count("reconnected"), 0u);
  EXPECT_EQ(otc_session_get_connection_id(a.session), nullptr);
}

}  // namespace
