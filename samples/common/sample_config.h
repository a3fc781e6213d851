// The values of config.h, each replaceable by an environment variable at run time.
#pragma once

#include <cstdlib>
#include <string>

#include "config.h"

namespace sample {

inline std::string setting(const char *env_name, const char *compiled) {
  const char *value = std::getenv(env_name);
  return value && *value ? std::string(value) : std::string(compiled);
}

struct Config {
  std::string api_key = setting("OTC_SAMPLE_API_KEY", API_KEY);
  std::string session_id = setting("OTC_SAMPLE_SESSION_ID", SESSION_ID);
  std::string token = setting("OTC_SAMPLE_TOKEN", TOKEN);
  std::string secret = setting("OTC_SAMPLE_ENCRYPTION_SECRET", ENCRYPTION_SECRET);
  std::string turn_url = setting("OTC_SAMPLE_TURN_URL", TURN_URL);
  std::string turn_username = setting("OTC_SAMPLE_TURN_USERNAME", TURN_USERNAME);
  std::string turn_credential = setting("OTC_SAMPLE_TURN_CREDENTIAL", TURN_CREDENTIAL);

  // What every sample needs; prints what is missing.
  bool complete() const;
};

}  // namespace sample
