#ifndef WHARF_AUTH_WEBSESSION_H
#define WHARF_AUTH_WEBSESSION_H

#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"

/* Web-UI sessions (spec §1): the cookie holds a random session id; the
 * store holds only a keyed hash of it, so every instance can check a
 * session and a sign-out or password change ends it everywhere. The CSRF
 * token is derived from the session id with the server key, so it needs no
 * storage and a pre-sign-in cookie (from GET /csrf_token) has one too.
 * Session ids and CSRF tokens are secrets: never log them. */

struct app;
struct keys;
struct pool;

/* Cookie name; Quay's default session cookie name. */
#define WEBSESSION_COOKIE "_csrf_token"
/* Length of a session id: base64url of 32 random bytes. */
#define WEBSESSION_ID_LEN 43
/* Length of a CSRF token (hex HMAC-SHA256). */
#define WEBSESSION_CSRF_LEN 64
/* Seconds a signed-in session lives. */
#define WEBSESSION_LIFETIME ((int64_t)12 * 3600)

/* Draws a fresh session id (WEBSESSION_ID_LEN chars of [A-Za-z0-9_-] + NUL). */
int websession_id_new(char out[WEBSESSION_ID_LEN + 1]);
/* 1 if s has the form of a session id, else 0. */
int websession_id_valid(const char *s);
/* Writes the CSRF token of session id sid. */
int websession_csrf(char out[WEBSESSION_CSRF_LEN + 1], const struct keys *k, const char *sid);
/* 1 if token is sid's CSRF token (compared in constant time), else 0. */
int websession_csrf_ok(const struct keys *k, const char *sid, const char *token);

/* Signs user account_id in: stores a new session and writes its id to out. */
int websession_start(char out[WEBSESSION_ID_LEN + 1], struct app *app, int64_t account_id);
/* The principal of session id sid: the signed-in user (full rights, as a
 * password), or anonymous when the session is unknown, expired, its user
 * disabled or deleted, or the password changed since sign-in. 0, or a
 * negative ERR_* for store failures. Strings are allocated in p. */
int websession_authenticate(struct principal *out, struct app *app, struct pool *p,
                            const char *sid);
/* Ends every session of account_id (sign-out everywhere). */
int websession_end_all(struct app *app, int64_t account_id);

#endif
