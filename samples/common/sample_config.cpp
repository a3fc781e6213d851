#include "sample_config.h"

#include <cstdio>

namespace sample {

bool Config::complete() const {
  bool ok = true;
  const struct {
    const char *name;
    const std::string &value;
  } required[] = {{"API_KEY", api_key}, {"SESSION_ID", session_id}, {"TOKEN", token}};
  for (const auto &r : required) {
    if (r.value.empty()) {
      std::fprintf(stderr, "%s is empty: set it in config.h or OTC_SAMPLE_%s\n", r.name, r.name);
      ok = false;
    }
  }
  return ok;
}

}  // namespace sample
