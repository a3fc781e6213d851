// Reads YUV4MPEG2 files (the OTC_VIDEO_CAPTURER=file:PATH.y4m stand-in): 8-bit 4:2:0 only
// (C420, C420jpeg, C420paldv, C420mpeg2 or no C tag), frames read one at a time, looped.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace otc::media {

class Y4mFile {
 public:
  // nullptr with error set when the file cannot be read or is not a 4:2:0 Y4M of sane size.
  static std::unique_ptr<Y4mFile> Open(const std::string &path, std::string &error);
  ~Y4mFile();

  int width() const { return width_; }
  int height() const { return height_; }
  int fps() const { return fps_; }  // rounded, clamped to 1..60
  // The next frame's planes (tight: Y width x height, U and V (width+1)/2 x (height+1)/2), back
  // to the first frame after the last. nullptr when reading fails.
  const uint8_t *Next();

 private:
  Y4mFile() = default;
  bool ReadFrameAt(long offset);
  FILE *file_ = nullptr;
  int width_ = 0, height_ = 0, fps_ = 30;
  long first_frame_ = 0;
  std::vector<uint8_t> frame_;
};

}  // namespace otc::media
