// End-to-end encryption, a faulty sender: subscribes to every stream of an encrypted session
// with the right secret. A publisher whose frames fail authentication (altered after they were
// sealed) makes the subscriber report OTC_SUBSCRIBER_DECRYPTION_INTERNAL_ERROR (6002), once.
// Quits then; exit status 0 when that code came and no frame was rendered. The program is
// common/subscriber_error_watch.cpp, shared with e2ee_secret_mismatch.
#include "subscriber_error_watch.h"

int main() {
  return sample::watch_for_subscriber_error(OTC_SUBSCRIBER_DECRYPTION_INTERNAL_ERROR, "decryption_error");
}
