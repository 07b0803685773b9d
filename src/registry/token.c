/* GET /v2/auth: Docker registry token auth. The dispatcher has already
 * authenticated the Basic credentials (or none: anonymous); here each
 * requested scope is downscoped to what the principal may do, and a signed
 * JWT carrying exactly that is returned. */
#include <string.h>
#include <stdlib.h>

#include "registry/registry.h"
#include "server/req_audit.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/utf8.h"

#define MAX_SCOPES 16

struct scope_ctx {
  struct req *r;
  struct grant grants[MAX_SCOPES];
  size_t n;
  const char *bad;        /* first malformed scope */
  int bad_name;
};

int reg_scope_parse(struct reg_scope *out, struct pool *p, const char *s, size_t len)
{
  char *text = pool_strndup(p, s, len);
  if (!text)
    return ERR_NOMEM;
  char *colon1 = strchr(text, ':'), *colon2 = strrchr(text, ':');
  if (!colon1 || colon1 == colon2 || strncmp(text, "repository:", 11) != 0) {
    /* other resource types (registry:catalog:*) are ignored, not refused */
    return strncmp(text, "repository", 10) == 0 ? REG_SCOPE_BAD : REG_SCOPE_OTHER;
  }
  *colon2 = '\0';
  const char *name = colon1 + 1, *actions = colon2 + 1;
  /* a registry host prefix ("host:5000/ns/repo") is kept out of the name */
  if (!reg_name_valid(name))
    return REG_SCOPE_BAD_NAME;
  unsigned want = 0;
  for (const char *a = actions; *a;) {
    size_t n = strcspn(a, ",");
    if (n == 4 && strncmp(a, "pull", 4) == 0)
      want |= ACTION_PULL;
    else if (n == 4 && strncmp(a, "push", 4) == 0)
      want |= ACTION_PUSH;
    else if (n == 1 && *a == '*')
      want |= ACTION_ALL;
    else
      return REG_SCOPE_BAD;
    a += n;
    if (*a == ',')
      a++;
  }
  out->name = name;
  out->actions = want;
  return REG_SCOPE_OK;
}

/* Adds one scope of the request, downscoped to what the principal may do. */
static int add_scope(struct scope_ctx *c, const char *s, size_t len)
{
  struct req *r = c->r;
  struct reg_scope sc;
  int rc = reg_scope_parse(&sc, r->pool, s, len);
  if (rc < 0)
    return -1;
  if ((rc == REG_SCOPE_BAD || rc == REG_SCOPE_BAD_NAME) && !c->bad) {
    c->bad = pool_strndup(r->pool, s, len);
    c->bad_name = rc == REG_SCOPE_BAD_NAME;
  }
  if (rc != REG_SCOPE_OK || c->n >= MAX_SCOPES)
    return 0;
  unsigned have = 0;
  if (auth_repo_actions(&have, r->app, &r->principal, sc.name) != 0)
    have = 0;
  c->grants[c->n].repo = sc.name;
  c->grants[c->n].actions = sc.actions & have;
  c->n++;
  return 0;
}

static int each_scope(void *ctx, const char *value)
{
  struct scope_ctx *c = ctx;
  while (*value) {
    size_t n = strcspn(value, " ");
    if (n && add_scope(c, value, n) != 0)
      return -1;
    value += n;
    value += strspn(value, " ");
  }
  return 0;
}

int reg_token(struct req *r)
{
  struct scope_ctx c;
  memset(&c, 0, sizeof(c));
  c.r = r;
  req_query_each(r, "scope", each_scope, &c);
  if (c.bad)
    return req_error(r, 400, c.bad_name ? OCI_NAME_INVALID : "INVALID_REQUEST",
                     pool_printf(r->pool, "Unable to decode repository and actions: %s",
                                 utf8_clean(r->pool, c.bad, 300)),
                     NULL);
  if (r->principal.kind == PRINCIPAL_ANONYMOUS && c.n == 0) {
    req_set_headerf(r, "WWW-Authenticate", "Basic realm=\"%s\"", req_host(r));
    return req_error(r, 401, OCI_UNAUTHORIZED, "authentication required", NULL);
  }
  const char *service = req_query(r, "service");
  char *jwt = NULL;
  int rc = auth_registry_token(&jwt, r->app, &r->principal, service ? service : req_host(r),
                               c.grants, c.n);
  if (rc)
    return reg_internal(r, rc, "token signing");
  /* a compact JWT is base64url parts and dots: nothing in it needs JSON
   * escaping, so the body is written as is (jansson escaped the ~700
   * characters one by one: 7 % of a token's instructions) */
  size_t n = strspn(jwt, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.");
  char *body = jwt[n] == '\0' ? pool_printf(r->pool, "{\"token\":\"%s\"}", jwt) : NULL;
  free(jwt);
  if (!body)
    return reg_internal(r, ERR_INTERNAL, "token encoding");
  if (c.n == 0) /* docker login: no scope asked */
    req_audit_login(r);
  return req_respond(r, 200, "application/json", body, strlen(body));
}
