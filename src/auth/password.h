#ifndef WHARF_AUTH_PASSWORD_H
#define WHARF_AUTH_PASSWORD_H

/* Human passwords, hashed with argon2id (libargon2) in the PHC encoded form
 * "$argon2id$v=19$m=...,t=...,p=...$<salt>$<hash>". */

/* Longest password accepted, in bytes. */
#define PASSWORD_MAX 1024

/* Hashes password (1..PASSWORD_MAX bytes) with a fresh random salt; *out is a
 * malloc'd encoded hash the caller frees. ERR_INVALID when empty, ERR_TOOBIG
 * when longer than PASSWORD_MAX, ERR_NOMEM. */
int password_hash(char **out, const char *password);
/* 0 if password matches encoded, ERR_DENIED if it does not (an empty or
 * over-long password never matches), ERR_INVALID if encoded is not an argon2id
 * hash within sane cost bounds, ERR_NOMEM. */
int password_verify(const char *encoded, const char *password);
/* 1 if encoded was made with other parameters than password_hash() uses now
 * (rehash it after the next successful verify), 0 if current. */
int password_needs_rehash(const char *encoded);

#endif
