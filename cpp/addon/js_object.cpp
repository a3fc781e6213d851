#include "js_object.h"

#include <cctype>

namespace otc_addon {

std::string camel_case(const char *name) {
  std::string out;
  bool upper = false;
  for (const char *c = name; *c; ++c) {
    if (*c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(*c))) : *c;
    upper = false;
  }
  return out;
}

std::string lower_first(const char *name) {
  std::string out(name);
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

Napi::Object with_numbers(Napi::Env env, std::initializer_list<NumberField> fields, Napi::Object object) {
  if (object.IsEmpty()) object = Napi::Object::New(env);
  for (const NumberField &field : fields) object.Set(camel_case(field.name), Napi::Number::New(env, field.value));
  return object;
}

Napi::Object with_texts(Napi::Env env, std::initializer_list<TextField> fields, Napi::Object object) {
  for (const TextField &field : fields) object.Set(camel_case(field.name), Napi::String::New(env, field.value));
  return object;
}

}  // namespace otc_addon
