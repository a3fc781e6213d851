// TLS for wss:// signaling, through OpenSSL (Boost.Asio's ssl::context over an SSL_CTX): the
// client context (TLS 1.2 or newer, the peer's certificate verified against the CAs of
// tls_options.h), the name or address the certificate must carry, and a sentence saying which
// check failed when a handshake does not complete.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <string>

#include "tls_options.h"

namespace otc::signaling {

// A client context: TLS 1.2 minimum, peer verification on, trusting options' CAs or else the
// system store. Null and error set (a sentence naming the file or PEM) when the CAs cannot be read.
std::shared_ptr<boost::asio::ssl::context> make_client_context(const TlsOptions &options, std::string &error);

// What certificate verification saw, filled by note_verification during the handshake.
struct PeerCheck {
  int error = X509_V_OK;    // the first verification failure
  std::string leaf_names;   // the server certificate's DNS names and addresses (or its CN)
  std::string leaf_expiry;  // its notAfter, for an expired certificate
  std::string leaf_start;   // its notBefore, for a certificate not yet valid
};

// Before the handshake: SNI (for names; not for address literals, RFC 6066) and the host name or
// IP address the certificate must match. false and error set when OpenSSL refuses them.
bool expect_peer(SSL *ssl, const std::string &host, std::string &error);

// The verify callback's body: records the first failure (and the leaf's names) in check and
// returns preverified unchanged, so OpenSSL's verdict stands.
bool note_verification(bool preverified, X509_STORE_CTX *store, PeerCheck &check);

// "TLS: ..." naming what failed: an untrusted, expired, not yet valid or wrong-host certificate,
// a server that does not speak TLS, no common protocol version, or the handshake's own error.
std::string describe_handshake_failure(const boost::system::error_code &ec, SSL *ssl,
                                       const PeerCheck &check, const std::string &host);

}  // namespace otc::signaling
