#include "renderer.h"

#include <SDL.h>

#include <cstdio>
#include <cstring>

namespace sample {

struct Renderer::Window {
  SDL_Window *window = nullptr;
  SDL_Renderer *renderer = nullptr;
  SDL_Texture *texture = nullptr;
  int width = 0, height = 0;

  ~Window() {
    if (texture) SDL_DestroyTexture(texture);
    if (renderer) SDL_DestroyRenderer(renderer);
    if (window) SDL_DestroyWindow(window);
  }
};

Renderer::Renderer() {
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
    std::fprintf(stderr, "SDL_Init: %s\n", SDL_GetError());
    return;
  }
  ok_ = true;
}

Renderer::~Renderer() {
  for (auto &[name, window] : windows_) delete window;
  windows_.clear();
  if (ok_) SDL_Quit();
}

void Renderer::show(const std::string &name, const otc_video_frame *frame) {
  // The SDK's conversion gives tightly packed ARGB32 in plane 0.
  otc_video_frame *argb = otc_video_frame_convert(OTC_VIDEO_FRAME_FORMAT_ARGB32, frame);
  if (!argb) return;
  const int width = otc_video_frame_get_width(argb), height = otc_video_frame_get_height(argb);
  const uint8_t *pixels = otc_video_frame_get_plane_binary_data(argb, OTC_VIDEO_FRAME_PLANE_PACKED);
  if (pixels && width > 0 && height > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    Picture &picture = pictures_[name];
    if (!picture.removed) {
      const size_t size = static_cast<size_t>(width) * height * 4;
      picture.argb.assign(pixels, pixels + size);
      picture.width = width;
      picture.height = height;
      picture.fresh = true;
      ++picture.frames;
    }
  }
  otc_video_frame_delete(argb);
}

void Renderer::remove(const std::string &name) {
  std::lock_guard<std::mutex> lock(mutex_);
  pictures_[name].removed = true;
}

uint64_t Renderer::frames(const std::string &name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = pictures_.find(name);
  return it == pictures_.end() ? 0 : it->second.frames;
}

void Renderer::present() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto &[name, picture] : pictures_) {
    auto found = windows_.find(name);
    if (picture.removed) {
      if (found != windows_.end()) {
        delete found->second;
        windows_.erase(found);
      }
      continue;
    }
    if (!picture.fresh) continue;
    picture.fresh = false;
    Window *window = found == windows_.end() ? nullptr : found->second;
    if (!window) {
      window = new Window;
      windows_[name] = window;
      window->window = SDL_CreateWindow(name.c_str(), SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                                        picture.width, picture.height, 0);
      if (window->window) window->renderer = SDL_CreateRenderer(window->window, -1, 0);
      if (!window->renderer) std::fprintf(stderr, "window %s: %s\n", name.c_str(), SDL_GetError());
    }
    if (!window->renderer) continue;
    if (!window->texture || window->width != picture.width || window->height != picture.height) {
      if (window->texture) SDL_DestroyTexture(window->texture);
      window->texture = SDL_CreateTexture(window->renderer, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING,
                                          picture.width, picture.height);
      window->width = picture.width;
      window->height = picture.height;
      if (!window->texture) continue;
    }
    SDL_UpdateTexture(window->texture, nullptr, picture.argb.data(), picture.width * 4);
    SDL_RenderClear(window->renderer);
    SDL_RenderCopy(window->renderer, window->texture, nullptr, nullptr);
    SDL_RenderPresent(window->renderer);
  }
}

void Renderer::run() {
  if (!ok_) return;
  for (;;) {
    SDL_Event event;
    while (SDL_PollEvent(&event)) {
      if (event.type == SDL_QUIT) return;
      if (event.type == SDL_KEYDOWN && event.key.keysym.sym == SDLK_ESCAPE) return;
    }
    present();
    SDL_Delay(30);
  }
}

}  // namespace sample
