// What a session's link to the server knows of its publishers and subscribers: they receive the
// negotiation events addressed to them and learn when the session goes away.
#pragma once

#include <otc/session.h>

#include <memory>
#include <string>

#include "../signaling/messages.h"

namespace otc {

class MediaEndpoint {
 public:
  // Which end of a peer connection an endpoint is. A session that subscribes to its own stream
  // holds both ends of one relayed peer (one peerId): the server names the end an event is for
  // (`to`) and the end a candidate comes from (`end`), docs/protocol.md.
  enum class PeerEnd { publisher, subscriber };
  static const char *peer_end_name(PeerEnd end) { return end == PeerEnd::publisher ? "publisher" : "subscriber"; }

  virtual ~MediaEndpoint() = default;
  virtual PeerEnd peer_end() const = 0;
  // subscriberJoined / offer / answer / candidate / peerClosed for a peer or stream the endpoint
  // registered, and streamDestroyed of a stream it registered. Runs on the link's io thread.
  virtual void on_session_event(const signaling::ServerEvent &event) = 0;
  // The session disconnected, dropped, or is being deleted: stop, report, let go of the link.
  // Runs on the io thread, or on the thread deleting the session.
  virtual void on_session_gone() = 0;
  // Stops everything for good and never calls the application again (delete, process exit).
  virtual void shutdown() = 0;
  // The stream stream_id when this endpoint publishes it (otc_session_copy_stream), else null.
  virtual std::shared_ptr<otc_stream> own_stream(const std::string &) { return nullptr; }
};

}  // namespace otc
