#include "peer_link.h"

#include <cstdio>
#include <utility>

#include <api/jsep.h>
#include <api/make_ref_counted.h>
#include <api/set_local_description_observer_interface.h>
#include <api/set_remote_description_observer_interface.h>
#include <api/stats/rtc_stats_collector_callback.h>
#include <api/stats/rtcstats_objects.h>
#include <api/units/time_delta.h>
#include <p2p/base/p2p_constants.h>
#include <pc/session_description.h>
#include <rtc_base/time_utils.h>

#include "../base/log.h"
#include "media_engine.h"
#include "sdp_candidate_lines.h"

namespace otc::rtc {
namespace {

constexpr int kStatsIntervalMs = 1000;

// libwebrtc's observers are ref-counted objects of their own; these forward to a function.
class CreateObserver : public webrtc::CreateSessionDescriptionObserver {
 public:
  using Done = std::function<void(std::unique_ptr<webrtc::SessionDescriptionInterface>, const std::string &error)>;
  explicit CreateObserver(Done done) : done_(std::move(done)) {}
  void OnSuccess(webrtc::SessionDescriptionInterface *desc) override {
    done_(std::unique_ptr<webrtc::SessionDescriptionInterface>(desc), "");
  }
  void OnFailure(webrtc::RTCError error) override { done_(nullptr, error.message()); }

 private:
  Done done_;
};

class SetLocalObserver : public webrtc::SetLocalDescriptionObserverInterface {
 public:
  explicit SetLocalObserver(std::function<void(webrtc::RTCError)> done) : done_(std::move(done)) {}
  void OnSetLocalDescriptionComplete(webrtc::RTCError error) override { done_(std::move(error)); }

 private:
  std::function<void(webrtc::RTCError)> done_;
};

class SetRemoteObserver : public webrtc::SetRemoteDescriptionObserverInterface {
 public:
  explicit SetRemoteObserver(std::function<void(webrtc::RTCError)> done) : done_(std::move(done)) {}
  void OnSetRemoteDescriptionComplete(webrtc::RTCError error) override { done_(std::move(error)); }

 private:
  std::function<void(webrtc::RTCError)> done_;
};

class StatsObserver : public webrtc::RTCStatsCollectorCallback {
 public:
  using Done = std::function<void(const ::rtc::scoped_refptr<const webrtc::RTCStatsReport> &)>;
  explicit StatsObserver(Done done) : done_(std::move(done)) {}
  void OnStatsDelivered(const ::rtc::scoped_refptr<const webrtc::RTCStatsReport> &report) override {
    done_(report);
  }

 private:
  Done done_;
};

template <typename T>
T value_or(const webrtc::RTCStatsMember<T> &member, T fallback) {
  return member.is_defined() ? *member : fallback;
}

}  // namespace

std::shared_ptr<PeerLink> PeerLink::Create(MediaEngine &engine, std::string label, Listener listener,
                                           const IceSettings &ice) {
  std::shared_ptr<PeerLink> link(new PeerLink(engine, std::move(label), std::move(listener)));
  webrtc::PeerConnectionInterface::RTCConfiguration config;
  config.sdp_semantics = webrtc::SdpSemantics::kUnifiedPlan;
  // Without ICE servers: host candidates only (loopback and LAN calls).
  for (const auto &server : ice.servers) {
    webrtc::PeerConnectionInterface::IceServer entry;
    entry.urls = server.urls;
    entry.username = server.username;
    entry.password = server.credential;
    config.servers.push_back(std::move(entry));
  }
  if (ice.relay_only) config.type = webrtc::PeerConnectionInterface::kRelay;
  // One transport for audio and video from the start, and no TCP host candidates: what a peer
  // connection holds open (sockets) stays small, which bounds what a flood of subscribers costs.
  config.bundle_policy = webrtc::PeerConnectionInterface::kBundlePolicyMaxBundle;
  config.tcp_candidate_policy = webrtc::PeerConnectionInterface::kTcpCandidatePolicyDisabled;
  link->relay_only_ = ice.relay_only;
  link->ice_timeout_ms_ = ice.connect_timeout.count();
  auto pc = engine.CreatePeerConnection(config, webrtc::PeerConnectionDependencies(link.get()), ice.loopback_candidates);
  // libwebrtc keeps its own copies of the credentials; ours go now.
  for (auto &entry : config.servers) {
    wipe_string(entry.username);
    wipe_string(entry.password);
  }
  if (!pc.ok()) {
    otc::log(OTC_LOG_LEVEL_ERROR, "peer %s: cannot create the peer connection: %s", link->label_.c_str(),
             pc.error().message());
    return nullptr;
  }
  link->pc_ = pc.MoveValue();
  std::weak_ptr<PeerLink> weak = link;
  link->signaling_thread_->PostDelayedTask(
      [weak] {
        if (auto self = weak.lock()) self->PollStats();
      },
      webrtc::TimeDelta::Millis(kStatsIntervalMs));
  // libwebrtc's own ICE failure can take long, or never come (relay-only with no relay
  // candidate gathered stays "new"): the bound is ours.
  link->signaling_thread_->PostDelayedTask(
      [weak] {
        if (auto self = weak.lock()) self->IceGiveUp(true);
      },
      webrtc::TimeDelta::Millis(link->ice_timeout_ms_));
  return link;
}

PeerLink::PeerLink(MediaEngine &engine, std::string label, Listener listener)
    : hold_(engine), signaling_thread_(engine.signaling_thread()), label_(std::move(label)), listener_(std::move(listener)) {}

PeerLink::~PeerLink() {
  Close();
  pc_ = nullptr;  // the proxy destroys the connection on the signaling thread
}

void PeerLink::Close() {
  if (closed_.exchange(true)) return;
  // A proxy call: it runs on the signaling thread after every task posted before it, so no
  // listener function is running or will run once it returns.
  if (pc_) pc_->Close();
}

void PeerLink::Fail(const std::string &message) {
  if (closed_.load()) return;
  otc::log(OTC_LOG_LEVEL_ERROR, "peer %s: %s", label_.c_str(), message.c_str());
  if (listener_.on_failure) listener_.on_failure(message);
}

void PeerLink::MakeOffer(SdpHandler done) {
  std::weak_ptr<PeerLink> weak = weak_from_this();
  auto observer = ::rtc::make_ref_counted<CreateObserver>(
      [weak, done = std::move(done)](std::unique_ptr<webrtc::SessionDescriptionInterface> desc,
                                     const std::string &error) mutable {
        auto self = weak.lock();
        if (!self || self->closed_.load()) return;
        if (!desc) return self->Fail("cannot create the offer: " + error);
        self->SetLocal(webrtc::SdpType::kOffer, std::move(desc), std::move(done));
      });
  pc_->CreateOffer(observer.get(), webrtc::PeerConnectionInterface::RTCOfferAnswerOptions());
}

void PeerLink::AcceptOffer(const std::string &sdp, SdpHandler done, AnswerDtlsRole role) {
  std::weak_ptr<PeerLink> weak = weak_from_this();
  signaling_thread_->PostTask([weak, sdp, done = std::move(done), role]() mutable {
    auto self = weak.lock();
    if (!self || self->closed_.load()) return;
    if (self->answering_) {
      if (self->waiting_offer_) {
        otc::log(OTC_LOG_LEVEL_INFO, "peer %s: an offer superseded by a newer one is not answered", self->label_.c_str());
      }
      self->waiting_offer_ = WaitingOffer{std::move(sdp), std::move(done), role};
      return;
    }
    self->AnswerOffer(std::move(sdp), std::move(done), role);
  });
}

void PeerLink::AnswerOffer(std::string sdp, SdpHandler done, AnswerDtlsRole role) {
  answering_ = true;
  std::weak_ptr<PeerLink> weak = weak_from_this();
  SetRemote(webrtc::SdpType::kOffer, sdp, [weak, role, done = std::move(done)]() mutable {
    auto self = weak.lock();
    if (!self || self->closed_.load()) return;
    auto observer = ::rtc::make_ref_counted<CreateObserver>(
        [weak, role, done = std::move(done)](std::unique_ptr<webrtc::SessionDescriptionInterface> desc,
                                             const std::string &error) mutable {
          auto self = weak.lock();
          if (!self || self->closed_.load()) return;
          if (!desc) return self->Fail("cannot create the answer: " + error);
          if (role == AnswerDtlsRole::kPassive) {
            desc = WithPassiveDtls(*desc);
            if (!desc) return self->Fail("cannot make the answer's DTLS role passive");
          }
          self->SetLocal(webrtc::SdpType::kAnswer, std::move(desc), [weak, done = std::move(done)](const std::string &answer) {
            if (done) done(answer);
            if (auto self = weak.lock()) self->AnswerDone();
          });
        });
    self->pc_->CreateAnswer(observer.get(), webrtc::PeerConnectionInterface::RTCOfferAnswerOptions());
  });
}

void PeerLink::AnswerDone() {
  answering_ = false;
  if (closed_.load()) return;
  if (!waiting_offer_) {
    // Those that came while the answer was made, and a restart offer's own. Posted: the answer's
    // observer runs before libwebrtc starts the new ICE generation, whose start leaves the old
    // generation's ports out of new pairings.
    std::weak_ptr<PeerLink> weak = weak_from_this();
    signaling_thread_->PostTask([weak] {
      auto self = weak.lock();
      if (self && !self->closed_.load() && self->has_remote_ && !self->answering_) self->FlushCandidates();
    });
    return;
  }
  WaitingOffer next = std::move(*waiting_offer_);
  waiting_offer_.reset();
  AnswerOffer(std::move(next.sdp), std::move(next.done), next.role);
}

std::unique_ptr<webrtc::SessionDescriptionInterface> PeerLink::WithPassiveDtls(
    const webrtc::SessionDescriptionInterface &answer) {
  std::string text;
  answer.ToString(&text);
  const std::string active = "a=setup:active";
  for (size_t at = text.find(active); at != std::string::npos; at = text.find(active, at)) {
    text.replace(at, active.size(), "a=setup:passive");
  }
  webrtc::SdpParseError error;
  return webrtc::CreateSessionDescription(webrtc::SdpType::kAnswer, text, &error);
}

void PeerLink::AcceptAnswer(const std::string &sdp) {
  std::weak_ptr<PeerLink> weak = weak_from_this();
  signaling_thread_->PostTask([weak, sdp] {
    auto self = weak.lock();
    if (!self || self->closed_.load()) return;
    if (self->pc_->signaling_state() != webrtc::PeerConnectionInterface::kHaveLocalOffer) {
      otc::log(OTC_LOG_LEVEL_INFO, "peer %s: an answer with no offer outstanding (to a superseded restart) is ignored",
               self->label_.c_str());
      return;
    }
    self->SetRemote(webrtc::SdpType::kAnswer, sdp, nullptr);
  });
}

void PeerLink::SetLocal(webrtc::SdpType type, std::unique_ptr<webrtc::SessionDescriptionInterface> desc,
                        SdpHandler done) {
  std::string sdp;
  desc->ToString(&sdp);
  std::weak_ptr<PeerLink> weak = weak_from_this();
  auto observer = ::rtc::make_ref_counted<SetLocalObserver>(
      [weak, sdp, done = std::move(done)](webrtc::RTCError error) {
        auto self = weak.lock();
        if (!self || self->closed_.load()) return;
        if (!error.ok()) return self->Fail(std::string("cannot set the local description: ") + error.message());
        if (done) done(sdp);
      });
  pc_->SetLocalDescription(std::move(desc), observer);
}

void PeerLink::SetRemote(webrtc::SdpType type, const std::string &sdp, std::function<void()> then) {
  std::weak_ptr<PeerLink> weak = weak_from_this();
  if (sdp.size() > kMaxSdpBytes) {
    signaling_thread_->PostTask([weak, size = sdp.size()] {
      if (auto self = weak.lock()) {
        self->Fail("the remote description is too large (" + std::to_string(size) + " bytes, at most " +
                   std::to_string(kMaxSdpBytes) + ")");
      }
    });
    return;
  }
  signaling_thread_->PostTask([weak, type, sdp, then = std::move(then)]() mutable {
    auto self = weak.lock();
    if (!self || self->closed_.load()) return;
    webrtc::SdpParseError parse_error;
    auto desc = webrtc::CreateSessionDescription(type, sdp, &parse_error);
    if (!desc) return self->Fail("the remote description does not parse: " + parse_error.description);
    if (type == webrtc::SdpType::kOffer && self->IsIceRestart(*desc)) {
      // Its candidates wait for the answer (AnswerDone): applied now, they would pair with this
      // generation's ports, already paired with the same addresses (ForgetRemoteCandidates).
      self->ForgetRemoteCandidates();
      SdpWithoutCandidates split = TakeCandidateLines(sdp);
      desc = webrtc::CreateSessionDescription(type, split.sdp, &parse_error);
      if (!desc) return self->Fail("the remote description does not parse: " + parse_error.description);
      std::erase_if(self->pending_candidates_, [](const PendingCandidate &pending) { return pending.from_offer; });
      if (split.candidates.size() > kMaxRemoteCandidates) {
        otc::log(OTC_LOG_LEVEL_WARN, "peer %s: an ICE restart offer's candidates beyond %zu dropped (%zu)",
                 self->label_.c_str(), kMaxRemoteCandidates, split.candidates.size());
        split.candidates.resize(kMaxRemoteCandidates);
      }
      for (auto &line : split.candidates) {
        self->pending_candidates_.push_back({std::move(line.mid), line.mline_index, std::move(line.candidate), true});
      }
    }
    auto observer = ::rtc::make_ref_counted<SetRemoteObserver>(
        [weak, then = std::move(then)](webrtc::RTCError error) {
          auto self = weak.lock();
          if (!self || self->closed_.load()) return;
          if (!error.ok()) {
            return self->Fail(std::string("cannot set the remote description: ") + error.message());
          }
          self->has_remote_ = true;
          // An offer's candidates are applied once the answer is set (AnswerDone).
          if (!self->answering_) self->FlushCandidates();
          if (then) then();
        });
    self->pc_->SetRemoteDescription(std::move(desc), observer);
  });
}

void PeerLink::AddRemoteCandidate(const std::string &mid, int mline_index, const std::string &candidate) {
  std::weak_ptr<PeerLink> weak = weak_from_this();
  const bool too_large = candidate.size() > kMaxCandidateBytes || mid.size() > kMaxCandidateBytes;
  signaling_thread_->PostTask([weak, mid = too_large ? std::string() : mid, mline_index,
                               candidate = too_large ? std::string() : candidate, too_large] {
    auto self = weak.lock();
    if (!self || self->closed_.load()) return;
    // A flood of candidates (or huge ones) is dropped, not queued: each one applied makes
    // libwebrtc check another candidate pair.
    if (too_large || self->remote_candidates_ >= kMaxRemoteCandidates) {
      if (self->remote_candidates_dropped_++ == 0) {
        otc::log(OTC_LOG_LEVEL_WARN, "peer %s: remote candidates dropped (%s)", self->label_.c_str(),
                 too_large ? "larger than 1 KiB" : "more than 128");
      }
      return;
    }
    ++self->remote_candidates_;
    self->pending_candidates_.push_back({mid, mline_index, candidate, false});
    // While an offer is being answered its candidates wait for it: added before the offer they
    // would meet the previous ICE generation's (see FlushCandidates).
    if (self->has_remote_ && !self->answering_) self->FlushCandidates();
  });
}

namespace {

// The ICE username fragment a candidate line names ("... ufrag abcd ..."), "" without one.
std::string CandidateUfrag(const std::string &line) {
  const std::string key = " ufrag ";
  const size_t at = line.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return line.substr(start, line.find(' ', start) - start);
}

// The remote description's ICE username fragment for a media section, "" when unknown.
std::string RemoteUfrag(const webrtc::SessionDescriptionInterface *remote, const std::string &mid) {
  if (!remote || !remote->description()) return "";
  const cricket::TransportInfo *info = remote->description()->GetTransportInfoByName(mid);
  if (!info && !remote->description()->transport_infos().empty()) info = &remote->description()->transport_infos()[0];
  return info ? info->description.ice_ufrag : "";
}

}  // namespace

bool PeerLink::IsIceRestart(const webrtc::SessionDescriptionInterface &offer) const {
  const std::string current = RemoteUfrag(pc_->remote_description(), "");
  return !current.empty() && RemoteUfrag(&offer, "") != current;
}

void PeerLink::ForgetRemoteCandidates() {
  // libwebrtc (M108) keeps the remote candidates it was given and pairs every new port with
  // them: a port of the next ICE generation meets the old generation's candidates first, then
  // the new ones at the same addresses, and the new pair replaces the old one. On a TURN port
  // the replaced pair leaves its permission entry marked for removal under a live pair, and
  // when that pair goes too, within 5 minutes, the archive's live DCHECK aborts the process
  // (turn_port.cc:1282; fixed upstream, chromium:1374310). Forgotten before each restart, the
  // old candidates pair with nothing new; the pairs they already have carry on.
  const webrtc::SessionDescriptionInterface *remote = pc_->remote_description();
  if (!remote || !remote->description()) return;
  const auto &contents = remote->description()->contents();
  // A bundled section's transport is its group's first section's: only those candidates are
  // the transport's (the others repeat them), and only that name finds it.
  const cricket::ContentGroup *bundle = remote->description()->GetGroupByName(cricket::GROUP_TYPE_BUNDLE);
  const std::string *bundle_mid = bundle ? bundle->FirstContentName() : nullptr;
  std::vector<cricket::Candidate> candidates;
  for (size_t section = 0; section < remote->number_of_mediasections() && section < contents.size(); ++section) {
    const std::string &mid = contents[section].name;
    if (bundle_mid && mid != *bundle_mid && bundle->HasContentName(mid)) continue;
    const webrtc::IceCandidateCollection *collection = remote->candidates(section);
    for (size_t i = 0; collection && i < collection->count(); ++i) {
      cricket::Candidate candidate = collection->at(i)->candidate();
      candidate.set_transport_name(mid);  // how libwebrtc finds its section and transport
      candidates.push_back(std::move(candidate));
    }
  }
  if (!candidates.empty()) pc_->RemoveIceCandidates(candidates);
}

void PeerLink::FlushCandidates() {
  // Candidates of another ICE generation than the remote description's are not handed over:
  // libwebrtc M108 pairs such a candidate with the current generation's ports, then pairs it
  // again when its own description comes, and the replaced pair on a TURN port leaves that
  // port's bookkeeping in a state that aborts the process later (turn_port.cc:1282). One for a
  // newer offer waiting to be answered waits for it; one of an older generation is dropped.
  const std::string current = RemoteUfrag(pc_->remote_description(), pending_candidates_.empty() ? "" : pending_candidates_.front().mid);
  std::vector<PendingCandidate> later;
  for (auto &pending : pending_candidates_) {
    const std::string ufrag = CandidateUfrag(pending.sdp);
    if (!ufrag.empty() && !current.empty() && ufrag != current) {
      if (waiting_offer_) {
        later.push_back(std::move(pending));
      } else {
        otc::log(OTC_LOG_LEVEL_INFO, "peer %s: a remote candidate of another ICE generation (ufrag %s, now %s) is dropped",
                 label_.c_str(), ufrag.c_str(), current.c_str());
      }
      continue;
    }
    webrtc::SdpParseError error;
    // As SDP text: handing the cricket::Candidate object over trips one of the archive's live
    // DCHECKs (docs/platform-facts.md section 1.2).
    std::unique_ptr<webrtc::IceCandidateInterface> candidate(
        webrtc::CreateIceCandidate(pending.mid, pending.mline_index, pending.sdp, &error));
    if (!candidate) {
      otc::log(OTC_LOG_LEVEL_WARN, "peer %s: a remote candidate does not parse: %s", label_.c_str(),
               error.description.c_str());
      continue;
    }
    if (!pc_->AddIceCandidate(candidate.get())) {
      otc::log(OTC_LOG_LEVEL_WARN, "peer %s: a remote candidate was refused", label_.c_str());
    }
  }
  pending_candidates_ = std::move(later);
}

std::vector<std::pair<uint8_t, std::string>> PeerLink::RemoteVideoPayloadTypes() const {
  std::vector<std::pair<uint8_t, std::string>> out;
  const webrtc::SessionDescriptionInterface *remote = pc_->remote_description();
  if (!remote || !remote->description()) return out;
  for (const auto &content : remote->description()->contents()) {
    const auto *media = content.media_description();
    if (!media || !media->as_video()) continue;
    for (const auto &codec : media->as_video()->codecs()) {
      if (codec.id >= 0 && codec.id < 128) out.emplace_back(static_cast<uint8_t>(codec.id), codec.name);
    }
  }
  return out;
}

void PeerLink::OnIceCandidate(const webrtc::IceCandidateInterface *candidate) {
  if (closed_.load()) return;
  // cricket's names: "local" (host), "stun" (srflx), "relay", "prflx".
  const std::string &type = candidate->candidate().type();
  if (type == "local") {
    ++local_host_;
  } else if (type == "stun") {
    ++local_srflx_;
  } else if (type == "relay") {
    ++local_relay_;
  } else {
    ++local_other_;
  }
  if (!listener_.on_candidate) return;
  std::string text;
  if (!candidate->ToString(&text)) return;
  listener_.on_candidate(candidate->sdp_mid(), candidate->sdp_mline_index(), text);
}

void PeerLink::OnConnectionChange(webrtc::PeerConnectionInterface::PeerConnectionState state) {
  if (closed_.load()) return;
  // While a lost path is being restarted, a failed connection is not the end (yet).
  if (state == webrtc::PeerConnectionInterface::PeerConnectionState::kFailed && (ice_failure_reported_ || ice_lost_)) return;
  if (listener_.on_state) listener_.on_state(state);
}

void PeerLink::OnStandardizedIceConnectionChange(webrtc::PeerConnectionInterface::IceConnectionState state) {
  using S = webrtc::PeerConnectionInterface::IceConnectionState;
  if (closed_.load()) return;
  if (state == S::kIceConnectionConnected || state == S::kIceConnectionCompleted) {
    ice_connected_ = true;
    if (ice_lost_) {
      ice_lost_ = false;
      ++ice_lost_epoch_;
      otc::log(OTC_LOG_LEVEL_INFO, "peer %s: ICE connected again after %.1f s (%d ICE restart%s so far)", label_.c_str(),
               static_cast<double>(::rtc::TimeMicros() - ice_lost_since_us_) / 1e6, ice_restarts_.load(),
               ice_restarts_.load() == 1 ? "" : "s");
    }
    return;
  }
  const bool lost = state == S::kIceConnectionDisconnected || state == S::kIceConnectionFailed;
  if (lost && ice_connected_ && !ice_failure_reported_) {
    // A path that worked is gone (a network change, a dead link): restart rather than give up.
    // Once lost, the checks pace the restarts: a restart's own failures must not burn them.
    if (ice_lost_) return;
    const bool failed = state == S::kIceConnectionFailed;
    ice_lost_since_us_ = ::rtc::TimeMicros();
    ice_lost_ = true;
    const uint64_t epoch = ++ice_lost_epoch_;
    otc::log(OTC_LOG_LEVEL_WARN, "peer %s: ICE %s after having connected", label_.c_str(), failed ? "failed" : "disconnected");
    const bool restarts = listener_.on_ice_restart_offer || listener_.on_ice_restart_wanted;
    const int64_t delay_ms = !restarts ? kIceLostGraceMs : (failed ? 0 : kIceRestartAfterMs);
    std::weak_ptr<PeerLink> weak = weak_from_this();
    signaling_thread_->PostDelayedTask(
        [weak, epoch] {
          if (auto self = weak.lock()) self->OnIceLostCheck(epoch);
        },
        webrtc::TimeDelta::Millis(delay_ms));
    return;
  }
  if (state == S::kIceConnectionFailed) IceGiveUp(false);
}

void PeerLink::OnIceLostCheck(uint64_t epoch) {
  if (closed_.load() || !ice_lost_ || epoch != ice_lost_epoch_ || ice_failure_reported_) return;
  const bool offering = static_cast<bool>(listener_.on_ice_restart_offer);
  const bool asking = !offering && static_cast<bool>(listener_.on_ice_restart_wanted);
  const bool within_grace = ::rtc::TimeMicros() - ice_lost_since_us_ < kIceLostGraceMs * 1000;
  if ((offering || asking) && ice_restarts_.load() < kMaxIceRestarts && within_grace) {
    int64_t next_check_ms = kIceRestartRetryMs;
    if (listener_.signaling_up && !listener_.signaling_up()) {
      // Checked again soon after the signaling is back: by then the old path may be back too.
      otc::log(OTC_LOG_LEVEL_INFO, "peer %s: ICE restart waits for the signaling", label_.c_str());
      next_check_ms = kSignalingWaitCheckMs;
    } else if (offering) {
      RestartIce();
    } else {
      const int attempt = ++ice_restarts_;
      otc::log(OTC_LOG_LEVEL_WARN, "peer %s: asking for ICE restart %d of at most %d", label_.c_str(), attempt,
               kMaxIceRestarts);
      listener_.on_ice_restart_wanted();
    }
    std::weak_ptr<PeerLink> weak = weak_from_this();
    signaling_thread_->PostDelayedTask(
        [weak, epoch] {
          if (auto self = weak.lock()) self->OnIceLostCheck(epoch);
        },
        webrtc::TimeDelta::Millis(next_check_ms));
    return;
  }
  ice_failure_reported_ = true;
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.0f", static_cast<double>(::rtc::TimeMicros() - ice_lost_since_us_) / 1e6);
  const std::string message =
      std::string("ICE failed: the connection was lost and did not come back within ") + seconds + " s" +
      (offering || asking ? " and " + std::to_string(ice_restarts_.load()) + " ICE restarts" : std::string()) + " (" +
      IceSummary() + ")";
  otc::log(OTC_LOG_LEVEL_ERROR, "peer %s: %s", label_.c_str(), message.c_str());
  if (listener_.on_ice_failure) {
    listener_.on_ice_failure(message);
  } else if (listener_.on_failure) {
    listener_.on_failure(message);
  }
}

void PeerLink::RestartIce() {
  const int attempt = ++ice_restarts_;
  otc::log(OTC_LOG_LEVEL_WARN, "peer %s: ICE restart %d of at most %d", label_.c_str(), attempt, kMaxIceRestarts);
  std::weak_ptr<PeerLink> weak = weak_from_this();
  auto observer = ::rtc::make_ref_counted<CreateObserver>(
      [weak](std::unique_ptr<webrtc::SessionDescriptionInterface> desc, const std::string &error) mutable {
        auto self = weak.lock();
        if (!self || self->closed_.load()) return;
        if (!desc) return self->Fail("cannot create the ICE restart offer: " + error);
        self->ForgetRemoteCandidates();
        self->SetLocal(webrtc::SdpType::kOffer, std::move(desc), [weak](const std::string &sdp) {
          auto self = weak.lock();
          if (self && !self->closed_.load() && self->listener_.on_ice_restart_offer) self->listener_.on_ice_restart_offer(sdp);
        });
      });
  webrtc::PeerConnectionInterface::RTCOfferAnswerOptions options;
  options.ice_restart = true;
  pc_->CreateOffer(observer.get(), options);
}

void PeerLink::OnIceCandidateError(const std::string &address, int port, const std::string &url, int error_code,
                                   const std::string &error_text) {
  // A STUN/TURN server that cannot be reached or refuses us: kept for the failure message.
  ++turn_errors_;
  // 701 is a server of the other address family (an IPv4 TURN URL from an IPv6 socket): noise
  // next to the error that says why the server failed.
  if (error_code == 701 && !last_turn_error_.empty()) return;
  last_turn_error_ = url + ": " + std::to_string(error_code) + " " + error_text;
  if (last_turn_error_.size() > 200) last_turn_error_.resize(200);
  otc::log(OTC_LOG_LEVEL_INFO, "peer %s: ICE server error from %s:%d: %s", label_.c_str(), address.c_str(), port,
           last_turn_error_.c_str());
}

std::string PeerLink::IceSummary() const {
  std::string out;
  if (relay_only_) {
    out = "relay-only: " + std::to_string(local_relay_) + " relay candidate" + (local_relay_ == 1 ? "" : "s") +
          " gathered";
  } else {
    out = "gathered " + std::to_string(local_host_) + " host, " + std::to_string(local_srflx_) + " srflx, " +
          std::to_string(local_relay_) + " relay candidates";
  }
  out += "; " + std::to_string(remote_candidates_) + " remote candidate" + (remote_candidates_ == 1 ? "" : "s");
  if (!has_remote_) out += "; no remote description";
  if (turn_errors_ > 0) out += "; ICE server errors: " + std::to_string(turn_errors_) + ", e.g. " + last_turn_error_;
  return out;
}

void PeerLink::IceGiveUp(bool timed_out) {
  if (closed_.load() || ice_failure_reported_) return;
  if (timed_out && ice_connected_) return;
  ice_failure_reported_ = true;
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", static_cast<double>(ice_timeout_ms_) / 1000.0);
  const std::string message =
      std::string("ICE failed: ") +
      (timed_out ? std::string("no candidate pair connected within ") + seconds + " s" : "every candidate pair failed") +
      " (" + IceSummary() + ")";
  otc::log(OTC_LOG_LEVEL_ERROR, "peer %s: %s", label_.c_str(), message.c_str());
  if (listener_.on_ice_failure) {
    listener_.on_ice_failure(message);
  } else if (listener_.on_failure) {
    listener_.on_failure(message);
  }
}

void PeerLink::OnTrack(::rtc::scoped_refptr<webrtc::RtpTransceiverInterface> transceiver) {
  if (closed_.load()) return;
  if (listener_.on_track) listener_.on_track(std::move(transceiver));
}

PeerTransportStats PeerLink::stats() const {
  std::lock_guard<std::mutex> lock(stats_mutex_);
  return stats_;
}

void PeerLink::PollStats() {
  if (closed_.load()) return;
  std::weak_ptr<PeerLink> weak = weak_from_this();
  auto observer = ::rtc::make_ref_counted<StatsObserver>(
      [weak](const ::rtc::scoped_refptr<const webrtc::RTCStatsReport> &report) {
        if (auto self = weak.lock()) self->OnStatsReport(report);
      });
  pc_->GetStats(observer.get());
  signaling_thread_->PostDelayedTask(
      [weak] {
        if (auto self = weak.lock()) self->PollStats();
      },
      webrtc::TimeDelta::Millis(kStatsIntervalMs));
}

void PeerLink::RequestStatsReport(ReportHandler done) {
  if (closed_.load() || !done) return;
  std::weak_ptr<PeerLink> weak = weak_from_this();
  signaling_thread_->PostTask([weak, done = std::move(done)]() mutable {
    auto self = weak.lock();
    if (!self || self->closed_.load()) return;
    auto observer = ::rtc::make_ref_counted<StatsObserver>(
        [weak, done = std::move(done)](const ::rtc::scoped_refptr<const webrtc::RTCStatsReport> &report) {
          auto self = weak.lock();
          if (self && !self->closed_.load() && report) done(report);
        });
    self->pc_->GetStats(observer.get());
  });
}

void PeerLink::OnStatsReport(const ::rtc::scoped_refptr<const webrtc::RTCStatsReport> &report) {
  if (closed_.load() || !report) return;
  if (listener_.on_stats) listener_.on_stats(report);
  PeerTransportStats next;
  next.valid = true;
  for (const auto *out : report->GetStatsOfType<webrtc::RTCOutboundRTPStreamStats>()) {
    const bool video = value_or<std::string>(out->kind, "") == "video";
    const uint64_t bytes = value_or<uint64_t>(out->bytes_sent, 0);
    const uint64_t packets = value_or<uint32_t>(out->packets_sent, 0);
    (video ? next.video_packets_sent : next.audio_packets_sent) += packets;
    if (video) {
      next.video_bytes_sent += bytes;
      next.frames_encoded += value_or<uint32_t>(out->frames_encoded, 0);
      next.fps = value_or<double>(out->frames_per_second, next.fps);
      next.width = static_cast<int>(value_or<uint32_t>(out->frame_width, 0));
      next.height = static_cast<int>(value_or<uint32_t>(out->frame_height, 0));
    } else {
      next.audio_bytes_sent += bytes;
    }
  }
  for (const auto *remote : report->GetStatsOfType<webrtc::RTCRemoteInboundRtpStreamStats>()) {
    const bool video = value_or<std::string>(remote->kind, "") == "video";
    (video ? next.video_packets_lost_remote : next.audio_packets_lost_remote) +=
        value_or<int32_t>(remote->packets_lost, 0);
  }
  for (const auto *source : report->GetStatsOfType<webrtc::RTCAudioSourceStats>()) {
    if (source->audio_level.is_defined()) next.audio_source_level = *source->audio_level;
  }
  uint64_t jitter_emitted = 0;
  double jitter_delay_s = 0;
  for (const auto *in : report->GetStatsOfType<webrtc::RTCInboundRTPStreamStats>()) {
    const bool video = value_or<std::string>(in->kind, "") == "video";
    const uint64_t bytes = value_or<uint64_t>(in->bytes_received, 0);
    next.packets_lost += value_or<int32_t>(in->packets_lost, 0);
    if (video) {
      next.video_bytes_received += bytes;
      next.frames_decoded += value_or<uint32_t>(in->frames_decoded, 0);
      next.frames_dropped += value_or<uint32_t>(in->frames_dropped, 0);
      next.fps = value_or<double>(in->frames_per_second, next.fps);
      next.width = static_cast<int>(value_or<uint32_t>(in->frame_width, 0));
      next.height = static_cast<int>(value_or<uint32_t>(in->frame_height, 0));
      jitter_delay_s += value_or<double>(in->jitter_buffer_delay, 0);
      jitter_emitted += value_or<uint64_t>(in->jitter_buffer_emitted_count, 0);
    } else {
      next.audio_bytes_received += bytes;
    }
  }
  if (jitter_emitted > 0) next.jitter_buffer_delay_ms = 1000.0 * jitter_delay_s / static_cast<double>(jitter_emitted);
  // The transport's selected pair (bundled: one transport), else a nominated one.
  const webrtc::RTCIceCandidatePairStats *selected = nullptr;
  for (const auto *transport : report->GetStatsOfType<webrtc::RTCTransportStats>()) {
    if (!transport->selected_candidate_pair_id.is_defined()) continue;
    for (const auto *pair : report->GetStatsOfType<webrtc::RTCIceCandidatePairStats>()) {
      if (pair->id() == *transport->selected_candidate_pair_id) selected = pair;
    }
    if (selected) break;
  }
  for (const auto *pair : report->GetStatsOfType<webrtc::RTCIceCandidatePairStats>()) {
    if (value_or<bool>(pair->nominated, false) && pair->current_round_trip_time.is_defined()) {
      next.rtt_ms = *pair->current_round_trip_time * 1000.0;
      if (!selected) selected = pair;
    }
  }
  if (selected) {
    const std::string local_id = value_or<std::string>(selected->local_candidate_id, "");
    const std::string remote_id = value_or<std::string>(selected->remote_candidate_id, "");
    for (const auto *local : report->GetStatsOfType<webrtc::RTCLocalIceCandidateStats>()) {
      if (local->id() != local_id) continue;
      next.local_candidate_type = value_or<std::string>(local->candidate_type, "");
      next.relay_protocol = value_or<std::string>(local->relay_protocol, "");
    }
    for (const auto *remote : report->GetStatsOfType<webrtc::RTCRemoteIceCandidateStats>()) {
      if (remote->id() == remote_id) next.remote_candidate_type = value_or<std::string>(remote->candidate_type, "");
    }
  }
  const int64_t now_us = report->timestamp_us();
  std::lock_guard<std::mutex> lock(stats_mutex_);
  if (stats_.valid && now_us > last_stats_us_) {
    const double seconds = static_cast<double>(now_us - last_stats_us_) / 1e6;
    auto rate = [seconds](uint64_t now_bytes, uint64_t then_bytes) {
      return now_bytes >= then_bytes ? 8.0 * static_cast<double>(now_bytes - then_bytes) / seconds : 0.0;
    };
    next.video_send_bps = rate(next.video_bytes_sent, stats_.video_bytes_sent);
    next.audio_send_bps = rate(next.audio_bytes_sent, stats_.audio_bytes_sent);
    next.video_receive_bps = rate(next.video_bytes_received, stats_.video_bytes_received);
    next.audio_receive_bps = rate(next.audio_bytes_received, stats_.audio_bytes_received);
  }
  last_stats_us_ = now_us;
  stats_ = next;
}

}  // namespace otc::rtc
