// The C++17 twin of consumer.c: the same headers and library from C++ (extern "C" linkage, no C++
// symbol needed from the library), with a session held by a unique_ptr.
#if __has_include(<opentok.h>)
#include <opentok.h>
#endif
#include <otc/otc.h>

#include <cstdio>
#include <memory>
#include <string_view>
#include <vector>

namespace {

int fail(const char *what) {
  std::fprintf(stderr, "consumer_cxx: %s\n", what);
  return 1;
}

struct SessionDeleter {
  void operator()(otc_session *session) const { otc_session_delete(session); }
};

}  // namespace

int main() {
  if (otc_init(nullptr) != OTC_SUCCESS) return fail("otc_init failed");
  std::printf("libopentok %s\n", otc_version());

  std::vector<otc_codec_info> codecs(32);
  size_t count = 0;
  if (otc_media_get_codecs(OTC_MEDIA_AUDIO, OTC_CODEC_DECODE, codecs.data(), codecs.size(), &count) !=
      OTC_SUCCESS)
    return fail("otc_media_get_codecs failed");
  bool opus = false;
  for (size_t i = 0; i < count && i < codecs.size(); ++i) opus |= std::string_view(codecs[i].name) == "opus";
  if (!opus) return fail("no Opus decoder");

  {
    struct otc_session_callbacks callbacks{};
    std::unique_ptr<otc_session, SessionDeleter> session(
        otc_session_new("consumer-key", "consumer-session", &callbacks));
    if (!session) return fail("otc_session_new returned NULL");
  }

  if (otc_destroy() != OTC_SUCCESS) return fail("otc_destroy failed");
  std::printf("consumer_cxx: ok\n");
  return 0;
}
