#include "y4m_file.h"

#include <cstring>
#include <sstream>

#include "video_frame.h"

namespace otc::media {

namespace {

bool read_line(FILE *file, std::string &line) {
  line.clear();
  for (int c; (c = std::fgetc(file)) != EOF;) {
    if (c == '\n') return true;
    if (line.size() > 4096) return false;
    line.push_back(static_cast<char>(c));
  }
  return false;
}

}  // namespace

std::unique_ptr<Y4mFile> Y4mFile::Open(const std::string &path, std::string &error) {
  std::unique_ptr<Y4mFile> y4m(new Y4mFile);
  y4m->file_ = std::fopen(path.c_str(), "rb");
  if (!y4m->file_) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  std::string header;
  if (!read_line(y4m->file_, header) || header.rfind("YUV4MPEG2 ", 0) != 0) {
    error = path + " is not a YUV4MPEG2 file";
    return nullptr;
  }
  std::istringstream tags(header.substr(10));
  for (std::string tag; tags >> tag;) {
    const char key = tag[0];
    const std::string value = tag.substr(1);
    if (key == 'W') y4m->width_ = std::atoi(value.c_str());
    if (key == 'H') y4m->height_ = std::atoi(value.c_str());
    if (key == 'F') {
      long num = 0, den = 0;
      if (std::sscanf(value.c_str(), "%ld:%ld", &num, &den) == 2 && num > 0 && den > 0) {
        const long fps = (num + den / 2) / den;
        y4m->fps_ = static_cast<int>(fps < 1 ? 1 : fps > 60 ? 60 : fps);
      }
    }
    if (key == 'C' && value.rfind("420", 0) != 0) {
      error = path + ": only 8-bit 4:2:0 Y4M files are supported (C" + value + ")";
      return nullptr;
    }
  }
  if (!valid_size(y4m->width_, y4m->height_) || y4m->width_ % 2 || y4m->height_ % 2) {
    error = path + ": bad or odd picture size";
    return nullptr;
  }
  const size_t w = static_cast<size_t>(y4m->width_), h = static_cast<size_t>(y4m->height_);
  y4m->frame_.resize(w * h + 2 * (w / 2) * (h / 2));
  y4m->first_frame_ = std::ftell(y4m->file_);
  if (!y4m->ReadFrameAt(y4m->first_frame_)) {
    error = path + ": no complete frame";
    return nullptr;
  }
  if (std::fseek(y4m->file_, y4m->first_frame_, SEEK_SET) != 0) return nullptr;
  return y4m;
}

Y4mFile::~Y4mFile() {
  if (file_) std::fclose(file_);
}

bool Y4mFile::ReadFrameAt(long offset) {
  if (offset >= 0 && std::fseek(file_, offset, SEEK_SET) != 0) return false;
  std::string line;
  if (!read_line(file_, line) || line.rfind("FRAME", 0) != 0) return false;
  return std::fread(frame_.data(), 1, frame_.size(), file_) == frame_.size();
}

const uint8_t *Y4mFile::Next() {
  if (ReadFrameAt(-1) || ReadFrameAt(first_frame_)) return frame_.data();
  return nullptr;
}

}  // namespace otc::media
