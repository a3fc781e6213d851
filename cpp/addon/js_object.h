// Plain JS objects from the C API's structs (stats, media checks, streams, connections), and the
// JS names of things. One rule names them: a JS property is its C field in camelCase
// (video_frames_sealed -> videoFramesSealed), and a JS method its C++ function with a lower-case
// first letter (GetStats -> getStats). The tables below list C names only, so the two sides
// cannot drift apart.
#pragma once

#include <napi.h>

#include <initializer_list>
#include <string>

namespace otc_addon {

struct NumberField {
  template <typename T>
  NumberField(const char *field_name, T field_value) : name(field_name), value(static_cast<double>(field_value)) {}
  const char *name;  // snake_case (or already camelCase)
  double value;
};

struct TextField {
  const char *name;  // snake_case (or already camelCase)
  const char *value;
};

// video_frames_sealed -> videoFramesSealed; GetStats -> getStats (a name without '_' keeps all
// but its first letter).
std::string camel_case(const char *name);
std::string lower_first(const char *name);

// Sets object[camel_case(name)] = value for every field (a new object when none is given).
Napi::Object with_numbers(Napi::Env env, std::initializer_list<NumberField> fields, Napi::Object object = {});
// The same for strings.
Napi::Object with_texts(Napi::Env env, std::initializer_list<TextField> fields, Napi::Object object);

}  // namespace otc_addon

// OTC_FIELDS(s, a, b, c) -> {"a", s.a}, {"b", s.b}, {"c", s.c}: NumberFields of a C struct.
// OTC_METHODS(F, G) -> {"F", &F}, {"G", &G}: a wrapper's JS methods (native_wrap.h).
#define OTC_FIELDS(object, ...) OTC_FOR_EACH(OTC_FIELD_, object, __VA_ARGS__)
#define OTC_METHODS(...) OTC_FOR_EACH(OTC_METHOD_, _, __VA_ARGS__)
#define OTC_FIELD_(object, field) {#field, (object).field}
#define OTC_METHOD_(unused, function) {#function, &function}

// OTC_FOR_EACH(m, a, x, y, ...) -> m(a, x), m(a, y), ... (up to 256 items; C++20 __VA_OPT__).
#define OTC_FOR_EACH(macro, a, ...) __VA_OPT__(OTC_EXPAND_(OTC_FOR_EACH_STEP_(macro, a, __VA_ARGS__)))
#define OTC_FOR_EACH_STEP_(macro, a, item, ...) \
  macro(a, item) __VA_OPT__(, OTC_FOR_EACH_AGAIN_ OTC_PARENS_(macro, a, __VA_ARGS__))
#define OTC_FOR_EACH_AGAIN_() OTC_FOR_EACH_STEP_
#define OTC_PARENS_ ()
#define OTC_EXPAND_(...) OTC_EXPAND3_(OTC_EXPAND3_(OTC_EXPAND3_(OTC_EXPAND3_(__VA_ARGS__))))
#define OTC_EXPAND3_(...) OTC_EXPAND2_(OTC_EXPAND2_(OTC_EXPAND2_(OTC_EXPAND2_(__VA_ARGS__))))
#define OTC_EXPAND2_(...) OTC_EXPAND1_(OTC_EXPAND1_(OTC_EXPAND1_(OTC_EXPAND1_(__VA_ARGS__))))
#define OTC_EXPAND1_(...) __VA_ARGS__
