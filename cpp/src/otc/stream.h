// otc_stream: a stream published in the session, as the C API hands it over.
#pragma once

#include <otc/session.h>

#include <memory>

#include "../signaling/messages.h"
#include "connection.h"
#include "end_reason.h"

struct otc_stream {
  otc::signaling::StreamInfo info;
  std::shared_ptr<const otc_connection> connection;  // never null
  otc::EndReason destroyed;  // set on the stream handed to on_stream_dropped / on_stream_destroyed
};
