// Shows video in SDL2 windows, one per stream, and runs the program's event loop until the user
// closes it (Escape, a window's close button, or Ctrl-C: SDL turns SIGINT into SDL_QUIT).
// Frames come from any thread; windows live on the thread that calls run(). With
// SDL_VIDEODRIVER=dummy it works without a display (frames are still converted and counted).
#pragma once

#include <opentok.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace sample {

class Renderer {
 public:
  Renderer();
  ~Renderer();
  bool ok() const { return ok_; }

  // Any thread: converts the frame to ARGB32 and keeps it for the window called name.
  void show(const std::string &name, const otc_video_frame *frame);
  // Any thread: closes that window.
  void remove(const std::string &name);
  // Frames shown for name so far.
  uint64_t frames(const std::string &name);

  // The calling thread's event loop; returns on SDL_QUIT or Escape.
  void run();

 private:
  struct Picture {
    std::vector<uint8_t> argb;
    int width = 0, height = 0;
    bool fresh = false;
    bool removed = false;
    uint64_t frames = 0;
  };
  struct Window;
  void present();

  bool ok_ = false;
  std::mutex mutex_;
  std::map<std::string, Picture> pictures_;
  std::map<std::string, Window *> windows_;  // only on run()'s thread
};

}  // namespace sample
