#include "tls_context.h"

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace otc::signaling {

namespace {

// A CA bundle larger than this is not a CA bundle (Debian's whole store is about 200 KiB).
constexpr size_t kMaxCaBytes = 8 * 1024 * 1024;

struct BioFree {
  void operator()(BIO *bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509 *cert) const { X509_free(cert); }
};

// Adds every certificate of pem to store; the number added, or -1 with error set.
int add_pem_certificates(X509_STORE *store, const std::string &pem, const std::string &what, std::string &error) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    error = "out of memory reading " + what;
    return -1;
  }
  int added = 0;
  for (;;) {
    std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    if (X509_STORE_add_cert(store, cert.get()) == 1) ++added;
  }
  // The loop ends on "no start line" at the end of the text; anything else is a damaged block.
  const unsigned long last = ERR_peek_last_error();
  const bool clean_end = last == 0 || ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  ERR_clear_error();
  if (!clean_end) {
    error = what + " holds a damaged PEM certificate";
    return -1;
  }
  if (added == 0) {
    error = what + " holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")";
    return -1;
  }
  return added;
}

bool read_file(const std::string &path, std::string &out, const std::string &what, std::string &error) {
  FILE *file = std::fopen(path.c_str(), "rb");
  if (!file) {
    error = "cannot read " + what + ": " + std::strerror(errno);
    return false;
  }
  std::vector<char> buffer(64 * 1024);
  size_t n;
  bool failed = false;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), file)) > 0) {
    out.append(buffer.data(), n);
    if (out.size() > kMaxCaBytes) break;
  }
  if (std::ferror(file)) failed = true;
  const int read_errno = errno;
  std::fclose(file);
  if (failed) {
    error = "cannot read " + what + ": " + std::strerror(read_errno);
    return false;
  }
  if (out.size() > kMaxCaBytes) {
    error = what + " is larger than 8 MiB: not a CA bundle";
    return false;
  }
  return true;
}

std::string with_origin(const std::string &what, const std::string &origin) {
  return origin.empty() ? what : what + " (from " + origin + ")";
}

std::string asn1_time_text(const ASN1_TIME *time) {
  if (!time) return "";
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || ASN1_TIME_print(bio.get(), time) != 1) return "";
  char *data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : "";
}

// The DNS names and IP addresses of a certificate's subjectAltName, else its common name.
std::string certificate_names(X509 *cert) {
  std::string names;
  auto add = [&names](const std::string &name) {
    if (!names.empty()) names += ", ";
    names += name;
  };
  auto *general = static_cast<GENERAL_NAMES *>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (general) {
    for (int i = 0; i < sk_GENERAL_NAME_num(general); ++i) {
      const GENERAL_NAME *name = sk_GENERAL_NAME_value(general, i);
      if (name->type == GEN_DNS) {
        const ASN1_IA5STRING *dns = name->d.dNSName;
        add(std::string(reinterpret_cast<const char *>(ASN1_STRING_get0_data(dns)),
                        static_cast<size_t>(ASN1_STRING_length(dns))));
      } else if (name->type == GEN_IPADD) {
        const ASN1_OCTET_STRING *ip = name->d.iPAddress;
        const unsigned char *bytes = ASN1_STRING_get0_data(ip);
        if (ASN1_STRING_length(ip) == 4) {
          boost::asio::ip::address_v4::bytes_type v4;
          std::memcpy(v4.data(), bytes, 4);
          add(boost::asio::ip::address_v4(v4).to_string());
        } else if (ASN1_STRING_length(ip) == 16) {
          boost::asio::ip::address_v6::bytes_type v6;
          std::memcpy(v6.data(), bytes, 16);
          add(boost::asio::ip::address_v6(v6).to_string());
        }
      }
    }
    GENERAL_NAMES_free(general);
  }
  if (names.empty()) {
    char cn[256] = {0};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) add(cn);
  }
  return names.empty() ? "no name" : names;
}

bool is_address(const std::string &host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> make_client_context(const TlsOptions &options, std::string &error) {
  auto context = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  SSL_CTX *ctx = context->native_handle();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    error = "TLS: cannot require TLS 1.2";
    return nullptr;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (options.ca_file.empty() && options.ca_pem.empty()) {
    // The system store (SSL_CERT_FILE / SSL_CERT_DIR override it, as for every OpenSSL client).
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      ERR_clear_error();
      error = "TLS: cannot load the system's CA store";
      return nullptr;
    }
    return context;
  }
  X509_STORE *store = SSL_CTX_get_cert_store(ctx);
  if (!options.ca_file.empty()) {
    const std::string what = with_origin("the CA file " + options.ca_file, options.origin);
    std::string pem;
    if (!read_file(options.ca_file, pem, what, error) || add_pem_certificates(store, pem, what, error) < 0) {
      error = "TLS: " + error;
      return nullptr;
    }
  }
  if (!options.ca_pem.empty()) {
    if (add_pem_certificates(store, options.ca_pem, with_origin("the CA PEM", options.origin), error) < 0) {
      error = "TLS: " + error;
      return nullptr;
    }
  }
  return context;
}

bool expect_peer(SSL *ssl, const std::string &host, std::string &error) {
  X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
  bool ok;
  if (is_address(host)) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    ok = SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 && X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0) == 1;
  }
  if (!ok) {
    ERR_clear_error();
    error = "TLS: cannot check the server's certificate for \"" + host + "\"";
  }
  return ok;
}

bool note_verification(bool preverified, X509_STORE_CTX *store, PeerCheck &check) {
  if (!preverified && check.error == X509_V_OK) {
    check.error = X509_STORE_CTX_get_error(store);
    if (X509 *leaf = X509_STORE_CTX_get0_cert(store)) {
      check.leaf_names = certificate_names(leaf);
      check.leaf_expiry = asn1_time_text(X509_get0_notAfter(leaf));
      check.leaf_start = asn1_time_text(X509_get0_notBefore(leaf));
    }
  }
  return preverified;
}

std::string describe_handshake_failure(const boost::system::error_code &ec, SSL *ssl, const PeerCheck &check,
                                       const std::string &host) {
  int verify = check.error;
  if (verify == X509_V_OK && ssl) verify = static_cast<int>(SSL_get_verify_result(ssl));
  if (verify != X509_V_OK) {
    const std::string reason = X509_verify_cert_error_string(verify);
    switch (verify) {
      case X509_V_ERR_CERT_HAS_EXPIRED:
        return "TLS: certificate has expired" + (check.leaf_expiry.empty() ? "" : " (valid until " + check.leaf_expiry + ")");
      case X509_V_ERR_CERT_NOT_YET_VALID:
        return "TLS: certificate is not yet valid" + (check.leaf_start.empty() ? "" : " (valid from " + check.leaf_start + ")");
      case X509_V_ERR_HOSTNAME_MISMATCH:
      case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return "TLS: hostname mismatch (certificate is for " + check.leaf_names + ", connected to " + host + ")";
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      case X509_V_ERR_CERT_UNTRUSTED:
        return "TLS: certificate is not trusted (" + reason + ")";
      default:
        return "TLS: certificate verification failed (" + reason + ")";
    }
  }
  namespace ssl_errors = boost::asio::ssl::error;
  if (ec == ssl_errors::stream_truncated || ec == boost::asio::error::eof ||
      ec == boost::asio::error::connection_reset) {
    return "TLS: the server closed the connection during the TLS handshake (a plain ws:// server?)";
  }
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
      case SSL_R_WRONG_VERSION_NUMBER:
      case SSL_R_PACKET_LENGTH_TOO_LONG:
      case SSL_R_UNKNOWN_PROTOCOL:
        return "TLS: server did not answer TLS (plain ws:// server?)";
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_NO_PROTOCOLS_AVAILABLE:
      case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        return "TLS: the server offers no protocol version this client accepts (TLS 1.2 or newer)";
      default:
        break;
    }
  }
  return "TLS: handshake failed: " + ec.message();
}

}  // namespace otc::signaling
