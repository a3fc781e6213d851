// The pre-encoded media readers (cpp/src/media: IVF, H.264 Annex B, Ogg Opus) on files ffmpeg
// makes at test time: frame counts, key frames, sizes, durations, looping with timestamps that
// go on, skipping to a key frame; the format from the content, not the name; and hostile input
// (truncated at every length of the first pages, bytes flipped, garbage behind each magic)
// fails with a message or reads within bounds, never crashes (the asan build runs these too).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "encoded_media_files.h"
#include "media/annexb_file.h"
#include "media/encoded_media.h"
#include "media/ivf_file.h"
#include "media/ogg_opus_file.h"

namespace media = otc::media;

namespace {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }

 private:
  uint64_t state_;
};

std::vector<uint8_t> read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

class EncodedMediaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    files_ = new otc_test::EncodedMediaFiles();
    std::string error;
    made_ = files_->Make(error);
    if (!made_) problem_ = new std::string(error);
  }
  static void TearDownTestSuite() {
    delete files_;
    files_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(made_) << *problem_; }

  // Reads what the reader gives for each frame back: in bounds, sizes sane.
  static void ReadAll(media::EncodedMediaReader &reader, size_t frames) {
    for (size_t i = 0; i < frames; ++i) {
      const auto frame = reader.Next();
      ASSERT_FALSE(frame.data.empty());
      uint64_t sum = 0;
      for (uint8_t byte : frame.data) sum += byte;  // touches every byte (asan)
      (void)sum;
      ASSERT_GT(frame.duration_us, 0);
      ASSERT_LE(frame.duration_us, media::EncodedMediaReader::kMaxDurationUs);
    }
  }

  static inline otc_test::EncodedMediaFiles *files_ = nullptr;
  static inline bool made_ = false;
  static inline std::string *problem_ = nullptr;
};

void expect_video_file(const std::string &path, media::EncodedCodec codec) {
  std::string error;
  auto reader = media::open_encoded_media(path, error);
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(reader->codec(), codec);
  EXPECT_TRUE(reader->is_video());
  EXPECT_EQ(reader->frame_count(), 60u);
  EXPECT_EQ(reader->key_frame_count(), 2u);
  EXPECT_EQ(reader->width(), 640);
  EXPECT_EQ(reader->height(), 360);
  EXPECT_NEAR(static_cast<double>(reader->loop_duration_us()), 2e6, 2e3);
  int64_t last = -1;
  for (size_t i = 0; i < 150; ++i) {
    const auto frame = reader->Next();
    EXPECT_EQ(frame.index, i);
    EXPECT_EQ(frame.key, i % 30 == 0) << i;
    EXPECT_GT(frame.timestamp_us, last);  // on across the loops
    EXPECT_NEAR(static_cast<double>(frame.duration_us), 33'333, 1'000);
    EXPECT_EQ(frame.width, 640);
    EXPECT_EQ(frame.height, 360);
    last = frame.timestamp_us;
  }
  EXPECT_NEAR(static_cast<double>(last), 149 * 33'333.0, 150 * 1'000.0);
  // Now at frame 30 of the third pass: a key frame already, so no skip.
  reader->SkipToKeyFrame();
  EXPECT_TRUE(reader->Next().key);
  reader->Next();
  reader->SkipToKeyFrame();  // from frame 32 to the next key, frame 0 of the fourth pass
  const auto key = reader->Next();
  EXPECT_TRUE(key.key);
  EXPECT_NEAR(static_cast<double>(key.timestamp_us), 3 * 2e6, 3 * 2e3);
  // A clone starts over and shares the bytes.
  auto clone = reader->Clone();
  const auto first = clone->Next();
  EXPECT_EQ(first.timestamp_us, 0);
  EXPECT_EQ(first.data.data(), reader->FrameAt(0).data.data());
}

TEST_F(EncodedMediaTest, Vp8IvfFramesKeyFramesAndLoop) {
  expect_video_file(files_->vp8, media::EncodedCodec::kVp8);
  // The frames are the file's own bytes: the first frame follows the 32 + 12 header bytes.
  std::string error;
  auto reader = media::open_encoded_media(files_->vp8, error);
  ASSERT_TRUE(reader);
  const auto bytes = read_file(files_->vp8);
  const auto first = reader->FrameAt(0);
  ASSERT_LE(44 + first.data.size(), bytes.size());
  EXPECT_TRUE(std::equal(first.data.begin(), first.data.end(), bytes.begin() + 44));
}

TEST_F(EncodedMediaTest, Vp9IvfFramesKeyFramesAndLoop) { expect_video_file(files_->vp9, media::EncodedCodec::kVp9); }

TEST_F(EncodedMediaTest, H264AnnexBAccessUnits) {
  expect_video_file(files_->h264, media::EncodedCodec::kH264);
  std::string error;
  auto reader = media::open_encoded_media(files_->h264, error, 25);
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(reader->FrameAt(1).duration_us, 40'000);
  for (size_t i = 0; i < reader->frame_count(); ++i) {
    const auto frame = reader->FrameAt(i);
    const auto nals = media::split_annexb(frame.data);
    ASSERT_FALSE(nals.empty());
    bool sps = false, pps = false, idr = false;
    for (const auto &nal : nals) {
      const int type = nal[0] & 0x1f;
      sps |= type == 7;
      pps |= type == 8;
      idr |= type == 5;
      EXPECT_NE(type, 9) << "access unit delimiters are dropped";
    }
    EXPECT_EQ(idr, frame.key) << i;
    if (frame.key) {
      EXPECT_TRUE(sps && pps) << i;
    }
    // Every NAL unit behind a 4-byte start code.
    EXPECT_EQ(frame.data[0], 0);
    EXPECT_EQ(frame.data[1], 0);
    EXPECT_EQ(frame.data[2], 0);
    EXPECT_EQ(frame.data[3], 1);
  }
  EXPECT_FALSE(media::open_encoded_media(files_->h264, error, 0));
  EXPECT_NE(error.find("frame rate"), std::string::npos) << error;
}

TEST_F(EncodedMediaTest, H264ParameterSetsPutAheadOfAnIdrWithout) {
  // Only the first IDR keeps its SPS and PPS: the reader puts them ahead of the second.
  const auto bytes = read_file(files_->h264);
  const auto nals = media::split_annexb(bytes);
  std::vector<uint8_t> stripped;
  int sps_seen = 0, pps_seen = 0;
  for (const auto &nal : nals) {
    const int type = nal[0] & 0x1f;
    if (type == 7 && sps_seen++ > 0) continue;
    if (type == 8 && pps_seen++ > 0) continue;
    stripped.insert(stripped.end(), {0, 0, 1});
    stripped.insert(stripped.end(), nal.begin(), nal.end());
  }
  ASSERT_EQ(sps_seen, 2);
  const std::string path = files_->dir + "/stripped.264";
  write_file(path, stripped);
  std::string error;
  auto reader = media::open_encoded_media(path, error);
  std::remove(path.c_str());
  ASSERT_TRUE(reader) << error;
  ASSERT_EQ(reader->key_frame_count(), 2u);
  std::string original_error;
  auto original = media::open_encoded_media(files_->h264, original_error);
  ASSERT_TRUE(original);
  const auto a = reader->FrameAt(30), b = original->FrameAt(30);
  EXPECT_TRUE(a.key);
  EXPECT_TRUE(std::equal(a.data.begin(), a.data.end(), b.data.begin(), b.data.end()));
}

TEST_F(EncodedMediaTest, OggOpusPackets) {
  std::string error;
  auto reader = media::open_encoded_media(files_->opus, error);
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(reader->codec(), media::EncodedCodec::kOpus);
  EXPECT_FALSE(reader->is_video());
  EXPECT_GE(reader->frame_count(), 100u);
  EXPECT_LE(reader->frame_count(), 102u);
  EXPECT_EQ(static_cast<media::OggOpusFile *>(reader.get())->channels(), 1);
  int64_t last = -1;
  for (size_t i = 0; i < 3 * reader->frame_count(); ++i) {
    const auto packet = reader->Next();
    EXPECT_EQ(packet.duration_us, 20'000);
    EXPECT_EQ(media::opus_packet_samples(packet.data), 960);
    EXPECT_GT(packet.timestamp_us, last);
    last = packet.timestamp_us;
  }
  // TOC bytes (RFC 6716 3.1): config 1 (SILK 20 ms) one frame; config 31 (CELT 20 ms) two frames;
  // config 16 (CELT 2.5 ms) code 3 with 48 frames (120 ms); code 3 over 120 ms is malformed.
  const uint8_t silk20[] = {1 << 3};
  const uint8_t celt20x2[] = {(31 << 3) | 1};
  const uint8_t celt2_5x48[] = {(16 << 3) | 3, 48};
  const uint8_t celt20x7[] = {(31 << 3) | 3, 7};
  const uint8_t code3_short[] = {(31 << 3) | 3};
  EXPECT_EQ(media::opus_packet_samples(silk20), 960);
  EXPECT_EQ(media::opus_packet_samples(celt20x2), 1920);
  EXPECT_EQ(media::opus_packet_samples(celt2_5x48), 5760);
  EXPECT_EQ(media::opus_packet_samples(celt20x7), 0);
  EXPECT_EQ(media::opus_packet_samples(code3_short), 0);
}

TEST_F(EncodedMediaTest, FormatFromContentNotName) {
  const std::string path = files_->dir + "/looks-like.ogg";
  write_file(path, read_file(files_->vp9));
  std::string error;
  auto reader = media::open_encoded_media(path, error);
  std::remove(path.c_str());
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(reader->codec(), media::EncodedCodec::kVp9);
}

TEST_F(EncodedMediaTest, ClearErrors) {
  std::string error;
  EXPECT_FALSE(media::open_encoded_media(files_->dir + "/missing.ivf", error));
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
  const std::string path = files_->dir + "/bad";
  const auto check = [&](const std::vector<uint8_t> &bytes, const char *expected) {
    write_file(path, bytes);
    error.clear();
    EXPECT_FALSE(media::open_encoded_media(path, error)) << expected;
    EXPECT_NE(error.find(expected), std::string::npos) << error;
  };
  check({'h', 'e', 'l', 'l', 'o'}, "not an IVF (VP8/VP9), H.264 Annex B or Ogg Opus file");
  check({}, "not an IVF");
  auto av1 = read_file(files_->vp8);
  std::copy_n("AV01", 4, av1.begin() + 8);
  check(av1, "IVF codec AV01 is not supported");
  auto header_only = read_file(files_->vp8);
  header_only.resize(32);
  check(header_only, "no complete frame");
  auto vp9_as_vp8 = read_file(files_->vp9);
  std::copy_n("VP80", 4, vp9_as_vp8.begin() + 8);
  check(vp9_as_vp8, "is not a VP8 frame");
  // An Ogg file that is not Opus (a Vorbis-like first packet).
  auto ogg = read_file(files_->opus);
  std::copy_n("Vorbis", 6, ogg.begin() + 28);
  check(ogg, "checksum");  // the page checksum fails before the content is looked at
  std::remove(path.c_str());
}

// Hostile input: every prefix of the first 3000 bytes, random cuts after that, bytes flipped,
// garbage behind each magic. Each open either fails with a message or gives frames in bounds.
TEST_F(EncodedMediaTest, TruncatedAndGarbageFilesDoNotCrash) {
  const std::string path = files_->dir + "/hostile";
  Random random(13);
  size_t opened = 0, refused = 0;
  const auto attempt = [&](const std::vector<uint8_t> &bytes) {
    write_file(path, bytes);
    std::string error;
    auto reader = media::open_encoded_media(path, error);
    if (!reader) {
      EXPECT_FALSE(error.empty());
      ++refused;
      return;
    }
    ++opened;
    ReadAll(*reader, reader->frame_count() + 3);
    reader->SkipToKeyFrame();
    ReadAll(*reader, 2);
  };
  for (const std::string &file : {files_->vp8, files_->vp9, files_->h264, files_->opus}) {
    const auto bytes = read_file(file);
    for (size_t cut = 0; cut < 3000 && cut < bytes.size(); cut += (cut < 200 ? 1 : 37))
      attempt({bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut)});
    for (int i = 0; i < 20; ++i) {
      const size_t cut = random.next() % bytes.size();
      attempt({bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut)});
    }
    for (int i = 0; i < 40; ++i) {
      auto flipped = bytes;
      const int flips = 1 + static_cast<int>(random.next() % 16);
      for (int f = 0; f < flips; ++f) {
        // Mostly in the headers, where a flip changes the structure.
        const size_t at = (f % 2 ? random.next() % 256 : random.next()) % flipped.size();
        flipped[at] ^= static_cast<uint8_t>(1 + random.next() % 255);
      }
      attempt(flipped);
    }
  }
  for (const std::vector<uint8_t> &magic : std::vector<std::vector<uint8_t>>{
           {'D', 'K', 'I', 'F'}, {'O', 'g', 'g', 'S'}, {0, 0, 1}, {0, 0, 0, 1}}) {
    for (int i = 0; i < 50; ++i) {
      std::vector<uint8_t> garbage = magic;
      const size_t n = random.next() % 4096;
      for (size_t k = 0; k < n; ++k) garbage.push_back(static_cast<uint8_t>(random.next()));
      attempt(garbage);
    }
  }
  std::remove(path.c_str());
  EXPECT_GT(opened, 0u);
  EXPECT_GT(refused, 0u);
}

}  // namespace
