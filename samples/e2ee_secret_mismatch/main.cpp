// End-to-end encryption, the wrong secret: subscribes to every stream of an encrypted session
// with a secret that is not the publishers'. The frames cannot be opened, and the subscriber's
// on_error says so with OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH (6003). Quits then; exit
// status 0 when that code came and no frame was rendered. The program is
// common/subscriber_error_watch.cpp, shared with e2ee_decryption_error.
#include "subscriber_error_watch.h"

int main() { return sample::watch_for_subscriber_error(OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH, "mismatch"); }
