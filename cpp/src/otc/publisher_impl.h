// The object behind otc_publisher: its media (a video source and track, an audio track), one
// sending peer connection per subscriber (relayed sessions: the server tells the publisher who
// joined), and every sender's frame transformer sealing frames with the session's keys.
//
// Threads: API calls come from any application thread; negotiation events and every
// application callback run on the session link's io thread; peer connection events run on the
// engine's signaling thread and hop to the io thread. mutex_ is never held while calling the
// application or the link's blocking functions.
#pragma once

#include <otc/publisher.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <condition_variable>
#include <thread>
#include <string>

#include "../rtc/webrtc_build_guard.h"

#include <api/media_stream_interface.h>

#include "../rtc/e2ee_frame_transformer.h"
#include "../rtc/encoded_audio_injector.h"
#include "../rtc/video_sources.h"
#include "../signaling/signaling_client.h"
#include "media_endpoint.h"

namespace otc {
namespace e2ee {
class FrameSealer;
class KeyRing;
}  // namespace e2ee
namespace media {
class EncodedMediaReader;
}  // namespace media
namespace rtc {
class MediaEngine;
class CapturerVideoSource;
class PeerLink;
class PublisherVideoSource;
}  // namespace rtc
class SessionLink;

struct PublisherSettings {
  std::string name;
  bool audio = true;
  bool video = true;
  bool stereo = false;
  bool opus_dtx = false, scalable_screenshare = false;
  int camera_resolution = OTC_CAMERA_CAPTURE_RESOLUTION_MEDIUM;
  // Audio processing; unset: libwebrtc's defaults.
  std::optional<bool> auto_gain_control, noise_suppression, echo_cancellation;
  otc_video_codec_type codec = OTC_VIDEO_CODEC_VP8;
  otc_video_source source = OTC_VIDEO_SOURCE_DEFAULT;
  bool has_capturer = false;  // the application's capturer, instead of source
  otc_video_capturer_callbacks capturer{};
  int width = OTC_TEST_PATTERN_DEFAULT_WIDTH;
  int height = OTC_TEST_PATTERN_DEFAULT_HEIGHT;
  int fps = OTC_TEST_PATTERN_DEFAULT_FPS;
  int max_subscribers = OTC_PUBLISHER_DEFAULT_MAX_SUBSCRIBERS;
  // Pre-encoded media (otc_publisher_settings_set_encoded_media); empty: none.
  std::string video_file, audio_file;
  int encoded_fps = 30;  // raw H.264's frame rate
};

class PublisherCore final : public MediaEndpoint, public std::enable_shared_from_this<PublisherCore> {
 public:
  PublisherCore(otc_publisher *handle, const otc_publisher_callbacks &callbacks, PublisherSettings settings);
  ~PublisherCore() override;

  // The application's capturer: init, get_capture_settings, start (once, after construction).
  void start_capturer(otc_video_capturer *capturer);
  // stop and destroy, after shutdown; never with a lock held that provide_frame takes.
  void end_capturer(otc_video_capturer *capturer);

  otc_status publish(otc_session *session);
  otc_status unpublish(otc_session *session);
  // Unpublishes, closes everything, and makes sure no callback runs afterwards (delete).
  void shutdown() override;
  PeerEnd peer_end() const override { return PeerEnd::publisher; }
  std::shared_ptr<otc_stream> own_stream(const std::string &stream_id) override;

  otc_status push_video_frame(otc_video_frame_format format, int width, int height, const uint8_t *data,
                              size_t size);
  otc_status set_publish_audio(bool enabled);
  // otc_publisher_set_mute_forced_callback: read when a moderator's mute arrives (io thread).
  void set_mute_forced_callback(otc_publisher_mute_forced_cb callback) { on_mute_forced_.store(callback); }
  otc_status set_publish_video(bool enabled);
  bool publish_audio() const { return publish_audio_.load(); }
  bool publish_video() const { return publish_video_.load(); }
  void stats(otc_publisher_stats *out);
  const char *stream_id();
  otc_stream *stream();
  otc_session *session() const;
  otc_status set_max_audio_bitrate(uint32_t bitrate);
  void set_audio_fallback(bool enabled) { audio_fallback_ = enabled; }
  bool audio_fallback() const { return audio_fallback_.load(); }
  void set_video_type(otc_publisher_video_type type) {
    video_type_ = type;
    video_type_set_ = true;
  }
  otc_publisher_video_type video_type() const { return video_type_.load(); }
  void *user_data() const { return callbacks_.user_data; }
  const char *name() const { return settings_.name.c_str(); }
  const char *publisher_id() const { return publisher_id_.c_str(); }

  void on_session_event(const signaling::ServerEvent &event) override;
  void on_session_gone() override;

 private:
  struct Peer {
    std::shared_ptr<rtc::PeerLink> link;
    double opened_ms = 0;  // since the epoch
    ::rtc::scoped_refptr<rtc::E2eeFrameTransformer> video_sealer, audio_sealer;
    ::rtc::scoped_refptr<rtc::EncodedAudioInjector> audio_injector;  // an Ogg Opus file's
  };
  enum class State { idle, publishing, published };

  void on_publish_reply(uint64_t attempt, const signaling::Reply &reply);
  // A moderator muted stream_id (muteForced): audio off as set_publish_audio(false), then the callback.
  void on_mute_forced(const std::string &stream_id);
  // The server ended this publisher's stream (a moderator's forceUnpublish): the media stops, the
  // application hears on_stream_destroyed with the reason, and the publisher may publish again.
  void on_stream_ended_by_server(const std::string &stream_id, const std::string &reason);
  // One send-only peer connection for peer_id: a subscriber's (relayed) or the router's (routed).
  void open_peer(const std::string &peer_id);
  void on_peer_failed(const std::string &peer_id, const std::string &message);
  // The router lost the stream's peer and is back (peerClosed routerRestarted): a new peer
  // connection offers the same stream, at most kMaxRouterRestarts times a minute.
  void on_router_restarted(const std::string &peer_id, const std::string &message);
  void close_peer(const std::string &peer_id);
  bool is_router_peer(const std::string &peer_id) const;
  // Takes everything the publisher runs out of the object (mutex_ held); the caller stops it
  // outside the lock with stop_media.
  struct Media {
    std::map<std::string, Peer> peers;
    // Routed: the sealers of the stream's peer to the router, kept when that peer is made again
    // (routerRestarted) so that its KIDs' counters go on instead of starting over.
    std::shared_ptr<e2ee::FrameSealer> router_video_frames, router_audio_frames;
    ::rtc::scoped_refptr<rtc::PublisherVideoSource> source;
    ::rtc::scoped_refptr<webrtc::VideoTrackInterface> video_track;
    ::rtc::scoped_refptr<webrtc::AudioTrackInterface> audio_track;
    // An Ogg Opus file: each sender's injector reads a clone of it.
    std::shared_ptr<const media::EncodedMediaReader> audio_file;
    std::shared_ptr<rtc::MediaEngine> engine;  // released last
  };
  Media take_media_locked();
  // What a publication held when it ended (unpublished, stopped by the server, its session gone,
  // the publisher deleted); end_publication_locked (mutex_ held) makes the publisher idle, ready
  // to publish again, and hands it over.
  struct Publication {
    SessionLink *link = nullptr;
    std::string stream_id;
    std::shared_ptr<otc_stream> stream;  // null unless the stream had been created
    Media media;
  };
  Publication end_publication_locked();
  void stop_media(Media media);
  void fold_counters_locked(const Peer &peer);
  // OTC_MEDIA_CHECK_REPORT (media_report.h): the line of a publication that is ending, from
  // the stats taken just before its media stops. Empty path: nothing to write.
  struct EndingReport {
    std::string path;
    otc_publisher_stats stats{};
  };
  EndingReport begin_media_report();
  void append_media_report(const EndingReport &report, const std::string &stream_id, const char *end_reason);
  void report_error(otc_status status, const std::string &message);
  void render(const otc_video_frame &frame);  // on_render_frame
  // Stream properties (streamProperty): the toggles as the session server knows them, sent
  // when they differ from publish_audio_ / publish_video_ (mutex_ held; published only).
  void sync_toggles_locked();
  // Every captured frame's size: announced once frames of a new size have come for
  // kSizeSettle (a source that flips sizes costs one request per settle, not one per frame).
  void note_video_size(int width, int height);
  static constexpr std::chrono::milliseconds kSizeSettle{500};
  // The camera stopped while capturing (unplugged, silent): on_error, from the io thread.
  void on_camera_failed(const std::string &why);
  // The SDK's periodic callbacks (audio level, audio and video stats): a thread of their own,
  // started at the first publish when the application set one of them, joined at shutdown.
  void start_stats_ticker();
  void stop_stats_ticker();
  void report_periodic_stats();
  // The video source publish starts: the capturer's, a pushed one, or the default
  // (OTC_VIDEO_CAPTURER); null with problem set when there is none.
  ::rtc::scoped_refptr<rtc::PublisherVideoSource> make_video_source(std::string &problem);
  void apply_audio_bitrate(const std::shared_ptr<rtc::PeerLink> &link);
  void report_stream_destroyed(const std::shared_ptr<otc_stream> &stream);

  otc_publisher *const handle_;
  const otc_publisher_callbacks callbacks_;
  const PublisherSettings settings_;
  std::atomic<bool> deleted_{false};
  std::atomic<bool> publish_audio_{true}, publish_video_{true};
  std::atomic<otc_publisher_mute_forced_cb> on_mute_forced_{nullptr};
  std::atomic<bool> audio_fallback_{false};
  std::atomic<bool> video_type_set_{false};
  std::atomic<otc_publisher_video_type> video_type_{OTC_PUBLISHER_VIDEO_TYPE_CAMERA};
  std::atomic<uint32_t> max_audio_bitrate_{0};  // 0: libwebrtc's choice
  // note_video_size: the size frames have now (packed width << 16 | height), since when, and
  // the size the server was told (0: none yet).
  std::atomic<uint32_t> seen_size_{0}, announced_size_{0};
  std::atomic<int64_t> seen_since_ms_{0};
  const std::string publisher_id_;
  // The application's capturer: its source lives as long as the publisher.
  ::rtc::scoped_refptr<rtc::CapturerVideoSource> capturer_source_;
  bool capturer_inited_ = false, capturer_started_ = false;
  std::string capturer_problem_;  // init or start failed
  std::mutex ticker_mutex_;
  std::condition_variable ticker_wake_;
  bool ticker_stop_ = false;
  std::thread ticker_;

  mutable std::mutex mutex_;
  State state_ = State::idle;
  uint64_t attempt_ = 0;
  SessionLink *link_ = nullptr;
  otc_session *session_ = nullptr;
  std::shared_ptr<e2ee::KeyRing> ring_;  // null: frames go out unsealed (session without secret)
  bool e2ee_ = false;
  std::string stream_id_;
  std::string router_peer_id_;  // routed session: the one peer, to the media router
  std::shared_ptr<otc_stream> stream_;
  bool announced_audio_ = false, announced_video_ = false;  // what the server was told last
  Media media_;
  // Counters of peers already closed, so stats cover the publisher's whole life.
  rtc::E2eeFrameTransformer::Counters closed_video_, closed_audio_;
  uint64_t subscribers_refused_ = 0;
  static constexpr size_t kMaxRouterRestarts = 5;
  std::deque<std::chrono::steady_clock::time_point> router_restarts_;
};

}  // namespace otc

struct otc_publisher_settings {
  otc::PublisherSettings values;
};

// The library's side of an application capturer. Lives until its destroy callback returned, so
// provide_frame may run on the application's thread until then.
struct otc_video_capturer {
  otc_video_capturer_callbacks callbacks{};
  ::rtc::scoped_refptr<otc::rtc::CapturerVideoSource> source;
  std::atomic<bool> ended{false};  // stop ran: frames are dropped
  std::atomic<int> content_hint{OTC_VIDEO_CAPTURER_CONTENT_HINT_TYPE_NONE};
};

struct otc_publisher {
  std::shared_ptr<otc::PublisherCore> core;
  std::unique_ptr<otc_video_capturer> capturer;  // with an application capturer
};
