// Per-environment state of the addon (main thread and each worker thread have their own), kept
// as Node-API instance data so nothing is shared across environments.
#pragma once

#include <napi.h>

namespace otc_addon {

struct AddonData {
  Napi::FunctionReference frame_cryptor_class;
  Napi::FunctionReference session_class;
};

AddonData &addon_data(Napi::Env env);

}  // namespace otc_addon
