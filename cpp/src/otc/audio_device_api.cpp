// C API: the SDK's custom audio device (opentok/audio_device.h), over audio_selection.h.
#include <opentok/audio_device.h>

#include "audio_selection.h"

extern "C" {

size_t otc_audio_device_read_render_data(int16_t *buffer, size_t number_of_samples) {
  if (!buffer || number_of_samples == 0) return 0;
  size_t copied = 0;
  otc::app_audio_read(buffer, number_of_samples, &copied);
  return copied;
}

otc_status otc_audio_device_write_capture_data(const int16_t *buffer, size_t number_of_samples) {
  if (number_of_samples == 0) return OTC_SUCCESS;
  if (!buffer) return OTC_INVALID_PARAM;
  return otc::app_audio_write(buffer, number_of_samples) ? otc_status{OTC_SUCCESS} : OTC_FATAL;
}

otc_status otc_set_audio_device(const struct otc_audio_device_callbacks *callbacks) {
  otc::select_app_audio(callbacks);
  return OTC_SUCCESS;
}

}  // extern "C"
