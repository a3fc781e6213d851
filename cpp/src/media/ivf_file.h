// IVF files (the container libvpx and ffmpeg write VP8/VP9 into): a 32-byte header ("DKIF",
// fourcc, size, time base), then frames of a 12-byte header (size, 64-bit pts) and the payload.
// Key frames and picture sizes come from each frame's VP8/VP9 bitstream header.
#pragma once

#include "encoded_media.h"

namespace otc::media {

class IvfFile : public EncodedMediaReader {
 public:
  // From the file's bytes (read_whole_file); nullptr with error set when malformed.
  static std::unique_ptr<IvfFile> Parse(std::vector<uint8_t> bytes, std::string &error);

 private:
  explicit IvfFile(EncodedCodec codec) : EncodedMediaReader(codec) {}
};

// The bitstream header of one frame: whether it is a key frame and, when it is, its size.
// False when the bytes are not a VP8 (VP9) frame.
bool parse_vp8_header(std::span<const uint8_t> frame, bool &key, int &width, int &height);
bool parse_vp9_header(std::span<const uint8_t> frame, bool &key, int &width, int &height);

}  // namespace otc::media
