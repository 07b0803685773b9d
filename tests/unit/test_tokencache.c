/* Tests for auth/tokencache.c: verified registry JWTs are reused until they
 * expire, never for another or a tampered token, within a bounded size, and
 * from several threads at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>

#include <jansson.h>

#include "auth/jwt.h"
#include "auth/keys.h"
#include "auth/tokencache.h"
#include "util/err.h"
#include "util/pool.h"

#include "keys_fixture.h"

#define NOW 1700000000
#define LEEWAY 30
#define MAXLIFE 3660

struct fx {
  char dir[64];
  struct keys *k;
};

static int setup(void **state)
{
  struct fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  kfx_mkdir(f->dir, sizeof(f->dir), "tc");
  f->k = kfx_key(f->dir, "k.key");
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fx *f = *state;
  keys_free(f->k);
  kfx_rmdir(f->dir);
  free(f);
  return 0;
}

/* A registry token as /v2/auth issues it for account acct, repository repo. */
static char *token(const struct keys *k, int64_t acct, const char *repo, const char *iss)
{
  json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:[{s:s, s:s, s:[s, s]}],"
                        " s:{s:I, s:I, s:i, s:I, s:s}}",
                        "iss", iss, "aud", "reg", "sub", "org+bot", "iat", (json_int_t)NOW, "nbf",
                        (json_int_t)NOW, "exp", (json_int_t)(NOW + 3600), "access", "type",
                        "repository", "name", repo, "actions", "push", "pull", "wharf", "acct",
                        (json_int_t)acct, "cred", (json_int_t)(acct * 10), "tok", 0, "scopes",
                        (json_int_t)7, "pwv", "pv");
  assert_non_null(c);
  char *t = NULL;
  assert_int_equal(jwt_sign(&t, k, c), 0);
  json_decref(c);
  return t;
}

static int check(struct tokencache *c, const struct keys *k, const char *t, int64_t now,
                 int64_t want_acct, const char *want_repo)
{
  struct pool *p = pool_new();
  assert_non_null(p);
  struct regtoken rt;
  int rc = tokencache_verify(&rt, c, k, p, t, strlen(t), now, LEEWAY, MAXLIFE);
  if (rc == 0) {
    assert_int_equal(rt.acct, want_acct);
    assert_int_equal(rt.cred, want_acct * 10);
    assert_int_equal(rt.exp, NOW + 3600);
    assert_int_equal(rt.scopes, 7);
    assert_int_equal(rt.tok, 0);
    assert_string_equal(rt.pwv, "pv");
    assert_int_equal(rt.ngrants, 1);
    assert_string_equal(rt.grants[0].repo, want_repo);
    assert_int_equal(rt.grants[0].actions, ACTION_PULL | ACTION_PUSH);
  }
  pool_free(p);
  return rc;
}

static void test_hit_after_verify(void **state)
{
  struct fx *f = *state;
  struct tokencache *c = NULL;
  uint64_t hits, misses;
  assert_int_equal(tokencache_new(&c, 0), 0);
  char *t = token(f->k, 5, "org/a", "quay");
  assert_int_equal(check(c, f->k, t, NOW, 5, "org/a"), 0);
  tokencache_stats(c, &hits, &misses);
  assert_int_equal(hits, 0);
  assert_int_equal(misses, 1);
  for (int i = 0; i < 3; i++)
    assert_int_equal(check(c, f->k, t, NOW + 10, 5, "org/a"), 0);
  tokencache_stats(c, &hits, &misses);
  assert_int_equal(hits, 3);
  assert_int_equal(misses, 1);
  /* without a cache: the same answer, verified every time */
  assert_int_equal(check(NULL, f->k, t, NOW, 5, "org/a"), 0);
  free(t);
  tokencache_free(c);
}

static void test_expiry_and_tampering(void **state)
{
  struct fx *f = *state;
  struct tokencache *c = NULL;
  assert_int_equal(tokencache_new(&c, 16), 0);
  char *t = token(f->k, 6, "org/b", "quay");
  assert_int_equal(check(c, f->k, t, NOW, 6, "org/b"), 0);
  /* within the leeway after exp still valid, then refused although cached */
  assert_int_equal(check(c, f->k, t, NOW + 3600 + LEEWAY - 1, 6, "org/b"), 0);
  assert_int_equal(check(c, f->k, t, NOW + 3600 + LEEWAY, 6, "org/b"), ERR_DENIED);
  assert_int_equal(check(c, f->k, t, NOW + 7200, 6, "org/b"), ERR_DENIED);
  /* a cached token does not vouch for a changed one */
  char *bad = strdup(t);
  size_t n = strlen(bad);
  bad[n - 2] = bad[n - 2] == 'A' ? 'B' : 'A';
  assert_int_equal(check(c, f->k, bad, NOW, 6, "org/b"), ERR_DENIED);
  bad[n - 2] = '\0';
  assert_int_equal(check(c, f->k, bad, NOW, 6, "org/b"), ERR_DENIED);
  free(bad);
  /* signed by us, but not a registry token (another issuer) */
  char *other = token(f->k, 6, "org/b", "elsewhere");
  assert_int_equal(check(c, f->k, other, NOW, 6, "org/b"), ERR_INVALID);
  assert_int_equal(check(c, f->k, other, NOW, 6, "org/b"), ERR_INVALID);
  free(other);
  free(t);
  tokencache_free(c);
}

static void test_bounded(void **state)
{
  struct fx *f = *state;
  struct tokencache *c = NULL;
  assert_int_equal(tokencache_new(&c, 8), 0); /* one set of 8 */
  char *t[20];
  char repo[32];
  for (int i = 0; i < 20; i++) {
    snprintf(repo, sizeof(repo), "org/r%d", i);
    t[i] = token(f->k, 100 + i, repo, "quay");
    assert_int_equal(check(c, f->k, t[i], NOW, 100 + i, repo), 0);
  }
  uint64_t hits, misses, h2, m2;
  tokencache_stats(c, &hits, &misses);
  assert_int_equal(misses, 20);
  /* the 8 most recent are cached, the older ones verified again */
  for (int i = 12; i < 20; i++) {
    snprintf(repo, sizeof(repo), "org/r%d", i);
    assert_int_equal(check(c, f->k, t[i], NOW, 100 + i, repo), 0);
  }
  tokencache_stats(c, &h2, &m2);
  assert_int_equal(h2 - hits, 8);
  assert_int_equal(m2, misses);
  assert_int_equal(check(c, f->k, t[0], NOW, 100, "org/r0"), 0);
  tokencache_stats(c, &h2, &m2);
  assert_int_equal(m2, misses + 1);
  for (int i = 0; i < 20; i++)
    free(t[i]);
  tokencache_free(c);
}

struct worker {
  struct tokencache *c;
  const struct keys *k;
  char **tokens;
  int ntokens, seed, bad;
};

static void *work(void *arg)
{
  struct worker *w = arg;
  char repo[32];
  for (int i = 0; i < 400; i++) {
    int j = (i * 7 + w->seed) % w->ntokens;
    snprintf(repo, sizeof(repo), "org/t%d", j);
    struct pool *p = pool_new();
    struct regtoken rt;
    if (!p || tokencache_verify(&rt, w->c, w->k, p, w->tokens[j], strlen(w->tokens[j]), NOW,
                                LEEWAY, MAXLIFE) != 0 ||
        rt.acct != j || strcmp(rt.grants[0].repo, repo) != 0)
      w->bad++;
    pool_free(p);
  }
  return NULL;
}

static void test_threads(void **state)
{
  struct fx *f = *state;
  struct tokencache *c = NULL;
  assert_int_equal(tokencache_new(&c, 16), 0); /* smaller than the working set: evictions */
  enum { NTOK = 40, NTHR = 4 };
  char *tokens[NTOK], repo[32];
  for (int i = 0; i < NTOK; i++) {
    snprintf(repo, sizeof(repo), "org/t%d", i);
    tokens[i] = token(f->k, i, repo, "quay");
  }
  pthread_t th[NTHR];
  struct worker w[NTHR];
  for (int i = 0; i < NTHR; i++) {
    w[i] = (struct worker){ .c = c, .k = f->k, .tokens = tokens, .ntokens = NTOK, .seed = i };
    assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
  }
  for (int i = 0; i < NTHR; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(w[i].bad, 0);
  }
  uint64_t hits, misses;
  tokencache_stats(c, &hits, &misses);
  assert_int_equal(hits + misses, NTHR * 400);
  for (int i = 0; i < NTOK; i++)
    free(tokens[i]);
  tokencache_free(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_hit_after_verify),
    cmocka_unit_test(test_expiry_and_tampering),
    cmocka_unit_test(test_bounded),
    cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
