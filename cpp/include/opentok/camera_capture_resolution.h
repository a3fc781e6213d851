/* node-otc, Linux SDK interface: the capture sizes a publisher's default camera can be asked for
 * (later SDKs). */
#ifndef OTC_SDK_CAMERA_CAPTURE_RESOLUTION_H
#define OTC_SDK_CAMERA_CAPTURE_RESOLUTION_H

#include "config.h"

OTC_BEGIN_DECL

enum otc_camera_capture_resolution {
  OTC_CAMERA_CAPTURE_RESOLUTION_LOW = 0,    /* 320x240 */
  OTC_CAMERA_CAPTURE_RESOLUTION_MEDIUM = 1, /* 640x480 */
  OTC_CAMERA_CAPTURE_RESOLUTION_HIGH = 2,   /* 1280x720 */
  OTC_CAMERA_CAPTURE_RESOLUTION_1080P = 3   /* 1920x1080 */
};

OTC_END_DECL

#endif /* OTC_SDK_CAMERA_CAPTURE_RESOLUTION_H */
