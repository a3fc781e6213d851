// JS class over otc_frame_cryptor. Creation and setSecret run PBKDF2, so they run on libuv's
// thread pool and resolve promises; sealInto/openInto/ratchet/stats are synchronous
// (microseconds). sealInto/openInto write into a Buffer the caller (lib/frame-cryptor.ts) gives
// and return numbers: the per-call cost is the crossing, not allocation or copies.
#pragma once

#include <napi.h>
#include <otc/otc.h>

#include "native_wrap.h"

namespace otc_addon {

class FrameCryptorWrap : public NativeWrap<FrameCryptorWrap, otc_frame_cryptor> {
 public:
  static constexpr WrapInfo kInfo{{0x6f74635f6672616dULL, 0x655f637279707472ULL}, "NativeFrameCryptor",
                                  "the FrameCryptor is closed", Rank::frame_cryptor, "close", "isClosed"};

  static void Register(Napi::Env env, Napi::Object exports);
  explicit FrameCryptorWrap(const Napi::CallbackInfo &info) : NativeWrap(info) {}
  ~FrameCryptorWrap() override { teardown(); }

  // A new JS FrameCryptor owning cryptor (JS thread). The handle is shared so that a PBKDF2 job
  // still running keeps the cryptor alive after close() or GC.
  static Napi::Object Wrap(Napi::Env env, Owned cryptor);
};

}  // namespace otc_addon
