#ifndef WHARF_AUTH_TOKEN_H
#define WHARF_AUTH_TOKEN_H

#include <stddef.h>

/* Random credentials: robot tokens and bootstrap passwords, drawn from
 * OpenSSL's CSPRNG with rejection sampling (every character equally likely). */

/* Length of a robot token (Quay: 64 characters from [A-Z0-9]). */
#define TOKEN_LEN 64

/* Writes a fresh robot token: TOKEN_LEN chars from [A-Z0-9] plus NUL. */
int token_generate(char out[TOKEN_LEN + 1]);
/* 1 if the NUL-terminated strings a and b are equal, else 0 (also for NULL).
 * Constant time in the content when the lengths are equal; only the length
 * of a mismatch can leak. */
int token_equal(const char *a, const char *b);
/* Fills out (size len bytes, 17..1025) with len - 1 random characters from
 * an alphabet without look-alikes (no 0/O, 1/l/I) and a NUL, for bootstrap
 * passwords: char pw[25]; password_generate(pw, sizeof(pw)) gives ~140 bits. */
int password_generate(char *out, size_t len);

#endif
