// Argument checks and conversions shared by the wrappers. TypeScript validates first and throws
// readable errors; these are the last line, so a wrong call from plain JS throws, never crashes.
#pragma once

#include <napi.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>

namespace otc_addon {

// Throws a TypeError naming the argument unless info[index] is of the kind asked for.
std::string arg_string(const Napi::CallbackInfo &info, size_t index, const char *name);
Napi::Uint8Array arg_bytes(const Napi::CallbackInfo &info, size_t index, const char *name);
int32_t arg_int(const Napi::CallbackInfo &info, size_t index, const char *name);
uint64_t arg_u64(const Napi::CallbackInfo &info, size_t index, const char *name);  // BigInt
bool arg_bool(const Napi::CallbackInfo &info, size_t index, const char *name);

// One of a closed set of strings, as the C enum value it names.
template <typename Enum>
struct Choice {
  const char *text;
  Enum value;
};
// The choice value names; else a TypeError "<name> must be <want>".
template <typename Enum>
Enum arg_choice(Napi::Env env, Napi::Value value, std::initializer_list<Choice<Enum>> choices,
                const std::string &name, const char *want) {
  if (value.IsString()) {
    const std::string text = value.As<Napi::String>().Utf8Value();
    for (const Choice<Enum> &choice : choices)
      if (text == choice.text) return choice.value;
  }
  throw Napi::TypeError::New(env, name + " must be " + want);
}

// setX(enabled: boolean) of a C function taking an otc_bool: its status as a number.
template <typename Handle>
Napi::Value call_with_flag(const Napi::CallbackInfo &info, Handle *handle, int (*set)(Handle *, int)) {
  const bool enabled = arg_bool(info, 0, "enabled");
  return Napi::Number::New(info.Env(), set(handle, enabled ? 1 : 0));
}

// A secret given as a string (UTF-8) or as bytes (passed through unchanged, so invalid UTF-8
// reaches the C API's check). Wiped on destruction.
class SecretArg {
 public:
  SecretArg(const Napi::CallbackInfo &info, size_t index);
  ~SecretArg();
  SecretArg(const SecretArg &) = delete;
  SecretArg &operator=(const SecretArg &) = delete;
  SecretArg(SecretArg &&other) noexcept;
  // NULL when the secret holds a NUL byte: C strings cannot carry it, and the rules refuse it.
  const char *c_str() const { return has_nul_ ? nullptr : text_.c_str(); }

 private:
  std::string text_;
  bool has_nul_ = false;
};

void wipe(std::string &text);

Napi::Buffer<uint8_t> copy_to_buffer(Napi::Env env, const uint8_t *data, size_t size);

// Throws an Error carrying `code` = status (the TypeScript layer turns it into an OtcError).
[[noreturn]] void throw_status(Napi::Env env, int status, const std::string &message);

// Type tags: each wrapper class tags the objects it makes, and methods taking another wrapper
// check the tag before unwrapping, so a look-alike (another class's object, or a plain object
// given the prototype) is a TypeError rather than a type confusion.
void tag_object(Napi::Env env, Napi::Object object, const napi_type_tag &tag);
// The object info[index] when it carries tag; else throws a TypeError "<name> must be <what>".
Napi::Object arg_tagged(const Napi::CallbackInfo &info, size_t index, const napi_type_tag &tag,
                        const char *name, const char *what);

// Work with a secret (PBKDF2) on libuv's thread pool, settling a promise: work(secret) runs off
// the JS thread and returns a status (a secret holding a NUL byte is
// OTC_SESSION_INVALID_ENCRYPTION_SECRET without running it); settle(env, status) then makes, on
// the JS thread, what the promise resolves with. A thrown error rejects it. The secret is wiped
// with the worker, which deletes itself when done.
class SecretWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<int(const char *secret)>;
  using Settle = std::function<Napi::Value(Napi::Env, int status)>;
  static Napi::Promise Start(Napi::Env env, const char *name, SecretArg secret, Work work, Settle settle);

 private:
  SecretWorker(Napi::Env env, const char *name, SecretArg secret, Work work, Settle settle);
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error &error) override;

  Napi::Promise::Deferred deferred_;
  SecretArg secret_;
  Work work_;
  Settle settle_;
  int status_ = 0;
};

}  // namespace otc_addon
