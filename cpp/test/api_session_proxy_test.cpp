// otc_session_settings_set_proxy_url: the signaling WebSocket through a real HTTP CONNECT proxy
// (Debian's tinyproxy, started here on a loopback port with a configuration this test writes),
// and what a session reports when the proxy refuses the tunnel, wants credentials or is not there.
#include <gtest/gtest.h>
#include <opentok.h>
#include <otc/session.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"
#include "session_server.h"
#include "signaling/http_proxy.h"

extern char **environ;

using namespace std::chrono_literals;
using otc_test::kApiKey;
using otc_test::Server;

namespace {

// A loopback port nothing listens on now (bound, then released for the proxy to take).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

bool accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

std::string read_file(const std::string &path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// tinyproxy in the foreground with a configuration of its own: loopback only, tunnels to
// connect_port only, optionally Basic credentials. Its log says which tunnels it was asked for.
class TinyProxy {
 public:
  TinyProxy(int connect_port, const std::string &credentials = {}) {
    char dir_template[] = "/tmp/otc-proxy-test-XXXXXX";
    dir_ = mkdtemp(dir_template) ? dir_template : "";
    port_ = free_port();
    std::ofstream config(dir_ + "/tinyproxy.conf");
    config << "Port " << port_ << "\nListen 127.0.0.1\nTimeout 30\nMaxClients 16\n"
           << "LogFile \"" << log_path() << "\"\nLogLevel Connect\n"
           << "Allow 127.0.0.1\nConnectPort " << connect_port << "\n";
    if (!credentials.empty()) config << "BasicAuth " << credentials << "\n";
    config.close();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string out = dir_ + "/stdout";
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    std::vector<std::string> args = {"tinyproxy", "-d", "-c", dir_ + "/tinyproxy.conf"};
    std::vector<char *> argv;
    for (auto &arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "tinyproxy", &actions, nullptr, argv.data(), environ) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&actions);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (pid_ && !accepts(port_) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
  }
  ~TinyProxy() {
    otc_test::stop_child(pid_);
    for (const char *name : {"/tinyproxy.conf", "/tinyproxy.log", "/stdout"}) unlink((dir_ + name).c_str());
    rmdir(dir_.c_str());
  }
  bool running() const { return pid_ > 0 && accepts(port_); }
  int port() const { return port_; }
  std::string url(const std::string &userinfo = {}) const {
    return "http://" + (userinfo.empty() ? "" : userinfo + "@") + "127.0.0.1:" + std::to_string(port_);
  }
  std::string log_path() const { return dir_ + "/tinyproxy.log"; }
  // How often its log says it was asked for a tunnel to `authority`.
  size_t tunnels_to(const std::string &authority) const {
    const std::string log = read_file(log_path());
    const std::string needle = "CONNECT " + authority + " HTTP/1.1";
    size_t count = 0;
    for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++count;
    return count;
  }

 private:
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = 0;
};

struct Client {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> events;
  std::string last_error;
  otc_session *session = nullptr;

  void add(std::string event, const char *message = nullptr) {
    std::lock_guard<std::mutex> lock(mutex);
    events.push_back(std::move(event));
    if (message) last_error = message;
    cv.notify_all();
  }
  bool wait(const std::string &event, std::chrono::milliseconds timeout = 15s) {
    std::unique_lock<std::mutex> lock(mutex);
    return cv.wait_for(lock, timeout, [&] { return std::find(events.begin(), events.end(), event) != events.end(); });
  }
  std::string error() {
    std::lock_guard<std::mutex> lock(mutex);
    return last_error;
  }
  // proxy: the URL given to otc_session_settings_set_proxy_url.
  explicit Client(const std::string &session_id, const std::string &proxy) {
    otc_session_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_session *, void *self) { static_cast<Client *>(self)->add("connected"); };
    cb.on_disconnected = [](otc_session *, void *self) { static_cast<Client *>(self)->add("disconnected"); };
    cb.on_error = [](otc_session *, void *self, const char *message, otc_session_error_code code) {
      static_cast<Client *>(self)->add("error:" + std::to_string(code), message);
    };
    cb.on_signal_received = [](otc_session *, void *self, const char *type, const char *, const otc_connection *) {
      static_cast<Client *>(self)->add(std::string("signal:") + type);
    };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, otc_test::ServerSuite::server->signaling().c_str());
    EXPECT_EQ(otc_session_settings_set_proxy_url(settings, proxy.c_str()), OTC_SUCCESS) << proxy;
    session = otc_session_new_with_settings(kApiKey, session_id.c_str(), &cb, settings);
    otc_session_settings_delete(settings);
  }
  ~Client() { otc_session_delete(session); }
};

class SessionProxy : public otc_test::ServerSuite {
 protected:
  void SetUp() override {
    ServerSuite::SetUp();
    if (HasFatalFailure()) return;
    session_id_ = server->create_session(false);
    token_ = Server::token(session_id_);
    authority_ = "127.0.0.1:" + std::to_string(server->port());
    ASSERT_FALSE(token_.empty());
  }
  std::string session_id_, token_, authority_;
};

TEST(ProxyUrl, TheSetterTakesHttpUrlsAndRefusesTheRest) {
  otc_session_settings *settings = otc_session_settings_new();
  const char *const goods[] = {"http://127.0.0.1:3128", "http://proxy.example:8080/", "http://user:p%40ss@proxy:1",
                               "http://[::1]:3128", "http://proxy", "", nullptr};
  for (const char *good : goods) {
    EXPECT_EQ(otc_session_settings_set_proxy_url(settings, good), OTC_SUCCESS) << (good ? good : "NULL");
  }
  for (const char *bad : {"127.0.0.1:3128", "https://proxy:443", "socks5://proxy:1080", "http://", "http://:3128",
                          "http://proxy:0", "http://proxy:65536", "http://proxy:80x", "http://proxy:3128/path",
                          "http://@proxy:1", "http://us%zzer:x@proxy:1", "http://[::1:3128", "http://pro xy:1",
                          "http://user:pa%0ass@proxy:1"}) {
    EXPECT_EQ(otc_session_settings_set_proxy_url(settings, bad), OTC_INVALID_PARAM) << bad;
  }
  EXPECT_EQ(otc_session_settings_set_proxy_url(nullptr, "http://proxy:1"), OTC_INVALID_PARAM);
  otc_session_settings_delete(settings);
}

TEST(ProxyUrl, CredentialsBecomeABasicAuthorization) {
  otc::signaling::HttpProxy proxy;
  std::string error;
  ASSERT_TRUE(otc::signaling::parse_proxy_url("http://alice:s3cr%3At@10.0.0.1:8080", proxy, error)) << error;
  EXPECT_EQ(proxy.host, "10.0.0.1");
  EXPECT_EQ(proxy.port, "8080");
  EXPECT_EQ(proxy.authorization, "Basic YWxpY2U6czNjcjp0");  // alice:s3cr:t
  ASSERT_TRUE(otc::signaling::parse_proxy_url("http://[::1]", proxy, error)) << error;
  EXPECT_EQ(proxy.where(), "[::1]:80");
  EXPECT_TRUE(proxy.authorization.empty());
}

// The session connects through the tunnel: the proxy's log shows the CONNECT to the server, and
// the session works (a signal to itself comes back through it).
TEST_F(SessionProxy, ConnectsThroughTheProxysTunnel) {
  TinyProxy proxy(server->port());
  ASSERT_TRUE(proxy.running()) << "tinyproxy did not start (scripts/install-system-deps.sh installs it)";
  Client a(session_id_, proxy.url());
  ASSERT_EQ(otc_session_connect(a.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(a.wait("connected")) << a.error();
  EXPECT_EQ(proxy.tunnels_to(authority_), 1u) << read_file(proxy.log_path());
  ASSERT_EQ(otc_session_send_signal(a.session, "through", "the tunnel"), OTC_SUCCESS);
  EXPECT_TRUE(a.wait("signal:through"));
  ASSERT_EQ(otc_session_disconnect(a.session), OTC_SUCCESS);
  EXPECT_TRUE(a.wait("disconnected"));
  // Without a proxy the same session goes direct: the proxy hears nothing more.
  Client b(session_id_, "");
  ASSERT_EQ(otc_session_connect(b.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(b.wait("connected")) << b.error();
  EXPECT_EQ(proxy.tunnels_to(authority_), 1u);
}

TEST_F(SessionProxy, ProxyCredentialsAreSentAndMissingOnesAre407) {
  TinyProxy proxy(server->port(), "alice s3cret");
  ASSERT_TRUE(proxy.running());
  Client without(session_id_, proxy.url());
  ASSERT_EQ(otc_session_connect(without.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(without.wait("error:" + std::to_string(OTC_SESSION_CONNECTION_FAILED)));
  EXPECT_NE(without.error().find("407"), std::string::npos) << without.error();
  EXPECT_NE(without.error().find(proxy.url().substr(7)), std::string::npos) << without.error();
  Client with(session_id_, proxy.url("alice:s3cret"));
  ASSERT_EQ(otc_session_connect(with.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(with.wait("connected")) << with.error();
}

// A proxy that will not tunnel to the server's port (403), and one that is not there at all.
TEST_F(SessionProxy, ARefusingOrMissingProxyIsAConnectionFailure) {
  TinyProxy proxy(server->port() == 1 ? 2 : 1);  // tunnels to another port only
  ASSERT_TRUE(proxy.running());
  Client refused(session_id_, proxy.url());
  ASSERT_EQ(otc_session_connect(refused.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(refused.wait("error:" + std::to_string(OTC_SESSION_CONNECTION_FAILED)));
  EXPECT_NE(refused.error().find("refused the tunnel to " + authority_ + ": 403"), std::string::npos) << refused.error();
  EXPECT_EQ(proxy.tunnels_to(authority_), 1u);
  EXPECT_FALSE(refused.wait("connected", 500ms));

  const int nobody = free_port();
  Client missing(session_id_, "http://127.0.0.1:" + std::to_string(nobody));
  ASSERT_EQ(otc_session_connect(missing.session, token_.c_str()), OTC_SUCCESS);
  ASSERT_TRUE(missing.wait("error:" + std::to_string(OTC_SESSION_CONNECTION_FAILED)));
  EXPECT_NE(missing.error().find("cannot connect to the proxy 127.0.0.1:" + std::to_string(nobody)), std::string::npos)
      << missing.error();
}

}  // namespace
