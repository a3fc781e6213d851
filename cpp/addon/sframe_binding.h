// JS functions over the low-level SFrame calls and the key schedule helpers of otc/e2ee.h.
#pragma once

#include <napi.h>

namespace otc_addon {
void RegisterSFrame(Napi::Env env, Napi::Object exports);
}
