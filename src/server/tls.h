#ifndef WHARF_SERVER_TLS_H
#define WHARF_SERVER_TLS_H

#include <stddef.h>

/* Native HTTPS certificates: a PEM certificate chain and its private key,
 * read from files and handed to GnuTLS during each handshake through
 * libmicrohttpd's MHD_OPTION_HTTPS_CERT_CALLBACK, so that tls_reload() can
 * swap them (SIGHUP) without closing the listener or any connection. */

/* Whether this libmicrohttpd was built with TLS and the certificate callback. */
int tls_supported(void);

/* Loads cert_file (PEM chain, leaf first) and key_file (PEM key) and makes
 * them the certificates served. ERR_INVALID/ERR_IO with a one-line message
 * in err (unreadable file, not PEM, key not matching the certificate). */
int tls_load(const char *cert_file, const char *key_file, char *err, size_t errlen);

/* Re-reads the files given to tls_load(); on success new handshakes get the
 * new certificate, on failure the old one stays and err says why. */
int tls_reload(char *err, size_t errlen);

/* Serial number (hex) of the certificate being served; "" before tls_load. */
const char *tls_serial(void);

/* A function pointer of no particular type (converted back by the caller). */
typedef void (*tls_fn)(void);
/* The gnutls_certificate_retrieve_function2 to pass with
 * MHD_OPTION_HTTPS_CERT_CALLBACK (typed tls_fn to keep GnuTLS out of this header). */
tls_fn tls_cert_callback(void);

/* Frees every certificate generation loaded; only after the server stopped. */
void tls_unload(void);

#endif
