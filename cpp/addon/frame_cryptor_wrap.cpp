#include "frame_cryptor_wrap.h"

#include <cstdint>
#include <string>

#include "js_object.h"

namespace otc_addon {

namespace {

// Result of a call that failed for a reason of the call (not of the frame): { status }.
Napi::Object status_object(Napi::Env env, otc_status status) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("status", Napi::Number::New(env, status));
  return result;
}

// create(sessionId, secret, suite, gracePeriodMs): Promise<NativeFrameCryptor | number>. PBKDF2
// for a new cryptor, off the JS thread. Resolves with the object, or with the status number when
// the C API refused (the TypeScript layer turns that into a typed error).
Napi::Value Create(const Napi::CallbackInfo &info) {
  std::string session_id = arg_string(info, 0, "sessionId");
  SecretArg secret(info, 1);
  otc_frame_cryptor_settings settings{};
  settings.suite = static_cast<otc_e2ee_suite>(arg_int(info, 2, "suite"));
  const int32_t grace = arg_int(info, 3, "gracePeriodMs");
  if (grace < 0) throw Napi::RangeError::New(info.Env(), "gracePeriodMs must not be negative");
  settings.grace_period_ms = static_cast<uint32_t>(grace);
  // Made on the pool thread; freed with the worker unless a JS object took it.
  auto made = std::make_shared<FrameCryptorWrap::Owned>();
  return SecretWorker::Start(
      info.Env(), "otc:FrameCryptor.create", std::move(secret),
      [session_id = std::move(session_id), settings, made](const char *text) {
        otc_status status = OTC_SUCCESS;
        *made = FrameCryptorWrap::Owned(otc_frame_cryptor_new(session_id.c_str(), text, &settings, &status),
                                        otc_frame_cryptor_delete);
        return status;
      },
      [made](Napi::Env env, int status) -> Napi::Value {
        if (*made) return FrameCryptorWrap::Wrap(env, std::move(*made));
        return Napi::Number::New(env, status);
      });
}

// The fast path: the caller's Buffer is the output, so nothing is allocated, zero-filled or
// copied per call, and the result is a number rather than an object. A call error is returned
// as -status (a deleted cryptor included, so the TypeScript layer needs no isClosed() call).
bool overlaps(const Napi::Uint8Array &a, const Napi::Uint8Array &b) {
  const uintptr_t a0 = reinterpret_cast<uintptr_t>(a.Data()), b0 = reinterpret_cast<uintptr_t>(b.Data());
  return a.ByteLength() && b.ByteLength() && a0 < b0 + b.ByteLength() && b0 < a0 + a.ByteLength();
}

Napi::Number minus(Napi::Env env, otc_status status) { return Napi::Number::New(env, -static_cast<double>(status)); }

// sealInto(codec, keyFrame, frame, out): bytes written to out, or -status.
Napi::Value SealInto(FrameCryptorWrap &self, const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const auto codec = static_cast<otc_e2ee_codec>(arg_int(info, 0, "codec"));
  const bool key_frame = arg_bool(info, 1, "keyFrame");
  Napi::Uint8Array frame = arg_bytes(info, 2, "frame");
  Napi::Uint8Array out = arg_bytes(info, 3, "out");
  if (self.deleted()) return minus(env, OTC_E2EE_DELETED);
  if (frame.ByteLength() > OTC_E2EE_MAX_FRAME_SIZE) return minus(env, OTC_E2EE_FRAME_TOO_LARGE);
  if (overlaps(frame, out)) return minus(env, OTC_E2EE_INVALID_PARAMETER);
  size_t size = 0;
  const otc_status status = otc_frame_cryptor_seal(self.owned().get(), codec, key_frame, frame.Data(),
                                                   frame.ByteLength(), out.Data(), out.ByteLength(), &size);
  if (status != OTC_SUCCESS) return minus(env, status);
  return Napi::Number::New(env, static_cast<double>(size));
}

// openInto(codec, sealed, out): size * 16 + event * 4 + outcome (the two enums fit two bits
// each), or -status.
Napi::Value OpenInto(FrameCryptorWrap &self, const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const auto codec = static_cast<otc_e2ee_codec>(arg_int(info, 0, "codec"));
  Napi::Uint8Array sealed = arg_bytes(info, 1, "sealed");
  Napi::Uint8Array out = arg_bytes(info, 2, "out");
  if (self.deleted()) return minus(env, OTC_E2EE_DELETED);
  if (overlaps(sealed, out)) return minus(env, OTC_E2EE_INVALID_PARAMETER);
  size_t size = 0;
  otc_e2ee_outcome outcome = OTC_E2EE_MISMATCH;
  otc_e2ee_event event = OTC_E2EE_EVENT_NONE;
  const otc_status status = otc_frame_cryptor_open(self.owned().get(), codec, sealed.Data(), sealed.ByteLength(),
                                                   out.Data(), out.ByteLength(), &size, &outcome, &event);
  if (status != OTC_SUCCESS) return minus(env, status);
  static_assert(OTC_E2EE_REPLAY < 4 && OTC_E2EE_EVENT_INTEGRITY_FAILURE < 4, "packed in two bits each");
  return Napi::Number::New(env, static_cast<double>(size) * 16 + static_cast<double>(event) * 4 +
                                  static_cast<double>(outcome));
}

Napi::Value SetSecret(FrameCryptorWrap &self, const Napi::CallbackInfo &info) {
  self.handle(info);
  SecretArg secret(info, 0);
  // The job holds the cryptor: closing it meanwhile does not free it under the job.
  return SecretWorker::Start(
      info.Env(), "otc:FrameCryptor.setSecret", std::move(secret),
      [cryptor = self.owned()](const char *text) { return otc_frame_cryptor_set_secret(cryptor.get(), text); },
      [](Napi::Env env, int status) -> Napi::Value { return Napi::Number::New(env, status); });
}

// maxSealedSize(codec, plainSize): otc_frame_cryptor_max_sealed_size (0 for an unknown codec).
Napi::Value MaxSealedSize(const Napi::CallbackInfo &info) {
  const auto codec = static_cast<otc_e2ee_codec>(arg_int(info, 0, "codec"));
  const int32_t size = arg_int(info, 1, "plainSize");
  if (size < 0) throw Napi::RangeError::New(info.Env(), "plainSize must not be negative");
  return Napi::Number::New(info.Env(),
                           static_cast<double>(otc_frame_cryptor_max_sealed_size(codec, static_cast<size_t>(size))));
}

Napi::Value Ratchet(FrameCryptorWrap &self, const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), otc_frame_cryptor_ratchet(self.handle(info)));
}

Napi::Value Stats(FrameCryptorWrap &self, const Napi::CallbackInfo &info) {
  otc_frame_cryptor_stats stats{};
  const otc_status status = otc_frame_cryptor_get_stats(self.handle(info), &stats);
  Napi::Env env = info.Env();
  if (status != OTC_SUCCESS) return status_object(env, status);
  Napi::Object result = with_numbers(
      env, {OTC_FIELDS(stats, frames_sealed, bytes_sealed, frames_decrypted, frames_mismatch, frames_integrity_failure,
                       frames_replay, bytes_opened, mismatch_episodes, integrity_episodes, ratchets_followed,
                       current_epoch_id, sender_id, epochs_held)});
  result.Set("inMismatch", Napi::Boolean::New(env, stats.in_mismatch != 0));
  return result;
}

}  // namespace

void FrameCryptorWrap::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = Define(env, {OTC_METHODS(SealInto, OpenInto, SetSecret, Ratchet, Stats)});
  cls.Set("create", Napi::Function::New(env, Create, "create"));
  cls.Set("maxSealedSize", Napi::Function::New(env, MaxSealedSize, "maxSealedSize"));
  addon_data(env).frame_cryptor_class = Napi::Persistent(cls);
  exports.Set(kInfo.class_name, cls);
}

Napi::Object FrameCryptorWrap::Wrap(Napi::Env env, Owned cryptor) {
  Napi::Object object = addon_data(env).frame_cryptor_class.New({});
  Unwrap(object)->own(env, std::move(cryptor));
  return object;
}

}  // namespace otc_addon
