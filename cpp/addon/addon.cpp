// The Node-API module: binds the C API (and only the C API, <otc/otc.h>) one wrapper per handle
// type. Every environment (main thread, each worker) gets its own AddonData.
#include <napi.h>

#include "addon_data.h"
#include "audio_binding.h"
#include "frame_cryptor_wrap.h"
#include "media_engine_binding.h"
#include "publisher_wrap.h"
#include "session_wrap.h"
#include "sframe_binding.h"
#include "subscriber_wrap.h"

namespace otc_addon {

AddonData &addon_data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

namespace {

// shutdownMedia(): ends this environment's subscribers, then its publishers, now. For
// process.exit(), which runs no environment cleanup hooks: the media objects would otherwise keep
// libwebrtc running (they hold the engine) while exit() tears down what its threads use.
Napi::Value ShutdownMedia(const Napi::CallbackInfo &info) {
  AddonData &data = addon_data(info.Env());
  for (Rank rank : {Rank::subscriber, Rank::publisher}) {
    for (Teardown *object : std::set<Teardown *>(data.registry(rank))) object->teardown();
  }
  return info.Env().Undefined();
}

}  // namespace

}  // namespace otc_addon

// NODE_API_MODULE pastes the function's name into an identifier: it must be unqualified.
static Napi::Object InitNodeOtc(Napi::Env env, Napi::Object exports) {
  using namespace otc_addon;
  env.SetInstanceData(new AddonData());
  FrameCryptorWrap::Register(env, exports);
  SessionWrap::Register(env, exports);
  PublisherWrap::Register(env, exports);
  SubscriberWrap::Register(env, exports);
  RegisterSFrame(env, exports);
  RegisterMediaEngine(env, exports);
  RegisterAudio(env, exports);
  exports.Set("shutdownMedia", Napi::Function::New(env, ShutdownMedia, "shutdownMedia"));
  return exports;
}

NODE_API_MODULE(node_otc, InitNodeOtc)
