/* store/meta_copy.c: a SQLite store copied into a fresh store of each engine
 * (the fixture's database is the destination): states of the destination
 * and its marker, the blob list of the snapshot, rows and ids kept, foreign
 * keys satisfied, identities moved past the copied ids, refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "meta_fixture.h"

#include "store/ident.h"
#include "store/meta_copy.h"
#include "util/err.h"

struct src {
  char url[256];
  struct meta *m;
  int64_t repo_a, repo_b, org, robot, user;
  char blob[3][DIGEST_MAX];
};

/* A populated SQLite source beside the fixture's files. */
static void make_source(struct src *s, struct fx *f, const char *name)
{
  snprintf(s->url, sizeof(s->url), "sqlite://%s/%s/wharf.db", f->dir, name);
  assert_int_equal(meta_open(&s->m, s->url), 0);
  struct ident_account org = { .kind = IDENT_ORG, .name = "acme", .enabled = 1 };
  struct ident_account user = { .kind = IDENT_USER, .name = "alice", .enabled = 1,
                                .password_hash = "$argon2id$x" };
  assert_int_equal(ident_account_create(s->m, &s->org, &org), 0);
  assert_int_equal(ident_account_create(s->m, &s->user, &user), 0);
  struct ident_account bot = { .kind = IDENT_ROBOT, .name = "acme+ci", .enabled = 1,
                               .owner_id = s->org };
  assert_int_equal(ident_account_create(s->m, &s->robot, &bot), 0);
  /* a repository created then deleted leaves a gap in the ids */
  int64_t gone;
  assert_int_equal(meta_repo_ensure(s->m, &gone, NULL, "acme/gone"), 0);
  assert_int_equal(meta_repo_ensure(s->m, &s->repo_a, NULL, "acme/a"), 0);
  assert_int_equal(meta_repo_ensure(s->m, &s->repo_b, NULL, "acme/b"), 0);
  assert_int_equal(ident_repo_delete(s->m, gone), 0);
  assert_int_equal(ident_perm_set(s->m, s->repo_a, s->robot, ROLE_WRITE), 0);
  for (unsigned i = 0; i < 3; i++) {
    mkdigest(s->blob[i], 7, 3 - i); /* rows not in digest order */
    assert_int_equal(meta_blob_add(s->m, s->repo_a, s->blob[i], 100 + i), 0);
  }
  struct meta_ref refs[] = { { s->blob[0], 0 }, { s->blob[1], 0 } };
  static const char body[] = "{\"schemaVersion\":2}";
  char md[DIGEST_MAX];
  mkdigest(md, 8, 1);
  struct meta_manifest_put mp = { .repo_id = s->repo_a, .digest = md,
                                  .media_type = "application/vnd.oci.image.manifest.v1+json",
                                  .body = body, .body_len = sizeof(body) - 1, .refs = refs,
                                  .nrefs = 2, .tag = "v1" };
  assert_int_equal(meta_manifest_put(s->m, &mp, NULL), 0);
  /* an upload session: transient, not copied */
  assert_int_equal(meta_upload_create(s->m, s->repo_b, "00000000-0000-4000-8000-000000000001"), 0);
}

struct seen {
  int n;
  char last[DIGEST_MAX];
  int64_t bytes;
};

static int count_blob(void *ctx, const char *digest, int64_t size)
{
  struct seen *s = ctx;
  assert_true(strcmp(s->last, digest) < 0); /* digest order */
  snprintf(s->last, sizeof(s->last), "%s", digest);
  s->n++;
  s->bytes += size;
  return 0;
}

/* The destination's state is want; err (256 bytes, may be NULL) gets its reason. */
static void state_is(struct meta_copy *mc, enum meta_copy_state want, char *reason)
{
  enum meta_copy_state st;
  char buf[256] = "", *err = reason ? reason : buf;
  assert_int_equal(meta_copy_state(mc, &st, err, 256), 0);
  if (st != want)
    fail_msg("state %d, want %d (%s)", (int)st, (int)want, err);
}

static void test_copy_keeps_rows_and_ids(void **state)
{
  struct fx *f = *state;
  struct src s;
  make_source(&s, f, "src");
  struct meta_copy *mc = NULL;
  char err[256] = "";
  if (meta_copy_open(&mc, s.url, f->url, err, sizeof(err)) != 0)
    fail_msg("open: %s", err);
  int vs = 0, vd = 0;
  assert_int_equal(meta_copy_versions(mc, &vs, &vd), 0);
  assert_true(vs > 0);
  assert_int_equal(vs, vd);
  state_is(mc, META_COPY_EMPTY, NULL);
  assert_int_equal(meta_copy_mark_started(mc, err, sizeof(err)), 0);
  state_is(mc, META_COPY_RESUME, NULL);
  int64_t n = 0, bytes = 0;
  assert_int_equal(meta_copy_blob_totals(mc, &n, &bytes), 0);
  assert_int_equal(n, 3);
  assert_int_equal(bytes, 303);
  struct seen seen = { 0 };
  assert_int_equal(meta_copy_each_blob(mc, count_blob, &seen), 0);
  assert_int_equal(seen.n, 3);
  int tables = 0;
  int64_t rows = 0;
  if (meta_copy_tables(mc, &tables, &rows, err, sizeof(err)) != 0)
    fail_msg("copy: %s", err);
  assert_true(tables > 5 && rows > 8);
  state_is(mc, META_COPY_DONE, NULL);
  meta_copy_free(mc);

  /* the destination answers as the source did, with the same ids */
  int64_t id = 0, size = 0;
  assert_int_equal(meta_repo_lookup(f->m, &id, "acme/a"), 0);
  assert_int_equal(id, s.repo_a);
  assert_int_equal(meta_blob_linked(f->m, &size, s.repo_a, s.blob[2]), 0);
  assert_int_equal(size, 102);
  char *digest = NULL;
  assert_int_equal(meta_tag_resolve(f->m, f->p, &digest, s.repo_a, "v1"), 0);
  struct ident_account a;
  assert_int_equal(ident_account_by_name(f->m, f->p, &a, "acme+ci"), 0);
  assert_int_equal(a.id, s.robot);
  assert_int_equal(a.owner_id, s.org);
  enum ident_role role = ROLE_NONE;
  assert_int_equal(ident_effective_role(f->m, &role, s.robot, s.repo_a), 0);
  assert_int_equal(role, ROLE_WRITE);
  struct meta_upload up;
  assert_int_equal(meta_upload_get(f->m, &up, "00000000-0000-4000-8000-000000000001"),
                   ERR_NOTFOUND);
  /* new rows get ids past the copied ones (PostgreSQL identities reset) */
  int64_t fresh = 0;
  assert_int_equal(meta_repo_ensure(f->m, &fresh, NULL, "acme/new"), 0);
  assert_true(fresh > s.repo_b);
  struct ident_account user2 = { .kind = IDENT_USER, .name = "bob", .enabled = 1 };
  assert_int_equal(ident_account_create(f->m, &fresh, &user2), 0);
  assert_true(fresh > s.robot);
  meta_close(s.m);
}

static void test_refuses_used_destinations(void **state)
{
  struct fx *f = *state;
  struct src s, other;
  make_source(&s, f, "src");
  make_source(&other, f, "other");
  struct meta_copy *mc = NULL;
  char err[256] = "";
  /* a destination with rows */
  int64_t id;
  assert_int_equal(meta_repo_ensure(f->m, &id, NULL, "someone/else"), 0);
  assert_int_equal(meta_copy_open(&mc, s.url, f->url, err, sizeof(err)), 0);
  state_is(mc, META_COPY_FOREIGN, NULL);
  meta_copy_free(mc);
  /* a destination another source's migration began on */
  char fresh[512];
  fx_fresh_url(f, fresh, sizeof(fresh));
  struct meta *fm = NULL;
  assert_int_equal(meta_open(&fm, fresh), 0);
  meta_close(fm);
  assert_int_equal(meta_copy_open(&mc, other.url, fresh, err, sizeof(err)), 0);
  state_is(mc, META_COPY_EMPTY, NULL);
  assert_int_equal(meta_copy_mark_started(mc, err, sizeof(err)), 0);
  meta_copy_free(mc);
  assert_int_equal(meta_copy_open(&mc, s.url, fresh, err, sizeof(err)), 0);
  state_is(mc, META_COPY_FOREIGN, err);
  assert_non_null(strstr(err, "other"));
  meta_copy_free(mc);
  /* a source that does not exist is not created */
  char missing[300];
  snprintf(missing, sizeof(missing), "sqlite://%s/nothere/wharf.db", f->dir);
  assert_int_equal(meta_copy_open(&mc, missing, fresh, err, sizeof(err)), ERR_NOTFOUND);
  meta_close(s.m);
  meta_close(other.m);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_copy_keeps_rows_and_ids, setup, teardown),
    cmocka_unit_test_setup_teardown(test_refuses_used_destinations, setup, teardown),
  };
  return fx_run_both("meta_copy", tests, sizeof(tests) / sizeof(tests[0]));
}
