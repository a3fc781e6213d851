// The signaling client: one WebSocket to the session server (docs/protocol.md section 3),
// subprotocol otc-signaling-v1, JSON text frames, over ws:// or wss:// (TLS 1.2+ through OpenSSL,
// the server's certificate verified: tls_context.h).
//
// Threads: the client owns one io_context run by one internal thread (started by the
// constructor, joined by the destructor). Every public function may be called from any thread,
// including from a listener or reply callback: they post onto the io thread and return.
// Listener and reply callbacks run on the io thread, one at a time, in order.
#pragma once

#include <otc/base.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "http_proxy.h"
#include "tls_options.h"
#include "url.h"

namespace otc::signaling {

// What a socket reports besides replies. socket is the id open() returned.
class SignalingListener {
 public:
  virtual ~SignalingListener() = default;
  // A server event (a message without id).
  virtual void on_event(uint64_t socket, const nlohmann::json &event) = 0;
  // The socket went down without close() asking for it (server closed it, network failure,
  // protocol violation, or kIdleBound without a byte from the server: close_code 0 then).
  // Not called after close() or during the destructor.
  virtual void on_closed(uint64_t socket, int close_code, const std::string &reason) = 0;
};

struct Reply {
  otc_status status = OTC_SUCCESS;  // OTC_SUCCESS for ack, the server's code for error
  std::string message;              // error message
  nlohmann::json body;              // the whole ack or error
};

class SignalingClient {
 public:
  // A socket from which nothing (not even a pong to the ping sent halfway) arrives for this long
  // is taken as lost: a cut link is noticed although TCP would not say so for minutes.
  static constexpr std::chrono::milliseconds kIdleBound{10000};

  using OpenHandler = std::function<void(otc_status status, const std::string &message)>;
  using ReplyHandler = std::function<void(const Reply &reply)>;

  explicit SignalingClient(SignalingListener &listener);
  // Closes the socket (a disconnect request and the close handshake, at most ~1 s, nothing
  // reported), then joins the io thread. Must not run on the io thread.
  ~SignalingClient();
  SignalingClient(const SignalingClient &) = delete;
  SignalingClient &operator=(const SignalingClient &) = delete;

  // Opens a socket (closing any previous one without reporting it). done follows once: OTC_SUCCESS
  // when the WebSocket handshake is complete, OTC_SESSION_CONNECTION_FAILED when the server
  // cannot be reached, refuses the upgrade, or (wss://) fails a TLS check (the message says
  // which: "TLS: certificate has expired", ...), OTC_SESSION_CONNECTION_TIMED_OUT after timeout.
  // tls: the CAs a wss:// URL trusts (ignored for ws://). Returns the socket's id.
  uint64_t open(const WsUrl &url, const TlsOptions &tls, std::chrono::milliseconds timeout, OpenHandler done);
  // The same through an HTTP proxy (when proxy.enabled()): a CONNECT tunnel to the server's
  // host:port first, within the same timeout. A proxy that cannot be reached, refuses the tunnel
  // (403, 407, 5xx, ...) or answers with more than kMaxProxyResponseBytes of headers is
  // OTC_SESSION_CONNECTION_FAILED, the message naming the proxy and its answer.
  uint64_t open(const WsUrl &url, const TlsOptions &tls, const HttpProxy &proxy, std::chrono::milliseconds timeout,
                OpenHandler done);
  // Sends a request on socket (its "id" is assigned here); done follows once with the ack or
  // error, or OTC_SESSION_CONNECTION_TIMED_OUT after timeout. Dropped silently (done never
  // runs) when the socket is gone or goes down first.
  void request(uint64_t socket, nlohmann::json message, std::chrono::milliseconds timeout,
               ReplyHandler done);
  // Closes socket: optionally a disconnect request first, then the close handshake, bounded to
  // about a second. done (may be empty) follows once, also when the socket is already gone.
  void close(uint64_t socket, bool send_disconnect, std::function<void()> done);
  // Runs fn on the io thread.
  void post(std::function<void()> fn);
  // Runs fn on the io thread after delay (dropped when the client is being destroyed).
  void post_after(std::chrono::milliseconds delay, std::function<void()> fn);
  // Whether the caller runs on the io thread (in a listener or reply callback).
  bool in_io_thread() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace otc::signaling
