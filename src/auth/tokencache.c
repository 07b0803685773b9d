/* Verified registry JWTs, cached by SHA-256 of the token (tokencache.h).
 *
 * Layout: nsets (a power of two) sets of WAYS entries, each set with its own
 * mutex; a token's set is picked by the first bytes of its hash, so two
 * requests contend only when their tokens land in the same set. Within a set
 * an expired or the least recently used entry makes room. An entry's claims
 * live in one malloc'd block (struct regtoken with its grants and strings
 * behind it); a hit copies them into the request's pool under the set's lock,
 * so no entry is ever shared past the lock and eviction needs no refcounts.
 */
#include "auth/tokencache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/sha.h>

#include "auth/jwt.h"
#include "util/err.h"
#include "util/pool.h"

#define WAYS 8
#define KEY_LEN SHA256_DIGEST_LENGTH
/* Longest grant list we cache (a token names at most a few repositories;
 * longer ones are verified every time rather than pinning memory). */
#define GRANTS_MAX 64

struct entry {
  unsigned char key[KEY_LEN];
  int64_t until;        /* usable while now < until (exp + leeway) */
  uint64_t used;        /* set's tick at the last hit */
  struct regtoken *rt;  /* one malloc'd block; NULL: empty */
};

struct set {
  pthread_mutex_t mu;
  uint64_t tick, hits, misses;
  struct entry way[WAYS];
};

struct tokencache {
  size_t nsets; /* power of two */
  struct set *sets;
};

int tokencache_new(struct tokencache **out, size_t entries)
{
  if (entries == 0)
    entries = TOKENCACHE_DEFAULT;
  size_t nsets = 1;
  while (nsets * WAYS < entries && nsets < ((size_t)1 << 20))
    nsets <<= 1;
  struct tokencache *c = calloc(1, sizeof(*c));
  struct set *sets = calloc(nsets, sizeof(*sets));
  if (!c || !sets) {
    free(c);
    free(sets);
    return ERR_NOMEM;
  }
  for (size_t i = 0; i < nsets; i++)
    pthread_mutex_init(&sets[i].mu, NULL);
  c->nsets = nsets;
  c->sets = sets;
  *out = c;
  return 0;
}

void tokencache_free(struct tokencache *c)
{
  if (!c)
    return;
  for (size_t i = 0; i < c->nsets; i++) {
    for (size_t w = 0; w < WAYS; w++)
      free(c->sets[i].way[w].rt);
    pthread_mutex_destroy(&c->sets[i].mu);
  }
  free(c->sets);
  free(c);
}

void tokencache_stats(const struct tokencache *c, uint64_t *hits, uint64_t *misses)
{
  uint64_t h = 0, m = 0;
  for (size_t i = 0; c && i < c->nsets; i++) {
    struct set *s = &c->sets[i];
    pthread_mutex_lock(&s->mu);
    h += s->hits;
    m += s->misses;
    pthread_mutex_unlock(&s->mu);
  }
  *hits = h;
  *misses = m;
}

static struct set *set_of(struct tokencache *c, const unsigned char key[KEY_LEN])
{
  uint64_t h;
  memcpy(&h, key, sizeof(h));
  return &c->sets[h & (c->nsets - 1)];
}

/* Copies optional string s to *cur (advancing it) into *dst. */
static void put_str(const char **dst, char **cur, const char *s)
{
  if (!s)
    return;
  size_t l = strlen(s) + 1;
  *dst = memcpy(*cur, s, l);
  *cur += l;
}

/* Deep copy of rt: into p when p is non-NULL, else one malloc'd block. */
static struct regtoken *copy_rt(struct pool *p, const struct regtoken *rt)
{
  size_t strs = (rt->pwv ? strlen(rt->pwv) + 1 : 0) + (rt->cix ? strlen(rt->cix) + 1 : 0);
  for (size_t i = 0; i < rt->ngrants; i++)
    strs += strlen(rt->grants[i].repo) + 1;
  size_t n = sizeof(struct regtoken) + rt->ngrants * sizeof(struct grant) + strs;
  unsigned char *b = p ? pool_alloc(p, n) : malloc(n);
  if (!b)
    return NULL;
  struct regtoken *o = (struct regtoken *)b;
  struct grant *g = (struct grant *)(b + sizeof(*o));
  char *s = (char *)(g + rt->ngrants);
  *o = *rt;
  o->grants = g;
  put_str(&o->pwv, &s, rt->pwv);
  put_str(&o->cix, &s, rt->cix);
  for (size_t i = 0; i < rt->ngrants; i++) {
    size_t l = strlen(rt->grants[i].repo) + 1;
    g[i].repo = memcpy(s, rt->grants[i].repo, l);
    g[i].actions = rt->grants[i].actions;
    s += l;
  }
  return o;
}

/* 0 and a pool copy in *out on a live hit; ERR_NOTFOUND otherwise. */
static int lookup(struct regtoken *out, struct tokencache *c, struct pool *p,
                  const unsigned char key[KEY_LEN], int64_t now)
{
  struct set *s = set_of(c, key);
  int rc = ERR_NOTFOUND;
  pthread_mutex_lock(&s->mu);
  for (size_t w = 0; w < WAYS; w++) {
    struct entry *e = &s->way[w];
    if (!e->rt || memcmp(e->key, key, KEY_LEN) != 0)
      continue;
    if (now >= e->until)
      break; /* expired: verify again (and fail) */
    struct regtoken *cp = copy_rt(p, e->rt);
    if (!cp) {
      rc = ERR_NOMEM;
      break;
    }
    e->used = ++s->tick;
    s->hits++;
    *out = *cp;
    rc = 0;
    break;
  }
  if (rc == ERR_NOTFOUND)
    s->misses++;
  pthread_mutex_unlock(&s->mu);
  return rc;
}

/* Remembers rt under key until `until`; best effort (no memory: not cached). */
static void insert(struct tokencache *c, const unsigned char key[KEY_LEN],
                   const struct regtoken *rt, int64_t until, int64_t now)
{
  if (rt->ngrants > GRANTS_MAX)
    return;
  struct regtoken *cp = copy_rt(NULL, rt);
  if (!cp)
    return;
  struct set *s = set_of(c, key);
  pthread_mutex_lock(&s->mu);
  struct entry *victim = &s->way[0];
  for (size_t w = 0; w < WAYS; w++) {
    struct entry *e = &s->way[w];
    if (e->rt && memcmp(e->key, key, KEY_LEN) == 0) { /* another thread was first */
      victim = e;
      break;
    }
    if (!e->rt || e->until <= now) {
      victim = e;
      if (!e->rt)
        break;
    } else if (victim->rt && victim->until > now && e->used < victim->used) {
      victim = e;
    }
  }
  free(victim->rt);
  memcpy(victim->key, key, KEY_LEN);
  victim->rt = cp;
  victim->until = until;
  victim->used = ++s->tick;
  pthread_mutex_unlock(&s->mu);
}

/* The "access" claim as grants in p. */
static int parse_grants(struct regtoken *rt, struct pool *p, json_t *access)
{
  size_t n = json_is_array(access) ? json_array_size(access) : 0;
  struct grant *g = pool_calloc(p, n ? n : 1, sizeof(*g));
  if (!g)
    return ERR_NOMEM;
  for (size_t i = 0; i < n; i++) {
    json_t *a = json_array_get(access, i), *acts = json_object_get(a, "actions"), *v;
    size_t k;
    const char *name = json_string_value(json_object_get(a, "name"));
    g[i].repo = pool_strdup(p, name ? name : "");
    if (!g[i].repo)
      return ERR_NOMEM;
    json_array_foreach(acts, k, v) {
      const char *s = json_string_value(v);
      if (!s)
        continue;
      g[i].actions |= strcmp(s, "pull") == 0 ? ACTION_PULL
                      : strcmp(s, "push") == 0 ? ACTION_PUSH
                      : strcmp(s, "*") == 0 ? ACTION_ALL : 0;
    }
    if (!name)
      g[i].actions = 0;
  }
  rt->grants = g;
  rt->ngrants = n;
  return 0;
}

/* Full verification: signature and time (jwt.h), then what a registry token
 * of ours must carry (spec §6: our issuer, a subject, at most max_lifetime). */
static int verify(struct regtoken *out, const struct keys *k, struct pool *p, const char *token,
                  size_t len, int64_t now, int64_t leeway, int64_t max_lifetime)
{
  json_t *claims = NULL;
  int rc = jwt_verify(&claims, k, token, len, NULL, now, leeway);
  if (rc)
    return rc == ERR_NOMEM ? rc : ERR_DENIED;
  struct regtoken rt = { 0 };
  const char *iss = json_string_value(json_object_get(claims, "iss"));
  json_int_t iat = json_integer_value(json_object_get(claims, "iat"));
  rt.exp = (int64_t)json_integer_value(json_object_get(claims, "exp"));
  rc = ERR_INVALID;
  if (!iss || strcmp(iss, "quay") != 0 || !json_string_value(json_object_get(claims, "sub")) ||
      iat < 0 || rt.exp < iat || rt.exp - iat > max_lifetime)
    goto out;
  json_t *w = json_object_get(claims, "wharf");
  const char *pwv = json_string_value(json_object_get(w, "pwv"));
  const char *cix = json_string_value(json_object_get(w, "cix"));
  rt.acct = (int64_t)json_integer_value(json_object_get(w, "acct"));
  rt.cred = (int64_t)json_integer_value(json_object_get(w, "cred"));
  rt.tok = json_integer_value(json_object_get(w, "tok")) != 0;
  rt.scopes = (unsigned)json_integer_value(json_object_get(w, "scopes"));
  rc = ERR_NOMEM;
  if ((pwv && !(rt.pwv = pool_strdup(p, pwv))) || (cix && !(rt.cix = pool_strdup(p, cix))))
    goto out;
  if ((rc = parse_grants(&rt, p, json_object_get(claims, "access"))) != 0)
    goto out;
  *out = rt;
out:
  json_decref(claims);
  return rc;
}

int tokencache_verify(struct regtoken *out, struct tokencache *c, const struct keys *k,
                      struct pool *p, const char *token, size_t len, int64_t now, int64_t leeway,
                      int64_t max_lifetime)
{
  unsigned char key[KEY_LEN];
  if (c) {
    SHA256((const unsigned char *)token, len, key);
    int rc = lookup(out, c, p, key, now);
    if (rc != ERR_NOTFOUND)
      return rc;
  }
  struct regtoken rt;
  int rc = verify(&rt, k, p, token, len, now, leeway, max_lifetime);
  if (rc)
    return rc;
  if (c)
    insert(c, key, &rt, rt.exp + leeway, now);
  *out = rt;
  return 0;
}
