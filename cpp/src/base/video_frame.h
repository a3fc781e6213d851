// otc_video_frame: a view of a decoded I420 frame, handed to on_render_frame. The C API declares
// it opaque (otc/media.h); its layout lives in base/ because rtc/ fills it and otc/ reads it.
#pragma once

#include <otc/media.h>

#include <cstdint>

struct otc_video_frame {
  int width = 0;
  int height = 0;
  const uint8_t *planes[3] = {nullptr, nullptr, nullptr};
  int strides[3] = {0, 0, 0};
  int64_t timestamp_us = 0;
};
