// One peer connection of a publisher (sending) or a subscriber (receiving), negotiated through
// the session server: offer/answer as SDP text, trickled ICE candidates, transport statistics
// polled once a second.
//
// Threads: every libwebrtc callback, and all negotiation state, live on the engine's signaling
// thread; the public functions may be called from any other thread and post there. Listener
// functions run on the signaling thread and must not block. After Close() returns no listener
// function runs again. Tasks and observers hold the link weakly: the owner's reference is the
// one that matters, and the owner must drop it (after Close()) before it lets go of the engine.
#pragma once

#include "webrtc_build_guard.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <api/peer_connection_interface.h>
#include <api/scoped_refptr.h>

#include "ice_settings.h"
#include "media_engine.h"

namespace otc::rtc {

class MediaEngine;

// Transport figures of one peer connection, from its last stats report.
struct PeerTransportStats {
  bool valid = false;
  uint64_t video_bytes_sent = 0, audio_bytes_sent = 0;
  uint64_t video_bytes_received = 0, audio_bytes_received = 0;
  double video_send_bps = 0, audio_send_bps = 0, video_receive_bps = 0, audio_receive_bps = 0;
  uint64_t frames_encoded = 0, frames_decoded = 0, frames_dropped = 0;
  double fps = 0;  // encoded (sending) or decoded (receiving) frames per second
  int width = 0, height = 0;
  double rtt_ms = -1;
  int64_t packets_lost = 0;
  double jitter_buffer_delay_ms = 0;
  // Sending side: packets sent, packets the far end reports lost, and the captured audio's level
  // (0..1, -1 unknown).
  uint64_t video_packets_sent = 0, audio_packets_sent = 0;
  int64_t video_packets_lost_remote = 0, audio_packets_lost_remote = 0;
  double audio_source_level = -1;
  // The selected candidate pair's ends: "host", "srflx", "prflx" or "relay" ("" before one is
  // selected), and for a relay local candidate how it reaches its TURN server ("udp", "tcp", "tls").
  std::string local_candidate_type, remote_candidate_type, relay_protocol;
};

class PeerLink : public webrtc::PeerConnectionObserver,
                 public std::enable_shared_from_this<PeerLink> {
 public:
  struct Listener {
    // A local ICE candidate to send to the other end.
    std::function<void(const std::string &mid, int mline_index, const std::string &candidate)> on_candidate;
    std::function<void(webrtc::PeerConnectionInterface::PeerConnectionState)> on_state;
    // A receiving transceiver appeared (attach transformers and sinks here: before any frame).
    std::function<void(::rtc::scoped_refptr<webrtc::RtpTransceiverInterface>)> on_track;
    // Negotiation failed (message says which step); the link is not usable afterwards.
    std::function<void(const std::string &message)> on_failure;
    // ICE failed, or no candidate pair connected within IceSettings::connect_timeout: message
    // starts "ICE failed: " and says what was gathered. At most once; on_state then reports no
    // kFailed for it.
    std::function<void(const std::string &message)> on_ice_failure;
    // The offering end of a relayed peer sets this: when a path that had connected is lost (ICE
    // disconnected for kIceRestartAfterMs, or failed) the link restarts ICE itself, up to
    // kMaxIceRestarts times kIceRestartRetryMs apart, and hands over each new offer to send (its
    // answer goes to AcceptAnswer). Without it (the answering end) a lost path gets
    // kIceLostGraceMs for the other end's restart. Either end then reports on_ice_failure.
    std::function<void(const std::string &sdp)> on_ice_restart_offer;
    // The answering end of a peer whose offerer does not restart by itself (a media router) sets
    // this: on a lost path it asks for a restart the same way (kIceRestartAfterMs, then up to
    // kMaxIceRestarts times kIceRestartRetryMs apart); the new offer comes to AcceptOffer.
    std::function<void()> on_ice_restart_wanted;
    // Whether a restart's offer or request can reach the other end now (the session's signaling
    // is connected). While it cannot, no restart is made or counted: an offer that waits for the
    // signaling while the old path comes back by itself only churns ICE generations (and M108's
    // TurnPort aborts when two generations' connections to one address both die). Unset: always.
    std::function<bool()> signaling_up;
    // Each periodic statistics report (about once a second), on the signaling thread: must not
    // block (hand work to another thread).
    std::function<void(const ::rtc::scoped_refptr<const webrtc::RTCStatsReport> &)> on_stats;
  };
  static constexpr int64_t kIceRestartAfterMs = 4000;
  static constexpr int64_t kIceRestartRetryMs = 8000;
  static constexpr int kMaxIceRestarts = 6;
  static constexpr int64_t kSignalingWaitCheckMs = 2000;
  static constexpr int64_t kIceLostGraceMs = kIceRestartAfterMs + kMaxIceRestarts * kIceRestartRetryMs + 5000;
  using SdpHandler = std::function<void(const std::string &sdp)>;

  // Null (after logging why) when libwebrtc refuses.
  static std::shared_ptr<PeerLink> Create(MediaEngine &engine, std::string label, Listener listener,
                                          const IceSettings &ice = {});

  // What a remote end (a server relaying it) can make a link hold: descriptions, candidates.
  static constexpr size_t kMaxSdpBytes = 256 * 1024;
  static constexpr size_t kMaxCandidateBytes = 1024;
  static constexpr size_t kMaxRemoteCandidates = 128;  // queued and applied, per connection
  ~PeerLink() override;

  // The connection, to add transceivers before MakeOffer (any thread; proxy calls).
  webrtc::PeerConnectionInterface *connection() const { return pc_.get(); }
  const std::string &label() const { return label_; }

  // Sender: creates and sets the offer; done(sdp) on the signaling thread.
  void MakeOffer(SdpHandler done);
  // Which end of DTLS an answer takes. kPassive when the offerer is a media router: Janus starts
  // DTLS itself once its ICE is up, where a ClientHello of ours sent earlier is dropped and only
  // retransmitted after 1 s (measured: subscriber join 1.05 s instead of ~0.1 s).
  enum class AnswerDtlsRole { kActive, kPassive };
  // Receiver: applies the offer, creates and sets the answer; done(sdp). One offer is answered at
  // a time: offers that arrive meanwhile wait, and only the newest of them is answered (the
  // offerer's restarts queued behind a signaling outage arrive in a burst; interleaving their
  // answers would set an answer in the stable state and fail the link).
  void AcceptOffer(const std::string &sdp, SdpHandler done, AnswerDtlsRole role = AnswerDtlsRole::kActive);
  // Sender: applies the answer. One that arrives with no offer of ours outstanding answers an
  // offer superseded by a later restart, already answered: ignored.
  void AcceptAnswer(const std::string &sdp);
  // Queued until the remote description is in place.
  void AddRemoteCandidate(const std::string &mid, int mline_index, const std::string &candidate);

  // The codec names the remote description maps RTP payload types to (video m-lines).
  std::vector<std::pair<uint8_t, std::string>> RemoteVideoPayloadTypes() const;

  PeerTransportStats stats() const;
  // Asks libwebrtc for a fresh statistics report; done(report) runs on the signaling thread
  // (never, once the link is closed). Does not wait.
  using ReportHandler = std::function<void(const ::rtc::scoped_refptr<const webrtc::RTCStatsReport> &)>;
  void RequestStatsReport(ReportHandler done);

  // Closes the connection; idempotent. Blocks until the signaling thread has run every task
  // posted before it.
  void Close();
  bool closed() const { return closed_.load(); }
  // ICE restarts this link made (the offering end) since it was created.
  int ice_restarts() const { return ice_restarts_.load(); }

  // webrtc::PeerConnectionObserver (signaling thread)
  void OnSignalingChange(webrtc::PeerConnectionInterface::SignalingState) override {}
  void OnDataChannel(::rtc::scoped_refptr<webrtc::DataChannelInterface>) override {}
  void OnIceGatheringChange(webrtc::PeerConnectionInterface::IceGatheringState) override {}
  void OnIceCandidate(const webrtc::IceCandidateInterface *candidate) override;
  void OnConnectionChange(webrtc::PeerConnectionInterface::PeerConnectionState state) override;
  void OnStandardizedIceConnectionChange(webrtc::PeerConnectionInterface::IceConnectionState state) override;
  void OnIceCandidateError(const std::string &address, int port, const std::string &url, int error_code,
                           const std::string &error_text) override;
  void OnTrack(::rtc::scoped_refptr<webrtc::RtpTransceiverInterface> transceiver) override;

 private:
  static std::unique_ptr<webrtc::SessionDescriptionInterface> WithPassiveDtls(
      const webrtc::SessionDescriptionInterface &answer);
  PeerLink(MediaEngine &engine, std::string label, Listener listener);
  void Fail(const std::string &message);
  void SetLocal(webrtc::SdpType type, std::unique_ptr<webrtc::SessionDescriptionInterface> desc,
                SdpHandler done);
  void SetRemote(webrtc::SdpType type, const std::string &sdp, std::function<void()> then);
  // Signaling thread: answers one offer, then the newest one that waited meanwhile.
  void AnswerOffer(std::string sdp, SdpHandler done, AnswerDtlsRole role);
  void AnswerDone();
  void FlushCandidates();
  // Whether a remote offer changes the ICE credentials of the remote description in place.
  bool IsIceRestart(const webrtc::SessionDescriptionInterface &offer) const;
  // Removes the remote candidates applied so far, before an ICE restart on either end.
  void ForgetRemoteCandidates();
  void PollStats();
  // The ICE bound ran out (or ICE failed): reports once unless connected meanwhile.
  void IceGiveUp(bool timed_out);
  // A connected path was lost (ice_lost_): restarts ICE, or gives up, unless it came back.
  void OnIceLostCheck(uint64_t epoch);
  void RestartIce();
  std::string IceSummary() const;
  void OnStatsReport(const ::rtc::scoped_refptr<const webrtc::RTCStatsReport> &report);

  // Declared first, released last: the engine's threads outlive everything below.
  const MediaEngine::PeerHold hold_;
  ::rtc::Thread *const signaling_thread_;
  const std::string label_;
  const Listener listener_;
  ::rtc::scoped_refptr<webrtc::PeerConnectionInterface> pc_;
  std::atomic<bool> closed_{false};
  std::atomic<int> ice_restarts_{0};

  // Signaling thread only.
  bool has_remote_ = false;
  bool answering_ = false;
  struct WaitingOffer {
    std::string sdp;
    SdpHandler done;
    AnswerDtlsRole role;
  };
  std::optional<WaitingOffer> waiting_offer_;
  struct PendingCandidate {
    std::string mid;
    int mline_index;
    std::string sdp;
    bool from_offer;  // taken out of a restart offer, not trickled
  };
  std::vector<PendingCandidate> pending_candidates_;
  size_t remote_candidates_ = 0;  // taken in, queued or applied (kMaxRemoteCandidates)
  size_t remote_candidates_dropped_ = 0;
  bool ice_connected_ = false;    // some candidate pair connected once
  bool ice_failure_reported_ = false;
  bool ice_lost_ = false;         // connected once, now disconnected or failed
  uint64_t ice_lost_epoch_ = 0;   // bumped at each loss and recovery: stale checks do nothing
  int64_t ice_lost_since_us_ = 0;
  bool relay_only_ = false;
  int64_t ice_timeout_ms_ = 0;
  int local_host_ = 0, local_srflx_ = 0, local_relay_ = 0, local_other_ = 0;
  int turn_errors_ = 0;
  std::string last_turn_error_;
  int64_t last_stats_us_ = 0;

  mutable std::mutex stats_mutex_;
  PeerTransportStats stats_;
};

}  // namespace otc::rtc
