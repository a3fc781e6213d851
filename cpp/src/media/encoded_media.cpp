#include "encoded_media.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "annexb_file.h"
#include "ivf_file.h"
#include "ogg_opus_file.h"

namespace otc::media {

const char *encoded_codec_name(EncodedCodec codec) {
  switch (codec) {
    case EncodedCodec::kVp8: return "VP8";
    case EncodedCodec::kVp9: return "VP9";
    case EncodedCodec::kH264: return "H264";
    case EncodedCodec::kOpus: return "opus";
  }
  return "";
}

bool read_whole_file(const std::string &path, size_t limit, std::vector<uint8_t> &bytes, std::string &error) {
  FILE *file = std::fopen(path.c_str(), "rb");
  if (!file) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  bytes.clear();
  uint8_t chunk[64 * 1024];
  bool ok = true;
  for (size_t got; (got = std::fread(chunk, 1, sizeof chunk, file)) > 0;) {
    if (bytes.size() + got > limit) {
      error = path + " is larger than " + std::to_string(limit >> 20) + " MiB";
      ok = false;
      break;
    }
    bytes.insert(bytes.end(), chunk, chunk + got);
  }
  if (ok && std::ferror(file)) {
    error = "cannot read " + path;
    ok = false;
  }
  std::fclose(file);
  return ok;
}

std::optional<EncodedCodec> sniff_encoded_codec(const std::string &path) {
  FILE *file = std::fopen(path.c_str(), "rb");
  if (!file) return std::nullopt;
  uint8_t head[12] = {};
  const size_t got = std::fread(head, 1, sizeof head, file);
  std::fclose(file);
  if (got >= 12 && std::memcmp(head, "DKIF", 4) == 0) {
    if (std::memcmp(head + 8, "VP80", 4) == 0) return EncodedCodec::kVp8;
    if (std::memcmp(head + 8, "VP90", 4) == 0) return EncodedCodec::kVp9;
    return std::nullopt;
  }
  if (got >= 4 && std::memcmp(head, "OggS", 4) == 0) return EncodedCodec::kOpus;
  if (got >= 4 && head[0] == 0 && head[1] == 0 && (head[2] == 1 || (head[2] == 0 && head[3] == 1)))
    return EncodedCodec::kH264;
  return std::nullopt;
}

std::unique_ptr<EncodedMediaReader> open_encoded_media(const std::string &path, std::string &error, int h264_fps) {
  std::vector<uint8_t> bytes;
  if (!read_whole_file(path, EncodedMediaReader::kMaxFileBytes, bytes, error)) return nullptr;
  std::unique_ptr<EncodedMediaReader> reader;
  std::string why;
  const auto starts_with = [&](const char *magic) {
    const size_t n = std::strlen(magic);
    return bytes.size() >= n && std::memcmp(bytes.data(), magic, n) == 0;
  };
  if (starts_with("DKIF")) {
    reader = IvfFile::Parse(std::move(bytes), why);
  } else if (starts_with("OggS")) {
    reader = OggOpusFile::Parse(bytes, why);
  } else if (bytes.size() >= 4 && bytes[0] == 0 && bytes[1] == 0 &&
             (bytes[2] == 1 || (bytes[2] == 0 && bytes[3] == 1))) {
    if (h264_fps < 1 || h264_fps > 120) {
      why = "the H.264 frame rate must be 1..120";
    } else {
      reader = AnnexBFile::Parse(bytes, h264_fps, why);
    }
  } else {
    why = "not an IVF (VP8/VP9), H.264 Annex B or Ogg Opus file";
  }
  if (!reader) error = path + ": " + why;
  return reader;
}

size_t EncodedMediaReader::key_frame_count() const {
  size_t keys = 0;
  for (const Frame &frame : parsed_->frames) keys += frame.key ? 1 : 0;
  return keys;
}

std::unique_ptr<EncodedMediaReader> EncodedMediaReader::Clone() const {
  std::unique_ptr<EncodedMediaReader> copy(new EncodedMediaReader(*this));
  copy->next_ = 0;
  copy->loop_offset_us_ = 0;
  copy->returned_ = 0;
  return copy;
}

bool EncodedMediaReader::Finish(std::string &error) {
  if (frames_.empty()) {
    error = "no complete frame";
    return false;
  }
  if (is_video()) {
    // Sending starts at the first key frame: what comes before cannot be decoded.
    size_t first_key = 0;
    while (first_key < frames_.size() && !frames_[first_key].key) ++first_key;
    if (first_key == frames_.size()) {
      error = "no key frame";
      return false;
    }
    frames_.erase(frames_.begin(), frames_.begin() + static_cast<std::ptrdiff_t>(first_key));
    int width = 0, height = 0;
    for (Frame &frame : frames_) {
      if (frame.key) {
        width = frame.width;
        height = frame.height;
      }
      frame.width = width;
      frame.height = height;
    }
    width_ = frames_.front().width;
    height_ = frames_.front().height;
  }
  const int64_t base = frames_.front().timestamp_us;
  for (Frame &frame : frames_) frame.timestamp_us -= base;
  // Durations from the timestamps where they rise; the last frame (or one whose next timestamp
  // does not rise, or jumps by more than kMaxDurationUs) takes its own duration or the previous
  // frame's. A file's timestamps can thus never stall the sender.
  int64_t previous = 33'333;
  for (size_t i = 0; i < frames_.size(); ++i) {
    Frame &frame = frames_[i];
    const int64_t gap = i + 1 < frames_.size() ? frames_[i + 1].timestamp_us - frame.timestamp_us : 0;
    if (gap > 0 && gap <= kMaxDurationUs) {
      frame.duration_us = gap;
    } else if (frame.duration_us <= 0 || frame.duration_us > kMaxDurationUs) {
      frame.duration_us = previous;
    }
    previous = frame.duration_us;
  }
  // Timestamps rebuilt from the durations: monotonic whatever the file said.
  int64_t t = 0;
  for (Frame &frame : frames_) {
    frame.timestamp_us = t;
    t += frame.duration_us;
  }
  loop_duration_us_ = t;
  auto parsed = std::make_shared<Parsed>();
  parsed->bytes = std::move(bytes_);
  parsed->frames = std::move(frames_);
  bytes_ = {};
  frames_ = {};
  parsed_ = std::move(parsed);
  return true;
}

EncodedFrameRef EncodedMediaReader::RefAt(size_t i, int64_t loop_offset_us) const {
  const Frame &frame = parsed_->frames[i];
  EncodedFrameRef ref;
  ref.data = std::span<const uint8_t>(parsed_->bytes.data() + frame.offset, frame.size);
  ref.key = frame.key;
  ref.timestamp_us = loop_offset_us + frame.timestamp_us;
  ref.duration_us = frame.duration_us;
  ref.width = frame.width;
  ref.height = frame.height;
  return ref;
}

EncodedFrameRef EncodedMediaReader::FrameAt(size_t i) const { return RefAt(i, 0); }

EncodedFrameRef EncodedMediaReader::Next() {
  EncodedFrameRef ref = RefAt(next_, loop_offset_us_);
  ref.index = returned_++;
  if (++next_ == parsed_->frames.size()) {
    next_ = 0;
    loop_offset_us_ += loop_duration_us_;
  }
  return ref;
}

void EncodedMediaReader::SkipToKeyFrame() {
  if (!is_video()) return;
  while (!parsed_->frames[next_].key) {
    if (++next_ == parsed_->frames.size()) {
      next_ = 0;
      loop_offset_us_ += loop_duration_us_;
    }
  }
}

}  // namespace otc::media
