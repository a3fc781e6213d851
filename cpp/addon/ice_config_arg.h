// The session option iceConfig ({ iceServers: [{ urls, username?, credential? }], forceTurn?,
// useCustomTurnOnly?, connectTimeoutMs? }) read into otc_custom_ice_config. lib/session.ts checks
// the shapes first; these checks are the last line for plain JS. Strings are wiped on destruction.
#pragma once

#include <napi.h>
#include <otc/session.h>

#include <string>
#include <vector>

namespace otc_addon {

class IceConfigArg {
 public:
  // value: undefined (no custom configuration) or the object; throws a TypeError otherwise.
  IceConfigArg(Napi::Env env, Napi::Value value);
  ~IceConfigArg();
  IceConfigArg(const IceConfigArg &) = delete;
  IceConfigArg &operator=(const IceConfigArg &) = delete;

  // otc_session_settings_set_custom_ice_config (and the timeout); OTC_SUCCESS when there is none.
  otc_status apply(otc_session_settings *settings);

 private:
  bool present_ = false;
  bool force_turn_ = false, custom_only_ = false;
  int timeout_ms_ = 0;  // 0: the default
  // One entry per URL (the C configuration has one URL per server).
  std::vector<std::string> urls_, users_, credentials_;
};

}  // namespace otc_addon
