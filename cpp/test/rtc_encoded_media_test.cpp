// Pre-encoded media published as it is (otc_publisher_settings_set_encoded_media): IVF VP8, IVF
// VP9, H.264 Annex B and Ogg Opus files made by ffmpeg at test time, published through the C API
// in a relayed E2EE session of the session server (a child process) to subscribers in the same
// process. Every frame a subscriber opens (after the frame cryptor, before the decoder: the
// receiver transformer's test observer) must be byte-identical to one of the file's frames, each
// subscriber's first video frame a key frame of the file, and the video must decode to pictures.
// The encoder wrapper's answer to a key-frame request (skip to the file's next key frame) is
// checked directly on libwebrtc's encoder interface as well.
#include <gtest/gtest.h>
#include <otc/otc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <api/video/video_frame.h>
#include <api/video_codecs/sdp_video_format.h>
#include <api/video_codecs/video_encoder.h>
#include <modules/video_coding/include/video_error_codes.h>

#include "encoded_media_files.h"
#include "events.h"
#include "media/encoded_media.h"
#include "rtc/e2ee_frame_transformer.h"
#include "rtc/encoded_video_source.h"
#include "rtc/passthrough_video_encoder.h"
#include "session_server.h"

using namespace std::chrono_literals;
using otc_test::Server;
using otc_test::ServerSuite;
namespace media = otc::media;
using otc::rtc::E2eeFrameTransformer;

namespace {

constexpr const char *kSecret = "the secret of the encoded media test";

using otc_test::Events;

struct Client {
  Events events;
  otc_session *session = nullptr;
  std::mutex mutex;
  std::vector<otc_stream *> streams;

  explicit Client(const std::string &session_id) {
    otc_session_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_session *, void *self) { static_cast<Client *>(self)->events.add("connected"); };
    cb.on_error = [](otc_session *, void *self, const char *, otc_session_error_code code) {
      static_cast<Client *>(self)->events.add("error:" + std::to_string(code));
    };
    cb.on_stream_received = [](otc_session *, void *self, const otc_stream *stream) {
      auto *client = static_cast<Client *>(self);
      {
        std::lock_guard<std::mutex> lock(client->mutex);
        client->streams.push_back(otc_stream_copy(stream));
      }
      client->events.add("stream");
    };
    const otc_session_encryption_key_ready_cb key_ready = [](otc_session *, void *self, uint32_t) {
      static_cast<Client *>(self)->events.add("key");
    };
    otc_session_settings *settings = otc_session_settings_new();
    otc_session_settings_set_signaling_url(settings, ServerSuite::server->signaling().c_str());
    session = otc_session_new_with_settings(otc_test::kApiKey, session_id.c_str(), &cb, settings);
    otc_session_settings_delete(settings);
    otc_session_set_encryption_key_ready_callback(session, key_ready);
    EXPECT_EQ(otc_session_set_encryption_secret(session, kSecret), OTC_SUCCESS);
    EXPECT_TRUE(events.wait("key"));
  }
  ~Client() {
    otc_session_delete(session);
    for (otc_stream *stream : streams) otc_stream_delete(stream);
  }
  bool connect(const std::string &session_id) {
    return otc_session_connect(session, Server::token(session_id).c_str()) == OTC_SUCCESS && events.wait("connected");
  }
  otc_stream *first_stream() {
    std::lock_guard<std::mutex> lock(mutex);
    return streams.empty() ? nullptr : streams.front();
  }
};

struct PublisherEvents {
  Events events;
  std::mutex mutex;
  std::string last_error;
  otc_publisher_callbacks callbacks() {
    otc_publisher_callbacks cb{};
    cb.user_data = this;
    cb.on_stream_created = [](otc_publisher *, void *self, const otc_stream *) {
      static_cast<PublisherEvents *>(self)->events.add("created");
    };
    cb.on_error = [](otc_publisher *, void *self, const char *message, otc_publisher_error_code code) {
      auto *me = static_cast<PublisherEvents *>(self);
      {
        std::lock_guard<std::mutex> lock(me->mutex);
        me->last_error = message ? message : "";
      }
      me->events.add("error:" + std::to_string(code));
    };
    return cb;
  }
};

struct SubscriberEvents {
  Events events;
  std::atomic<int> pictures{0};
  otc_subscriber_callbacks callbacks() {
    otc_subscriber_callbacks cb{};
    cb.user_data = this;
    cb.on_connected = [](otc_subscriber *, void *self, const otc_stream *) {
      static_cast<SubscriberEvents *>(self)->events.add("connected");
    };
    cb.on_error = [](otc_subscriber *, void *self, const char *, otc_subscriber_error_code code) {
      static_cast<SubscriberEvents *>(self)->events.add("error:" + std::to_string(code));
    };
    cb.on_render_frame = [](otc_subscriber *, void *self, const otc_video_frame *frame) {
      if (otc_video_frame_get_width(frame) == 640 && otc_video_frame_get_height(frame) == 360)
        static_cast<SubscriberEvents *>(self)->pictures.fetch_add(1);
    };
    return cb;
  }
};

// What the subscribers' receivers opened, by kind and SSRC (one SSRC per subscriber: relayed).
class OpenedFrames {
 public:
  OpenedFrames() {
    E2eeFrameTransformer::SetOpenedObserverForTesting(
        [this](E2eeFrameTransformer::Kind kind, uint32_t ssrc, const uint8_t *data, size_t size) {
          std::lock_guard<std::mutex> lock(mutex_);
          auto &frames = kind == E2eeFrameTransformer::Kind::kVideo ? video_[ssrc] : audio_[ssrc];
          if (frames.size() < 2000) frames.emplace_back(data, data + size);
        });
  }
  ~OpenedFrames() { E2eeFrameTransformer::SetOpenedObserverForTesting(nullptr); }
  using Frames = std::map<uint32_t, std::vector<std::vector<uint8_t>>>;
  Frames video() {
    std::lock_guard<std::mutex> lock(mutex_);
    return video_;
  }
  Frames audio() {
    std::lock_guard<std::mutex> lock(mutex_);
    return audio_;
  }
  size_t min_count(bool video_kind, size_t streams) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto &frames = video_kind ? video_ : audio_;
    if (frames.size() < streams) return 0;
    size_t least = SIZE_MAX;
    for (const auto &[ssrc, list] : frames) least = std::min(least, list.size());
    return least;
  }

 private:
  std::mutex mutex_;
  Frames video_, audio_;
};

// A frame's bytes as a map key. A string rather than a vector: GCC 12 warns (-Wstringop-overread,
// a false positive) on the memcmp of std::map<std::vector<uint8_t>, ...>'s comparisons.
template <typename Bytes>
std::string content_key(const Bytes &bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// The file's frames by content: index and key flag.
std::map<std::string, std::pair<size_t, bool>> index_frames(const media::EncodedMediaReader &reader) {
  std::map<std::string, std::pair<size_t, bool>> frames;
  for (size_t i = 0; i < reader.frame_count(); ++i) {
    const auto frame = reader.FrameAt(i);
    frames.emplace(content_key(frame.data), std::make_pair(i, frame.key));
  }
  return frames;
}

bool wait_for(const std::function<bool()> &done, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

class EncodedMediaCall : public ServerSuite {
 protected:
  static void SetUpTestSuite() {
    ServerSuite::SetUpTestSuite();
    files_ = new otc_test::EncodedMediaFiles();
    made_ = files_->Make(problem_);
  }
  static void TearDownTestSuite() {
    delete files_;
    files_ = nullptr;
    ServerSuite::TearDownTestSuite();
  }
  void SetUp() override {
    ServerSuite::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(made_) << problem_;
    ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  }
  void TearDown() override { otc_destroy(); }

  // Publishes video_file (and audio_file) with E2EE; two subscribers in turn (the second joins
  // while the first receives: its encoder asks for a key frame mid-file).
  void Publish(const std::string &video_file, const char *audio_file, otc_video_codec_type expected_codec) {
    std::string error;
    auto video = media::open_encoded_media(video_file, error);
    ASSERT_TRUE(video) << error;
    const auto video_frames = index_frames(*video);
    std::unique_ptr<media::EncodedMediaReader> audio;
    if (audio_file) {
      audio = media::open_encoded_media(audio_file, error);
      ASSERT_TRUE(audio) << error;
    }
    const auto audio_frames = audio ? index_frames(*audio) : decltype(video_frames){};

    const std::string session_id = server->create_session(true);
    Client a(session_id), b(session_id), c(session_id);
    ASSERT_TRUE(a.connect(session_id));
    ASSERT_TRUE(b.connect(session_id));
    ASSERT_TRUE(c.connect(session_id));
    OpenedFrames opened;
    PublisherEvents pe;
    const auto pcb = pe.callbacks();
    otc_publisher_settings *settings = otc_publisher_settings_new();
    ASSERT_EQ(otc_publisher_settings_set_encoded_media(settings, video_file.c_str(), audio_file), OTC_SUCCESS);
    otc_publisher *publisher = otc_publisher_new_with_settings(&pcb, settings);
    otc_publisher_settings_delete(settings);
    ASSERT_NE(publisher, nullptr);
    ASSERT_EQ(otc_session_publish(a.session, publisher), OTC_SUCCESS);
    ASSERT_TRUE(pe.events.wait("created")) << pe.events.all() << pe.last_error;
    ASSERT_TRUE(b.events.wait("stream"));
    ASSERT_TRUE(c.events.wait("stream"));
    const otc_stream *stream = b.first_stream();
    ASSERT_NE(stream, nullptr);
    EXPECT_EQ(otc_stream_get_video_codec(stream) ? std::string(otc_stream_get_video_codec(stream)) : "",
              expected_codec == OTC_VIDEO_CODEC_VP8 ? "VP8" : expected_codec == OTC_VIDEO_CODEC_VP9 ? "VP9" : "H264");

    SubscriberEvents first_events, second_events;
    const auto cb1 = first_events.callbacks(), cb2 = second_events.callbacks();
    otc_subscriber *first = otc_subscriber_new(stream, &cb1);
    ASSERT_EQ(otc_session_subscribe(b.session, first), OTC_SUCCESS);
    ASSERT_TRUE(first_events.events.wait("connected")) << first_events.events.all();
    EXPECT_TRUE(wait_for([&] { return opened.min_count(true, 1) >= 20; }, 20s));
    otc_subscriber *second = otc_subscriber_new(c.first_stream(), &cb2);
    ASSERT_EQ(otc_session_subscribe(c.session, second), OTC_SUCCESS);
    ASSERT_TRUE(second_events.events.wait("connected")) << second_events.events.all();
    // Both get 75 frames (2.5 s at 30 fps: past the file's loop of 2 s for the first).
    EXPECT_TRUE(wait_for([&] { return opened.min_count(true, 2) >= 75; }, 30s));
    if (audio) EXPECT_TRUE(wait_for([&] { return opened.min_count(false, 2) >= 75; }, 30s));
    EXPECT_TRUE(wait_for([&] { return first_events.pictures.load() >= 30 && second_events.pictures.load() >= 30; }, 20s))
        << first_events.pictures.load() << " " << second_events.pictures.load();
    otc_publisher_stats stats{};
    otc_publisher_get_stats(publisher, &stats);
    otc_subscriber_delete(second);
    otc_subscriber_delete(first);
    otc_publisher_delete(publisher);

    EXPECT_TRUE(stats.e2ee);
    EXPECT_GE(stats.video_frames_sealed, 150u);
    EXPECT_EQ(stats.video_width, 640);
    EXPECT_EQ(stats.video_height, 360);
    const auto video_opened = opened.video();
    ASSERT_EQ(video_opened.size(), 2u);
    for (const auto &[ssrc, frames] : video_opened) {
      ASSERT_FALSE(frames.empty());
      size_t matched = 0, keys = 0;
      std::vector<size_t> order;
      for (const auto &frame : frames) {
        const auto found = video_frames.find(content_key(frame));
        if (found == video_frames.end()) continue;
        ++matched;
        keys += found->second.second ? 1 : 0;
        order.push_back(found->second.first);
      }
      EXPECT_EQ(matched, frames.size()) << "frames not byte-identical to the file's";
      const auto first_frame = video_frames.find(content_key(frames.front()));
      ASSERT_NE(first_frame, video_frames.end());
      EXPECT_TRUE(first_frame->second.second) << "the first frame is frame " << first_frame->second.first
                                              << ", not a key frame";
      EXPECT_GE(keys, 2u);  // the first, and at least one of the loop
      std::printf("  ssrc %u: %zu frames opened, all byte-identical to the file's: %s; starting at frame %zu, %zu key frames\n",
                  ssrc, frames.size(), matched == frames.size() ? "yes" : "NO", order.empty() ? 0 : order.front(), keys);
    }
    if (audio) {
      const auto audio_opened = opened.audio();
      ASSERT_EQ(audio_opened.size(), 2u);
      for (const auto &[ssrc, frames] : audio_opened) {
        size_t matched = 0;
        for (const auto &frame : frames) matched += audio_frames.count(content_key(frame));
        EXPECT_EQ(matched, frames.size()) << "audio frames not byte-identical to the file's packets";
        std::printf("  ssrc %u: %zu Opus packets opened, %zu byte-identical to the file's\n", ssrc, frames.size(), matched);
      }
      EXPECT_GE(stats.audio_frames_sealed, 150u);
    }
  }

  static inline otc_test::EncodedMediaFiles *files_ = nullptr;
  static inline bool made_ = false;
  static inline std::string problem_;
};

TEST_F(EncodedMediaCall, Vp8IvfAndOggOpusArriveByteIdentical) {
  Publish(files_->vp8, files_->opus.c_str(), OTC_VIDEO_CODEC_VP8);
}

TEST_F(EncodedMediaCall, Vp9IvfArrivesByteIdentical) { Publish(files_->vp9, nullptr, OTC_VIDEO_CODEC_VP9); }

TEST_F(EncodedMediaCall, H264AnnexBArrivesByteIdentical) { Publish(files_->h264, nullptr, OTC_VIDEO_CODEC_H264); }

TEST_F(EncodedMediaCall, UnreadableFilesFailThroughOnError) {
  const std::string session_id = server->create_session(true);
  Client a(session_id);
  ASSERT_TRUE(a.connect(session_id));
  const std::string garbage = files_->dir + "/garbage.ivf";
  FILE *file = std::fopen(garbage.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  std::fputs("DKIF this is not an IVF file at all, only its magic", file);
  std::fclose(file);
  struct Case {
    std::string video;
    const char *audio;
    const char *message;
  };
  const std::string short_packets = files_->dir + "/short.ogg";
  ASSERT_EQ(std::system(("ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i sine=frequency=440:sample_rate=48000 "
                         "-t 1 -c:a libopus -frame_duration 10 " + short_packets).c_str()), 0);
  const Case cases[] = {
      {files_->vp8, short_packets.c_str(), "Opus packets of 20 ms or longer are needed"},
      {files_->dir + "/missing.ivf", nullptr, "cannot open"},
      {garbage, nullptr, "garbage.ivf"},
      {files_->opus, nullptr, "is an audio file"},
      {files_->vp8, files_->vp9.c_str(), "is not an Ogg Opus file"},
  };
  for (const Case &test : cases) {
    PublisherEvents pe;
    const auto pcb = pe.callbacks();
    otc_publisher_settings *settings = otc_publisher_settings_new();
    ASSERT_EQ(otc_publisher_settings_set_encoded_media(settings, test.video.c_str(), test.audio), OTC_SUCCESS);
    otc_publisher *publisher = otc_publisher_new_with_settings(&pcb, settings);
    otc_publisher_settings_delete(settings);
    EXPECT_NE(otc_session_publish(a.session, publisher), OTC_SUCCESS);
    EXPECT_TRUE(pe.events.wait("error:" + std::to_string(OTC_PUBLISHER_UNABLE_TO_PUBLISH), 5s)) << pe.events.all();
    {
      std::lock_guard<std::mutex> lock(pe.mutex);
      EXPECT_NE(pe.last_error.find(test.message), std::string::npos) << pe.last_error;
    }
    otc_publisher_delete(publisher);
  }
  std::remove(garbage.c_str());
  std::remove(short_packets.c_str());
  otc_publisher_settings *settings = otc_publisher_settings_new();
  EXPECT_EQ(otc_publisher_settings_set_encoded_media(settings, nullptr, nullptr), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_publisher_settings_set_encoded_media(nullptr, "a.ivf", nullptr), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_publisher_settings_set_encoded_frame_rate(settings, 0), OTC_MEDIA_INVALID_PARAMETER);
  EXPECT_EQ(otc_publisher_settings_set_encoded_frame_rate(settings, 25), OTC_SUCCESS);
  otc_publisher_settings_delete(settings);
}

// libwebrtc's encoder interface, as the video stream encoder drives it: a delta frame asked to be
// a key frame is dropped and raises the source's key-frame flag; the next key frame passes (as the
// file's bytes, typed a key frame); deltas after it pass again.
class Collect : public webrtc::EncodedImageCallback {
 public:
  Result OnEncodedImage(const webrtc::EncodedImage &image, const webrtc::CodecSpecificInfo *info) override {
    images.emplace_back(image.data(), image.data() + image.size());
    keys.push_back(image._frameType == webrtc::VideoFrameType::kVideoFrameKey);
    codecs.push_back(info ? info->codecType : webrtc::kVideoCodecGeneric);
    return Result(Result::OK);
  }
  void OnDroppedFrame(DropReason) override { ++dropped; }
  std::vector<std::vector<uint8_t>> images;
  std::vector<bool> keys;
  std::vector<webrtc::VideoCodecType> codecs;
  int dropped = 0;
};

TEST_F(EncodedMediaCall, KeyFrameRequestIsAnsweredByTheFilesNextKeyFrame) {
  std::string error;
  auto reader = media::open_encoded_media(files_->vp8, error);
  ASSERT_TRUE(reader) << error;
  auto factory = otc::rtc::CreatePassthroughVideoEncoderFactory();
  auto encoder = factory->CreateVideoEncoder(webrtc::SdpVideoFormat("VP8"));
  ASSERT_TRUE(encoder);
  EXPECT_TRUE(encoder->GetEncoderInfo().supports_native_handle);
  webrtc::VideoCodec codec{};
  codec.codecType = webrtc::kVideoCodecVP8;
  codec.width = 640;
  codec.height = 360;
  codec.maxFramerate = 30;
  codec.startBitrate = 500;
  codec.maxBitrate = 2000;
  Collect collect;
  ASSERT_EQ(encoder->InitEncode(&codec, webrtc::VideoEncoder::Settings(webrtc::VideoEncoder::Capabilities(false), 1, 1200)),
            WEBRTC_VIDEO_CODEC_OK);
  encoder->RegisterEncodeCompleteCallback(&collect);
  auto request = std::make_shared<otc::rtc::KeyFrameRequest>();
  const auto encode = [&](size_t index, bool want_key) {
    const auto frame = reader->FrameAt(index);
    auto buffer = ::rtc::make_ref_counted<otc::rtc::EncodedFrameBuffer>(
        media::EncodedCodec::kVp8, frame.key, frame.width, frame.height,
        webrtc::EncodedImageBuffer::Create(frame.data.data(), frame.data.size()), request);
    const std::vector<webrtc::VideoFrameType> types{want_key ? webrtc::VideoFrameType::kVideoFrameKey
                                                             : webrtc::VideoFrameType::kVideoFrameDelta};
    return encoder->Encode(webrtc::VideoFrame::Builder().set_video_frame_buffer(buffer).set_timestamp_rtp(
                               static_cast<uint32_t>(index * 3000)).build(),
                           &types);
  };
  EXPECT_EQ(encode(5, true), WEBRTC_VIDEO_CODEC_OK);  // a delta asked to be a key frame
  EXPECT_EQ(collect.dropped, 1);
  EXPECT_TRUE(request->wanted.load());
  EXPECT_EQ(encode(6, false), WEBRTC_VIDEO_CODEC_OK);  // still waiting for a key frame
  EXPECT_EQ(collect.dropped, 2);
  EXPECT_EQ(encode(30, false), WEBRTC_VIDEO_CODEC_OK);  // the file's next key frame
  EXPECT_EQ(encode(31, false), WEBRTC_VIDEO_CODEC_OK);
  ASSERT_EQ(collect.images.size(), 2u);
  EXPECT_TRUE(collect.keys[0]);
  EXPECT_FALSE(collect.keys[1]);
  EXPECT_EQ(collect.codecs[0], webrtc::kVideoCodecVP8);
  const auto key = reader->FrameAt(30);
  EXPECT_EQ(collect.images[0], std::vector<uint8_t>(key.data.begin(), key.data.end()));
  // The source side: the flag makes it skip to the next key frame (reader->SkipToKeyFrame()).
  auto source = ::rtc::make_ref_counted<otc::rtc::EncodedVideoSource>(reader->Clone());
  EXPECT_EQ(source->codec(), media::EncodedCodec::kVp8);
  encoder->Release();
}

}  // namespace
