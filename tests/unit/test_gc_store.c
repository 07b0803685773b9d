/* Tests for the GC and fsck queries of the SQL store (store/gc_store.h), on
 * SQLite and on PostgreSQL ($WHARF_TEST_PG): candidates and their re-checks,
 * tombstones against meta_blob_add(), the untagged expiry counted from the
 * untagging (migration 10's triggers), fsck's reference issues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/gc_store.h"
#include "store/meta.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

#include "meta_fixture.h"

static int put(struct fx *f, int64_t rid, const char *digest, const char *tag,
               const struct meta_ref *refs, size_t nrefs)
{
  static const char body[] = "{\"schemaVersion\":2}";
  struct meta_manifest_put mp = {
    .repo_id = rid, .digest = digest,
    .media_type = "application/vnd.oci.image.manifest.v1+json",
    .body = body, .body_len = sizeof(body) - 1, .refs = refs, .nrefs = nrefs, .tag = tag,
  };
  return meta_manifest_put(f->m, &mp, NULL);
}

static size_t ncandidates(struct fx *f, int64_t before)
{
  struct meta_gc_blob *b = NULL;
  size_t n = 0;
  assert_int_equal(meta_gc_blob_candidates(f->m, f->p, &b, &n, before, NULL, 100), 0);
  return n;
}

static void test_gc_links_blobs_tombstones(void **state)
{
  struct fx *f = *state;
  char used[DIGEST_MAX], loose[DIGEST_MAX], man[DIGEST_MAX];
  int64_t a, n = -1, now = time_now(), past = now - 1000, future = now + 1000;
  mkdigest(used, 1, 1);
  mkdigest(loose, 1, 2);
  mkdigest(man, 1, 3);
  assert_int_equal(meta_repo_ensure(f->m, &a, NULL, "ns/a"), 0);
  assert_int_equal(meta_blob_add(f->m, a, used, 10), 0);
  assert_int_equal(meta_blob_add(f->m, a, loose, 20), 0);
  struct meta_ref r = { used, 0 };
  assert_int_equal(put(f, a, man, "v1", &r, 1), 0);

  /* young: nothing qualifies */
  assert_int_equal(meta_gc_links(f->m, &n, past, 1), 0);
  assert_int_equal(n, 0);
  assert_int_equal(ncandidates(f, past), 0);
  /* old: the loose link and blob qualify, the used ones never */
  assert_int_equal(meta_gc_links(f->m, &n, future, 1), 0);
  assert_int_equal(n, 1);
  struct meta_gc_blob *b = NULL;
  size_t nb = 0;
  assert_int_equal(meta_gc_blob_candidates(f->m, f->p, &b, &nb, future, NULL, 100), 0);
  assert_int_equal(nb, 1); /* only old links: a candidate already */
  assert_string_equal(b[0].digest, loose);
  assert_int_equal(b[0].size, 20);
  /* still linked: the drop re-checks and refuses */
  assert_int_equal(meta_gc_blob_drop(f->m, loose, future, now), ERR_CONFLICT);
  assert_int_equal(meta_gc_links(f->m, &n, future, 0), 0);
  assert_int_equal(n, 1);
  assert_int_equal(meta_blob_linked(f->m, NULL, a, loose), ERR_NOTFOUND);
  assert_int_equal(meta_blob_linked(f->m, NULL, a, used), 0);
  assert_int_equal(meta_gc_blob_drop(f->m, used, future, now), ERR_CONFLICT);
  assert_int_equal(meta_gc_blob_drop(f->m, loose, past, now), ERR_CONFLICT); /* too young */

  /* row -> tombstone: a push of the same digest fails until it is cleared */
  assert_int_equal(meta_gc_blob_drop(f->m, loose, future, now), 0);
  assert_int_equal(meta_blob_stat(f->m, NULL, loose), ERR_NOTFOUND);
  assert_int_equal(meta_blob_add(f->m, a, loose, 20), ERR_CONFLICT);
  char **t = NULL;
  size_t nt = 0;
  assert_int_equal(meta_gc_tombs(f->m, f->p, &t, &nt, future, 10), 0);
  assert_int_equal(nt, 1);
  assert_string_equal(t[0], loose);
  assert_int_equal(meta_gc_tombs(f->m, f->p, &t, &nt, past, 10), 0);
  assert_int_equal(nt, 0); /* a fresh tombstone is another GC's, in progress */
  assert_int_equal(meta_gc_tomb_clear(f->m, loose), 0);
  assert_int_equal(meta_blob_add(f->m, a, loose, 20), 0);
  /* a manifest PUT after GC took the link fails cleanly */
  assert_int_equal(meta_gc_links(f->m, &n, future, 0), 0);
  struct meta_ref r2 = { loose, 0 };
  char man2[DIGEST_MAX];
  mkdigest(man2, 1, 4);
  assert_int_equal(put(f, a, man2, "v2", &r2, 1), ERR_NOTFOUND);

  /* orphans: a tombstone only where no row is */
  assert_int_equal(meta_gc_orphan_mark(f->m, used, now), ERR_EXISTS);
  char stray[DIGEST_MAX];
  mkdigest(stray, 1, 9);
  assert_int_equal(meta_gc_orphan_mark(f->m, stray, now), 0);
  assert_int_equal(meta_blob_add(f->m, a, stray, 5), ERR_CONFLICT);
  assert_int_equal(meta_gc_tomb_clear(f->m, stray), 0);
  assert_int_equal(meta_blob_add(f->m, a, stray, 5), 0);
}

static void test_gc_manifest_expiry(void **state)
{
  struct fx *f = *state;
  char tagged[DIGEST_MAX], loose[DIGEST_MAX], child[DIGEST_MAX], index[DIGEST_MAX];
  int64_t a, now = time_now(), past = now - 1000, future = now + 1000;
  mkdigest(tagged, 2, 1);
  mkdigest(loose, 2, 2);
  mkdigest(child, 2, 3);
  mkdigest(index, 2, 4);
  assert_int_equal(meta_repo_ensure(f->m, &a, NULL, "ns/m"), 0);
  assert_int_equal(put(f, a, tagged, "v1", NULL, 0), 0);
  assert_int_equal(put(f, a, loose, NULL, NULL, 0), 0);
  assert_int_equal(put(f, a, child, NULL, NULL, 0), 0);
  struct meta_ref r = { child, 1 };
  assert_int_equal(put(f, a, index, NULL, &r, 1), 0);
  raw_exec(f, "UPDATE manifest SET created_at = 5"); /* all pushed long ago */

  struct meta_gc_manifest *mf = NULL;
  size_t n = 0;
  assert_int_equal(meta_gc_manifest_expired(f->m, f->p, &mf, &n, past, 0, 100), 0);
  assert_int_equal(n, 2); /* loose and index; the child is listed, the tagged tagged */
  assert_string_equal(mf[0].digest, loose);
  assert_string_equal(mf[1].digest, index);
  assert_string_equal(mf[1].repo, "ns/m");
  assert_int_equal(meta_gc_manifest_drop(f->m, mf[1].id, past), 0);
  assert_int_equal(meta_gc_manifest_drop(f->m, mf[1].id, past), ERR_CONFLICT);
  assert_int_equal(meta_gc_manifest_expired(f->m, f->p, &mf, &n, past, 0, 100), 0);
  assert_int_equal(n, 2); /* the child is free now */
  assert_string_equal(mf[1].digest, child);

  /* untagging now: the expiry counts from now, not from the push */
  assert_int_equal(meta_tag_delete(f->m, a, "v1"), 0);
  assert_int_equal(meta_gc_manifest_expired(f->m, f->p, &mf, &n, past, 0, 100), 0);
  assert_int_equal(n, 2);
  assert_int_equal(meta_gc_manifest_expired(f->m, f->p, &mf, &n, future, 0, 100), 0);
  assert_int_equal(n, 3);
  /* tagged again: kept whatever the expiry */
  assert_int_equal(put(f, a, tagged, "v1", NULL, 0), 0);
  assert_int_equal(meta_gc_manifest_expired(f->m, f->p, &mf, &n, future, 0, 100), 0);
  assert_int_equal(n, 2);
  /* a tag moving off it counts as untagging too */
  raw_exec(f, "UPDATE manifest SET created_at = 5, untagged_at = NULL");
  assert_int_equal(put(f, a, loose, "v1", NULL, 0), 0);
  assert_int_equal(meta_gc_manifest_expired(f->m, f->p, &mf, &n, past, 0, 100), 0);
  assert_int_equal(n, 1);
  assert_string_equal(mf[0].digest, child);
}

static void test_fsck_queries(void **state)
{
  struct fx *f = *state;
  char cfg[DIGEST_MAX], layer[DIGEST_MAX], man[DIGEST_MAX];
  int64_t a, count = 0, bytes = 0;
  mkdigest(cfg, 3, 1);
  mkdigest(layer, 3, 2);
  mkdigest(man, 3, 3);
  assert_int_equal(meta_repo_ensure(f->m, &a, NULL, "ns/f"), 0);
  assert_int_equal(meta_blob_add(f->m, a, cfg, 7), 0);
  assert_int_equal(meta_blob_add(f->m, a, layer, 100), 0);
  struct meta_ref r[] = { { cfg, 0 }, { layer, 0 } };
  assert_int_equal(put(f, a, man, "v1", r, 2), 0);
  assert_int_equal(meta_gc_blob_totals(f->m, &count, &bytes), 0);
  assert_int_equal(count, 2);
  assert_int_equal(bytes, 107);

  struct meta_gc_blob *b = NULL;
  size_t n = 0;
  assert_int_equal(meta_gc_blob_list(f->m, f->p, &b, &n, NULL, 1), 0);
  assert_int_equal(n, 1);
  assert_string_equal(b[0].digest, cfg);
  assert_int_equal(meta_gc_blob_list(f->m, f->p, &b, &n, cfg, 10), 0);
  assert_int_equal(n, 1);
  assert_string_equal(b[0].digest, layer);

  struct meta_gc_manifest *mf = NULL;
  assert_int_equal(meta_fsck_manifests(f->m, f->p, &mf, &n, 0, 10), 0);
  assert_int_equal(n, 1);
  assert_int_equal(mf[0].body_len, strlen("{\"schemaVersion\":2}"));

  struct meta_fsck_issue *is = NULL;
  assert_int_equal(meta_fsck_issues(f->m, f->p, &is, &n, 10), 0);
  assert_int_equal(n, 0);
  const char *bad[] = { layer };
  assert_int_equal(meta_fsck_drop_blobs(f->m, bad, 1), 0);
  assert_int_equal(meta_blob_stat(f->m, NULL, layer), ERR_NOTFOUND);
  assert_int_equal(meta_fsck_issues(f->m, f->p, &is, &n, 10), 0);
  assert_int_equal(n, 1);
  assert_int_equal(is[0].kind, FSCK_REF_BLOB);
  assert_string_equal(is[0].repo, "ns/f");
  assert_string_equal(is[0].name, man);
  assert_string_equal(is[0].digest, layer);
  /* pushing it again heals it */
  assert_int_equal(meta_blob_add(f->m, a, layer, 100), 0);
  assert_int_equal(meta_fsck_issues(f->m, f->p, &is, &n, 10), 0);
  assert_int_equal(n, 0);
}

int main(void)
{
  log_min_level = LOG_ERROR;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_gc_links_blobs_tombstones, setup, teardown),
    cmocka_unit_test_setup_teardown(test_gc_manifest_expiry, setup, teardown),
    cmocka_unit_test_setup_teardown(test_fsck_queries, setup, teardown),
  };
  return fx_run_both("gc_store", tests, sizeof(tests) / sizeof(tests[0]));
}
