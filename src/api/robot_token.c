/* Robot token lifecycle, a wharf extension (issue 8): several tokens per
 * robot with labels and expiry, rotation with a grace period, disable and
 * enable, and IP allow-lists. Quay's robot endpoints keep their shape: the
 * robot's `token` is its newest token that has not expired.
 *
 * Tokens are stored as robot.c stores them (keys_index + keys_encrypt; the
 * index alone with robot_tokens: show_once) and go only into response
 * bodies. Expiry is enforced by auth/ at every use; a rotation with grace
 * sets the previous tokens' expires_at; an organization's maximum lifetime
 * bounds the expiry of every token made in it (robot_expiry_policy). */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/robot_audit.h"
#include "api/robot_int.h"
#include "auth/keys.h"
#include "config/config.h"
#include "util/cidr.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/rfc3339.h"
#include "util/timeutil.h"

#define TOKENS_PER_ROBOT 20           /* live and expired tokens a robot holds at most */
#define LABEL_MAX 255
#define LIFETIME_MAX (10LL * 366 * 86400) /* furthest token_expiration accepted */
#define GRACE_MAX (30LL * 86400)      /* longest grace_period */
#define EXPIRES_SOON (14 * 86400)     /* expires_soon window */

int robot_show_once(const struct app *app)
{
  return app->cfg && app->cfg->robot_tokens && strcmp(app->cfg->robot_tokens, "show_once") == 0;
}

int robot_token_make(struct app *app, int64_t *out_id, char *out_token, int64_t robot_id,
                     const char *label, int64_t expires_at, int replace)
{
  char token[TOKEN_LEN + 1], idx[65];
  char *enc = NULL;
  int64_t cred_id = 0;
  int rc = token_generate(token);
  if (!rc)
    rc = keys_index(app->keys, idx, token, TOKEN_LEN);
  if (!rc && !robot_show_once(app)) /* show-once: the index alone, no way back */
    rc = keys_encrypt(app->keys, &enc, token, TOKEN_LEN);
  if (rc)
    goto out;
  struct ident_cred c = { 0 };
  c.account_id = robot_id;
  c.kind = CRED_ROBOT;
  c.index = idx;
  c.secret_enc = enc;
  c.name = (char *)label;
  c.expires_at = expires_at;
  rc = replace ? ident_cred_replace(app->meta, &cred_id, &c)
               : ident_cred_add(app->meta, &cred_id, &c);
  if (rc)
    goto out;
  if (out_id)
    *out_id = cred_id;
  if (out_token)
    memcpy(out_token, token, sizeof(token));
out:
  OPENSSL_cleanse(token, sizeof(token));
  free(enc);
  return rc;
}

int robot_cred_current(struct ident_cred *out, struct req *r, int64_t robot_id)
{
  struct ident_cred *creds = NULL;
  size_t n = 0;
  int64_t now = time_now();
  int rc = ident_cred_list(r->app->meta, r->pool, &creds, &n, robot_id, CRED_ROBOT);
  if (rc)
    return rc;
  for (size_t i = n; i-- > 0;) {
    if (!creds[i].expires_at || creds[i].expires_at > now) {
      *out = creds[i];
      return 0;
    }
  }
  return ERR_NOTFOUND;
}

/* RFC 3339 text of t, or JSON null for 0. */
static json_t *time_json(int64_t t)
{
  char buf[RFC3339_BUF];
  return t ? json_string(rfc3339_format(buf, t)) : json_null();
}

int robot_json_ext(json_t *j, struct req *r, const struct ident_account *robot)
{
  struct ident_cred cred;
  int64_t exp = 0;
  int rc = robot_cred_current(&cred, r, robot->id);
  if (rc == 0)
    exp = cred.expires_at;
  else if (rc != ERR_NOTFOUND)
    return rc;
  json_t *ips = json_array();
  const char *s = robot->allowed_cidrs ? robot->allowed_cidrs : "";
  while (ips && *s) {
    size_t n = strcspn(s, ",");
    json_array_append_new(ips, json_stringn(s, n));
    s += n + (s[n] == ',');
  }
  if (!ips || json_object_set_new(j, "enabled", json_boolean(robot->enabled)) ||
      json_object_set_new(j, "allowed_cidrs", json_deep_copy(ips)) ||
      json_object_set_new(j, "allowed_ips", ips) ||
      json_object_set_new(j, "expires_at", time_json(exp)) ||
      json_object_set_new(j, "expires_soon",
                          json_boolean(exp && exp - time_now() <= EXPIRES_SOON)))
    return ERR_NOMEM;
  return 0;
}

/* token_expiration: RFC 3339 text, or seconds from now (number or digits);
 * null or absent: never. Responds 400 on anything else. */
static int parse_expiration(struct req *r, int64_t *out, json_t *v)
{
  int64_t now = time_now(), t = 0;
  if (!v || json_is_null(v)) {
    *out = 0;
    return 0;
  }
  const char *s = json_string_value(v);
  if (json_is_integer(v) && json_integer_value(v) > 0 &&
      json_integer_value(v) <= LIFETIME_MAX) {
    t = now + json_integer_value(v);
  } else if (s && *s && strlen(s) <= 12 && strspn(s, "0123456789") == strlen(s)) {
    long long secs = strtoll(s, NULL, 10);
    t = secs > 0 && secs <= LIFETIME_MAX ? now + secs : 0;
  } else if (s && rfc3339_parse(&t, s) == 0) {
    if (t <= now || t - now > LIFETIME_MAX)
      t = 0;
  }
  if (t <= now) {
    req_error(r, 400, "invalid_request",
              "token_expiration must be a future RFC 3339 time or a positive number of "
              "seconds (at most 10 years)", NULL);
    return -1;
  }
  *out = t;
  return 0;
}

/* allowed_ips: a list of CIDRs (IPv4/IPv6; a bare address is a /32 or /128). */
static int parse_allowed(struct req *r, const char **out, json_t *v)
{
  size_t i;
  json_t *e;
  if (!json_is_array(v) || json_array_size(v) > CIDR_LIST_COUNT) {
    req_error(r, 400, "invalid_request",
              "allowed_ips must be a list of at most 64 CIDRs such as \"10.0.0.0/8\"", NULL);
    return -1;
  }
  char *buf = pool_alloc(r->pool, CIDR_LIST_MAX + 1);
  size_t len = 0;
  if (!buf)
    return api_internal(r, ERR_NOMEM, "robot body"), -1;
  json_array_foreach(v, i, e) {
    const char *s = json_string_value(e);
    size_t n = s ? strlen(s) : 0;
    if (!s || cidr_valid(s, n) != 0 || len + n + 1 > CIDR_LIST_MAX) {
      req_error(r, 400, "invalid_request",
                pool_printf(r->pool, "allowed_ips: '%.80s' is not a CIDR such as 10.0.0.0/8 "
                            "or 2001:db8::/32", s ? s : "(not a string)"), NULL);
      return -1;
    }
    if (len)
      buf[len++] = ',';
    memcpy(buf + len, s, n);
    len += n;
  }
  buf[len] = '\0';
  *out = buf;
  return 0;
}

int robot_ext_body(struct req *r, struct robot_ext *out)
{
  json_t *body = NULL;
  struct robot_ext ext = { .enabled = -1 };
  int rc = -1;
  if (api_json_body(r, &body, 1))
    return -1;
  json_t *en = body ? json_object_get(body, "enabled") : NULL;
  json_t *ips = body ? json_object_get(body, "allowed_ips") : NULL;
  json_t *cidrs = body ? json_object_get(body, "allowed_cidrs") : NULL; /* issue 8's name */
  if (ips && cidrs && !json_equal(ips, cidrs)) {
    req_error(r, 400, "invalid_request",
              "allowed_cidrs is another name for allowed_ips: give one of them", NULL);
    goto out;
  }
  if (!ips)
    ips = cidrs;
  if (en && !json_is_boolean(en)) {
    req_error(r, 400, "invalid_request", "'enabled' must be true or false", NULL);
    goto out;
  }
  if (en)
    ext.enabled = json_is_true(en);
  if (ips && !json_is_null(ips) && parse_allowed(r, &ext.allowed, ips))
    goto out;
  if (ips && json_is_null(ips))
    ext.allowed = "";
  if (parse_expiration(r, &ext.expires_at,
                       body ? json_object_get(body, "token_expiration") : NULL))
    goto out;
  *out = ext;
  rc = 0;
out:
  json_decref(body);
  return rc;
}

int robot_expiry_policy(struct req *r, int64_t *exp, int64_t owner_id)
{
  int64_t max = 0, now = time_now();
  int rc = ident_token_lifetime_get(r->app->meta, &max, owner_id);
  if (rc == ERR_NOTFOUND)
    rc = 0; /* the owner went meanwhile: the store refuses the token */
  if (rc)
    return api_internal(r, rc, "token lifetime"), -1;
  if (max <= 0)
    return 0;
  if (*exp == 0) {
    *exp = now + max;
    return 0;
  }
  if (*exp > now + max) {
    req_error(r, 400, "invalid_request",
              pool_printf(r->pool, "token_expiration is beyond this organization's maximum "
                          "robot token lifetime of %lld seconds: ask for at most that, or "
                          "leave token_expiration out to get the maximum", (long long)max),
              NULL);
    return -1;
  }
  return 0;
}

int robot_ext_apply(struct req *r, struct ident_account *robot, const struct robot_ext *ext)
{
  if (ext->enabled < 0 && !ext->allowed)
    return 0;
  int rc = ident_robot_set_access(r->app->meta, robot->id, ext->enabled, ext->allowed);
  if (!rc)
    rc = ident_account_get(r->app->meta, r->pool, robot, robot->id);
  if (!rc && ext->enabled >= 0)
    LOG(LOG_INFO, "robot %s %s by %s", robot->name, ext->enabled ? "enabled" : "disabled",
        r->principal.name);
  return rc;
}

/* An integer number of seconds in [0, GRACE_MAX] from the body or query. */
static int parse_grace(struct req *r, int64_t *out, json_t *body)
{
  json_t *v = body ? json_object_get(body, "grace_period") : NULL;
  const char *q = req_query(r, "grace_period");
  long long g = 0;
  int ok = 1;
  if (v && json_is_integer(v))
    g = json_integer_value(v);
  else if (v && json_is_string(v))
    q = json_string_value(v);
  else if (v && !json_is_null(v))
    ok = 0;
  if (ok && q && (!v || json_is_string(v))) {
    ok = *q && strlen(q) <= 12 && strspn(q, "0123456789") == strlen(q);
    g = ok ? strtoll(q, NULL, 10) : 0;
  }
  if (!ok || g < 0 || g > GRACE_MAX) {
    req_error(r, 400, "invalid_request",
              "grace_period must be a number of seconds between 0 and 2592000 (30 days)", NULL);
    return -1;
  }
  *out = g;
  return 0;
}

int robot_rotate(struct req *r, int64_t *out_until, char *out_token,
                 const struct ident_account *robot)
{
  json_t *body = NULL;
  int64_t grace = 0, exp = 0, id = 0;
  if (api_json_body(r, &body, 1))
    return 1;
  int bad = parse_grace(r, &grace, body) ||
            parse_expiration(r, &exp, body ? json_object_get(body, "token_expiration") : NULL) ||
            robot_expiry_policy(r, &exp, robot->owner_id);
  json_decref(body);
  if (bad)
    return 1;
  if (grace == 0) /* Quay's behaviour: every previous token stops at once */
    return robot_token_make(r->app, NULL, out_token, robot->id, NULL, exp, 1);
  int64_t until = time_now() + grace;
  int rc = robot_token_make(r->app, &id, out_token, robot->id, NULL, exp, 0);
  if (!rc)
    rc = ident_cred_cap_expiry(r->app->meta, robot->id, CRED_ROBOT, id, until);
  if (rc)
    return rc;
  *out_until = until;
  return 0;
}

int robot_respond_rotated(struct req *r, const struct ident_account *robot, int64_t until,
                          const char *token)
{
  json_t *j = NULL;
  int rc = api_robot_json(&j, r, robot, 0);
  if (rc)
    return api_internal(r, rc, "robot view");
  if (json_object_set_new(j, "token", json_string(token)) ||
      json_object_set_new(j, "previous_token_expires_at", time_json(until))) {
    json_decref(j);
    return api_internal(r, ERR_NOMEM, "robot view");
  }
  return req_respond_json(r, 200, j);
}

/* --- GET/POST .../robots/{short}/tokens, DELETE .../tokens/{token_id} ---- */

static json_t *token_json(const struct ident_cred *c, int64_t now)
{
  return json_pack("{s:I, s:s?, s:o, s:o, s:o, s:b}", "id", (json_int_t)c->id, "label",
                   c->name, "created", api_date(c->created_at), "expires_at",
                   time_json(c->expires_at), "last_accessed", api_date(c->last_accessed),
                   "expired", c->expires_at && c->expires_at <= now);
}

int api_robot_tokens_list(struct req *r)
{
  struct ident_account ns, robot;
  struct ident_cred *creds = NULL;
  size_t n = 0;
  int is_admin;
  if (robot_ns(r, &ns, &is_admin) || robot_find(r, &robot, &ns))
    return 0;
  int rc = ident_cred_list(r->app->meta, r->pool, &creds, &n, robot.id, CRED_ROBOT);
  if (rc)
    return api_internal(r, rc, "robot tokens");
  json_t *list = json_array();
  int64_t now = time_now();
  for (size_t i = 0; list && i < n; i++)
    if (json_array_append_new(list, token_json(&creds[i], now))) {
      json_decref(list);
      list = NULL;
    }
  if (!list)
    return api_internal(r, ERR_NOMEM, "robot tokens");
  return req_respond_json(r, 200, json_pack("{s:o}", "tokens", list));
}

int api_robot_token_add(struct req *r)
{
  struct ident_account ns, robot;
  struct ident_cred *creds = NULL, c = { 0 };
  json_t *body = NULL;
  const char *label = NULL;
  char token[TOKEN_LEN + 1];
  size_t n = 0;
  int is_admin;
  if (robot_ns(r, &ns, &is_admin) || robot_find(r, &robot, &ns) || api_json_body(r, &body, 1))
    return 0;
  int bad = api_json_string(r, &label, body, "label", LABEL_MAX, 0) ||
            parse_expiration(r, &c.expires_at,
                             body ? json_object_get(body, "token_expiration") : NULL) ||
            robot_expiry_policy(r, &c.expires_at, robot.owner_id);
  if (!bad && label && !(label = pool_strdup(r->pool, label))) {
    api_internal(r, ERR_NOMEM, "robot token");
    bad = 1;
  }
  json_decref(body);
  if (bad)
    return 0;
  int rc = ident_cred_list(r->app->meta, r->pool, &creds, &n, robot.id, CRED_ROBOT);
  if (!rc && n >= TOKENS_PER_ROBOT)
    return req_error(r, 400, "invalid_request",
                     "a robot holds at most 20 tokens; delete one first", NULL);
  if (!rc)
    rc = robot_token_make(r->app, &c.id, token, robot.id, label, c.expires_at, 0);
  if (rc)
    return api_internal(r, rc, "robot token");
  c.name = (char *)label;
  c.created_at = time_now();
  json_t *j = token_json(&c, c.created_at);
  if (j && json_object_set_new(j, "token", json_stringn(token, TOKEN_LEN)))
    json_decref(j), j = NULL;
  OPENSSL_cleanse(token, sizeof(token));
  if (!j)
    return api_internal(r, ERR_NOMEM, "robot token");
  LOG(LOG_INFO, "robot %s token %lld added by %s", robot.name, (long long)c.id,
      r->principal.name);
  robot_audit_token(r, &robot, "create_robot_token", c.id, label, c.expires_at);
  return req_respond_json(r, 201, j);
}

int api_robot_token_delete(struct req *r)
{
  struct ident_account ns, robot;
  struct ident_cred cred;
  int is_admin;
  if (robot_ns(r, &ns, &is_admin) || robot_find(r, &robot, &ns))
    return 0;
  const char *s = req_param(r, "token_id");
  char *end = NULL;
  long long id = s ? strtoll(s, &end, 10) : 0;
  int rc = ERR_NOTFOUND;
  if (s && *s && end && !*end && id > 0)
    rc = ident_cred_get(r->app->meta, r->pool, &cred, (int64_t)id);
  if (rc == 0 && (cred.account_id != robot.id || cred.kind != CRED_ROBOT))
    rc = ERR_NOTFOUND;
  if (rc == 0)
    rc = ident_cred_delete(r->app->meta, cred.id);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Could not find a token with that id", NULL);
  if (rc)
    return api_internal(r, rc, "robot token delete");
  LOG(LOG_INFO, "robot %s token %lld revoked by %s", robot.name, id, r->principal.name);
  robot_audit_token(r, &robot, "revoke_robot_token", cred.id, cred.name, cred.expires_at);
  return req_respond(r, 204, NULL, NULL, 0);
}
