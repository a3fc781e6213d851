// Pre-encoded media files published as they are (no decode, no re-encode): IVF (VP8, VP9), H.264
// Annex B and Ogg Opus. A file is read whole into memory at open (at most kMaxFileBytes), parsed
// and checked there: a malformed file fails at open with a message, never later on a media
// thread. Frames then come one at a time, looping at the end with timestamps that go on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace otc::media {

enum class EncodedCodec { kVp8, kVp9, kH264, kOpus };
const char *encoded_codec_name(EncodedCodec codec);  // "VP8", "VP9", "H264", "opus"

struct EncodedFrameRef {
  std::span<const uint8_t> data;  // valid as long as the reader
  bool key = false;               // video: decodable on its own (VP8/VP9 key frame, H.264 IDR)
  int64_t timestamp_us = 0;       // from the first frame of the first pass; grows across loops
  int64_t duration_us = 0;        // until the next frame
  int width = 0, height = 0;      // video: the picture size in force (last key frame's)
  uint64_t index = 0;             // frames returned so far, before this one
};

class EncodedMediaReader {
 public:
  static constexpr size_t kMaxFileBytes = 512u << 20;
  static constexpr size_t kMaxFrameBytes = 8u << 20;
  static constexpr size_t kMaxFrames = 1u << 22;
  static constexpr int64_t kMaxDurationUs = 1'000'000;  // longer gaps between frames are not kept

  virtual ~EncodedMediaReader() = default;
  // Another reader of the same frames (sharing their bytes), from the first frame.
  std::unique_ptr<EncodedMediaReader> Clone() const;
  EncodedCodec codec() const { return codec_; }
  bool is_video() const { return codec_ != EncodedCodec::kOpus; }
  size_t frame_count() const { return parsed_->frames.size(); }
  size_t key_frame_count() const;
  // The first key frame's picture size (video).
  int width() const { return width_; }
  int height() const { return height_; }
  // Sum of the durations of one pass through the file.
  int64_t loop_duration_us() const { return loop_duration_us_; }

  // The next frame, after the last the first again (its timestamp a loop's duration later).
  EncodedFrameRef Next();
  // Makes the next frame a key frame: the next key frame of the file from the current position
  // on (wrapping to the first), skipping what lies between; timestamps go on as if the skipped
  // frames had been sent. Video only; no-op for audio.
  void SkipToKeyFrame();
  // Frame i of one pass (i < frame_count()), as Next() returns it in the first pass.
  EncodedFrameRef FrameAt(size_t i) const;

 protected:
  struct Frame {
    size_t offset = 0, size = 0;  // in bytes_ (H.264: in the rebuilt access units)
    bool key = false;
    int64_t timestamp_us = 0;  // in one pass, from 0
    int64_t duration_us = 0;
    int width = 0, height = 0;
  };
  explicit EncodedMediaReader(EncodedCodec codec) : codec_(codec) {}
  // After the subclass filled bytes_ and frames_: durations, loop length, first size; both are
  // then moved to where clones share them. False when there is no frame to send.
  bool Finish(std::string &error);

  const EncodedCodec codec_;
  std::vector<uint8_t> bytes_;  // while parsing
  std::vector<Frame> frames_;   // while parsing
  int width_ = 0, height_ = 0;

 private:
  struct Parsed {
    std::vector<uint8_t> bytes;
    std::vector<Frame> frames;
  };
  EncodedMediaReader(const EncodedMediaReader &) = default;
  std::shared_ptr<const Parsed> parsed_;
  EncodedFrameRef RefAt(size_t i, int64_t loop_offset_us) const;
  int64_t loop_duration_us_ = 0;
  size_t next_ = 0;
  int64_t loop_offset_us_ = 0;  // added to frame timestamps in the current pass
  uint64_t returned_ = 0;
};

// Reads a whole file of at most limit bytes; false with error set otherwise.
bool read_whole_file(const std::string &path, size_t limit, std::vector<uint8_t> &bytes, std::string &error);

// The codec a file's first bytes name (IVF fourcc, Ogg, an Annex B start code); nullopt when
// unreadable or none. A cheap look, not a check: open_encoded_media checks the whole file.
std::optional<EncodedCodec> sniff_encoded_codec(const std::string &path);

// Opens path as whichever of the formats its first bytes say (not its name): "DKIF" IVF,
// "OggS" Ogg Opus, a start code H.264 Annex B (frame rate h264_fps, 1..120, raw Annex B
// carrying no timestamps). nullptr with error set when unreadable, unknown or malformed.
std::unique_ptr<EncodedMediaReader> open_encoded_media(const std::string &path, std::string &error,
                                                       int h264_fps = 30);

}  // namespace otc::media
