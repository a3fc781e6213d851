#include "frame_cryptor_wrap.h"

#include <string>
#include <vector>

#include "js_object.h"

namespace otc_addon {

namespace {

const char *outcome_name(otc_e2ee_outcome outcome) {
  switch (outcome) {
    case OTC_E2EE_DECRYPTED: return "decrypted";
    case OTC_E2EE_MISMATCH: return "mismatch";
    case OTC_E2EE_INTEGRITY_FAILURE: return "integrity-failure";
    case OTC_E2EE_REPLAY: return "replay";
  }
  return "mismatch";
}

Napi::Value event_value(Napi::Env env, otc_e2ee_event event) {
  switch (event) {
    case OTC_E2EE_EVENT_SECRET_MISMATCH: return Napi::String::New(env, "mismatch");
    case OTC_E2EE_EVENT_SECRET_MATCH: return Napi::String::New(env, "match");
    case OTC_E2EE_EVENT_INTEGRITY_FAILURE: return Napi::String::New(env, "integrity-failure");
    case OTC_E2EE_EVENT_NONE: break;
  }
  return env.Null();
}

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

// seal(codec, keyFrame, frame): Buffer | { status }
Napi::Value Seal(FrameCryptorWrap &self, const Napi::CallbackInfo &info) {
  otc_frame_cryptor *cryptor = self.handle(info);
  const auto codec = static_cast<otc_e2ee_codec>(arg_int(info, 0, "codec"));
  const bool key_frame = arg_bool(info, 1, "keyFrame");
  Napi::Uint8Array frame = arg_bytes(info, 2, "frame");
  if (frame.ByteLength() > OTC_E2EE_MAX_FRAME_SIZE)
    return status_object(info.Env(), OTC_E2EE_FRAME_TOO_LARGE);
  const size_t capacity = otc_frame_cryptor_max_sealed_size(codec, frame.ByteLength());
  if (capacity == 0) return status_object(info.Env(), OTC_PUBLISHER_ENCRYPTION_UNSUPPORTED_CODEC);
  std::vector<uint8_t> out(capacity);
  size_t size = 0;
  const otc_status status = otc_frame_cryptor_seal(cryptor, codec, key_frame, frame.Data(),
                                                   frame.ByteLength(), out.data(), out.size(), &size);
  if (status != OTC_SUCCESS) return status_object(info.Env(), status);
  return copy_to_buffer(info.Env(), out.data(), size);
}

// open(codec, sealed): { status, outcome, event, frame }
Napi::Value Open(FrameCryptorWrap &self, const Napi::CallbackInfo &info) {
  otc_frame_cryptor *cryptor = self.handle(info);
  const auto codec = static_cast<otc_e2ee_codec>(arg_int(info, 0, "codec"));
  Napi::Uint8Array sealed = arg_bytes(info, 1, "sealed");
  Napi::Env env = info.Env();
  if (sealed.ByteLength() > otc_frame_cryptor_max_sealed_size(OTC_E2EE_CODEC_H264, OTC_E2EE_MAX_FRAME_SIZE))
    return status_object(env, OTC_E2EE_FRAME_TOO_LARGE);
  std::vector<uint8_t> out(sealed.ByteLength());
  size_t size = 0;
  otc_e2ee_outcome outcome = OTC_E2EE_MISMATCH;
  otc_e2ee_event event = OTC_E2EE_EVENT_NONE;
  const otc_status status = otc_frame_cryptor_open(cryptor, codec, sealed.Data(), sealed.ByteLength(),
                                                   out.data(), out.size(), &size, &outcome, &event);
  if (status != OTC_SUCCESS) return status_object(env, status);
  Napi::Object result = status_object(env, OTC_SUCCESS);
  result.Set("outcome", Napi::String::New(env, outcome_name(outcome)));
  result.Set("event", event_value(env, event));
  result.Set("frame", outcome == OTC_E2EE_DECRYPTED ? copy_to_buffer(env, out.data(), size).As<Napi::Value>()
                                                     : env.Null());
  return result;
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
  Napi::Function cls = Define(env, {OTC_METHODS(Seal, Open, SetSecret, Ratchet, Stats)});
  cls.Set("create", Napi::Function::New(env, Create, "create"));
  addon_data(env).frame_cryptor_class = Napi::Persistent(cls);
  exports.Set(kInfo.class_name, cls);
}

Napi::Object FrameCryptorWrap::Wrap(Napi::Env env, Owned cryptor) {
  Napi::Object object = addon_data(env).frame_cryptor_class.New({});
  Unwrap(object)->own(env, std::move(cryptor));
  return object;
}

}  // namespace otc_addon
