#include "audio_binding.h"

#include <cmath>
#include <string>

#include <opentok/audio_module_input_device.h>
#include <opentok/audio_module_output_device.h>
#include <otc/otc.h>

namespace otc_addon {
namespace {

double arg_number(const Napi::CallbackInfo &info, size_t index, const char *name) {
  if (info.Length() <= index || !info[index].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  return info[index].As<Napi::Number>().DoubleValue();
}

Napi::Value CaptureSilence(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), otc_audio_capture_silence());
}

Napi::Value CaptureTone(const Napi::CallbackInfo &info) {
  const double frequency = arg_number(info, 0, "frequencyHz");
  const double amplitude = arg_number(info, 1, "amplitude");
  // NaN and infinities fail any range check written as `x < lo || x > hi`: refuse them here.
  if (!std::isfinite(frequency) || !std::isfinite(amplitude))
    return Napi::Number::New(info.Env(), OTC_MEDIA_INVALID_PARAMETER);
  return Napi::Number::New(info.Env(), otc_audio_capture_tone(frequency, amplitude));
}

Napi::Value PushCaptureSamples(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int16_array)
    throw Napi::TypeError::New(info.Env(), "samples must be an Int16Array");
  Napi::Int16Array samples = info[0].As<Napi::Int16Array>();
  // The device copies the samples into its queue before it returns.
  return Napi::Number::New(info.Env(), otc_audio_push_capture_samples(samples.Data(), samples.ElementLength()));
}

Napi::Value BufferedCaptureSamples(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), static_cast<double>(otc_audio_buffered_capture_samples()));
}

// The default audio module's devices: one enumerator made, read into [{ id, name }] and deleted.
template <typename Enumerator>
Napi::Value ListDevices(const Napi::CallbackInfo &info, Enumerator *(*make)(), int (*size)(Enumerator *),
                        const char *(*id)(Enumerator *, int), const char *(*name)(Enumerator *, int),
                        otc_status (*release)(Enumerator *)) {
  Enumerator *enumerator = make();
  if (!enumerator) throw Napi::Error::New(info.Env(), "out of memory listing audio devices");
  Napi::Array devices = Napi::Array::New(info.Env());
  const int count = size(enumerator);
  for (int i = 0; i < count; ++i) {
    Napi::Object device = Napi::Object::New(info.Env());
    device.Set("id", id(enumerator, i));
    device.Set("name", name(enumerator, i));
    devices.Set(static_cast<uint32_t>(i), device);
  }
  release(enumerator);
  return devices;
}

Napi::Value InputDevices(const Napi::CallbackInfo &info) {
  return ListDevices(info, &otc_audio_module_input_device_enumerator_new,
                     &otc_audio_module_input_device_enumerator_size,
                     &otc_audio_module_input_device_enumerator_get_device_id,
                     &otc_audio_module_input_device_enumerator_get_device_name,
                     &otc_audio_module_input_device_enumerator_delete);
}

Napi::Value OutputDevices(const Napi::CallbackInfo &info) {
  return ListDevices(info, &otc_audio_module_output_device_enumerator_new,
                     &otc_audio_module_output_device_enumerator_size,
                     &otc_audio_module_output_device_enumerator_get_device_id,
                     &otc_audio_module_output_device_enumerator_get_device_name,
                     &otc_audio_module_output_device_enumerator_delete);
}

// deviceId: a string, or null for the server's default.
Napi::Value SelectDevice(const Napi::CallbackInfo &info, otc_status (*select)(const char *)) {
  if (info.Length() < 1 || !(info[0].IsString() || info[0].IsNull()))
    throw Napi::TypeError::New(info.Env(), "deviceId must be a string or null");
  if (info[0].IsNull()) return Napi::Number::New(info.Env(), select(nullptr));
  const std::string id = info[0].As<Napi::String>().Utf8Value();
  // An embedded NUL would select a shorter id than the one given.
  if (id.find('\0') != std::string::npos) return Napi::Number::New(info.Env(), OTC_INVALID_PARAM);
  return Napi::Number::New(info.Env(), select(id.c_str()));
}

Napi::Value SelectInputDevice(const Napi::CallbackInfo &info) {
  return SelectDevice(info, &otc_audio_module_input_device_select);
}

Napi::Value SelectOutputDevice(const Napi::CallbackInfo &info) {
  return SelectDevice(info, &otc_audio_module_output_device_select);
}

}  // namespace

void RegisterAudio(Napi::Env env, Napi::Object exports) {
  exports.Set("audioCaptureSilence", Napi::Function::New(env, CaptureSilence, "audioCaptureSilence"));
  exports.Set("audioCaptureTone", Napi::Function::New(env, CaptureTone, "audioCaptureTone"));
  exports.Set("audioPushCaptureSamples", Napi::Function::New(env, PushCaptureSamples, "audioPushCaptureSamples"));
  exports.Set("audioBufferedCaptureSamples",
              Napi::Function::New(env, BufferedCaptureSamples, "audioBufferedCaptureSamples"));
  exports.Set("audioInputDevices", Napi::Function::New(env, InputDevices, "audioInputDevices"));
  exports.Set("audioOutputDevices", Napi::Function::New(env, OutputDevices, "audioOutputDevices"));
  exports.Set("audioSelectInputDevice", Napi::Function::New(env, SelectInputDevice, "audioSelectInputDevice"));
  exports.Set("audioSelectOutputDevice", Napi::Function::New(env, SelectOutputDevice, "audioSelectOutputDevice"));
  Napi::Object constants = Napi::Object::New(env);
  constants.Set("sampleRate", OTC_AUDIO_SAMPLE_RATE);
  constants.Set("samplesPerFrame", OTC_AUDIO_SAMPLES_PER_FRAME);
  constants.Set("maxBufferedSamples", OTC_AUDIO_MAX_BUFFERED_SAMPLES);
  constants.Set("testPatternWidth", OTC_TEST_PATTERN_DEFAULT_WIDTH);
  constants.Set("testPatternHeight", OTC_TEST_PATTERN_DEFAULT_HEIGHT);
  constants.Set("testPatternFps", OTC_TEST_PATTERN_DEFAULT_FPS);
  constants.Freeze();
  exports.Set("mediaConstants", constants);
}

}  // namespace otc_addon
