#include "frame_cryptor_wrap.h"

#include <string>
#include <vector>

#include "js_object.h"

namespace otc_addon {

namespace {

FrameCryptorWrap::Owned adopt(otc_frame_cryptor *raw) { return FrameCryptorWrap::Owned(raw, otc_frame_cryptor_delete); }

// PBKDF2 for a new cryptor, off the JS thread. Resolves with the object, or with the status
// number when the C API refused (the TypeScript layer turns that into a typed error).
class CreateWorker : public PromiseWorker {
 public:
  CreateWorker(Napi::Env env, std::string session_id, SecretArg secret,
               otc_frame_cryptor_settings settings)
      : PromiseWorker(env, "otc:FrameCryptor.create"),
        session_id_(std::move(session_id)),
        secret_(std::move(secret)),
        settings_(settings) {}
  ~CreateWorker() override { otc_frame_cryptor_delete(raw_); }

  void Execute() override {
    if (!secret_.c_str()) {
      status_ = OTC_SESSION_INVALID_ENCRYPTION_SECRET;
      return;
    }
    raw_ = otc_frame_cryptor_new(session_id_.c_str(), secret_.c_str(), &settings_, &status_);
  }
  void OnOK() override {
    if (!raw_) {
      deferred_.Resolve(Napi::Number::New(Env(), status_));
      return;
    }
    auto handle = adopt(raw_);
    raw_ = nullptr;
    deferred_.Resolve(FrameCryptorWrap::Wrap(Env(), std::move(handle)));
  }

 private:
  std::string session_id_;
  SecretArg secret_;
  otc_frame_cryptor_settings settings_;
  otc_frame_cryptor *raw_ = nullptr;
  otc_status status_ = OTC_SUCCESS;
};

class SetSecretWorker : public PromiseWorker {
 public:
  SetSecretWorker(Napi::Env env, FrameCryptorWrap::Owned cryptor, SecretArg secret)
      : PromiseWorker(env, "otc:FrameCryptor.setSecret"),
        cryptor_(std::move(cryptor)),
        secret_(std::move(secret)) {}
  void Execute() override {
    status_ = secret_.c_str() ? otc_frame_cryptor_set_secret(cryptor_.get(), secret_.c_str())
                              : OTC_SESSION_INVALID_ENCRYPTION_SECRET;
  }
  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), status_)); }

 private:
  FrameCryptorWrap::Owned cryptor_;  // keeps the cryptor alive if JS closes it meanwhile
  SecretArg secret_;
  otc_status status_ = OTC_SUCCESS;
};

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

}  // namespace

void FrameCryptorWrap::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = Define(env,
                              {{"seal", &FrameCryptorWrap::Seal}, {"open", &FrameCryptorWrap::Open},
                               {"setSecret", &FrameCryptorWrap::SetSecret}, {"ratchet", &FrameCryptorWrap::Ratchet},
                               {"stats", &FrameCryptorWrap::Stats}},
                              "close", "isClosed");
  cls.Set("create", Napi::Function::New(env, Create, "create"));
  addon_data(env).frame_cryptor_class = Napi::Persistent(cls);
  exports.Set(kClassName, cls);
}

Napi::Object FrameCryptorWrap::Wrap(Napi::Env env, Owned cryptor) {
  Napi::Object object = addon_data(env).frame_cryptor_class.New({});
  Unwrap(object)->own(env, std::move(cryptor));
  return object;
}

// create(sessionId, secret, suite, gracePeriodMs): Promise<NativeFrameCryptor | number>
Napi::Value FrameCryptorWrap::Create(const Napi::CallbackInfo &info) {
  std::string session_id = arg_string(info, 0, "sessionId");
  SecretArg secret(info, 1);
  otc_frame_cryptor_settings settings{};
  settings.suite = static_cast<otc_e2ee_suite>(arg_int(info, 2, "suite"));
  const int32_t grace = arg_int(info, 3, "gracePeriodMs");
  if (grace < 0) throw Napi::RangeError::New(info.Env(), "gracePeriodMs must not be negative");
  settings.grace_period_ms = static_cast<uint32_t>(grace);
  return (new CreateWorker(info.Env(), std::move(session_id), std::move(secret), settings))->Start();
}

// seal(codec, keyFrame, frame): Buffer | { status }
Napi::Value FrameCryptorWrap::Seal(const Napi::CallbackInfo &info) {
  otc_frame_cryptor *cryptor = handle(info);
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
Napi::Value FrameCryptorWrap::Open(const Napi::CallbackInfo &info) {
  otc_frame_cryptor *cryptor = handle(info);
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

Napi::Value FrameCryptorWrap::SetSecret(const Napi::CallbackInfo &info) {
  handle(info);
  SecretArg secret(info, 0);
  return (new SetSecretWorker(info.Env(), owned(), std::move(secret)))->Start();
}

Napi::Value FrameCryptorWrap::Ratchet(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), otc_frame_cryptor_ratchet(handle(info)));
}

Napi::Value FrameCryptorWrap::Stats(const Napi::CallbackInfo &info) {
  otc_frame_cryptor_stats stats{};
  const otc_status status = otc_frame_cryptor_get_stats(handle(info), &stats);
  Napi::Env env = info.Env();
  if (status != OTC_SUCCESS) return status_object(env, status);
  Napi::Object result = with_numbers(
      env, {{"framesSealed", stats.frames_sealed}, {"bytesSealed", stats.bytes_sealed},
            {"framesDecrypted", stats.frames_decrypted}, {"framesMismatch", stats.frames_mismatch},
            {"framesIntegrityFailure", stats.frames_integrity_failure}, {"framesReplay", stats.frames_replay},
            {"bytesOpened", stats.bytes_opened}, {"mismatchEpisodes", stats.mismatch_episodes},
            {"integrityEpisodes", stats.integrity_episodes}, {"ratchetsFollowed", stats.ratchets_followed},
            {"currentEpochId", stats.current_epoch_id}, {"senderId", stats.sender_id},
            {"epochsHeld", stats.epochs_held}});
  result.Set("inMismatch", Napi::Boolean::New(env, stats.in_mismatch != 0));
  return result;
}

}  // namespace otc_addon
