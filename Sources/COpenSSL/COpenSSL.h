// Shim over OpenSSL (Debian's libssl-dev): digests for content addressing, and TLS for client
// connections that gRPC C-core cannot make itself. Macros of the OpenSSL API are wrapped in
// prefixed inline functions, since Swift cannot call function-like macros.
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/// Sets the SNI host name (SSL_set_tlsext_host_name).
static inline int copenssl_set_server_name(SSL *ssl, const char *name) {
  return (int)SSL_set_tlsext_host_name(ssl, name);
}

/// Requires TLS 1.2 or newer (SSL_CTX_set_min_proto_version).
static inline int copenssl_require_tls12(SSL_CTX *context) {
  return (int)SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

/// Lets SSL_write retry with a buffer that moved (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER), and
/// return after writing part of it (SSL_MODE_ENABLE_PARTIAL_WRITE).
static inline void copenssl_set_relay_modes(SSL_CTX *context) {
  SSL_CTX_set_mode(context, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
}

/// Adds a certificate to the chain sent after the leaf (SSL_CTX_add_extra_chain_cert); takes
/// ownership of it on success.
static inline int copenssl_add_chain_certificate(SSL_CTX *context, X509 *certificate) {
  return (int)SSL_CTX_add_extra_chain_cert(context, certificate);
}
#endif
