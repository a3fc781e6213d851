#include "media_engine_binding.h"

#include <string>
#include <vector>

#include <otc/otc.h>

namespace otc_addon {
namespace {

// How many otc_init calls of one JS environment (main thread or worker) are not yet undone.
// The engine is per process and its count is shared by every environment; when an environment
// ends (the event loop runs dry, a worker exits or is terminated) without calling destroy(),
// its cleanup hook gives back exactly its own references, so the last one out joins
// libwebrtc's threads. process.exit() on the main thread runs no cleanup hooks; the C library's
// own exit-time teardown covers that case.
struct EnvEngineRefs {
  int outstanding = 0;
};

void ReleaseEnvRefs(EnvEngineRefs* refs) {
  for (; refs->outstanding > 0; --refs->outstanding) otc_destroy();
  delete refs;
}

EnvEngineRefs* RefsOf(const Napi::CallbackInfo& info) {
  return static_cast<EnvEngineRefs*>(info.Data());
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  const otc_status status = otc_init(nullptr);
  if (status == OTC_SUCCESS) {
    ++RefsOf(info)->outstanding;
    // Node programs get the synthetic device (otc.audio), not the C library's default
    // (PulseAudio, or OTC_AUDIO_DEVICE's stand-in).
    otc_audio_select_synthetic_device();
  }
  return Napi::Number::New(info.Env(), status);
}

Napi::Value Destroy(const Napi::CallbackInfo& info) {
  const otc_status status = otc_destroy();
  // Only count down what this environment holds: a destroy() matching an init made elsewhere
  // (by C code in the same process) must not let the cleanup hook skip one of ours.
  EnvEngineRefs* refs = RefsOf(info);
  if (status == OTC_SUCCESS && refs->outstanding > 0) --refs->outstanding;
  return Napi::Number::New(info.Env(), status);
}

Napi::Value IsInitialized(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), otc_is_initialized() == OTC_TRUE);
}

template <typename Enum>
Enum ParseChoice(const Napi::CallbackInfo& info, size_t index, const char* what,
                 const char* first, Enum first_value, const char* second, Enum second_value) {
  if (info.Length() > index && info[index].IsString()) {
    const std::string value = info[index].As<Napi::String>().Utf8Value();
    if (value == first) return first_value;
    if (value == second) return second_value;
  }
  throw Napi::TypeError::New(info.Env(), std::string(what) + " must be '" + first + "' or '" +
                                             second + "'");
}

Napi::Value GetCodecs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto kind = ParseChoice(info, 0, "kind", "audio", OTC_MEDIA_AUDIO, "video",
                                OTC_MEDIA_VIDEO);
  const auto direction = ParseChoice(info, 1, "direction", "encode", OTC_CODEC_ENCODE,
                                     "decode", OTC_CODEC_DECODE);

  // The list could change between the sizing call and the fetch only if the engine restarted
  // in between (another thread); asking until the count is stable covers that.
  std::vector<otc_codec_info> codecs;
  size_t count = 0;
  otc_status status = otc_media_get_codecs(kind, direction, nullptr, 0, &count);
  while (status == OTC_SUCCESS && count != codecs.size()) {
    codecs.resize(count);
    status = otc_media_get_codecs(kind, direction, codecs.data(), codecs.size(), &count);
  }
  if (status != OTC_SUCCESS) {
    Napi::Error error = Napi::Error::New(
        env, "otc_media_get_codecs failed with status " + std::to_string(status) +
                 (status == OTC_MEDIA_ENGINE_NOT_INITIALIZED ? " (call init() first)" : ""));
    error.Set("code", Napi::Number::New(env, status));
    throw error;
  }

  Napi::Array result = Napi::Array::New(env, codecs.size());
  for (size_t i = 0; i < codecs.size(); ++i) {
    Napi::Object codec = Napi::Object::New(env);
    codec.Set("name", codecs[i].name);
    codec.Set("parameters", codecs[i].parameters);
    codec.Set("clockRate", codecs[i].clock_rate);
    codec.Set("channels", codecs[i].channels);
    result.Set(static_cast<uint32_t>(i), codec);
  }
  return result;
}

}  // namespace

void RegisterMediaEngine(Napi::Env env, Napi::Object exports) {
  auto* refs = new EnvEngineRefs();
  env.AddCleanupHook(ReleaseEnvRefs, refs);
  exports.Set("init", Napi::Function::New(env, Init, "init", refs));
  exports.Set("destroy", Napi::Function::New(env, Destroy, "destroy", refs));
  exports.Set("isInitialized", Napi::Function::New(env, IsInitialized, "isInitialized"));
  exports.Set("getCodecs", Napi::Function::New(env, GetCodecs, "getCodecs"));
}

}  // namespace otc_addon
