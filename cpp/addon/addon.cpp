// The Node-API module: binds the C API (and only the C API, <otc/otc.h>) one wrapper per handle
// type. Every environment (main thread, each worker) gets its own AddonData.
#include <napi.h>

#include "addon_data.h"
#include "frame_cryptor_wrap.h"
#include "media_engine_binding.h"
#include "session_wrap.h"
#include "sframe_binding.h"

namespace otc_addon {

AddonData &addon_data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace otc_addon

// NODE_API_MODULE pastes the function's name into an identifier: it must be unqualified.
static Napi::Object InitNodeOtc(Napi::Env env, Napi::Object exports) {
  using namespace otc_addon;
  env.SetInstanceData(new AddonData());
  FrameCryptorWrap::Register(env, exports);
  SessionWrap::Register(env, exports);
  RegisterSFrame(env, exports);
  RegisterMediaEngine(env, exports);
  return exports;
}

NODE_API_MODULE(node_otc, InitNodeOtc)
