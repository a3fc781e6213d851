#include "js_object.h"

namespace otc_addon {

Napi::Object with_numbers(Napi::Env env, std::initializer_list<NumberField> fields, Napi::Object object) {
  if (object.IsEmpty()) object = Napi::Object::New(env);
  for (const NumberField &field : fields) object.Set(field.name, Napi::Number::New(env, field.value));
  return object;
}

}  // namespace otc_addon
