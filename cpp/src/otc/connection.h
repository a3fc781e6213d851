// otc_connection: another client of the session (or this one), as the C API hands it over.
#pragma once

#include <otc/session.h>

#include <cstdint>
#include <string>

struct otc_connection {
  std::string id;
  std::string data;
  int64_t creation_time = 0;
};
