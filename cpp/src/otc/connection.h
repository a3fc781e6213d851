// otc_connection: another client of the session (or this one), as the C API hands it over.
#pragma once

#include <otc/session.h>

#include <string>

#include "../signaling/messages.h"
#include "end_reason.h"

struct otc_connection {
  otc::signaling::ConnectionInfo info;
  otc::EndReason destroyed;  // set on the copy handed to on_connection_dropped
  std::string session_id;    // the session the connection belongs to
};
