/* Fixture shared by the SQLite metadata tests (test_meta_sqlite*.c): a
 * fresh database in a mkdtemp() directory, opened through meta.h, plus a
 * raw sqlite3 handle for checks the interface hides. Include after cmocka.h. */
#ifndef WHARF_TEST_META_FIXTURE_H
#define WHARF_TEST_META_FIXTURE_H

#include <ftw.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "store/meta.h"
#include "util/digest.h"
#include "util/pool.h"

struct fx {
  char dir[64];
  char path[128]; /* database file */
  char url[160];
  struct meta *m;
  struct pool *p;
};

/* A syntactically valid sha256 digest numbered n (tag distinguishes sets). */
static inline void mkdigest(char out[DIGEST_MAX], unsigned tag, unsigned n)
{
  snprintf(out, DIGEST_MAX, "sha256:%056x%08x", tag, n);
}

static inline int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

static inline int setup(void **state)
{
  struct fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  snprintf(f->dir, sizeof(f->dir), "/tmp/wharf-meta-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  /* two missing directory levels: open must create them */
  snprintf(f->path, sizeof(f->path), "%s/a/b/meta.db", f->dir);
  snprintf(f->url, sizeof(f->url), "sqlite://%s", f->path);
  assert_int_equal(meta_open(&f->m, f->url), 0);
  f->p = pool_new();
  assert_non_null(f->p);
  *state = f;
  return 0;
}

static inline int teardown(void **state)
{
  struct fx *f = *state;
  meta_close(f->m);
  pool_free(f->p);
  nftw(f->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
  free(f);
  return 0;
}

/* Raw connection to the fixture's file, for checks the interface hides. */
static inline sqlite3 *raw_open(struct fx *f)
{
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  return db;
}

static inline int64_t raw_int(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static inline int64_t repo(struct fx *f, const char *name)
{
  int64_t id = 0;
  assert_int_equal(meta_repo_ensure(f->m, &id, name), 0);
  return id;
}

#endif
