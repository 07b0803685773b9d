/* Tests for the SQL store under concurrency, on SQLite and on PostgreSQL:
 * threads sharing one meta instance, several instances (standing in for
 * processes) on one database, migrations racing on a fresh database, and
 * (SQLite) a lock held past the busy timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>

#include "store/meta.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

#include "meta_fixture.h"

/* Several "processes" (instances) open a fresh database at once. */
struct open_arg {
  const char *url;
  int rc;
  int version;
};

static void *open_worker(void *arg)
{
  struct open_arg *a = arg;
  struct meta *m = NULL;
  a->rc = meta_open(&m, a->url);
  if (a->rc == 0) {
    int64_t id;
    a->rc = meta_schema_version(m, &a->version);
    if (a->rc == 0)
      a->rc = meta_repo_ensure(m, &id, NULL, "same");
    meta_close(m);
  }
  return NULL;
}

static void test_concurrent_open_fresh_db(void **state)
{
  struct fx *f = *state;
  char url[512];
  pthread_t th[4];
  struct open_arg args[4];
  fx_fresh_url(f, url, sizeof(url));
  for (int i = 0; i < 4; i++) {
    args[i] = (struct open_arg){ .url = url, .rc = -100 };
    assert_int_equal(pthread_create(&th[i], NULL, open_worker, &args[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(args[i].rc, 0);
    assert_int_equal(args[i].version, args[0].version);
  }
  struct meta *m = NULL;
  int v = 0;
  assert_int_equal(meta_open(&m, url), 0);
  assert_int_equal(meta_schema_version(m, &v), 0);
  assert_int_equal(v, args[0].version);
  meta_close(m);
}

/* A write lock held past the busy timeout is ERR_IO; readers are not blocked. */
static void test_locked_database(void **state)
{
  struct fx *f = *state;
  fx_sqlite_only(f); /* PostgreSQL's lock timeout: test_meta_postgres.c */
  int64_t a = repo(f, "a"), size;
  char d[DIGEST_MAX];
  mkdigest(d, 10, 1);
  assert_int_equal(meta_blob_add(f->m, a, d, 1), 0);
  sqlite3 *db = raw_open(f);
  sqlite3_busy_timeout(db, 0);
  assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  int64_t t0 = time_mono_us();
  mkdigest(d, 10, 2);
  assert_int_equal(meta_blob_add(f->m, a, d, 1), ERR_IO);
  assert_true(time_mono_us() - t0 >= 4000000); /* it did wait */
  mkdigest(d, 10, 1);
  assert_int_equal(meta_blob_stat(f->m, &size, d), 0); /* WAL: reads go on */
  assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  mkdigest(d, 10, 2);
  assert_int_equal(meta_blob_add(f->m, a, d, 1), 0);
}

/* --- concurrency ------------------------------------------------------------ */

#define NTHREADS 4
#define NITER 20

struct work_arg {
  struct meta *m;
  int idx;
  int failures;
  int first_err;
};

static void note(struct work_arg *w, int rc)
{
  if (rc && !w->failures++)
    w->first_err = rc;
}

static void *worker(void *arg)
{
  struct work_arg *w = arg;
  struct pool *p = pool_new();
  char name[32], blob[DIGEST_MAX], shared_blob[DIGEST_MAX], man[DIGEST_MAX];
  mkdigest(shared_blob, 11, 0);
  for (int i = 0; i < NITER && p; i++) {
    int64_t shared = 0, own = 0;
    snprintf(name, sizeof(name), "own/%d", w->idx);
    note(w, meta_repo_ensure(w->m, &shared, NULL, "shared"));
    note(w, meta_repo_ensure(w->m, &own, NULL, name));
    mkdigest(blob, 12 + (unsigned)w->idx, (unsigned)i);
    note(w, meta_blob_add(w->m, shared, shared_blob, 10));
    note(w, meta_blob_add(w->m, shared, blob, 20));
    note(w, meta_blob_add(w->m, own, blob, 20));
    note(w, meta_blob_link(w->m, own, shared_blob));
    struct meta_ref refs[] = { { shared_blob, 0 }, { blob, 0 } };
    mkdigest(man, 20 + (unsigned)w->idx, (unsigned)i);
    struct meta_manifest_put mp = { .repo_id = shared, .digest = man, .media_type = "x/y",
                                    .body = "{}", .body_len = 2, .refs = refs, .nrefs = 2,
                                    .tag = "latest" }; /* every thread moves the same tag */
    note(w, meta_manifest_put(w->m, &mp, NULL));
    mp.repo_id = own;
    mp.tag = name;
    note(w, meta_manifest_put(w->m, &mp, NULL));
    struct meta_manifest g;
    char *d;
    note(w, meta_manifest_get(w->m, p, &g, shared, man));
    note(w, meta_tag_resolve(w->m, p, &d, shared, "latest"));
  }
  if (!p)
    note(w, ERR_NOMEM);
  pool_free(p);
  return NULL;
}

static void run_workers(struct meta *const *ms)
{
  pthread_t th[NTHREADS];
  struct work_arg w[NTHREADS];
  for (int i = 0; i < NTHREADS; i++) {
    w[i] = (struct work_arg){ .m = ms[i], .idx = i };
    assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
  }
  for (int i = 0; i < NTHREADS; i++) {
    pthread_join(th[i], NULL);
    if (w[i].failures)
      fprintf(stderr, "thread %d: %d failures, first %s\n", i, w[i].failures,
              err_str(w[i].first_err));
    assert_int_equal(w[i].failures, 0);
  }
}

static void test_threads_share_instance(void **state)
{
  struct fx *f = *state;
  struct meta *ms[NTHREADS] = { f->m, f->m, f->m, f->m };
  run_workers(ms);
  int64_t shared;
  char **names;
  size_t n;
  int more;
  assert_int_equal(meta_repo_lookup(f->m, &shared, "shared"), 0);
  assert_int_equal(meta_repo_list(f->m, f->p, &names, &n, &more, NULL, 100), 0);
  assert_int_equal(n, NTHREADS + 1);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM manifest"), 2 * NTHREADS * NITER);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM tag"), NTHREADS + 1);
}

/* Separate instances stand in for separate processes on one file. */
static void test_instances_share_file(void **state)
{
  struct fx *f = *state;
  struct meta *ms[NTHREADS] = { f->m, NULL, NULL, NULL };
  for (int i = 1; i < NTHREADS; i++)
    assert_int_equal(meta_open(&ms[i], f->url), 0);
  run_workers(ms);
  for (int i = 1; i < NTHREADS; i++)
    meta_close(ms[i]);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM manifest"), 2 * NTHREADS * NITER);
}

int main(void)
{
  log_min_level = LOG_ERROR;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_concurrent_open_fresh_db, setup, teardown),
    cmocka_unit_test_setup_teardown(test_threads_share_instance, setup, teardown),
    cmocka_unit_test_setup_teardown(test_instances_share_file, setup, teardown),
    cmocka_unit_test_setup_teardown(test_locked_database, setup, teardown),
  };
  return fx_run_both("meta_conc", tests, sizeof(tests) / sizeof(tests[0]));
}
