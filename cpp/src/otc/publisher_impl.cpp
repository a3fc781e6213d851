#include "publisher_impl.h"

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <random>
#include <unistd.h>
#include <vector>

#include <api/rtp_transceiver_interface.h>
#include <api/video_codecs/sdp_video_format.h>

#include "../e2ee/cipher_suite.h"
#include "../e2ee/frame_sealer.h"
#include "../e2ee/key_ring.h"
#include "../rtc/audio_device_proxy.h"
#include "../rtc/camera_video_source.h"
#include "../rtc/encoded_video_source.h"
#include "../media/encoded_media.h"
#include "../rtc/media_engine.h"
#include "../rtc/peer_link.h"
#include "../rtc/video_sources.h"
#include "../media/capture_size.h"
#include "../media/video_capturer_spec.h"
#include "../media/y4m_file.h"
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

// What publishing audio without a usable audio device reports (publish's result and on_error).
constexpr otc_status kAudioDeviceUnavailable = OTC_PUBLISHER_UNABLE_TO_PUBLISH;
// And without a video source (no camera, a bad OTC_VIDEO_CAPTURER, a capturer that failed), and
// when the camera stops while published: the SDK's generic codes for those (OTC_CAMERA_FAILED,
// OTC_VIDEO_CAPTURE_FAILED) are not publisher error codes; the message says which it was.
constexpr otc_status kVideoSourceUnavailable = OTC_PUBLISHER_UNABLE_TO_PUBLISH;

// A random UUID (version 4) naming the publisher object.
std::string make_publisher_id() {
  std::random_device random;
  std::uniform_int_distribution<int> nibble(0, 15);
  std::string id = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  for (char &c : id) {
    if (c == 'x') c = "0123456789abcdef"[nibble(random)];
    if (c == 'y') c = "89ab"[nibble(random) & 3];
  }
  return id;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

PublisherCore::PublisherCore(otc_publisher *handle, const otc_publisher_callbacks &callbacks,
                             PublisherSettings settings)
    : handle_(handle), callbacks_(callbacks), settings_(std::move(settings)), publisher_id_(make_publisher_id()) {}

void PublisherCore::start_capturer(otc_video_capturer *capturer) {
  // No lock here: the application's callbacks may call provide_frame (from a thread they wait
  // for, even) while they run.
  capturer_source_ = capturer->source;
  std::weak_ptr<PublisherCore> weak = weak_from_this();
  capturer_source_->SetPreview([weak](const otc_video_frame &frame) {
    if (auto self = weak.lock()) self->render(frame);
  });
  const otc_video_capturer_callbacks &cb = capturer->callbacks;
  void *user = cb.user_data;
  capturer_inited_ = !cb.init || cb.init(capturer, user) != OTC_FALSE;
  if (!capturer_inited_) {
    capturer_problem_ = "the video capturer's init failed";
    return;
  }
  if (cb.get_capture_settings) {
    otc_video_capturer_settings wanted{};
    cb.get_capture_settings(capturer, user, &wanted);  // informative: frames carry their own format
  }
  capturer_started_ = !cb.start || cb.start(capturer, user) != OTC_FALSE;
  if (!capturer_started_) capturer_problem_ = "the video capturer's start failed";
}

void PublisherCore::end_capturer(otc_video_capturer *capturer) {
  const otc_video_capturer_callbacks &cb = capturer->callbacks;
  capturer->ended = true;
  if (capturer_started_ && cb.stop) cb.stop(capturer, cb.user_data);
  if (capturer_inited_ && cb.destroy) cb.destroy(capturer, cb.user_data);
}

void PublisherCore::start_stats_ticker() {
  if (!callbacks_.on_audio_stats && !callbacks_.on_video_stats && !callbacks_.on_audio_level_updated) return;
  std::lock_guard<std::mutex> lock(ticker_mutex_);
  if (ticker_.joinable() || ticker_stop_) return;
  ticker_ = std::thread([this] {
    // The peer connections poll their stats once a second; reporting at that rate.
    std::unique_lock<std::mutex> lock(ticker_mutex_);
    while (!ticker_wake_.wait_for(lock, std::chrono::seconds(1), [this] { return ticker_stop_; })) {
      lock.unlock();
      report_periodic_stats();
      lock.lock();
    }
  });
}

void PublisherCore::stop_stats_ticker() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(ticker_mutex_);
    ticker_stop_ = true;
    thread = std::move(ticker_);
  }
  ticker_wake_.notify_all();
  if (thread.joinable()) thread.join();
}

void PublisherCore::report_periodic_stats() {
  struct Entry {
    std::string peer_id;
    double opened_ms;
    std::shared_ptr<rtc::PeerLink> link;
  };
  std::vector<Entry> entries;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::published) return;
    for (const auto &[id, peer] : media_.peers) entries.push_back({id, peer.opened_ms, peer.link});
  }
  if (entries.empty() || deleted_.load()) return;
  const double now = static_cast<double>(now_ms());
  std::vector<otc_publisher_audio_stats> audio;
  std::vector<otc_publisher_video_stats> video;
  double level = -1;
  for (const auto &entry : entries) {
    const rtc::PeerTransportStats s = entry.link->stats();
    if (!s.valid) continue;
    // The far end of a peer is known by its peer id only ("" connection id: the protocol does
    // not name the subscriber's connection to the publisher).
    if (settings_.audio) {
      otc_publisher_audio_stats a{};
      a.connection_id = "";
      a.subscriber_id = entry.peer_id.c_str();
      a.packets_lost = s.audio_packets_lost_remote;
      a.packets_sent = static_cast<int64_t>(s.audio_packets_sent);
      a.bytes_sent = static_cast<int64_t>(s.audio_bytes_sent);
      a.audio_level = static_cast<float>(s.audio_source_level < 0 ? 0 : s.audio_source_level);
      a.timestamp = now;
      a.start_time = entry.opened_ms;
      audio.push_back(a);
    }
    if (settings_.video) {
      otc_publisher_video_stats v{};
      v.connection_id = "";
      v.subscriber_id = entry.peer_id.c_str();
      v.packets_lost = s.video_packets_lost_remote;
      v.packets_sent = static_cast<int64_t>(s.video_packets_sent);
      v.bytes_sent = static_cast<int64_t>(s.video_bytes_sent);
      v.timestamp = now;
      v.start_time = entry.opened_ms;
      video.push_back(v);
    }
    if (s.audio_source_level > level) level = s.audio_source_level;
  }
  if (deleted_.load()) return;
  if (callbacks_.on_audio_level_updated && level >= 0 && publish_audio_.load()) {
    callbacks_.on_audio_level_updated(handle_, callbacks_.user_data, static_cast<float>(level));
  }
  if (callbacks_.on_audio_stats && !audio.empty()) {
    callbacks_.on_audio_stats(handle_, callbacks_.user_data, audio.data(), audio.size());
  }
  if (callbacks_.on_video_stats && !video.empty()) {
    callbacks_.on_video_stats(handle_, callbacks_.user_data, video.data(), video.size());
  }
}

void PublisherCore::render(const otc_video_frame &frame) {
  note_video_size(otc_video_frame_get_width(&frame), otc_video_frame_get_height(&frame));
  if (!deleted_.load() && callbacks_.on_render_frame) callbacks_.on_render_frame(handle_, callbacks_.user_data, &frame);
}

::rtc::scoped_refptr<rtc::PublisherVideoSource> PublisherCore::make_video_source(std::string &problem) {
  std::weak_ptr<PublisherCore> weak = weak_from_this();
  auto preview = [weak](const otc_video_frame &frame) {
    if (auto self = weak.lock()) self->render(frame);
  };
  if (!settings_.video_file.empty()) {
    std::string error;
    auto reader = media::open_encoded_media(settings_.video_file, error, settings_.encoded_fps);
    if (!reader) {
      problem = "encoded video: " + error;
      return nullptr;
    }
    if (!reader->is_video()) {
      problem = "encoded video: " + settings_.video_file + " is an audio file";
      return nullptr;
    }
    if (video_codec_name(settings_.codec) != media::encoded_codec_name(reader->codec())) {
      problem = "encoded video: " + settings_.video_file + " is " + media::encoded_codec_name(reader->codec()) +
                ", the publisher's codec " + video_codec_name(settings_.codec);
      return nullptr;
    }
    otc::log(OTC_LOG_LEVEL_INFO, "publisher: sending %s as it is (%s %dx%d, %zu frames, %zu key frames)",
             settings_.video_file.c_str(), media::encoded_codec_name(reader->codec()), reader->width(),
             reader->height(), reader->frame_count(), reader->key_frame_count());
    auto source = ::rtc::make_ref_counted<rtc::EncodedVideoSource>(std::move(reader));
    // No pixels, so no on_render_frame; the stream's size is still announced.
    source->SetSizeHandler([weak](int width, int height) {
      if (auto self = weak.lock()) self->note_video_size(width, height);
    });
    source->Start();
    return source;
  }
  if (settings_.has_capturer) {
    if (!capturer_problem_.empty()) {
      problem = capturer_problem_;
      return nullptr;
    }
    return capturer_source_;
  }
  if (settings_.source == OTC_VIDEO_SOURCE_PUSHED) {
    auto pushed = ::rtc::make_ref_counted<rtc::PushedVideoSource>();
    pushed->SetPreview(preview);
    return pushed;
  }
  int width = settings_.width, height = settings_.height, fps = settings_.fps;
  if (settings_.source == OTC_VIDEO_SOURCE_DEFAULT) {
    const media::VideoCapturerSpec spec = media::parse_video_capturer_spec(std::getenv(media::kVideoCapturerEnv));
    if (spec.kind == media::VideoCapturerSpec::Kind::kFile) {
      std::string error;
      auto file = media::Y4mFile::Open(spec.path, error);
      if (!file) {
        problem = std::string(media::kVideoCapturerEnv) + ": " + error;
        return nullptr;
      }
      auto source = ::rtc::make_ref_counted<rtc::FileVideoSource>(std::move(file));
      source->SetPreview(preview);
      source->Start();
      return source;
    }
    if (spec.kind == media::VideoCapturerSpec::Kind::kCamera) {
      auto camera = ::rtc::make_ref_counted<rtc::CameraVideoSource>();
      camera->SetPreview(preview);
      camera->SetFailureHandler([weak](const std::string &why) {
        if (auto self = weak.lock()) self->on_camera_failed(why);
      });
      std::string why;
      if (!camera->Start(spec.path, media::camera_capture_size(settings_.camera_resolution), why)) {
        problem = media::camera_problem(why);
        return nullptr;
      }
      otc::log(OTC_LOG_LEVEL_INFO, "publisher: capturing camera %s \"%s\" at %dx%d", camera->camera().path.c_str(),
               camera->camera().name.c_str(), camera->size().width, camera->size().height);
      return camera;
    }
    if (spec.kind != media::VideoCapturerSpec::Kind::kPattern) {
      problem = spec.problem;
      return nullptr;
    }
    width = spec.width;
    height = spec.height;
    fps = spec.fps;
  }
  auto pattern = ::rtc::make_ref_counted<rtc::PatternVideoSource>(width, height, fps);
  pattern->SetPreview(preview);
  pattern->Start();
  return pattern;
}

void PublisherCore::on_camera_failed(const std::string &why) {
  // On the camera source's thread: application callbacks run on the io thread.
  std::weak_ptr<PublisherCore> weak = weak_from_this();
  std::lock_guard<std::mutex> lock(mutex_);
  if (!link_) return;
  link_->post([weak, why] {
    if (auto self = weak.lock()) self->report_error(kVideoSourceUnavailable, why);
  });
}

PublisherCore::~PublisherCore() { stop_stats_ticker(); }

otc_status PublisherCore::publish(otc_session *session) {
  auto engine = acquire_media_engine();
  if (!engine) return OTC_MEDIA_ENGINE_NOT_INITIALIZED;
  SessionLink *link = session->link.get();
  const bool has_secret = session->has_secret.load();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (deleted_.load() || state_ != State::idle) return OTC_SESSION_ILLEGAL_STATE;
  }
  if (!link->connection_id()) return OTC_SESSION_NOT_CONNECTED;
  if (link->is_e2ee() && !has_secret) return OTC_PUBLISHER_ENCRYPTION_SECRET_MISSING;

  if (settings_.audio) {
    // Without a device to capture from, libwebrtc would publish a silent track and only log;
    // say so instead (the problem names OTC_AUDIO_DEVICE, which picks a stand-in).
    const std::string problem = engine->audio_device()->CaptureProblem();
    if (!problem.empty()) {
      report_error(kAudioDeviceUnavailable, problem);
      return kAudioDeviceUnavailable;
    }
  }

  // Media first (outside the lock: factory calls block on the signaling thread).
  Media media;
  media.engine = engine;
  if (settings_.audio && !settings_.audio_file.empty()) {
    std::string error;
    auto reader = media::open_encoded_media(settings_.audio_file, error);
    if (reader && reader->codec() != media::EncodedCodec::kOpus) error = settings_.audio_file + " is not an Ogg Opus file";
    // Packets replace 20 ms encoder frames one for one at most: shorter ones would play slow.
    for (size_t i = 0; reader && error.empty() && i < reader->frame_count(); ++i) {
      if (reader->FrameAt(i).duration_us < 20'000)
        error = settings_.audio_file + ": Opus packets of 20 ms or longer are needed (packet " + std::to_string(i) +
                " is shorter)";
    }
    if (reader && error.empty()) {
      media.audio_file = std::move(reader);
    } else {
      report_error(kAudioDeviceUnavailable, "encoded audio: " + error);
      return kAudioDeviceUnavailable;
    }
  }
  auto *factory = engine->factory();
  if (settings_.video) {
    std::string problem;
    media.source = make_video_source(problem);
    if (!media.source) {
      report_error(kVideoSourceUnavailable, problem);
      return kVideoSourceUnavailable;
    }
    media.video_track = factory->CreateVideoTrack("video", media.source.get());
  }
  if (settings_.audio) {
    cricket::AudioOptions options;
    if (settings_.auto_gain_control) options.auto_gain_control = *settings_.auto_gain_control;
    if (settings_.noise_suppression) options.noise_suppression = *settings_.noise_suppression;
    if (settings_.echo_cancellation) options.echo_cancellation = *settings_.echo_cancellation;
    auto audio_source = factory->CreateAudioSource(options);
    media.audio_track = factory->CreateAudioTrack("audio", audio_source.get());
  }
  if ((settings_.video && !media.video_track) || (settings_.audio && !media.audio_track)) {
    stop_media(std::move(media));
    return OTC_MEDIA_ENGINE_FAILURE;
  }

  uint64_t attempt;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (deleted_.load() || state_ != State::idle) {
      // Another thread won the race; undo outside the lock below.
      attempt = 0;
    } else {
      state_ = State::publishing;
      attempt = ++attempt_;
      link_ = link;
      session_ = session;
      e2ee_ = has_secret;
      ring_ = has_secret ? session->ring : nullptr;
      media_ = std::move(media);
    }
  }
  if (attempt == 0) {
    stop_media(std::move(media));
    return OTC_SESSION_ILLEGAL_STATE;
  }
  set_publish_audio(publish_audio_.load());
  set_publish_video(publish_video_.load());
  otc_status status = link->attach(shared_from_this());
  signaling::PublishRequest publish;
  publish.name = settings_.name;
  // The toggles as they are now; a change before the ack is sent after it (sync_toggles_locked).
  publish.has_audio = settings_.audio && publish_audio_.load();
  publish.has_video = settings_.video && publish_video_.load();
  // Neither a camera nor a screen unless the application says (otc_publisher_set_video_type).
  publish.video_type = !video_type_set_.load() ? "custom"
                       : video_type_.load() == OTC_PUBLISHER_VIDEO_TYPE_SCREEN ? "screen"
                                                                               : "camera";
  publish.e2ee = has_secret;
  publish.video_codec = settings_.video ? video_codec_name(settings_.codec) : "";
  publish.audio_codec = settings_.audio ? "opus" : "";
  {
    std::lock_guard<std::mutex> lock(mutex_);
    announced_audio_ = publish.has_audio;
    announced_video_ = publish.has_video;
    announced_size_ = 0;  // a new stream: its size is told again
  }
  json request = signaling::make_publish(publish);
  std::weak_ptr<PublisherCore> weak = weak_from_this();
  if (status == OTC_SUCCESS &&
      !link->request(std::move(request), [weak, attempt](const signaling::Reply &reply) {
        if (auto self = weak.lock()) self->on_publish_reply(attempt, reply);
      })) {
    status = OTC_SESSION_NOT_CONNECTED;
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

void PublisherCore::on_publish_reply(uint64_t attempt, const signaling::Reply &reply) {
  std::shared_ptr<otc_stream> stream;
  SessionLink *link = nullptr;
  std::string router_peer;
  Media taken;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (attempt != attempt_ || state_ != State::publishing) return;
    link = link_;
    if (reply.status == OTC_SUCCESS) {
      state_ = State::published;
      const signaling::PublishAck ack = signaling::parse_publish_ack(reply.body);
      stream_id_ = ack.stream_id;
      router_peer_id_ = ack.peer_id;  // routed sessions only
      router_peer = router_peer_id_;
      stream = std::make_shared<otc_stream>();
      stream->info.stream_id = stream_id_;
      stream->info.name = settings_.name;
      stream->info.has_audio = announced_audio_;
      stream->info.has_video = announced_video_;
      stream->info.e2ee = e2ee_;
      stream->info.creation_time = now_ms();
      stream->info.video_codec = settings_.video ? video_codec_name(settings_.codec) : "";
      stream->info.audio_codec = settings_.audio ? "opus" : "";
      auto own = link->own_connection();
      if (!own) own = std::make_shared<otc_connection>();
      stream->info.connection_id = own->info.connection_id;
      stream->connection = own;
      stream->live.reset(stream->info);
      stream_ = stream;
      sync_toggles_locked();  // toggled while the publish was on its way
    } else {
      state_ = State::idle;
      link_ = nullptr;
      session_ = nullptr;
      taken = take_media_locked();
    }
  }
  if (reply.status != OTC_SUCCESS) {
    link->detach(this);
    stop_media(std::move(taken));
    // The SDK reports a missing secret to the publisher with the session's code (6000).
    otc_status code = OTC_PUBLISHER_UNABLE_TO_PUBLISH;
    if (reply.status == OTC_SESSION_ENCRYPTION_SECRET_MISSING) code = OTC_SESSION_ENCRYPTION_SECRET_MISSING;
    if (reply.status == OTC_SESSION_CONNECTION_TIMED_OUT) code = OTC_PUBLISHER_TIMED_OUT;
    report_error(code, "publish refused: " + (reply.message.empty() ? std::string("no reason given") : reply.message));
    return;
  }
  link->route_stream(stream->info.stream_id, this);
  start_stats_ticker();
  otc::log(OTC_LOG_LEVEL_INFO, "publisher: stream %s published%s", stream->info.stream_id.c_str(),
           stream->info.e2ee ? " (end-to-end encrypted)" : "");
  if (!deleted_.load() && callbacks_.on_stream_created) {
    callbacks_.on_stream_created(handle_, callbacks_.user_data, stream.get());
  }
  // Routed: media goes to the router over one peer, offered now (docs/protocol.md).
  if (!router_peer.empty()) open_peer(router_peer);
}

void PublisherCore::on_session_event(const signaling::ServerEvent &event) {
  const signaling::EventType type = event.type;
  const std::string &peer_id = event.peer_id;
  if (type == signaling::EventType::subscriber_joined) {
    open_peer(peer_id);
    return;
  }
  if (type == signaling::EventType::mute_forced) {
    on_mute_forced(event.stream_id);
    return;
  }
  if (type == signaling::EventType::stream_destroyed) {
    // Its own unpublish detached it first: only a moderator's forceUnpublish reaches it here.
    on_stream_ended_by_server(event.stream_id, event.reason);
    return;
  }
  // The connection is held only while used: closing it below must not leave this thread
  // holding the last reference (see MediaEngine::PeerHold).
  std::shared_ptr<rtc::PeerLink> peer;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = media_.peers.find(peer_id);
    if (it == media_.peers.end()) return;
    peer = it->second.link;
  }
  if (type == signaling::EventType::answer) {
    peer->AcceptAnswer(event.sdp);
  } else if (type == signaling::EventType::candidate) {
    peer->AddRemoteCandidate(event.candidate.mid, event.candidate.mline_index, event.candidate.sdp);
  } else if (type == signaling::EventType::peer_closed) {
    peer.reset();
    if (is_router_peer(peer_id) && event.reason == "routerRestarted") {
      on_router_restarted(peer_id, event.message);
      return;
    }
    if (is_router_peer(peer_id)) {
      const std::string &why = event.message;
      report_error(OTC_PUBLISHER_WEBRTC_ERROR,
                   "the media router closed the stream" + (why.empty() ? std::string() : ": " + why));
    }
    close_peer(peer_id);
  }
}

void PublisherCore::on_mute_forced(const std::string &stream_id) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::published || stream_id != stream_id_) return;
  }
  otc::log(OTC_LOG_LEVEL_INFO, "publisher: stream %s muted by a moderator", stream_id.c_str());
  // The application's own toggle, as if it had turned audio off: the stream's hasAudio changes
  // for everyone, and turning it back on is the application's to do.
  set_publish_audio(false);
  const auto callback = on_mute_forced_.load();
  if (callback && !deleted_.load()) callback(handle_, callbacks_.user_data);
}

void PublisherCore::on_router_restarted(const std::string &peer_id, const std::string &message) {
  bool again;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    while (!router_restarts_.empty() && now - router_restarts_.front() > std::chrono::minutes(1)) {
      router_restarts_.pop_front();
    }
    again = router_restarts_.size() < kMaxRouterRestarts;
    if (again) router_restarts_.push_back(now);
  }
  close_peer(peer_id);
  if (!again) {
    report_error(OTC_PUBLISHER_WEBRTC_ERROR, "the media router lost the stream " + std::to_string(kMaxRouterRestarts) +
                                                 " times within a minute: giving up (" + message + ")");
    return;
  }
  otc::log(OTC_LOG_LEVEL_WARN, "publisher: the media router lost peer %s (%s): offering the stream again",
           peer_id.c_str(), message.c_str());
  open_peer(peer_id);
}

bool PublisherCore::is_router_peer(const std::string &peer_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !router_peer_id_.empty() && peer_id == router_peer_id_;
}

void PublisherCore::open_peer(const std::string &peer_id) {
  std::shared_ptr<rtc::MediaEngine> engine;
  ::rtc::scoped_refptr<webrtc::VideoTrackInterface> video_track;
  ::rtc::scoped_refptr<webrtc::AudioTrackInterface> audio_track;
  std::shared_ptr<e2ee::KeyRing> ring;
  std::string stream_id;
  SessionLink *link;
  bool refused;
  bool to_router;
  std::shared_ptr<e2ee::FrameSealer> video_frames, audio_frames;
  std::shared_ptr<const media::EncodedMediaReader> audio_file;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::published || peer_id.empty() || media_.peers.count(peer_id)) return;
    audio_file = media_.audio_file;
    to_router = !router_peer_id_.empty() && peer_id == router_peer_id_;
    if (to_router) {
      video_frames = media_.router_video_frames;
      audio_frames = media_.router_audio_frames;
    }
    refused = media_.peers.size() >= static_cast<size_t>(settings_.max_subscribers);
    if (refused) ++subscribers_refused_;
    engine = media_.engine;
    video_track = media_.video_track;
    audio_track = media_.audio_track;
    ring = ring_;
    stream_id = stream_id_;
    link = link_;
  }
  if (refused) {
    // The protocol has no way to refuse a subscription: no peer connection is made, and the
    // subscriber's own ICE bound ends it. Reported as the browser client does.
    report_error(OTC_PUBLISHER_WEBRTC_ERROR, "refused a subscriber: this publisher already has " +
                                                 std::to_string(settings_.max_subscribers) +
                                                 " peer connections (the client's limit)");
    return;
  }
  std::weak_ptr<PublisherCore> weak = weak_from_this();
  rtc::PeerLink::Listener listener;
  listener.on_candidate = [weak, peer_id](const std::string &mid, int index, const std::string &candidate) {
    auto self = weak.lock();
    if (!self) return;
    std::lock_guard<std::mutex> lock(self->mutex_);
    if (!self->link_) return;
    // This end of the peer: a session subscribed to its own stream holds both (docs/protocol.md).
    self->link_->request(signaling::make_candidate(peer_id, mid, index, candidate, "publisher"),
                         [](const signaling::Reply &) {});
  };
  listener.on_state = [weak, peer_id](webrtc::PeerConnectionInterface::PeerConnectionState state) {
    if (state != webrtc::PeerConnectionInterface::PeerConnectionState::kFailed) return;
    if (auto self = weak.lock()) self->on_peer_failed(peer_id, "the connection to a subscriber failed");
  };
  listener.on_failure = [weak, peer_id](const std::string &message) {
    if (auto self = weak.lock()) self->on_peer_failed(peer_id, message);
  };
  listener.on_ice_failure = [weak, peer_id](const std::string &message) {
    auto self = weak.lock();
    if (!self) return;
    // Unlike other failures of one subscriber's peer, the application hears of this one: it is
    // how a network that needs TURN (or a TURN server that is down) shows.
    if (!self->is_router_peer(peer_id)) self->report_error(OTC_PUBLISHER_WEBRTC_ERROR, message);
    self->on_peer_failed(peer_id, message);
  };
  {
    // This end offers, so it restarts ICE when a connected path is lost: the server relays the
    // new offer like the first, or gives it to the router (docs/protocol.md, "ICE restarts"). A
    // router that died makes the peer again instead (routerRestarted).
    const bool e2ee_offer = ring != nullptr;
    listener.signaling_up = [weak] {
      auto self = weak.lock();
      if (!self) return false;
      std::lock_guard<std::mutex> lock(self->mutex_);
      return self->link_ != nullptr && self->link_->signaling_up();
    };
    listener.on_ice_restart_offer = [weak, peer_id, e2ee_offer](const std::string &sdp) {
      auto self = weak.lock();
      if (!self) return;
      std::lock_guard<std::mutex> lock(self->mutex_);
      if (!self->link_) return;
      self->link_->request(signaling::make_offer(peer_id, sdp, e2ee_offer), [](const signaling::Reply &) {});
    };
  }
  auto peer_link = rtc::PeerLink::Create(*engine, "publisher " + stream_id + " to " + peer_id, std::move(listener),
                                         link->ice_settings());
  if (!peer_link) {
    report_error(OTC_PUBLISHER_WEBRTC_ERROR, "cannot create a peer connection for a subscriber");
    return;
  }
  Peer peer;
  peer.link = peer_link;
  peer.opened_ms = static_cast<double>(now_ms());
  webrtc::RtpTransceiverInit init;
  init.direction = webrtc::RtpTransceiverDirection::kSendOnly;
  init.stream_ids = {stream_id};
  auto *pc = peer_link->connection();
  std::string failure;
  if (video_track) {
    auto transceiver = pc->AddTransceiver(video_track, init);
    if (!transceiver.ok()) {
      failure = std::string("cannot add the video track: ") + transceiver.error().message();
    } else {
      // Only the chosen codec (and its retransmissions): the far end cannot pick another.
      std::vector<webrtc::RtpCodecCapability> preferred;
      const std::string wanted = video_codec_name(settings_.codec);
      for (const auto &codec : engine->factory()->GetRtpSenderCapabilities(cricket::MEDIA_TYPE_VIDEO).codecs) {
        if (codec.name == wanted || codec.name == "rtx") preferred.push_back(codec);
      }
      auto set = transceiver.value()->SetCodecPreferences(preferred);
      if (!set.ok()) failure = std::string("the codec ") + wanted + " is not available: " + set.message();
      if (ring && failure.empty()) {
        const auto *suite = e2ee::find_cipher_suite(OTC_E2EE_DEFAULT_SUITE);
        if (!video_frames) video_frames = std::make_shared<e2ee::FrameSealer>(ring, *suite);
        peer.video_sealer = rtc::E2eeFrameTransformer::CreateSender(video_frames, rtc::E2eeFrameTransformer::Kind::kVideo,
            e2ee_codec_for(settings_.codec));
        // Before the offer: the first key frame is sealed too.
        transceiver.value()->sender()->SetEncoderToPacketizerFrameTransformer(peer.video_sealer);
      }
      if (!settings_.video_file.empty() && failure.empty()) {
        // A file's frames are sent as they are: no adaptation may scale or drop them.
        auto sender = transceiver.value()->sender();
        webrtc::RtpParameters parameters = sender->GetParameters();
        parameters.degradation_preference = webrtc::DegradationPreference::DISABLED;
        const auto result = sender->SetParameters(parameters);
        if (!result.ok()) failure = std::string("cannot disable video adaptation: ") + result.message();
      }
    }
  }
  if (audio_track && failure.empty()) {
    auto transceiver = pc->AddTransceiver(audio_track, init);
    if (!transceiver.ok()) {
      failure = std::string("cannot add the audio track: ") + transceiver.error().message();
    } else if (ring) {
      const auto *suite = e2ee::find_cipher_suite(OTC_E2EE_DEFAULT_SUITE);
      if (!audio_frames) audio_frames = std::make_shared<e2ee::FrameSealer>(ring, *suite);
      peer.audio_sealer = rtc::E2eeFrameTransformer::CreateSender(audio_frames, rtc::E2eeFrameTransformer::Kind::kAudio);
      if (!audio_file) transceiver.value()->sender()->SetEncoderToPacketizerFrameTransformer(peer.audio_sealer);
    }
    if (transceiver.ok() && audio_file) {
      // The file's packets replace the encoder's frames ahead of the sealer (if any).
      peer.audio_injector = rtc::EncodedAudioInjector::Create(audio_file->Clone(), peer.audio_sealer);
      transceiver.value()->sender()->SetEncoderToPacketizerFrameTransformer(peer.audio_injector);
    }
  }
  if (!failure.empty()) {
    peer_link->Close();
    report_error(ring && failure.find("codec") != std::string::npos ? OTC_PUBLISHER_ENCRYPTION_UNSUPPORTED_CODEC
                                                                   : OTC_PUBLISHER_WEBRTC_ERROR,
                 failure);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::published || link_ != link) {
      peer_link->Close();
      return;
    }
    media_.peers[peer_id] = peer;
    if (to_router) {
      media_.router_video_frames = video_frames;
      media_.router_audio_frames = audio_frames;
    }
  }
  link->route_peer(peer_id, this);
  apply_audio_bitrate(peer_link);
  const bool e2ee = ring != nullptr;
  peer_link->MakeOffer([weak, peer_id, e2ee](const std::string &sdp) {
    auto self = weak.lock();
    if (!self) return;
    std::lock_guard<std::mutex> lock(self->mutex_);
    if (!self->link_) return;
    self->link_->request(signaling::make_offer(peer_id, sdp, e2ee),
                         [weak, peer_id](const signaling::Reply &reply) {
                           if (reply.status == OTC_SUCCESS) return;
                           if (auto self = weak.lock()) self->on_peer_failed(peer_id, "offer refused: " + reply.message);
                         });
  });
}

void PublisherCore::on_peer_failed(const std::string &peer_id, const std::string &message) {
  otc::log(OTC_LOG_LEVEL_WARN, "publisher: peer %s: %s", peer_id.c_str(), message.c_str());
  // A relayed peer is one subscriber; the router's peer is the whole stream.
  if (is_router_peer(peer_id)) report_error(OTC_PUBLISHER_WEBRTC_ERROR, "the connection to the media router failed: " + message);
  // Called on the signaling thread: closing blocks on it, so move to the io thread.
  std::weak_ptr<PublisherCore> weak = weak_from_this();
  std::lock_guard<std::mutex> lock(mutex_);
  if (!link_) return;
  link_->post([weak, peer_id] {
    if (auto self = weak.lock()) self->close_peer(peer_id);
  });
}

void PublisherCore::fold_counters_locked(const Peer &peer) {
  if (peer.video_sealer) closed_video_ += peer.video_sealer->counters();
  if (peer.audio_sealer) closed_audio_ += peer.audio_sealer->counters();
}

void PublisherCore::close_peer(const std::string &peer_id) {
  Peer peer;
  SessionLink *link;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = media_.peers.find(peer_id);
    if (it == media_.peers.end()) return;
    peer = std::move(it->second);
    media_.peers.erase(it);
    fold_counters_locked(peer);
    link = link_;
  }
  if (link) link->unroute_peer(peer_id, this);
  peer.link->Close();
}

PublisherCore::Media PublisherCore::take_media_locked() {
  for (const auto &[id, peer] : media_.peers) fold_counters_locked(peer);
  Media media = std::move(media_);
  media_ = Media{};
  return media;
}

void PublisherCore::stop_media(Media media) {
  // The order that tears libwebrtc down cleanly (docs/platform-facts.md section 1.4): sources
  // stop, connections close, then connections, tracks and sources go, and the engine last.
  if (media.source) media.source->Stop();
  for (auto &[id, peer] : media.peers) peer.link->Close();
  media.peers.clear();
  media.video_track = nullptr;
  media.audio_track = nullptr;
  media.source = nullptr;
  media.engine.reset();
}

PublisherCore::Publication PublisherCore::end_publication_locked() {
  Publication ended{link_, stream_id_, state_ == State::published ? stream_ : nullptr, take_media_locked()};
  state_ = State::idle;
  ++attempt_;
  link_ = nullptr;
  session_ = nullptr;
  stream_id_.clear();
  router_peer_id_.clear();
  return ended;
}

otc_status PublisherCore::unpublish(otc_session *session) {
  const EndingReport report = begin_media_report();
  Publication publication;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ == State::idle || link_ != session->link.get()) return OTC_SESSION_PUBLISHER_NOT_FOUND;
    publication = end_publication_locked();
  }
  SessionLink *link = publication.link;
  const std::string &stream_id = publication.stream_id;
  if (!stream_id.empty()) link->request(signaling::make_unpublish(stream_id), [](const signaling::Reply &) {});
  link->detach(this);
  stop_media(std::move(publication.media));
  append_media_report(report, stream_id, "clientUnpublished");
  if (publication.stream) {
    auto ended = std::make_shared<otc_stream>(*publication.stream);
    ended->destroyed = end_reason_from_server("clientUnpublished");
    std::weak_ptr<PublisherCore> weak = weak_from_this();
    link->post([weak, ended] {
      if (auto self = weak.lock()) self->report_stream_destroyed(ended);
    });
  }
  return OTC_SUCCESS;
}

void PublisherCore::on_stream_ended_by_server(const std::string &ended_id, const std::string &reason) {
  const EndingReport report = begin_media_report();
  Publication ended;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ == State::idle || ended_id.empty() || ended_id != stream_id_) return;
    ended = end_publication_locked();
  }
  otc::log(OTC_LOG_LEVEL_INFO, "publisher: stream %s ended by the server (%s)", ended_id.c_str(), reason.c_str());
  // The stream is gone on the server: nothing to unpublish. The publisher may be published again.
  if (ended.link) ended.link->detach(this);
  stop_media(std::move(ended.media));
  append_media_report(report, ended_id, reason.c_str());
  if (!ended.stream) return;
  auto destroyed = std::make_shared<otc_stream>(*ended.stream);
  destroyed->destroyed = end_reason_from_server(reason);
  report_stream_destroyed(destroyed);
}

void PublisherCore::on_session_gone() {
  const EndingReport report = begin_media_report();
  Publication gone;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ == State::idle) return;
    gone = end_publication_locked();
  }
  stop_media(std::move(gone.media));
  append_media_report(report, gone.stream_id, "sessionDisconnected");
  if (!gone.stream) return;
  // The stream ends as the session did: disconnected by the application, or its link dropped.
  auto ended = std::make_shared<otc_stream>(*gone.stream);
  const EndReason session_end = gone.link ? gone.link->disconnect_reason() : EndReason{};
  ended->destroyed = end_reason_from_server(session_end.reason ? session_end.reason : "clientDisconnected");
  report_stream_destroyed(ended);
}

void PublisherCore::shutdown() {
  deleted_.store(true);
  stop_stats_ticker();
  const EndingReport report = begin_media_report();
  Publication publication;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    publication = end_publication_locked();
  }
  SessionLink *link = publication.link;
  const std::string &stream_id = publication.stream_id;
  if (link) {
    if (!stream_id.empty()) {
      link->request(signaling::make_unpublish(stream_id), [](const signaling::Reply &) {});
    }
    link->detach(this);
    link->sync_io();  // a callback of ours that is running on the io thread finishes first
  }
  stop_media(std::move(publication.media));
  append_media_report(report, stream_id, "publisherDeleted");
}

PublisherCore::EndingReport PublisherCore::begin_media_report() {
  EndingReport report;
  report.path = media_report_path();
  if (!report.path.empty()) stats(&report.stats);
  return report;
}

void PublisherCore::append_media_report(const EndingReport &report, const std::string &stream_id,
                                        const char *end_reason) {
  // Only a publication that had a stream: a publisher never published, or already ended, has
  // nothing to say.
  if (report.path.empty() || stream_id.empty()) return;
  const otc_publisher_stats &s = report.stats;
  char numbers[512];
  std::snprintf(numbers, sizeof numbers,
                "\"video_frames_captured\":%llu,\"video_frames_sent\":%llu,\"video_frames_sealed\":%llu,"
                "\"audio_frames_sent\":%llu,\"audio_frames_sealed\":%llu,\"seal_errors\":%llu,"
                "\"width\":%d,\"height\":%d,\"subscribers\":%u,\"pid\":%d",
                (unsigned long long)s.video_frames_captured, (unsigned long long)s.video_frames_sent,
                (unsigned long long)s.video_frames_sealed, (unsigned long long)s.audio_frames_sent,
                (unsigned long long)s.audio_frames_sealed, (unsigned long long)s.seal_errors, s.video_width,
                s.video_height, s.subscribers, static_cast<int>(getpid()));
  media_report_append(report.path, std::string("{\"type\":\"publisher\",\"stream_id\":") +
                                       media_report_quote(stream_id) + ",\"e2ee\":" +
                                       (s.e2ee ? "true" : "false") + ",\"end\":" + media_report_quote(end_reason) +
                                       "," + numbers + "}");
}

void PublisherCore::report_error(otc_status status, const std::string &message) {
  otc::log(OTC_LOG_LEVEL_WARN, "publisher: %s (%d)", message.c_str(), static_cast<int>(status));
  if (!deleted_.load() && callbacks_.on_error) {
    callbacks_.on_error(handle_, callbacks_.user_data, message.c_str(), static_cast<otc_publisher_error_code>(status));
  }
}

void PublisherCore::report_stream_destroyed(const std::shared_ptr<otc_stream> &stream) {
  if (!deleted_.load() && callbacks_.on_stream_destroyed) {
    callbacks_.on_stream_destroyed(handle_, callbacks_.user_data, stream.get());
  }
}

otc_status PublisherCore::push_video_frame(otc_video_frame_format format, int width, int height,
                                           const uint8_t *data, size_t size) {
  if (settings_.source != OTC_VIDEO_SOURCE_PUSHED || !settings_.video) return OTC_MEDIA_ILLEGAL_STATE;
  ::rtc::scoped_refptr<rtc::PublisherVideoSource> source;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    source = media_.source;
  }
  if (!source) {
    // Validate anyway, so bad input is reported the same way before publishing.
    return rtc::PushedVideoSource::Validate(format, width, height, data, size);
  }
  return static_cast<rtc::PushedVideoSource *>(source.get())->Push(format, width, height, data, size);
}

void PublisherCore::note_video_size(int width, int height) {
  if (width <= 0 || height <= 0 || width > signaling::kMaxVideoDimension || height > signaling::kMaxVideoDimension) return;
  const uint32_t packed = static_cast<uint32_t>(width) << 16 | static_cast<uint32_t>(height);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch()).count();
  if (seen_size_.exchange(packed) != packed) {
    seen_since_ms_ = now;
    return;
  }
  if (announced_size_.load() == packed || now - seen_since_ms_.load() < kSizeSettle.count()) return;
  // Rare (once per settled size): the lock is taken off the fast path only.
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ != State::published || !link_ || !stream_ || announced_size_.load() == packed) return;
  announced_size_ = packed;
  stream_->live.set_size(width, height);
  link_->request(signaling::make_stream_video_dimensions(stream_id_, width, height), [](const signaling::Reply &) {});
}

void PublisherCore::sync_toggles_locked() {
  if (state_ != State::published || !link_ || !stream_) return;
  // A kind the stream has no track for stays off, whatever the toggle says.
  const bool audio = settings_.audio && publish_audio_.load();
  const bool video = settings_.video && publish_video_.load();
  if (audio != announced_audio_) {
    announced_audio_ = audio;
    stream_->live.set_has_audio(audio);
    link_->request(signaling::make_stream_has_audio(stream_id_, audio), [](const signaling::Reply &) {});
  }
  if (video != announced_video_) {
    announced_video_ = video;
    stream_->live.set_has_video(video);
    link_->request(signaling::make_stream_has_video(stream_id_, video), [](const signaling::Reply &) {});
  }
}

// Track calls are proxied to libwebrtc's threads, whose callbacks may wait for mutex_: never
// make them with it held.
otc_status PublisherCore::set_publish_audio(bool enabled) {
  ::rtc::scoped_refptr<webrtc::AudioTrackInterface> track;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    publish_audio_ = enabled;
    track = media_.audio_track;
    sync_toggles_locked();
  }
  if (track) track->set_enabled(enabled);
  return OTC_SUCCESS;
}

otc_status PublisherCore::set_publish_video(bool enabled) {
  ::rtc::scoped_refptr<webrtc::VideoTrackInterface> track;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    publish_video_ = enabled;
    track = media_.video_track;
    sync_toggles_locked();
  }
  if (track) track->set_enabled(enabled);
  return OTC_SUCCESS;
}

void PublisherCore::stats(otc_publisher_stats *out) {
  *out = otc_publisher_stats{};
  out->rtt_ms = -1;
  rtc::E2eeFrameTransformer::Counters video, audio;
  std::vector<std::shared_ptr<rtc::PeerLink>> links;
  std::shared_ptr<e2ee::KeyRing> ring;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    video = closed_video_;
    audio = closed_audio_;
    for (const auto &[id, peer] : media_.peers) {
      if (peer.video_sealer) video += peer.video_sealer->counters();
      if (peer.audio_sealer) audio += peer.audio_sealer->counters();
      links.push_back(peer.link);
    }
    if (media_.source) out->video_frames_captured = media_.source->frames_captured();
    out->e2ee = e2ee_ ? OTC_TRUE : OTC_FALSE;
    out->subscribers_refused = subscribers_refused_;
    ring = ring_;
  }
  out->subscribers = static_cast<uint32_t>(links.size());
  out->video_frames_sealed = video.sealed;
  out->audio_frames_sealed = audio.sealed;
  out->seal_errors = video.dropped_error + audio.dropped_error + video.dropped_no_codec + audio.dropped_no_codec;
  out->audio_frames_sent = audio.sealed + audio.passed_through_empty;
  bool first = true;
  for (const auto &link : links) {
    const auto s = link->stats();
    if (!s.valid) continue;
    out->bytes_sent += s.video_bytes_sent + s.audio_bytes_sent;
    out->video_frames_sent += s.frames_encoded;
    out->video_bitrate_bps += s.video_send_bps;
    out->audio_bitrate_bps += s.audio_send_bps;
    if (first) {
      out->video_fps = s.fps;
      out->video_width = s.width;
      out->video_height = s.height;
      out->rtt_ms = s.rtt_ms;
      first = false;
    }
    if (!out->local_candidate_type[0] && !s.local_candidate_type.empty()) {
      copy_stats_text(out->local_candidate_type, sizeof out->local_candidate_type, s.local_candidate_type);
      copy_stats_text(out->remote_candidate_type, sizeof out->remote_candidate_type, s.remote_candidate_type);
      copy_stats_text(out->relay_protocol, sizeof out->relay_protocol, s.relay_protocol);
    }
  }
  if (ring) {
    if (auto current = ring->current()) out->encryption_epoch = current->id;
  }
}

std::shared_ptr<otc_stream> PublisherCore::own_stream(const std::string &stream_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_ == State::published && stream_ && stream_->info.stream_id == stream_id ? stream_ : nullptr;
}

otc_stream *PublisherCore::stream() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stream_ && state_ == State::published ? stream_.get() : nullptr;
}

otc_session *PublisherCore::session() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return session_;
}

otc_status PublisherCore::set_max_audio_bitrate(uint32_t bitrate) {
  if (bitrate < 6000 || bitrate > 510000) return OTC_INVALID_PARAM;
  max_audio_bitrate_ = bitrate;
  std::vector<std::shared_ptr<rtc::PeerLink>> links;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto &[id, peer] : media_.peers) links.push_back(peer.link);
  }
  for (const auto &link : links) apply_audio_bitrate(link);
  return OTC_SUCCESS;
}

// Sender calls are proxied to the signaling thread: never with mutex_ held.
void PublisherCore::apply_audio_bitrate(const std::shared_ptr<rtc::PeerLink> &link) {
  const uint32_t bitrate = max_audio_bitrate_.load();
  if (bitrate == 0 || !link->connection()) return;
  for (const auto &sender : link->connection()->GetSenders()) {
    if (sender->media_type() != cricket::MEDIA_TYPE_AUDIO) continue;
    webrtc::RtpParameters parameters = sender->GetParameters();
    for (auto &encoding : parameters.encodings) encoding.max_bitrate_bps = static_cast<int>(bitrate);
    const auto result = sender->SetParameters(parameters);
    if (!result.ok()) otc::log(OTC_LOG_LEVEL_WARN, "publisher: cannot cap the audio bitrate: %s", result.message());
  }
}

const char *PublisherCore::stream_id() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stream_ && state_ == State::published ? stream_->info.stream_id.c_str() : nullptr;
}

}  // namespace otc
