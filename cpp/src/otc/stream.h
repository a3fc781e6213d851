// otc_stream: a stream published in the session, as the C API hands it over.
#pragma once

#include <otc/session.h>

#include <cstdint>
#include <memory>
#include <string>

#include "connection.h"

struct otc_stream {
  std::string id;
  std::string name;
  bool has_audio = false;
  bool has_video = false;
  bool e2ee = false;
  int64_t creation_time = 0;
  std::shared_ptr<const otc_connection> connection;  // never null
};
