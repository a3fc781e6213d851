#include "end_reason.h"

namespace otc {

EndReason end_reason_from_server(std::string_view word) {
  struct Known {
    const char *word;
    otc_status code;
  };
  static constexpr Known kKnown[] = {
      {"clientDisconnected", OTC_SUCCESS},
      {"clientUnpublished", OTC_SUCCESS},
      {"clientUnsubscribed", OTC_SUCCESS},
      {"networkDisconnected", OTC_SESSION_CONNECTION_DROPPED},
      {"forceDisconnected", OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM},
      {"forceUnpublished", OTC_SESSION_FORCE_UNPUBLISH_OR_INVALID_STREAM},
      {"routerFailed", OTC_SUBSCRIBER_WEBRTC_ERROR},
  };
  for (const auto &known : kKnown) {
    if (word == known.word) return {known.word, known.code};
  }
  return {"unknown", OTC_SESSION_CONNECTION_DROPPED};
}

}  // namespace otc
