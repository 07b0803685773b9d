/* Helpers shared by the /api/v1 handlers: request bodies, Quay's parameter
 * and name rules, dates, avatars, roles and the two error shapes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "api/api.h"
#include "auth/auth.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/utf8.h"

int api_json_body(struct req *r, json_t **out, int optional)
{
  const char *data = r->body.data ? r->body.data : "";
  size_t len = r->body.len;
  if (len > r->app->json_max)
    return req_error(r, 413, "invalid_request", "Request body too large", NULL), -1;
  size_t ws = 0;
  while (ws < len && strchr(" \t\r\n", data[ws]))
    ws++;
  if (ws == len) {
    if (!optional)
      return req_error(r, 400, "invalid_request", "Missing JSON body", NULL), -1;
    *out = NULL;
    return 0;
  }
  json_error_t jerr;
  json_t *j = json_loadb(data, len, JSON_DECODE_ANY, &jerr);
  if (!j)
    return req_error(r, 400, "invalid_request",
                     pool_printf(r->pool, "Invalid JSON body: %s", /* it quotes the input */
                                 utf8_clean(r->pool, jerr.text, sizeof(jerr.text))),
                     NULL), -1;
  if (json_is_null(j) && optional) {
    json_decref(j);
    *out = NULL;
    return 0;
  }
  if (!json_is_object(j)) {
    json_decref(j);
    return req_error(r, 400, "invalid_request", "The request body must be a JSON object", NULL),
           -1;
  }
  *out = j;
  return 0;
}

/* Characters (code points) of valid UTF-8, as JSON Schema's maxLength counts. */
static size_t utf8_chars(const char *s, size_t len)
{
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    n += ((unsigned char)s[i] & 0xc0) != 0x80;
  return n;
}

int api_json_string(struct req *r, const char **out, json_t *obj, const char *key, size_t max,
                    int required)
{
  json_t *v = obj ? json_object_get(obj, key) : NULL;
  if (!v) {
    if (required)
      return req_error(r, 400, "invalid_request",
                       pool_printf(r->pool, "'%s' is a required property", key), NULL), -1;
    *out = NULL;
    return 0;
  }
  if (!json_is_string(v))
    return req_error(r, 400, "invalid_request",
                     pool_printf(r->pool, "'%s' must be a string", key), NULL), -1;
  if (utf8_chars(json_string_value(v), json_string_length(v)) > max)
    return req_error(r, 400, "invalid_request",
                     pool_printf(r->pool, "'%s' is longer than %zu characters", key, max), NULL),
           -1;
  *out = json_string_value(v);
  return 0;
}

int api_bool_param(const struct req *r, const char *name, int def)
{
  const char *v = req_query(r, name);
  if (!v)
    return def;
  static const char *const falsy[] = { "false", "False", "FALSE", "0", "", "null" };
  for (size_t i = 0; i < sizeof(falsy) / sizeof(falsy[0]); i++)
    if (strcmp(v, falsy[i]) == 0)
      return 0;
  return 1;
}

static int is_alnum_lower(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

const char *api_name_problem(struct pool *p, const char *s)
{
  /* [a-z0-9]+ runs joined by single separators from [._-] */
  size_t n = strlen(s);
  int ok = n > 0 && is_alnum_lower(s[0]) && is_alnum_lower(s[n - 1]);
  for (size_t i = 0; ok && i < n; i++) {
    if (is_alnum_lower(s[i]))
      continue;
    ok = strchr("._-", s[i]) && s[i] && is_alnum_lower(s[i + 1]);
  }
  if (!ok)
    return pool_strdup(p, "Namespace must match expression " API_NAME_REGEX);
  if (n < 2 || n > 255)
    return pool_strdup(p, "Namespace must be between 2 and 255 characters in length");
  return NULL;
}

static int repo_part_char(char c)
{
  return is_alnum_lower(c) || c == '.' || c == '_' || c == '-';
}

int api_repo_name_valid(const char *name)
{
  /* Quay (extended names): [a-z0-9][.a-z0-9_-]* segments joined by '/', at
   * most 255; the full name must also be pushable under the /v2 rules. */
  size_t n = strlen(name);
  if (n == 0 || n > 255)
    return 0;
  int seg_start = 1;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (c == '/') {
      if (seg_start)
        return 0;
      seg_start = 1;
      continue;
    }
    if (seg_start ? !is_alnum_lower(c) : !repo_part_char(c))
      return 0;
    seg_start = 0;
  }
  return !seg_start;
}

json_t *api_date(int64_t t)
{
  static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  struct tm tm;
  time_t tt = (time_t)t;
  if (t <= 0 || !gmtime_r(&tt, &tm))
    return json_null();
  char s[48];
  snprintf(s, sizeof(s), "%s, %02d %s %04d %02d:%02d:%02d -0000", days[tm.tm_wday], tm.tm_mday,
           months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return json_string(s);
}

json_t *api_avatar(const char *name, const char *kind)
{
  /* Quay's palette; the hash is of the name (Quay hashes the email, which
   * would publish a fingerprint of it). */
  static const char *const colors[] = {
    "#969696", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728", "#ff9896",
    "#9467bd", "#c5b0d5", "#8c564b", "#c49c94", "#e377c2", "#f7b6d2", "#7f7f7f", "#c7c7c7",
    "#bcbd22", "#1f77b4", "#17becf", "#9edae5", "#393b79", "#5254a3", "#6b6ecf", "#9c9ede",
    "#9ecae1", "#31a354", "#b5cf6b", "#a1d99b", "#8c6d31", "#ad494a", "#e7ba52", "#a55194",
  };
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  char hex[2 * 16 + 1];
  memset(md, 0, sizeof(md));
  if (!EVP_Digest(name, strlen(name), md, &mdlen, EVP_md5(), NULL))
    memset(md, 0, sizeof(md));
  for (int i = 0; i < 16; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  const char *color = colors[md[0] % (sizeof(colors) / sizeof(colors[0]))];
  return json_pack("{s:s, s:s, s:s, s:s}", "name", name, "hash", hex, "color", color, "kind",
                   kind);
}

const char *api_account_kind(enum ident_kind kind)
{
  switch (kind) {
  case IDENT_ORG: return "org";
  case IDENT_ROBOT: return "robot";
  default: return "user";
  }
}

const char *api_role_name(enum ident_role role)
{
  switch (role) {
  case ROLE_READ: return "read";
  case ROLE_WRITE: return "write";
  case ROLE_ADMIN: return "admin";
  default: return NULL;
  }
}

int api_role_parse(enum ident_role *out, const char *s)
{
  static const enum ident_role roles[] = { ROLE_READ, ROLE_WRITE, ROLE_ADMIN };
  for (size_t i = 0; s && i < sizeof(roles) / sizeof(roles[0]); i++) {
    if (strcmp(s, api_role_name(roles[i])) == 0) {
      *out = roles[i];
      return 0;
    }
  }
  return ERR_INVALID;
}

int api_message(struct req *r, const char *msg)
{
  r->error_code = "invalid_request";
  /* msg may quote client text; json_pack refuses invalid UTF-8 */
  const char *clean = utf8_clean(r->pool, msg, SIZE_MAX);
  return req_respond_json(r, 400, json_pack("{s:s}", "message", clean));
}

int api_internal(struct req *r, int rc, const char *what)
{
  LOG(LOG_ERROR, "%s failed: %s", what, err_str(rc));
  if (rc == ERR_IO)
    req_error(r, 503, "downstream_issue", "Storage unavailable, retry later", NULL);
  else
    req_error(r, 500, "internal_error", "Internal server error", NULL);
  return rc;
}

int api_split_repo(struct pool *p, const char **out_ns, const char **out_name, const char *repo)
{
  const char *slash = strchr(repo, '/');
  if (!slash)
    return ERR_INVALID;
  char *ns = pool_strndup(p, repo, (size_t)(slash - repo));
  if (!ns)
    return ERR_NOMEM;
  *out_ns = ns;
  *out_name = slash + 1;
  return 0;
}

int api_is_org_admin(struct req *r, int64_t org_id)
{
  const struct principal *p = &r->principal;
  if (p->kind == PRINCIPAL_ANONYMOUS || p->kind == PRINCIPAL_ROBOT)
    return 0;
  if (p->kind == PRINCIPAL_TOKEN && !(p->scopes & SCOPE_ORG_ADMIN))
    return 0;
  if (p->is_superuser)
    return 1;
  enum ident_org_role role = ORG_NONE;
  return ident_org_role(r->app->meta, &role, p->id, org_id) == 0 && role >= ORG_ADMIN;
}

int api_delete_ns_repos(struct req *r, const char *ns)
{
  for (;;) {
    struct ident_repo *repos = NULL;
    size_t n = 0;
    int more = 0;
    struct pool *p = pool_new();
    if (!p)
      return ERR_NOMEM;
    int rc = ident_repo_list_ns(r->app->meta, p, &repos, &n, &more, ns, NULL, 100);
    for (size_t i = 0; rc == 0 && i < n; i++) {
      rc = ident_repo_delete(r->app->meta, repos[i].id);
      if (rc == ERR_NOTFOUND) /* deleted concurrently */
        rc = 0;
    }
    pool_free(p);
    if (rc || n == 0)
      return rc;
  }
}
