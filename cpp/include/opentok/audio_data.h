/* node-otc, Linux SDK interface (2.22 and later): one block of decoded audio as a subscriber
 * hands it to the application. */
#ifndef OTC_SDK_AUDIO_DATA_H
#define OTC_SDK_AUDIO_DATA_H

#include <stddef.h>

#include "config.h"

OTC_BEGIN_DECL

/* Interleaved PCM: number_of_samples frames of number_of_channels samples each, so the buffer
 * holds number_of_samples * number_of_channels * bits_per_sample / 8 bytes. node-otc delivers
 * 16-bit samples in blocks of 10 ms (sample_rate / 100 frames). The buffer belongs to the
 * library and is valid only during the callback that receives the struct. */
struct otc_audio_data {
  const void *sample_buffer;
  const int bits_per_sample;
  const int sample_rate;
  const size_t number_of_channels;
  const size_t number_of_samples;
};

OTC_END_DECL

#endif /* OTC_SDK_AUDIO_DATA_H */
