// C API: the synthetic audio device's capture (otc_audio_*), over media/pcm_source.h. Each call
// also makes the synthetic device the process's audio device (audio_selection.h).
#include <otc/media.h>

#include "../media/pcm_source.h"
#include "audio_selection.h"

extern "C" {

otc_status otc_audio_select_synthetic_device(void) {
  if (!otc_is_initialized()) return OTC_MEDIA_ENGINE_NOT_INITIALIZED;
  otc::select_synthetic_audio();
  return OTC_SUCCESS;
}

otc_status otc_audio_capture_silence(void) {
  if (!otc_is_initialized()) return OTC_MEDIA_ENGINE_NOT_INITIALIZED;
  otc::media::process_pcm_source().set_silence();
  otc::select_synthetic_audio();
  return OTC_SUCCESS;
}

otc_status otc_audio_capture_tone(double frequency_hz, double amplitude) {
  if (!otc_is_initialized()) return OTC_MEDIA_ENGINE_NOT_INITIALIZED;
  const otc_status status = otc::media::process_pcm_source().set_tone(frequency_hz, amplitude);
  if (status == OTC_SUCCESS) otc::select_synthetic_audio();
  return status;
}

otc_status otc_audio_push_capture_samples(const int16_t *samples, size_t count) {
  if (!otc_is_initialized()) return OTC_MEDIA_ENGINE_NOT_INITIALIZED;
  const otc_status status = otc::media::process_pcm_source().push(samples, count);
  if (status == OTC_SUCCESS) otc::select_synthetic_audio();
  return status;
}

size_t otc_audio_buffered_capture_samples(void) { return otc::media::process_pcm_source().buffered(); }

}  // extern "C"
