/* OIDC ID token verification for keyless robot federation (issue 8). The
 * key cache holds, per issuer, the "keys" array of its JWKS and when it was
 * fetched; the network is never touched with the lock held, so two
 * requests may fetch the same issuer at once (harmless). */
#include "auth/oidc.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "auth/jwt.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"

#define OIDC_ISSUERS_MAX 64   /* cached issuers; the oldest entry is replaced */
#define OIDC_KEYS_MAX 64      /* keys kept from one JWKS */

struct oidc_entry {
  char *issuer;        /* NULL: free slot */
  json_t *keys;        /* JWKS "keys" array */
  int64_t fetched_at;  /* last successful fetch */
  int64_t tried_at;    /* last fetch attempt */
};

struct oidc {
  struct oidc_options opt;
  pthread_mutex_t mu;
  struct oidc_entry e[OIDC_ISSUERS_MAX];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_init_rc;

static void curl_init(void)
{
  curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : ERR_INTERNAL;
}

int oidc_new(struct oidc **out, const struct oidc_options *opt)
{
  static const struct oidc_options def = OIDC_OPTIONS_INIT;
  pthread_once(&curl_once, curl_init);
  if (curl_init_rc)
    return curl_init_rc;
  struct oidc *o = calloc(1, sizeof(*o));
  if (!o)
    return ERR_NOMEM;
  o->opt = opt ? *opt : def;
  pthread_mutex_init(&o->mu, NULL);
  *out = o;
  return 0;
}

void oidc_free(struct oidc *o)
{
  if (!o)
    return;
  for (size_t i = 0; i < OIDC_ISSUERS_MAX; i++) {
    free(o->e[i].issuer);
    json_decref(o->e[i].keys);
  }
  pthread_mutex_destroy(&o->mu);
  free(o);
}

static int host_is_loopback(const char *h)
{
  if (strcasecmp(h, "localhost") == 0 || strcmp(h, "::1") == 0 || strcmp(h, "[::1]") == 0)
    return 1;
  /* an IPv4 address in 127/8, not any name of digits and dots
   * ("127.0.0.1.5" is a DNS name: fuzz_oidc_jwks) */
  struct in_addr a4;
  return inet_pton(AF_INET, h, &a4) == 1 && ((const unsigned char *)&a4.s_addr)[0] == 127;
}

int oidc_url_ok(const char *url, int allow_http)
{
  int rc = ERR_INVALID;
  char *scheme = NULL, *host = NULL, *user = NULL, *zone = NULL;
  CURLU *u = curl_url();
  if (!u || !url || strlen(url) > 2048)
    goto out;
  for (const char *c = url; *c; c++)
    if ((unsigned char)*c <= ' ' || *c == '\\' || *c == 0x7f)
      goto out;
  if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
    goto out;
  if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
    goto out; /* http://127.0.0.1@elsewhere/ */
  if (curl_url_get(u, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK)
    goto out; /* http://[::1%eth0]/: no issuer needs an IPv6 zone (fuzz_oidc_jwks) */
  if (strcmp(scheme, "https") == 0 ||
      (strcmp(scheme, "http") == 0 && (allow_http || host_is_loopback(host))))
    rc = 0;
out:
  curl_free(scheme);
  curl_free(host);
  curl_free(user);
  curl_free(zone);
  curl_url_cleanup(u);
  return rc;
}

int oidc_peek_issuer(const char **out, struct pool *p, const char *token, size_t len)
{
  struct jwt_parts j;
  int rc = jwt_parse(&j, token, len);
  if (rc)
    return rc;
  const char *iss = json_string_value(json_object_get(j.claims, "iss"));
  rc = ERR_INVALID;
  if (iss && *iss) {
    const char *copy = pool_strdup(p, iss);
    rc = copy ? 0 : ERR_NOMEM;
    if (copy)
      *out = copy;
  }
  jwt_parts_free(&j);
  return rc;
}

/* --- fetching ------------------------------------------------------------ */
struct fetch_buf {
  char *data;
  size_t len;
  int over;
};

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ctx)
{
  struct fetch_buf *b = ctx;
  size_t n = size * nmemb;
  if (n > OIDC_DOC_MAX - b->len) {
    b->over = 1;
    return 0;
  }
  char *d = realloc(b->data, b->len + n + 1);
  if (!d)
    return 0;
  memcpy(d + b->len, ptr, n);
  b->len += n;
  d[b->len] = '\0';
  b->data = d;
  return n;
}

/* GETs url (no redirects, capped, timed out) and parses a JSON object. */
static int fetch_json(json_t **out, const char **reason, struct pool *p, const struct oidc *o,
                      const char *url)
{
  struct fetch_buf b = { 0 };
  long status = 0;
  int rc = ERR_IO;
  CURL *h = curl_easy_init();
  if (!h)
    return ERR_NOMEM;
  int bad = 0;
  bad |= curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT, o->opt.timeout) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, o->opt.timeout) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, &b) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_USERAGENT, "wharf-oidc") != CURLE_OK;
  CURLcode cc = bad ? CURLE_FAILED_INIT : curl_easy_perform(h);
  if (cc == CURLE_OK)
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (cc != CURLE_OK || status != 200) {
    *reason = pool_printf(p, "could not fetch %.300s from the issuer (%s)", url,
                          cc != CURLE_OK ? (b.over ? "document too large" : curl_easy_strerror(cc))
                                         : "HTTP status is not 200");
    LOG(LOG_WARN, "oidc: GET %s failed: curl %d, status %ld", url, (int)cc, status);
    goto out;
  }
  json_t *j = b.data ? json_loadb(b.data, b.len, 0, NULL) : NULL;
  if (!json_is_object(j)) {
    json_decref(j);
    *reason = pool_printf(p, "%.300s did not return a JSON object", url);
    goto out;
  }
  *out = j;
  rc = 0;
out:
  curl_easy_cleanup(h);
  free(b.data);
  return rc;
}

/* Discovery, then the JWKS: the issuer's current "keys" array. */
static int fetch_keys(json_t **out, const char **reason, struct pool *p, const struct oidc *o,
                      const char *issuer)
{
  size_t il = strlen(issuer);
  const char *base = il && issuer[il - 1] == '/' ? pool_strndup(p, issuer, il - 1) : issuer;
  const char *url = base ? pool_printf(p, "%s/.well-known/openid-configuration", base) : NULL;
  json_t *disc = NULL, *jwks = NULL;
  if (!url)
    return ERR_NOMEM;
  int rc = fetch_json(&disc, reason, p, o, url);
  if (rc)
    return rc;
  const char *diss = json_string_value(json_object_get(disc, "issuer"));
  const char *juri = json_string_value(json_object_get(disc, "jwks_uri"));
  rc = ERR_IO;
  if (!diss || strcmp(diss, issuer) != 0) {
    *reason = "the issuer's discovery document names another issuer";
    goto out;
  }
  if (!juri || oidc_url_ok(juri, o->opt.allow_http) != 0) {
    *reason = "the issuer's discovery document has no usable jwks_uri";
    goto out;
  }
  if ((rc = fetch_json(&jwks, reason, p, o, juri)) != 0)
    goto out;
  json_t *keys = json_object_get(jwks, "keys");
  rc = ERR_IO;
  if (!json_is_array(keys) || json_array_size(keys) > OIDC_KEYS_MAX) {
    *reason = "the issuer's JWKS has no usable keys array";
    goto out;
  }
  *out = json_incref(keys);
  rc = 0;
out:
  json_decref(disc);
  json_decref(jwks);
  return rc;
}

/* --- cache --------------------------------------------------------------- */
static struct oidc_entry *slot_of(struct oidc *o, const char *issuer)
{
  for (size_t i = 0; i < OIDC_ISSUERS_MAX; i++)
    if (o->e[i].issuer && strcmp(o->e[i].issuer, issuer) == 0)
      return &o->e[i];
  return NULL;
}

/* The cached keys (new reference) if fresh; *may_fetch says whether a
 * fetch is allowed now (rate limit), and marks the attempt if so. */
static json_t *cache_get(struct oidc *o, const char *issuer, int64_t now, int want_refresh,
                         int *may_fetch)
{
  json_t *keys = NULL;
  pthread_mutex_lock(&o->mu);
  struct oidc_entry *e = slot_of(o, issuer);
  int fresh = e && e->keys && now - e->fetched_at < o->opt.ttl;
  *may_fetch = 0;
  if (fresh && !want_refresh) {
    keys = json_incref(e->keys);
  } else {
    *may_fetch = !e || now - e->tried_at >= o->opt.refresh_min;
    if (*may_fetch && e)
      e->tried_at = now;
    if (!*may_fetch && e && e->keys)
      keys = json_incref(e->keys); /* rate-limited: what we have */
  }
  pthread_mutex_unlock(&o->mu);
  return keys;
}

/* Records a fetch at now: its keys, or (keys NULL) a failed attempt, so
 * an unreachable issuer is not hammered either. */
static void cache_put(struct oidc *o, const char *issuer, json_t *keys, int64_t now)
{
  pthread_mutex_lock(&o->mu);
  struct oidc_entry *e = slot_of(o, issuer);
  if (!e) {
    e = &o->e[0];
    for (size_t i = 0; i < OIDC_ISSUERS_MAX; i++) {
      if (!o->e[i].issuer) {
        e = &o->e[i];
        break;
      }
      if (o->e[i].fetched_at < e->fetched_at)
        e = &o->e[i];
    }
    char *copy = strdup(issuer);
    if (!copy)
      goto out;
    free(e->issuer);
    json_decref(e->keys);
    e->issuer = copy;
    e->keys = NULL;
  }
  e->tried_at = now;
  if (keys) {
    json_decref(e->keys);
    e->keys = json_incref(keys);
    e->fetched_at = now;
  }
out:
  pthread_mutex_unlock(&o->mu);
}

static json_t *find_kid(json_t *keys, const char *kid)
{
  size_t i;
  json_t *k;
  json_array_foreach(keys, i, k) {
    const char *s = json_string_value(json_object_get(k, "kid"));
    if (s && strcmp(s, kid) == 0)
      return k;
  }
  return NULL;
}

/* The JWK named kid (a new reference in *out): from the cache, else from a
 * fetch (a miss on cached keys refetches, rate-limited). */
static int key_for(json_t **out, const char **reason, struct pool *p, struct oidc *o,
                   const char *issuer, const char *kid, int64_t now)
{
  int may_fetch = 0;
  json_t *keys = cache_get(o, issuer, now, 0, &may_fetch), *k;
  if (keys && (k = find_kid(keys, kid)) != NULL) {
    *out = json_incref(k);
    json_decref(keys);
    return 0;
  }
  if (keys) { /* unknown kid: the issuer may have rotated its keys */
    json_decref(keys);
    keys = cache_get(o, issuer, now, 1, &may_fetch);
  }
  if (!may_fetch) {
    int had = keys != NULL;
    json_decref(keys);
    *reason = had ? pool_printf(p, "unknown key id %.100s for issuer %.300s", kid, issuer)
                  : "the issuer's keys could not be fetched recently; retry later";
    return had ? ERR_DENIED : ERR_IO;
  }
  json_decref(keys);
  keys = NULL;
  int rc = fetch_keys(&keys, reason, p, o, issuer);
  if (rc) {
    cache_put(o, issuer, NULL, now);
    return rc;
  }
  cache_put(o, issuer, keys, now);
  k = find_kid(keys, kid);
  rc = ERR_DENIED;
  if (k) {
    *out = json_incref(k);
    rc = 0;
  } else {
    *reason = pool_printf(p, "unknown key id %.100s for issuer %.300s", kid, issuer);
  }
  json_decref(keys);
  return rc;
}

/* --- verification -------------------------------------------------------- */
static int check_header(const char **reason, json_t *h, const char **alg, const char **kid)
{
  *alg = json_string_value(json_object_get(h, "alg"));
  *kid = json_string_value(json_object_get(h, "kid"));
  if (!*alg || (strcmp(*alg, "RS256") != 0 && strcmp(*alg, "ES256") != 0)) {
    *reason = "token algorithm is not accepted (RS256 or ES256 only)";
    return ERR_DENIED;
  }
  if (!*kid || !**kid || strlen(*kid) > 256) {
    *reason = "token header has no key id (kid)";
    return ERR_DENIED;
  }
  if (json_object_get(h, "crit")) {
    *reason = "token header has critical extensions";
    return ERR_DENIED;
  }
  return 0;
}

int oidc_verify(json_t **out_claims, const char **reason, struct pool *p, struct oidc *o,
                const char *token, size_t len, const char *issuer, const char *audience,
                int64_t now)
{
  struct jwt_parts j;
  json_t *jwk = NULL;
  EVP_PKEY *pk = NULL;
  const char *alg, *kid;
  int rc = jwt_parse(&j, token, len);
  if (rc) {
    *reason = "token is not a well-formed JWT";
    return rc == ERR_NOMEM ? rc : ERR_DENIED;
  }
  if ((rc = check_header(reason, j.header, &alg, &kid)) != 0)
    goto out;
  const char *iss = json_string_value(json_object_get(j.claims, "iss"));
  rc = ERR_DENIED;
  if (!iss || strcmp(iss, issuer) != 0) {
    *reason = "token issuer (iss) does not match";
    goto out;
  }
  if (oidc_url_ok(issuer, o->opt.allow_http) != 0) {
    *reason = "issuer URL is not allowed (https, or http on loopback only)";
    goto out;
  }
  if ((rc = key_for(&jwk, reason, p, o, issuer, kid, now)) != 0)
    goto out;
  rc = ERR_DENIED;
  if (oidc_jwk_key(&pk, jwk, alg) != 0) {
    *reason = "the issuer's key does not fit the token algorithm";
    goto out;
  }
  if (oidc_sig_verify(pk, alg, j.sig, j.siglen, token, j.signed_len) != 0) {
    *reason = "token signature is invalid";
    goto out;
  }
  if (jwt_check_claims(j.claims, NULL, now, o->opt.leeway) != 0) {
    *reason = "token is expired or not yet valid (exp, nbf, iat)";
    goto out;
  }
  if (audience && jwt_check_claims(j.claims, audience, now, o->opt.leeway) != 0) {
    *reason = "token audience (aud) does not match";
    goto out;
  }
  if (!json_is_string(json_object_get(j.claims, "sub"))) {
    *reason = "token has no subject (sub)";
    goto out;
  }
  *out_claims = j.claims;
  j.claims = NULL;
  rc = 0;
out:
  EVP_PKEY_free(pk);
  json_decref(jwk);
  jwt_parts_free(&j);
  return rc;
}
