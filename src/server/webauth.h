#ifndef WHARF_SERVER_WEBAUTH_H
#define WHARF_SERVER_WEBAUTH_H

#include <stdint.h>

#include "server/req.h"

/* Session cookies on /api/v1 (spec §1), the HTTP half of auth/websession:
 * reads the cookie, authenticates the request from it, and enforces CSRF on
 * every cookie request that may change something. Requests with an
 * Authorization header never reach this (Bearer calls skip CSRF). */

/* The session id in r's session cookie (pool copy), or NULL when there is
 * none of the right form. */
const char *webauth_cookie(const struct req *r);
/* For a request without Authorization: when it carries a session cookie,
 * sets r->principal from the session and, for methods other than GET and
 * HEAD, checks the CSRF token from the `_csrf_token` query parameter or the
 * X-CSRF-Token header. Returns 0 when there is no cookie (authenticate as
 * usual), 1 when the request may go on, -1 when it was answered (403 CSRF
 * failure, 503). *out_defer is set when the token can only be in a form
 * body: call webauth_check_form() once the body is in. */
int webauth_authenticate(struct req *r, int *out_defer);
/* The deferred check: the `_csrf_token` field of r's form body. Returns 0,
 * or responds 403 and returns -1. */
int webauth_check_form(struct req *r);
/* Responds 403 {"error":"CSRF token was invalid or missing."} (Quay's). */
int webauth_csrf_fail(struct req *r);
/* Sets the session cookie to sid (HttpOnly, SameSite=Lax, Path=/; Secure
 * behind an https proxy); max_age > 0 sets Max-Age, 0 deletes the cookie,
 * < 0 makes it last as long as the browser session. */
int webauth_set_cookie(struct req *r, const char *sid, int64_t max_age);

#endif
