// JS bindings of the media engine's lifetime and codec query (otc_init & co.).
#pragma once

#include <napi.h>

namespace otc_addon {

// Adds init(), destroy(), isInitialized() and getCodecs(kind, direction) to exports, and makes
// sure this environment's unmatched init() calls are undone when it goes away.
void RegisterMediaEngine(Napi::Env env, Napi::Object exports);

}  // namespace otc_addon
