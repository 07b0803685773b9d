#ifndef WHARF_UTIL_BASE64_H
#define WHARF_UTIL_BASE64_H

#include <stddef.h>

/* Base64 (RFC 4648) over OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock.
 * BASE64_STD is the padded '+' '/' alphabet (HTTP Basic, stored blobs);
 * BASE64_URL is '-' '_' without padding (JWS compact form). Decoding accepts
 * only the canonical encoding: no whitespace, no stray padding, zero unused
 * bits, so one byte string has exactly one accepted text. */
enum base64_variant { BASE64_STD = 0, BASE64_URL = 1 };

/* Largest input either function takes (ERR_TOOBIG above it). */
#define BASE64_MAX_INPUT ((size_t)64 << 20)

/* Encodes data[0..len) into *out, a malloc'd NUL-terminated string the caller
 * frees. ERR_TOOBIG, ERR_NOMEM. */
int base64_encode(char **out, const void *data, size_t len, enum base64_variant v);
/* Decodes s[0..n) into *out (malloc'd, NUL appended, caller frees) and sets
 * *out_len. ERR_INVALID unless s is the canonical encoding in variant v. */
int base64_decode(unsigned char **out, size_t *out_len, const char *s, size_t n,
                  enum base64_variant v);

#endif
