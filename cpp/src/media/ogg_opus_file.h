// Ogg Opus files (RFC 7845): pages (checked: capture pattern, version, lacing, CRC), packets
// rebuilt across pages, the OpusHead header (one logical stream, 1 or 2 channels, mapping
// family 0); each audio packet's duration from its TOC byte (RFC 6716 section 3.1).
#pragma once

#include "encoded_media.h"

namespace otc::media {

class OggOpusFile : public EncodedMediaReader {
 public:
  static std::unique_ptr<OggOpusFile> Parse(const std::vector<uint8_t> &bytes, std::string &error);
  int channels() const { return channels_; }

 private:
  OggOpusFile() : EncodedMediaReader(EncodedCodec::kOpus) {}
  int channels_ = 0;
};

// The duration of one Opus packet in 48 kHz samples; 0 when the packet is malformed.
int opus_packet_samples(std::span<const uint8_t> packet);

}  // namespace otc::media
