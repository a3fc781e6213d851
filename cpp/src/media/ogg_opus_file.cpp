#include "ogg_opus_file.h"

#include <array>
#include <cstring>

namespace otc::media {

namespace {

uint32_t le32(const uint8_t *p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

// The Ogg page checksum: CRC-32, polynomial 0x04c11db7, no reflection, initial value 0.
uint32_t ogg_crc(std::span<const uint8_t> page) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t r = i << 24;
      for (int j = 0; j < 8; ++j) r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : r << 1;
      t[i] = r;
    }
    return t;
  }();
  uint32_t crc = 0;
  for (size_t i = 0; i < page.size(); ++i) {
    const uint8_t byte = (i >= 22 && i < 26) ? 0 : page[i];  // the checksum field counts as zeros
    crc = (crc << 8) ^ table[((crc >> 24) ^ byte) & 0xff];
  }
  return crc;
}

constexpr size_t kMaxPacketBytes = 64 * 1024;

}  // namespace

int opus_packet_samples(std::span<const uint8_t> packet) {
  if (packet.empty()) return 0;
  const uint8_t toc = packet[0];
  const int config = toc >> 3;
  int frame_samples;  // at 48 kHz
  if (config < 12) {
    static constexpr int kSilk[] = {480, 960, 1920, 2880};  // 10, 20, 40, 60 ms
    frame_samples = kSilk[config & 3];
  } else if (config < 16) {
    frame_samples = (config & 1) ? 960 : 480;  // hybrid: 10, 20 ms
  } else {
    static constexpr int kCelt[] = {120, 240, 480, 960};  // 2.5, 5, 10, 20 ms
    frame_samples = kCelt[config & 3];
  }
  int frames;
  switch (toc & 3) {
    case 0: frames = 1; break;
    case 1:
    case 2: frames = 2; break;
    default:
      if (packet.size() < 2) return 0;
      frames = packet[1] & 0x3f;
      break;
  }
  const int samples = frames * frame_samples;
  return samples > 0 && samples <= 5760 ? samples : 0;  // at most 120 ms (RFC 6716 3.2.5)
}

std::unique_ptr<OggOpusFile> OggOpusFile::Parse(const std::vector<uint8_t> &bytes, std::string &error) {
  std::unique_ptr<OggOpusFile> file(new OggOpusFile());
  std::vector<uint8_t> packet;
  size_t packets = 0;  // complete packets, headers included
  bool have_serial = false;
  uint32_t serial = 0;
  int64_t samples = 0;
  size_t at = 0;
  while (at + 27 <= bytes.size()) {
    const uint8_t *page = &bytes[at];
    if (std::memcmp(page, "OggS", 4) != 0 || page[4] != 0) {
      error = "not an Ogg page at byte " + std::to_string(at);
      return nullptr;
    }
    const size_t segments = page[26];
    if (at + 27 + segments > bytes.size()) break;  // a truncated last page is left out
    size_t body = 0;
    for (size_t i = 0; i < segments; ++i) body += page[27 + i];
    const size_t page_size = 27 + segments + body;
    if (at + page_size > bytes.size()) break;
    if (ogg_crc({page, page_size}) != le32(page + 22)) {
      error = "bad Ogg page checksum at byte " + std::to_string(at);
      return nullptr;
    }
    if (!have_serial) {
      serial = le32(page + 14);
      have_serial = true;
    } else if (le32(page + 14) != serial) {
      error = "more than one logical stream (only a single Opus stream is supported)";
      return nullptr;
    }
    if ((page[5] & 1) == 0) packet.clear();  // not a continuation: a partial packet before is dropped
    const uint8_t *data = page + 27 + segments;
    for (size_t i = 0; i < segments; ++i) {
      const uint8_t lacing = page[27 + i];
      if (packet.size() + lacing > kMaxPacketBytes) {
        error = "an Ogg packet larger than 64 KiB";
        return nullptr;
      }
      packet.insert(packet.end(), data, data + lacing);
      data += lacing;
      if (lacing == 255) continue;  // the packet goes on
      if (packets == 0) {
        if (packet.size() < 19 || std::memcmp(packet.data(), "OpusHead", 8) != 0) {
          error = "not an Ogg Opus file (no OpusHead)";
          return nullptr;
        }
        file->channels_ = packet[9];
        if ((packet[8] & 0xf0) != 0 || file->channels_ < 1 || file->channels_ > 2 || packet[18] != 0) {
          error = "only Ogg Opus version 0 with 1 or 2 channels (mapping family 0) is supported";
          return nullptr;
        }
      } else if (packets == 1) {
        if (packet.size() < 8 || std::memcmp(packet.data(), "OpusTags", 8) != 0) {
          error = "no OpusTags after OpusHead";
          return nullptr;
        }
      } else {
        const int packet_samples = opus_packet_samples(packet);
        if (packet_samples == 0) {
          error = "a malformed Opus packet (packet " + std::to_string(packets - 2) + ")";
          return nullptr;
        }
        if (file->frames_.size() >= kMaxFrames) {
          error = "too many packets";
          return nullptr;
        }
        Frame frame;
        frame.offset = file->bytes_.size();
        frame.size = packet.size();
        frame.key = true;
        frame.timestamp_us = samples * 1000 / 48;
        frame.duration_us = static_cast<int64_t>(packet_samples) * 1000 / 48;
        samples += packet_samples;
        file->bytes_.insert(file->bytes_.end(), packet.begin(), packet.end());
        file->frames_.push_back(frame);
      }
      ++packets;
      packet.clear();
    }
    at += page_size;
  }
  if (packets == 0) {
    error = "not an Ogg Opus file (no complete page)";
    return nullptr;
  }
  if (!file->Finish(error)) return nullptr;
  return file;
}

}  // namespace otc::media
