/* Authentication (who is asking) and authorization (may they). Credentials
 * are checked by one indexed lookup of their keyed hash (robots, API
 * tokens) or by argon2id (user passwords, with a cache keyed by a keyed
 * hash of the credential and valid only while the account's hash is
 * unchanged). Registry JWTs carry the granted actions, and every request
 * made with one re-checks that the credential behind it still exists. */
#include "auth/auth.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "auth/jwt.h"
#include "auth/keys.h"
#include "auth/password.h"
#include "auth/robotfed.h"
#include "auth/tokencache.h"
#include "auth/token.h"
#include "server/app.h"
#include "store/ident.h"
#include "util/base64.h"
#include "util/cidr.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/rfc3339.h"
#include "util/timeutil.h"

#define TOUCH_EVERY 60         /* seconds between last_accessed updates (issue 7: once a minute) */
#define JWT_LIFETIME 3600
#define JWT_LEEWAY 30
#define PWCACHE_SLOTS 1024
#define CRED_EXPIRED 1         /* cred_lookup(): the credential exists but has expired */

/* --- password verification cache ------------------------------------------ */
struct pwcache_entry {
  char key[65];        /* HMAC(server key, user NUL password) */
  char *hash;          /* the account's argon2 hash it verified against */
};
static struct pwcache_entry pwcache[PWCACHE_SLOTS];
static size_t pwcache_next;
static pthread_mutex_t pwcache_mu = PTHREAD_MUTEX_INITIALIZER;

static int pwcache_hit(const char *key, const char *hash)
{
  int hit = 0;
  pthread_mutex_lock(&pwcache_mu);
  for (size_t i = 0; i < PWCACHE_SLOTS && !hit; i++)
    hit = pwcache[i].hash && strcmp(pwcache[i].key, key) == 0 && strcmp(pwcache[i].hash, hash) == 0;
  pthread_mutex_unlock(&pwcache_mu);
  return hit;
}

static void pwcache_put(const char *key, const char *hash)
{
  char *copy = strdup(hash);
  if (!copy)
    return;
  pthread_mutex_lock(&pwcache_mu);
  struct pwcache_entry *e = &pwcache[pwcache_next++ % PWCACHE_SLOTS];
  free(e->hash);
  memcpy(e->key, key, sizeof(e->key));
  e->hash = copy;
  pthread_mutex_unlock(&pwcache_mu);
}

/* A short fingerprint of a password hash: JWTs minted from a password stop
 * working when the password changes. */
static const char *pw_fingerprint(struct pool *p, const char *hash)
{
  char d[DIGEST_MAX];
  if (!hash || digest_buffer(d, DIGEST_SHA256, hash, strlen(hash)) != 0)
    return NULL;
  return pool_strndup(p, d + 7, 16);
}

static void set_anonymous(struct principal *out)
{
  memset(out, 0, sizeof(*out));
  out->kind = PRINCIPAL_ANONYMOUS;
  out->name = "(anonymous)";
}

static void from_account(struct principal *out, const struct ident_account *a, int64_t cred_id,
                         unsigned scopes)
{
  memset(out, 0, sizeof(*out));
  out->kind = a->kind == IDENT_ROBOT ? PRINCIPAL_ROBOT : PRINCIPAL_USER;
  out->id = a->id;
  out->name = a->name;
  out->is_superuser = a->is_superuser;
  out->owner_id = a->owner_id;
  out->cred_id = cred_id;
  out->scopes = scopes;
  out->allowed_cidrs = a->kind == IDENT_ROBOT ? a->allowed_cidrs : NULL;
  out->last_accessed = a->last_accessed;
}

int auth_client_allowed(const char **reason, struct pool *p, const struct principal *pr,
                        const char *ip)
{
  if (pr->kind != PRINCIPAL_ROBOT || !pr->allowed_cidrs || !*pr->allowed_cidrs)
    return 0;
  if (ip && cidr_list_match(pr->allowed_cidrs, ip))
    return 0;
  *reason = pool_printf(p, "robot %s may not be used from address %s (not in its allowed_ips)",
                        pr->name, ip ? ip : "-");
  if (!*reason)
    *reason = "robot may not be used from this address";
  return ERR_DENIED;
}

/* "... expired at <time>" for a credential that expired. */
static const char *expired_reason(struct pool *p, const char *what, int64_t at)
{
  char when[RFC3339_BUF];
  const char *s = pool_printf(p, "%s expired at %s", what, rfc3339_format(when, at));
  return s ? s : "token expired";
}

void auth_touch(struct app *app, const struct principal *pr)
{
  if (!pr->touch)
    return;
  int64_t now = time_now();
  if (now - pr->last_accessed >= TOUCH_EVERY)
    ident_account_touch(app->meta, pr->id, now); /* best effort */
  if (pr->cred_id)
    ident_token_touch(app->meta, pr->cred_id, now, TOUCH_EVERY); /* per token; best effort */
}

/* Finds the credential a secret names; checks kind, expiry, account:
 * 0, CRED_EXPIRED (cred and acct filled), or ERR_* (ERR_DENIED: disabled). */
static int cred_lookup(struct ident_cred *cred, struct ident_account *acct, struct app *app,
                       struct pool *p, const char *secret, enum ident_cred_kind kind)
{
  char idx[65];
  int rc = keys_index(app->keys, idx, secret, strlen(secret));
  if (rc)
    return rc;
  rc = ident_cred_by_index(app->meta, p, cred, idx);
  if (rc)
    return rc;
  if (cred->kind != kind)
    return ERR_NOTFOUND;
  rc = ident_account_get(app->meta, p, acct, cred->account_id);
  if (rc)
    return rc;
  if (cred->expires_at && cred->expires_at <= time_now())
    return CRED_EXPIRED;
  return acct->enabled ? 0 : ERR_DENIED;
}

/* A federated robot token (auth/robotfed.h) as the robot's password; its
 * expiry travels as pwv "fed:<exp>" into registry JWTs minted from it. */
static int auth_robot_fed(struct principal *out, const char **reason, struct app *app,
                          struct pool *p, const char *user, const char *secret)
{
  struct ident_account acct;
  int64_t acct_id = 0, exp = 0;
  int rc = robotfed_check(&acct_id, &exp, reason, app, p, user, secret, time_now());
  if (rc == ERR_DENIED)
    return AUTH_BAD;
  if (rc == 0)
    rc = ident_account_get(app->meta, p, &acct, acct_id);
  if (rc == ERR_NOTFOUND || (rc == 0 && (acct.kind != IDENT_ROBOT || strcmp(acct.name, user)))) {
    *reason = "invalid federated robot token";
    return AUTH_BAD;
  }
  if (rc)
    return rc;
  if (!acct.enabled) {
    *reason = pool_printf(p, "Robot %.300s is disabled", user);
    return AUTH_BAD;
  }
  from_account(out, &acct, 0, SCOPE_ALL);
  out->pwv = pool_printf(p, "fed:%lld", (long long)exp);
  out->touch = 1;
  return out->pwv ? AUTH_OK : ERR_NOMEM;
}

static int auth_robot(struct principal *out, const char **reason, struct app *app, struct pool *p,
                      const char *user, const char *secret)
{
  struct ident_cred cred;
  struct ident_account acct;
  if (app->robots_disabled) {
    *reason = "Robot accounts have been disabled. Please contact your administrator.";
    return AUTH_BAD;
  }
  if (robotfed_looks(secret))
    return auth_robot_fed(out, reason, app, p, user, secret);
  int rc = cred_lookup(&cred, &acct, app, p, secret, CRED_ROBOT);
  if (rc == ERR_NOTFOUND || (rc == 0 && strcmp(acct.name, user) != 0)) {
    *reason = pool_printf(p, "Could not find robot with username: %.300s and supplied password.",
                          user);
    return AUTH_BAD;
  }
  if (rc == CRED_EXPIRED) {
    *reason = expired_reason(p, pool_printf(p, "token of robot %.300s", user), cred.expires_at);
    return AUTH_BAD;
  }
  if (rc == ERR_DENIED) {
    *reason = pool_printf(p, "Robot %.300s is disabled", user);
    return AUTH_BAD;
  }
  if (rc)
    return rc;
  from_account(out, &acct, cred.id, SCOPE_ALL);
  out->cred_index = cred.index;
  out->touch = 1;
  return AUTH_OK;
}

static int auth_api_token(struct principal *out, const char **reason, struct app *app,
                          struct pool *p, const char *secret)
{
  struct ident_cred cred;
  struct ident_account acct;
  int rc = cred_lookup(&cred, &acct, app, p, secret, CRED_API);
  if (rc == ERR_NOTFOUND || rc == ERR_DENIED || rc == CRED_EXPIRED) {
    *reason = "Invalid or expired access token";
    return AUTH_BAD;
  }
  if (rc)
    return rc;
  unsigned scopes = 0;
  const char *bad;
  if (auth_scopes_parse(&scopes, &bad, p, cred.scopes ? cred.scopes : "") != 0)
    scopes = 0;
  from_account(out, &acct, cred.id, scopes);
  out->cred_index = cred.index;
  out->kind = PRINCIPAL_TOKEN;
  out->touch = 1;
  return AUTH_OK;
}

/* password_verify(), also taking the password as auth_password_encrypt()
 * made it (Quay's encrypted_password, for docker login): a blob that
 * decrypts under the server key is checked as the password it holds. */
static int verify_password(struct app *app, const char *hash, const char *password)
{
  char *plain = NULL;
  size_t n = 0;
  if (keys_decrypt(app->keys, &plain, &n, password) != 0)
    return password_verify(hash, password);
  int rc = strlen(plain) == n ? password_verify(hash, plain) : ERR_DENIED;
  OPENSSL_cleanse(plain, n);
  free(plain);
  return rc;
}

static int auth_password(struct principal *out, const char **reason, struct app *app,
                         struct pool *p, const char *user, const char *password)
{
  struct ident_account acct;
  *reason = "Invalid Username or Password";
  int rc = ident_account_by_name(app->meta, p, &acct, user);
  if (rc == ERR_NOTFOUND)
    return AUTH_BAD;
  if (rc)
    return rc;
  if (acct.kind != IDENT_USER || !acct.password_hash || !acct.enabled)
    return AUTH_BAD;
  size_t ul = strlen(user), pl = strlen(password);
  char *both = pool_alloc(p, ul + pl + 2);
  char key[65];
  if (!both)
    return ERR_NOMEM;
  memcpy(both, user, ul + 1);
  memcpy(both + ul + 1, password, pl + 1);
  rc = keys_index(app->keys, key, both, ul + 1 + pl);
  OPENSSL_cleanse(both, ul + pl + 2);
  if (rc)
    return rc;
  if (!pwcache_hit(key, acct.password_hash)) {
    if (verify_password(app, acct.password_hash, password) != 0)
      return AUTH_BAD;
    pwcache_put(key, acct.password_hash);
  }
  from_account(out, &acct, 0, SCOPE_ALL);
  out->pwv = pw_fingerprint(p, acct.password_hash);
  out->touch = 1; /* users' last_accessed, as robots' */
  return AUTH_OK;
}

int auth_user_password(struct principal *out, const char **reason, struct app *app,
                       struct pool *p, const char *user, const char *password)
{
  struct principal pr;
  *reason = "Invalid Username or Password";
  if (!user || !password || strchr(user, '+') || strcmp(user, "$oauthtoken") == 0)
    return AUTH_BAD;
  int rc = auth_password(&pr, reason, app, p, user, password);
  if (rc == AUTH_OK) {
    auth_touch(app, &pr); /* sign-in: no allow-list applies to people */
    *out = pr;
  }
  return rc;
}

int auth_password_encrypt(char **out, struct app *app, const char *password)
{
  return keys_encrypt(app->keys, out, password, strlen(password));
}

int auth_parse_basic(const char **out_user, const char **out_secret, struct pool *p,
                     const char *b64)
{
  size_t n = strlen(b64), len = 0;
  unsigned char *dec = NULL;
  char *text = NULL;
  if (n == 0 || n > AUTH_BASIC_MAX)
    return ERR_INVALID;
  /* canonical base64 only; EVP_DecodeBlock alone counts padding as data
   * ("====" decoded to -1 bytes) */
  int rc = base64_decode(&dec, &len, b64, n, BASE64_STD);
  if (rc)
    return rc == ERR_NOMEM ? rc : ERR_INVALID;
  rc = ERR_INVALID;
  if (memchr(dec, '\0', len) || !memchr(dec, ':', len))
    goto out;
  rc = ERR_NOMEM;
  if (!(text = pool_strndup(p, (const char *)dec, len)))
    goto out;
  char *colon = strchr(text, ':');
  *colon = '\0';
  *out_user = text;
  *out_secret = colon + 1;
  rc = 0;
out:
  OPENSSL_cleanse(dec, len);
  free(dec);
  return rc;
}

static int auth_basic(struct principal *out, const char **reason, struct app *app, struct pool *p,
                      const char *b64)
{
  const char *user, *secret;
  int rc = auth_parse_basic(&user, &secret, p, b64);
  if (rc == ERR_INVALID) {
    *reason = "malformed Basic credentials";
    return AUTH_BAD;
  }
  if (rc)
    return rc;
  if (strcmp(user, "$oauthtoken") == 0)
    return auth_api_token(out, reason, app, p, secret);
  if (strchr(user, '+'))
    return auth_robot(out, reason, app, p, user, secret);
  return auth_password(out, reason, app, p, user, secret);
}

/* A registry JWT: the crypto and claim parsing may come from the verified-
 * token cache (auth/tokencache.h); the checks of the account and credential
 * behind it below run on every request, so a revocation takes effect at once. */
static int auth_jwt(struct principal *out, const char **reason, struct app *app, struct pool *p,
                    const char *token)
{
  struct regtoken rt;
  /* spec §6: our issuer, a subject, and a lifetime of at most an hour */
  int rc = tokencache_verify(&rt, app->tokens, app->keys, p, token, strlen(token), time_now(),
                             JWT_LEEWAY, JWT_LIFETIME + 60);
  if (rc) {
    *reason = rc == ERR_INVALID ? "invalid registry token" : "invalid or expired registry token";
    return rc == ERR_DENIED || rc == ERR_INVALID ? AUTH_BAD : rc;
  }
  int64_t acct_id = rt.acct, cred_id = rt.cred;
  const char *pwv = rt.pwv;
  struct ident_account acct;
  *reason = "registry token was revoked";
  if (acct_id == 0) {
    set_anonymous(out);
  } else {
    rc = ident_account_get(app->meta, p, &acct, acct_id);
    if (rc == 0 && !acct.enabled) {
      rc = ERR_DENIED;
      if (acct.kind == IDENT_ROBOT)
        *reason = pool_printf(p, "Robot %.300s is disabled", acct.name);
    }
    if (rc == 0 && cred_id) {
      struct ident_cred cred;
      rc = ident_cred_get(app->meta, p, &cred, cred_id);
      if (rc == 0 && rt.cix && (!cred.index || strncmp(cred.index, rt.cix, 16) != 0))
        rc = ERR_DENIED; /* the id now names another credential: ours was deleted */
      if (rc == 0 && cred.expires_at && cred.expires_at <= time_now()) {
        rc = ERR_DENIED;
        *reason = expired_reason(p, "the token behind this registry token", cred.expires_at);
      }
    }
    if (rc == 0 && !cred_id && acct.kind == IDENT_ROBOT && pwv && strncmp(pwv, "fed:", 4) == 0) {
      /* minted from a federated robot token: dies with it */
      int64_t fexp = strtoll(pwv + 4, NULL, 10);
      if (fexp <= time_now()) {
        rc = ERR_DENIED;
        *reason = expired_reason(p, "the federated token behind this registry token", fexp);
      }
    } else if (rc == 0 && !cred_id) {
      const char *now_pwv = pw_fingerprint(p, acct.password_hash);
      if (!pwv || !now_pwv || strcmp(pwv, now_pwv) != 0)
        rc = ERR_DENIED;
    }
    if (rc == ERR_NOTFOUND || rc == ERR_DENIED)
      return AUTH_BAD;
    if (rc)
      return rc;
    from_account(out, &acct, cred_id, SCOPE_ALL);
    out->pwv = pwv; /* in p */
    if (acct.kind == IDENT_USER && rt.tok)
      out->kind = PRINCIPAL_TOKEN;
    if (out->kind == PRINCIPAL_TOKEN)
      out->scopes = rt.scopes;
  }
  out->grants = rt.grants;
  out->ngrants = rt.ngrants;
  out->via_jwt = 1;
  return AUTH_OK;
}

int auth_authenticate(struct principal *out, const char **reason, struct app *app, struct pool *p,
                      const char *authorization, int registry)
{
  struct principal pr;
  *reason = NULL;
  set_anonymous(&pr);
  if (!authorization || !*authorization) {
    *out = pr;
    return AUTH_OK;
  }
  int rc;
  if (strncasecmp(authorization, "Basic ", 6) == 0 && !registry) {
    /* spec §1: HTTP Basic is for the registry only; on /api/v1 it counts
     * for nothing (robots never call the API), so the caller is anonymous */
    rc = AUTH_OK;
  } else if (strncasecmp(authorization, "Basic ", 6) == 0) {
    rc = auth_basic(&pr, reason, app, p, authorization + 6);
  } else if (strncasecmp(authorization, "Bearer ", 7) == 0) {
    const char *tok = authorization + 7;
    if (strlen(tok) > 8192) {
      *reason = "token too long";
      rc = AUTH_BAD;
    } else if (registry) {
      rc = auth_jwt(&pr, reason, app, p, tok);
    } else {
      rc = auth_api_token(&pr, reason, app, p, tok);
    }
  } else {
    *reason = "unsupported authorization scheme; use Basic or Bearer";
    rc = AUTH_BAD;
  }
  if (rc == AUTH_OK)
    *out = pr;
  return rc;
}
