#ifndef WHARF_UTIL_RAND_H
#define WHARF_UTIL_RAND_H

#include <stddef.h>

/* Fills out with n random bytes from OpenSSL's CSPRNG; ERR_INTERNAL on failure. */
int rand_bytes(void *out, size_t n);
/* Writes a random RFC 4122 version 4 UUID (36 chars + NUL). */
int rand_uuid(char out[37]);

#endif
