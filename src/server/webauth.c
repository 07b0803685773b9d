/* Cookie sessions and CSRF for /api/v1. Never logs a session id or a CSRF
 * token: the access log carries the path without its query string, and no
 * line here formats either. */
#include "server/webauth.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/websession.h"
#include "server/router.h"
#include "util/err.h"
#include "util/pool.h"

#define CSRF_PARAM "_csrf_token"
#define CSRF_HEADER "X-CSRF-Token"
#define FORM_TYPE "application/x-www-form-urlencoded"

struct cookie_find {
  struct pool *pool;
  const char *found;
};

/* Looks through one Cookie header ("a=b; c=d") for a well-formed session id. */
static int cookie_scan(void *ctx, const char *value)
{
  struct cookie_find *f = ctx;
  const size_t nl = strlen(WEBSESSION_COOKIE);
  for (const char *c = value; *c;) {
    c += strspn(c, " \t;");
    size_t len = strcspn(c, ";");
    if (len > nl && strncmp(c, WEBSESSION_COOKIE, nl) == 0 && c[nl] == '=') {
      char *v = pool_strndup(f->pool, c + nl + 1, len - nl - 1);
      size_t vl = v ? strlen(v) : 0;
      while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
        v[--vl] = '\0';
      if (v && websession_id_valid(v)) {
        f->found = v;
        return 1;
      }
    }
    c += len;
  }
  return 0;
}

const char *webauth_cookie(const struct req *r)
{
  struct cookie_find f = { r->pool, NULL };
  req_header_each(r, "Cookie", cookie_scan, &f);
  return f.found;
}

int webauth_csrf_fail(struct req *r)
{
  r->error_code = "CSRF_FAILED";
  return req_respond_json(r, 403, json_pack("{s:s}", "error", "CSRF token was invalid or missing."));
}

static int is_form(const struct req *r)
{
  const char *ct = req_header(r, "Content-Type");
  return ct && strncasecmp(ct, FORM_TYPE, strlen(FORM_TYPE)) == 0;
}

int webauth_authenticate(struct req *r, int *out_defer)
{
  const char *sid = webauth_cookie(r);
  if (!sid)
    return 0;
  int rc = websession_authenticate(&r->principal, r->app, r->pool, sid);
  if (rc) {
    req_error(r, 503, "UNAVAILABLE", "authentication backend unavailable, retry later", NULL);
    return -1;
  }
  if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
    return 1;
  const char *token = req_query(r, CSRF_PARAM);
  if (!token || !*token)
    token = req_header(r, CSRF_HEADER);
  if (token && *token)
    return websession_csrf_ok(r->app->keys, sid, token) ? 1 : (webauth_csrf_fail(r), -1);
  if (r->route->body == BODY_BUFFER && is_form(r)) {
    *out_defer = 1;
    return 1;
  }
  webauth_csrf_fail(r);
  return -1;
}

/* The decoded value of field `name` in an urlencoded form body, or NULL. */
static const char *form_field(struct req *r, const char *name)
{
  const char *data = r->body.data ? r->body.data : "";
  const char *end = data + r->body.len;
  size_t nl = strlen(name);
  for (const char *c = data; c < end;) {
    const char *amp = memchr(c, '&', (size_t)(end - c));
    size_t len = amp ? (size_t)(amp - c) : (size_t)(end - c);
    if (len > nl && strncmp(c, name, nl) == 0 && c[nl] == '=') {
      char *raw = pool_strndup(r->pool, c + nl + 1, len - nl - 1);
      for (char *s = raw; s && *s; s++)
        if (*s == '+')
          *s = ' ';
      return raw ? router_decode_query(r->pool, raw) : NULL;
    }
    c += len + 1;
  }
  return NULL;
}

int webauth_check_form(struct req *r)
{
  const char *sid = webauth_cookie(r);
  const char *token = form_field(r, CSRF_PARAM);
  if (sid && token && websession_csrf_ok(r->app->keys, sid, token))
    return 0;
  webauth_csrf_fail(r);
  return -1;
}

int webauth_set_cookie(struct req *r, const char *sid, int64_t max_age)
{
  /* r->scheme honours X-Forwarded-Proto only from trusted proxies */
  int secure = strcmp(req_scheme(r), "https") == 0;
  char age[40] = "";
  if (max_age >= 0)
    snprintf(age, sizeof(age), "; Max-Age=%" PRId64, max_age);
  return req_set_headerf(r, "Set-Cookie", "%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s",
                         WEBSESSION_COOKIE, max_age == 0 ? "" : sid, age,
                         secure ? "; Secure" : "");
}
