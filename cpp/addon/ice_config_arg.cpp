#include "ice_config_arg.h"

#include "napi_util.h"

namespace otc_addon {

namespace {

// Bounds on what is read before the C API checks it (which allows 16 servers).
constexpr uint32_t kMaxServers = 16;
constexpr uint32_t kMaxUrls = 8;

[[noreturn]] void type_error(Napi::Env env, const std::string &what) {
  throw Napi::TypeError::New(env, "options.iceConfig" + what);
}

std::string optional_string(Napi::Env env, Napi::Object object, const char *key, const std::string &where) {
  Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return {};
  if (!value.IsString()) type_error(env, where + "." + key + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

bool optional_bool(Napi::Env env, Napi::Object object, const char *key) {
  Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return false;
  if (!value.IsBoolean()) type_error(env, std::string(".") + key + " must be a boolean");
  return value.As<Napi::Boolean>().Value();
}

}  // namespace

IceConfigArg::IceConfigArg(Napi::Env env, Napi::Value value) {
  if (value.IsUndefined()) return;
  if (!value.IsObject() || value.IsArray()) type_error(env, " must be an object");
  present_ = true;
  Napi::Object config = value.As<Napi::Object>();
  force_turn_ = optional_bool(env, config, "forceTurn");
  custom_only_ = optional_bool(env, config, "useCustomTurnOnly");
  Napi::Value timeout = config.Get("connectTimeoutMs");
  if (!timeout.IsUndefined()) {
    if (!timeout.IsNumber()) type_error(env, ".connectTimeoutMs must be a number");
    const double ms = timeout.As<Napi::Number>().DoubleValue();
    if (!(ms >= 1000 && ms <= 600000) || ms != static_cast<double>(static_cast<int>(ms))) {
      type_error(env, ".connectTimeoutMs must be an integer from 1000 to 600000");
    }
    timeout_ms_ = static_cast<int>(ms);
  }
  Napi::Value servers_value = config.Get("iceServers");
  if (servers_value.IsUndefined()) return;
  if (!servers_value.IsArray()) type_error(env, ".iceServers must be an array");
  Napi::Array servers = servers_value.As<Napi::Array>();
  if (servers.Length() > kMaxServers) type_error(env, ".iceServers must have at most 16 entries");
  for (uint32_t i = 0; i < servers.Length(); ++i) {
    const std::string where = ".iceServers[" + std::to_string(i) + "]";
    Napi::Value entry = servers.Get(i);
    if (!entry.IsObject() || entry.IsArray()) type_error(env, where + " must be an object");
    Napi::Object server = entry.As<Napi::Object>();
    std::vector<std::string> urls;
    Napi::Value urls_value = server.Get("urls");
    if (urls_value.IsString()) {
      urls.push_back(urls_value.As<Napi::String>().Utf8Value());
    } else if (urls_value.IsArray() && urls_value.As<Napi::Array>().Length() > 0 &&
               urls_value.As<Napi::Array>().Length() <= kMaxUrls) {
      Napi::Array list = urls_value.As<Napi::Array>();
      for (uint32_t j = 0; j < list.Length(); ++j) {
        if (!list.Get(j).IsString()) type_error(env, where + ".urls must hold strings");
        urls.push_back(list.Get(j).As<Napi::String>().Utf8Value());
      }
    } else {
      type_error(env, where + ".urls must be a string or an array of 1 to 8 strings");
    }
    const std::string user = optional_string(env, server, "username", where);
    const std::string credential = optional_string(env, server, "credential", where);
    for (auto &url : urls) {
      urls_.push_back(url);
      users_.push_back(user);
      credentials_.push_back(credential);
    }
  }
}

IceConfigArg::~IceConfigArg() {
  for (auto &text : users_) wipe(text);
  for (auto &text : credentials_) wipe(text);
}

otc_status IceConfigArg::apply(otc_session_settings *settings) {
  if (!present_) return OTC_SUCCESS;
  std::vector<char *> urls, users, credentials;
  for (size_t i = 0; i < urls_.size(); ++i) {
    urls.push_back(urls_[i].data());
    users.push_back(users_[i].data());
    credentials.push_back(credentials_[i].data());
  }
  otc_custom_ice_config config{};
  config.num_ice_servers = static_cast<int>(urls.size());
  config.ice_url = urls.data();
  config.ice_user = users.data();
  config.ice_credential = credentials.data();
  config.force_turn = force_turn_ ? OTC_TRUE : OTC_FALSE;
  config.use_custom_turn_only = custom_only_ ? OTC_TRUE : OTC_FALSE;
  otc_status status = otc_session_settings_set_custom_ice_config(settings, &config);
  if (status == OTC_SUCCESS && timeout_ms_ > 0) status = otc_session_settings_set_ice_connect_timeout(settings, timeout_ms_);
  return status;
}

}  // namespace otc_addon
