#include "sframe_binding.h"

#include <otc/otc.h>

#include <array>
#include <string>
#include <vector>

#include "napi_util.h"

namespace otc_addon {

namespace {

// Each function returns { status, ...results }: the TypeScript layer maps a status other than
// OTC_SUCCESS to a typed error (or to null where "did not authenticate" is an answer).
Napi::Object result(Napi::Env env, otc_status status) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("status", Napi::Number::New(env, status));
  return object;
}

otc_e2ee_suite arg_suite(const Napi::CallbackInfo &info, size_t index) {
  return static_cast<otc_e2ee_suite>(arg_int(info, index, "suite"));
}

constexpr size_t kMaxTag = 16;

// headerEncode(kid: bigint, ctr: bigint) -> { status, header }
Napi::Value HeaderEncode(const Napi::CallbackInfo &info) {
  const uint64_t kid = arg_u64(info, 0, "kid"), ctr = arg_u64(info, 1, "ctr");
  std::array<uint8_t, OTC_SFRAME_MAX_HEADER_SIZE> out{};
  size_t size = 0;
  const otc_status status = otc_sframe_header_encode(kid, ctr, out.data(), out.size(), &size);
  Napi::Object r = result(info.Env(), status);
  if (status == OTC_SUCCESS) r.Set("header", copy_to_buffer(info.Env(), out.data(), size));
  return r;
}

// headerDecode(bytes) -> { status, kid, ctr, size }
Napi::Value HeaderDecode(const Napi::CallbackInfo &info) {
  Napi::Uint8Array in = arg_bytes(info, 0, "bytes");
  uint64_t kid = 0, ctr = 0;
  size_t size = 0;
  const otc_status status = otc_sframe_header_decode(in.Data(), in.ByteLength(), &kid, &ctr, &size);
  Napi::Env env = info.Env();
  Napi::Object r = result(env, status);
  if (status == OTC_SUCCESS) {
    r.Set("kid", Napi::BigInt::New(env, kid));
    r.Set("ctr", Napi::BigInt::New(env, ctr));
    r.Set("size", Napi::Number::New(env, static_cast<double>(size)));
  }
  return r;
}

// aeadSeal(suite, key, nonce, aad, pt) / aeadOpen(suite, key, nonce, aad, ct) -> { status, out }
template <bool kSeal>
Napi::Value Aead(const Napi::CallbackInfo &info) {
  const otc_e2ee_suite suite = arg_suite(info, 0);
  Napi::Uint8Array key = arg_bytes(info, 1, "key"), nonce = arg_bytes(info, 2, "nonce"),
                   aad = arg_bytes(info, 3, "aad"), in = arg_bytes(info, 4, kSeal ? "pt" : "ct");
  if (in.ByteLength() > OTC_E2EE_MAX_FRAME_SIZE + kMaxTag) return result(info.Env(), OTC_E2EE_FRAME_TOO_LARGE);
  std::vector<uint8_t> out(in.ByteLength() + kMaxTag);
  size_t size = 0;
  const auto call = kSeal ? otc_sframe_aead_seal : otc_sframe_aead_open;
  const otc_status status = call(suite, key.Data(), key.ByteLength(), nonce.Data(), nonce.ByteLength(),
                                 aad.Data(), aad.ByteLength(), in.Data(), in.ByteLength(), out.data(),
                                 out.size(), &size);
  Napi::Object r = result(info.Env(), status);
  if (status == OTC_SUCCESS) r.Set("out", copy_to_buffer(info.Env(), out.data(), size));
  return r;
}

// deriveKey(suite, baseKey, kid) -> { status, key, salt }
Napi::Value DeriveKey(const Napi::CallbackInfo &info) {
  const otc_e2ee_suite suite = arg_suite(info, 0);
  Napi::Uint8Array base = arg_bytes(info, 1, "baseKey");
  const uint64_t kid = arg_u64(info, 2, "kid");
  std::array<uint8_t, 128> key{};
  std::array<uint8_t, 32> salt{};
  size_t key_size = 0, salt_size = 0;
  const otc_status status = otc_sframe_derive_key(suite, base.Data(), base.ByteLength(), kid, key.data(),
                                                  key.size(), &key_size, salt.data(), salt.size(), &salt_size);
  Napi::Object r = result(info.Env(), status);
  if (status == OTC_SUCCESS) {
    r.Set("key", copy_to_buffer(info.Env(), key.data(), key_size));
    r.Set("salt", copy_to_buffer(info.Env(), salt.data(), salt_size));
  }
  explicit_bzero(key.data(), key.size());
  explicit_bzero(salt.data(), salt.size());
  return r;
}

// protect(suite, baseKey, kid, ctr, metadata, pt) -> { status, out }
Napi::Value Protect(const Napi::CallbackInfo &info) {
  const otc_e2ee_suite suite = arg_suite(info, 0);
  Napi::Uint8Array base = arg_bytes(info, 1, "baseKey");
  const uint64_t kid = arg_u64(info, 2, "kid"), ctr = arg_u64(info, 3, "ctr");
  Napi::Uint8Array metadata = arg_bytes(info, 4, "metadata"), pt = arg_bytes(info, 5, "pt");
  if (pt.ByteLength() > OTC_E2EE_MAX_FRAME_SIZE) return result(info.Env(), OTC_E2EE_FRAME_TOO_LARGE);
  std::vector<uint8_t> out(pt.ByteLength() + OTC_SFRAME_MAX_HEADER_SIZE + kMaxTag);
  size_t size = 0;
  const otc_status status = otc_sframe_protect(suite, base.Data(), base.ByteLength(), kid, ctr, metadata.Data(),
                                               metadata.ByteLength(), pt.Data(), pt.ByteLength(), out.data(),
                                               out.size(), &size);
  Napi::Object r = result(info.Env(), status);
  if (status == OTC_SUCCESS) r.Set("out", copy_to_buffer(info.Env(), out.data(), size));
  return r;
}

// unprotect(suite, baseKey, metadata, ct) -> { status, out, kid, ctr }
Napi::Value Unprotect(const Napi::CallbackInfo &info) {
  const otc_e2ee_suite suite = arg_suite(info, 0);
  Napi::Uint8Array base = arg_bytes(info, 1, "baseKey"), metadata = arg_bytes(info, 2, "metadata"),
                   in = arg_bytes(info, 3, "ct");
  Napi::Env env = info.Env();
  if (in.ByteLength() > OTC_E2EE_MAX_FRAME_SIZE + OTC_SFRAME_MAX_HEADER_SIZE + kMaxTag)
    return result(env, OTC_E2EE_FRAME_TOO_LARGE);
  std::vector<uint8_t> out(in.ByteLength());
  size_t size = 0;
  uint64_t kid = 0, ctr = 0;
  const otc_status status = otc_sframe_unprotect(suite, base.Data(), base.ByteLength(), metadata.Data(),
                                                 metadata.ByteLength(), in.Data(), in.ByteLength(), out.data(),
                                                 out.size(), &size, &kid, &ctr);
  Napi::Object r = result(env, status);
  if (status == OTC_SUCCESS) {
    r.Set("out", copy_to_buffer(env, out.data(), size));
    r.Set("kid", Napi::BigInt::New(env, kid));
    r.Set("ctr", Napi::BigInt::New(env, ctr));
  }
  return r;
}

Napi::Value ValidateSecret(const Napi::CallbackInfo &info) {
  SecretArg secret(info, 0);
  return Napi::Number::New(info.Env(), secret.c_str() ? otc_e2ee_validate_secret(secret.c_str())
                                                      : OTC_SESSION_INVALID_ENCRYPTION_SECRET);
}

// deriveBaseKey(sessionId, secret) -> Promise<{ status, key }>, PBKDF2 on the thread pool.
Napi::Value DeriveBaseKey(const Napi::CallbackInfo &info) {
  std::string session_id = arg_string(info, 0, "sessionId");
  SecretArg secret(info, 1);
  // The key lives as long as the worker's two steps; wiped when the last of them lets go.
  struct Key {
    std::array<uint8_t, 32> bytes{};
    ~Key() { explicit_bzero(bytes.data(), bytes.size()); }
  };
  auto key = std::make_shared<Key>();
  return SecretWorker::Start(
      info.Env(), "otc:deriveBaseKey", std::move(secret),
      [session_id = std::move(session_id), key](const char *text) {
        return otc_e2ee_derive_base_key(session_id.c_str(), text, key->bytes.data());
      },
      [key](Napi::Env env, int status) -> Napi::Value {
        Napi::Object r = result(env, status);
        if (status == OTC_SUCCESS) r.Set("key", copy_to_buffer(env, key->bytes.data(), key->bytes.size()));
        return r;
      });
}

Napi::Uint8Array arg_base_key(const Napi::CallbackInfo &info) {
  Napi::Uint8Array key = arg_bytes(info, 0, "baseKey");
  if (key.ByteLength() != 32) throw Napi::RangeError::New(info.Env(), "baseKey must be 32 bytes");
  return key;
}

// epochId(baseKey) -> { status, epochId }
Napi::Value EpochId(const Napi::CallbackInfo &info) {
  Napi::Uint8Array key = arg_base_key(info);
  uint32_t id = 0;
  const otc_status status = otc_e2ee_epoch_id(key.Data(), &id);
  Napi::Object r = result(info.Env(), status);
  if (status == OTC_SUCCESS) r.Set("epochId", Napi::Number::New(info.Env(), id));
  return r;
}

// ratchetKey(baseKey) -> { status, key }
Napi::Value RatchetKey(const Napi::CallbackInfo &info) {
  Napi::Uint8Array key = arg_base_key(info);
  std::array<uint8_t, 32> next{};
  const otc_status status = otc_e2ee_ratchet_key(key.Data(), next.data());
  Napi::Object r = result(info.Env(), status);
  if (status == OTC_SUCCESS) r.Set("key", copy_to_buffer(info.Env(), next.data(), next.size()));
  explicit_bzero(next.data(), next.size());
  return r;
}

Napi::Value ErrorName(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), otc_error_name(arg_int(info, 0, "code")));
}

}  // namespace

void RegisterSFrame(Napi::Env env, Napi::Object exports) {
  exports.Set("sframeHeaderEncode", Napi::Function::New<HeaderEncode>(env, "sframeHeaderEncode"));
  exports.Set("sframeHeaderDecode", Napi::Function::New<HeaderDecode>(env, "sframeHeaderDecode"));
  exports.Set("sframeAeadSeal", Napi::Function::New<Aead<true>>(env, "sframeAeadSeal"));
  exports.Set("sframeAeadOpen", Napi::Function::New<Aead<false>>(env, "sframeAeadOpen"));
  exports.Set("sframeDeriveKey", Napi::Function::New<DeriveKey>(env, "sframeDeriveKey"));
  exports.Set("sframeProtect", Napi::Function::New<Protect>(env, "sframeProtect"));
  exports.Set("sframeUnprotect", Napi::Function::New<Unprotect>(env, "sframeUnprotect"));
  exports.Set("validateSecret", Napi::Function::New<ValidateSecret>(env, "validateSecret"));
  exports.Set("deriveBaseKey", Napi::Function::New<DeriveBaseKey>(env, "deriveBaseKey"));
  exports.Set("epochId", Napi::Function::New<EpochId>(env, "epochId"));
  exports.Set("ratchetKey", Napi::Function::New<RatchetKey>(env, "ratchetKey"));
  exports.Set("errorName", Napi::Function::New<ErrorName>(env, "errorName"));
}

}  // namespace otc_addon
