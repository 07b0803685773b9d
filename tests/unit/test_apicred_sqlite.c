/* Tests for store/sqlite_apicred.c through ident.h: OAuth applications,
 * API token metadata (limits, listing, paging, revocation, cascades),
 * web sessions, and the user administration queries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "store/ident.h"
#include "store/meta.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

#include "ident_fixture.h"

static int64_t app(struct fx *f, int64_t org, const char *client_id)
{
  struct ident_app a = { .org_id = org, .client_id = (char *)client_id, .secret_enc = "enc",
                         .name = "ci" };
  int64_t id = 0;
  assert_int_equal(ident_app_create(f->m, &id, &a), 0);
  return id;
}

/* Adds token `uuid` (index "i-<uuid>") for account to app_id. */
static int add_token(struct fx *f, int64_t *out, int64_t account, int64_t app_id,
                     const char *uuid, int64_t expires_at, size_t max_live)
{
  char idx[64];
  snprintf(idx, sizeof(idx), "i-%s", uuid);
  struct ident_cred c = { .account_id = account, .kind = CRED_API, .index = idx,
                          .scopes = "repo:read", .name = "t", .expires_at = expires_at };
  return ident_token_add(f->m, out, &c, uuid, app_id, max_live, time_now());
}

static void test_schema(void **state)
{
  struct fx *f = *state;
  int v = 0;
  assert_int_equal(meta_schema_version(f->m, &v), 0);
  assert_true(v >= 4);
  assert_int_equal(count_tables(f, "'oauth_app', 'web_session'"), 2);
}

static void test_app_crud(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0), other = mk(f, IDENT_ORG, "beta", 0);
  int64_t user = mk(f, IDENT_USER, "alice", 0);
  struct ident_app a = { .org_id = org, .client_id = "CID1", .secret_enc = "enc", .name = "ci",
                         .redirect_uri = "https://x/cb", .avatar_email = "a@x" };
  int64_t id = 0, keep = 7;
  assert_int_equal(ident_app_create(f->m, &id, &a), 0);
  struct ident_app g;
  assert_int_equal(ident_app_get(f->m, f->p, &g, org, "CID1"), 0);
  assert_int_equal(g.id, id);
  assert_int_equal(g.org_id, org);
  assert_string_equal(g.client_id, "CID1");
  assert_string_equal(g.secret_enc, "enc");
  assert_string_equal(g.name, "ci");
  assert_string_equal(g.description, "");
  assert_string_equal(g.redirect_uri, "https://x/cb");
  assert_string_equal(g.application_uri, "");
  assert_string_equal(g.avatar_email, "a@x");
  assert_true(g.created_at > 0);
  /* another org cannot see it; client ids are unique across orgs */
  assert_int_equal(ident_app_get(f->m, f->p, &g, other, "CID1"), ERR_NOTFOUND);
  a.org_id = other;
  assert_int_equal(ident_app_create(f->m, &keep, &a), ERR_EXISTS);
  /* only orgs own apps; required fields */
  a.client_id = "CID2";
  a.org_id = user;
  assert_int_equal(ident_app_create(f->m, &keep, &a), ERR_INVALID);
  a.org_id = 999;
  assert_int_equal(ident_app_create(f->m, &keep, &a), ERR_NOTFOUND);
  a.org_id = org;
  a.name = "";
  assert_int_equal(ident_app_create(f->m, &keep, &a), ERR_INVALID);
  assert_int_equal(keep, 7);

  int64_t id2 = app(f, org, "CID2");
  struct ident_app *list = NULL;
  size_t n = 0;
  assert_int_equal(ident_app_list(f->m, f->p, &list, &n, org), 0);
  assert_int_equal(n, 2);
  assert_int_equal(list[0].id, id);
  assert_int_equal(list[1].id, id2);
  assert_int_equal(ident_app_list(f->m, f->p, &list, &n, other), 0);
  assert_int_equal(n, 0);
  assert_int_equal(ident_app_delete(f->m, id2), 0);
  assert_int_equal(ident_app_delete(f->m, id2), ERR_NOTFOUND);
  /* deleting the org takes its apps */
  assert_int_equal(ident_account_delete(f->m, org), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM oauth_app"), 0);
}

static void test_token_add_list_delete(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0), user = mk(f, IDENT_USER, "alice", 0);
  int64_t a1 = app(f, org, "A1"), a2 = app(f, org, "A2");
  int64_t now = time_now(), c1 = 0, c2 = 0, c3 = 0, keep = 7;
  assert_int_equal(add_token(f, &c1, user, a1, "u1", now + 100, 10), 0);
  assert_int_equal(add_token(f, &c2, user, a1, "u2", 0, 10), 0);
  assert_int_equal(add_token(f, &c3, user, a2, "u3", now + 100, 10), 0);
  /* the credential authenticates like any other */
  struct ident_cred cr;
  assert_int_equal(ident_cred_by_index(f->m, f->p, &cr, "i-u1"), 0);
  assert_int_equal(cr.id, c1);
  assert_int_equal(cr.kind, CRED_API);
  assert_string_equal(cr.scopes, "repo:read");
  /* uuid clash, unknown app, bad input */
  assert_int_equal(add_token(f, &keep, user, a1, "u1", 0, 10), ERR_EXISTS);
  assert_int_equal(add_token(f, &keep, user, 999, "u9", 0, 10), ERR_NOTFOUND);
  assert_int_equal(add_token(f, &keep, 999, a1, "u8", 0, 10), ERR_NOTFOUND);
  struct ident_cred robot = { .account_id = user, .kind = CRED_ROBOT, .index = "r" };
  assert_int_equal(ident_token_add(f->m, &keep, &robot, "u7", a1, 10, now), ERR_INVALID);
  assert_int_equal(keep, 7);

  struct ident_token *t = NULL;
  size_t n = 0;
  int more = -1;
  assert_int_equal(ident_token_list(f->m, f->p, &t, &n, &more, a1, now, 0, 10), 0);
  assert_int_equal(n, 2);
  assert_int_equal(more, 0);
  assert_int_equal(t[0].cred_id, c1);
  assert_int_equal(t[0].account_id, user);
  assert_string_equal(t[0].account_name, "alice");
  assert_int_equal(t[0].app_id, a1);
  assert_string_equal(t[0].uuid, "u1");
  assert_string_equal(t[0].name, "t");
  assert_string_equal(t[0].scopes, "repo:read");
  assert_int_equal(t[0].expires_at, now + 100);
  assert_int_equal(t[0].last_accessed, 0);
  assert_true(t[0].created_at >= now);
  assert_string_equal(t[1].uuid, "u2");
  /* paging: one at a time */
  assert_int_equal(ident_token_list(f->m, f->p, &t, &n, &more, a1, now, 0, 1), 0);
  assert_int_equal(n, 1);
  assert_int_equal(more, 1);
  assert_int_equal(ident_token_list(f->m, f->p, &t, &n, &more, a1, now, c1, 1), 0);
  assert_int_equal(n, 1);
  assert_int_equal(more, 0);
  assert_string_equal(t[0].uuid, "u2");
  /* expired ones are not listed */
  assert_int_equal(ident_token_list(f->m, f->p, &t, &n, NULL, a1, now + 100, 0, 10), 0);
  assert_int_equal(n, 1);
  assert_string_equal(t[0].uuid, "u2");

  /* delete: only through its own app; the credential goes */
  assert_int_equal(ident_token_delete(f->m, a2, "u1"), ERR_NOTFOUND);
  assert_int_equal(ident_token_delete(f->m, a1, "u1"), 0);
  assert_int_equal(ident_token_delete(f->m, a1, "u1"), ERR_NOTFOUND);
  assert_int_equal(ident_cred_by_index(f->m, f->p, &cr, "i-u1"), ERR_NOTFOUND);
  /* deleting an app deletes its credentials, not the others */
  assert_int_equal(ident_app_delete(f->m, a1), 0);
  assert_int_equal(ident_cred_get(f->m, f->p, &cr, c2), ERR_NOTFOUND);
  assert_int_equal(ident_cred_get(f->m, f->p, &cr, c3), 0);
  /* deleting the user deletes its tokens */
  assert_int_equal(ident_account_delete(f->m, user), 0);
  assert_int_equal(ident_cred_get(f->m, f->p, &cr, c3), ERR_NOTFOUND);
}

static void test_token_limit_and_no_app(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0), user = mk(f, IDENT_USER, "alice", 0);
  int64_t a1 = app(f, org, "A1"), now = time_now(), id = 0;
  assert_int_equal(add_token(f, &id, user, a1, "u1", now + 100, 2), 0);
  assert_int_equal(add_token(f, &id, user, a1, "u2", now - 1, 2), 0); /* already expired */
  assert_int_equal(add_token(f, &id, user, a1, "u3", 0, 2), 0);
  assert_int_equal(add_token(f, &id, user, a1, "u4", 0, 2), ERR_TOOBIG);
  /* outside an app: no limit, not in any app's list */
  assert_int_equal(add_token(f, &id, user, 0, "u5", 0, 0), 0);
  struct ident_cred cr;
  assert_int_equal(ident_cred_get(f->m, f->p, &cr, id), 0);
  struct ident_token *t = NULL;
  size_t n = 0;
  assert_int_equal(ident_token_list(f->m, f->p, &t, &n, NULL, a1, now, 0, 100), 0);
  assert_int_equal(n, 2);
}

static void test_token_touch(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0), user = mk(f, IDENT_USER, "alice", 0);
  int64_t a1 = app(f, org, "A1"), id = 0;
  assert_int_equal(add_token(f, &id, user, a1, "u1", 0, 10), 0);
  assert_int_equal(ident_token_touch(f->m, id, 1000, 60), 0);
  assert_int_equal(count(f, "SELECT last_accessed FROM credential WHERE uuid = 'u1'"), 1000);
  /* within the interval: unchanged; never backwards */
  assert_int_equal(ident_token_touch(f->m, id, 1030, 60), 0);
  assert_int_equal(count(f, "SELECT last_accessed FROM credential WHERE uuid = 'u1'"), 1000);
  assert_int_equal(ident_token_touch(f->m, id, 1100, 60), 0);
  assert_int_equal(count(f, "SELECT last_accessed FROM credential WHERE uuid = 'u1'"), 1100);
  assert_int_equal(ident_token_touch(f->m, id, 500, -1000), 0);
  assert_int_equal(count(f, "SELECT last_accessed FROM credential WHERE uuid = 'u1'"), 1100);
  assert_int_equal(ident_token_touch(f->m, 999, 1100, 60), ERR_NOTFOUND);
  struct ident_token *t = NULL;
  size_t n = 0;
  assert_int_equal(ident_token_list(f->m, f->p, &t, &n, NULL, a1, time_now(), 0, 10), 0);
  assert_int_equal(t[0].last_accessed, 1100);
}

static void test_sessions(void **state)
{
  struct fx *f = *state;
  int64_t alice = mk(f, IDENT_USER, "alice", 0), bob = mk(f, IDENT_USER, "bob", 0);
  int64_t now = time_now();
  struct ident_session s = { .index = "s1", .account_id = alice, .pwv = "fp",
                             .expires_at = now + 100 };
  assert_int_equal(ident_session_add(f->m, &s, now), 0);
  assert_int_equal(ident_session_add(f->m, &s, now), ERR_EXISTS);
  s.index = "s2";
  assert_int_equal(ident_session_add(f->m, &s, now), 0);
  s.index = "s3";
  s.account_id = bob;
  s.expires_at = now + 10;
  assert_int_equal(ident_session_add(f->m, &s, now), 0);
  s.index = "s4";
  s.account_id = 999;
  assert_int_equal(ident_session_add(f->m, &s, now), ERR_NOTFOUND);
  s.account_id = bob;
  s.expires_at = now; /* already over */
  assert_int_equal(ident_session_add(f->m, &s, now), ERR_INVALID);

  struct ident_session g;
  assert_int_equal(ident_session_get(f->m, f->p, &g, "s1"), 0);
  assert_string_equal(g.index, "s1");
  assert_int_equal(g.account_id, alice);
  assert_string_equal(g.pwv, "fp");
  assert_int_equal(g.created_at, now);
  assert_int_equal(g.expires_at, now + 100);
  assert_int_equal(ident_session_get(f->m, f->p, &g, "nope"), ERR_NOTFOUND);

  /* a later sign-in drops what expired by then */
  s.index = "s5";
  s.expires_at = now + 1000;
  assert_int_equal(ident_session_add(f->m, &s, now + 20), 0);
  assert_int_equal(ident_session_get(f->m, f->p, &g, "s3"), ERR_NOTFOUND);
  assert_int_equal(ident_session_get(f->m, f->p, &g, "s1"), 0);

  /* sign-out everywhere: all of alice's, none of bob's */
  assert_int_equal(ident_session_delete_account(f->m, alice), 0);
  assert_int_equal(ident_session_get(f->m, f->p, &g, "s1"), ERR_NOTFOUND);
  assert_int_equal(ident_session_get(f->m, f->p, &g, "s2"), ERR_NOTFOUND);
  assert_int_equal(ident_session_get(f->m, f->p, &g, "s5"), 0);
  assert_int_equal(ident_session_delete_account(f->m, alice), 0);
  /* and they go with the account */
  assert_int_equal(ident_account_delete(f->m, bob), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM web_session"), 0);
}

static void test_search_kind(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "ann-org", 0);
  mk(f, IDENT_USER, "ann", 0);
  mk(f, IDENT_USER, "anna", 0);
  mk(f, IDENT_USER, "bob", 0);
  mk(f, IDENT_ROBOT, "ann-org+bot", org);
  struct ident_account *as = NULL;
  size_t n = 0;
  int more = -1;
  assert_int_equal(ident_account_search_kind(f->m, f->p, &as, &n, &more, IDENT_USER, "ann", 10),
                   0);
  assert_int_equal(n, 2);
  assert_int_equal(more, 0);
  assert_string_equal(as[0].name, "ann");
  assert_string_equal(as[1].name, "anna");
  assert_int_equal(ident_account_search_kind(f->m, f->p, &as, &n, &more, IDENT_USER, "", 2), 0);
  assert_int_equal(n, 2);
  assert_int_equal(more, 1);
  assert_int_equal(ident_account_search_kind(f->m, f->p, &as, &n, NULL, IDENT_ROBOT, "ann-org+",
                                             10),
                   0);
  assert_int_equal(n, 1);
  assert_string_equal(as[0].name, "ann-org+bot");
  assert_int_equal(as[0].owner_id, org);
  assert_int_equal(ident_account_search_kind(f->m, f->p, &as, &n, NULL, IDENT_ORG, "ann", 10), 0);
  assert_int_equal(n, 1);
  assert_int_equal(ident_account_search_kind(f->m, f->p, &as, &n, NULL, IDENT_USER, "\xff", 10),
                   0);
  assert_int_equal(n, 0);
  assert_int_equal(ident_account_search_kind(f->m, f->p, &as, &n, NULL, IDENT_USER, NULL, 10),
                   ERR_INVALID);
}

static void test_user_create_first_and_update(void **state)
{
  struct fx *f = *state;
  mk(f, IDENT_ORG, "acme", 0); /* orgs do not count */
  struct ident_account a = { .kind = IDENT_USER, .name = "root", .email = "r@x",
                             .password_hash = "$h", .is_superuser = 1, .enabled = 1 };
  int64_t id = 0, keep = 7;
  assert_int_equal(ident_user_create_first(f->m, &id, &a), 0);
  struct ident_account g;
  assert_int_equal(ident_account_get(f->m, f->p, &g, id), 0);
  assert_string_equal(g.name, "root");
  assert_string_equal(g.password_hash, "$h");
  assert_int_equal(g.is_superuser, 1);
  a.name = "second";
  assert_int_equal(ident_user_create_first(f->m, &keep, &a), ERR_EXISTS);
  a.kind = IDENT_ORG;
  assert_int_equal(ident_user_create_first(f->m, &keep, &a), ERR_INVALID);
  assert_int_equal(keep, 7);

  assert_int_equal(ident_user_update(f->m, id, "new@x", 0, -1), 0);
  assert_int_equal(ident_account_get(f->m, f->p, &g, id), 0);
  assert_string_equal(g.email, "new@x");
  assert_int_equal(g.enabled, 0);
  assert_int_equal(g.is_superuser, 1);
  assert_int_equal(ident_user_update(f->m, id, NULL, -1, 0), 0);
  assert_int_equal(ident_account_get(f->m, f->p, &g, id), 0);
  assert_string_equal(g.email, "new@x");
  assert_int_equal(g.enabled, 0);
  assert_int_equal(g.is_superuser, 0);
  int64_t org = 0;
  struct ident_account *as = NULL;
  size_t n = 0;
  assert_int_equal(ident_account_search_kind(f->m, f->p, &as, &n, NULL, IDENT_ORG, "acme", 1), 0);
  org = as[0].id;
  assert_int_equal(ident_user_update(f->m, org, "o@x", 1, 1), ERR_NOTFOUND);
  assert_int_equal(ident_user_update(f->m, 999, NULL, 1, 1), ERR_NOTFOUND);
}

int main(void)
{
  log_min_level = LOG_ERROR;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
    cmocka_unit_test_setup_teardown(test_app_crud, setup, teardown),
    cmocka_unit_test_setup_teardown(test_token_add_list_delete, setup, teardown),
    cmocka_unit_test_setup_teardown(test_token_limit_and_no_app, setup, teardown),
    cmocka_unit_test_setup_teardown(test_token_touch, setup, teardown),
    cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
    cmocka_unit_test_setup_teardown(test_search_kind, setup, teardown),
    cmocka_unit_test_setup_teardown(test_user_create_first_and_update, setup, teardown),
  };
  return fx_run_both("apicred", tests, sizeof(tests) / sizeof(tests[0]));
}
