/* Tests for meta_tag_list_info() (the Quay repository view's tags), on
 * SQLite and on PostgreSQL ($WHARF_TEST_PG): each tag's digest, last update
 * and size (the manifest's blobs; an index: its children's blobs; -1 for
 * none), pagination, and isolation between repositories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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

static void test_tag_info_sizes(void **state)
{
  struct fx *f = *state;
  char cfg[DIGEST_MAX], l1[DIGEST_MAX], l2[DIGEST_MAX], l3[DIGEST_MAX];
  char img1[DIGEST_MAX], img2[DIGEST_MAX], idx[DIGEST_MAX], bare[DIGEST_MAX];
  int64_t a = repo(f, "ns/a"), b = repo(f, "ns/b");
  int64_t before = time_now();
  mkdigest(cfg, 1, 1);
  mkdigest(l1, 1, 2);
  mkdigest(l2, 1, 3);
  mkdigest(l3, 1, 4);
  mkdigest(img1, 2, 1);
  mkdigest(img2, 2, 2);
  mkdigest(idx, 2, 3);
  mkdigest(bare, 2, 4);
  assert_int_equal(meta_blob_add(f->m, a, cfg, 7), 0);
  assert_int_equal(meta_blob_add(f->m, a, l1, 1000), 0);
  assert_int_equal(meta_blob_add(f->m, a, l2, 20000), 0);
  assert_int_equal(meta_blob_add(f->m, a, l3, 300000), 0);
  struct meta_ref r1[] = { { cfg, 0 }, { l1, 0 }, { l2, 0 } };
  struct meta_ref r2[] = { { cfg, 0 }, { l3, 0 } };
  struct meta_ref ri[] = { { img1, 1 }, { img2, 1 } };
  assert_int_equal(put(f, a, img1, "v1", r1, 3), 0);
  assert_int_equal(put(f, a, img2, "v2", r2, 2), 0);
  assert_int_equal(put(f, a, idx, "multi", ri, 2), 0);
  assert_int_equal(put(f, a, bare, "empty", NULL, 0), 0);
  assert_int_equal(put(f, a, img1, "also-v1", r1, 3), 0);

  struct meta_tag_info *t = NULL;
  size_t n = 0;
  int more = 1;
  assert_int_equal(meta_tag_list_info(f->m, f->p, &t, &n, &more, a, NULL, 100), 0);
  assert_int_equal(n, 5);
  assert_int_equal(more, 0);
  /* bytewise order, as meta_tag_list */
  const char *names[] = { "also-v1", "empty", "multi", "v1", "v2" };
  const char *digests[] = { img1, bare, idx, img1, img2 };
  int64_t sizes[] = { 21007, -1, 21007 + 300007, 21007, 300007 };
  for (size_t i = 0; i < n; i++) {
    assert_string_equal(t[i].name, names[i]);
    assert_string_equal(t[i].digest, digests[i]);
    assert_int_equal(t[i].size, sizes[i]);
    assert_true(t[i].updated_at >= before && t[i].updated_at <= time_now());
  }

  /* pages: limit and strictly after `last` */
  assert_int_equal(meta_tag_list_info(f->m, f->p, &t, &n, &more, a, NULL, 2), 0);
  assert_int_equal(n, 2);
  assert_int_equal(more, 1);
  assert_string_equal(t[1].name, "empty");
  assert_int_equal(meta_tag_list_info(f->m, f->p, &t, &n, &more, a, "empty", 2), 0);
  assert_int_equal(n, 2);
  assert_int_equal(more, 1);
  assert_string_equal(t[0].name, "multi");
  assert_int_equal(t[0].size, 321014);
  assert_int_equal(meta_tag_list_info(f->m, f->p, &t, &n, &more, a, "v1", 2), 0);
  assert_int_equal(n, 1);
  assert_int_equal(more, 0);
  assert_string_equal(t[0].name, "v2");

  /* another repository: none of a's tags */
  assert_int_equal(meta_tag_list_info(f->m, f->p, &t, &n, &more, b, NULL, 100), 0);
  assert_int_equal(n, 0);
  assert_int_equal(more, 0);
  /* a deleted tag goes, its manifest's other tag stays */
  assert_int_equal(meta_tag_delete(f->m, a, "v1"), 0);
  assert_int_equal(meta_tag_list_info(f->m, f->p, &t, &n, &more, a, "multi", 100), 0);
  assert_int_equal(n, 1);
  assert_string_equal(t[0].name, "v2");
}

/* An index whose child is in the repository under the same digest as a
 * manifest of another repository: only this repository's child counts. */
static void test_tag_info_index_same_repo(void **state)
{
  struct fx *f = *state;
  char layer[DIGEST_MAX], other[DIGEST_MAX], img[DIGEST_MAX], idx[DIGEST_MAX];
  int64_t a = repo(f, "ns/a"), b = repo(f, "ns/b");
  mkdigest(layer, 3, 1);
  mkdigest(other, 3, 2);
  mkdigest(img, 3, 3);
  mkdigest(idx, 3, 4);
  assert_int_equal(meta_blob_add(f->m, a, layer, 50), 0);
  assert_int_equal(meta_blob_add(f->m, b, other, 5000), 0);
  struct meta_ref ra = { layer, 0 }, rb = { other, 0 }, ri = { img, 1 };
  assert_int_equal(put(f, a, img, NULL, &ra, 1), 0);  /* untagged child */
  assert_int_equal(put(f, b, img, "x", &rb, 1), 0);   /* same digest, other blobs */
  assert_int_equal(put(f, a, idx, "latest", &ri, 1), 0);
  struct meta_tag_info *t = NULL;
  size_t n = 0;
  int more = 0;
  assert_int_equal(meta_tag_list_info(f->m, f->p, &t, &n, &more, a, NULL, 10), 0);
  assert_int_equal(n, 1);
  assert_string_equal(t[0].name, "latest");
  assert_string_equal(t[0].digest, idx);
  assert_int_equal(t[0].size, 50);
  assert_int_equal(meta_tag_list_info(f->m, f->p, &t, &n, &more, b, NULL, 10), 0);
  assert_int_equal(n, 1);
  assert_int_equal(t[0].size, 5000);
}

int main(void)
{
  log_min_level = LOG_ERROR;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_tag_info_sizes, setup, teardown),
    cmocka_unit_test_setup_teardown(test_tag_info_index_same_repo, setup, teardown),
  };
  return fx_run_both("tag_info", tests, sizeof(tests) / sizeof(tests[0]));
}
