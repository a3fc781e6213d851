#include "napi_util.h"

#include <otc/errors.h>

#include <cstring>

namespace otc_addon {

namespace {
[[noreturn]] void type_error(const Napi::CallbackInfo &info, const char *name, const char *want) {
  throw Napi::TypeError::New(info.Env(), std::string(name) + " must be " + want);
}
}  // namespace

std::string arg_string(const Napi::CallbackInfo &info, size_t index, const char *name) {
  if (info.Length() <= index || !info[index].IsString()) type_error(info, name, "a string");
  return info[index].As<Napi::String>().Utf8Value();
}

Napi::Uint8Array arg_bytes(const Napi::CallbackInfo &info, size_t index, const char *name) {
  if (info.Length() <= index || !info[index].IsTypedArray() ||
      info[index].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    type_error(info, name, "a Uint8Array or Buffer");
  return info[index].As<Napi::Uint8Array>();
}

int32_t arg_int(const Napi::CallbackInfo &info, size_t index, const char *name) {
  if (info.Length() <= index || !info[index].IsNumber()) type_error(info, name, "a number");
  // Int32Value() wraps modulo 2^32 (2^32 + 6 would become 6): only exact int32 values pass.
  const double value = info[index].As<Napi::Number>().DoubleValue();
  if (!(value >= INT32_MIN && value <= INT32_MAX) || value != static_cast<double>(static_cast<int32_t>(value)))
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be a 32-bit integer");
  return static_cast<int32_t>(value);
}

uint64_t arg_u64(const Napi::CallbackInfo &info, size_t index, const char *name) {
  if (info.Length() <= index || !info[index].IsBigInt()) type_error(info, name, "a bigint");
  bool lossless = false;
  const uint64_t value = info[index].As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throw Napi::RangeError::New(info.Env(), std::string(name) + " must fit in 64 bits, unsigned");
  return value;
}

bool arg_bool(const Napi::CallbackInfo &info, size_t index, const char *name) {
  if (info.Length() <= index || !info[index].IsBoolean()) type_error(info, name, "a boolean");
  return info[index].As<Napi::Boolean>().Value();
}

void wipe(std::string &text) {
  if (text.capacity()) explicit_bzero(text.data(), text.capacity());
  text.clear();
}

SecretArg::SecretArg(const Napi::CallbackInfo &info, size_t index) {
  if (info.Length() > index && info[index].IsString()) {
    text_ = info[index].As<Napi::String>().Utf8Value();
  } else if (info.Length() > index && info[index].IsTypedArray() &&
             info[index].As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    auto bytes = info[index].As<Napi::Uint8Array>();
    text_.assign(reinterpret_cast<const char *>(bytes.Data()), bytes.ByteLength());
  } else {
    type_error(info, "secret", "a string or a Uint8Array");
  }
  has_nul_ = text_.find('\0') != std::string::npos;
}

SecretArg::SecretArg(SecretArg &&other) noexcept : text_(std::move(other.text_)), has_nul_(other.has_nul_) {
  wipe(other.text_);
}

SecretArg::~SecretArg() { wipe(text_); }

Napi::Buffer<uint8_t> copy_to_buffer(Napi::Env env, const uint8_t *data, size_t size) {
  return Napi::Buffer<uint8_t>::Copy(env, data, size);
}

void throw_status(Napi::Env env, int status, const std::string &message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::Number::New(env, status));
  throw error;
}

void tag_object(Napi::Env env, Napi::Object object, const napi_type_tag &tag) {
  if (napi_type_tag_object(env, object, &tag) != napi_ok) throw Napi::Error::New(env, "cannot tag the object");
}

Napi::Object arg_tagged(const Napi::CallbackInfo &info, size_t index, const napi_type_tag &tag,
                        const char *name, const char *what) {
  bool tagged = false;
  if (info.Length() > index && info[index].IsObject() &&
      napi_check_object_type_tag(info.Env(), info[index], &tag, &tagged) != napi_ok)
    tagged = false;
  if (!tagged) type_error(info, name, what);
  return info[index].As<Napi::Object>();
}

Napi::Promise SecretWorker::Start(Napi::Env env, const char *name, SecretArg secret, Work work, Settle settle) {
  auto *worker = new SecretWorker(env, name, std::move(secret), std::move(work), std::move(settle));
  Napi::Promise promise = worker->deferred_.Promise();
  worker->Queue();
  return promise;
}

SecretWorker::SecretWorker(Napi::Env env, const char *name, SecretArg secret, Work work, Settle settle)
    : Napi::AsyncWorker(env, name),
      deferred_(Napi::Promise::Deferred::New(env)),
      secret_(std::move(secret)),
      work_(std::move(work)),
      settle_(std::move(settle)) {}

void SecretWorker::Execute() {
  status_ = secret_.c_str() ? work_(secret_.c_str()) : OTC_SESSION_INVALID_ENCRYPTION_SECRET;
}

void SecretWorker::OnOK() { deferred_.Resolve(settle_(Env(), status_)); }

void SecretWorker::OnError(const Napi::Error &error) { deferred_.Reject(error.Value()); }

}  // namespace otc_addon
