// C API: otc_publisher_* and otc_session_publish/unpublish. The object is in publisher_impl.h.
#include <otc/publisher.h>

#include <cstring>
#include <new>

#include "engine_access.h"

#include "codec_names.h"
#include "publisher_impl.h"
#include "session_impl.h"

namespace {
constexpr size_t kMaxNameBytes = 1024;
}

extern "C" {

otc_publisher_settings *otc_publisher_settings_new(void) { return new (std::nothrow) otc_publisher_settings; }

void otc_publisher_settings_delete(otc_publisher_settings *settings) { delete settings; }

otc_status otc_publisher_settings_set_name(otc_publisher_settings *settings, const char *name) {
  if (!settings || !name || std::strlen(name) > kMaxNameBytes) return OTC_MEDIA_INVALID_PARAMETER;
  settings->values.name = name;
  return OTC_SUCCESS;
}

otc_status otc_publisher_settings_set_audio_track(otc_publisher_settings *settings, otc_bool enabled) {
  if (!settings) return OTC_MEDIA_INVALID_PARAMETER;
  settings->values.audio = enabled != OTC_FALSE;
  return OTC_SUCCESS;
}

otc_status otc_publisher_settings_set_video_track(otc_publisher_settings *settings, otc_bool enabled) {
  if (!settings) return OTC_MEDIA_INVALID_PARAMETER;
  settings->values.video = enabled != OTC_FALSE;
  return OTC_SUCCESS;
}

otc_status otc_publisher_settings_set_video_codec(otc_publisher_settings *settings, otc_video_codec_type codec) {
  // Compared as an int: a value outside the enum is not UB to hold in an int.
  if (!settings || !otc::is_video_codec(static_cast<int>(codec))) return OTC_MEDIA_INVALID_PARAMETER;
  settings->values.codec = codec;
  return OTC_SUCCESS;
}

otc_status otc_publisher_settings_set_video_source(otc_publisher_settings *settings, otc_video_source source) {
  const int value = static_cast<int>(source);
  if (!settings || (value != OTC_VIDEO_SOURCE_TEST_PATTERN && value != OTC_VIDEO_SOURCE_PUSHED)) {
    return OTC_MEDIA_INVALID_PARAMETER;
  }
  settings->values.source = source;
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

otc_status otc_publisher_settings_set_max_subscribers(otc_publisher_settings *settings, int max_subscribers) {
  if (!settings || max_subscribers < 1 || max_subscribers > OTC_PUBLISHER_MAX_SUBSCRIBERS_LIMIT) {
    return OTC_MEDIA_INVALID_PARAMETER;
  }
  settings->values.max_subscribers = max_subscribers;
  return OTC_SUCCESS;
}

otc_publisher *otc_publisher_new(const char *name, const otc_publisher_callbacks *callbacks) {
  otc_publisher_settings settings;
  if (name && otc_publisher_settings_set_name(&settings, name) != OTC_SUCCESS) return nullptr;
  return otc_publisher_new_with_settings(callbacks, &settings);
}

otc_publisher *otc_publisher_new_with_settings(const otc_publisher_callbacks *callbacks,
                                               const otc_publisher_settings *settings) {
  otc::PublisherSettings values = settings ? settings->values : otc::PublisherSettings{};
  if (!values.audio && !values.video) return nullptr;
  auto *publisher = new (std::nothrow) otc_publisher;
  if (!publisher) return nullptr;
  publisher->core = std::make_shared<otc::PublisherCore>(
      publisher, callbacks ? *callbacks : otc_publisher_callbacks{}, std::move(values));
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

otc_status otc_publisher_delete(otc_publisher *publisher) {
  if (!publisher) return OTC_SUCCESS;
  publisher->core->shutdown();
  // Tasks on internal threads may still hold the core for a moment; they see it deleted.
  delete publisher;
  return OTC_SUCCESS;
}

}  // extern "C"
