/* OAuth applications of an organization and the API tokens minted for them
 * (spec §4.5). The dispatcher has checked org admin and scope org:admin.
 *
 * A client secret is stored encrypted (Quay shows it to org admins on every
 * view); a token only as its keyed hash: it is in the create response and
 * nowhere else, and neither goes into a log line. Deleting an app deletes
 * its tokens, which stop working at once. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "api/api.h"
#include "auth/apitoken.h"
#include "auth/keys.h"
#include "auth/token.h"
#include "server/req_audit.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

#define APP_NAME_MAX 255
#define APP_URI_MAX 2048
#define APP_DESCRIPTION_MAX 4096
#define APP_EMAIL_MAX 254
#define CLIENT_ID_LEN 20
#define CLIENT_SECRET_LEN 40
#define TOKEN_NAME_MAX 255
#define TOKEN_SCOPE_MAX 1024
#define TOKENS_PAGE 50         /* Quay's page size for token lists */
#define TOKENS_LIVE_MAX 100    /* unexpired tokens one app may hold */

/* ISO-8601 UTC with a Z, as Quay's token views; JSON null for 0. */
static json_t *iso_date(int64_t t)
{
  struct tm tm;
  time_t tt = (time_t)t;
  char s[32];
  if (t <= 0 || !gmtime_r(&tt, &tm) || strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    return json_null();
  return json_string(s);
}

/* The {orgname} organization; responds 404 when there is none. */
static int find_org(struct req *r, struct ident_account *out)
{
  int rc = ident_account_by_name(r->app->meta, r->pool, out, req_param(r, "orgname"));
  if (rc == 0 && out->kind != IDENT_ORG)
    rc = ERR_NOTFOUND;
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL), -1;
  if (rc)
    return api_internal(r, rc, "org lookup"), -1;
  return 0;
}

/* The {client_id} app of the org; responds 404 when there is none. */
static int find_app(struct req *r, struct ident_account *org, struct ident_app *out)
{
  if (find_org(r, org))
    return -1;
  int rc = ident_app_get(r->app->meta, r->pool, out, org->id, req_param(r, "client_id"));
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL), -1;
  if (rc)
    return api_internal(r, rc, "application lookup"), -1;
  return 0;
}

/* Quay's app view for an org admin (every caller of these routes is one). */
static json_t *app_json(struct req *r, const struct ident_app *a)
{
  char *secret = NULL;
  size_t n = 0;
  if (keys_decrypt(r->app->keys, &secret, &n, a->secret_enc) != 0) {
    LOG(LOG_ERROR, "client secret of application %s does not decrypt", a->client_id);
    secret = NULL;
  }
  json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s?}", "name", a->name, "description",
                        a->description, "application_uri", a->application_uri, "client_id",
                        a->client_id, "client_secret", secret, "redirect_uri", a->redirect_uri,
                        "avatar_email", *a->avatar_email ? a->avatar_email : NULL);
  if (secret) {
    OPENSSL_cleanse(secret, n);
    free(secret);
  }
  return j;
}

int api_app_list(struct req *r)
{
  struct ident_account org;
  struct ident_app *apps = NULL;
  size_t n = 0;
  if (find_org(r, &org))
    return 0;
  int rc = ident_app_list(r->app->meta, r->pool, &apps, &n, org.id);
  if (rc)
    return api_internal(r, rc, "application list");
  json_t *list = json_array();
  for (size_t i = 0; list && i < n; i++)
    json_array_append_new(list, app_json(r, &apps[i]));
  json_t *j = list ? json_pack("{s:o}", "applications", list) : NULL;
  return j ? req_respond_json(r, 200, j) : api_internal(r, ERR_NOMEM, "application list");
}

/* Reads the app fields of the body into a; responds on failure. */
static int app_body(struct req *r, json_t *body, struct ident_app *a)
{
  const char *name, *redirect, *app_uri, *desc, *email;
  if (api_json_string(r, &name, body, "name", APP_NAME_MAX, 1) ||
      api_json_string(r, &redirect, body, "redirect_uri", APP_URI_MAX, 0) ||
      api_json_string(r, &app_uri, body, "application_uri", APP_URI_MAX, 0) ||
      api_json_string(r, &desc, body, "description", APP_DESCRIPTION_MAX, 0) ||
      api_json_string(r, &email, body, "avatar_email", APP_EMAIL_MAX, 0))
    return -1;
  if (!*name)
    return req_error(r, 400, "invalid_request", "'name' cannot be empty", NULL), -1;
  a->name = (char *)name;
  a->redirect_uri = (char *)(redirect ? redirect : "");
  a->application_uri = (char *)(app_uri ? app_uri : "");
  a->description = (char *)(desc ? desc : "");
  a->avatar_email = (char *)(email ? email : "");
  return 0;
}

/* Stores a with a fresh client id and secret (retried on a clash). */
static int app_insert(struct req *r, struct ident_app *a)
{
  char client_id[CLIENT_ID_LEN + 1], secret[CLIENT_SECRET_LEN + 1];
  int rc = ERR_EXISTS;
  for (int i = 0; i < 3 && rc == ERR_EXISTS; i++) {
    char *enc = NULL;
    rc = password_generate(client_id, sizeof(client_id));
    if (!rc)
      rc = password_generate(secret, sizeof(secret));
    if (!rc)
      rc = keys_encrypt(r->app->keys, &enc, secret, CLIENT_SECRET_LEN);
    OPENSSL_cleanse(secret, sizeof(secret));
    if (rc)
      break;
    a->client_id = pool_strdup(r->pool, client_id);
    a->secret_enc = pool_strdup(r->pool, enc);
    free(enc);
    rc = a->client_id && a->secret_enc ? ident_app_create(r->app->meta, &a->id, a) : ERR_NOMEM;
  }
  return rc;
}

int api_app_create(struct req *r)
{
  struct ident_account org;
  struct ident_app a;
  json_t *body = NULL;
  if (find_org(r, &org) || api_json_body(r, &body, 0))
    return 0;
  memset(&a, 0, sizeof(a));
  a.org_id = org.id;
  if (app_body(r, body, &a) == 0) {
    int rc = app_insert(r, &a);
    if (rc)
      api_internal(r, rc, "application create");
    else {
      LOG(LOG_INFO, "application %s created in %s by %s", a.client_id, org.name,
          r->principal.name);
      req_audit(r, "create_application", org.name, NULL,
                json_pack("{s:s, s:s}", "application_name", a.name, "client_id", a.client_id));
      req_respond_json(r, 200, app_json(r, &a));
    }
  }
  json_decref(body);
  return 0;
}

int api_app_get(struct req *r)
{
  struct ident_account org;
  struct ident_app a;
  if (find_app(r, &org, &a))
    return 0;
  return req_respond_json(r, 200, app_json(r, &a));
}

int api_app_delete(struct req *r)
{
  struct ident_account org;
  struct ident_app a;
  if (find_app(r, &org, &a))
    return 0;
  int rc = ident_app_delete(r->app->meta, a.id);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL);
  if (rc)
    return api_internal(r, rc, "application delete");
  LOG(LOG_INFO, "application %s of %s deleted by %s", a.client_id, org.name, r->principal.name);
  req_audit(r, "delete_application", org.name, NULL,
            json_pack("{s:s, s:s}", "application_name", a.name, "client_id", a.client_id));
  return req_respond(r, 204, NULL, NULL, 0);
}

/* --- tokens -------------------------------------------------------------------- */

static json_t *token_json(const struct ident_token *t)
{
  return json_pack("{s:s, s:s?, s:s, s:o, s:o, s:s, s:o}", "uuid", t->uuid, "name", t->name,
                   "scope", t->scopes ? t->scopes : "", "expires_at", iso_date(t->expires_at),
                   "created", iso_date(t->created_at), "created_by", t->account_name,
                   "last_accessed", iso_date(t->last_accessed));
}

/* next_page: the last credential id listed, encrypted (opaque, and a token
 * that does not decrypt means the first page), made URL-safe. */
static const char *page_token(struct req *r, int64_t last)
{
  char *enc = NULL;
  char id[24];
  snprintf(id, sizeof(id), "%lld", (long long)last);
  if (keys_encrypt(r->app->keys, &enc, id, strlen(id)) != 0)
    return NULL;
  char *s = pool_strdup(r->pool, enc);
  free(enc);
  for (char *c = s; c && *c; c++)
    *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
  return s;
}

static int64_t page_after(struct req *r)
{
  const char *tok = req_query(r, "next_page");
  char *s = tok ? pool_strdup(r->pool, tok) : NULL, *plain = NULL;
  size_t n = 0;
  int64_t after = 0;
  for (char *c = s; c && *c; c++)
    *c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
  if (s && keys_decrypt(r->app->keys, &plain, &n, s) == 0) {
    char *end;
    long long v = strtoll(plain, &end, 10);
    after = *end == '\0' && v > 0 ? (int64_t)v : 0;
    free(plain);
  }
  return after;
}

int api_app_token_list(struct req *r)
{
  struct ident_account org;
  struct ident_app a;
  struct ident_token *toks = NULL;
  size_t n = 0;
  int more = 0;
  if (find_app(r, &org, &a))
    return 0;
  int rc = ident_token_list(r->app->meta, r->pool, &toks, &n, &more, a.id, time_now(),
                            page_after(r), TOKENS_PAGE);
  if (rc)
    return api_internal(r, rc, "token list");
  json_t *list = json_array();
  for (size_t i = 0; list && i < n; i++)
    json_array_append_new(list, token_json(&toks[i]));
  json_t *j = list ? json_pack("{s:o}", "tokens", list) : NULL;
  const char *next = more && n ? page_token(r, toks[n - 1].cred_id) : NULL;
  if (j && next)
    json_object_set_new(j, "next_page", json_string(next));
  return j ? req_respond_json(r, 200, j) : api_internal(r, ERR_NOMEM, "token list");
}

/* The lifetime asked for: Quay's validate_expiration(). 0 and a 400 when bad. */
static int64_t token_lifetime(struct req *r, json_t *body)
{
  json_t *v = json_object_get(body, "expiration");
  if (!v)
    return APITOKEN_MAX_LIFETIME;
  double d = json_is_number(v) ? json_number_value(v) : -1;
  if (!(d > 0)) {
    api_message(r, "'expiration' must be a positive number of seconds");
    return 0;
  }
  if (d >= (double)APITOKEN_MAX_LIFETIME)
    return APITOKEN_MAX_LIFETIME;
  return d < 1 ? 1 : (int64_t)d;
}

/* Whether the caller may hand out these scopes: a token only its own (with
 * what they imply), super:user only a superuser; the rest an org admin
 * (every caller here) holds. */
static int may_mint(const struct principal *p, unsigned bits)
{
  if (p->kind == PRINCIPAL_TOKEN && (bits & ~p->scopes))
    return 0;
  return !(bits & SCOPE_SUPER_USER) || p->is_superuser;
}

/* Validates the NewToken body; fills name, scope, lifetime or responds. */
static int token_body(struct req *r, json_t *body, const char **name, const char **scope,
                      unsigned *bits, int64_t *lifetime)
{
  const char *raw_name, *raw_scope, *bad = NULL;
  if (api_json_string(r, &raw_name, body, "name", TOKEN_NAME_MAX, 1) ||
      api_json_string(r, &raw_scope, body, "scope", TOKEN_SCOPE_MAX, 1))
    return -1;
  size_t lead = strspn(raw_name, " \t\r\n\f\v"), len = strlen(raw_name + lead);
  while (len && strchr(" \t\r\n\f\v", raw_name[lead + len - 1]))
    len--;
  if (len == 0)
    return api_message(r, "'name' cannot be empty"), -1;
  *name = pool_strndup(r->pool, raw_name + lead, len);
  int rc = apitoken_scope_normalize(scope, bits, &bad, r->pool, raw_scope);
  if (rc == ERR_INVALID)
    return api_message(r, pool_printf(r->pool, "Invalid scope: %.300s", raw_scope)), -1;
  if (rc || !*name)
    return api_internal(r, rc ? rc : ERR_NOMEM, "token body"), -1;
  if (!may_mint(&r->principal, *bits))
    return req_error(r, 403, "insufficient_scope", "Unauthorized", NULL), -1;
  *lifetime = token_lifetime(r, body);
  return *lifetime ? 0 : -1;
}

int api_app_token_create(struct req *r)
{
  struct ident_account org;
  struct ident_app a;
  json_t *body = NULL;
  const char *name, *scope;
  unsigned bits;
  int64_t lifetime, cred_id;
  char token[APITOKEN_LEN + 1], uuid[37];
  if (find_app(r, &org, &a) || api_json_body(r, &body, 0))
    return 0;
  if (token_body(r, body, &name, &scope, &bits, &lifetime))
    goto out;
  int64_t now = time_now();
  struct apitoken_req rq = { .account_id = r->principal.id, .scopes = scope, .name = name,
                             .app_id = a.id, .expires_at = now + lifetime,
                             .max_live = TOKENS_LIVE_MAX };
  int rc = apitoken_mint(token, uuid, &cred_id, r->app->meta, r->app->keys, &rq);
  if (rc == ERR_TOOBIG) {
    api_message(r, pool_printf(r->pool, "Token limit reached: maximum %d non-expired tokens "
                               "per application", TOKENS_LIVE_MAX));
    goto out;
  }
  if (rc) {
    api_internal(r, rc, "token create");
    goto out;
  }
  struct ident_token t = { .cred_id = cred_id, .account_id = r->principal.id,
                           .account_name = (char *)r->principal.name, .uuid = uuid,
                           .name = (char *)name, .scopes = (char *)scope, .created_at = now,
                           .expires_at = now + lifetime };
  json_t *j = token_json(&t);
  if (j)
    json_object_set_new(j, "token", json_string(token));
  OPENSSL_cleanse(token, sizeof(token));
  LOG(LOG_INFO, "API token %s (%s) for application %s of %s created by %s", uuid, scope,
      a.client_id, org.name, r->principal.name);
  req_audit(r, "create_oauth_api_token", org.name, NULL,
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "application_name", a.name, "client_id",
                      a.client_id, "token_uuid", uuid, "token_name", name, "scope", scope));
  req_respond_json(r, 200, j);
out:
  json_decref(body);
  return 0;
}

int api_app_token_delete(struct req *r)
{
  struct ident_account org;
  struct ident_app a;
  if (find_app(r, &org, &a))
    return 0;
  const char *uuid = req_param(r, "token_uuid");
  int rc = ident_token_delete(r->app->meta, a.id, uuid);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL);
  if (rc)
    return api_internal(r, rc, "token delete");
  LOG(LOG_INFO, "API token %s of application %s revoked by %s", uuid, a.client_id,
      r->principal.name);
  req_audit(r, "revoke_oauth_api_token", org.name, NULL,
            json_pack("{s:s, s:s, s:s}", "application_name", a.name, "client_id", a.client_id,
                      "token_uuid", uuid));
  return req_respond(r, 204, NULL, NULL, 0);
}
