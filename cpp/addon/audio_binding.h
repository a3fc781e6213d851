// JS bindings of the process-wide audio device (otc_audio_*): what publishers capture.
#pragma once

#include <napi.h>

namespace otc_addon {

// Adds audioCaptureSilence(), audioCaptureTone(frequencyHz, amplitude),
// audioPushCaptureSamples(Int16Array) (each returns a status), audioBufferedCaptureSamples() and
// the frozen object mediaConstants { sampleRate, samplesPerFrame, maxBufferedSamples,
// testPatternWidth, testPatternHeight, testPatternFps } (media.h's macros) to exports; and the
// default audio module's devices: audioInputDevices() / audioOutputDevices() ([{ id, name }],
// one enumerator each), audioSelectInputDevice(id | null) / audioSelectOutputDevice(id | null)
// (a status).
void RegisterAudio(Napi::Env env, Napi::Object exports);

}  // namespace otc_addon
