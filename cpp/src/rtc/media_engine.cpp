#include "media_engine.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <string_view>
#include <utility>

#include <api/create_peerconnection_factory.h>
#include <api/rtc_event_log/rtc_event_log_factory.h>
#include <api/transport/field_trial_based_config.h>
#include <api/video_codecs/builtin_video_decoder_factory.h>
#include <api/video_codecs/builtin_video_encoder_factory.h>
#include <call/call_factory.h>
#include <media/engine/webrtc_media_engine.h>
#include <modules/audio_processing/include/audio_processing.h>

#include "../base/log.h"
#include "audio_backends.h"
#include "audio_codec_factories.h"
#include "audio_device_proxy.h"
#include "clocked_audio_backend.h"
#include "passthrough_video_encoder.h"
#include "pooled_task_queue_factory.h"
#include "verify_aware_decoder_factory.h"
#include "webrtc_log_forwarder.h"

namespace otc::rtc {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Entries of a capability list that are not media codecs of their own: they ride on a real
// codec's payload (rtx, red, FEC), fill silence (CN) or carry DTMF.
bool IsPseudoCodec(std::string_view name) {
  static constexpr std::array<std::string_view, 5> kPseudo = {"rtx", "red", "ulpfec", "CN",
                                                              "telephone-event"};
  if (name.size() >= 7 && EqualsIgnoreCase(name.substr(0, 7), "flexfec")) return true;
  return std::any_of(kPseudo.begin(), kPseudo.end(),
                     [name](std::string_view p) { return EqualsIgnoreCase(name, p); });
}

std::unique_ptr<::rtc::Thread> StartThread(std::unique_ptr<::rtc::Thread> thread,
                                           const char* name) {
  thread->SetName(name, nullptr);
  if (!thread->Start()) {
    otc::log(OTC_LOG_LEVEL_ERROR, "media engine: could not start the %s thread", name);
    return nullptr;
  }
  return thread;
}

}  // namespace

MediaEngine::MediaEngine() = default;

std::unique_ptr<MediaEngine> MediaEngine::Create(AudioIo audio) {
  std::unique_ptr<MediaEngine> engine(new MediaEngine());
  if (!engine->Start(std::move(audio))) return nullptr;  // the destructor undoes what started
  return engine;
}

bool MediaEngine::Start(AudioIo audio) {
  log_forwarder_ = std::make_unique<WebrtcLogForwarder>();

  network_thread_ = StartThread(::rtc::Thread::CreateWithSocketServer(), "otc-network");
  worker_thread_ = StartThread(::rtc::Thread::Create(), "otc-worker");
  signaling_thread_ = StartThread(::rtc::Thread::Create(), "otc-signaling");
  if (!network_thread_ || !worker_thread_ || !signaling_thread_) return false;

  std::shared_ptr<AudioBackend> backend = std::move(audio.backend);
  if (audio.capturer) {
    backend = std::make_shared<ClockedAudioBackend>("test", std::move(audio.capturer), std::move(audio.renderer));
  }
  if (!backend) backend = MakeSyntheticAudioBackend();
  audio_device_ = ::rtc::make_ref_counted<AudioDeviceProxy>(std::move(backend));

  // What webrtc::CreatePeerConnectionFactory assembles, with our task queue factory: the queues
  // libwebrtc makes per peer connection and receive stream share a bounded pool of threads
  // (pooled_task_queue_factory.h) instead of a thread each.
  webrtc::PeerConnectionFactoryDependencies deps;
  deps.network_thread = network_thread_.get();
  deps.worker_thread = worker_thread_.get();
  deps.signaling_thread = signaling_thread_.get();
  deps.socket_factory = network_thread_->socketserver();
  deps.task_queue_factory = std::make_unique<PooledTaskQueueFactory>(TaskThreadsFromEnvironment());
  deps.call_factory = webrtc::CreateCallFactory();
  deps.event_log_factory = std::make_unique<webrtc::RtcEventLogFactory>(deps.task_queue_factory.get());
  deps.trials = std::make_unique<webrtc::FieldTrialBasedConfig>();

  cricket::MediaEngineDependencies media;
  media.task_queue_factory = deps.task_queue_factory.get();
  media.adm = audio_device_;
  media.audio_encoder_factory = CreateOpusG711AudioEncoderFactory();
  media.audio_decoder_factory = CreateOpusG711AudioDecoderFactory();
  media.audio_processing = webrtc::AudioProcessingBuilder().Create();
  media.video_encoder_factory = CreatePassthroughVideoEncoderFactory();
  media.video_decoder_factory = VerifyAwareDecoderFactory::CreateBuiltin();
  media.trials = deps.trials.get();
  deps.media_engine = cricket::CreateMediaEngine(std::move(media));

  factory_ = webrtc::CreateModularPeerConnectionFactory(std::move(deps));
  if (!factory_) {
    otc::log(OTC_LOG_LEVEL_ERROR, "media engine: CreateModularPeerConnectionFactory failed");
    return false;
  }

  // Until CreatePeerConnection says otherwise: loopback adapters too (see there).
  webrtc::PeerConnectionFactoryInterface::Options options;
  options.network_ignore_mask = 0;
  factory_->SetOptions(options);

  otc::log(OTC_LOG_LEVEL_INFO, "media engine started");
  return true;
}

webrtc::RTCErrorOr<::rtc::scoped_refptr<webrtc::PeerConnectionInterface>> MediaEngine::CreatePeerConnection(
    const webrtc::PeerConnectionInterface::RTCConfiguration &config, webrtc::PeerConnectionDependencies deps,
    bool loopback_candidates) {
  std::lock_guard<std::mutex> lock(create_mutex_);
  // libwebrtc's default ignores loopback adapters; calls between two peers on one host (tests, a
  // local SFU) need them.
  webrtc::PeerConnectionFactoryInterface::Options options;
  options.network_ignore_mask = loopback_candidates ? 0 : ::rtc::ADAPTER_TYPE_LOOPBACK;
  factory_->SetOptions(options);
  return factory_->CreatePeerConnectionOrError(config, std::move(deps));
}

MediaEngine::PeerHold::PeerHold(MediaEngine &engine) : engine_(engine) {
  std::lock_guard<std::mutex> lock(engine_.peers_mutex_);
  ++engine_.live_peers_;
}

MediaEngine::PeerHold::~PeerHold() {
  std::lock_guard<std::mutex> lock(engine_.peers_mutex_);
  if (--engine_.live_peers_ == 0) engine_.peers_released_.notify_all();
}

MediaEngine::~MediaEngine() {
  {
    // Bounded: a connection leaked for good must not hang the process's exit.
    std::unique_lock<std::mutex> lock(peers_mutex_);
    if (!peers_released_.wait_for(lock, std::chrono::seconds(5), [this] { return live_peers_ == 0; })) {
      otc::log(OTC_LOG_LEVEL_ERROR, "media engine: %d peer connection(s) still alive at teardown", live_peers_);
    }
  }
  // otc_destroy calls no application audio callback: the device is abandoned first, so the
  // voice engine's Stop* calls at its teardown find nothing running.
  if (audio_device_) audio_device_->Abandon();
  // The factory proxy destroys the factory on the signaling thread, which in turn drops the
  // voice engine (and its device reference) on the worker thread.
  factory_ = nullptr;
  audio_device_ = nullptr;
  // Signaling calls into worker, worker into network: stop the callers first.
  for (auto* thread : {&signaling_thread_, &worker_thread_, &network_thread_}) {
    if (*thread) (*thread)->Stop();
    thread->reset();
  }
  log_forwarder_ = nullptr;
  otc::log(OTC_LOG_LEVEL_INFO, "media engine stopped");
}

std::vector<CodecDescription> MediaEngine::ListCodecs(MediaKind kind,
                                                      CodecDirection direction) const {
  const cricket::MediaType media =
      kind == MediaKind::kAudio ? cricket::MEDIA_TYPE_AUDIO : cricket::MEDIA_TYPE_VIDEO;
  const webrtc::RtpCapabilities capabilities = direction == CodecDirection::kEncode
                                                   ? factory_->GetRtpSenderCapabilities(media)
                                                   : factory_->GetRtpReceiverCapabilities(media);
  std::vector<CodecDescription> codecs;
  for (const webrtc::RtpCodecCapability& codec : capabilities.codecs) {
    if (IsPseudoCodec(codec.name)) continue;
    CodecDescription description;
    description.name = codec.name;
    for (const auto& [key, value] : codec.parameters) {
      if (!description.parameters.empty()) description.parameters += ';';
      description.parameters += key + '=' + value;
    }
    description.clock_rate = codec.clock_rate.value_or(0);
    description.channels = kind == MediaKind::kAudio ? codec.num_channels.value_or(1) : 0;
    codecs.push_back(std::move(description));
  }
  return codecs;
}

}  // namespace otc::rtc
