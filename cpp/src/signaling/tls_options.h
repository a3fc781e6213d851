// Which certificate authorities a wss:// signaling connection trusts. A plain struct, so that the
// session layer can carry it without seeing OpenSSL (tls_context.h turns it into an SSL_CTX).
#pragma once

#include <string>

namespace otc::signaling {

struct TlsOptions {
  // Trusted CAs instead of the system store: a PEM file, PEM text, or both (then both are
  // trusted). Both empty: the system store (OpenSSL's default verify paths).
  std::string ca_file;
  std::string ca_pem;
  // Where the CAs came from, for error messages ("the session settings", "OTC_CA_FILE").
  std::string origin;
};

}  // namespace otc::signaling
