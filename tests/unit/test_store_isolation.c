/* The store's transactions under races, on SQLite (a write lock) and on
 * PostgreSQL (SERIALIZABLE, retried on conflicts): threads hammer the
 * operations that read and then write depending on what they read, and the
 * invariants must hold exactly as if each ran alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>

#include "store/ident.h"
#include "store/meta.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

#include "ident_fixture.h"

#define NTHREADS 4

struct race {
  struct fx *f;
  int idx;
  int64_t a, b;   /* ids the scenario works on */
  int ok, refused, other, first_other;
};

static void tally(struct race *r, int rc, int refused_code)
{
  if (rc == 0)
    r->ok++;
  else if (rc == refused_code)
    r->refused++;
  else if (!r->other++)
    r->first_other = rc;
}

static void run_threads(struct race *rs, void *(*fn)(void *))
{
  pthread_t th[NTHREADS];
  for (int i = 0; i < NTHREADS; i++)
    assert_int_equal(pthread_create(&th[i], NULL, fn, &rs[i]), 0);
  for (int i = 0; i < NTHREADS; i++) {
    pthread_join(th[i], NULL);
    if (rs[i].other)
      fprintf(stderr, "thread %d: %d unexpected results, first %s\n", i, rs[i].other,
              err_str(rs[i].first_other));
    assert_int_equal(rs[i].other, 0);
  }
}

/* --- robot token regeneration: exactly one token survives --------------------------- */

static void *replace_worker(void *arg)
{
  struct race *r = arg;
  for (int i = 0; i < 15; i++) {
    char idx[32];
    snprintf(idx, sizeof(idx), "t%d-%d", r->idx, i);
    struct ident_cred c = { .account_id = r->a, .kind = CRED_ROBOT, .index = idx,
                            .secret_enc = "enc" };
    int64_t id = 0;
    tally(r, ident_cred_replace(r->f->m, &id, &c), 1);
  }
  return NULL;
}

static void test_cred_replace_race(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0), bot = mk(f, IDENT_ROBOT, "acme+bot", org);
  struct race rs[NTHREADS];
  for (int i = 0; i < NTHREADS; i++)
    rs[i] = (struct race){ .f = f, .idx = i, .a = bot };
  run_threads(rs, replace_worker);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM credential"), 1);
}

/* --- first user: one of the racers wins ------------------------------------------- */

static void *first_user_worker(void *arg)
{
  struct race *r = arg;
  char name[32];
  snprintf(name, sizeof(name), "user%d", r->idx);
  struct ident_account a = { .kind = IDENT_USER, .name = name, .enabled = 1 };
  int64_t id = 0;
  tally(r, ident_user_create_first(r->f->m, &id, &a), ERR_EXISTS);
  return NULL;
}

static void test_first_user_race(void **state)
{
  struct fx *f = *state;
  struct race rs[NTHREADS];
  for (int i = 0; i < NTHREADS; i++)
    rs[i] = (struct race){ .f = f, .idx = i };
  run_threads(rs, first_user_worker);
  int ok = 0;
  for (int i = 0; i < NTHREADS; i++)
    ok += rs[i].ok;
  assert_int_equal(ok, 1);
  int64_t n = 0;
  assert_int_equal(ident_user_count(f->m, &n), 0);
  assert_int_equal(n, 1);
}

/* --- an app's live token limit holds across concurrent mints ------------------------- */

#define MAX_LIVE 5

static void *token_worker(void *arg)
{
  struct race *r = arg;
  for (int i = 0; i < 4; i++) {
    char idx[32], uuid[32];
    snprintf(idx, sizeof(idx), "i%d-%d", r->idx, i);
    snprintf(uuid, sizeof(uuid), "u%d-%d", r->idx, i);
    struct ident_cred c = { .account_id = r->a, .kind = CRED_API, .index = idx,
                            .scopes = "repo:read" };
    int64_t id = 0;
    tally(r, ident_token_add(r->f->m, &id, &c, uuid, r->b, MAX_LIVE, time_now()), ERR_TOOBIG);
  }
  return NULL;
}

static void test_token_limit_race(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0), user = mk(f, IDENT_USER, "alice", 0), app = 0;
  struct ident_app a = { .org_id = org, .client_id = "c1", .secret_enc = "e", .name = "ci" };
  assert_int_equal(ident_app_create(f->m, &app, &a), 0);
  struct race rs[NTHREADS];
  for (int i = 0; i < NTHREADS; i++)
    rs[i] = (struct race){ .f = f, .idx = i, .a = user, .b = app };
  run_threads(rs, token_worker);
  int ok = 0;
  for (int i = 0; i < NTHREADS; i++)
    ok += rs[i].ok;
  assert_int_equal(ok, MAX_LIVE);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM credential"), MAX_LIVE);
}

/* --- a manifest never references a blob its repository lost -------------------------- */

/* Even threads push manifests referencing the blob (re-linking it first),
 * odd threads unlink it; whoever comes second must see the other's work. */
static void *push_unlink_worker(void *arg)
{
  struct race *r = arg;
  char blob[DIGEST_MAX], man[DIGEST_MAX];
  mkdigest(blob, 40, 0);
  for (int i = 0; i < 15; i++) {
    if (r->idx % 2 == 0) {
      tally(r, meta_blob_link(r->f->m, r->a, blob), 1);
      mkdigest(man, 41 + (unsigned)r->idx, (unsigned)i);
      struct meta_ref refs[] = { { blob, 0 } };
      struct meta_manifest_put mp = { .repo_id = r->a, .digest = man, .media_type = "x/y",
                                      .body = "{}", .body_len = 2, .refs = refs, .nrefs = 1 };
      tally(r, meta_manifest_put(r->f->m, &mp, NULL), ERR_NOTFOUND); /* unlinked meanwhile */
      tally(r, meta_manifest_delete(r->f->m, r->a, man), ERR_NOTFOUND);
    } else {
      int rc = meta_blob_unlink(r->f->m, r->a, blob);
      tally(r, rc == ERR_CONFLICT ? ERR_NOTFOUND : rc, ERR_NOTFOUND); /* referenced, or gone */
    }
  }
  return NULL;
}

static void test_unlink_vs_manifest_put(void **state)
{
  struct fx *f = *state;
  int64_t a = repo(f, "a");
  char blob[DIGEST_MAX];
  mkdigest(blob, 40, 0);
  assert_int_equal(meta_blob_add(f->m, a, blob, 5), 0);
  struct race rs[NTHREADS];
  for (int i = 0; i < NTHREADS; i++)
    rs[i] = (struct race){ .f = f, .idx = i, .a = a };
  run_threads(rs, push_unlink_worker);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM manifest_ref r JOIN manifest m "
                            "ON m.id = r.manifest_id WHERE r.is_manifest = 0 AND NOT EXISTS "
                            "(SELECT 1 FROM repo_blob b WHERE b.repo_id = m.repo_id "
                            "AND b.digest = r.digest)"),
                   0);
}

int main(void)
{
  log_min_level = LOG_ERROR;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_cred_replace_race, setup, teardown),
    cmocka_unit_test_setup_teardown(test_first_user_race, setup, teardown),
    cmocka_unit_test_setup_teardown(test_token_limit_race, setup, teardown),
    cmocka_unit_test_setup_teardown(test_unlink_vs_manifest_put, setup, teardown),
  };
  return fx_run_both("isolation", tests, sizeof(tests) / sizeof(tests[0]));
}
