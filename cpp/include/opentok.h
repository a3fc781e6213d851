/* node-otc: the OpenTok/Vonage Linux SDK's C API, one include, as SDK programs use it.
 *
 * opentok/ holds the SDK's interface: names, signatures, struct layouts and enum values of the
 * Linux SDK 2.19.1, plus functions of later SDKs (README, "Linux SDK compatibility"). Until
 * every SDK header has moved there, the remaining declarations come from node-otc's own headers
 * (otc/), which also carry the project's additions. */
#ifndef OTC_SDK_OPENTOK_H
#define OTC_SDK_OPENTOK_H

#include "opentok/audio_data.h"
#include "opentok/audio_device.h"
#include "opentok/audio_module_input_device.h"
#include "opentok/audio_module_output_device.h"
#include "opentok/base.h"
#include "opentok/camera_capture_resolution.h"
#include "opentok/capabilities.h"
#include "opentok/config.h"
#include "opentok/connection.h"
#include "opentok/error.h"
#include "opentok/media_utils.h"
#include "opentok/publisher.h"
#include "opentok/session.h"
#include "opentok/stream.h"
#include "opentok/subscriber.h"
#include "opentok/video_capturer.h"
#include "opentok/video_frame.h"
#include "otc/otc.h"

#endif /* OTC_SDK_OPENTOK_H */
