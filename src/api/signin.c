/* Web-UI sign-in (spec §1), as the Ansible collection's password mode uses
 * it: GET /csrf_token hands out a pre-sign-in cookie and its CSRF token;
 * POST /api/v1/signin (CSRF-checked by the dispatcher like every cookie
 * request) checks the password and answers with a new session cookie and
 * X-Next-CSRF-Token; POST /api/v1/signout ends the user's sessions on every
 * instance. The session id is rotated at sign-in, so a cookie planted
 * before it is worth nothing after. */
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "api/api.h"
#include "auth/websession.h"
#include "server/metrics.h"
#include "server/webauth.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"

#define USERNAME_MAX 255
#define SIGNIN_PASSWORD_MAX 1024

int api_csrf_token(struct req *r)
{
  char sid[WEBSESSION_ID_LEN + 1], csrf[WEBSESSION_CSRF_LEN + 1];
  const char *have = webauth_cookie(r);
  int rc = 0;
  if (have) {
    memcpy(sid, have, sizeof(sid));
  } else {
    rc = websession_id_new(sid);
    if (!rc)
      rc = webauth_set_cookie(r, sid, -1);
  }
  if (!rc)
    rc = websession_csrf(csrf, r->app->keys, sid);
  OPENSSL_cleanse(sid, sizeof(sid));
  if (rc)
    return api_internal(r, rc, "csrf token");
  req_set_header(r, "Cache-Control", "no-store");
  json_t *j = json_pack("{s:s}", "csrf_token", csrf);
  OPENSSL_cleanse(csrf, sizeof(csrf));
  return req_respond_json(r, 200, j);
}

/* A JSON body: browsers cannot send one cross-site without a CORS preflight
 * (which wharf never grants), so a cookie-less sign-in cannot be forged
 * from another site either (login CSRF). */
static int json_content(const struct req *r)
{
  const char *ct = req_header(r, "Content-Type");
  return ct && strncasecmp(ct, "application/json", 16) == 0;
}

static int signin_failed(struct req *r, const char *message)
{
  r->error_code = "SIGNIN_FAILED";
  return req_respond_json(r, 403, json_pack("{s:b, s:b, s:s}", "needsEmailVerification", 0,
                                            "invalidCredentials", 1, "message", message));
}

int api_signin(struct req *r)
{
  json_t *body = NULL;
  const char *user, *password, *reason = NULL;
  struct principal who;
  char sid[WEBSESSION_ID_LEN + 1], csrf[WEBSESSION_CSRF_LEN + 1];
  if (!json_content(r))
    return req_error(r, 400, "invalid_request", "Expected a JSON body (application/json)", NULL);
  if (api_json_body(r, &body, 0))
    return 0;
  if (api_json_string(r, &user, body, "username", USERNAME_MAX, 1) ||
      api_json_string(r, &password, body, "password", SIGNIN_PASSWORD_MAX, 1))
    goto out;
  int rc = auth_user_password(&who, &reason, r->app, r->pool, user, password);
  if (rc == AUTH_BAD) {
    /* no user name: people type passwords into that field too */
    LOG(LOG_INFO, "sign-in failed");
    metrics_auth_failure(metrics_auth_reason_of(reason));
    signin_failed(r, reason ? reason : "Invalid Username or Password");
    goto out;
  }
  if (!rc)
    rc = websession_start(sid, r->app, who.id);
  if (!rc)
    rc = websession_csrf(csrf, r->app->keys, sid);
  if (rc == ERR_DENIED) {
    signin_failed(r, "Invalid Username or Password");
    goto out;
  }
  if (rc) {
    api_internal(r, rc, "sign-in");
    goto out;
  }
  r->principal = who;
  webauth_set_cookie(r, sid, WEBSESSION_LIFETIME);
  req_set_header(r, "X-Next-CSRF-Token", csrf);
  req_set_header(r, "Cache-Control", "no-store");
  OPENSSL_cleanse(sid, sizeof(sid));
  OPENSSL_cleanse(csrf, sizeof(csrf));
  LOG(LOG_INFO, "%s signed in", who.name);
  req_respond_json(r, 200, json_pack("{s:b}", "success", 1));
out:
  json_decref(body);
  return 0;
}

int api_signout(struct req *r)
{
  /* Quay ends every session of the user, not only this browser's */
  int rc = websession_end_all(r->app, r->principal.id);
  if (rc)
    return api_internal(r, rc, "sign-out");
  webauth_set_cookie(r, "", 0);
  LOG(LOG_INFO, "%s signed out", r->principal.name);
  return req_respond_json(r, 200, json_pack("{s:b}", "success", 1));
}
