// Plain JS objects from the C API's structs (stats, streams, connections): the numeric fields
// given as one list of name/value pairs instead of one Set call each.
#pragma once

#include <napi.h>

#include <initializer_list>

namespace otc_addon {

struct NumberField {
  template <typename T>
  NumberField(const char *field_name, T field_value) : name(field_name), value(static_cast<double>(field_value)) {}
  const char *name;
  double value;
};

// Sets every field on object (a new object when none is given) and returns it.
Napi::Object with_numbers(Napi::Env env, std::initializer_list<NumberField> fields, Napi::Object object = {});

}  // namespace otc_addon
