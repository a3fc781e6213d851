// C API: the process-wide audio device's capture (otc_audio_*), over media/pcm_source.h.
#include <otc/media.h>

#include "../media/pcm_source.h"

extern "C" {

otc_status otc_audio_capture_silence(void) {
  if (!otc_is_initialized()) return OTC_MEDIA_ENGINE_NOT_INITIALIZED;
  otc::media::process_pcm_source().set_silence();
  return OTC_SUCCESS;
}

otc_status otc_audio_capture_tone(double frequency_hz, double amplitude) {
  if (!otc_is_initialized()) return OTC_MEDIA_ENGINE_NOT_INITIALIZED;
  return otc::media::process_pcm_source().set_tone(frequency_hz, amplitude);
}

otc_status otc_audio_push_capture_samples(const int16_t *samples, size_t count) {
  if (!otc_is_initialized()) return OTC_MEDIA_ENGINE_NOT_INITIALIZED;
  return otc::media::process_pcm_source().push(samples, count);
}

size_t otc_audio_buffered_capture_samples(void) { return otc::media::process_pcm_source().buffered(); }

}  // extern "C"
