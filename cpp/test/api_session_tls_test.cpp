// wss:// signaling: otc_session_connect against the real session server serving TLS (`serve
// --tls-cert --tls-key`, child processes), with certificates the suite makes with the openssl CLI
// (test/helpers/make-test-certs.sh) in a temporary folder: a good chain (leaf + intermediate), an
// expired leaf, a leaf for another host, and a CA the server's chain does not lead to. Each
// failure must end connect quickly with OTC_SESSION_CONNECTION_FAILED and a message naming the
// check; the CA comes from the settings (file or PEM), from OTC_CA_FILE, or the system store.
#include <gtest/gtest.h>
#include <otc/errors.h>
#include <otc/session.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "session_server.h"
#include "signaling/url.h"

using namespace std::chrono_literals;

namespace {

using otc_test::kApiKey;
using otc_test::Server;

// What one session's callbacks saw: the first error (code and message), connected, disconnected.
struct Client {
  std::mutex mutex;
  std::condition_variable cv;
  bool connected = false;
  int error = 0;
  std::string message;
  std::vector<std::string> signals;
  otc_session *session = nullptr;

  bool wait(const std::function<bool()> &done, std::chrono::milliseconds timeout = 15s) {
    std::unique_lock<std::mutex> lock(mutex);
    return cv.wait_for(lock, timeout, done);
  }
  // The session for url; ca_file / ca_pem: the settings (empty: not set).
  otc_session *make(const std::string &session_id, const std::string &url, const std::string &ca_file = "",
                    const std::string &ca_pem = "") {
    otc_session_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_session *, void *self) {
      auto *c = static_cast<Client *>(self);
      std::lock_guard<std::mutex> lock(c->mutex);
      c->connected = true;
      c->cv.notify_all();
    };
    cb.on_error = [](otc_session *, void *self, const char *message, otc_session_error_code code) {
      auto *c = static_cast<Client *>(self);
      std::lock_guard<std::mutex> lock(c->mutex);
      if (c->error == 0) {
        c->error = code;
        c->message = message ? message : "";
      }
      c->cv.notify_all();
    };
    cb.on_signal_received = [](otc_session *, void *self, const char *type, const char *data, const otc_connection *) {
      auto *c = static_cast<Client *>(self);
      std::lock_guard<std::mutex> lock(c->mutex);
      c->signals.push_back(std::string(type) + ":" + data);
      c->cv.notify_all();
    };
    otc_session_settings *settings = otc_session_settings_new();
    EXPECT_EQ(otc_session_settings_set_signaling_url(settings, url.c_str()), OTC_SUCCESS);
    if (!ca_file.empty()) {
      EXPECT_EQ(otc_session_settings_set_ca_file(settings, ca_file.c_str()), OTC_SUCCESS);
    }
    if (!ca_pem.empty()) {
      EXPECT_EQ(otc_session_settings_set_ca_pem(settings, ca_pem.c_str()), OTC_SUCCESS);
    }
    session = otc_session_new_with_settings(kApiKey, session_id.c_str(), &cb, settings);
    otc_session_settings_delete(settings);
    return session;
  }
  ~Client() { otc_session_delete(session); }
};

std::string read_text(const std::string &path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// "wss://127.0.0.1:PORT/v1/signaling" with another scheme or host.
std::string with(const std::string &url, const std::string &scheme, const std::string &host) {
  const size_t port = url.find(':', url.find("://") + 3);
  return scheme + "://" + host + url.substr(port);
}

class SessionTls : public ::testing::Test {
 protected:
  static inline std::string certs;
  static inline Server *good = nullptr;       // server.pem: leaf for localhost/127.0.0.1/::1 + intermediate
  static inline Server *expired = nullptr;    // expired.pem: valid only in 2020
  static inline Server *wronghost = nullptr;  // wronghost.pem: for wrong.example only
  static inline Server *plain = nullptr;      // no TLS

  static void SetUpTestSuite() {
    char pattern[] = "/tmp/otc-tls-test-XXXXXX";
    certs = mkdtemp(pattern) ? pattern : "";
    const std::string make = "bash " + std::string(OTC_REPO_DIR) + "/test/helpers/make-test-certs.sh " + certs;
    if (certs.empty() || std::system(make.c_str()) != 0) certs.clear();
    auto start = [](const std::string &name) {
      auto *server = new Server;
      server->ca_file = certs + "/ca.pem";
      server->start({"--tls-cert", certs + "/" + name + ".pem", "--tls-key", certs + "/" + name + ".key"});
      return server;
    };
    if (!certs.empty()) {
      good = start("server");
      expired = start("expired");
      wronghost = start("wronghost");
    }
    plain = new Server;
    plain->start();
  }
  static void TearDownTestSuite() {
    for (Server **server : {&good, &expired, &wronghost, &plain}) {
      if (*server) (*server)->stop();
      delete *server;
      *server = nullptr;
    }
    if (!certs.empty()) std::system(("rm -rf " + certs).c_str());
  }
  void SetUp() override {
    ASSERT_FALSE(certs.empty()) << "the test certificates could not be made (openssl CLI?)";
    for (Server *server : {good, expired, wronghost, plain}) {
      ASSERT_FALSE(server->signaling().empty()) << "a session server did not start (tsc -p . first?)";
    }
    ASSERT_EQ(good->signaling().rfind("wss://", 0), 0u) << good->signaling();
    unsetenv("OTC_CA_FILE");
    session_id_ = good->create_session(false);
    ASSERT_EQ(session_id_.rfind("1_", 0), 0u) << "create-session over https: " << session_id_;
    token_ = Server::token(session_id_);
  }
  void TearDown() override { unsetenv("OTC_CA_FILE"); }

  // Connects and expects on_connected, then a signal to itself over the TLS socket.
  void expect_connects(Client &client) {
    ASSERT_NE(client.session, nullptr);
    ASSERT_EQ(otc_session_connect(client.session, token_.c_str()), OTC_SUCCESS);
    ASSERT_TRUE(client.wait([&] { return client.connected || client.error != 0; }));
    ASSERT_TRUE(client.connected) << client.error << " " << client.message;
    ASSERT_EQ(otc_session_send_signal(client.session, "tls", "over wss"), OTC_SUCCESS);
    ASSERT_TRUE(client.wait([&] { return !client.signals.empty(); }));
    EXPECT_EQ(client.signals[0], "tls:over wss");
  }
  // Connects and expects OTC_SESSION_CONNECTION_FAILED with a message starting with prefix,
  // well before the 10 s connect timeout. Returns the message.
  std::string expect_fails(Client &client, const std::string &prefix) {
    EXPECT_NE(client.session, nullptr);
    if (!client.session) return "";
    const auto begin = std::chrono::steady_clock::now();
    EXPECT_EQ(otc_session_connect(client.session, token_.c_str()), OTC_SUCCESS);
    EXPECT_TRUE(client.wait([&] { return client.connected || client.error != 0; }));
    const auto took = std::chrono::steady_clock::now() - begin;
    EXPECT_FALSE(client.connected);
    EXPECT_EQ(client.error, OTC_SESSION_CONNECTION_FAILED) << client.message;
    EXPECT_EQ(client.message.rfind(prefix, 0), 0u) << client.message;
    EXPECT_LT(took, 5s) << "a failed check must end connect at once, not by the timeout";
    return client.message;
  }

  std::string session_id_, token_;
};

TEST(WsUrl, WssDefaultsToPort443AndWsTo80) {
  otc::signaling::WsUrl url;
  std::string error;
  ASSERT_TRUE(otc::signaling::parse_ws_url("wss://example.org/v1/signaling", url, error)) << error;
  EXPECT_TRUE(url.tls);
  EXPECT_EQ(url.host, "example.org");
  EXPECT_EQ(url.port, "443");
  EXPECT_EQ(url.target, "/v1/signaling");
  ASSERT_TRUE(otc::signaling::parse_ws_url("wss://[::1]:8443", url, error)) << error;
  EXPECT_TRUE(url.tls);
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, "8443");
  ASSERT_TRUE(otc::signaling::parse_ws_url("ws://example.org", url, error)) << error;
  EXPECT_FALSE(url.tls);
  EXPECT_EQ(url.port, "80");
  EXPECT_FALSE(otc::signaling::parse_ws_url("https://example.org", url, error));
  EXPECT_NE(error.find("ws:// or wss://"), std::string::npos) << error;
}

TEST_F(SessionTls, GoodChainWithCaFileFromSettingsByIpAddress) {
  Client client;
  client.make(session_id_, good->signaling(), certs + "/ca.pem");
  expect_connects(client);
}

TEST_F(SessionTls, GoodChainWithCaPemFromSettingsByName) {
  Client client;
  client.make(session_id_, with(good->signaling(), "wss", "localhost"), "", read_text(certs + "/ca.pem"));
  expect_connects(client);
}

TEST_F(SessionTls, CaFromTheEnvironment) {
  setenv("OTC_CA_FILE", (certs + "/ca.pem").c_str(), 1);
  Client client;
  client.make(session_id_, good->signaling());
  expect_connects(client);
}

TEST_F(SessionTls, SettingsComeBeforeTheEnvironment) {
  setenv("OTC_CA_FILE", (certs + "/other-ca.pem").c_str(), 1);
  Client trusting;
  trusting.make(session_id_, good->signaling(), certs + "/ca.pem");
  expect_connects(trusting);
  Client by_env;  // the environment's CA did not sign the server's chain
  by_env.make(session_id_, good->signaling());
  expect_fails(by_env, "TLS: certificate is not trusted");
}

TEST_F(SessionTls, SystemStoreDoesNotTrustTheTestCa) {
  Client client;
  client.make(session_id_, good->signaling());
  EXPECT_EQ(expect_fails(client, "TLS: certificate is not trusted"),
            "TLS: certificate is not trusted (unable to get local issuer certificate)");
}

TEST_F(SessionTls, UnknownCa) {
  Client client;
  client.make(session_id_, good->signaling(), certs + "/other-ca.pem");
  EXPECT_EQ(expect_fails(client, "TLS: certificate is not trusted"),
            "TLS: certificate is not trusted (unable to get local issuer certificate)");
}

TEST_F(SessionTls, ExpiredCertificate) {
  Client client;
  client.make(session_id_, expired->signaling(), certs + "/ca.pem");
  const std::string message = expect_fails(client, "TLS: certificate has expired");
  EXPECT_NE(message.find("2020"), std::string::npos) << message;
}

TEST_F(SessionTls, WrongHostByAddress) {
  Client client;
  client.make(session_id_, wronghost->signaling(), certs + "/ca.pem");
  EXPECT_EQ(expect_fails(client, "TLS: hostname mismatch"),
            "TLS: hostname mismatch (certificate is for wrong.example, connected to 127.0.0.1)");
}

TEST_F(SessionTls, WrongHostByName) {
  Client client;
  client.make(session_id_, with(wronghost->signaling(), "wss", "localhost"), certs + "/ca.pem");
  EXPECT_EQ(expect_fails(client, "TLS: hostname mismatch"),
            "TLS: hostname mismatch (certificate is for wrong.example, connected to localhost)");
}

TEST_F(SessionTls, MissingCaFile) {
  Client client;
  client.make(session_id_, good->signaling(), certs + "/no-such-ca.pem");
  EXPECT_EQ(expect_fails(client, "TLS: cannot read the CA file"),
            "TLS: cannot read the CA file " + certs + "/no-such-ca.pem (from the session settings): No such file or directory");
}

TEST_F(SessionTls, MissingCaFileFromTheEnvironment) {
  setenv("OTC_CA_FILE", (certs + "/no-such-ca.pem").c_str(), 1);
  Client client;
  client.make(session_id_, good->signaling());
  const std::string message = expect_fails(client, "TLS: cannot read the CA file");
  EXPECT_NE(message.find("(from OTC_CA_FILE)"), std::string::npos) << message;
}

TEST_F(SessionTls, CaPemWithoutACertificate) {
  Client client;
  client.make(session_id_, good->signaling(), "", "not a certificate");
  EXPECT_EQ(expect_fails(client, "TLS: the CA PEM"),
            "TLS: the CA PEM (from the session settings) holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")");
}

TEST_F(SessionTls, CaFileThatIsAKey) {
  Client client;
  client.make(session_id_, good->signaling(), certs + "/ca.key");
  expect_fails(client, "TLS: the CA file " + certs + "/ca.key (from the session settings) holds no PEM certificate");
}

TEST_F(SessionTls, PlainWsToATlsPort) {
  Client client;
  client.make(session_id_, with(good->signaling(), "ws", "127.0.0.1"));
  const std::string message = expect_fails(client, "WebSocket handshake with the signaling server failed");
  EXPECT_NE(message.find("a TLS server? use wss://"), std::string::npos) << message;
}

TEST_F(SessionTls, WssToAPlainPort) {
  Client client;
  client.make(session_id_, with(plain->signaling(), "wss", "127.0.0.1"), certs + "/ca.pem");
  EXPECT_EQ(expect_fails(client, "TLS: "), "TLS: server did not answer TLS (plain ws:// server?)");
}

TEST_F(SessionTls, PlainServerStillServesWs) {
  const std::string session_id = plain->create_session(false);
  ASSERT_EQ(session_id.rfind("1_", 0), 0u) << session_id;
  token_ = Server::token(session_id);
  Client client;
  client.make(session_id, plain->signaling(), certs + "/ca.pem");  // a CA is ignored for ws://
  expect_connects(client);
}

}  // namespace
