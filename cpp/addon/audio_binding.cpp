#include "audio_binding.h"

#include <cmath>

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

}  // namespace

void RegisterAudio(Napi::Env env, Napi::Object exports) {
  exports.Set("audioCaptureSilence", Napi::Function::New(env, CaptureSilence, "audioCaptureSilence"));
  exports.Set("audioCaptureTone", Napi::Function::New(env, CaptureTone, "audioCaptureTone"));
  exports.Set("audioPushCaptureSamples", Napi::Function::New(env, PushCaptureSamples, "audioPushCaptureSamples"));
  exports.Set("audioBufferedCaptureSamples",
              Napi::Function::New(env, BufferedCaptureSamples, "audioBufferedCaptureSamples"));
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
