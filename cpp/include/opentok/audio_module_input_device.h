/* node-otc, Linux SDK interface (later SDKs): the microphones of the default audio module.
 *
 * The default audio module is PulseAudio (README, "Audio device"). An enumerator is a snapshot
 * of the server's sources taken when it is made: the sources of real devices first, then the
 * monitors of sinks (what a sink plays, the usual capture on a headless machine). A device's id
 * is its PulseAudio name (what pactl shows), stable while the device exists; its name is the
 * server's human-readable description. Making an enumerator waits for the server for a few
 * seconds at most; without one, the enumerator is empty.
 *
 * Selection is process-wide and lasts across otc_destroy and otc_init. A capture stream already
 * running moves to the chosen source without interrupting the call. While another device is in
 * use (otc_set_audio_device, OTC_AUDIO_DEVICE) the choice is kept and applies once PulseAudio is
 * used again. */
#ifndef OTC_SDK_AUDIO_MODULE_INPUT_DEVICE_H
#define OTC_SDK_AUDIO_MODULE_INPUT_DEVICE_H

#include "config.h"
#include "base.h"

OTC_BEGIN_DECL

/* A snapshot of the capture devices; opaque. */
typedef struct otc_audio_module_input_device_enumerator otc_audio_module_input_device_enumerator;

/* Takes the snapshot (on the calling thread). Empty, not NULL, when no server answers; NULL only
 * when memory runs out. Free it with otc_audio_module_input_device_enumerator_delete. */
OTC_DECL(otc_audio_module_input_device_enumerator *) otc_audio_module_input_device_enumerator_new();

/* How many devices the snapshot holds; 0 for NULL. */
OTC_DECL(int) otc_audio_module_input_device_enumerator_size(otc_audio_module_input_device_enumerator *enumerator);

/* The id (PulseAudio name) / the description of device `index` (0 .. size - 1); NULL for a NULL
 * enumerator or an index out of range. The text belongs to the enumerator and stays valid until
 * it is deleted. */
OTC_DECL(const char *) otc_audio_module_input_device_enumerator_get_device_id(
    otc_audio_module_input_device_enumerator *enumerator, int index);
OTC_DECL(const char *) otc_audio_module_input_device_enumerator_get_device_name(
    otc_audio_module_input_device_enumerator *enumerator, int index);

/* Frees the snapshot and its strings. OTC_INVALID_PARAM for NULL. */
OTC_DECL(otc_status) otc_audio_module_input_device_enumerator_delete(
    otc_audio_module_input_device_enumerator *enumerator);

/* Captures from the source with this id from now on; NULL returns to the server's default
 * source. OTC_INVALID_PARAM when the server has no such source (the choice is unchanged),
 * OTC_FATAL when no PulseAudio server answers (checking the id needs one; NULL needs none). */
OTC_DECL(otc_status) otc_audio_module_input_device_select(const char *device_id);

OTC_END_DECL

#endif /* OTC_SDK_AUDIO_MODULE_INPUT_DEVICE_H */
