// C API: otc_error_name.
#include <otc/errors.h>

namespace {

struct ErrorName {
  int code;
  const char *name;
};

constexpr ErrorName kNames[] = {
#include "error_names.inc"
};

}  // namespace

extern "C" const char *otc_error_name(otc_status code) {
  for (const auto &entry : kNames)
    if (entry.code == code) return entry.name;
  return "OTC_UNKNOWN_ERROR";
}
