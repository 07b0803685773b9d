/* Tests for auth/websession.c (session ids, CSRF tokens, sign-in, and what
 * ends a session) and auth/apitoken.c (scope normalization, minting), on a
 * real SQLite store and server key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/apitoken.h"
#include "auth/auth.h"
#include "auth/keys.h"
#include "auth/websession.h"
#include "server/app.h"
#include "store/ident.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

#include "ident_fixture.h"

struct wfx {
  struct fx *f;          /* meta_fixture.h's database */
  struct keys *k;
  struct app app;
};

static int wsetup(void **state)
{
  struct wfx *w = calloc(1, sizeof(*w));
  assert_non_null(w);
  void *inner = NULL;
  setup(&inner);
  w->f = inner;
  char path[200], err[256];
  snprintf(path, sizeof(path), "%s/wharf.key", w->f->dir);
  assert_int_equal(keys_load_or_create(&w->k, path, err, sizeof(err)), 0);
  w->app.meta = w->f->m;
  w->app.keys = w->k;
  *state = w;
  return 0;
}

static int wteardown(void **state)
{
  struct wfx *w = *state;
  void *inner = w->f;
  keys_free(w->k);
  free(w);
  return teardown(&inner);
}

static int64_t user(struct wfx *w, const char *name, const char *hash)
{
  struct ident_account a = { .kind = IDENT_USER, .name = (char *)name,
                             .password_hash = (char *)hash, .enabled = 1 };
  int64_t id = 0;
  assert_int_equal(ident_account_create(w->f->m, &id, &a), 0);
  return id;
}

static void test_ids_and_csrf(void **state)
{
  struct wfx *w = *state;
  char a[WEBSESSION_ID_LEN + 1], b[WEBSESSION_ID_LEN + 1];
  char ca[WEBSESSION_CSRF_LEN + 1], ca2[WEBSESSION_CSRF_LEN + 1], cb[WEBSESSION_CSRF_LEN + 1];
  assert_int_equal(websession_id_new(a), 0);
  assert_int_equal(websession_id_new(b), 0);
  assert_int_equal(strlen(a), WEBSESSION_ID_LEN);
  assert_string_not_equal(a, b);
  assert_true(websession_id_valid(a));
  assert_false(websession_id_valid(NULL));
  assert_false(websession_id_valid("short"));
  char bad[WEBSESSION_ID_LEN + 1];
  memcpy(bad, a, sizeof(bad));
  bad[3] = '=';
  assert_false(websession_id_valid(bad));

  assert_int_equal(websession_csrf(ca, w->k, a), 0);
  assert_int_equal(websession_csrf(ca2, w->k, a), 0);
  assert_int_equal(websession_csrf(cb, w->k, b), 0);
  assert_int_equal(strlen(ca), WEBSESSION_CSRF_LEN);
  assert_string_equal(ca, ca2);           /* derived, so every instance agrees */
  assert_string_not_equal(ca, cb);
  assert_null(strstr(ca, a));
  assert_true(websession_csrf_ok(w->k, a, ca));
  assert_false(websession_csrf_ok(w->k, b, ca));
  assert_false(websession_csrf_ok(w->k, a, ""));
  assert_false(websession_csrf_ok(w->k, a, NULL));
  ca[0] = ca[0] == '0' ? '1' : '0';
  assert_false(websession_csrf_ok(w->k, a, ca));
  assert_int_equal(websession_csrf(ca, w->k, "not a session id"), ERR_INVALID);
}

static void test_session_lifecycle(void **state)
{
  struct wfx *w = *state;
  struct pool *p = w->f->p;
  int64_t alice = user(w, "alice", "$argon2id$one");
  char sid[WEBSESSION_ID_LEN + 1], sid2[WEBSESSION_ID_LEN + 1];
  struct principal pr;
  assert_int_equal(websession_start(sid, &w->app, alice), 0);
  assert_int_equal(websession_start(sid2, &w->app, alice), 0);
  assert_string_not_equal(sid, sid2);
  /* the store never sees the id */
  char sql[200];
  snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM web_session WHERE idx = '%s'", sid);
  assert_int_equal(count(w->f, sql), 0);
  assert_int_equal(count(w->f, "SELECT COUNT(*) FROM web_session"), 2);

  assert_int_equal(websession_authenticate(&pr, &w->app, p, sid), 0);
  assert_int_equal(pr.kind, PRINCIPAL_USER);
  assert_int_equal(pr.id, alice);
  assert_string_equal(pr.name, "alice");
  assert_int_equal(pr.scopes, SCOPE_ALL);
  /* unknown or malformed ids: anonymous, not an error */
  char other[WEBSESSION_ID_LEN + 1];
  assert_int_equal(websession_id_new(other), 0);
  assert_int_equal(websession_authenticate(&pr, &w->app, p, other), 0);
  assert_int_equal(pr.kind, PRINCIPAL_ANONYMOUS);
  assert_int_equal(websession_authenticate(&pr, &w->app, p, "junk"), 0);
  assert_int_equal(pr.kind, PRINCIPAL_ANONYMOUS);

  /* a password change ends the sessions opened before it */
  assert_int_equal(ident_user_set_password(w->f->m, alice, "$argon2id$two"), 0);
  assert_int_equal(websession_authenticate(&pr, &w->app, p, sid), 0);
  assert_int_equal(pr.kind, PRINCIPAL_ANONYMOUS);
  assert_int_equal(websession_start(sid, &w->app, alice), 0);
  assert_int_equal(websession_authenticate(&pr, &w->app, p, sid), 0);
  assert_int_equal(pr.kind, PRINCIPAL_USER);
  /* so does disabling the account */
  assert_int_equal(ident_user_update(w->f->m, alice, NULL, 0, -1), 0);
  assert_int_equal(websession_authenticate(&pr, &w->app, p, sid), 0);
  assert_int_equal(pr.kind, PRINCIPAL_ANONYMOUS);
  assert_int_equal(websession_start(sid, &w->app, alice), ERR_DENIED);
  assert_int_equal(ident_user_update(w->f->m, alice, NULL, 1, -1), 0);
  assert_int_equal(websession_authenticate(&pr, &w->app, p, sid), 0);
  assert_int_equal(pr.kind, PRINCIPAL_USER);
  /* and signing out, everywhere */
  assert_int_equal(websession_end_all(&w->app, alice), 0);
  assert_int_equal(websession_authenticate(&pr, &w->app, p, sid), 0);
  assert_int_equal(pr.kind, PRINCIPAL_ANONYMOUS);
  /* expiry */
  assert_int_equal(websession_start(sid, &w->app, alice), 0);
  raw_exec(w->f, "UPDATE web_session SET expires_at = 1");
  assert_int_equal(websession_authenticate(&pr, &w->app, p, sid), 0);
  assert_int_equal(pr.kind, PRINCIPAL_ANONYMOUS);
  /* robots and orgs cannot sign in; nor users without a password */
  int64_t org = mk(w->f, IDENT_ORG, "acme", 0);
  assert_int_equal(websession_start(sid, &w->app, org), ERR_DENIED);
  int64_t nopw = user(w, "nopw", NULL);
  assert_int_not_equal(websession_start(sid, &w->app, nopw), 0);
}

static void test_scope_normalize(void **state)
{
  struct wfx *w = *state;
  struct pool *p = w->f->p;
  const char *out = NULL, *bad = NULL;
  unsigned bits = 0;
  assert_int_equal(apitoken_scope_normalize(&out, &bits, &bad, p, "repo:read"), 0);
  assert_string_equal(out, "repo:read");
  assert_int_equal(bits, SCOPE_REPO_READ);
  assert_int_equal(apitoken_scope_normalize(&out, &bits, &bad, p,
                                            " repo:admin,,user:read  repo:admin,org:admin "),
                   0);
  assert_string_equal(out, "repo:admin user:read org:admin");
  assert_int_equal(bits, SCOPE_REPO_ADMIN | SCOPE_REPO_WRITE | SCOPE_REPO_READ |
                           SCOPE_USER_READ | SCOPE_ORG_ADMIN);
  assert_int_equal(apitoken_scope_normalize(&out, &bits, &bad, p, "super:user"), 0);
  assert_int_equal(bits, SCOPE_SUPER_USER);
  /* unknown or no scope at all */
  out = "keep";
  assert_int_equal(apitoken_scope_normalize(&out, &bits, &bad, p, "repo:read repo:rea"),
                   ERR_INVALID);
  assert_string_equal(bad, "repo:rea");
  assert_string_equal(out, "keep");
  assert_int_equal(apitoken_scope_normalize(&out, &bits, &bad, p, "repo:read,REPO:READ"),
                   ERR_INVALID);
  assert_string_equal(bad, "REPO:READ");
  assert_int_equal(apitoken_scope_normalize(&out, &bits, &bad, p, ""), ERR_INVALID);
  assert_string_equal(bad, "");
  assert_int_equal(apitoken_scope_normalize(&out, &bits, &bad, p, " , ,"), ERR_INVALID);
}

static void test_mint(void **state)
{
  struct wfx *w = *state;
  struct pool *p = w->f->p;
  int64_t alice = user(w, "alice", "$h");
  char token[APITOKEN_LEN + 1], token2[APITOKEN_LEN + 1], uuid[37], uuid2[37];
  int64_t cred = 0;
  struct apitoken_req rq = { .account_id = alice, .scopes = "repo:read", .name = "ci",
                             .expires_at = time_now() + 60 };
  assert_int_equal(apitoken_mint(token, uuid, &cred, w->f->m, w->k, &rq), 0);
  assert_int_equal(apitoken_mint(token2, uuid2, NULL, w->f->m, w->k, &rq), 0);
  assert_int_equal(strlen(token), APITOKEN_LEN);
  assert_int_equal(strlen(uuid), 36);
  assert_string_not_equal(token, token2);
  assert_string_not_equal(uuid, uuid2);
  /* stored show-once: found by its keyed hash, nothing readable */
  char idx[65];
  struct ident_cred c;
  assert_int_equal(keys_index(w->k, idx, token, APITOKEN_LEN), 0);
  assert_int_equal(ident_cred_by_index(w->f->m, p, &c, idx), 0);
  assert_int_equal(c.id, cred);
  assert_int_equal(c.kind, CRED_API);
  assert_null(c.secret_enc);
  assert_string_equal(c.scopes, "repo:read");
  assert_string_equal(c.name, "ci");
  /* unknown account */
  rq.account_id = 999;
  assert_int_equal(apitoken_mint(token, uuid, NULL, w->f->m, w->k, &rq), ERR_NOTFOUND);
}

int main(void)
{
  log_min_level = LOG_ERROR;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_ids_and_csrf, wsetup, wteardown),
    cmocka_unit_test_setup_teardown(test_session_lifecycle, wsetup, wteardown),
    cmocka_unit_test_setup_teardown(test_scope_normalize, wsetup, wteardown),
    cmocka_unit_test_setup_teardown(test_mint, wsetup, wteardown),
  };
  return fx_run_both("websession", tests, sizeof(tests) / sizeof(tests[0]));
}
