// otc_connection: another client of the session (or this one), as the C API hands it over.
#pragma once

#include <otc/session.h>

#include "../signaling/messages.h"

struct otc_connection {
  otc::signaling::ConnectionInfo info;
};
