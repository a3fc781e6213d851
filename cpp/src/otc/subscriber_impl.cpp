#include "subscriber_impl.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include <unistd.h>

#include <api/stats/rtcstats_objects.h>

#include <api/units/time_delta.h>

#include "../e2ee/cipher_suite.h"
#include "../e2ee/frame_opener.h"
#include "../e2ee/key_ring.h"
#include "../rtc/media_engine.h"
#include "../rtc/peer_link.h"
#include "../signaling/messages.h"
#include "codec_names.h"
#include "engine_access.h"
#include "media_report.h"
#include "../base/log.h"
#include "session_impl.h"
#include "stats_text.h"

namespace otc {

using nlohmann::json;

namespace {

// A version 4 UUID: the subscriber's id (otc_subscriber_get_subscriber_id).
std::string make_subscriber_id() {
  std::random_device random;
  uint8_t bytes[16];
  for (size_t i = 0; i < sizeof bytes; i += 4) {
    const uint32_t word = random();
    for (size_t k = 0; k < 4; ++k) bytes[i + k] = static_cast<uint8_t>(word >> (8 * k));
  }
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);
  char text[37];
  std::snprintf(text, sizeof text, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10],
                bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
  return text;
}

template <typename T>
T member_or(const webrtc::RTCStatsMember<T> &member, T fallback) {
  return member.is_defined() ? *member : fallback;
}

double unix_time_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

SubscriberCore::SubscriberCore(otc_subscriber *handle, const otc_subscriber_callbacks &callbacks, otc_stream stream)
    : handle_(handle),
      callbacks_(callbacks),
      stream_(std::move(stream)),
      subscriber_id_(make_subscriber_id()),
      video_sink_(check_,
                  [this](const otc_video_frame &frame) {
                    on_video_frame();
                    last_width_.store(otc_video_frame_get_width(&frame), std::memory_order_relaxed);
                    last_height_.store(otc_video_frame_get_height(&frame), std::memory_order_relaxed);
                    if (callbacks_.on_render_frame && !deleted_.load(std::memory_order_relaxed)) {
                      callbacks_.on_render_frame(handle_, callbacks_.user_data, &frame);
                    }
                  }),
      audio_sink_([this](const int16_t *received, const int16_t *at_volume, size_t per_channel, int rate,
                         int channels) {
        count_audio(received, per_channel, channels);  // the media report judges what arrived
        const auto on_audio_data = on_audio_data_.load(std::memory_order_acquire);
        if (on_audio_data && !deleted_.load(std::memory_order_relaxed)) {
          const otc_audio_data data{at_volume, 16, rate, static_cast<size_t>(channels), per_channel};
          on_audio_data(handle_, callbacks_.user_data, &data);
        }
      }) {}

SubscriberCore::~SubscriberCore() = default;

// Audio thread, every 10 ms block: a sum of squares over a few hundred samples.
void SubscriberCore::count_audio(const int16_t *samples, size_t per_channel, int channels) {
  if (!samples || channels < 1) return;
  const size_t n = per_channel * static_cast<size_t>(channels);
  double sum = 0;
  int peak = 0;
  for (size_t i = 0; i < n; ++i) {
    const int v = samples[i];
    sum += static_cast<double>(v) * v;
    const int a = v < 0 ? -v : v;
    if (a > peak) peak = a;
  }
  audio_blocks_.fetch_add(1, std::memory_order_relaxed);
  audio_samples_.fetch_add(per_channel, std::memory_order_relaxed);
  // Louder than -40 dBFS (RMS 328): a tone or speech, not silence or comfort noise.
  if (n && sum / static_cast<double>(n) > 328.0 * 328.0) audio_loud_blocks_.fetch_add(1, std::memory_order_relaxed);
  int seen = audio_peak_.load(std::memory_order_relaxed);
  while (peak > seen && !audio_peak_.compare_exchange_weak(seen, peak, std::memory_order_relaxed)) {
  }
}

// Not on a media thread (the sinks are removed by now): the line is built here and written by
// the report's own thread.
void SubscriberCore::append_media_report(const char *end_reason) {
  const std::string path = media_report_path();
  if (path.empty()) return;
  otc_subscriber_stats s;
  stats(&s);
  const otc_media_check c = media_check();
  otc_subscriber_verify_stats v;
  verify_stats(&v);
  char numbers[1024];
  std::snprintf(numbers, sizeof numbers,
                "\"frames_decoded\":%llu,\"frames_received\":%llu,\"frames_unreadable\":%llu,"
                "\"frames_lost\":%llu,\"frames_repeated\":%llu,\"freezes\":%llu,\"max_gap_ms\":%.1f,"
                "\"first_frame_number\":%u,\"last_frame_number\":%u,\"width\":%d,\"height\":%d,"
                "\"video_frames_opened\":%llu,\"audio_frames_opened\":%llu,\"frames_mismatch\":%llu,"
                "\"frames_integrity_failure\":%llu,\"frames_replay\":%llu,\"decrypt_failures\":%llu,"
                "\"audio_blocks\":%llu,\"audio_samples\":%llu,\"audio_loud_blocks\":%llu,\"audio_peak\":%d,"
                "\"pid\":%d",
                (unsigned long long)c.frames_decoded, (unsigned long long)c.frames_received,
                (unsigned long long)c.frames_unreadable, (unsigned long long)c.frames_lost,
                (unsigned long long)c.frames_repeated, (unsigned long long)c.freezes, c.max_gap_ms,
                c.first_frame_number, c.last_frame_number, last_width_.load(), last_height_.load(),
                (unsigned long long)s.video_frames_opened, (unsigned long long)s.audio_frames_opened,
                (unsigned long long)s.frames_mismatch, (unsigned long long)s.frames_integrity_failure,
                (unsigned long long)s.frames_replay,
                (unsigned long long)(s.frames_mismatch + s.frames_integrity_failure),
                (unsigned long long)audio_blocks_.load(), (unsigned long long)audio_samples_.load(),
                (unsigned long long)audio_loud_blocks_.load(), audio_peak_.load(), static_cast<int>(getpid()));
  // The frame cryptor's view of every subscription, the only one of a verify-only subscription.
  const auto fps = [](const otc_subscriber_verify_kind_stats &k) {
    const double span_s = static_cast<double>(k.last_frame_time_us - k.first_frame_time_us) / 1e6;
    return k.frames_opened > 1 && span_s > 0 ? static_cast<double>(k.frames_opened - 1) / span_s : 0.0;
  };
  char verify[512];
  std::snprintf(verify, sizeof verify,
                ",\"verify_only\":%s,\"verify_video_frames\":%llu,\"verify_video_gaps\":%llu,"
                "\"verify_video_freezes\":%llu,\"verify_video_freeze_ms\":%.1f,\"verify_video_fps\":%.2f,"
                "\"verify_video_not_opened\":%llu,\"verify_audio_frames\":%llu,\"verify_audio_gaps\":%llu",
                v.verify_only ? "true" : "false", (unsigned long long)v.video.frames_opened,
                (unsigned long long)v.video.gaps, (unsigned long long)v.video.freezes, v.video.freeze_ms, fps(v.video),
                (unsigned long long)(v.video.not_opened_mismatch + v.video.not_opened_integrity +
                                     v.video.not_opened_replay + v.video.not_opened_other),
                (unsigned long long)v.audio.frames_opened, (unsigned long long)v.audio.gaps);
  media_report_append(path, std::string("{\"type\":\"subscriber\",\"stream_id\":") +
                                media_report_quote(stream_.info.stream_id) + ",\"e2ee\":" +
                                (stream_.info.e2ee ? "true" : "false") + ",\"end\":" +
                                media_report_quote(end_reason ? end_reason : "") + "," + numbers + verify + "}");
}

otc_status SubscriberCore::subscribe(otc_session *session) {
  auto engine = acquire_media_engine();
  if (!engine) return OTC_MEDIA_ENGINE_NOT_INITIALIZED;
  SessionLink *link = session->link.get();
  if (!link->connection_id()) return OTC_SESSION_NOT_CONNECTED;
  // An encrypted stream with no secret to open it: refused here, before any media flows.
  if (stream_.info.e2ee && !session->has_secret.load()) return OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISSING;
  uint64_t attempt;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (deleted_.load() || state_ != State::idle) return OTC_SESSION_ILLEGAL_STATE;
    state_ = State::subscribing;
    disconnect_reason_ = EndReason{};
    reported_connected_ = false;
    router_restarts_.clear();
    attempt = ++attempt_;
    link_ = link;
    session_ = session;
    peer_id_.clear();
    media_.engine = engine;
    first_frame_pending_.store(true);
    verify_video_->reset();
    verify_audio_->reset();
    if (stream_.info.e2ee) {
      opener_ = std::make_shared<e2ee::FrameOpener>(session->ring, *e2ee::find_cipher_suite(OTC_E2EE_DEFAULT_SUITE));
    } else {
      opener_ = nullptr;
    }
  }
  otc_status status = link->attach(shared_from_this());
  if (status == OTC_SUCCESS) {
    link->route_stream(stream_.info.stream_id, this);
    // The stream this subscriber was made from may be a copy older than what the session knows
    // now (properties changed since): from here on the routed events keep it current.
    if (auto current = link->find_stream(stream_.info.stream_id)) stream_.live.copy_from(current->live);
    std::weak_ptr<SubscriberCore> weak = weak_from_this();
    if (!link->request(signaling::make_subscribe(stream_.info.stream_id),
                       [weak, attempt](const signaling::Reply &reply) {
                         if (auto self = weak.lock()) self->on_subscribe_reply(attempt, reply);
                       })) {
      status = OTC_SESSION_NOT_CONNECTED;
    }
  }
  if (status != OTC_SUCCESS) {
    Media taken;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      state_ = State::idle;
      link_ = nullptr;
      session_ = nullptr;
      taken = take_media_locked();
    }
    link->detach(this);
    stop_media(std::move(taken));
  }
  return status;
}

void SubscriberCore::on_subscribe_reply(uint64_t attempt, const signaling::Reply &reply) {
  SessionLink *link;
  Media taken;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (attempt != attempt_ || state_ != State::subscribing) return;
    link = link_;
    if (reply.status == OTC_SUCCESS) {
      state_ = State::connecting;
      peer_id_ = signaling::parse_subscribe_ack(reply.body).peer_id;
    } else {
      state_ = State::idle;
      link_ = nullptr;
      session_ = nullptr;
      taken = take_media_locked();
    }
  }
  if (reply.status == OTC_SUCCESS) {
    link->route_peer(signaling::parse_subscribe_ack(reply.body).peer_id, this);
    std::shared_ptr<rtc::MediaEngine> engine;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      engine = media_.engine;
    }
    const int64_t timeout_ms = link->ice_settings().connect_timeout.count();
    std::weak_ptr<SubscriberCore> weak = weak_from_this();
    if (engine) {
      engine->signaling_thread()->PostDelayedTask(
          [weak, attempt, timeout_ms] {
            if (auto self = weak.lock()) self->on_offer_timeout(attempt, timeout_ms);
          },
          webrtc::TimeDelta::Millis(timeout_ms));
    }
    return;
  }
  link->detach(this);
  stop_media(std::move(taken));
  const otc_status code = reply.status == OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM ? reply.status
                          : reply.status == OTC_SESSION_CONNECTION_TIMED_OUT      ? OTC_SUBSCRIBER_TIMED_OUT
                                                                                  : OTC_SUBSCRIBER_WEBRTC_ERROR;
  report_error(code, "subscribe refused: " + (reply.message.empty() ? std::string("no reason given") : reply.message));
}

void SubscriberCore::on_session_event(const signaling::ServerEvent &event) {
  const signaling::EventType type = event.type;
  if (type == signaling::EventType::stream_destroyed) {
    end(false, true, end_reason_from_server(event.reason));
    return;
  }
  if (type == signaling::EventType::stream_property_changed) {
    on_stream_property(event);
    return;
  }
  const std::string &peer_id = event.peer_id;
  bool has_peer;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (peer_id != peer_id_ || state_ == State::idle) return;
    has_peer = media_.link != nullptr;
  }
  if (type == signaling::EventType::offer) {
    const bool from_router = event.from == signaling::kFromRouter;
    if (!has_peer) {
      on_offer(peer_id, event.sdp, from_router);
    } else {
      on_renegotiation_offer(peer_id, event.sdp, from_router);
    }
  } else if (type == signaling::EventType::candidate) {
    add_remote_candidate(event.candidate);
  } else if (type == signaling::EventType::peer_closed) {
    if (event.reason == "routerRestarted") {
      on_router_restarted(event.message);
      return;
    }
    if (event.reason == "routerFailed") {
      const std::string &why = event.message;
      report_error(OTC_SUBSCRIBER_WEBRTC_ERROR,
                   "the media router closed the subscription" + (why.empty() ? std::string() : ": " + why));
    }
    end(false, true, end_reason_from_server(event.reason));
  }
}

// The publisher turned its audio or video off or on: the SDK tells the subscriber too, with
// the publisher's reason. Runs on the io thread (the link's event), as the callbacks must.
void SubscriberCore::on_stream_property(const signaling::ServerEvent &event) {
  if (!apply_stream_property(stream_.live, event) || deleted_.load()) return;
  const auto &cbs = callbacks_;
  if (event.property == signaling::StreamProperty::has_video) {
    if (event.flag && cbs.on_video_enabled) cbs.on_video_enabled(handle_, cbs.user_data, OTC_VIDEO_REASON_PUBLISH_VIDEO);
    if (!event.flag && cbs.on_video_disabled) cbs.on_video_disabled(handle_, cbs.user_data, OTC_VIDEO_REASON_PUBLISH_VIDEO);
  } else if (event.property == signaling::StreamProperty::has_audio) {
    if (event.flag && cbs.on_audio_enabled) cbs.on_audio_enabled(handle_, cbs.user_data);
    if (!event.flag && cbs.on_audio_disabled) cbs.on_audio_disabled(handle_, cbs.user_data);
  }
}

void SubscriberCore::on_router_restarted(const std::string &message) {
  Media replaced;
  SessionLink *link;
  uint64_t attempt;
  bool again;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ == State::idle || state_ == State::subscribing) return;
    const auto now = std::chrono::steady_clock::now();
    while (!router_restarts_.empty() && now - router_restarts_.front() > std::chrono::minutes(1)) {
      router_restarts_.pop_front();
    }
    again = router_restarts_.size() < kMaxRouterRestarts;
    if (again) {
      router_restarts_.push_back(now);
      // Everything but the engine: the same subscriber receives again on a new connection.
      fold_counters_locked();
      replaced.link = std::move(media_.link);
      replaced.video_opener = std::move(media_.video_opener);
      replaced.audio_opener = std::move(media_.audio_opener);
      replaced.video_track = std::move(media_.video_track);
      replaced.audio_track = std::move(media_.audio_track);
      replaced.video_receiver = std::move(media_.video_receiver);
      replaced.audio_receiver = std::move(media_.audio_receiver);
      media_.link = nullptr;
      media_.video_opener = nullptr;
      media_.audio_opener = nullptr;
      media_.video_track = nullptr;
      media_.audio_track = nullptr;
      media_.video_receiver = nullptr;
      media_.audio_receiver = nullptr;
      state_ = State::connecting;
    }
    link = link_;
    attempt = attempt_;
  }
  if (!again) {
    report_error(OTC_SUBSCRIBER_WEBRTC_ERROR, "the media router lost the subscription " +
                                                  std::to_string(kMaxRouterRestarts) +
                                                  " times within a minute: giving up (" + message + ")");
    end(true, true, {"routerFailed", OTC_SUBSCRIBER_WEBRTC_ERROR});
    return;
  }
  otc::log(OTC_LOG_LEVEL_WARN, "subscriber of %s: the media router lost the peer (%s): waiting for its new offer",
           stream_.info.stream_id.c_str(), message.c_str());
  stop_media(std::move(replaced));
  // The server answers with an offer or routerFailed; a server that does neither meets the
  // same bound as a first offer.
  std::shared_ptr<rtc::MediaEngine> engine;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    engine = media_.engine;
  }
  if (!engine || !link) return;
  const int64_t timeout_ms = link->ice_settings().connect_timeout.count();
  std::weak_ptr<SubscriberCore> weak = weak_from_this();
  engine->signaling_thread()->PostDelayedTask(
      [weak, attempt, timeout_ms] {
        if (auto self = weak.lock()) self->on_offer_timeout(attempt, timeout_ms);
      },
      webrtc::TimeDelta::Millis(timeout_ms));
}

void SubscriberCore::on_renegotiation_offer(const std::string &peer_id, const std::string &sdp, bool from_router) {
  std::shared_ptr<rtc::PeerLink> peer;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    peer = media_.link;
  }
  if (!peer) return;
  otc::log(OTC_LOG_LEVEL_INFO, "subscriber of %s: a new offer on the same connection (an ICE restart)",
           stream_.info.stream_id.c_str());
  std::weak_ptr<SubscriberCore> weak = weak_from_this();
  peer->AcceptOffer(sdp, [weak, peer_id](const std::string &answer) {
    auto self = weak.lock();
    if (!self) return;
    std::lock_guard<std::mutex> lock(self->mutex_);
    if (!self->link_) return;
    self->link_->request(signaling::make_answer(peer_id, answer), [](const signaling::Reply &) {});
  }, from_router ? rtc::PeerLink::AnswerDtlsRole::kPassive : rtc::PeerLink::AnswerDtlsRole::kActive);
}

void SubscriberCore::add_remote_candidate(const signaling::CandidateInfo &candidate) {
  std::shared_ptr<rtc::PeerLink> peer;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    peer = media_.link;
  }
  if (!peer) return;
  peer->AddRemoteCandidate(candidate.mid, candidate.mline_index, candidate.sdp);
}

void SubscriberCore::on_offer(const std::string &peer_id, const std::string &sdp, bool from_router) {
  std::shared_ptr<rtc::MediaEngine> engine;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    engine = media_.engine;
  }
  if (!engine) return;
  std::weak_ptr<SubscriberCore> weak = weak_from_this();
  rtc::PeerLink::Listener listener;
  listener.on_candidate = [weak, peer_id](const std::string &mid, int index, const std::string &candidate) {
    auto self = weak.lock();
    if (!self) return;
    std::lock_guard<std::mutex> lock(self->mutex_);
    if (!self->link_) return;
    // This end of the peer: a session subscribed to its own stream holds both (docs/protocol.md).
    self->link_->request(signaling::make_candidate(peer_id, mid, index, candidate, "subscriber"),
                         [](const signaling::Reply &) {});
  };
  listener.on_state = [weak](webrtc::PeerConnectionInterface::PeerConnectionState state) {
    if (auto self = weak.lock()) self->on_peer_state(state);
  };
  listener.on_track = [weak](::rtc::scoped_refptr<webrtc::RtpTransceiverInterface> transceiver) {
    if (auto self = weak.lock()) self->on_track(std::move(transceiver));
  };
  listener.on_failure = [weak](const std::string &message) {
    auto self = weak.lock();
    if (!self) return;
    self->report_error(OTC_SUBSCRIBER_WEBRTC_ERROR, message);
    self->post_callback([weak] {
      if (auto self = weak.lock()) self->end(true, true, {"peerFailed", OTC_SUBSCRIBER_WEBRTC_ERROR});
    });
  };
  listener.on_ice_failure = listener.on_failure;  // "ICE failed: ..." as the message
  listener.on_stats = [weak](const ::rtc::scoped_refptr<const webrtc::RTCStatsReport> &report) {
    if (auto self = weak.lock()) self->on_stats_report(report);
  };
  if (from_router) {
    // The router never restarts ICE by itself: this end asks the server, whose router then
    // offers again with new ICE credentials (docs/protocol.md, "ICE restarts").
    listener.signaling_up = [weak] {
      auto self = weak.lock();
      if (!self) return false;
      std::lock_guard<std::mutex> lock(self->mutex_);
      return self->link_ != nullptr && self->link_->signaling_up();
    };
    listener.on_ice_restart_wanted = [weak, peer_id] {
      auto self = weak.lock();
      if (!self) return;
      std::lock_guard<std::mutex> lock(self->mutex_);
      if (!self->link_) return;
      self->link_->request(signaling::make_ice_restart(peer_id), [](const signaling::Reply &) {});
    };
  }
  SessionLink *link;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    link = link_;
  }
  if (!link) return;
  auto peer = rtc::PeerLink::Create(*engine, "subscriber of " + stream_.info.stream_id, std::move(listener),
                                    link->ice_settings());
  if (!peer) {
    report_error(OTC_SUBSCRIBER_WEBRTC_ERROR, "cannot create a peer connection");
    end(true, true, {"peerFailed", OTC_SUBSCRIBER_WEBRTC_ERROR});
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::connecting || peer_id != peer_id_) {
      peer->Close();
      return;
    }
    media_.link = peer;
  }
  const auto role = from_router ? rtc::PeerLink::AnswerDtlsRole::kPassive : rtc::PeerLink::AnswerDtlsRole::kActive;
  peer->AcceptOffer(sdp, [weak, peer_id](const std::string &answer) {
    auto self = weak.lock();
    if (!self) return;
    std::lock_guard<std::mutex> lock(self->mutex_);
    if (!self->link_) return;
    self->link_->request(signaling::make_answer(peer_id, answer), [](const signaling::Reply &) {});
  }, role);
}

// Signaling thread, inside SetRemoteDescription: before the first frame can arrive.
void SubscriberCore::on_track(::rtc::scoped_refptr<webrtc::RtpTransceiverInterface> transceiver) {
  auto receiver = transceiver->receiver();
  const bool video = transceiver->media_type() == cricket::MEDIA_TYPE_VIDEO;
  std::shared_ptr<e2ee::FrameOpener> opener;
  std::shared_ptr<rtc::PeerLink> peer;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    opener = opener_;
    peer = media_.link;
  }
  ::rtc::scoped_refptr<rtc::E2eeFrameTransformer> transformer;
  if (opener) {
    if (video) {
      std::map<uint8_t, e2ee::Codec> table;
      if (peer) {
        for (const auto &[payload_type, name] : peer->RemoteVideoPayloadTypes()) {
          if (auto codec = e2ee_codec_from_name(name)) table[payload_type] = *codec;
        }
      }
      transformer = rtc::E2eeFrameTransformer::CreateReceiver(opener, rtc::E2eeFrameTransformer::Kind::kVideo,
                                                             e2ee_codec_from_name(stream_.info.video_codec), table);
    } else {
      transformer = rtc::E2eeFrameTransformer::CreateReceiver(opener, rtc::E2eeFrameTransformer::Kind::kAudio);
    }
    std::weak_ptr<SubscriberCore> weak = weak_from_this();
    transformer->SetEventHandler([weak](otc_e2ee_event event) {
      if (auto self = weak.lock()) self->on_e2ee_event(event);
    });
  } else {
    // Only a gate: with video off, frames are dropped before the decoder (set_subscribe_to_video);
    // and where verify-only frames are counted and kept from the decoders.
    transformer = rtc::E2eeFrameTransformer::CreatePassThroughReceiver(video ? rtc::E2eeFrameTransformer::Kind::kVideo
                                                                             : rtc::E2eeFrameTransformer::Kind::kAudio);
  }
  transformer->SetVerifyCounter(video ? verify_video_ : verify_audio_);
  transformer->SetVerifyOnly(verify_only_.load());
  if (video) transformer->SetPaused(!receive_video_.load());
  receiver->SetDepacketizerToDecoderFrameTransformer(transformer);
  // Track calls block on libwebrtc's worker thread, which may be waiting for mutex_ (an e2ee
  // event): configure the track first, store it after.
  if (video) {
    // From the receiver's reference (a raw pointer takes one more; release() would leak one).
    const auto media_track = receiver->track();
    auto track = ::rtc::scoped_refptr<webrtc::VideoTrackInterface>(
        static_cast<webrtc::VideoTrackInterface *>(media_track.get()));
    track->AddOrUpdateSink(&video_sink_, ::rtc::VideoSinkWants());
    track->set_enabled(receive_video_.load());
    std::unique_lock<std::mutex> lock(mutex_);
    if (state_ == State::idle || media_.link != peer) {  // ended meanwhile: undo here
      lock.unlock();
      track->RemoveSink(&video_sink_);
      return;
    }
    media_.video_opener = transformer;
    media_.video_receiver = receiver;
    media_.video_track = track;
    // set_subscribe_to_video or set_verify_only may have run since the gate was made, before it
    // could reach it.
    transformer->SetPaused(!receive_video_.load());
    transformer->SetVerifyOnly(verify_only_.load());
  } else {
    // From the receiver's reference (a raw pointer takes one more; release() would leak one).
    const auto media_track = receiver->track();
    auto track = ::rtc::scoped_refptr<webrtc::AudioTrackInterface>(
        static_cast<webrtc::AudioTrackInterface *>(media_track.get()));
    track->AddSink(&audio_sink_);
    transformer->SetPaused(!receive_audio_.load());  // see set_subscribe_to_audio
    std::unique_lock<std::mutex> lock(mutex_);
    if (state_ == State::idle || media_.link != peer) {
      lock.unlock();
      track->RemoveSink(&audio_sink_);
      return;
    }
    media_.audio_opener = transformer;
    media_.audio_receiver = receiver;
    media_.audio_track = track;
    transformer->SetPaused(!receive_audio_.load());
    transformer->SetVerifyOnly(verify_only_.load());
    lock.unlock();
    // After the track is stored: a set_audio_volume that did not see it has stored its volume.
    if (volume_.load() != 100) apply_volume(track);
  }
}

void SubscriberCore::apply_volume(const ::rtc::scoped_refptr<webrtc::AudioTrackInterface> &track) {
  // libwebrtc's receiver gain: 1 plays as received (its range goes to 10; the SDK's 100 is 1).
  if (auto *source = track->GetSource()) source->SetVolume(volume_.load() / 100.0);
}

// Not through the track's enabled state, so end-to-end encrypted streams take it too (see
// set_subscribe_to_audio): the source's volume only changes the receiving channel's gain.
otc_status SubscriberCore::set_audio_volume(double volume) {
  if (std::isnan(volume)) return OTC_MEDIA_INVALID_PARAMETER;
  volume = std::clamp(volume, 0.0, 100.0);
  volume_.store(volume);
  audio_sink_.SetGain(static_cast<float>(volume / 100.0));
  ::rtc::scoped_refptr<webrtc::AudioTrackInterface> track;
  std::shared_ptr<rtc::MediaEngine> engine;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    track = media_.audio_track;
    engine = media_.engine;
  }
  if (track && engine) engine->signaling_thread()->BlockingCall([&] { apply_volume(track); });
  return OTC_SUCCESS;
}

void SubscriberCore::on_peer_state(webrtc::PeerConnectionInterface::PeerConnectionState state) {
  using S = webrtc::PeerConnectionInterface::PeerConnectionState;
  std::weak_ptr<SubscriberCore> weak = weak_from_this();
  if (state == S::kConnected) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (state_ != State::connecting) return;
      state_ = State::connected;
      if (reported_connected_) {
        otc::log(OTC_LOG_LEVEL_INFO, "subscriber of %s: connected again through the media router",
                 stream_.info.stream_id.c_str());
        if (link_) {
          link_->post([weak] {
            auto self = weak.lock();
            if (self && !self->deleted_.load() && self->callbacks_.on_reconnected) {
              self->callbacks_.on_reconnected(self->handle_, self->callbacks_.user_data);
            }
          });
        }
        return;
      }
      reported_connected_ = true;
    }
    otc::log(OTC_LOG_LEVEL_INFO, "subscriber of %s: connected", stream_.info.stream_id.c_str());
    post_callback([weak] {
      auto self = weak.lock();
      if (self && !self->deleted_.load() && self->callbacks_.on_connected) {
        self->callbacks_.on_connected(self->handle_, self->callbacks_.user_data, &self->stream_);
      }
    });
  } else if (state == S::kFailed) {
    report_error(OTC_SUBSCRIBER_WEBRTC_ERROR, "the connection to the publisher failed");
    post_callback([weak] {
      if (auto self = weak.lock()) self->end(true, true, {"peerFailed", OTC_SUBSCRIBER_WEBRTC_ERROR});
    });
  }
}

// Signaling thread: only hops.
void SubscriberCore::on_offer_timeout(uint64_t attempt, int64_t timeout_ms) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (attempt != attempt_ || state_ != State::connecting || media_.link) return;
  }
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", static_cast<double>(timeout_ms) / 1000.0);
  report_error(OTC_SUBSCRIBER_TIMED_OUT, std::string("no offer from the publisher within ") + seconds +
                                             " s of subscribing (it may have refused the subscription)");
  std::weak_ptr<SubscriberCore> weak = weak_from_this();
  post_callback([weak, attempt] {
    auto self = weak.lock();
    if (!self) return;
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      if (attempt != self->attempt_ || self->media_.link) return;
    }
    self->end(true, true, {"timedOut", OTC_SUBSCRIBER_TIMED_OUT});
  });
}

// Worker thread: only hops.
void SubscriberCore::on_e2ee_event(otc_e2ee_event event) {
  std::weak_ptr<SubscriberCore> weak = weak_from_this();
  if (event == OTC_E2EE_EVENT_SECRET_MISMATCH) {
    report_error(OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH,
                 "frames of this stream do not decrypt with this session's encryption secret");
  } else if (event == OTC_E2EE_EVENT_INTEGRITY_FAILURE) {
    report_error(OTC_SUBSCRIBER_DECRYPTION_INTERNAL_ERROR,
                 "frames of this stream fail authentication (altered in transit, or a faulty sender)");
  } else if (event == OTC_E2EE_EVENT_SECRET_MATCH) {
    otc::log(OTC_LOG_LEVEL_INFO, "subscriber of %s: frames decrypt again", stream_.info.stream_id.c_str());
    // The frames dropped during the mismatch were references of the ones opening now: without a
    // key frame the decoder waits for libwebrtc's own request after 3 s of nothing decodable.
    ::rtc::scoped_refptr<webrtc::VideoTrackInterface> track;
    std::shared_ptr<rtc::MediaEngine> engine;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      track = media_.video_track;
      engine = media_.engine;
    }
    request_key_frame(track, engine);
    post_callback([weak] {
      auto self = weak.lock();
      if (!self || self->deleted_.load()) return;
      decltype(self->extension_.on_encryption_secret_match) on_match;
      {
        std::lock_guard<std::mutex> lock(self->mutex_);  // the setter may run once idle again
        on_match = self->extension_.on_encryption_secret_match;
      }
      if (on_match) {
        on_match(self->handle_, self->callbacks_.user_data);
      }
    });
  }
}

void SubscriberCore::post_callback(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (link_) link_->post(std::move(fn));
}

void SubscriberCore::report_error(otc_status status, const std::string &message) {
  otc::log(OTC_LOG_LEVEL_WARN, "subscriber of %s: %s (%d)", stream_.info.stream_id.c_str(), message.c_str(),
           static_cast<int>(status));
  std::weak_ptr<SubscriberCore> weak = weak_from_this();
  auto deliver = [weak, status, message] {
    auto self = weak.lock();
    if (self && !self->deleted_.load() && self->callbacks_.on_error) {
      self->callbacks_.on_error(self->handle_, self->callbacks_.user_data, message.c_str(),
                                static_cast<otc_subscriber_error_code>(status));
    }
  };
  SessionLink *link;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    link = link_;
  }
  // On the io thread already (a reply handler): deliver now, in order with what follows.
  if (link && !link->on_own_thread()) {
    link->post(std::move(deliver));
  } else {
    deliver();
  }
}

void SubscriberCore::fold_counters_locked() {
  if (media_.video_opener) closed_video_ += media_.video_opener->counters();
  if (media_.audio_opener) closed_audio_ += media_.audio_opener->counters();
}

SubscriberCore::Media SubscriberCore::take_media_locked() {
  fold_counters_locked();
  Media media = std::move(media_);
  media_ = Media{};
  return media;
}

void SubscriberCore::stop_media(Media media) {
  if (media.link) media.link->Close();
  // After Close no frame is being decoded; removing the sinks also waits for a call in progress.
  if (media.video_track) media.video_track->RemoveSink(&video_sink_);
  if (media.audio_track) media.audio_track->RemoveSink(&audio_sink_);
  media.video_receiver = nullptr;
  media.audio_receiver = nullptr;
  media.video_track = nullptr;
  media.audio_track = nullptr;
  media.link.reset();
  media.video_opener = nullptr;
  media.audio_opener = nullptr;
  media.engine.reset();
}

void SubscriberCore::end(bool notify_server, bool report, EndReason why) {
  SessionLink *link;
  std::string peer_id;
  Media taken;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ == State::idle) return;
    link = link_;
    peer_id = peer_id_;
    disconnect_reason_ = why;
    state_ = State::idle;
    ++attempt_;
    link_ = nullptr;
    session_ = nullptr;
    peer_id_.clear();
    taken = take_media_locked();
  }
  if (link) {
    if (notify_server && !peer_id.empty()) {
      link->request(signaling::make_unsubscribe(peer_id), [](const signaling::Reply &) {});
    }
    link->detach(this);
  }
  stop_media(std::move(taken));
  append_media_report(why.reason);
  otc::log(OTC_LOG_LEVEL_INFO, "subscriber of %s: disconnected", stream_.info.stream_id.c_str());
  if (report && !deleted_.load() && callbacks_.on_disconnected) callbacks_.on_disconnected(handle_, callbacks_.user_data);
}

otc_status SubscriberCore::unsubscribe(otc_session *session) {
  SessionLink *link;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ == State::idle || link_ != session->link.get()) return OTC_SESSION_SUBSCRIBER_NOT_FOUND;
    link = link_;
  }
  // on_disconnected from the io thread, like every other subscriber callback.
  std::weak_ptr<SubscriberCore> weak = weak_from_this();
  Media taken;
  std::string peer_id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (link_ != link) return OTC_SESSION_SUBSCRIBER_NOT_FOUND;
    peer_id = peer_id_;
    disconnect_reason_ = {"clientUnsubscribed", OTC_SUCCESS};
    state_ = State::idle;
    ++attempt_;
    link_ = nullptr;
    session_ = nullptr;
    peer_id_.clear();
    taken = take_media_locked();
  }
  if (!peer_id.empty()) link->request(signaling::make_unsubscribe(peer_id), [](const signaling::Reply &) {});
  link->detach(this);
  stop_media(std::move(taken));
  append_media_report("clientUnsubscribed");
  link->post([weak] {
    auto self = weak.lock();
    if (self && !self->deleted_.load() && self->callbacks_.on_disconnected) {
      self->callbacks_.on_disconnected(self->handle_, self->callbacks_.user_data);
    }
  });
  return OTC_SUCCESS;
}

void SubscriberCore::on_session_gone() { end(false, true, {"sessionDisconnected", OTC_SUBSCRIBER_SESSION_DISCONNECTED}); }

void SubscriberCore::shutdown() {
  deleted_.store(true);
  SessionLink *link;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    link = link_;
  }
  end(true, false, {"clientUnsubscribed", OTC_SUCCESS});
  if (link) link->sync_io();
}

EndReason SubscriberCore::disconnect_reason() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return disconnect_reason_;
}

// Audio is gated at its receiver's transformer (every subscription has one: E2EE, or a
// pass-through that also serves verify-only), never by the track: a remote audio track's enabled
// change makes libwebrtc (M108's AudioRtpReceiver::Reconfigure) set the receiver's frame
// transformer again, which its audio channel refuses with a fatal check.
otc_status SubscriberCore::set_subscribe_to_audio(bool enabled) {
  receive_audio_.store(enabled);
  ::rtc::scoped_refptr<rtc::E2eeFrameTransformer> gate;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    gate = media_.audio_opener;
  }
  if (gate) gate->SetPaused(!enabled);
  return OTC_SUCCESS;
}

// Frames are counted either way; verify-only keeps them from the decoders (otc/subscriber.h).
// Leaving it, the decoder starts anew and needs a key frame: asked for at once, as when video
// comes back on.
otc_status SubscriberCore::set_verify_only(bool verify_only) {
  const bool was = verify_only_.exchange(verify_only);
  ::rtc::scoped_refptr<rtc::E2eeFrameTransformer> video, audio;
  ::rtc::scoped_refptr<webrtc::VideoTrackInterface> track;
  std::shared_ptr<rtc::MediaEngine> engine;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    video = media_.video_opener;
    audio = media_.audio_opener;
    track = media_.video_track;
    engine = media_.engine;
  }
  if (video) video->SetVerifyOnly(verify_only);
  if (audio) audio->SetVerifyOnly(verify_only);
  if (was && !verify_only) request_key_frame(track, engine);
  return OTC_SUCCESS;
}

// The source's proxy runs GenerateKeyFrame on the worker thread; posted there so the caller never
// waits for it (and never re-enters the receive path it may be called from).
void SubscriberCore::request_key_frame(const ::rtc::scoped_refptr<webrtc::VideoTrackInterface> &track,
                                       const std::shared_ptr<rtc::MediaEngine> &engine) {
  if (!track || !engine) return;
  ::rtc::scoped_refptr<webrtc::VideoTrackSourceInterface> source(track->GetSource());
  if (source) engine->worker_thread()->PostTask([source] { source->GenerateKeyFrame(); });
}

namespace {
otc_subscriber_verify_kind_stats to_c(const media::VerifyKindCounts &c) {
  otc_subscriber_verify_kind_stats out{};
  out.frames_opened = c.frames_opened;
  out.bytes_opened = c.bytes_opened;
  out.key_frames = c.key_frames;
  out.not_opened_mismatch = c.not_opened_mismatch;
  out.not_opened_integrity = c.not_opened_integrity;
  out.not_opened_replay = c.not_opened_replay;
  out.not_opened_other = c.not_opened_other;
  out.gaps = c.gaps;
  out.freezes = c.freezes;
  out.freeze_ms = c.freeze_ms;
  out.max_gap_ms = c.max_gap_ms;
  out.first_frame_time_us = c.first_frame_time_us;
  out.last_frame_time_us = c.last_frame_time_us;
  return out;
}
}  // namespace

void SubscriberCore::verify_stats(otc_subscriber_verify_stats *out) const {
  *out = otc_subscriber_verify_stats{};
  out->verify_only = verify_only_.load() ? OTC_TRUE : OTC_FALSE;
  out->video = to_c(verify_video_->snapshot());
  out->audio = to_c(verify_audio_->snapshot());
}

otc_media_check SubscriberCore::media_check() const {
  if (!verify_only_.load()) return check_.snapshot();
  // No pixels: what the frame cryptor saw of the video, in the check's terms.
  const media::VerifyKindCounts v = verify_video_->snapshot();
  otc_media_check c{};
  c.frames_received = v.frames_opened;
  c.frames_lost = v.gaps;
  c.freezes = v.freezes;
  c.max_gap_ms = v.max_gap_ms;
  c.first_frame_time_us = v.first_frame_time_us;
  return c;
}

// Video off costs no decoding: the receiver's transformer drops every frame before it is opened
// or decoded (the track alone would still decode them and hand on black frames). Back on, a key
// frame is asked for at once rather than when the decoder notices it has nothing to decode.
otc_status SubscriberCore::set_subscribe_to_video(bool enabled) {
  const bool was = receive_video_.exchange(enabled);
  ::rtc::scoped_refptr<webrtc::VideoTrackInterface> track;
  ::rtc::scoped_refptr<rtc::E2eeFrameTransformer> gate;
  std::shared_ptr<rtc::MediaEngine> engine;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    track = media_.video_track;
    gate = media_.video_opener;
    engine = media_.engine;
  }
  if (track) track->set_enabled(enabled);
  if (gate) gate->SetPaused(!enabled);
  if (enabled != was) {
    // The SDK's reason for a change the application made; reported while subscribed only.
    std::weak_ptr<SubscriberCore> weak = weak_from_this();
    post_callback([weak, enabled] {
      auto self = weak.lock();
      if (!self || self->deleted_.load()) return;
      const auto &cbs = self->callbacks_;
      if (enabled && cbs.on_video_enabled) {
        cbs.on_video_enabled(self->handle_, cbs.user_data, OTC_VIDEO_REASON_SUBSCRIBE_TO_VIDEO);
      } else if (!enabled && cbs.on_video_disabled) {
        cbs.on_video_disabled(self->handle_, cbs.user_data, OTC_VIDEO_REASON_SUBSCRIBE_TO_VIDEO);
      }
    });
  }
  if (enabled && !was) request_key_frame(track, engine);
  return OTC_SUCCESS;
}

void SubscriberCore::on_video_frame() {
  if (!first_frame_pending_.load(std::memory_order_relaxed) || !first_frame_pending_.exchange(false)) return;
  std::weak_ptr<SubscriberCore> weak = weak_from_this();
  post_callback([weak] {
    auto self = weak.lock();
    if (self && !self->deleted_.load() && self->callbacks_.on_video_data_received) {
      self->callbacks_.on_video_data_received(self->handle_, self->callbacks_.user_data);
    }
  });
}

void SubscriberCore::on_stats_report(const ::rtc::scoped_refptr<const webrtc::RTCStatsReport> &report) {
  const auto &cbs = callbacks_;
  if (!cbs.on_audio_stats && !cbs.on_video_stats && !cbs.on_audio_level_updated) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::connected) return;
  }
  const double now_ms = unix_time_ms();
  bool has_audio = false, has_video = false;
  otc_subscriber_audio_stats audio{};
  otc_subscriber_video_stats video{};
  for (const auto *in : report->GetStatsOfType<webrtc::RTCInboundRTPStreamStats>()) {
    const int32_t lost = member_or<int32_t>(in->packets_lost, 0);
    const uint64_t packets_lost = lost > 0 ? static_cast<uint64_t>(lost) : 0;
    const uint64_t packets = member_or<uint32_t>(in->packets_received, 0);
    const uint64_t bytes = member_or<uint64_t>(in->bytes_received, 0);
    if (member_or<std::string>(in->kind, "") == "video") {
      has_video = true;
      video.packets_lost += packets_lost;
      video.packets_received += packets;
      video.bytes_received += bytes;
    } else {
      has_audio = true;
      audio.packets_lost += packets_lost;
      audio.packets_received += packets;
      audio.bytes_received += bytes;
      audio.audio_level = static_cast<float>(member_or<double>(in->audio_level, 0.0));
    }
  }
  audio.timestamp = now_ms;
  video.timestamp = now_ms;
  has_audio = has_audio && receive_audio_.load();
  has_video = has_video && receive_video_.load();
  if (!has_audio && !has_video) return;
  std::weak_ptr<SubscriberCore> weak = weak_from_this();
  post_callback([weak, has_audio, has_video, audio, video] {
    auto self = weak.lock();
    if (!self || self->deleted_.load()) return;
    const auto &cbs = self->callbacks_;
    if (has_audio && cbs.on_audio_level_updated) cbs.on_audio_level_updated(self->handle_, cbs.user_data, audio.audio_level);
    if (self->deleted_.load()) return;
    if (has_audio && cbs.on_audio_stats) cbs.on_audio_stats(self->handle_, cbs.user_data, audio);
    if (self->deleted_.load()) return;
    if (has_video && cbs.on_video_stats) cbs.on_video_stats(self->handle_, cbs.user_data, video);
  });
}

otc_session *SubscriberCore::session() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return session_;
}

otc_status SubscriberCore::set_extension_callbacks(const otc_subscriber_extension_callbacks *callbacks) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ != State::idle) return OTC_MEDIA_ILLEGAL_STATE;
  extension_ = callbacks ? *callbacks : otc_subscriber_extension_callbacks{};
  on_audio_data_.store(extension_.on_audio_data, std::memory_order_release);
  return OTC_SUCCESS;
}

otc_status SubscriberCore::set_preferred_resolution(uint32_t width, uint32_t height) {
  std::lock_guard<std::mutex> lock(mutex_);
  preferred_width_ = width;
  preferred_height_ = height;
  return OTC_SUCCESS;
}

void SubscriberCore::preferred_resolution(uint32_t *width, uint32_t *height) const {
  std::lock_guard<std::mutex> lock(mutex_);
  *width = preferred_width_;
  *height = preferred_height_;
}

otc_status SubscriberCore::set_preferred_framerate(float fps) {
  if (!(fps >= 0.0f) || fps > 1000.0f) return OTC_MEDIA_INVALID_PARAMETER;  // also NaN
  std::lock_guard<std::mutex> lock(mutex_);
  preferred_framerate_ = fps;
  return OTC_SUCCESS;
}

float SubscriberCore::preferred_framerate() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return preferred_framerate_;
}

otc_status SubscriberCore::set_rtc_stats_report_cb(const otc_subscriber_rtc_stats_report_cb &cb) {
  std::lock_guard<std::mutex> lock(mutex_);
  rtc_stats_cb_ = cb;
  return OTC_SUCCESS;
}

// The report is serialized on the signaling thread (a single pass over an in-memory report) and
// handed to the application on the io thread.
otc_status SubscriberCore::request_rtc_stats_report() {
  std::shared_ptr<rtc::PeerLink> peer;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!rtc_stats_cb_.on_rtc_stats_report) return OTC_MEDIA_ILLEGAL_STATE;
    peer = media_.link;
  }
  if (!peer) return OTC_MEDIA_ILLEGAL_STATE;
  std::weak_ptr<SubscriberCore> weak = weak_from_this();
  peer->RequestStatsReport([weak](const ::rtc::scoped_refptr<const webrtc::RTCStatsReport> &report) {
    auto self = weak.lock();
    if (!self) return;
    std::string json = report->ToJson();
    if (json.empty()) json = "[]";  // libwebrtc writes nothing for an empty report
    self->post_callback([weak, json = std::move(json)] {
      auto self = weak.lock();
      if (!self || self->deleted_.load()) return;
      otc_subscriber_rtc_stats_report_cb cb;
      {
        std::lock_guard<std::mutex> lock(self->mutex_);
        cb = self->rtc_stats_cb_;
      }
      if (cb.on_rtc_stats_report) cb.on_rtc_stats_report(self->handle_, cb.user_data, json.c_str());
    });
  });
  return OTC_SUCCESS;
}

void SubscriberCore::stats(otc_subscriber_stats *out) {
  *out = otc_subscriber_stats{};
  out->rtt_ms = -1;
  rtc::E2eeFrameTransformer::Counters video, audio;
  std::shared_ptr<rtc::PeerLink> peer;
  std::shared_ptr<e2ee::FrameOpener> opener;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    video = closed_video_;
    audio = closed_audio_;
    if (media_.video_opener) video += media_.video_opener->counters();
    if (media_.audio_opener) audio += media_.audio_opener->counters();
    peer = media_.link;
    opener = opener_;
  }
  out->video_frames_opened = video.opened;
  out->audio_frames_opened = audio.opened;
  out->frames_mismatch = video.dropped_mismatch + audio.dropped_mismatch;
  out->frames_integrity_failure = video.dropped_integrity + audio.dropped_integrity;
  out->frames_replay = video.dropped_replay + audio.dropped_replay;
  out->frames_dropped_other = video.dropped_no_codec + audio.dropped_no_codec + video.dropped_error +
                              audio.dropped_error + video.dropped_no_callback + audio.dropped_no_callback;
  out->e2ee = stream_.info.e2ee ? OTC_TRUE : OTC_FALSE;
  if (opener) {
    const auto s = opener->stats();
    out->mismatch_episodes = s.mismatch_episodes;
    out->in_mismatch = s.in_mismatch ? OTC_TRUE : OTC_FALSE;
    out->encryption_epoch = s.last_epoch_id;
  }
  if (peer) {
    const auto s = peer->stats();
    if (s.valid) {
      out->video_frames_decoded = s.frames_decoded;
      out->video_frames_dropped = s.frames_dropped;
      out->packets_lost = static_cast<uint64_t>(s.packets_lost > 0 ? s.packets_lost : 0);
      out->bytes_received = s.video_bytes_received + s.audio_bytes_received;
      out->video_bitrate_bps = s.video_receive_bps;
      out->audio_bitrate_bps = s.audio_receive_bps;
      out->video_fps = s.fps;
      out->video_width = s.width;
      out->video_height = s.height;
      out->rtt_ms = s.rtt_ms;
      out->jitter_buffer_delay_ms = s.jitter_buffer_delay_ms;
      copy_stats_text(out->local_candidate_type, sizeof out->local_candidate_type, s.local_candidate_type);
      copy_stats_text(out->remote_candidate_type, sizeof out->remote_candidate_type, s.remote_candidate_type);
      copy_stats_text(out->relay_protocol, sizeof out->relay_protocol, s.relay_protocol);
      if (!stream_.info.e2ee) out->frames_unencrypted = s.frames_decoded;
    }
  }
}

}  // namespace otc
