// Which backend stands behind the engine's audio device, for the whole process: the default
// (OTC_AUDIO_DEVICE, else PulseAudio), the synthetic device (otc_audio_capture_*), or the
// application's device (otc_set_audio_device). A choice made through the API lasts across
// otc_destroy and otc_init; the variable is read at each otc_init while none was made.
#pragma once

#include <memory>

#include <opentok/audio_device.h>

namespace otc {
namespace rtc {
class AudioBackend;
}

// For otc_init: a backend for the current choice (the engine lock is held by the caller).
std::shared_ptr<rtc::AudioBackend> make_selected_audio_backend();

// Choose the synthetic device (a no-op when it is already chosen) / the application's
// (NULL: back to the default); a running engine switches at once.
void select_synthetic_audio();
void select_app_audio(const otc_audio_device_callbacks *callbacks);

// The data calls of the application's device; false when none is chosen.
bool app_audio_write(const int16_t *samples, size_t count);
bool app_audio_read(int16_t *out, size_t count, size_t *copied);

}  // namespace otc
