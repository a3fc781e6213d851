#include "annexb_file.h"

namespace otc::media {

namespace {

enum NalType : uint8_t { kSlice = 1, kIdr = 5, kSei = 6, kSps = 7, kPps = 8, kAud = 9 };

// Exp-Golomb reader over an RBSP (emulation prevention bytes already removed). Reads past the end
// give zeros and set overrun; values are capped so that garbage cannot overflow.
class GolombReader {
 public:
  explicit GolombReader(std::vector<uint8_t> rbsp) : bytes_(std::move(rbsp)) {}
  uint32_t Bit() {
    const size_t byte = position_ / 8;
    if (byte >= bytes_.size()) {
      overrun_ = true;
      return 0;
    }
    const uint32_t bit = (bytes_[byte] >> (7 - position_ % 8)) & 1;
    ++position_;
    return bit;
  }
  uint32_t Bits(int n) {
    uint32_t value = 0;
    for (int i = 0; i < n; ++i) value = (value << 1) | Bit();
    return value;
  }
  uint32_t Ue() {
    int zeros = 0;
    while (Bit() == 0) {
      if (overrun_ || ++zeros > 31) {
        overrun_ = true;
        return 0;
      }
    }
    return ((1u << zeros) - 1) + Bits(zeros);
  }
  int32_t Se() {
    const uint32_t v = Ue();
    return (v & 1) ? static_cast<int32_t>((v + 1) / 2) : -static_cast<int32_t>(v / 2);
  }
  bool overrun() const { return overrun_; }

 private:
  std::vector<uint8_t> bytes_;
  size_t position_ = 0;
  bool overrun_ = false;
};

std::vector<uint8_t> unescape(std::span<const uint8_t> nal) {
  std::vector<uint8_t> rbsp;
  rbsp.reserve(nal.size());
  int zeros = 0;
  for (uint8_t byte : nal) {
    if (zeros >= 2 && byte == 3) {
      zeros = 0;
      continue;
    }
    zeros = byte == 0 ? zeros + 1 : 0;
    rbsp.push_back(byte);
  }
  return rbsp;
}

void skip_scaling_list(GolombReader &bits, int size) {
  int last = 8, next = 8;
  for (int j = 0; j < size && !bits.overrun(); ++j) {
    if (next != 0) next = (last + bits.Se() + 256) % 256;
    last = next == 0 ? last : next;
  }
}

// ITU-T H.264 section 7.3.2.1.1, as far as the picture size. False when malformed.
bool sps_size(std::span<const uint8_t> sps, int &width, int &height) {
  if (sps.size() < 4) return false;
  GolombReader bits(unescape(sps.subspan(1)));
  const uint32_t profile = bits.Bits(8);
  bits.Bits(16);  // constraint flags, level
  bits.Ue();      // seq_parameter_set_id
  uint32_t chroma_format = 1;
  if (profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44 || profile == 83 ||
      profile == 86 || profile == 118 || profile == 128 || profile == 138 || profile == 139 || profile == 134 ||
      profile == 135) {
    chroma_format = bits.Ue();
    if (chroma_format > 3) return false;
    if (chroma_format == 3) bits.Bit();  // separate_colour_plane_flag
    bits.Ue();                           // bit_depth_luma_minus8
    bits.Ue();                           // bit_depth_chroma_minus8
    bits.Bit();                          // qpprime_y_zero_transform_bypass_flag
    if (bits.Bit()) {                    // seq_scaling_matrix_present_flag
      for (int i = 0; i < (chroma_format != 3 ? 8 : 12); ++i)
        if (bits.Bit()) skip_scaling_list(bits, i < 6 ? 16 : 64);
    }
  }
  bits.Ue();  // log2_max_frame_num_minus4
  const uint32_t poc_type = bits.Ue();
  if (poc_type == 0) {
    bits.Ue();
  } else if (poc_type == 1) {
    bits.Bit();
    bits.Se();
    bits.Se();
    const uint32_t cycle = bits.Ue();
    if (cycle > 255) return false;
    for (uint32_t i = 0; i < cycle; ++i) bits.Se();
  }
  bits.Ue();   // max_num_ref_frames
  bits.Bit();  // gaps_in_frame_num_value_allowed_flag
  const uint32_t width_mbs = bits.Ue() + 1, height_units = bits.Ue() + 1;
  const uint32_t frame_mbs_only = bits.Bit();
  if (!frame_mbs_only) bits.Bit();  // mb_adaptive_frame_field_flag
  bits.Bit();                       // direct_8x8_inference_flag
  uint32_t left = 0, right = 0, top = 0, bottom = 0;
  if (bits.Bit()) {
    left = bits.Ue();
    right = bits.Ue();
    top = bits.Ue();
    bottom = bits.Ue();
  }
  if (bits.overrun() || width_mbs > 1024 || height_units > 1024) return false;
  const uint32_t crop_x = chroma_format == 1 || chroma_format == 2 ? 2 : 1;
  const uint32_t crop_y = (chroma_format == 1 ? 2 : 1) * (2 - frame_mbs_only);
  const int64_t w = static_cast<int64_t>(width_mbs) * 16 - static_cast<int64_t>(crop_x) * (left + right);
  const int64_t h = static_cast<int64_t>(height_units) * 16 * (2 - frame_mbs_only) -
                    static_cast<int64_t>(crop_y) * (top + bottom);
  if (w <= 0 || h <= 0) return false;
  width = static_cast<int>(w);
  height = static_cast<int>(h);
  return true;
}

bool is_vcl(uint8_t type) { return type == kSlice || type == kIdr; }

}  // namespace

std::vector<std::span<const uint8_t>> split_annexb(std::span<const uint8_t> bytes) {
  std::vector<std::span<const uint8_t>> nals;
  size_t start = SIZE_MAX;  // the current NAL's first byte
  size_t i = 0;
  const auto close = [&](size_t end) {
    if (start == SIZE_MAX) return;
    while (end > start && bytes[end - 1] == 0) --end;  // trailing_zero_8bits, a 4-byte code's zero
    if (end > start) nals.push_back(bytes.subspan(start, end - start));
  };
  while (i + 3 <= bytes.size()) {
    if (bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 1) {
      close(i);
      i += 3;
      start = i;
    } else {
      ++i;
    }
  }
  close(bytes.size());
  return nals;
}

std::unique_ptr<AnnexBFile> AnnexBFile::Parse(const std::vector<uint8_t> &bytes, int fps, std::string &error) {
  std::unique_ptr<AnnexBFile> file(new AnnexBFile());
  const auto nals = split_annexb(bytes);
  if (nals.empty()) {
    error = "no H.264 NAL units";
    return nullptr;
  }
  const int64_t duration = 1'000'000 / fps;
  std::vector<uint8_t> sps, pps;
  int width = 0, height = 0;
  std::vector<std::span<const uint8_t>> unit;  // the access unit being gathered
  bool unit_vcl = false, unit_idr = false, unit_sps = false, unit_pps = false;
  bool failed = false;
  const auto append = [&](std::span<const uint8_t> nal) {
    static constexpr uint8_t kStartCode[] = {0, 0, 0, 1};
    file->bytes_.insert(file->bytes_.end(), kStartCode, kStartCode + 4);
    file->bytes_.insert(file->bytes_.end(), nal.begin(), nal.end());
  };
  const auto finish_unit = [&] {
    if (unit_vcl && !failed) {
      if (file->frames_.size() >= kMaxFrames || file->bytes_.size() > kMaxFileBytes) {
        error = "too many frames";
        failed = true;
        return;
      }
      Frame frame;
      frame.offset = file->bytes_.size();
      frame.key = unit_idr;
      if (unit_idr && (!unit_sps || !unit_pps)) {
        if (sps.empty() || pps.empty()) {
          // Undecodable without them: not a key frame (the file must give them at some point).
          frame.key = false;
        } else {
          if (!unit_sps) append(sps);
          if (!unit_pps) append(pps);
        }
      }
      for (const auto &nal : unit) append(nal);
      frame.size = file->bytes_.size() - frame.offset;
      if (frame.size > kMaxFrameBytes) {
        error = "an access unit larger than " + std::to_string(kMaxFrameBytes >> 20) + " MiB";
        failed = true;
        return;
      }
      frame.timestamp_us = static_cast<int64_t>(file->frames_.size()) * duration;
      frame.duration_us = duration;
      frame.width = width;
      frame.height = height;
      file->frames_.push_back(frame);
    }
    unit.clear();
    unit_vcl = unit_idr = unit_sps = unit_pps = false;
  };
  for (const auto &nal : nals) {
    if (failed) break;
    if (nal[0] & 0x80) {  // forbidden_zero_bit
      error = "not an H.264 byte stream (forbidden bit set)";
      return nullptr;
    }
    const uint8_t type = nal[0] & 0x1f;
    if (type == kAud) {
      if (unit_vcl) finish_unit();
      continue;
    }
    const bool starts_unit = (type == kSei || type == kSps || type == kPps || (type >= 14 && type <= 18)) ||
                             (is_vcl(type) && nal.size() > 1 && (nal[1] & 0x80));  // first_mb_in_slice 0
    if (unit_vcl && starts_unit) finish_unit();
    if (type == kSps) {
      if (!sps_size(nal, width, height) || width > 16384 || height > 16384) {
        error = "a malformed SPS";
        return nullptr;
      }
      sps.assign(nal.begin(), nal.end());
      unit_sps = true;
    } else if (type == kPps) {
      pps.assign(nal.begin(), nal.end());
      unit_pps = true;
    }
    if (is_vcl(type)) unit_vcl = true;
    if (type == kIdr) unit_idr = true;
    unit.push_back(nal);
  }
  finish_unit();
  if (failed) return nullptr;
  if (!file->Finish(error)) return nullptr;
  return file;
}

}  // namespace otc::media
