/* node-otc, Linux SDK interface: custom video capturers.
 *
 * An application that makes its own pictures hands a publisher a set of callbacks
 * (otc_publisher_new or otc_publisher_settings_set_video_capturer). The library calls them in
 * this order, each at most once, any of them may be NULL:
 *   init, get_capture_settings, start   when the publisher is created (so the preview,
 *                                        on_render_frame, runs before publishing);
 *   stop, destroy                       when the publisher is deleted (stop only after start
 *                                        succeeded; destroy always follows a successful init).
 * The callbacks run on the thread that creates or deletes the publisher, never with a lock held
 * that otc_video_capturer_provide_frame takes, so destroy may wait for a thread of the
 * application that is inside otc_video_capturer_provide_frame.
 *
 * Frames are pushed from any thread of the application with otc_video_capturer_provide_frame
 * between start and stop; the frame is converted before the call returns, so the application
 * may delete it right after. */
#ifndef OTC_SDK_VIDEO_CAPTURER_H
#define OTC_SDK_VIDEO_CAPTURER_H

#include "base.h"
#include "config.h"
#include "video_frame.h"

OTC_BEGIN_DECL

/* Opaque: the library's side of one capturer, handed to every callback. */
typedef struct otc_video_capturer otc_video_capturer;

/* What get_capture_settings fills in. The frames' own format and size win over format, width
 * and height (which are informative); fps is clamped to 1..60; expected_delay (ms) and
 * mirror_on_local_render are accepted and not used. */
struct otc_video_capturer_settings {
  int format; /* an enum otc_video_frame_format */
  int width;
  int height;
  int fps;
  int expected_delay;
  otc_bool mirror_on_local_render;
};

struct otc_video_capturer_callbacks {
  otc_bool (*init)(const otc_video_capturer *capturer, void *user_data);
  otc_bool (*destroy)(const otc_video_capturer *capturer, void *user_data);
  otc_bool (*start)(const otc_video_capturer *capturer, void *user_data);
  otc_bool (*stop)(const otc_video_capturer *capturer, void *user_data);
  otc_bool (*get_capture_settings)(const otc_video_capturer *capturer, void *user_data,
                                   struct otc_video_capturer_settings *settings);
  void *user_data;
  void *reserved;
};

/* What kind of picture the capturer makes, so the encoder knows what to keep when bandwidth is
 * short (later SDKs). */
enum otc_video_capturer_content_hint_type {
  OTC_VIDEO_CAPTURER_CONTENT_HINT_TYPE_NONE = 0,
  OTC_VIDEO_CAPTURER_CONTENT_HINT_TYPE_MOTION = 1,
  OTC_VIDEO_CAPTURER_CONTENT_HINT_TYPE_DETAIL = 2,
  OTC_VIDEO_CAPTURER_CONTENT_HINT_TYPE_TEXT = 3
};

/* Hands one picture to the publisher; rotation is 0, 90, 180 or 270 (degrees clockwise the
 * picture must turn to be upright). Any pixel format except COMPRESSED. OTC_INVALID_PARAM for
 * NULL, a bad rotation or a frame that cannot be converted; OTC_FATAL once the publisher is being
 * deleted (the frame is dropped). */
OTC_DECL(otc_status) otc_video_capturer_provide_frame(const otc_video_capturer *capturer, int rotation,
                                                      const otc_video_frame *frame);

OTC_DECL(otc_status) otc_video_capturer_set_content_hint(const otc_video_capturer *capturer,
                                                         enum otc_video_capturer_content_hint_type content_hint);
OTC_DECL(enum otc_video_capturer_content_hint_type) otc_video_capturer_get_content_hint(
    const otc_video_capturer *capturer);

OTC_END_DECL

#endif /* OTC_SDK_VIDEO_CAPTURER_H */
