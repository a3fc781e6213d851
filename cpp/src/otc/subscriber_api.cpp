// C API: otc_subscriber_* and otc_session_subscribe/unsubscribe. The object is in
// subscriber_impl.h.
#include <otc/subscriber.h>

#include <new>

#include "engine_access.h"

#include "session_impl.h"
#include "subscriber_impl.h"

extern "C" {

otc_subscriber *otc_subscriber_new(const otc_stream *stream, const struct otc_subscriber_callbacks *callbacks) {
  if (!stream || stream->info.stream_id.empty()) return nullptr;
  auto *subscriber = new (std::nothrow) otc_subscriber;
  if (!subscriber) return nullptr;
  // Not make_shared: the offer timeout (the ICE connect timeout, 30 s by default) waits on the
  // signaling thread with a weak_ptr after the subscriber is gone, and a weak_ptr keeps a
  // make_shared object's whole storage (2 KB) allocated; here it keeps only the control block.
  subscriber->core = std::shared_ptr<otc::SubscriberCore>(
      new otc::SubscriberCore(subscriber, callbacks ? *callbacks : otc_subscriber_callbacks{}, *stream));
  otc::register_live_media(subscriber->core);
  return subscriber;
}

otc_status otc_session_subscribe(otc_session *session, otc_subscriber *subscriber) {
  if (!session || !subscriber) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return subscriber->core->subscribe(session);
}

otc_status otc_session_unsubscribe(otc_session *session, otc_subscriber *subscriber) {
  if (!session || !subscriber) return OTC_SESSION_NULL_OR_INVALID_PARAMETER;
  return subscriber->core->unsubscribe(session);
}

const char *otc_subscriber_get_stream_id(const otc_subscriber *subscriber) {
  return subscriber ? subscriber->core->stream_id() : nullptr;
}

const char *otc_subscriber_get_disconnect_reason(const otc_subscriber *subscriber) {
  return subscriber ? subscriber->core->disconnect_reason().reason : nullptr;
}

otc_status otc_subscriber_get_disconnect_code(const otc_subscriber *subscriber) {
  return subscriber ? subscriber->core->disconnect_reason().code : OTC_SESSION_NULL_OR_INVALID_PARAMETER;
}

otc_status otc_subscriber_set_subscribe_to_audio(otc_subscriber *subscriber, otc_bool subscribe_to_audio) {
  if (!subscriber) return OTC_MEDIA_INVALID_PARAMETER;
  return subscriber->core->set_subscribe_to_audio(subscribe_to_audio != OTC_FALSE);
}

otc_status otc_subscriber_set_subscribe_to_video(otc_subscriber *subscriber, otc_bool subscribe_to_video) {
  if (!subscriber) return OTC_MEDIA_INVALID_PARAMETER;
  return subscriber->core->set_subscribe_to_video(subscribe_to_video != OTC_FALSE);
}

otc_bool otc_subscriber_get_subscribe_to_audio(const otc_subscriber *subscriber) {
  return subscriber && subscriber->core->subscribe_to_audio() ? OTC_TRUE : OTC_FALSE;
}

otc_bool otc_subscriber_get_subscribe_to_video(const otc_subscriber *subscriber) {
  return subscriber && subscriber->core->subscribe_to_video() ? OTC_TRUE : OTC_FALSE;
}

otc_stream *otc_subscriber_get_stream(const otc_subscriber *subscriber) {
  return subscriber ? subscriber->core->stream() : nullptr;
}

otc_session *otc_subscriber_get_session(const otc_subscriber *subscriber) {
  return subscriber ? subscriber->core->session() : nullptr;
}

otc_status otc_subscriber_set_preferred_resolution(otc_subscriber *subscriber, uint32_t preferred_width,
                                                   uint32_t preferred_height) {
  if (!subscriber) return OTC_MEDIA_INVALID_PARAMETER;
  return subscriber->core->set_preferred_resolution(preferred_width, preferred_height);
}

otc_status otc_subscriber_get_preferred_resolution(const otc_subscriber *subscriber, uint32_t *preferred_width,
                                                   uint32_t *preferred_height) {
  if (!subscriber || !preferred_width || !preferred_height) return OTC_MEDIA_INVALID_PARAMETER;
  subscriber->core->preferred_resolution(preferred_width, preferred_height);
  return OTC_SUCCESS;
}

otc_status otc_subscriber_set_preferred_framerate(otc_subscriber *subscriber, float preferred_framerate) {
  if (!subscriber) return OTC_MEDIA_INVALID_PARAMETER;
  return subscriber->core->set_preferred_framerate(preferred_framerate);
}

otc_status otc_subscriber_get_preferred_framerate(const otc_subscriber *subscriber, float *preferred_framerate) {
  if (!subscriber || !preferred_framerate) return OTC_MEDIA_INVALID_PARAMETER;
  *preferred_framerate = subscriber->core->preferred_framerate();
  return OTC_SUCCESS;
}

otc_status otc_subscriber_set_audio_volume(otc_subscriber *subscriber, double volume) {
  if (!subscriber) return OTC_MEDIA_INVALID_PARAMETER;
  return subscriber->core->set_audio_volume(volume);
}

otc_status otc_subscriber_get_audio_volume(const otc_subscriber *subscriber, double *volume) {
  if (!subscriber || !volume) return OTC_MEDIA_INVALID_PARAMETER;
  *volume = subscriber->core->audio_volume();
  return OTC_SUCCESS;
}

const char *otc_subscriber_get_subscriber_id(const otc_subscriber *subscriber) {
  return subscriber ? subscriber->core->subscriber_id() : nullptr;
}

void *otc_subscriber_get_user_data(const otc_subscriber *subscriber) {
  return subscriber ? subscriber->core->user_data() : nullptr;
}

otc_status otc_subscriber_get_rtc_stats_report(const otc_subscriber *subscriber) {
  if (!subscriber) return OTC_MEDIA_INVALID_PARAMETER;
  return subscriber->core->request_rtc_stats_report();
}

otc_status otc_subscriber_set_rtc_stats_report_cb(otc_subscriber *subscriber,
                                                  struct otc_subscriber_rtc_stats_report_cb cb) {
  if (!subscriber) return OTC_MEDIA_INVALID_PARAMETER;
  return subscriber->core->set_rtc_stats_report_cb(cb);
}

otc_status otc_subscriber_set_extension_callbacks(otc_subscriber *subscriber,
                                                  const struct otc_subscriber_extension_callbacks *callbacks) {
  if (!subscriber) return OTC_MEDIA_INVALID_PARAMETER;
  return subscriber->core->set_extension_callbacks(callbacks);
}

otc_status otc_subscriber_get_stats(otc_subscriber *subscriber, otc_subscriber_stats *stats) {
  if (!subscriber || !stats) return OTC_MEDIA_INVALID_PARAMETER;
  subscriber->core->stats(stats);
  return OTC_SUCCESS;
}

otc_status otc_subscriber_get_media_check(otc_subscriber *subscriber, otc_media_check *check) {
  if (!subscriber || !check) return OTC_MEDIA_INVALID_PARAMETER;
  *check = subscriber->core->media_check();
  return OTC_SUCCESS;
}

otc_status otc_subscriber_set_verify_only(otc_subscriber *subscriber, otc_bool verify_only) {
  if (!subscriber) return OTC_MEDIA_INVALID_PARAMETER;
  return subscriber->core->set_verify_only(verify_only != OTC_FALSE);
}

otc_bool otc_subscriber_get_verify_only(const otc_subscriber *subscriber) {
  return subscriber && subscriber->core->verify_only() ? OTC_TRUE : OTC_FALSE;
}

otc_status otc_subscriber_get_verify_stats(otc_subscriber *subscriber, struct otc_subscriber_verify_stats *stats) {
  if (!subscriber || !stats) return OTC_MEDIA_INVALID_PARAMETER;
  subscriber->core->verify_stats(stats);
  return OTC_SUCCESS;
}

otc_status otc_subscriber_delete(otc_subscriber *subscriber) {
  if (!subscriber) return OTC_SUCCESS;
  subscriber->core->shutdown();
  delete subscriber;
  return OTC_SUCCESS;
}

}  // extern "C"
