// Boost.Beast WebSocket, over plain TCP (ws://) or over OpenSSL (wss://, tls_context.h),
// carrying the JSON messages of docs/protocol.md. Everything below the public functions runs on
// the io thread.
#include "signaling_client.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <atomic>
#include <deque>
#include <map>
#include <set>
#include <thread>
#include <variant>

#include "../base/log.h"
#include "messages.h"
#include "tls_context.h"

namespace otc::signaling {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// The close handshake (after a disconnect request) is given this long before the TCP
// connection is simply closed: a server that is gone must not hold up disconnect or delete.
constexpr std::chrono::milliseconds kCloseBound{1000};
// Largest message accepted from the server.
constexpr size_t kMaxMessageBytes = 4 * 1024 * 1024;

struct Pending {
  SignalingClient::ReplyHandler done;
  std::shared_ptr<asio::steady_timer> timer;
};

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

struct Socket {
  // tls: the context of a wss:// socket, null for ws://.
  Socket(asio::io_context &io, uint64_t id, std::shared_ptr<asio::ssl::context> tls)
      : id(id), resolver(io), tls_context(std::move(tls)), timer(io) {
    if (tls_context) {
      ws.emplace<TlsWs>(io, *tls_context);
    } else {
      ws.emplace<PlainWs>(io);
    }
  }
  // fn(stream) with the WebSocket stream, whichever transport it runs on.
  template <class Fn>
  decltype(auto) with_ws(Fn &&fn) {
    if (auto *plain = std::get_if<PlainWs>(&ws)) return fn(*plain);
    return fn(std::get<TlsWs>(ws));
  }
  beast::tcp_stream &tcp() {
    return with_ws([](auto &stream) -> beast::tcp_stream & { return beast::get_lowest_layer(stream); });
  }
  uint64_t id;
  WsUrl url;
  HttpProxy proxy;  // enabled(): the socket goes through this proxy's CONNECT tunnel
  tcp::resolver resolver;
  std::shared_ptr<asio::ssl::context> tls_context;  // outlives the stream that uses it
  std::variant<std::monostate, PlainWs, TlsWs> ws;
  PeerCheck peer_check;      // what certificate verification saw (wss://)
  asio::steady_timer timer;  // the open timeout, then the close bound
  beast::flat_buffer buffer;
  websocket::response_type response;
  std::deque<std::string> outbox;
  std::map<std::string, Pending> pending;
  uint64_t next_request = 1;
  SignalingClient::OpenHandler on_open;
  std::function<void()> on_close;
  bool writing = false;
  bool open = false;        // handshake complete
  bool closing = false;     // close() asked for it
  bool close_sent = false;  // async_close started
  bool down = false;        // torn down: every later completion is ignored
  const char *phase = "resolving the host";  // what an open timeout interrupted
};

using SocketPtr = std::shared_ptr<Socket>;

}  // namespace

struct SignalingClient::Impl {
  explicit Impl(SignalingListener &listener) : listener(listener) {}

  asio::io_context io;  // first: destroyed last
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  SignalingListener &listener;
  std::atomic<uint64_t> next_socket{1};
  std::thread thread;
  SocketPtr current;      // io thread only
  std::set<std::shared_ptr<asio::steady_timer>> timers;  // post_after's, io thread only: cancelled by the destructor
  bool stopping = false;  // io thread only: the destructor runs, nothing is reported any more

  void do_open(uint64_t id, const WsUrl &url, const TlsOptions &tls, const HttpProxy &proxy,
               std::chrono::milliseconds timeout, OpenHandler done);
  void proxy_connect(const SocketPtr &s);
  void after_connect(const SocketPtr &s);
  void tls_handshake(const SocketPtr &s);
  void ws_handshake(const SocketPtr &s);
  void do_request(uint64_t id, nlohmann::json message, std::chrono::milliseconds timeout,
                  ReplyHandler done);
  void do_close(uint64_t id, bool send_disconnect, std::function<void()> done);
  void fail_open(const SocketPtr &s, otc_status status, const std::string &message);
  void teardown(const SocketPtr &s);
  void lost(const SocketPtr &s);
  void read_loop(const SocketPtr &s);
  void dispatch(const SocketPtr &s, const std::string &text);
  void enqueue(const SocketPtr &s, std::string text);
  void write_next(const SocketPtr &s);
  void start_close(const SocketPtr &s);
  SocketPtr find(uint64_t id) const {
    return current && current->id == id && !current->down ? current : nullptr;
  }
};

void SignalingClient::Impl::teardown(const SocketPtr &s) {
  if (s->down) return;
  s->down = true;
  error_code ec;
  s->timer.cancel();
  s->resolver.cancel();
  s->tcp().socket().close(ec);
  for (auto &entry : s->pending) entry.second.timer->cancel();
  s->pending.clear();
  s->outbox.clear();
  if (current == s) current.reset();
}

void SignalingClient::Impl::fail_open(const SocketPtr &s, otc_status status, const std::string &message) {
  auto done = std::move(s->on_open);
  s->on_open = nullptr;
  teardown(s);
  otc::log(OTC_LOG_LEVEL_WARN, "signaling: %s", message.c_str());
  if (!stopping && done) done(status, message);
}

// The socket went down: reported as asked for (close() done) or as lost (listener).
void SignalingClient::Impl::lost(const SocketPtr &s) {
  if (s->down) return;
  const bool asked = s->closing;
  auto on_close = std::move(s->on_close);
  s->on_close = nullptr;
  const auto close_reason = s->with_ws([](auto &ws) { return ws.reason(); });
  const int code = static_cast<int>(close_reason.code);
  const std::string reason(close_reason.reason.data(), close_reason.reason.size());
  teardown(s);
  if (stopping) return;
  if (asked) {
    if (on_close) on_close();
  } else {
    listener.on_closed(s->id, code, reason);
  }
}

void SignalingClient::Impl::do_open(uint64_t id, const WsUrl &url, const TlsOptions &tls, const HttpProxy &proxy,
                                    std::chrono::milliseconds timeout, OpenHandler done) {
  if (current) {
    // A socket still closing is abandoned; its close() still hears back.
    auto previous = current;
    auto on_close = std::move(previous->on_close);
    previous->on_close = nullptr;
    teardown(previous);
    if (on_close && !stopping) on_close();
  }
  if (stopping) return;
  std::shared_ptr<asio::ssl::context> context;
  std::string context_error;
  if (url.tls) context = make_client_context(tls, context_error);
  auto s = std::make_shared<Socket>(io, id, context);
  s->url = url;
  s->proxy = proxy;
  s->on_open = std::move(done);
  current = s;
  if (url.tls && !context) return fail_open(s, OTC_SESSION_CONNECTION_FAILED, context_error);
  s->timer.expires_after(timeout);
  s->timer.async_wait([this, s](error_code ec) {
    if (ec || s->down || s->open) return;
    fail_open(s, OTC_SESSION_CONNECTION_TIMED_OUT,
              std::string("timed out connecting to the signaling server (") + s->phase + ")");
  });
  // Through a proxy, the TCP connection goes to the proxy; the server's name is the proxy's to resolve.
  const std::string &host = proxy.enabled() ? proxy.host : url.host;
  const std::string &port = proxy.enabled() ? proxy.port : url.port;
  s->resolver.async_resolve(host, port, [this, s](error_code ec, tcp::resolver::results_type results) {
    if (s->down) return;
    const std::string what = s->proxy.enabled() ? "the proxy " + s->proxy.where() : s->url.host + ":" + s->url.port;
    if (ec) {
      return fail_open(s, OTC_SESSION_CONNECTION_FAILED,
                       "cannot resolve " + (s->proxy.enabled() ? "the proxy " + s->proxy.host : s->url.host) + ": " +
                           ec.message());
    }
    s->phase = s->proxy.enabled() ? "connecting to the proxy" : "connecting";
    s->tcp().async_connect(results, [this, s, what](error_code ec, const tcp::endpoint &) {
      if (s->down) return;
      if (ec) return fail_open(s, OTC_SESSION_CONNECTION_FAILED, "cannot connect to " + what + ": " + ec.message());
      error_code ignored;
      s->tcp().socket().set_option(tcp::no_delay(true), ignored);
      if (s->proxy.enabled()) return proxy_connect(s);
      after_connect(s);
    });
  });
}

void SignalingClient::Impl::after_connect(const SocketPtr &s) {
  if (s->url.tls) return tls_handshake(s);
  ws_handshake(s);
}

// The proxy is asked for a tunnel (RFC 9110, CONNECT); its answer is read with a bound on its
// size, within the open timeout. A 2xx answer has no body: what follows is the server's.
void SignalingClient::Impl::proxy_connect(const SocketPtr &s) {
  namespace http = beast::http;
  const bool ipv6 = s->url.host.find(':') != std::string::npos;
  const std::string authority = (ipv6 ? "[" + s->url.host + "]" : s->url.host) + ":" + s->url.port;
  // Written as text rather than as a Beast request so that the copy holding the credentials can
  // be wiped once it is sent.
  auto request = std::make_shared<std::string>("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority +
                                               "\r\nUser-Agent: node-otc\r\n");
  if (!s->proxy.authorization.empty()) *request += "Proxy-Authorization: " + s->proxy.authorization + "\r\n";
  *request += "\r\n";
  s->phase = "asking the proxy for a tunnel: no answer from the proxy";
  asio::async_write(s->tcp(), asio::buffer(*request), [this, s, request, authority](error_code ec, size_t) {
    wipe_string(*request);
    if (s->down) return;
    if (ec) {
      return fail_open(s, OTC_SESSION_CONNECTION_FAILED,
                       "the proxy " + s->proxy.where() + " dropped the connection: " + ec.message());
    }
    auto parser = std::make_shared<http::response_parser<http::empty_body>>();
    parser->header_limit(static_cast<std::uint32_t>(kMaxProxyResponseBytes));
    parser->skip(true);  // an answer to CONNECT: no body is read, whatever its headers say
    http::async_read_header(
        s->tcp(), s->buffer, *parser, [this, s, parser, authority](error_code ec, size_t) {
          if (s->down) return;
          const std::string proxy = "the proxy " + s->proxy.where();
          if (ec) {
            return fail_open(s, OTC_SESSION_CONNECTION_FAILED,
                             proxy + " gave no valid answer to CONNECT " + authority + ": " + ec.message());
          }
          const auto &response = parser->get();
          const unsigned status = response.result_int();
          if (status / 100 != 2) {
            std::string message = proxy + " refused the tunnel to " + authority + ": " + std::to_string(status) +
                                  " " + std::string(response.reason());
            if (status == 407) message += " (the proxy wants credentials: http://user:password@host:port)";
            return fail_open(s, OTC_SESSION_CONNECTION_FAILED, message);
          }
          // The server speaks only when spoken to: bytes already here are not the server's.
          if (s->buffer.size() != 0) {
            return fail_open(s, OTC_SESSION_CONNECTION_FAILED, proxy + " sent data after its answer to CONNECT");
          }
          otc::log(OTC_LOG_LEVEL_INFO, "signaling: tunnel to %s through %s", authority.c_str(),
                   s->proxy.where().c_str());
          after_connect(s);
        });
  });
}

// wss://: the TLS handshake, the server's certificate checked for the URL's host.
void SignalingClient::Impl::tls_handshake(const SocketPtr &s) {
  auto &tls = std::get<TlsWs>(s->ws).next_layer();
  std::string error;
  if (!expect_peer(tls.native_handle(), s->url.host, error)) return fail_open(s, OTC_SESSION_CONNECTION_FAILED, error);
  PeerCheck *check = &s->peer_check;  // lives as long as the stream holding this callback
  tls.set_verify_callback([check](bool preverified, asio::ssl::verify_context &context) {
    return note_verification(preverified, context.native_handle(), *check);
  });
  s->phase = "in the TLS handshake: no answer from the server";
  tls.async_handshake(asio::ssl::stream_base::client, [this, s](error_code ec) {
    if (s->down) return;
    if (ec) {
      auto &tls = std::get<TlsWs>(s->ws).next_layer();
      return fail_open(s, OTC_SESSION_CONNECTION_FAILED,
                       describe_handshake_failure(ec, tls.native_handle(), s->peer_check, s->url.host));
    }
    ws_handshake(s);
  });
}

void SignalingClient::Impl::ws_handshake(const SocketPtr &s) {
  const bool ipv6 = s->url.host.find(':') != std::string::npos;
  const std::string host = (ipv6 ? "[" + s->url.host + "]" : s->url.host) + ":" + s->url.port;
  auto on_handshake = [this, s](error_code ec) {
    if (s->down) return;
    if (ec) {
      std::string message = "WebSocket handshake with the signaling server failed: " + ec.message();
      // A TLS server drops a plain HTTP request without answering it (or answers with a TLS alert).
      const bool no_http = ec == beast::http::error::end_of_stream || ec == asio::error::eof ||
                           ec == asio::error::connection_reset || ec.category() == beast::http::make_error_code(beast::http::error::bad_version).category();
      if (!s->url.tls && no_http) message += " (no HTTP answer: a TLS server? use wss://)";
      return fail_open(s, OTC_SESSION_CONNECTION_FAILED, message);
    }
    if (s->response[beast::http::field::sec_websocket_protocol] != kSubprotocol) {
      return fail_open(s, OTC_SESSION_CONNECTION_FAILED, "the signaling server does not speak otc-signaling-v1");
    }
    s->open = true;
    s->timer.cancel();
    auto done = std::move(s->on_open);
    s->on_open = nullptr;
    read_loop(s);
    if (!s->writing) write_next(s);
    if (!stopping && done) done(OTC_SUCCESS, "");
  };
  s->with_ws([&](auto &ws) {
    ws.set_option(websocket::stream_base::decorator([](websocket::request_type &request) {
      request.set(beast::http::field::sec_websocket_protocol, kSubprotocol);
      request.set(beast::http::field::user_agent, "node-otc");
    }));
    ws.read_message_max(kMaxMessageBytes);
    s->phase = "in the WebSocket handshake: no answer from the server";
    // Liveness once open: a ping after half of kIdleBound of silence, lost after all of it. The
    // handshake has the open timeout of its own.
    websocket::stream_base::timeout liveness{};
    liveness.handshake_timeout = websocket::stream_base::none();
    liveness.idle_timeout = kIdleBound;
    liveness.keep_alive_pings = true;
    ws.set_option(liveness);
    ws.async_handshake(s->response, host, s->url.target, on_handshake);
  });
}

void SignalingClient::Impl::read_loop(const SocketPtr &s) {
  s->with_ws([&](auto &ws) {
    ws.async_read(s->buffer, [this, s](error_code ec, size_t) {
      if (s->down) return;
      if (ec) return lost(s);
      std::string text = beast::buffers_to_string(s->buffer.data());
      s->buffer.consume(s->buffer.size());
      if (s->with_ws([](auto &ws) { return ws.got_text(); })) dispatch(s, text);
      if (!s->down) read_loop(s);
    });
  });
}

void SignalingClient::Impl::dispatch(const SocketPtr &s, const std::string &text) {
  auto message = parse(text);
  if (!message) {
    otc::log(OTC_LOG_LEVEL_WARN, "signaling: ignoring a message that is not a JSON object");
    return;
  }
  const std::string type = get_string(*message, "type");
  const std::string id = get_string(*message, "id");
  if ((type == "ack" || type == "error") && !id.empty()) {
    auto it = s->pending.find(id);
    if (it == s->pending.end()) return;  // timed out already, or the disconnect request
    Pending pending = std::move(it->second);
    s->pending.erase(it);
    pending.timer->cancel();
    Reply reply;
    if (type == "error") {
      const int64_t code = get_int(*message, "code");
      reply.status = code > 0 ? static_cast<otc_status>(code) : OTC_SESSION_INTERNAL_ERROR;
      reply.message = get_string(*message, "message");
    }
    reply.body = std::move(*message);
    if (!stopping && pending.done) pending.done(reply);
    return;
  }
  if (!stopping) listener.on_event(s->id, *message);
}

void SignalingClient::Impl::enqueue(const SocketPtr &s, std::string text) {
  s->outbox.push_back(std::move(text));
  if (s->open && !s->writing) write_next(s);
}

void SignalingClient::Impl::write_next(const SocketPtr &s) {
  if (s->down) return;
  if (s->outbox.empty()) {
    if (s->closing && !s->close_sent) start_close(s);
    return;
  }
  s->writing = true;
  s->with_ws([&](auto &ws) {
    ws.text(true);
    ws.async_write(asio::buffer(s->outbox.front()), [this, s](error_code ec, size_t) {
      s->writing = false;
      if (s->down) return;
      if (ec) return lost(s);
      s->outbox.pop_front();
      write_next(s);
    });
  });
}

void SignalingClient::Impl::start_close(const SocketPtr &s) {
  s->close_sent = true;
  s->with_ws([&](auto &ws) {
    // Beast's idle timer off (kCloseBound bounds the close instead): a timeout firing while the
    // close holds the read lock resumes our suspended read with an error Beast's own assertion
    // does not expect (websocket/impl/read.hpp, "ec == operation_aborted"), which aborted test
    // runs under load since asserts stay on in this build.
    websocket::stream_base::timeout off{};
    off.handshake_timeout = websocket::stream_base::none();
    off.idle_timeout = websocket::stream_base::none();
    ws.set_option(off);
    ws.async_close(websocket::close_code::normal, [this, s](error_code) {
      if (!s->down) lost(s);  // closing is set: reported as asked for
    });
  });
}

void SignalingClient::Impl::do_request(uint64_t id, nlohmann::json message,
                                       std::chrono::milliseconds timeout, ReplyHandler done) {
  auto s = find(id);
  if (!s || s->closing || stopping) return;
  const std::string request_id = std::to_string(s->next_request++);
  message["id"] = request_id;
  auto timer = std::make_shared<asio::steady_timer>(io, timeout);
  s->pending[request_id] = Pending{std::move(done), timer};
  timer->async_wait([this, s, request_id](error_code ec) {
    if (ec || s->down) return;
    auto it = s->pending.find(request_id);
    if (it == s->pending.end()) return;
    auto handler = std::move(it->second.done);
    s->pending.erase(it);
    Reply reply;
    reply.status = OTC_SESSION_CONNECTION_TIMED_OUT;
    reply.message = "the signaling server did not answer in time";
    if (!stopping && handler) handler(reply);
  });
  enqueue(s, serialize(message));
}

void SignalingClient::Impl::do_close(uint64_t id, bool send_disconnect, std::function<void()> done) {
  auto s = find(id);
  if (!s) {
    if (done && !stopping) done();
    return;
  }
  if (s->closing) {  // a second close: hears back with the first
    auto first = std::move(s->on_close);
    s->on_close = [first = std::move(first), done = std::move(done)] {
      if (first) first();
      if (done) done();
    };
    return;
  }
  if (!s->open) {  // still opening: nothing to say to the server
    teardown(s);
    if (done && !stopping) done();
    return;
  }
  s->closing = true;
  s->on_close = std::move(done);
  if (send_disconnect) {
    auto message = make_disconnect();
    message["id"] = std::to_string(s->next_request++);
    s->outbox.push_back(serialize(message));
  }
  s->timer.expires_after(kCloseBound);
  s->timer.async_wait([this, s](error_code ec) {
    if (!ec && !s->down) lost(s);
  });
  if (!s->writing) write_next(s);
}

SignalingClient::SignalingClient(SignalingListener &listener) : impl_(std::make_shared<Impl>(listener)) {
  Impl *impl = impl_.get();
  impl->thread = std::thread([impl] {
    for (;;) {
      try {
        impl->io.run();
        return;
      } catch (const std::exception &e) {
        otc::log(OTC_LOG_LEVEL_ERROR, "signaling: unexpected exception: %s", e.what());
      } catch (...) {
        otc::log(OTC_LOG_LEVEL_ERROR, "signaling: unexpected exception");
      }
    }
  });
}

SignalingClient::~SignalingClient() {
  Impl *impl = impl_.get();
  asio::post(impl->io, [impl] {
    impl->stopping = true;
    for (const auto &timer : impl->timers) timer->cancel();  // a pending post_after must not hold up run()
    if (impl->current) impl->do_close(impl->current->id, true, nullptr);
  });
  impl->work.reset();  // run() returns once the close is done (bounded by kCloseBound)
  if (impl->thread.joinable()) impl->thread.join();
  impl->current.reset();
}

uint64_t SignalingClient::open(const WsUrl &url, const TlsOptions &tls, std::chrono::milliseconds timeout,
                               OpenHandler done) {
  return open(url, tls, HttpProxy{}, timeout, std::move(done));
}

uint64_t SignalingClient::open(const WsUrl &url, const TlsOptions &tls, const HttpProxy &proxy,
                               std::chrono::milliseconds timeout, OpenHandler done) {
  const uint64_t id = impl_->next_socket.fetch_add(1);
  asio::post(impl_->io, [impl = impl_.get(), id, url, tls, proxy, timeout, done = std::move(done)]() mutable {
    impl->do_open(id, url, tls, proxy, timeout, std::move(done));
  });
  return id;
}

void SignalingClient::request(uint64_t socket, nlohmann::json message, std::chrono::milliseconds timeout,
                              ReplyHandler done) {
  asio::post(impl_->io, [impl = impl_.get(), socket, message = std::move(message), timeout,
                         done = std::move(done)]() mutable {
    impl->do_request(socket, std::move(message), timeout, std::move(done));
  });
}

void SignalingClient::close(uint64_t socket, bool send_disconnect, std::function<void()> done) {
  asio::post(impl_->io, [impl = impl_.get(), socket, send_disconnect, done = std::move(done)]() mutable {
    impl->do_close(socket, send_disconnect, std::move(done));
  });
}

void SignalingClient::post(std::function<void()> fn) {
  asio::post(impl_->io, [impl = impl_.get(), fn = std::move(fn)] {
    if (!impl->stopping && fn) fn();
  });
}

void SignalingClient::post_after(std::chrono::milliseconds delay, std::function<void()> fn) {
  asio::post(impl_->io, [impl = impl_.get(), delay, fn = std::move(fn)]() mutable {
    if (impl->stopping) return;
    auto timer = std::make_shared<asio::steady_timer>(impl->io, delay);
    impl->timers.insert(timer);
    timer->async_wait([impl, timer, fn = std::move(fn)](error_code) {
      impl->timers.erase(timer);
      // Also on cancellation (the destructor): nothing runs once stopping.
      if (!impl->stopping && fn) fn();
    });
  });
}

bool SignalingClient::in_io_thread() const {
  return impl_->thread.get_id() == std::this_thread::get_id();
}

}  // namespace otc::signaling
