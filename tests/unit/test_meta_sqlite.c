/* Tests for the SQL store through the meta.h interface, on SQLite and on
 * PostgreSQL: every operation's success and error paths, migrations across
 * re-opens, pagination, delete conflicts. Concurrency and locking:
 * test_meta_sqlite_conc.c; PostgreSQL's own: test_meta_postgres.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/meta.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

#include "meta_fixture.h"

/* Puts a manifest with the given refs; returns the meta code. */
static int put(struct fx *f, int64_t rid, const char *digest, const char *tag,
               const struct meta_ref *refs, size_t nrefs, char *missing)
{
  static const char body[] = "{\"schemaVersion\":2}";
  struct meta_manifest_put mp = {
    .repo_id = rid, .digest = digest,
    .media_type = "application/vnd.oci.image.manifest.v1+json",
    .body = body, .body_len = sizeof(body) - 1, .refs = refs, .nrefs = nrefs, .tag = tag,
  };
  return meta_manifest_put(f->m, &mp, missing);
}

/* --- open, URL forms, migrations ------------------------------------------ */

static void test_open_creates_parent_dirs(void **state)
{
  struct fx *f = *state;
  fx_sqlite_only(f);
  char dir[160];
  struct stat sb;
  snprintf(dir, sizeof(dir), "%s/a", f->dir);
  assert_int_equal(stat(dir, &sb), 0);
  assert_true(S_ISDIR(sb.st_mode));
  assert_int_equal(sb.st_mode & 0777, 0700);
  assert_int_equal(stat(f->path, &sb), 0);
  assert_true(S_ISREG(sb.st_mode));
}

static void test_open_rejects_bad_urls(void **state)
{
  struct fx *f = *state;
  fx_sqlite_only(f);
  struct meta *m = (struct meta *)0x1;
  char url[200];
  assert_int_equal(meta_open(&m, "sqlite://"), ERR_INVALID);
  assert_int_equal(meta_open(&m, "sqlite:///"), ERR_INVALID);
  assert_int_equal(meta_open(&m, "sqlite:///tmp/dir/"), ERR_INVALID);
  assert_int_equal(meta_open(&m, "sqlite:"), ERR_INVALID);
  assert_int_equal(meta_open(&m, "sqlite://:memory:"), ERR_UNSUPPORTED);
  assert_int_equal(meta_open(&m, "mysql://localhost/db"), ERR_UNSUPPORTED);
  /* a parent that is a regular file cannot become a directory */
  snprintf(url, sizeof(url), "sqlite://%s/file/x.db", f->dir);
  char file[160];
  snprintf(file, sizeof(file), "%s/file", f->dir);
  FILE *fp = fopen(file, "w");
  assert_non_null(fp);
  fclose(fp);
  assert_int_equal(meta_open(&m, url), ERR_IO);
  /* the database path is a directory */
  snprintf(url, sizeof(url), "sqlite://%s/a", f->dir);
  assert_int_equal(meta_open(&m, url), ERR_IO);
  assert_ptr_equal(m, (struct meta *)0x1); /* out untouched on failure */
}

static void test_open_relative_paths(void **state)
{
  struct fx *f = *state;
  fx_sqlite_only(f);
  char cwd[4096], p1[200], p2[200];
  struct meta *m = NULL;
  struct stat sb;
  int64_t id;
  assert_non_null(getcwd(cwd, sizeof(cwd)));
  assert_int_equal(chdir(f->dir), 0);
  assert_int_equal(meta_open(&m, "sqlite://./rel/one.db"), 0);
  /* the path was made absolute at open: a chdir does not move it */
  assert_int_equal(chdir("/"), 0);
  assert_int_equal(meta_repo_ensure(m, &id, NULL, "x"), 0);
  meta_close(m);
  assert_int_equal(chdir(f->dir), 0);
  assert_int_equal(meta_open(&m, "sqlite://two.db"), 0);
  meta_close(m);
  assert_int_equal(chdir(cwd), 0);
  snprintf(p1, sizeof(p1), "%s/rel/one.db", f->dir);
  snprintf(p2, sizeof(p2), "%s/two.db", f->dir);
  assert_int_equal(stat(p1, &sb), 0);
  assert_int_equal(stat(p2, &sb), 0);
}

static void test_schema_and_pragmas(void **state)
{
  struct fx *f = *state;
  int v = 0, v2 = 0;
  assert_int_equal(meta_schema_version(f->m, &v), 0);
  assert_true(v >= 1);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM schema_migrations"), v);
  if (!f->pg) {
    sqlite3 *db = raw_open(f);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  /* re-open twice: no migration applied again */
  for (int i = 0; i < 2; i++) {
    meta_close(f->m);
    assert_int_equal(meta_open(&f->m, f->url), 0);
    assert_int_equal(meta_schema_version(f->m, &v2), 0);
    assert_int_equal(v2, v);
  }
  assert_int_equal(count(f, "SELECT COUNT(*) FROM schema_migrations"), v);
  assert_int_equal(count(f, "SELECT COUNT(DISTINCT version) FROM schema_migrations"), v);
  /* a database migrated by a newer wharf is refused, not half-understood */
  raw_exec(f, "INSERT INTO schema_migrations VALUES (9999, 0)");
  struct meta *m2 = NULL;
  assert_int_equal(meta_open(&m2, f->url), ERR_UNSUPPORTED);
  assert_null(m2);
}

/* --- repositories ------------------------------------------------------------ */

static void test_repo_ensure_lookup(void **state)
{
  struct fx *f = *state;
  int64_t a = 0, b = 0, c = 0, x = 42;
  int created = -1;
  assert_int_equal(meta_repo_ensure(f->m, &a, &created, "library/alpine"), 0);
  assert_int_equal(created, 1);
  assert_int_equal(meta_repo_ensure(f->m, &b, &created, "library/alpine"), 0);
  assert_int_equal(created, 0);
  assert_int_equal(a, b);
  assert_int_equal(meta_repo_ensure(f->m, &c, NULL, "library/busybox"), 0);
  assert_int_not_equal(a, c);
  assert_int_equal(meta_repo_lookup(f->m, &x, "library/alpine"), 0);
  assert_int_equal(x, a);
  x = 42;
  assert_int_equal(meta_repo_lookup(f->m, &x, "nope"), ERR_NOTFOUND);
  assert_int_equal(x, 42);
  assert_int_equal(meta_repo_ensure(f->m, &x, NULL, ""), ERR_INVALID);
  assert_int_equal(meta_repo_lookup(f->m, &x, ""), ERR_INVALID);
  assert_int_equal(x, 42);
}

static void check_names(char **names, size_t n, const char *const *want, size_t nwant)
{
  assert_int_equal(n, nwant);
  for (size_t i = 0; i < n; i++)
    assert_string_equal(names[i], want[i]);
  assert_null(names[n]);
}

static void test_repo_list_pagination(void **state)
{
  struct fx *f = *state;
  /* inserted out of order; bytewise order is "B" < "a" < "a-b" < "a/b" < "a0" < "b" */
  static const char *const ins[] = { "b", "a/b", "a", "B", "a0", "a-b" };
  static const char *const sorted[] = { "B", "a", "a-b", "a/b", "a0", "b" };
  for (size_t i = 0; i < 6; i++)
    repo(f, ins[i]);
  char **names = NULL;
  size_t n = 99;
  int more = -1;
  assert_int_equal(meta_repo_list(f->m, f->p, &names, &n, &more, NULL, 100), 0);
  check_names(names, n, sorted, 6);
  assert_int_equal(more, 0);
  assert_int_equal(meta_repo_list(f->m, f->p, &names, &n, &more, NULL, 2), 0);
  check_names(names, n, sorted, 2);
  assert_int_equal(more, 1);
  assert_int_equal(meta_repo_list(f->m, f->p, &names, &n, &more, names[1], 2), 0);
  check_names(names, n, sorted + 2, 2);
  assert_int_equal(more, 1);
  assert_int_equal(meta_repo_list(f->m, f->p, &names, &n, &more, names[1], 2), 0);
  check_names(names, n, sorted + 4, 2);
  assert_int_equal(more, 0); /* exactly limit rows left: no more */
  /* `last` need not exist and is exclusive */
  assert_int_equal(meta_repo_list(f->m, f->p, &names, &n, &more, "a.", 10), 0);
  check_names(names, n, sorted + 3, 3);
  assert_int_equal(meta_repo_list(f->m, f->p, &names, &n, &more, "zzz", 10), 0);
  check_names(names, n, NULL, 0);
  assert_int_equal(more, 0);
  /* limit 0: no rows, but says whether any exist */
  assert_int_equal(meta_repo_list(f->m, f->p, &names, &n, &more, NULL, 0), 0);
  assert_int_equal(n, 0);
  assert_int_equal(more, 1);
  assert_int_equal(meta_repo_list(f->m, f->p, &names, &n, &more, "b", 0), 0);
  assert_int_equal(n, 0);
  assert_int_equal(more, 0);
  /* huge limit does not overflow */
  assert_int_equal(meta_repo_list(f->m, f->p, &names, &n, &more, NULL, SIZE_MAX), 0);
  assert_int_equal(n, 6);
}

/* --- blobs ------------------------------------------------------------------- */

/* A finished push: the blob row, the link and the end of the session are
 * one transaction; a refused add (unknown repository) keeps the session. */
static void test_blob_add_upload(void **state)
{
  struct fx *f = *state;
  int64_t a = repo(f, "a"), size = -1;
  const char *uuid = "22222222-d9cb-469f-a165-70867728950e";
  char d[DIGEST_MAX];
  struct meta_upload u;
  mkdigest(d, 1, 7);
  assert_int_equal(meta_upload_create(f->m, a, uuid), 0);
  assert_int_equal(meta_blob_add_upload(f->m, 9999, d, 5, uuid), ERR_NOTFOUND);
  assert_int_equal(meta_upload_get(f->m, &u, uuid), 0); /* rolled back with the add */
  assert_int_equal(meta_blob_add_upload(f->m, a, d, 5, uuid), 0);
  assert_int_equal(meta_upload_get(f->m, &u, uuid), ERR_NOTFOUND);
  assert_int_equal(meta_blob_linked(f->m, &size, a, d), 0);
  assert_int_equal(size, 5);
  /* a session already gone (expired, cancelled) does not fail the add */
  assert_int_equal(meta_blob_add_upload(f->m, a, d, 5, uuid), 0);
  assert_int_equal(meta_blob_add_upload(f->m, a, d, 5, NULL), ERR_INVALID);
}

static void test_blob_add_link_stat(void **state)
{
  struct fx *f = *state;
  int64_t a = repo(f, "a"), b = repo(f, "b"), size = -1;
  char d1[DIGEST_MAX], d2[DIGEST_MAX];
  mkdigest(d1, 1, 1);
  mkdigest(d2, 1, 2);
  assert_int_equal(meta_blob_add(f->m, a, d1, 1234), 0);
  assert_int_equal(meta_blob_add(f->m, a, d1, 1234), 0); /* idempotent */
  assert_int_equal(meta_blob_linked(f->m, &size, a, d1), 0);
  assert_int_equal(size, 1234);
  size = -1;
  assert_int_equal(meta_blob_stat(f->m, &size, d1), 0);
  assert_int_equal(size, 1234);
  /* stored but not linked to b: b cannot see it */
  size = -1;
  assert_int_equal(meta_blob_linked(f->m, &size, b, d1), ERR_NOTFOUND);
  assert_int_equal(size, -1);
  assert_int_equal(meta_blob_stat(f->m, &size, d2), ERR_NOTFOUND);
  /* mount */
  assert_int_equal(meta_blob_link(f->m, b, d1), 0);
  assert_int_equal(meta_blob_link(f->m, b, d1), 0);
  assert_int_equal(meta_blob_linked(f->m, &size, b, d1), 0);
  assert_int_equal(size, 1234);
  assert_int_equal(meta_blob_link(f->m, b, d2), ERR_NOTFOUND);
  assert_int_equal(meta_blob_link(f->m, 9999, d1), ERR_NOTFOUND);
  /* unknown repository: nothing stored, not even the blob row */
  assert_int_equal(meta_blob_add(f->m, 9999, d2, 5), ERR_NOTFOUND);
  assert_int_equal(meta_blob_stat(f->m, &size, d2), ERR_NOTFOUND);
  assert_int_equal(meta_blob_add(f->m, a, d2, -1), ERR_INVALID);
  /* unlink */
  assert_int_equal(meta_blob_unlink(f->m, b, d1), 0);
  assert_int_equal(meta_blob_linked(f->m, &size, b, d1), ERR_NOTFOUND);
  assert_int_equal(meta_blob_unlink(f->m, b, d1), ERR_NOTFOUND);
  assert_int_equal(meta_blob_linked(f->m, &size, a, d1), 0); /* a keeps it */
  assert_int_equal(meta_blob_stat(f->m, &size, d1), 0);      /* the row stays for GC */
}

static void test_blob_unlink_conflict(void **state)
{
  struct fx *f = *state;
  int64_t a = repo(f, "a"), b = repo(f, "b"), size;
  char cfg[DIGEST_MAX], layer[DIGEST_MAX], man[DIGEST_MAX];
  mkdigest(cfg, 2, 1);
  mkdigest(layer, 2, 2);
  mkdigest(man, 2, 3);
  assert_int_equal(meta_blob_add(f->m, a, cfg, 10), 0);
  assert_int_equal(meta_blob_add(f->m, a, layer, 20), 0);
  assert_int_equal(meta_blob_link(f->m, b, layer), 0);
  struct meta_ref refs[] = { { cfg, 0 }, { layer, 0 } };
  assert_int_equal(put(f, a, man, "v1", refs, 2, NULL), 0);
  assert_int_equal(meta_blob_unlink(f->m, a, layer), ERR_CONFLICT);
  assert_int_equal(meta_blob_linked(f->m, &size, a, layer), 0);
  /* b has no manifest using it */
  assert_int_equal(meta_blob_unlink(f->m, b, layer), 0);
  assert_int_equal(meta_manifest_delete(f->m, a, man), 0);
  assert_int_equal(meta_blob_unlink(f->m, a, layer), 0);
  assert_int_equal(meta_blob_unlink(f->m, a, cfg), 0);
}

/* --- uploads ------------------------------------------------------------------ */

static void test_upload_lifecycle(void **state)
{
  struct fx *f = *state;
  int64_t a = repo(f, "a");
  const char *uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
  struct meta_upload u, untouched;
  memset(&untouched, 0x5a, sizeof(untouched));
  int64_t before = time_now();
  assert_int_equal(meta_upload_create(f->m, a, uuid), 0);
  assert_int_equal(meta_upload_create(f->m, a, uuid), ERR_EXISTS);
  assert_int_equal(meta_upload_create(f->m, 9999, "11111111-d9cb-469f-a165-70867728950e"),
                   ERR_NOTFOUND);
  assert_int_equal(meta_upload_create(f->m, a, ""), ERR_INVALID);
  assert_int_equal(meta_upload_create(f->m, a, "0f8fad5b-d9cb-469f-a165-70867728950e-too-long"),
                   ERR_INVALID);
  assert_int_equal(meta_upload_get(f->m, &u, uuid), 0);
  assert_string_equal(u.uuid, uuid);
  assert_int_equal(u.repo_id, a);
  assert_int_equal(u.offset, 0);
  assert_true(u.created_at >= before && u.created_at <= time_now());
  assert_int_equal(u.updated_at, u.created_at);
  /* CAS */
  assert_int_equal(meta_upload_set_offset(f->m, uuid, 0, 100), 0);
  assert_int_equal(meta_upload_set_offset(f->m, uuid, 0, 200), ERR_CONFLICT);
  assert_int_equal(meta_upload_get(f->m, &u, uuid), 0);
  assert_int_equal(u.offset, 100);
  assert_int_equal(meta_upload_set_offset(f->m, uuid, 100, 250), 0);
  assert_int_equal(meta_upload_set_offset(f->m, uuid, 100, 250), ERR_CONFLICT);
  assert_int_equal(meta_upload_get(f->m, &u, uuid), 0);
  assert_int_equal(u.offset, 250);
  assert_int_equal(meta_upload_set_offset(f->m, "no-such", 0, 1), ERR_NOTFOUND);
  assert_int_equal(meta_upload_set_offset(f->m, uuid, 250, -1), ERR_INVALID);
  /* delete */
  assert_int_equal(meta_upload_delete(f->m, uuid), 0);
  assert_int_equal(meta_upload_delete(f->m, uuid), ERR_NOTFOUND);
  u = untouched;
  assert_int_equal(meta_upload_get(f->m, &u, uuid), ERR_NOTFOUND);
  assert_memory_equal(&u, &untouched, sizeof(u));
  assert_int_equal(meta_upload_set_offset(f->m, uuid, 250, 300), ERR_NOTFOUND);
}

/* --- manifests and tags ---------------------------------------------------------- */

static void test_manifest_put_get(void **state)
{
  struct fx *f = *state;
  int64_t a = repo(f, "a");
  char cfg[DIGEST_MAX], man[DIGEST_MAX], subj[DIGEST_MAX], empty[DIGEST_MAX];
  mkdigest(cfg, 3, 1);
  mkdigest(man, 3, 2);
  mkdigest(subj, 3, 3);
  mkdigest(empty, 3, 4);
  assert_int_equal(meta_blob_add(f->m, a, cfg, 7), 0);
  static const char body[] = "{\"schemaVersion\":2,\"x\":\"\\u0000\"}";
  struct meta_ref refs[] = { { cfg, 0 }, { cfg, 0 } }; /* duplicate refs are fine */
  struct meta_manifest_put mp = {
    .repo_id = a, .digest = man, .media_type = "application/vnd.oci.image.manifest.v1+json",
    .artifact_type = "application/vnd.example.sbom", .subject = subj,
    .annotations_json = "{\"k\":\"v\"}", .body = body, .body_len = sizeof(body), /* with NUL */
    .refs = refs, .nrefs = 2, .tag = "latest",
  };
  int64_t before = time_now();
  assert_int_equal(meta_manifest_put(f->m, &mp, NULL), 0);
  struct meta_manifest g;
  assert_int_equal(meta_manifest_get(f->m, f->p, &g, a, man), 0);
  assert_string_equal(g.digest, man);
  assert_string_equal(g.media_type, mp.media_type);
  assert_string_equal(g.artifact_type, mp.artifact_type);
  assert_string_equal(g.subject, subj);
  assert_string_equal(g.annotations_json, "{\"k\":\"v\"}");
  assert_int_equal(g.body_len, sizeof(body));
  assert_memory_equal(g.body, body, sizeof(body));
  assert_true(g.created_at >= before);
  char *d = NULL;
  assert_int_equal(meta_tag_resolve(f->m, f->p, &d, a, "latest"), 0);
  assert_string_equal(d, man);
  /* same digest again: no-op for the row, but a new tag points at it */
  mp.tag = "stable";
  assert_int_equal(meta_manifest_put(f->m, &mp, NULL), 0);
  assert_int_equal(meta_tag_resolve(f->m, f->p, &d, a, "stable"), 0);
  assert_string_equal(d, man);
  /* pushed by digest, no optional fields, empty body */
  struct meta_manifest_put e = { .repo_id = a, .digest = empty, .media_type = "x/y",
                                 .body = NULL, .body_len = 0 };
  assert_int_equal(meta_manifest_put(f->m, &e, NULL), 0);
  assert_int_equal(meta_manifest_get(f->m, f->p, &g, a, empty), 0);
  assert_null(g.artifact_type);
  assert_null(g.subject);
  assert_null(g.annotations_json);
  assert_int_equal(g.body_len, 0);
  assert_non_null(g.body);
  /* not found: another repository, unknown digest */
  int64_t b = repo(f, "b");
  memset(&g, 0x5a, sizeof(g));
  struct meta_manifest untouched = g;
  assert_int_equal(meta_manifest_get(f->m, f->p, &g, b, man), ERR_NOTFOUND);
  assert_int_equal(meta_manifest_get(f->m, f->p, &g, a, cfg), ERR_NOTFOUND);
  assert_memory_equal(&g, &untouched, sizeof(g));
  /* invalid input */
  e.media_type = NULL;
  assert_int_equal(meta_manifest_put(f->m, &e, NULL), ERR_INVALID);
  e.media_type = "x/y";
  e.body_len = 3;
  assert_int_equal(meta_manifest_put(f->m, &e, NULL), ERR_INVALID);
}

static void test_manifest_put_missing_refs(void **state)
{
  struct fx *f = *state;
  int64_t a = repo(f, "a"), b = repo(f, "b");
  char cfg[DIGEST_MAX], layer[DIGEST_MAX], man[DIGEST_MAX], child[DIGEST_MAX];
  char missing[DIGEST_MAX];
  mkdigest(cfg, 4, 1);
  mkdigest(layer, 4, 2);
  mkdigest(man, 4, 3);
  mkdigest(child, 4, 4);
  assert_int_equal(meta_blob_add(f->m, a, cfg, 1), 0);
  assert_int_equal(meta_blob_add(f->m, b, layer, 2), 0); /* stored, but linked to b only */
  struct meta_ref refs[] = { { cfg, 0 }, { layer, 0 } };
  strcpy(missing, "untouched");
  assert_int_equal(put(f, a, man, "latest", refs, 2, missing), ERR_NOTFOUND);
  assert_string_equal(missing, layer);
  /* nothing was stored */
  struct meta_manifest g;
  char *d;
  assert_int_equal(meta_manifest_get(f->m, f->p, &g, a, man), ERR_NOTFOUND);
  assert_int_equal(meta_tag_resolve(f->m, f->p, &d, a, "latest"), ERR_NOTFOUND);
  assert_int_equal(put(f, a, man, "latest", refs, 2, NULL), ERR_NOTFOUND); /* NULL ok */
  /* once linked it goes through */
  assert_int_equal(meta_blob_link(f->m, a, layer), 0);
  assert_int_equal(put(f, a, man, "latest", refs, 2, missing), 0);
  /* index: a child manifest must be stored in the same repository */
  char idx[DIGEST_MAX];
  mkdigest(idx, 4, 5);
  struct meta_ref crefs[] = { { man, 1 }, { child, 1 } };
  assert_int_equal(put(f, a, idx, NULL, crefs, 2, missing), ERR_NOTFOUND);
  assert_string_equal(missing, child);
  /* a blob digest is not a manifest, nor the reverse */
  struct meta_ref wrong[] = { { cfg, 1 } };
  assert_int_equal(put(f, a, idx, NULL, wrong, 1, missing), ERR_NOTFOUND);
  assert_string_equal(missing, cfg);
  struct meta_ref wrong2[] = { { man, 0 } };
  assert_int_equal(put(f, a, idx, NULL, wrong2, 1, missing), ERR_NOTFOUND);
  assert_string_equal(missing, man);
  /* the child stored in b does not count for a */
  assert_int_equal(put(f, b, child, NULL, NULL, 0, NULL), 0);
  assert_int_equal(put(f, a, idx, NULL, crefs, 2, missing), ERR_NOTFOUND);
  assert_string_equal(missing, child);
  assert_int_equal(put(f, a, child, NULL, NULL, 0, NULL), 0);
  assert_int_equal(put(f, a, idx, "multi", crefs, 2, missing), 0);
  /* unknown repository: ERR_NOTFOUND, and no digest to blame */
  strcpy(missing, "untouched");
  assert_int_equal(put(f, 9999, child, NULL, NULL, 0, missing), ERR_NOTFOUND);
  assert_string_equal(missing, "");
}

static void test_tag_moves(void **state)
{
  struct fx *f = *state;
  int64_t a = repo(f, "a"), b = repo(f, "b");
  char m1[DIGEST_MAX], m2[DIGEST_MAX];
  char *d = NULL;
  mkdigest(m1, 5, 1);
  mkdigest(m2, 5, 2);
  assert_int_equal(put(f, a, m1, "latest", NULL, 0, NULL), 0);
  assert_int_equal(put(f, b, m1, "latest", NULL, 0, NULL), 0);
  assert_int_equal(put(f, a, m2, "latest", NULL, 0, NULL), 0);
  assert_int_equal(meta_tag_resolve(f->m, f->p, &d, a, "latest"), 0);
  assert_string_equal(d, m2);
  /* tags are per repository */
  assert_int_equal(meta_tag_resolve(f->m, f->p, &d, b, "latest"), 0);
  assert_string_equal(d, m1);
  /* the old manifest stays, untagged */
  struct meta_manifest g;
  assert_int_equal(meta_manifest_get(f->m, f->p, &g, a, m1), 0);
  /* and moving back works too */
  assert_int_equal(put(f, a, m1, "latest", NULL, 0, NULL), 0);
  assert_int_equal(meta_tag_resolve(f->m, f->p, &d, a, "latest"), 0);
  assert_string_equal(d, m1);
  /* delete */
  assert_int_equal(meta_tag_delete(f->m, a, "latest"), 0);
  d = (char *)"untouched";
  assert_int_equal(meta_tag_resolve(f->m, f->p, &d, a, "latest"), ERR_NOTFOUND);
  assert_string_equal(d, "untouched");
  assert_int_equal(meta_tag_delete(f->m, a, "latest"), ERR_NOTFOUND);
  assert_int_equal(meta_manifest_get(f->m, f->p, &g, a, m1), 0);
  assert_int_equal(meta_tag_resolve(f->m, f->p, &d, b, "latest"), 0);
  struct meta_manifest_put bad = { .repo_id = a, .digest = m1, .media_type = "x", .tag = "" };
  assert_int_equal(meta_manifest_put(f->m, &bad, NULL), ERR_INVALID);
}

static void test_tag_list_pagination(void **state)
{
  struct fx *f = *state;
  int64_t a = repo(f, "a"), b = repo(f, "b");
  char m1[DIGEST_MAX];
  mkdigest(m1, 6, 1);
  static const char *const ins[] = { "v2", "V1", "latest", "v10", "1.0", "v1" };
  static const char *const sorted[] = { "1.0", "V1", "latest", "v1", "v10", "v2" };
  for (size_t i = 0; i < 6; i++)
    assert_int_equal(put(f, a, m1, ins[i], NULL, 0, NULL), 0);
  assert_int_equal(put(f, b, m1, "other", NULL, 0, NULL), 0);
  char **names;
  size_t n;
  int more;
  assert_int_equal(meta_tag_list(f->m, f->p, &names, &n, &more, a, NULL, 50), 0);
  check_names(names, n, sorted, 6);
  assert_int_equal(more, 0);
  assert_int_equal(meta_tag_list(f->m, f->p, &names, &n, &more, a, NULL, 4), 0);
  check_names(names, n, sorted, 4);
  assert_int_equal(more, 1);
  assert_int_equal(meta_tag_list(f->m, f->p, &names, &n, &more, a, "v1", 4), 0);
  check_names(names, n, sorted + 4, 2);
  assert_int_equal(more, 0);
  assert_int_equal(meta_tag_list(f->m, f->p, &names, &n, &more, a, "v2", 4), 0);
  check_names(names, n, NULL, 0);
  assert_int_equal(more, 0);
  assert_int_equal(meta_tag_list(f->m, f->p, &names, &n, &more, a, NULL, 0), 0);
  assert_int_equal(n, 0);
  assert_int_equal(more, 1);
  /* empty and unknown repositories list nothing */
  int64_t c = repo(f, "c");
  assert_int_equal(meta_tag_list(f->m, f->p, &names, &n, &more, c, NULL, 0), 0);
  assert_int_equal(more, 0);
  assert_int_equal(meta_tag_list(f->m, f->p, &names, &n, &more, 9999, NULL, 10), 0);
  assert_int_equal(n, 0);
}

static void test_manifest_delete(void **state)
{
  struct fx *f = *state;
  int64_t a = repo(f, "a"), b = repo(f, "b");
  char child[DIGEST_MAX], idx[DIGEST_MAX];
  char *d;
  mkdigest(child, 7, 1);
  mkdigest(idx, 7, 2);
  assert_int_equal(put(f, a, child, "child", NULL, 0, NULL), 0);
  assert_int_equal(put(f, a, child, "child2", NULL, 0, NULL), 0);
  assert_int_equal(put(f, b, child, "child", NULL, 0, NULL), 0);
  struct meta_ref crefs[] = { { child, 1 } };
  assert_int_equal(put(f, a, idx, "multi", crefs, 1, NULL), 0);
  assert_int_equal(meta_manifest_delete(f->m, a, child), ERR_CONFLICT);
  assert_int_equal(meta_tag_resolve(f->m, f->p, &d, a, "child"), 0);
  /* b's copy is not listed by b's indexes */
  assert_int_equal(meta_manifest_delete(f->m, b, child), 0);
  assert_int_equal(meta_tag_resolve(f->m, f->p, &d, b, "child"), ERR_NOTFOUND);
  /* the index goes with its tag and refs, then the child is free */
  assert_int_equal(meta_manifest_delete(f->m, a, idx), 0);
  assert_int_equal(meta_tag_resolve(f->m, f->p, &d, a, "multi"), ERR_NOTFOUND);
  assert_int_equal(meta_manifest_delete(f->m, a, idx), ERR_NOTFOUND);
  assert_int_equal(meta_manifest_delete(f->m, a, child), 0);
  assert_int_equal(meta_tag_resolve(f->m, f->p, &d, a, "child"), ERR_NOTFOUND);
  assert_int_equal(meta_tag_resolve(f->m, f->p, &d, a, "child2"), ERR_NOTFOUND);
  char **names;
  size_t n;
  int more;
  assert_int_equal(meta_tag_list(f->m, f->p, &names, &n, &more, a, NULL, 10), 0);
  assert_int_equal(n, 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM manifest_ref"), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM manifest"), 0);
}

static void test_referrers(void **state)
{
  struct fx *f = *state;
  int64_t a = repo(f, "a"), b = repo(f, "b");
  char subj[DIGEST_MAX], r[4][DIGEST_MAX];
  mkdigest(subj, 8, 0);
  for (unsigned i = 0; i < 4; i++)
    mkdigest(r[i], 8, i + 1);
  static const char *types[] = { "application/x-sig", "application/x-sbom", "application/x-sig",
                                 NULL };
  for (int i = 0; i < 4; i++) {
    struct meta_manifest_put mp = {
      .repo_id = a, .digest = r[i], .media_type = "application/vnd.oci.image.manifest.v1+json",
      .artifact_type = types[i], .subject = subj, .body = "{}   ", .body_len = 2 + (size_t)i,
    };
    if (i == 3)
      mp.annotations_json = "{\"a\":\"b\"}";
    assert_int_equal(meta_manifest_put(f->m, &mp, NULL), 0);
  }
  /* same subject, other repository: not a referrer in a */
  struct meta_manifest_put other = { .repo_id = b, .digest = r[0], .media_type = "x",
                                     .artifact_type = "application/x-sig", .subject = subj };
  assert_int_equal(meta_manifest_put(f->m, &other, NULL), 0);
  struct meta_manifest *out = NULL;
  size_t n = 0;
  assert_int_equal(meta_referrers(f->m, f->p, &out, &n, a, subj, NULL), 0);
  assert_int_equal(n, 4);
  for (size_t i = 0; i < n; i++) {
    assert_string_equal(out[i].digest, r[i]);
    assert_string_equal(out[i].subject, subj);
    assert_null(out[i].body);
    assert_int_equal(out[i].body_len, 2 + i); /* the size, for the descriptor */
  }
  assert_null(out[3].artifact_type);
  assert_string_equal(out[3].annotations_json, "{\"a\":\"b\"}");
  assert_int_equal(meta_referrers(f->m, f->p, &out, &n, a, subj, "application/x-sig"), 0);
  assert_int_equal(n, 2);
  assert_string_equal(out[0].digest, r[0]);
  assert_string_equal(out[1].digest, r[2]);
  assert_int_equal(meta_referrers(f->m, f->p, &out, &n, a, subj, "application/x-sbom"), 0);
  assert_int_equal(n, 1);
  assert_string_equal(out[0].digest, r[1]);
  assert_int_equal(meta_referrers(f->m, f->p, &out, &n, a, subj, "nope/none"), 0);
  assert_int_equal(n, 0);
  assert_int_equal(meta_referrers(f->m, f->p, &out, &n, a, r[0], NULL), 0);
  assert_int_equal(n, 0);
  assert_int_equal(meta_referrers(f->m, f->p, &out, &n, b, subj, NULL), 0);
  assert_int_equal(n, 1);
}

static void test_repo_delete_cascades(void **state)
{
  struct fx *f = *state;
  int64_t a = repo(f, "a"), b = repo(f, "b");
  char blob[DIGEST_MAX], man[DIGEST_MAX];
  mkdigest(blob, 9, 1);
  mkdigest(man, 9, 2);
  assert_int_equal(meta_blob_add(f->m, a, blob, 3), 0);
  assert_int_equal(meta_blob_add(f->m, b, blob, 3), 0);
  struct meta_ref refs[] = { { blob, 0 } };
  assert_int_equal(put(f, a, man, "t", refs, 1, NULL), 0);
  assert_int_equal(meta_upload_create(f->m, a, "u1"), 0);
  char sql[128];
  snprintf(sql, sizeof(sql), "%sDELETE FROM repo WHERE id = %lld",
           f->pg ? "" : "PRAGMA foreign_keys=ON; ", (long long)a);
  raw_exec(f, sql);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM manifest"), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM manifest_ref"), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM tag"), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM upload"), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM repo_blob"), 1); /* b's link */
  assert_int_equal(count(f, "SELECT COUNT(*) FROM blob"), 1);
}

int main(void)
{
  log_min_level = LOG_ERROR;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_open_creates_parent_dirs, setup, teardown),
    cmocka_unit_test_setup_teardown(test_open_rejects_bad_urls, setup, teardown),
    cmocka_unit_test_setup_teardown(test_open_relative_paths, setup, teardown),
    cmocka_unit_test_setup_teardown(test_schema_and_pragmas, setup, teardown),
    cmocka_unit_test_setup_teardown(test_repo_ensure_lookup, setup, teardown),
    cmocka_unit_test_setup_teardown(test_blob_add_upload, setup, teardown),
    cmocka_unit_test_setup_teardown(test_repo_list_pagination, setup, teardown),
    cmocka_unit_test_setup_teardown(test_blob_add_link_stat, setup, teardown),
    cmocka_unit_test_setup_teardown(test_blob_unlink_conflict, setup, teardown),
    cmocka_unit_test_setup_teardown(test_upload_lifecycle, setup, teardown),
    cmocka_unit_test_setup_teardown(test_manifest_put_get, setup, teardown),
    cmocka_unit_test_setup_teardown(test_manifest_put_missing_refs, setup, teardown),
    cmocka_unit_test_setup_teardown(test_tag_moves, setup, teardown),
    cmocka_unit_test_setup_teardown(test_tag_list_pagination, setup, teardown),
    cmocka_unit_test_setup_teardown(test_manifest_delete, setup, teardown),
    cmocka_unit_test_setup_teardown(test_referrers, setup, teardown),
    cmocka_unit_test_setup_teardown(test_repo_delete_cascades, setup, teardown),
  };
  return fx_run_both("meta", tests, sizeof(tests) / sizeof(tests[0]));
}
