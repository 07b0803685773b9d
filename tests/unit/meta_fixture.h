/* Fixture shared by the metadata store tests (test_meta_*.c, test_ident_*.c,
 * test_team_*.c, ...): a fresh database opened through meta.h, on SQLite (a
 * file in a mkdtemp() directory) or on PostgreSQL (a fresh schema of the
 * database $WHARF_TEST_PG, which tests/pg.sh provides), plus raw access for
 * checks the interface hides. fx_run_both() runs a test group on each.
 * Include after cmocka.h. */
#ifndef WHARF_TEST_META_FIXTURE_H
#define WHARF_TEST_META_FIXTURE_H

#include <ftw.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef WHARF_WITH_POSTGRES
#include <libpq-fe.h>
#endif

#include "store/meta.h"
#include "util/digest.h"
#include "util/pool.h"

#define FX_MAX_SCHEMAS 4

struct fx {
  char dir[64];
  char path[128]; /* SQLite: database file */
  char url[512];
  struct meta *m;
  struct pool *p;
  int pg;         /* 1: the database is PostgreSQL */
  char schemas[FX_MAX_SCHEMAS][40]; /* PostgreSQL: schemas to drop at teardown */
  int nschemas;
};

/* The engine setup() opens: set by fx_run_both() around each group. */
static int fx_pg;

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

/* --- PostgreSQL ---------------------------------------------------------------- */

#ifdef WHARF_WITH_POSTGRES
static inline void pg_quiet(void *arg, const char *msg)
{
  (void)arg, (void)msg; /* NOTICEs of DROP SCHEMA ... CASCADE */
}

/* A raw connection to $WHARF_TEST_PG with search_path set to schema (NULL:
 * the default). */
static inline PGconn *pg_raw(const char *schema)
{
  PGconn *pg = PQconnectdb(getenv("WHARF_TEST_PG"));
  if (PQstatus(pg) != CONNECTION_OK)
    fail_msg("connect to $WHARF_TEST_PG: %s", PQerrorMessage(pg));
  PQsetNoticeProcessor(pg, pg_quiet, NULL);
  if (schema) {
    char sql[96];
    snprintf(sql, sizeof(sql), "SET search_path = %s", schema);
    PGresult *r = PQexec(pg, sql);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
  }
  return pg;
}

static inline void pg_raw_exec(PGconn *pg, const char *sql)
{
  PGresult *r = PQexec(pg, sql);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    fail_msg("%s: %s", sql, PQresultErrorMessage(r));
  PQclear(r);
}
#endif

/* Creates a fresh PostgreSQL schema and writes a URL opening it to url. */
static inline void fx_pg_schema(struct fx *f, char *url, size_t len)
{
#ifdef WHARF_WITH_POSTGRES
  static unsigned seq;
  assert_true(f->nschemas < FX_MAX_SCHEMAS);
  char *name = f->schemas[f->nschemas++];
  snprintf(name, sizeof(f->schemas[0]), "t%d_%u_%u", (int)getpid(), seq++,
           (unsigned)(time(NULL) % 100000));
  PGconn *pg = pg_raw(NULL);
  char sql[96];
  snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", name);
  pg_raw_exec(pg, sql);
  PQfinish(pg);
  const char *base = getenv("WHARF_TEST_PG");
  /* libpq's options= sets search_path for every connection wharf opens */
  int n = snprintf(url, len, "%s%soptions=-csearch_path%%3D%s", base,
                   strchr(base, '?') ? "&" : "?", name);
  assert_true(n > 0 && (size_t)n < len);
#else
  (void)f, (void)url, (void)len;
  fail_msg("built without PostgreSQL");
#endif
}

/* --- setup / teardown ------------------------------------------------------------ */

static inline int setup(void **state)
{
  struct fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  snprintf(f->dir, sizeof(f->dir), "/tmp/wharf-meta-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  /* two missing directory levels: open must create them */
  snprintf(f->path, sizeof(f->path), "%s/a/b/meta.db", f->dir);
  f->pg = fx_pg;
  if (f->pg)
    fx_pg_schema(f, f->url, sizeof(f->url));
  else
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
#ifdef WHARF_WITH_POSTGRES
  if (f->nschemas) {
    PGconn *pg = pg_raw(NULL);
    for (int i = 0; i < f->nschemas; i++) {
      char sql[96];
      snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", f->schemas[i]);
      pg_raw_exec(pg, sql);
    }
    PQfinish(pg);
  }
#endif
  free(f);
  return 0;
}

/* A URL of another fresh, empty database on the fixture's engine. */
static inline void fx_fresh_url(struct fx *f, char *url, size_t len)
{
  if (f->pg)
    fx_pg_schema(f, url, len);
  else
    snprintf(url, len, "sqlite://%s/fresh/db.sqlite", f->dir);
}

/* Skips the calling test on PostgreSQL (it checks something of SQLite's). */
static inline void fx_sqlite_only(struct fx *f)
{
  if (f->pg)
    skip();
}

static const char *fx_skip_reason;

static inline void fx_skip_test(void **state)
{
  (void)state;
  print_message("%s\n", fx_skip_reason);
  skip();
}

/* Runs tests (n of them) on SQLite, then on PostgreSQL when $WHARF_TEST_PG
 * is set; otherwise each PostgreSQL run is reported skipped, with why.
 * Returns the number of failures, like cmocka_run_group_tests(). */
static inline int fx_run_both(const char *name, const struct CMUnitTest *tests, size_t n)
{
  char gname[128];
  snprintf(gname, sizeof(gname), "%s_sqlite", name);
  fx_pg = 0;
  int failed = _cmocka_run_group_tests(gname, tests, n, NULL, NULL);
  snprintf(gname, sizeof(gname), "%s_postgres", name);
  fx_pg = 1;
  const char *url = getenv("WHARF_TEST_PG");
#ifdef WHARF_WITH_POSTGRES
  fx_skip_reason = url && *url ? NULL : "postgres: skipped, WHARF_TEST_PG is not set "
                                        "(scripts/test.sh starts a server and sets it)";
#else
  (void)url;
  fx_skip_reason = "postgres: skipped, wharf was built without libpq (WHARF_WITH_POSTGRES)";
#endif
  if (!fx_skip_reason)
    return failed + _cmocka_run_group_tests(gname, tests, n, NULL, NULL);
  struct CMUnitTest *skipped = calloc(n, sizeof(*skipped));
  assert_non_null(skipped);
  for (size_t i = 0; i < n; i++)
    skipped[i] = (struct CMUnitTest){ .name = tests[i].name, .test_func = fx_skip_test };
  failed += _cmocka_run_group_tests(gname, skipped, n, NULL, NULL);
  free(skipped);
  return failed;
}

/* --- raw access ------------------------------------------------------------------ */

/* Raw connection to the fixture's SQLite file, for checks the interface hides. */
static inline sqlite3 *raw_open(struct fx *f)
{
  sqlite3 *db = NULL;
  assert_false(f->pg);
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

/* Runs sql on a raw connection to the fixture's database (SQLite: foreign
 * keys off, as SQLite defaults). */
static inline void raw_exec(struct fx *f, const char *sql)
{
#ifdef WHARF_WITH_POSTGRES
  if (f->pg) {
    PGconn *pg = pg_raw(f->schemas[0]);
    pg_raw_exec(pg, sql);
    PQfinish(pg);
    return;
  }
#endif
  sqlite3 *db = raw_open(f);
  char *msg = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK)
    fprintf(stderr, "%s: %s\n", sql, msg);
  sqlite3_free(msg);
  sqlite3_close(db);
  assert_int_equal(rc, SQLITE_OK);
}

/* First column of the first row of sql, read on a raw connection. */
static inline int64_t count(struct fx *f, const char *sql)
{
#ifdef WHARF_WITH_POSTGRES
  if (f->pg) {
    PGconn *pg = pg_raw(f->schemas[0]);
    PGresult *r = PQexec(pg, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
      fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    int64_t v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    PQfinish(pg);
    return v;
  }
#endif
  sqlite3 *db = raw_open(f);
  int64_t v = raw_int(db, sql);
  sqlite3_close(db);
  return v;
}

/* How many of the tables named in `names` ("'a', 'b'") exist. */
static inline int64_t count_tables(struct fx *f, const char *names)
{
  char sql[512];
  if (f->pg)
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM information_schema.tables WHERE "
             "table_schema = current_schema() AND table_type = 'BASE TABLE' AND "
             "table_name IN (%s)", names);
  else
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
             "AND name IN (%s)", names);
  return count(f, sql);
}

static inline int64_t repo(struct fx *f, const char *name)
{
  int64_t id = 0;
  assert_int_equal(meta_repo_ensure(f->m, &id, NULL, name), 0);
  return id;
}

#endif
