#ifndef WHARF_UTIL_DIGEST_H
#define WHARF_UTIL_DIGEST_H

#include <stddef.h>

/* Content digests "<algorithm>:<hex>" as in the OCI image spec. Only the
 * registered algorithms sha256 and sha512 are accepted, lowercase hex. */
enum digest_algo { DIGEST_SHA256 = 1, DIGEST_SHA512 = 2 };

/* Longest digest string: "sha512:" + 128 hex, plus NUL. */
#define DIGEST_MAX 136

/* Checks s[0..n) is a valid digest. Returns 0 and writes the algorithm to
 * *out (out may be NULL); ERR_INVALID when malformed, ERR_UNSUPPORTED when
 * the grammar is right but the algorithm is not one we hash. */
int digest_parse(enum digest_algo *out, const char *s, size_t n);

/* Streaming hash over OpenSSL EVP. */
struct hasher;
/* New hasher; NULL on failure. */
struct hasher *hasher_new(enum digest_algo algo);
/* Copy of h including its state; NULL on failure. */
struct hasher *hasher_dup(const struct hasher *h);
int hasher_update(struct hasher *h, const void *data, size_t len);
/* Writes "<algo>:<hex>" into out (DIGEST_MAX bytes). h may not be updated after. */
int hasher_final(struct hasher *h, char out[DIGEST_MAX]);
void hasher_free(struct hasher *h);

/* One-shot digest of a buffer into out (DIGEST_MAX bytes). */
int digest_buffer(char out[DIGEST_MAX], enum digest_algo algo, const void *data, size_t len);

#endif
