// What every sample does the same way: progress lines on stdout (flushed at once: a CI job
// reads them while the program runs) and, built with -DCONSOLE_LOGGING, the library's log.
#pragma once

#include <opentok.h>

#include <cstdarg>
#include <cstdio>

namespace sample {

inline void say(const char *format, ...) __attribute__((format(printf, 1, 2)));
inline void say(const char *format, ...) {
  va_list args;
  va_start(args, format);
  std::vfprintf(stdout, format, args);
  va_end(args);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

inline void enable_logging() {
#ifdef CONSOLE_LOGGING
  otc_log_set_logger_callback([](const char *message) { std::fprintf(stderr, "%s\n", message); });
  otc_log_enable(OTC_LOG_LEVEL_ALL);
#endif
}

}  // namespace sample

#include <SDL.h>

namespace sample {

// Ends the SDL event loop from any thread, as Ctrl-C would.
inline void quit() {
  SDL_Event event{};
  event.type = SDL_QUIT;
  SDL_PushEvent(&event);
}

// The event loop of samples without windows: until SDL_QUIT (Ctrl-C, or quit()).
inline void wait_for_quit() {
  for (SDL_Event event;;) {
    if (SDL_WaitEventTimeout(&event, 100) && event.type == SDL_QUIT) return;
  }
}

}  // namespace sample
