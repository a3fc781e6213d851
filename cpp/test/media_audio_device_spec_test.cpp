// OTC_AUDIO_DEVICE's values, and the WAV reader behind file:PATH.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <string>

#include "media/audio_device_spec.h"
#include "media/wav_file.h"

using otc::media::AudioDeviceSpec;
using otc::media::parse_audio_device_spec;

TEST(AudioDeviceSpec, ValuesAndTheirMeaning) {
  EXPECT_EQ(parse_audio_device_spec(nullptr).kind, AudioDeviceSpec::Kind::kPulse);
  EXPECT_EQ(parse_audio_device_spec("").kind, AudioDeviceSpec::Kind::kPulse);
  EXPECT_EQ(parse_audio_device_spec("pulse").kind, AudioDeviceSpec::Kind::kPulse);
  EXPECT_EQ(parse_audio_device_spec("silence").kind, AudioDeviceSpec::Kind::kSilence);
  EXPECT_EQ(parse_audio_device_spec("tone").kind, AudioDeviceSpec::Kind::kTone);
  EXPECT_EQ(parse_audio_device_spec("tone").tone_hz, 440);
  EXPECT_EQ(parse_audio_device_spec("tone:1000").tone_hz, 1000);
  EXPECT_EQ(parse_audio_device_spec("tone:12.5e2").tone_hz, 1250);
  const auto file = parse_audio_device_spec("file:/a b/c.wav");
  EXPECT_EQ(file.kind, AudioDeviceSpec::Kind::kFile);
  EXPECT_EQ(file.path, "/a b/c.wav");
}

TEST(AudioDeviceSpec, BadValuesNameTheVariable) {
  for (const char *bad : {"Pulse", "tone:", "tone:10", "tone:30000", "tone:1k", "file:", "alsa", " silence"}) {
    const auto spec = parse_audio_device_spec(bad);
    EXPECT_EQ(spec.kind, AudioDeviceSpec::Kind::kInvalid) << bad;
    EXPECT_EQ(spec.problem.rfind(std::string("OTC_AUDIO_DEVICE=") + bad, 0), 0u) << spec.problem;
  }
}

namespace {
std::string le32(uint32_t v) { return {char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; }
std::string le16(uint16_t v) { return {char(v), char(v >> 8)}; }
std::string wav(uint16_t format, uint16_t channels, uint32_t rate, uint16_t bits, const std::string &data) {
  return "RIFF" + le32(static_cast<uint32_t>(36 + data.size())) + "WAVE" + "fmt " + le32(16) + le16(format) +
         le16(channels) + le32(rate) + le32(rate * channels * bits / 8) + le16(channels * bits / 8) + le16(bits) +
         "data" + le32(static_cast<uint32_t>(data.size())) + data;
}
std::string write_temp(const std::string &bytes) {
  static int n = 0;
  const std::string path = "/tmp/otc-wav-test-" + std::to_string(getpid()) + "-" + std::to_string(n++) + ".wav";
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}
}  // namespace

TEST(WavFile, ReadsSixteenBitPcm) {
  std::string data;
  for (int i = 0; i < 160; ++i) data += le16(static_cast<uint16_t>(i - 80));  // 10 ms at 16 kHz
  const std::string path = write_temp(wav(1, 1, 16000, 16, data));
  std::string error;
  const auto pcm = otc::media::read_wav_file(path, &error);
  unlink(path.c_str());
  ASSERT_TRUE(pcm) << error;
  EXPECT_EQ(pcm->sample_rate, 16000);
  EXPECT_EQ(pcm->channels, 1);
  ASSERT_EQ(pcm->samples.size(), 160u);
  EXPECT_EQ(pcm->samples[0], -80);
  EXPECT_EQ(pcm->samples[159], 79);
}

TEST(WavFile, RefusesWhatItCannotLoop) {
  const std::string ten_ms_16k(320, '\0');
  const struct {
    std::string bytes;
    const char *why;
  } cases[] = {
      {wav(3, 1, 16000, 32, std::string(640, '\0')), "not 16-bit PCM"},
      {wav(1, 1, 16000, 8, std::string(160, '\0')), "not 16-bit PCM"},
      {wav(1, 3, 16000, 16, std::string(960, '\0')), "not mono or stereo"},
      {wav(1, 1, 22050, 16, std::string(882, '\0')), "sample rate"},
      {wav(1, 1, 16000, 16, std::string(100, '\0')), "shorter than 10 ms"},
      {"RIFX" + wav(1, 1, 16000, 16, ten_ms_16k).substr(4), "not a RIFF/WAVE file"},
      {wav(1, 1, 16000, 16, ten_ms_16k).substr(0, 50), "truncated"},
  };
  for (const auto &c : cases) {
    const std::string path = write_temp(c.bytes);
    std::string error;
    EXPECT_FALSE(otc::media::read_wav_file(path, &error)) << c.why;
    EXPECT_NE(error.find(c.why), std::string::npos) << error;
    unlink(path.c_str());
  }
  std::string error;
  EXPECT_FALSE(otc::media::read_wav_file("/nonexistent/x.wav", &error));
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
}
