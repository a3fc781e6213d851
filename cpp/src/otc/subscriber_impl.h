// The object behind otc_subscriber: one receiving peer connection to the stream's publisher
// (relayed sessions: the publisher offers once the server tells it about the subscription), the
// receivers' frame transformers opening frames with the session's keys, and the sinks (media
// check, render and audio callbacks).
//
// Threads as in publisher_impl.h: application callbacks other than frames and audio run on the
// session link's io thread; mutex_ is never held while calling the application, the link's
// blocking functions or libwebrtc.
#pragma once

#include <otc/subscriber.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "../rtc/webrtc_build_guard.h"

#include <api/media_stream_interface.h>
#include <api/peer_connection_interface.h>
#include <api/rtp_transceiver_interface.h>
#include <api/stats/rtc_stats_report.h>

#include "../media/media_check.h"
#include "../media/verify_counter.h"
#include "../rtc/e2ee_frame_transformer.h"
#include "../rtc/subscriber_sinks.h"
#include "../signaling/messages.h"
#include "../signaling/signaling_client.h"
#include "end_reason.h"
#include "media_endpoint.h"
#include "stream.h"

namespace otc {
namespace e2ee {
class FrameOpener;
}
namespace rtc {
class MediaEngine;
class PeerLink;
}  // namespace rtc
class SessionLink;

class SubscriberCore final : public MediaEndpoint, public std::enable_shared_from_this<SubscriberCore> {
 public:
  SubscriberCore(otc_subscriber *handle, const otc_subscriber_callbacks &callbacks, otc_stream stream);

  // The SDK's getters and settings (opentok/subscriber.h).
  otc_stream *stream() const { return const_cast<otc_stream *>(&stream_); }
  otc_session *session() const;
  const char *subscriber_id() const { return subscriber_id_.c_str(); }
  void *user_data() const { return callbacks_.user_data; }
  bool subscribe_to_audio() const { return receive_audio_.load(); }
  bool subscribe_to_video() const { return receive_video_.load(); }
  otc_status set_extension_callbacks(const otc_subscriber_extension_callbacks *callbacks);
  otc_status set_preferred_resolution(uint32_t width, uint32_t height);
  void preferred_resolution(uint32_t *width, uint32_t *height) const;
  otc_status set_preferred_framerate(float fps);
  float preferred_framerate() const;
  otc_status set_rtc_stats_report_cb(const otc_subscriber_rtc_stats_report_cb &cb);
  otc_status request_rtc_stats_report();
  ~SubscriberCore() override;

  otc_status subscribe(otc_session *session);
  otc_status unsubscribe(otc_session *session);
  void shutdown() override;
  PeerEnd peer_end() const override { return PeerEnd::subscriber; }

  const char *stream_id() const { return stream_.info.stream_id.c_str(); }
  // Why the last on_disconnected came (end_reason.h); reason null before it.
  EndReason disconnect_reason() const;
  otc_status set_subscribe_to_audio(bool enabled);
  // The SDK's audio volume: 0 (silent) .. 100 (as received, the default); others are clamped,
  // NaN refused. Applied to the receiver (what is played out) and to on_audio_data.
  otc_status set_audio_volume(double volume);
  double audio_volume() const { return volume_.load(); }
  otc_status set_subscribe_to_video(bool enabled);
  void stats(otc_subscriber_stats *out);
  // Verify-only (otc/subscriber.h): frames opened and counted, never decoded.
  otc_status set_verify_only(bool verify_only);
  bool verify_only() const { return verify_only_.load(); }
  void verify_stats(otc_subscriber_verify_stats *out) const;
  // The media check; from the verify counts while verify-only.
  otc_media_check media_check() const;

  void on_session_event(const signaling::ServerEvent &event) override;
  void on_stream_property(const signaling::ServerEvent &event);
  void on_session_gone() override;

 private:
  enum class State { idle, subscribing, connecting, connected };
  struct Media {
    std::shared_ptr<rtc::PeerLink> link;
    ::rtc::scoped_refptr<rtc::E2eeFrameTransformer> video_opener, audio_opener;
    ::rtc::scoped_refptr<webrtc::VideoTrackInterface> video_track;
    ::rtc::scoped_refptr<webrtc::AudioTrackInterface> audio_track;
    ::rtc::scoped_refptr<webrtc::RtpReceiverInterface> video_receiver, audio_receiver;
    std::shared_ptr<rtc::MediaEngine> engine;  // released last
  };

  void on_subscribe_reply(uint64_t attempt, const signaling::Reply &reply);
  // from_router: a routed subscription (the offer comes from the media router).
  void add_remote_candidate(const signaling::CandidateInfo &candidate);
  void on_offer(const std::string &peer_id, const std::string &sdp, bool from_router);
  void on_track(::rtc::scoped_refptr<webrtc::RtpTransceiverInterface> transceiver);
  void on_peer_state(webrtc::PeerConnectionInterface::PeerConnectionState state);
  void on_e2ee_event(otc_e2ee_event event);
  static void request_key_frame(const ::rtc::scoped_refptr<webrtc::VideoTrackInterface> &track,
                                const std::shared_ptr<rtc::MediaEngine> &engine);
  // Signaling thread, about once a second: turns the report into the SDK's stats callbacks,
  // delivered on the session's io thread.
  void on_stats_report(const ::rtc::scoped_refptr<const webrtc::RTCStatsReport> &report);
  // Decoding thread: the first frame of a subscription (on_video_data_received).
  void on_video_frame();
  // The router lost this subscription's peer and is back (peerClosed routerRestarted): the peer
  // connection is dropped and the router's next offer for the same peerId makes a new one; the
  // application sees no new subscriber. At most kMaxRouterRestarts times a minute.
  void on_router_restarted(const std::string &message);
  // The offering end (the publisher, or the router asked by this end) offers again on the same
  // connection (an ICE restart): answer it.
  void on_renegotiation_offer(const std::string &peer_id, const std::string &sdp, bool from_router);
  // No offer came within the ICE bound after the server accepted the subscription (a publisher
  // that refused it, or is gone without the server noticing): ends it with 1542.
  void on_offer_timeout(uint64_t attempt, int64_t timeout_ms);
  // Ends the subscription (stream gone, peer closed, unsubscribe, session gone); reports
  // on_disconnected when it had started.
  // why: what disconnect_reason() says from now on.
  void end(bool notify_server, bool report, EndReason why);
  Media take_media_locked();
  void stop_media(Media media);
  void fold_counters_locked();
  void post_callback(std::function<void()> fn);
  void report_error(otc_status status, const std::string &message);
  // OTC_MEDIA_CHECK_REPORT (media_report.h): the line of a subscription that just ended.
  void append_media_report(const char *end_reason);
  // Audio and video as the sinks saw them, for that line; updated on the media threads.
  void count_audio(const int16_t *samples, size_t per_channel, int channels);
  // On the signaling thread (the remote track's source checks it).
  void apply_volume(const ::rtc::scoped_refptr<webrtc::AudioTrackInterface> &track);

  otc_subscriber *const handle_;
  const otc_subscriber_callbacks callbacks_;
  // Set only while idle; under mutex_, except the audio callback, which the audio sink reads on
  // every block (atomic: the sink may still run a moment after the subscription ended).
  otc_subscriber_extension_callbacks extension_{};
  std::atomic<decltype(otc_subscriber_extension_callbacks::on_audio_data)> on_audio_data_{nullptr};
  const otc_stream stream_;
  const std::string subscriber_id_;
  std::atomic<bool> first_frame_pending_{false};
  std::atomic<bool> deleted_{false};
  std::atomic<bool> receive_audio_{true}, receive_video_{true};
  std::atomic<double> volume_{100};
  media::MediaCheck check_;
  std::atomic<bool> verify_only_{false};
  // Per kind, over the whole subscription (every peer connection it had): the receivers'
  // transformers count into them.
  const std::shared_ptr<media::VerifyCounter> verify_video_ = std::make_shared<media::VerifyCounter>();
  const std::shared_ptr<media::VerifyCounter> verify_audio_ = std::make_shared<media::VerifyCounter>();
  std::atomic<int> last_width_{0}, last_height_{0};
  std::atomic<uint64_t> audio_blocks_{0}, audio_samples_{0}, audio_loud_blocks_{0};
  std::atomic<int> audio_peak_{0};
  rtc::SubscriberVideoSink video_sink_;
  rtc::SubscriberAudioSink audio_sink_;

  mutable std::mutex mutex_;
  State state_ = State::idle;
  EndReason disconnect_reason_;
  uint64_t attempt_ = 0;
  SessionLink *link_ = nullptr;
  otc_session *session_ = nullptr;  // while subscribed
  uint32_t preferred_width_ = 0, preferred_height_ = 0;
  float preferred_framerate_ = 0;
  otc_subscriber_rtc_stats_report_cb rtc_stats_cb_{};
  std::string peer_id_;
  std::shared_ptr<e2ee::FrameOpener> opener_;  // null: the stream is not end-to-end encrypted
  Media media_;
  rtc::E2eeFrameTransformer::Counters closed_video_, closed_audio_;
  uint64_t closed_mismatch_episodes_ = 0;
  // on_connected was reported: a peer connection made again after routerRestarted does not repeat it.
  bool reported_connected_ = false;
  static constexpr size_t kMaxRouterRestarts = 5;
  std::deque<std::chrono::steady_clock::time_point> router_restarts_;
};

}  // namespace otc

struct otc_subscriber {
  std::shared_ptr<otc::SubscriberCore> core;
};
