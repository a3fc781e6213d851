// C API: otc_publisher_*, otc_session_publish/unpublish and otc_video_capturer_*. The object is
// in publisher_impl.h.
#include <opentok/publisher.h>
#include <opentok/video_capturer.h>
#include <otc/publisher.h>

#include <cstring>
#include <new>

#include <api/make_ref_counted.h>

#include "engine_access.h"

#include "../media/encoded_media.h"
#include "codec_names.h"
#include "publisher_impl.h"
#include "session_impl.h"

namespace {
constexpr size_t kMaxNameBytes = 1024;

// The SDK's on/off publisher settings. A NULL settings object is OTC_INVALID_PARAM, as for
// otc_publisher_settings_delete: the SDK's code for a bad argument.
// Some are optional<bool>: unset leaves libwebrtc's default.
template <typename Field>
otc_status set_switch(otc_publisher_settings *settings, Field otc::PublisherSettings::*field, otc_bool enabled) {
  if (!settings) return OTC_INVALID_PARAM;
  settings->values.*field = enabled != OTC_FALSE;
  return OTC_SUCCESS;
}
}  // namespace

extern "C" {

otc_publisher_settings *otc_publisher_settings_new(void) { return new (std::nothrow) otc_publisher_settings; }

otc_status otc_publisher_settings_delete(otc_publisher_settings *settings) {
  if (!settings) return OTC_INVALID_PARAM;
  delete settings;
  return OTC_SUCCESS;
}

otc_status otc_publisher_settings_set_video_capturer(otc_publisher_settings *settings,
                                                     const otc_video_capturer_callbacks *capturer) {
  if (!settings) return OTC_INVALID_PARAM;
  settings->values.has_capturer = capturer != nullptr;
  settings->values.capturer = capturer ? *capturer : otc_video_capturer_callbacks{};
  if (capturer) settings->values.source = OTC_VIDEO_SOURCE_DEFAULT;
  return OTC_SUCCESS;
}

otc_status otc_publisher_settings_set_stereo(otc_publisher_settings *settings, otc_bool enabled) {
  return set_switch(settings, &otc::PublisherSettings::stereo, enabled);
}

otc_status otc_publisher_settings_set_name(otc_publisher_settings *settings, const char *name) {
  if (!settings || !name || std::strlen(name) > kMaxNameBytes) return OTC_MEDIA_INVALID_PARAMETER;
  settings->values.name = name;
  return OTC_SUCCESS;
}

otc_status otc_publisher_settings_set_audio_track(otc_publisher_settings *settings, otc_bool enabled) {
  return set_switch(settings, &otc::PublisherSettings::audio, enabled);
}

otc_status otc_publisher_settings_set_video_track(otc_publisher_settings *settings, otc_bool enabled) {
  return set_switch(settings, &otc::PublisherSettings::video, enabled);
}

otc_status otc_publisher_settings_set_opus_dtx(otc_publisher_settings *settings, otc_bool enabled) {
  return set_switch(settings, &otc::PublisherSettings::opus_dtx, enabled);
}

otc_status otc_publisher_settings_set_auto_gain_control(otc_publisher_settings *settings, otc_bool enabled) {
  return set_switch(settings, &otc::PublisherSettings::auto_gain_control, enabled);
}

otc_status otc_publisher_settings_set_noise_suppression(otc_publisher_settings *settings, otc_bool enabled) {
  return set_switch(settings, &otc::PublisherSettings::noise_suppression, enabled);
}

otc_status otc_publisher_settings_set_echo_cancellation(otc_publisher_settings *settings, otc_bool enabled) {
  return set_switch(settings, &otc::PublisherSettings::echo_cancellation, enabled);
}

otc_status otc_publisher_settings_set_default_camera_capture_resolution(
    otc_publisher_settings *settings, enum otc_camera_capture_resolution camera_capture_resolution) {
  const int value = static_cast<int>(camera_capture_resolution);
  if (!settings || value < OTC_CAMERA_CAPTURE_RESOLUTION_LOW || value > OTC_CAMERA_CAPTURE_RESOLUTION_1080P) {
    return OTC_INVALID_PARAM;
  }
  settings->values.camera_resolution = value;
  return OTC_SUCCESS;
}

otc_status otc_publisher_settings_set_scalable_screenshare(otc_publisher_settings *settings, otc_bool enabled) {
  return set_switch(settings, &otc::PublisherSettings::scalable_screenshare, enabled);
}

otc_status otc_publisher_settings_set_video_codec(otc_publisher_settings *settings, otc_video_codec_type codec) {
  // Compared as an int: a value outside the enum is not UB to hold in an int.
  if (!settings || !otc::is_video_codec(static_cast<int>(codec))) return OTC_MEDIA_INVALID_PARAMETER;
  settings->values.codec = codec;
  return OTC_SUCCESS;
}

otc_status otc_publisher_settings_set_video_source(otc_publisher_settings *settings, otc_video_source source) {
  const int value = static_cast<int>(source);
  if (!settings || (value != OTC_VIDEO_SOURCE_TEST_PATTERN && value != OTC_VIDEO_SOURCE_PUSHED &&
                    value != OTC_VIDEO_SOURCE_DEFAULT)) {
    return OTC_MEDIA_INVALID_PARAMETER;
  }
  settings->values.source = source;
  settings->values.has_capturer = false;
  return OTC_SUCCESS;
}

otc_status otc_publisher_settings_set_test_pattern(otc_publisher_settings *settings, int width, int height, int fps) {
  if (!settings || width < 64 || height < 64 || width > 1920 || height > 1080 || width % 2 || height % 2 ||
      fps < 1 || fps > 60) {
    return OTC_MEDIA_INVALID_PARAMETER;
  }
  settings->values.width = width;
  settings->values.height = height;
  settings->values.fps = fps;
  return OTC_SUCCESS;
}

otc_status otc_publisher_settings_set_encoded_media(otc_publisher_settings *settings, const char *video_file,
                                                    const char *audio_file) {
  constexpr size_t kMaxPath = 4096;
  if (!settings || (!video_file && !audio_file)) return OTC_MEDIA_INVALID_PARAMETER;
  if ((video_file && (!*video_file || std::strlen(video_file) > kMaxPath)) ||
      (audio_file && (!*audio_file || std::strlen(audio_file) > kMaxPath))) {
    return OTC_MEDIA_INVALID_PARAMETER;
  }
  if (video_file) {
    settings->values.video_file = video_file;
    settings->values.has_capturer = false;
    // The codec follows the file's; a file that cannot be read now fails at publish, with its reason.
    if (const auto codec = otc::media::sniff_encoded_codec(video_file)) {
      if (*codec == otc::media::EncodedCodec::kVp8) settings->values.codec = OTC_VIDEO_CODEC_VP8;
      if (*codec == otc::media::EncodedCodec::kVp9) settings->values.codec = OTC_VIDEO_CODEC_VP9;
      if (*codec == otc::media::EncodedCodec::kH264) settings->values.codec = OTC_VIDEO_CODEC_H264;
    }
  }
  if (audio_file) settings->values.audio_file = audio_file;
  return OTC_SUCCESS;
}

otc_status otc_publisher_settings_set_encoded_frame_rate(otc_publisher_settings *settings, int fps) {
  if (!settings || fps < 1 || fps > 120) return OTC_MEDIA_INVALID_PARAMETER;
  settings->values.encoded_fps = fps;
  return OTC_SUCCESS;
}

otc_status otc_publisher_settings_set_max_subscribers(otc_publisher_settings *settings, int max_subscribers) {
  if (!settings || max_subscribers < 1 || max_subscribers > OTC_PUBLISHER_MAX_SUBSCRIBERS_LIMIT) {
    return OTC_MEDIA_INVALID_PARAMETER;
  }
  settings->values.max_subscribers = max_subscribers;
  return OTC_SUCCESS;
}

otc_publisher *otc_publisher_new(const char *name, const otc_video_capturer_callbacks *capturer,
                                 const otc_publisher_callbacks *callbacks) {
  otc_publisher_settings settings;
  if (name && otc_publisher_settings_set_name(&settings, name) != OTC_SUCCESS) return nullptr;
  otc_publisher_settings_set_video_capturer(&settings, capturer);
  return otc_publisher_new_with_settings(callbacks, &settings);
}

otc_publisher *otc_publisher_new_with_settings(const otc_publisher_callbacks *callbacks,
                                               otc_publisher_settings *settings) {
  otc::PublisherSettings values = settings ? settings->values : otc::PublisherSettings{};
  if (!values.audio && !values.video) return nullptr;
  auto *publisher = new (std::nothrow) otc_publisher;
  if (!publisher) return nullptr;
  const bool with_capturer = values.has_capturer && values.video;
  const otc_video_capturer_callbacks capturer_callbacks = values.capturer;
  publisher->core = std::make_shared<otc::PublisherCore>(
      publisher, callbacks ? *callbacks : otc_publisher_callbacks{}, std::move(values));
  if (with_capturer) {
    publisher->capturer = std::make_unique<otc_video_capturer>();
    publisher->capturer->callbacks = capturer_callbacks;
    publisher->capturer->source = ::rtc::make_ref_counted<otc::rtc::CapturerVideoSource>();
    publisher->core->start_capturer(publisher->capturer.get());
  }
  otc::register_live_media(publisher->core);
  return publisher;
}

otc_status otc_session_publish(otc_session *session, otc_publisher *publisher) {
  if (!session || !publisher) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return publisher->core->publish(session);
}

otc_status otc_session_unpublish(otc_session *session, otc_publisher *publisher) {
  if (!session || !publisher) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return publisher->core->unpublish(session);
}

otc_status otc_publisher_push_video_frame(otc_publisher *publisher, otc_video_frame_format format, int width,
                                          int height, const uint8_t *data, size_t size) {
  if (!publisher) return OTC_MEDIA_INVALID_PARAMETER;
  return publisher->core->push_video_frame(format, width, height, data, size);
}

otc_status otc_publisher_set_publish_audio(otc_publisher *publisher, otc_bool enabled) {
  if (!publisher) return OTC_MEDIA_INVALID_PARAMETER;
  return publisher->core->set_publish_audio(enabled != OTC_FALSE);
}

otc_status otc_publisher_set_publish_video(otc_publisher *publisher, otc_bool enabled) {
  if (!publisher) return OTC_MEDIA_INVALID_PARAMETER;
  return publisher->core->set_publish_video(enabled != OTC_FALSE);
}

otc_status otc_publisher_get_stats(otc_publisher *publisher, otc_publisher_stats *stats) {
  if (!publisher || !stats) return OTC_MEDIA_INVALID_PARAMETER;
  publisher->core->stats(stats);
  return OTC_SUCCESS;
}

const char *otc_publisher_get_stream_id(otc_publisher *publisher) {
  return publisher ? publisher->core->stream_id() : nullptr;
}

otc_stream *otc_publisher_get_stream(otc_publisher *publisher) {
  return publisher ? publisher->core->stream() : nullptr;
}

otc_bool otc_publisher_get_publish_video(const otc_publisher *publisher) {
  return publisher && publisher->core->publish_video() ? OTC_TRUE : OTC_FALSE;
}

otc_status otc_publisher_set_mute_forced_callback(otc_publisher *publisher, otc_publisher_mute_forced_cb callback) {
  if (!publisher) return OTC_MEDIA_INVALID_PARAMETER;
  publisher->core->set_mute_forced_callback(callback);
  return OTC_SUCCESS;
}

otc_bool otc_publisher_get_publish_audio(const otc_publisher *publisher) {
  return publisher && publisher->core->publish_audio() ? OTC_TRUE : OTC_FALSE;
}

otc_session *otc_publisher_get_session(const otc_publisher *publisher) {
  return publisher ? publisher->core->session() : nullptr;
}

otc_status otc_publisher_set_max_audio_bitrate(otc_publisher *publisher, uint32_t bitrate) {
  if (!publisher) return OTC_INVALID_PARAM;
  return publisher->core->set_max_audio_bitrate(bitrate);
}

otc_status otc_publisher_set_rtc_stats_report_cb(otc_publisher *publisher,
                                                 const otc_publisher_rtc_stats_report_cb cb) {
  if (!publisher) return OTC_INVALID_PARAM;
  (void)cb;
  return OTC_NOT_SUPPORTED;  // not yet: see opentok/publisher.h
}

otc_status otc_publisher_get_rtc_stats_report(const otc_publisher *publisher) {
  if (!publisher) return OTC_INVALID_PARAM;
  return OTC_NOT_SUPPORTED;
}

otc_status otc_publisher_set_audio_fallback_enabled(otc_publisher *publisher, otc_bool enabled) {
  if (!publisher) return OTC_INVALID_PARAM;
  publisher->core->set_audio_fallback(enabled != OTC_FALSE);
  return OTC_SUCCESS;
}

otc_bool otc_publisher_get_audio_fallback_enabled(const otc_publisher *publisher) {
  return publisher && publisher->core->audio_fallback() ? OTC_TRUE : OTC_FALSE;
}

const char *otc_publisher_get_publisher_id(const otc_publisher *publisher) {
  return publisher ? publisher->core->publisher_id() : nullptr;
}

otc_status otc_publisher_set_video_type(otc_publisher *publisher, enum otc_publisher_video_type video_type) {
  const int value = static_cast<int>(video_type);
  if (!publisher || (value != OTC_PUBLISHER_VIDEO_TYPE_CAMERA && value != OTC_PUBLISHER_VIDEO_TYPE_SCREEN)) {
    return OTC_INVALID_PARAM;
  }
  publisher->core->set_video_type(video_type);
  return OTC_SUCCESS;
}

enum otc_publisher_video_type otc_publisher_get_video_type(const otc_publisher *publisher) {
  return publisher ? publisher->core->video_type() : OTC_PUBLISHER_VIDEO_TYPE_CAMERA;
}

void *otc_publisher_get_user_data(const otc_publisher *publisher) {
  return publisher ? publisher->core->user_data() : nullptr;
}

const char *otc_publisher_get_name(const otc_publisher *publisher) {
  return publisher ? publisher->core->name() : nullptr;
}

otc_status otc_publisher_delete(otc_publisher *publisher) {
  if (!publisher) return OTC_SUCCESS;
  publisher->core->shutdown();
  // The capturer's stop and destroy run with no lock held: destroy may wait for a thread of the
  // application that is inside otc_video_capturer_provide_frame.
  if (publisher->capturer) publisher->core->end_capturer(publisher->capturer.get());
  // Tasks on internal threads may still hold the core for a moment; they see it deleted.
  delete publisher;
  return OTC_SUCCESS;
}

otc_status otc_video_capturer_provide_frame(const otc_video_capturer *capturer, int rotation,
                                            const otc_video_frame *frame) {
  if (!capturer || !frame) return OTC_INVALID_PARAM;
  if (capturer->ended.load()) return OTC_FATAL;
  return capturer->source->Provide(rotation, *frame);
}

otc_status otc_video_capturer_set_content_hint(const otc_video_capturer *capturer,
                                               enum otc_video_capturer_content_hint_type content_hint) {
  const int value = static_cast<int>(content_hint);
  if (!capturer || value < OTC_VIDEO_CAPTURER_CONTENT_HINT_TYPE_NONE || value > OTC_VIDEO_CAPTURER_CONTENT_HINT_TYPE_TEXT) {
    return OTC_INVALID_PARAM;
  }
  // Kept and reported; the encoders here do not use it.
  const_cast<otc_video_capturer *>(capturer)->content_hint = value;
  return OTC_SUCCESS;
}

enum otc_video_capturer_content_hint_type otc_video_capturer_get_content_hint(const otc_video_capturer *capturer) {
  return capturer ? static_cast<otc_video_capturer_content_hint_type>(capturer->content_hint.load())
                  : OTC_VIDEO_CAPTURER_CONTENT_HINT_TYPE_NONE;
}

}  // extern "C"
