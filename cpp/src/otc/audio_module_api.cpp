// C API: the default audio module's devices (opentok/audio_module_input_device.h and
// opentok/audio_module_output_device.h), over rtc/pulse_devices.h. Both headers have the same
// shape; one template serves both directions.
#include <opentok/audio_module_input_device.h>
#include <opentok/audio_module_output_device.h>

#include <memory>
#include <new>
#include <string>
#include <vector>

#include "../base/log.h"
#include "../rtc/pulse_devices.h"

using otc::rtc::PulseDevice;
using otc::rtc::PulseDirection;

struct otc_audio_module_input_device_enumerator {
  std::vector<PulseDevice> devices;
};
struct otc_audio_module_output_device_enumerator {
  std::vector<PulseDevice> devices;
};

namespace {

const char *direction_name(PulseDirection direction) {
  return direction == PulseDirection::kInput ? "input" : "output";
}

template <typename Enumerator>
Enumerator *enumerator_new(PulseDirection direction) {
  try {
    auto enumerator = std::make_unique<Enumerator>();
    std::string problem;
    if (!otc::rtc::ListPulseDevices(direction, &enumerator->devices, &problem)) {
      otc::log(OTC_LOG_LEVEL_WARN, "audio module: no %s devices listed: %s", direction_name(direction), problem.c_str());
    }
    return enumerator.release();
  } catch (const std::bad_alloc &) {
    return nullptr;
  }
}

template <typename Enumerator>
const PulseDevice *device_at(Enumerator *enumerator, int index) {
  if (!enumerator || index < 0 || static_cast<size_t>(index) >= enumerator->devices.size()) return nullptr;
  return &enumerator->devices[static_cast<size_t>(index)];
}

template <typename Enumerator>
int enumerator_size(Enumerator *enumerator) {
  return enumerator ? static_cast<int>(enumerator->devices.size()) : 0;
}

template <typename Enumerator>
const char *device_id(Enumerator *enumerator, int index) {
  const PulseDevice *device = device_at(enumerator, index);
  return device ? device->id.c_str() : nullptr;
}

template <typename Enumerator>
const char *device_name(Enumerator *enumerator, int index) {
  const PulseDevice *device = device_at(enumerator, index);
  return device ? device->name.c_str() : nullptr;
}

template <typename Enumerator>
otc_status enumerator_delete(Enumerator *enumerator) {
  if (!enumerator) return OTC_INVALID_PARAM;
  delete enumerator;
  return OTC_SUCCESS;
}

// The id must name one of the server's devices now; NULL needs no server.
otc_status select_device(PulseDirection direction, const char *device_id) {
  if (!device_id) {
    otc::rtc::ChoosePulseDevice(direction, std::string());
    return OTC_SUCCESS;
  }
  try {
    std::vector<PulseDevice> devices;
    std::string problem;
    if (!otc::rtc::ListPulseDevices(direction, &devices, &problem)) {
      otc::log(OTC_LOG_LEVEL_ERROR, "audio module: cannot select %s device %s: %s", direction_name(direction), device_id,
               problem.c_str());
      return OTC_FATAL;
    }
    for (const auto &device : devices) {
      if (device.id != device_id) continue;
      otc::rtc::ChoosePulseDevice(direction, device.id);
      return OTC_SUCCESS;
    }
    otc::log(OTC_LOG_LEVEL_ERROR, "audio module: the PulseAudio server has no %s device %s", direction_name(direction),
             device_id);
    return OTC_INVALID_PARAM;
  } catch (const std::bad_alloc &) {
    return OTC_FATAL;
  }
}

}  // namespace

extern "C" {

otc_audio_module_input_device_enumerator *otc_audio_module_input_device_enumerator_new() {
  return enumerator_new<otc_audio_module_input_device_enumerator>(PulseDirection::kInput);
}
int otc_audio_module_input_device_enumerator_size(otc_audio_module_input_device_enumerator *enumerator) {
  return enumerator_size(enumerator);
}
const char *otc_audio_module_input_device_enumerator_get_device_id(otc_audio_module_input_device_enumerator *enumerator,
                                                                   int index) {
  return device_id(enumerator, index);
}
const char *otc_audio_module_input_device_enumerator_get_device_name(
    otc_audio_module_input_device_enumerator *enumerator, int index) {
  return device_name(enumerator, index);
}
otc_status otc_audio_module_input_device_enumerator_delete(otc_audio_module_input_device_enumerator *enumerator) {
  return enumerator_delete(enumerator);
}
otc_status otc_audio_module_input_device_select(const char *device_id) {
  return select_device(PulseDirection::kInput, device_id);
}

otc_audio_module_output_device_enumerator *otc_audio_module_output_device_enumerator_new() {
  return enumerator_new<otc_audio_module_output_device_enumerator>(PulseDirection::kOutput);
}
int otc_audio_module_output_device_enumerator_size(otc_audio_module_output_device_enumerator *enumerator) {
  return enumerator_size(enumerator);
}
const char *otc_audio_module_output_device_enumerator_get_device_id(
    otc_audio_module_output_device_enumerator *enumerator, int index) {
  return device_id(enumerator, index);
}
const char *otc_audio_module_output_device_enumerator_get_device_name(
    otc_audio_module_output_device_enumerator *enumerator, int index) {
  return device_name(enumerator, index);
}
otc_status otc_audio_module_output_device_enumerator_delete(otc_audio_module_output_device_enumerator *enumerator) {
  return enumerator_delete(enumerator);
}
otc_status otc_audio_module_output_device_select(const char *device_id) {
  return select_device(PulseDirection::kOutput, device_id);
}

}  // extern "C"
