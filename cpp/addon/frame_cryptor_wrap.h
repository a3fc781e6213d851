// JS class over otc_frame_cryptor. Creation and setSecret run PBKDF2, so they run on libuv's
// thread pool and resolve promises; seal/open/ratchet/stats are synchronous (microseconds).
#pragma once

#include <napi.h>
#include <otc/otc.h>

#include <memory>

namespace otc_addon {

class FrameCryptorWrap : public Napi::ObjectWrap<FrameCryptorWrap> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  explicit FrameCryptorWrap(const Napi::CallbackInfo &info);

  // Shared so that a PBKDF2 job still running keeps the cryptor alive after close() or GC.
  using Handle = std::shared_ptr<otc_frame_cryptor>;

  // A new JS FrameCryptor owning cryptor (JS thread).
  static Napi::Object Wrap(Napi::Env env, Handle cryptor);

 private:
  static Napi::Value Create(const Napi::CallbackInfo &info);
  Napi::Value Seal(const Napi::CallbackInfo &info);
  Napi::Value Open(const Napi::CallbackInfo &info);
  Napi::Value SetSecret(const Napi::CallbackInfo &info);
  Napi::Value Ratchet(const Napi::CallbackInfo &info);
  Napi::Value Stats(const Napi::CallbackInfo &info);
  Napi::Value Close(const Napi::CallbackInfo &info);
  Napi::Value IsClosed(const Napi::CallbackInfo &info);

  otc_frame_cryptor *live(const Napi::CallbackInfo &info);

  Handle cryptor_;
};

}  // namespace otc_addon
