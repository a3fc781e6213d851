// End to end in one process: two peer connections of one MediaEngine on 127.0.0.1, VP8 video
// from a synthetic source and Opus audio from the engine's test audio device, every encoded frame
// sealed by the sender's E2eeFrameTransformer and opened by the receiver's.
#include "rtc/webrtc_build_guard.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <api/jsep.h>
#include <api/make_ref_counted.h>
#include <api/media_stream_interface.h>
#include <api/peer_connection_interface.h>
#include <api/rtp_transceiver_interface.h>
#include <api/set_local_description_observer_interface.h>
#include <api/set_remote_description_observer_interface.h>
#include <api/video/i420_buffer.h>
#include <api/video/video_frame.h>
#include <api/video/video_sink_interface.h>
#include <media/base/adapted_video_track_source.h>
#include <rtc_base/time_utils.h>

#include <gtest/gtest.h>

#include "e2ee/cipher_suite.h"
#include "e2ee/frame_opener.h"
#include "e2ee/frame_sealer.h"
#include "e2ee/key_derivation.h"
#include "e2ee/key_ring.h"
#include "rtc/e2ee_frame_transformer.h"
#include "rtc/media_engine.h"

namespace {

using otc::rtc::E2eeFrameTransformer;
using Clock = std::chrono::steady_clock;

constexpr char kSessionId[] = "rtc-e2ee-call-test-session";
constexpr char kSecret[] = "correct horse battery staple";
constexpr char kOtherSecret[] = "a different secret altogether";
constexpr int kWidth = 320, kHeight = 240, kFps = 30;

// Key ring + sealer + opener for one participant, as otc_frame_cryptor_new builds them.
struct Crypto {
  std::shared_ptr<otc::e2ee::KeyRing> ring;
  std::shared_ptr<otc::e2ee::FrameSealer> sealer;
  std::shared_ptr<otc::e2ee::FrameOpener> opener;
};

Crypto MakeCrypto(const char* secret) {
  Crypto c;
  const auto* suite = otc::e2ee::find_cipher_suite(OTC_E2EE_DEFAULT_SUITE);
  EXPECT_NE(suite, nullptr);
  auto key = otc::e2ee::derive_base_key(secret, kSessionId);
  EXPECT_TRUE(key.has_value());
  c.ring = std::make_shared<otc::e2ee::KeyRing>(
      std::chrono::milliseconds(OTC_E2EE_DEFAULT_GRACE_PERIOD_MS));
  EXPECT_TRUE(c.ring->install(std::move(*key)));
  c.sealer = std::make_shared<otc::e2ee::FrameSealer>(c.ring, *suite);
  c.opener = std::make_shared<otc::e2ee::FrameOpener>(c.ring, *suite);
  return c;
}

// A video source a test thread pushes I420 frames into.
class SyntheticVideoSource : public rtc::AdaptedVideoTrackSource {
 public:
  SyntheticVideoSource() = default;
  void Push(int index) {
    auto buffer = webrtc::I420Buffer::Create(kWidth, kHeight);
    // A moving pattern so the encoder has real work and real deltas.
    for (int y = 0; y < kHeight; ++y) {
      uint8_t* row = buffer->MutableDataY() + y * buffer->StrideY();
      for (int x = 0; x < kWidth; ++x) row[x] = static_cast<uint8_t>((x + y + index * 4) & 0xFF);
    }
    for (int y = 0; y < kHeight / 2; ++y) {
      uint8_t* u = buffer->MutableDataU() + y * buffer->StrideU();
      uint8_t* v = buffer->MutableDataV() + y * buffer->StrideV();
      for (int x = 0; x < kWidth / 2; ++x) {
        u[x] = static_cast<uint8_t>((x * 2 + index) & 0xFF);
        v[x] = static_cast<uint8_t>((y * 2 + index * 3) & 0xFF);
      }
    }
    OnFrame(webrtc::VideoFrame::Builder()
                .set_video_frame_buffer(buffer)
                .set_timestamp_us(rtc::TimeMicros())
                .set_rotation(webrtc::kVideoRotation_0)
                .build());
  }
  SourceState state() const override { return kLive; }
  bool remote() const override { return false; }
  bool is_screencast() const override { return false; }
  absl::optional<bool> needs_denoising() const override { return false; }
};

// Pushes frames at kFps from its own thread until stopped.
class FramePump {
 public:
  explicit FramePump(rtc::scoped_refptr<SyntheticVideoSource> source)
      : source_(std::move(source)), thread_([this] { Run(); }) {}
  ~FramePump() { Stop(); }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    auto next = Clock::now();
    for (int i = 0;; ++i) {
      source_->Push(i);
      next += std::chrono::microseconds(1000000 / kFps);
      std::unique_lock<std::mutex> lock(mutex_);
      if (cv_.wait_until(lock, next, [this] { return stop_; })) return;
    }
  }
  rtc::scoped_refptr<SyntheticVideoSource> source_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

class CountingSink : public rtc::VideoSinkInterface<webrtc::VideoFrame> {
 public:
  void OnFrame(const webrtc::VideoFrame& frame) override {
    if (frames_.fetch_add(1) == 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      first_ = Clock::now();
    }
    width_ = frame.width();
    height_ = frame.height();
  }
  int frames() const { return frames_.load(); }
  Clock::time_point first() {
    std::lock_guard<std::mutex> lock(mutex_);
    return first_;
  }
  std::atomic<int> width_{0}, height_{0};

 private:
  std::atomic<int> frames_{0};
  std::mutex mutex_;
  Clock::time_point first_{};
};

struct CandidateText {
  std::string mid;
  int mline_index;
  std::string sdp;
};

// One side's observer: queues its ICE candidates (as SDP strings) for the test thread to hand
// over, and on the receiving side attaches the receive transformers and the video sink.
class Observer : public webrtc::PeerConnectionObserver {
 public:
  std::function<void(rtc::scoped_refptr<webrtc::RtpTransceiverInterface>)> on_track;

  void OnSignalingChange(webrtc::PeerConnectionInterface::SignalingState) override {}
  void OnDataChannel(rtc::scoped_refptr<webrtc::DataChannelInterface>) override {}
  void OnIceGatheringChange(webrtc::PeerConnectionInterface::IceGatheringState) override {}
  void OnIceConnectionChange(webrtc::PeerConnectionInterface::IceConnectionState) override {}
  void OnConnectionChange(webrtc::PeerConnectionInterface::PeerConnectionState state) override {
    if (state == webrtc::PeerConnectionInterface::PeerConnectionState::kConnected) {
      bool expected = false;
      if (connected_.compare_exchange_strong(expected, true)) {
        std::lock_guard<std::mutex> lock(mutex_);
        connected_at_ = Clock::now();
      }
    }
  }
  void OnIceCandidate(const webrtc::IceCandidateInterface* candidate) override {
    CandidateText text;
    text.mid = candidate->sdp_mid();
    text.mline_index = candidate->sdp_mline_index();
    if (!candidate->ToString(&text.sdp)) return;
    std::lock_guard<std::mutex> lock(mutex_);
    candidates_.push_back(std::move(text));
  }
  void OnTrack(rtc::scoped_refptr<webrtc::RtpTransceiverInterface> transceiver) override {
    if (on_track) on_track(transceiver);
  }
  std::vector<CandidateText> TakeCandidates() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<CandidateText> out(candidates_.begin(), candidates_.end());
    candidates_.clear();
    return out;
  }
  bool connected() const { return connected_.load(); }
  Clock::time_point connected_at() {
    std::lock_guard<std::mutex> lock(mutex_);
    return connected_at_;
  }

 private:
  std::mutex mutex_;
  std::deque<CandidateText> candidates_;
  std::atomic<bool> connected_{false};
  Clock::time_point connected_at_{};
};

class CreateSdpObserver : public webrtc::CreateSessionDescriptionObserver {
 public:
  void OnSuccess(webrtc::SessionDescriptionInterface* desc) override {
    std::string sdp;
    desc->ToString(&sdp);
    delete desc;  // we hand the description over as text
    promise_.set_value(sdp);
  }
  void OnFailure(webrtc::RTCError error) override {
    ADD_FAILURE() << "create description: " << error.message();
    promise_.set_value("");
  }
  std::future<std::string> future() { return promise_.get_future(); }

 private:
  std::promise<std::string> promise_;
};

class SetLocalObserver : public webrtc::SetLocalDescriptionObserverInterface {
 public:
  void OnSetLocalDescriptionComplete(webrtc::RTCError error) override {
    promise_.set_value(error.ok() ? "" : error.message());
  }
  std::future<std::string> future() { return promise_.get_future(); }

 private:
  std::promise<std::string> promise_;
};

class SetRemoteObserver : public webrtc::SetRemoteDescriptionObserverInterface {
 public:
  void OnSetRemoteDescriptionComplete(webrtc::RTCError error) override {
    promise_.set_value(error.ok() ? "" : error.message());
  }
  std::future<std::string> future() { return promise_.get_future(); }

 private:
  std::promise<std::string> promise_;
};

constexpr auto kStepTimeout = std::chrono::seconds(20);

template <typename T>
bool WaitFor(std::future<T>& future) {
  return future.wait_for(kStepTimeout) == std::future_status::ready;
}

// Creates an offer or answer on pc, sets it locally; returns its SDP text ("" on failure).
std::string CreateAndSetLocal(webrtc::PeerConnectionInterface* pc, bool offer) {
  auto create = rtc::make_ref_counted<CreateSdpObserver>();
  auto created = create->future();
  webrtc::PeerConnectionInterface::RTCOfferAnswerOptions options;
  if (offer) {
    pc->CreateOffer(create.get(), options);
  } else {
    pc->CreateAnswer(create.get(), options);
  }
  if (!WaitFor(created)) {
    ADD_FAILURE() << "create description timed out";
    return "";
  }
  const std::string sdp = created.get();
  if (sdp.empty()) return "";
  webrtc::SdpParseError error;
  auto desc = webrtc::CreateSessionDescription(offer ? webrtc::SdpType::kOffer
                                                     : webrtc::SdpType::kAnswer,
                                               sdp, &error);
  if (!desc) {
    ADD_FAILURE() << "parse own sdp: " << error.description;
    return "";
  }
  auto set = rtc::make_ref_counted<SetLocalObserver>();
  auto done = set->future();
  pc->SetLocalDescription(std::move(desc), set);
  if (!WaitFor(done)) {
    ADD_FAILURE() << "set local description timed out";
    return "";
  }
  const std::string message = done.get();
  if (!message.empty()) {
    ADD_FAILURE() << "set local description: " << message;
    return "";
  }
  return sdp;
}

bool SetRemote(webrtc::PeerConnectionInterface* pc, webrtc::SdpType type, const std::string& sdp) {
  webrtc::SdpParseError error;
  auto desc = webrtc::CreateSessionDescription(type, sdp, &error);
  if (!desc) {
    ADD_FAILURE() << "parse remote sdp: " << error.description;
    return false;
  }
  auto set = rtc::make_ref_counted<SetRemoteObserver>();
  auto done = set->future();
  pc->SetRemoteDescription(std::move(desc), set);
  if (!WaitFor(done)) {
    ADD_FAILURE() << "set remote description timed out";
    return false;
  }
  const std::string message = done.get();
  EXPECT_EQ(message, "");
  return message.empty();
}

int HandOver(Observer& from, webrtc::PeerConnectionInterface* to) {
  int added = 0;
  for (const auto& c : from.TakeCandidates()) {
    webrtc::SdpParseError error;
    std::unique_ptr<webrtc::IceCandidateInterface> candidate(
        webrtc::CreateIceCandidate(c.mid, c.mline_index, c.sdp, &error));
    if (!candidate) {
      ADD_FAILURE() << "parse candidate: " << error.description;
      continue;
    }
    if (to->AddIceCandidate(candidate.get())) ++added;
  }
  return added;
}

struct CallResult {
  int decoded_frames = 0;
  double ms_to_first_frame = -1;  // from the offer
  double ms_to_connected = -1;    // from the offer
  int width = 0, height = 0;
  E2eeFrameTransformer::Counters sent_video, sent_audio, received_video, received_audio;
  bool connected = false;
};

// Runs one call. The receiver keys its opener with receiver_secret. Waits until done(result)
// says so or the deadline passes, then tears down in the order that is clean for this libwebrtc
// (docs/platform-facts.md section 1.4).
CallResult RunCall(const char* receiver_secret, std::chrono::seconds deadline,
                   const std::function<bool(const CallResult&)>& done, bool with_rtx = false) {
  CallResult result;
  otc::rtc::MediaEngine::AudioIo audio;
  // Noise, not silence: the Opus encoder then produces full frames every 20 ms.
  audio.capturer = webrtc::TestAudioDeviceModule::CreatePulsedNoiseCapturer(8000, 48000, 1);
  auto engine = otc::rtc::MediaEngine::Create(std::move(audio));
  if (!engine) {
    ADD_FAILURE() << "media engine did not start";
    return result;
  }
  auto* factory = engine->factory();

  const Crypto sender_crypto = MakeCrypto(kSecret);
  const Crypto receiver_crypto = MakeCrypto(receiver_secret);

  auto send_video_t = E2eeFrameTransformer::CreateSender(
      sender_crypto.sealer, E2eeFrameTransformer::Kind::kVideo, otc::e2ee::Codec::kVp8);
  auto send_audio_t =
      E2eeFrameTransformer::CreateSender(sender_crypto.sealer, E2eeFrameTransformer::Kind::kAudio);
  auto recv_video_t = E2eeFrameTransformer::CreateReceiver(
      receiver_crypto.opener, E2eeFrameTransformer::Kind::kVideo, otc::e2ee::Codec::kVp8);
  auto recv_audio_t = E2eeFrameTransformer::CreateReceiver(receiver_crypto.opener,
                                                           E2eeFrameTransformer::Kind::kAudio);

  CountingSink sink;
  Observer sender_observer, receiver_observer;
  std::mutex track_mutex;
  rtc::scoped_refptr<webrtc::VideoTrackInterface> remote_video;
  rtc::scoped_refptr<webrtc::RtpReceiverInterface> remote_audio_receiver, remote_video_receiver;
  receiver_observer.on_track = [&](rtc::scoped_refptr<webrtc::RtpTransceiverInterface> t) {
    auto receiver = t->receiver();
    if (t->media_type() == cricket::MEDIA_TYPE_VIDEO) {
      receiver->SetDepacketizerToDecoderFrameTransformer(recv_video_t);
      auto track = rtc::scoped_refptr<webrtc::VideoTrackInterface>(
          static_cast<webrtc::VideoTrackInterface*>(receiver->track().release()));
      track->AddOrUpdateSink(&sink, rtc::VideoSinkWants());
      std::lock_guard<std::mutex> lock(track_mutex);
      remote_video = track;
      remote_video_receiver = receiver;
    } else {
      receiver->SetDepacketizerToDecoderFrameTransformer(recv_audio_t);
      std::lock_guard<std::mutex> lock(track_mutex);
      remote_audio_receiver = receiver;
    }
  };

  webrtc::PeerConnectionInterface::RTCConfiguration config;
  config.sdp_semantics = webrtc::SdpSemantics::kUnifiedPlan;
  auto sender_pc_or = factory->CreatePeerConnectionOrError(
      config, webrtc::PeerConnectionDependencies(&sender_observer));
  auto receiver_pc_or = factory->CreatePeerConnectionOrError(
      config, webrtc::PeerConnectionDependencies(&receiver_observer));
  if (!sender_pc_or.ok() || !receiver_pc_or.ok()) {
    ADD_FAILURE() << "peer connections could not be created";
    return result;
  }
  auto sender_pc = sender_pc_or.MoveValue();
  auto receiver_pc = receiver_pc_or.MoveValue();

  auto video_source = rtc::make_ref_counted<SyntheticVideoSource>();
  auto video_track = factory->CreateVideoTrack("video", video_source.get());
  auto audio_source = factory->CreateAudioSource(cricket::AudioOptions());
  auto audio_track = factory->CreateAudioTrack("audio", audio_source.get());

  webrtc::RtpTransceiverInit init;
  init.direction = webrtc::RtpTransceiverDirection::kSendOnly;
  init.stream_ids = {"stream"};
  auto video_tr_or = sender_pc->AddTransceiver(video_track, init);
  auto audio_tr_or = sender_pc->AddTransceiver(audio_track, init);
  std::unique_ptr<FramePump> pump;
  bool ok = video_tr_or.ok() && audio_tr_or.ok();
  EXPECT_TRUE(ok);
  if (ok) {
    auto video_tr = video_tr_or.MoveValue();
    auto audio_tr = audio_tr_or.MoveValue();
    // VP8 only; RTX only when asked for: a retransmitted packet can make the receiver's packet
    // buffer assemble a frame it already assembled, and the opener rejects that second copy as
    // a replay (see WithRtxDuplicateFramesAreDroppedAsReplays).
    std::vector<webrtc::RtpCodecCapability> vp8;
    for (const auto& codec : factory->GetRtpSenderCapabilities(cricket::MEDIA_TYPE_VIDEO).codecs) {
      if (codec.name == "VP8" || (with_rtx && codec.name == "rtx")) vp8.push_back(codec);
    }
    EXPECT_TRUE(video_tr->SetCodecPreferences(vp8).ok());
    // Attach right after adding the transceiver, before the offer.
    video_tr->sender()->SetEncoderToPacketizerFrameTransformer(send_video_t);
    audio_tr->sender()->SetEncoderToPacketizerFrameTransformer(send_audio_t);
    video_tr = nullptr;
    audio_tr = nullptr;

    pump = std::make_unique<FramePump>(video_source);

    const auto offer_at = Clock::now();
    const std::string offer = CreateAndSetLocal(sender_pc.get(), true);
    ok = !offer.empty() && SetRemote(receiver_pc.get(), webrtc::SdpType::kOffer, offer);
    std::string answer;
    if (ok) answer = CreateAndSetLocal(receiver_pc.get(), false);
    ok = ok && !answer.empty() && SetRemote(sender_pc.get(), webrtc::SdpType::kAnswer, answer);

    if (ok) {
      const auto end = Clock::now() + deadline;
      while (Clock::now() < end) {
        HandOver(sender_observer, receiver_pc.get());
        HandOver(receiver_observer, sender_pc.get());
        result.decoded_frames = sink.frames();
        result.received_video = recv_video_t->counters();
        result.received_audio = recv_audio_t->counters();
        if (done(result)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    result.decoded_frames = sink.frames();
    result.connected = receiver_observer.connected() && sender_observer.connected();
    if (result.decoded_frames > 0) {
      result.ms_to_first_frame =
          std::chrono::duration<double, std::milli>(sink.first() - offer_at).count();
    }
    if (receiver_observer.connected()) {
      result.ms_to_connected =
          std::chrono::duration<double, std::milli>(receiver_observer.connected_at() - offer_at)
              .count();
    }
    result.width = sink.width_;
    result.height = sink.height_;
  }

  // Teardown: stop sources, close the connections, remove sinks, drop connections, tracks,
  // sources, transformers, then the engine (factory, audio device, threads).
  if (pump) pump->Stop();
  sender_pc->Close();
  receiver_pc->Close();
  {
    std::lock_guard<std::mutex> lock(track_mutex);
    if (remote_video) remote_video->RemoveSink(&sink);
  }
  result.sent_video = send_video_t->counters();
  result.sent_audio = send_audio_t->counters();
  result.received_video = recv_video_t->counters();
  result.received_audio = recv_audio_t->counters();
  receiver_observer.on_track = nullptr;
  remote_video_receiver = nullptr;
  remote_audio_receiver = nullptr;
  sender_pc = nullptr;
  receiver_pc = nullptr;
  remote_video = nullptr;
  video_track = nullptr;
  audio_track = nullptr;
  pump.reset();
  video_source = nullptr;
  audio_source = nullptr;
  send_video_t = nullptr;
  send_audio_t = nullptr;
  recv_video_t = nullptr;
  recv_audio_t = nullptr;
  engine.reset();
  return result;
}

void Print(const char* label, const E2eeFrameTransformer::Counters& c) {
  std::printf(
      "  %-14s sealed=%llu opened=%llu empty=%llu mismatch=%llu integrity=%llu replay=%llu "
      "no_codec=%llu error=%llu no_callback=%llu\n",
      label, (unsigned long long)c.sealed, (unsigned long long)c.opened,
      (unsigned long long)c.passed_through_empty, (unsigned long long)c.dropped_mismatch,
      (unsigned long long)c.dropped_integrity, (unsigned long long)c.dropped_replay,
      (unsigned long long)c.dropped_no_codec, (unsigned long long)c.dropped_error,
      (unsigned long long)c.dropped_no_callback);
}

void Print(const CallResult& r) {
  std::printf("  connected=%d decoded=%d (%dx%d) ms_to_connected=%.1f ms_to_first_frame=%.1f\n",
              r.connected, r.decoded_frames, r.width, r.height, r.ms_to_connected,
              r.ms_to_first_frame);
  Print("sent video", r.sent_video);
  Print("sent audio", r.sent_audio);
  Print("recv video", r.received_video);
  Print("recv audio", r.received_audio);
  std::fflush(stdout);
}

TEST(RtcE2eeCallTest, SameSecretDecodesVideoAndAudio) {
  const auto started = Clock::now();
  const CallResult r = RunCall(kSecret, std::chrono::seconds(10), [](const CallResult& r) {
    return r.decoded_frames >= 30 && r.received_audio.opened > 0;
  });
  Print(r);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(60)) << "teardown took too long";
  EXPECT_TRUE(r.connected);
  EXPECT_GE(r.decoded_frames, 30);
  EXPECT_EQ(r.width, kWidth);
  EXPECT_EQ(r.height, kHeight);
  EXPECT_GT(r.sent_video.sealed, 0u);
  EXPECT_GT(r.sent_audio.sealed, 0u);
  EXPECT_GT(r.received_video.opened, 0u);
  EXPECT_GT(r.received_audio.opened, 0u);
  EXPECT_EQ(r.received_video.not_decrypted(), 0u);
  EXPECT_EQ(r.received_audio.not_decrypted(), 0u);
  EXPECT_EQ(r.received_video.dropped(), 0u);
  EXPECT_EQ(r.received_audio.dropped(), 0u);
  EXPECT_EQ(r.sent_video.dropped(), 0u);
  EXPECT_EQ(r.sent_audio.dropped(), 0u);
}

TEST(RtcE2eeCallTest, DifferentSecretDecodesNothing) {
  const auto started = Clock::now();
  // Run until plenty of frames were rejected on both tracks (or the deadline).
  const CallResult r = RunCall(kOtherSecret, std::chrono::seconds(10), [](const CallResult& r) {
    return r.received_video.not_decrypted() >= 60 && r.received_audio.not_decrypted() >= 50;
  });
  Print(r);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(60)) << "teardown took too long";
  EXPECT_TRUE(r.connected);
  EXPECT_EQ(r.decoded_frames, 0);
  EXPECT_GT(r.sent_video.sealed, 0u);
  EXPECT_EQ(r.received_video.opened, 0u);
  EXPECT_EQ(r.received_audio.opened, 0u);
  EXPECT_GT(r.received_video.dropped_mismatch, 0u);
  EXPECT_GT(r.received_audio.dropped_mismatch, 0u);
  EXPECT_EQ(r.received_video.not_decrypted(), r.received_video.dropped_mismatch);
  EXPECT_EQ(r.received_audio.not_decrypted(), r.received_audio.dropped_mismatch);
}

// With RTX negotiated, libwebrtc (M108) sometimes hands the receive transformer a frame it has
// already handed over (a retransmitted packet re-completes an assembled frame). The opener
// classifies the second copy as a replay and the transformer drops it; the first copy was
// decoded. No frame may be a mismatch or an integrity failure.
TEST(RtcE2eeCallTest, WithRtxDuplicateFramesAreDroppedAsReplays) {
  const CallResult r = RunCall(
      kSecret, std::chrono::seconds(10),
      [](const CallResult& r) { return r.decoded_frames >= 30 && r.received_audio.opened > 0; },
      /*with_rtx=*/true);
  Print(r);
  EXPECT_TRUE(r.connected);
  EXPECT_GE(r.decoded_frames, 30);
  EXPECT_GT(r.received_video.opened, 0u);
  EXPECT_GT(r.received_audio.opened, 0u);
  EXPECT_EQ(r.received_video.dropped_mismatch, 0u);
  EXPECT_EQ(r.received_video.dropped_integrity, 0u);
  EXPECT_EQ(r.received_audio.not_decrypted(), 0u);
  // Every frame opened or rejected as a replay was sealed by the sender once.
  EXPECT_LE(r.received_video.opened, r.sent_video.sealed);
}

// The transformer alone, with frames made up in the test: routing, codec table, pass-through.
class FakeFrame : public webrtc::TransformableFrameInterface {
 public:
  FakeFrame(std::vector<uint8_t> data, uint8_t pt, uint32_t ssrc)
      : data_(std::move(data)), pt_(pt), ssrc_(ssrc) {}
  rtc::ArrayView<const uint8_t> GetData() const override { return data_; }
  void SetData(rtc::ArrayView<const uint8_t> data) override { data_.assign(data.begin(), data.end()); }
  uint8_t GetPayloadType() const override { return pt_; }
  uint32_t GetSsrc() const override { return ssrc_; }
  uint32_t GetTimestamp() const override { return 0; }
  std::vector<uint8_t> data_;
  uint8_t pt_;
  uint32_t ssrc_;
};

class Collector : public webrtc::TransformedFrameCallback {
 public:
  void OnTransformedFrame(std::unique_ptr<webrtc::TransformableFrameInterface> frame) override {
    frames.push_back(std::unique_ptr<FakeFrame>(static_cast<FakeFrame*>(frame.release())));
  }
  std::vector<std::unique_ptr<FakeFrame>> frames;
};

TEST(E2eeFrameTransformerTest, RoutesBySsrcUsesTheCodecTableAndPassesEmptyAudio) {
  const Crypto a = MakeCrypto(kSecret);
  auto sender = E2eeFrameTransformer::CreateSender(a.sealer, E2eeFrameTransformer::Kind::kVideo,
                                                   std::nullopt, {{96, otc::e2ee::Codec::kVp8}});
  auto receiver = E2eeFrameTransformer::CreateReceiver(a.opener, E2eeFrameTransformer::Kind::kVideo);
  receiver->SetPayloadTypeCodec(96, otc::e2ee::Codec::kVp8);
  auto by_ssrc = rtc::make_ref_counted<Collector>();
  auto fallback = rtc::make_ref_counted<Collector>();
  auto received = rtc::make_ref_counted<Collector>();
  sender->RegisterTransformedFrameSinkCallback(by_ssrc, 7);
  sender->RegisterTransformedFrameCallback(fallback);
  receiver->RegisterTransformedFrameSinkCallback(received, 7);

  const std::vector<uint8_t> plain(200, 0x5A);
  auto* original = new FakeFrame(plain, 96, 7);
  sender->Transform(std::unique_ptr<webrtc::TransformableFrameInterface>(original));
  ASSERT_EQ(by_ssrc->frames.size(), 1u);
  EXPECT_EQ(by_ssrc->frames[0].get(), original) << "the same frame object comes back";
  EXPECT_NE(by_ssrc->frames[0]->data_, plain);
  sender->Transform(std::make_unique<FakeFrame>(plain, 96, 8));  // no sink for 8: fallback
  EXPECT_EQ(fallback->frames.size(), 1u);
  sender->Transform(std::make_unique<FakeFrame>(plain, 100, 7));  // no codec for pt 100
  EXPECT_EQ(sender->counters().dropped_no_codec, 1u);
  EXPECT_EQ(sender->counters().sealed, 2u);

  auto sealed = std::move(by_ssrc->frames[0]);
  auto copy = std::make_unique<FakeFrame>(sealed->data_, 96, 7);
  receiver->Transform(std::move(sealed));
  ASSERT_EQ(received->frames.size(), 1u);
  EXPECT_EQ(received->frames[0]->data_, plain);
  receiver->Transform(std::move(copy));  // the same sealed frame again
  EXPECT_EQ(received->frames.size(), 1u) << "a replay must not reach the decoder";
  EXPECT_EQ(receiver->counters().dropped_replay, 1u);
  receiver->Transform(std::make_unique<FakeFrame>(plain, 96, 7));  // never sealed
  EXPECT_EQ(received->frames.size(), 1u);
  EXPECT_EQ(receiver->counters().dropped_mismatch, 1u);
  EXPECT_EQ(receiver->counters().opened, 1u);

  auto audio_rx = E2eeFrameTransformer::CreateReceiver(a.opener, E2eeFrameTransformer::Kind::kAudio);
  auto audio_out = rtc::make_ref_counted<Collector>();
  audio_rx->RegisterTransformedFrameCallback(audio_out);
  audio_rx->Transform(std::make_unique<FakeFrame>(std::vector<uint8_t>{}, 111, 9));
  ASSERT_EQ(audio_out->frames.size(), 1u);
  EXPECT_TRUE(audio_out->frames[0]->data_.empty());
  EXPECT_EQ(audio_rx->counters().passed_through_empty, 1u);
  EXPECT_EQ(audio_rx->counters().dropped(), 0u);

  sender->UnregisterTransformedFrameSinkCallback(7);
  sender->UnregisterTransformedFrameCallback();
  sender->Transform(std::make_unique<FakeFrame>(plain, 96, 7));
  EXPECT_EQ(sender->counters().dropped_no_callback, 1u);
}

}  // namespace
