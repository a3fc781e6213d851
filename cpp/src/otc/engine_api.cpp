// The C API of the media engine's lifetime (otc_init/otc_destroy) and codec query.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include <otc/base.h>

#include "../rtc/media_engine.h"
#include <dlfcn.h>
#include <openssl/crypto.h>

#include "audio_selection.h"
#include "engine_access.h"
#include "media_endpoint.h"
#include "media_report.h"
#include "../base/log.h"
#include "../base/memory_trim.h"

#ifndef OTC_VERSION_STRING
#define OTC_VERSION_STRING "0.1.0"  // keep equal to package.json's version
#endif

namespace {

// One engine per process, shared by every caller of otc_init (the Node main thread, workers, a
// C program): each otc_init takes one reference, the last otc_destroy joins the threads. The
// mutex also keeps otc_media_get_codecs from racing a teardown. The engine is shared:
// publishers and subscribers hold it too, so otc_destroy with media still alive defers the
// teardown to the last of them (deleted on an application thread, never a libwebrtc one).
// Never destroyed: exits that skip otc_destroy (Node's process.exit() runs no environment
// cleanup hooks; a C program may just return from main) tear down in teardown_at_exit, which
// may run after static destructors.
struct EngineState {
  std::mutex mutex;
  int init_count = 0;
  std::shared_ptr<otc::rtc::MediaEngine> engine;
  std::vector<std::weak_ptr<otc::MediaEndpoint>> live_media;
};

EngineState &state() {
  static auto *engine_state = new EngineState;
  return *engine_state;
}

// Copies with truncation and always terminates; the fixed-size fields of otc_codec_info are
// far larger than any codec name or fmtp line libwebrtc produces.
template <size_t N>
void CopyField(char (&field)[N], const std::string& value) {
  const size_t length = std::min(value.size(), N - 1);
  std::memcpy(field, value.data(), length);
  field[length] = '\0';
}


// Runs at process exit, before OpenSSL's cleanup (which libwebrtc's threads would outlive).
void teardown_at_exit() {
  std::vector<std::weak_ptr<otc::MediaEndpoint>> media;
  {
    std::lock_guard<std::mutex> lock(state().mutex);
    media.swap(state().live_media);
  }
  for (const auto &weak : media) {
    if (auto endpoint = weak.lock()) endpoint->shutdown();
  }
  std::shared_ptr<otc::rtc::MediaEngine> engine;
  {
    std::lock_guard<std::mutex> lock(state().mutex);
    engine = std::move(state().engine);
    state().init_count = 0;
  }
  engine.reset();  // joins libwebrtc's threads, if nothing else holds the engine
}

// Both: OPENSSL_atexit handlers run at the start of OpenSSL's exit cleanup, before it frees
// anything (a plain atexit handler was seen to run after it); the plain one covers an OpenSSL
// that runs no cleanup. The second call finds nothing left to do. OpenSSL keeps a pointer to
// our function: this module is pinned (RTLD_NODELETE), as Node unloads an addon that only
// worker threads loaded.
bool register_exit_teardown() {
  Dl_info self{};
  if (dladdr(reinterpret_cast<void *>(&teardown_at_exit), &self) != 0 && self.dli_fname) {
    dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);  // a reference never closed
  }
  return OPENSSL_init_crypto(0, nullptr) == 1 && OPENSSL_atexit(&teardown_at_exit) == 1 &&
         std::atexit(&teardown_at_exit) == 0;
}

}  // namespace

namespace otc {

std::shared_ptr<rtc::MediaEngine> acquire_media_engine() {
  std::lock_guard<std::mutex> lock(state().mutex);
  return state().engine;
}

void register_live_media(const std::weak_ptr<MediaEndpoint> &endpoint) {
  std::lock_guard<std::mutex> lock(state().mutex);
  auto &list = state().live_media;
  std::erase_if(list, [](const auto &weak) { return weak.expired(); });
  list.push_back(endpoint);
}

}  // namespace otc

namespace {

// OTC_LOG_LEVEL lets an operator see the library's log (libwebrtc's included) on stderr from a
// program that never asks for it, as unmodified SDK programs do not. Read at the first otc_init;
// the program's own otc_log_enable / otc_log_set_logger* calls still win afterwards.
void apply_log_level_from_environment() {
  const char *text = std::getenv("OTC_LOG_LEVEL");
  if (!text || !*text) return;
  int level = 0;
  if (otc::parse_log_level(text, &level)) {
    otc::set_log_level(level);
  } else {
    std::fprintf(stderr, "otc: OTC_LOG_LEVEL=%s is not a log level (error, warn, info, debug, all or the SDK's number); ignored\n", text);
  }
}

// A malloc trim the once-a-second limit skipped at otc_session_delete runs here when the second
// is over: on the signaling thread (no media runs there), so what the last deletes of a burst
// freed goes back too. No engine (after the last otc_destroy): nothing to run it on; skipped.
void schedule_trim(std::chrono::milliseconds delay) {
  if (auto engine = otc::acquire_media_engine()) {
    engine->signaling_thread()->PostDelayedTask([] { otc::run_scheduled_trim(); },
                                                webrtc::TimeDelta::Millis(delay.count()));
  }
}

// A long call frees and allocates frame and packet buffers of changing sizes all the time, and
// glibc keeps the freed pages: a bot pair's RSS rose about 10 MB an hour with nothing leaked
// (bench/soak). Every minute the signaling thread hands them back. The chain of tasks ends with
// the engine's thread (pending tasks are dropped when it stops); each engine starts its own.
constexpr webrtc::TimeDelta kPeriodicTrim = webrtc::TimeDelta::Seconds(60);

void trim_periodically(::rtc::Thread* thread) {
  thread->PostDelayedTask([thread] {
    otc::trim_freed_memory();
    trim_periodically(thread);
  }, kPeriodicTrim);
}

}  // namespace

extern "C" otc_status otc_init(void* reserved) {
  if (reserved != nullptr) return OTC_E2EE_INVALID_PARAMETER;
  static const bool exit_handlers = register_exit_teardown();
  (void)exit_handlers;
  std::lock_guard<std::mutex> lock(state().mutex);
  if (state().init_count == 0) {
    apply_log_level_from_environment();
    otc::rtc::MediaEngine::AudioIo audio;
    audio.backend = otc::make_selected_audio_backend();
    state().engine = otc::rtc::MediaEngine::Create(std::move(audio));
    if (!state().engine) return OTC_MEDIA_ENGINE_FAILURE;
    otc::set_trim_scheduler(&schedule_trim);
    trim_periodically(state().engine->signaling_thread());
  }
  ++state().init_count;
  otc::log(OTC_LOG_LEVEL_DEBUG, "otc_init: %d reference(s)", state().init_count);
  return OTC_SUCCESS;
}

extern "C" otc_status otc_destroy(void) {
  // The media check report's last lines (subscriptions ended just before) reach their file
  // before the program exits.
  otc::media_report_flush();
  std::lock_guard<std::mutex> lock(state().mutex);
  if (state().init_count == 0) return OTC_MEDIA_ENGINE_NOT_INITIALIZED;
  --state().init_count;
  otc::log(OTC_LOG_LEVEL_DEBUG, "otc_destroy: %d reference(s) left", state().init_count);
  // Teardown (joining libwebrtc's threads) happens under the lock, so that an otc_init racing
  // this call starts a fresh engine only after the old one is fully gone.
  if (state().init_count == 0) state().engine.reset();
  return OTC_SUCCESS;
}

extern "C" otc_bool otc_is_initialized(void) {
  std::lock_guard<std::mutex> lock(state().mutex);
  return state().init_count > 0 ? OTC_TRUE : OTC_FALSE;
}

extern "C" otc_status otc_media_get_codecs(otc_media_kind kind, otc_codec_direction direction,
                                           otc_codec_info* out, size_t capacity, size_t* count) {
  if (count == nullptr || (out == nullptr && capacity > 0)) return OTC_E2EE_INVALID_PARAMETER;
  if (kind != OTC_MEDIA_AUDIO && kind != OTC_MEDIA_VIDEO) return OTC_E2EE_INVALID_PARAMETER;
  if (direction != OTC_CODEC_ENCODE && direction != OTC_CODEC_DECODE) {
    return OTC_E2EE_INVALID_PARAMETER;
  }
  std::lock_guard<std::mutex> lock(state().mutex);
  if (!state().engine) return OTC_MEDIA_ENGINE_NOT_INITIALIZED;
  const auto codecs = state().engine->ListCodecs(
      kind == OTC_MEDIA_AUDIO ? otc::rtc::MediaKind::kAudio : otc::rtc::MediaKind::kVideo,
      direction == OTC_CODEC_ENCODE ? otc::rtc::CodecDirection::kEncode
                                    : otc::rtc::CodecDirection::kDecode);
  *count = codecs.size();
  for (size_t i = 0; i < codecs.size() && i < capacity; ++i) {
    otc_codec_info& info = out[i];
    CopyField(info.name, codecs[i].name);
    CopyField(info.parameters, codecs[i].parameters);
    info.clock_rate = codecs[i].clock_rate;
    info.channels = codecs[i].channels;
  }
  return OTC_SUCCESS;
}

extern "C" const char* otc_version(void) { return OTC_VERSION_STRING; }
