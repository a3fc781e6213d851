// Why a connection, stream, session or subscription ended (node-otc addition to the C API: the
// Linux SDK's callbacks carry no reason). Reasons are the words of docs/protocol.md held as
// string literals, so a pointer handed to the application never dangles.
#pragma once

#include <otc/errors.h>

#include <string_view>

namespace otc {

struct EndReason {
  const char *reason = nullptr;  // null: has not ended
  otc_status code = OTC_SUCCESS;
};

// The server's reason word as a literal, and the code a user sees with it: OTC_SUCCESS when
// someone asked for the end (disconnect, unpublish, unsubscribe), else the failure's code.
// An unknown word (a newer server) is "unknown" with OTC_SESSION_CONNECTION_DROPPED.
EndReason end_reason_from_server(std::string_view word);

}  // namespace otc
