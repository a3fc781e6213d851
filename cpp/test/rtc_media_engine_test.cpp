// The media engine through its C API: lifetime, codec lists, argument checks, thread hygiene.
#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <otc/base.h>

#include "rtc/media_engine.h"

namespace {

// Threads of this process right now: a teardown that forgets to join one shows up here.
int CountThreads() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

std::vector<otc_codec_info> Codecs(otc_media_kind kind, otc_codec_direction direction) {
  size_t count = 0;
  EXPECT_EQ(otc_media_get_codecs(kind, direction, nullptr, 0, &count), OTC_SUCCESS);
  std::vector<otc_codec_info> codecs(count);
  size_t again = 0;
  EXPECT_EQ(otc_media_get_codecs(kind, direction, codecs.data(), codecs.size(), &again),
            OTC_SUCCESS);
  EXPECT_EQ(again, count);
  return codecs;
}

bool Contains(const std::vector<otc_codec_info>& codecs, const std::string& name) {
  return std::any_of(codecs.begin(), codecs.end(),
                     [&](const otc_codec_info& c) { return name == c.name; });
}

// Each test starts and ends with the engine stopped, whatever the previous one did.
class MediaEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(otc_is_initialized()); }
  void TearDown() override {
    while (otc_is_initialized()) otc_destroy();
  }
};

TEST_F(MediaEngineTest, InitStartsTheEngine) {
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  EXPECT_TRUE(otc_is_initialized());
  size_t count = 0;
  EXPECT_EQ(otc_media_get_codecs(OTC_MEDIA_VIDEO, OTC_CODEC_ENCODE, nullptr, 0, &count),
            OTC_SUCCESS);
  EXPECT_GT(count, 0u);
  EXPECT_EQ(otc_destroy(), OTC_SUCCESS);
  EXPECT_FALSE(otc_is_initialized());
}

TEST_F(MediaEngineTest, VideoCodecs) {
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  for (auto direction : {OTC_CODEC_ENCODE, OTC_CODEC_DECODE}) {
    const auto codecs = Codecs(OTC_MEDIA_VIDEO, direction);
    EXPECT_TRUE(Contains(codecs, "VP8"));
    EXPECT_TRUE(Contains(codecs, "VP9"));
    EXPECT_TRUE(Contains(codecs, "H264"));
    for (const auto& codec : codecs) {
      EXPECT_EQ(codec.clock_rate, 90000) << codec.name;
      EXPECT_EQ(codec.channels, 0) << codec.name;
    }
  }
}

TEST_F(MediaEngineTest, AudioCodecsHaveOpus) {
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  for (auto direction : {OTC_CODEC_ENCODE, OTC_CODEC_DECODE}) {
    const auto codecs = Codecs(OTC_MEDIA_AUDIO, direction);
    ASSERT_FALSE(codecs.empty());
    EXPECT_STREQ(codecs.front().name, "opus");  // first, so it is what gets negotiated
    EXPECT_EQ(codecs.front().clock_rate, 48000);
    EXPECT_EQ(codecs.front().channels, 2);
    EXPECT_TRUE(Contains(codecs, "PCMU"));
    EXPECT_FALSE(Contains(codecs, "ISAC"));
  }
}

TEST_F(MediaEngineTest, NoPseudoCodecs) {
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  for (auto kind : {OTC_MEDIA_AUDIO, OTC_MEDIA_VIDEO}) {
    for (auto direction : {OTC_CODEC_ENCODE, OTC_CODEC_DECODE}) {
      for (const auto& codec : Codecs(kind, direction)) {
        std::string name = codec.name;
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        EXPECT_NE(name, "rtx");
        EXPECT_NE(name, "red");
        EXPECT_NE(name, "ulpfec");
        EXPECT_NE(name.rfind("flexfec", 0), 0u) << name;
        EXPECT_NE(name, "cn");
        EXPECT_NE(name, "telephone-event");
      }
    }
  }
}

TEST_F(MediaEngineTest, CapacityBelowCountWritesWhatFits) {
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  otc_codec_info one{};
  size_t count = 0;
  EXPECT_EQ(otc_media_get_codecs(OTC_MEDIA_VIDEO, OTC_CODEC_ENCODE, &one, 1, &count),
            OTC_SUCCESS);
  EXPECT_GT(count, 1u);
  EXPECT_STRNE(one.name, "");
}

TEST_F(MediaEngineTest, InitNests) {
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  EXPECT_EQ(otc_destroy(), OTC_SUCCESS);
  EXPECT_TRUE(otc_is_initialized());
  size_t count = 0;
  EXPECT_EQ(otc_media_get_codecs(OTC_MEDIA_AUDIO, OTC_CODEC_ENCODE, nullptr, 0, &count),
            OTC_SUCCESS);
  EXPECT_EQ(otc_destroy(), OTC_SUCCESS);
  EXPECT_FALSE(otc_is_initialized());
  EXPECT_EQ(otc_destroy(), OTC_MEDIA_ENGINE_NOT_INITIALIZED);
}

TEST_F(MediaEngineTest, DestroyWithoutInitFails) {
  EXPECT_EQ(otc_destroy(), OTC_MEDIA_ENGINE_NOT_INITIALIZED);
  EXPECT_FALSE(otc_is_initialized());
}

TEST_F(MediaEngineTest, CodecsNeedInit) {
  size_t count = 7;
  EXPECT_EQ(otc_media_get_codecs(OTC_MEDIA_VIDEO, OTC_CODEC_ENCODE, nullptr, 0, &count),
            OTC_MEDIA_ENGINE_NOT_INITIALIZED);
}

TEST_F(MediaEngineTest, BadArguments) {
  int not_null = 0;
  EXPECT_EQ(otc_init(&not_null), OTC_E2EE_INVALID_PARAMETER);
  EXPECT_FALSE(otc_is_initialized());
  ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS);
  size_t count = 0;
  otc_codec_info info{};
  EXPECT_EQ(otc_media_get_codecs(OTC_MEDIA_VIDEO, OTC_CODEC_ENCODE, nullptr, 3, &count),
            OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_media_get_codecs(OTC_MEDIA_VIDEO, OTC_CODEC_ENCODE, &info, 1, nullptr),
            OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_media_get_codecs(static_cast<otc_media_kind>(7), OTC_CODEC_ENCODE, &info, 1,
                                 &count),
            OTC_E2EE_INVALID_PARAMETER);
  EXPECT_EQ(otc_media_get_codecs(OTC_MEDIA_AUDIO, static_cast<otc_codec_direction>(-1), &info,
                                 1, &count),
            OTC_E2EE_INVALID_PARAMETER);
}

TEST_F(MediaEngineTest, RepeatedInitDestroyLeaksNoThreads) {
  const int before = CountThreads();
  ASSERT_GT(before, 0);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(otc_init(nullptr), OTC_SUCCESS) << "cycle " << i;
    ASSERT_GT(CountThreads(), before) << "the engine runs threads of its own";
    ASSERT_EQ(otc_destroy(), OTC_SUCCESS) << "cycle " << i;
  }
  EXPECT_EQ(CountThreads(), before);
}

class NullObserver final : public webrtc::PeerConnectionObserver {
 public:
  void OnSignalingChange(webrtc::PeerConnectionInterface::SignalingState) override {}
  void OnDataChannel(rtc::scoped_refptr<webrtc::DataChannelInterface>) override {}
  void OnIceGatheringChange(webrtc::PeerConnectionInterface::IceGatheringState) override {}
  void OnIceCandidate(const webrtc::IceCandidateInterface*) override {}
};

// The factory behind otc_init is a working one: it makes tracks and peer connections, and the
// engine tears down cleanly after they are released.
TEST(MediaEngineClassTest, FactoryMakesPeerConnectionsAndTracks) {
  auto engine = otc::rtc::MediaEngine::Create();
  ASSERT_NE(engine, nullptr);
  ASSERT_NE(engine->factory(), nullptr);
  EXPECT_NE(engine->network_thread(), engine->worker_thread());
  EXPECT_NE(engine->worker_thread(), engine->signaling_thread());
  {
    auto source = engine->factory()->CreateAudioSource(cricket::AudioOptions());
    ASSERT_NE(source, nullptr);
    auto track = engine->factory()->CreateAudioTrack("audio", source.get());
    ASSERT_NE(track, nullptr);

    NullObserver observer;
    webrtc::PeerConnectionInterface::RTCConfiguration config;
    config.sdp_semantics = webrtc::SdpSemantics::kUnifiedPlan;
    auto pc = engine->factory()->CreatePeerConnectionOrError(
        config, webrtc::PeerConnectionDependencies(&observer));
    ASSERT_TRUE(pc.ok()) << pc.error().message();
    auto sender = pc.value()->AddTrack(track, {"stream"});
    ASSERT_TRUE(sender.ok()) << sender.error().message();
    pc.value()->Close();
  }
  engine.reset();
}

TEST(VersionTest, IsSemver) {
  const std::string version = otc_version();
  EXPECT_EQ(std::count(version.begin(), version.end(), '.'), 2) << version;
}

}  // namespace
