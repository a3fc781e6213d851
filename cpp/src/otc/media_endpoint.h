// What a session's link to the server knows of its publishers and subscribers: they receive the
// negotiation events addressed to them and learn when the session goes away.
#pragma once

#include <nlohmann/json.hpp>

namespace otc {

class MediaEndpoint {
 public:
  virtual ~MediaEndpoint() = default;
  // subscriberJoined / offer / answer / candidate / peerClosed for a peer or stream the endpoint
  // registered, and streamDestroyed of a stream it registered. Runs on the link's io thread.
  virtual void on_session_event(const nlohmann::json &event) = 0;
  // The session disconnected, dropped, or is being deleted: stop, report, let go of the link.
  // Runs on the io thread, or on the thread deleting the session.
  virtual void on_session_gone() = 0;
  // Stops everything for good and never calls the application again (delete, process exit).
  virtual void shutdown() = 0;
};

}  // namespace otc
