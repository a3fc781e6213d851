// The program behind the two samples that wait for a subscriber's E2EE error
// (e2ee_secret_mismatch: 6003, e2ee_decryption_error: 6002): connect with the configured secret,
// subscribe to every stream, and quit when a subscriber reports the awaited code.
#pragma once

#include <opentok.h>

namespace sample {

// Exit status: 0 when `awaited` came and no frame was rendered, 1 otherwise, 2 when config.h is
// incomplete. `label` names the code in the last line printed.
int watch_for_subscriber_error(enum otc_subscriber_error_code awaited, const char *label);

}  // namespace sample
