// H.264 Annex B byte streams (start-code separated NAL units, as x264 and ffmpeg's "h264" muxer
// write them), split into access units. Each access unit is rebuilt with 4-byte start codes (what
// libwebrtc's depacketizer gives the receiver, so frames compare byte for byte), access unit
// delimiters dropped, and the latest SPS and PPS put ahead of an IDR that lacks them (an encoder
// that writes them once would otherwise leave loops and key-frame requests undecodable).
// Raw Annex B has no timestamps: frames are 1/fps apart. B-frames are not supported (frames are
// sent in file order): encode with a baseline/constrained profile.
#pragma once

#include "encoded_media.h"

namespace otc::media {

class AnnexBFile : public EncodedMediaReader {
 public:
  static std::unique_ptr<AnnexBFile> Parse(const std::vector<uint8_t> &bytes, int fps, std::string &error);

 private:
  AnnexBFile() : EncodedMediaReader(EncodedCodec::kH264) {}
};

// The NAL units of an Annex B buffer, without their start codes.
std::vector<std::span<const uint8_t>> split_annexb(std::span<const uint8_t> bytes);

}  // namespace otc::media
