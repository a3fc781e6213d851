// The media engine: libwebrtc's three threads and the one PeerConnectionFactory built on them.
#pragma once

#include "webrtc_build_guard.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <api/peer_connection_interface.h>
#include <api/scoped_refptr.h>
#include <api/task_queue/task_queue_factory.h>
#include <modules/audio_device/include/test_audio_device.h>
#include <rtc_base/thread.h>

#include "audio_backend.h"

namespace otc::rtc {

class WebrtcLogForwarder;
class AudioDeviceProxy;

enum class MediaKind { kAudio, kVideo };
enum class CodecDirection { kEncode, kDecode };

struct CodecDescription {
  std::string name;        // as in SDP: "opus", "VP8", "H264", ...
  std::string parameters;  // fmtp "k=v;k=v" in key order, empty when none
  int clock_rate = 0;
  int channels = 0;        // 0 for video
};

class MediaEngine {
 public:
  // What the engine's audio device (a proxy, audio_device_proxy.h) starts with: a backend, or
  // a capturer (and renderer) on a 10 ms clock. Neither: the synthetic device (the process's
  // PCM source in, playout discarded).
  struct AudioIo {
    std::shared_ptr<AudioBackend> backend;
    std::unique_ptr<webrtc::TestAudioDeviceModule::Capturer> capturer;
    std::unique_ptr<webrtc::TestAudioDeviceModule::Renderer> renderer;
  };

  // Starts the threads and builds the factory; null (after logging why) when libwebrtc fails.
  static std::unique_ptr<MediaEngine> Create(AudioIo audio = {});

  // Tears down in the order the archive needs; joins every thread the engine started.
  // Everything made from factory() (peer connections, tracks, sources) must be gone first;
  // peer connections still held elsewhere are waited for (PeerHold), for a bounded time.
  ~MediaEngine();

  // Held for the life of each peer connection. Another thread (a signaling handler finishing)
  // may drop the last reference to a connection just after its owner let go of the engine; the
  // connection's proxy still needs the signaling thread then, so the engine's destructor waits
  // for every hold to be released before stopping its threads.
  class PeerHold {
   public:
    explicit PeerHold(MediaEngine &engine);
    ~PeerHold();
    PeerHold(const PeerHold &) = delete;
    PeerHold &operator=(const PeerHold &) = delete;

   private:
    MediaEngine &engine_;
  };

  MediaEngine(const MediaEngine&) = delete;
  MediaEngine& operator=(const MediaEngine&) = delete;

  webrtc::PeerConnectionFactoryInterface* factory() const { return factory_.get(); }

  // A peer connection, gathering on loopback adapters or not. libwebrtc takes the adapters to
  // ignore from the factory's options when a connection is made, so the options are set and the
  // connection made under one lock.
  webrtc::RTCErrorOr<::rtc::scoped_refptr<webrtc::PeerConnectionInterface>> CreatePeerConnection(
      const webrtc::PeerConnectionInterface::RTCConfiguration& config, webrtc::PeerConnectionDependencies deps,
      bool loopback_candidates);
  ::rtc::Thread* network_thread() const { return network_thread_.get(); }
  ::rtc::Thread* worker_thread() const { return worker_thread_.get(); }
  ::rtc::Thread* signaling_thread() const { return signaling_thread_.get(); }
  // The device the factory uses; its backend can be replaced while the engine runs.
  AudioDeviceProxy* audio_device() const { return audio_device_.get(); }

  // What the factory can send (encode) or receive (decode), in its preference order, without
  // the retransmission/FEC/comfort-noise/DTMF pseudo-codecs.
  std::vector<CodecDescription> ListCodecs(MediaKind kind, CodecDirection direction) const;

 private:
  MediaEngine();
  bool Start(AudioIo audio);

  std::mutex create_mutex_;  // the factory's options, set just before each connection is made
  std::mutex peers_mutex_;
  std::condition_variable peers_released_;
  int live_peers_ = 0;

  std::unique_ptr<WebrtcLogForwarder> log_forwarder_;
  std::unique_ptr<::rtc::Thread> network_thread_;
  std::unique_ptr<::rtc::Thread> worker_thread_;
  std::unique_ptr<::rtc::Thread> signaling_thread_;
  ::rtc::scoped_refptr<AudioDeviceProxy> audio_device_;
  ::rtc::scoped_refptr<webrtc::PeerConnectionFactoryInterface> factory_;
};

}  // namespace otc::rtc
