// C API: otc_stream_* getters.
#include "stream.h"

#include <new>

namespace otc {

bool apply_stream_property(const LiveStreamProperties &live, const signaling::ServerEvent &event) {
  switch (event.property) {
    case signaling::StreamProperty::has_audio:
      return live.set_has_audio(event.flag) != event.flag;
    case signaling::StreamProperty::has_video:
      return live.set_has_video(event.flag) != event.flag;
    case signaling::StreamProperty::video_dimensions:
      return live.set_size(event.width, event.height);
    case signaling::StreamProperty::unknown:
      break;
  }
  return false;
}

}  // namespace otc

extern "C" {

const char *otc_stream_get_id(const otc_stream *stream) { return stream ? stream->info.stream_id.c_str() : nullptr; }

const char *otc_stream_get_name(const otc_stream *stream) {
  return stream ? stream->info.name.c_str() : nullptr;
}

otc_bool otc_stream_has_audio(const otc_stream *stream) {
  return stream && stream->live.has_audio() ? OTC_TRUE : OTC_FALSE;
}

otc_bool otc_stream_has_video(const otc_stream *stream) {
  return stream && stream->live.has_video() ? OTC_TRUE : OTC_FALSE;
}

otc_bool otc_stream_is_e2ee(const otc_stream *stream) { return stream && stream->info.e2ee ? OTC_TRUE : OTC_FALSE; }

int64_t otc_stream_get_creation_time(const otc_stream *stream) { return stream ? stream->info.creation_time : 0; }

const otc_connection *otc_stream_get_connection(const otc_stream *stream) {
  return stream ? stream->connection.get() : nullptr;
}

const char *otc_stream_get_video_codec(const otc_stream *stream) {
  return stream ? stream->info.video_codec.c_str() : nullptr;
}

const char *otc_stream_get_audio_codec(const otc_stream *stream) {
  return stream ? stream->info.audio_codec.c_str() : nullptr;
}

otc_stream *otc_stream_copy(const otc_stream *stream) {
  if (!stream) return nullptr;
  return new (std::nothrow) otc_stream(*stream);  // the connection is shared, immutable
}

otc_status otc_stream_delete(otc_stream *stream) {
  if (!stream) return OTC_INVALID_PARAM;
  delete stream;
  return OTC_SUCCESS;
}

// A publisher announces its codec for each track it has ("" without the track; node-otc's
// publishers, the Node API's and the browser client's, all do), while hasAudio / hasVideo follow
// its publish audio / video toggles.
otc_bool otc_stream_has_video_track(const otc_stream *stream) {
  return stream && (!stream->info.video_codec.empty() || stream->live.has_video()) ? OTC_TRUE : OTC_FALSE;
}

otc_bool otc_stream_has_audio_track(const otc_stream *stream) {
  return stream && (!stream->info.audio_codec.empty() || stream->live.has_audio()) ? OTC_TRUE : OTC_FALSE;
}

int otc_stream_get_video_width(const otc_stream *stream) {
  int width = 0, height = 0;
  if (stream) stream->live.size(width, height);
  return width;
}

int otc_stream_get_video_height(const otc_stream *stream) {
  int width = 0, height = 0;
  if (stream) stream->live.size(width, height);
  return height;
}

enum otc_stream_video_type otc_stream_get_video_type(const otc_stream *stream) {
  if (stream && stream->info.video_type == "screen") return OTC_STREAM_VIDEO_TYPE_SCREEN;
  if (stream && stream->info.video_type == "custom") return OTC_STREAM_VIDEO_TYPE_CUSTOM;
  return OTC_STREAM_VIDEO_TYPE_CAMERA;
}

const char *otc_stream_get_destroyed_reason(const otc_stream *stream) { return stream ? stream->destroyed.reason : nullptr; }

otc_status otc_stream_get_destroyed_code(const otc_stream *stream) {
  return stream ? stream->destroyed.code : OTC_SESSION_NULL_OR_INVALID_PARAMETER;
}

}  // extern "C"
