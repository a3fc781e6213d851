// JS class over otc_frame_cryptor. Creation and setSecret run PBKDF2, so they run on libuv's
// thread pool and resolve promises; seal/open/ratchet/stats are synchronous (microseconds).
#pragma once

#include <napi.h>
#include <otc/otc.h>

#include "native_wrap.h"

namespace otc_addon {

class FrameCryptorWrap : public NativeWrap<FrameCryptorWrap, otc_frame_cryptor> {
 public:
  static constexpr napi_type_tag kTag = {0x6f74635f6672616dULL, 0x655f637279707472ULL};
  static constexpr const char *kClassName = "NativeFrameCryptor";
  static constexpr const char *kDeletedMessage = "the FrameCryptor is closed";
  static constexpr Rank kRank = Rank::frame_cryptor;

  static void Register(Napi::Env env, Napi::Object exports);
  explicit FrameCryptorWrap(const Napi::CallbackInfo &info) : NativeWrap(info) {}
  ~FrameCryptorWrap() override { teardown(); }

  // A new JS FrameCryptor owning cryptor (JS thread). The handle is shared so that a PBKDF2 job
  // still running keeps the cryptor alive after close() or GC.
  static Napi::Object Wrap(Napi::Env env, Owned cryptor);

 private:
  static Napi::Value Create(const Napi::CallbackInfo &info);
  Napi::Value Seal(const Napi::CallbackInfo &info);
  Napi::Value Open(const Napi::CallbackInfo &info);
  Napi::Value SetSecret(const Napi::CallbackInfo &info);
  Napi::Value Ratchet(const Napi::CallbackInfo &info);
  Napi::Value Stats(const Napi::CallbackInfo &info);
};

}  // namespace otc_addon
