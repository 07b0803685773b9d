/* Store side of the robot token policies of issue 8, on either engine
 * (PostgreSQL too when WHARF_TEST_PG is set): an organization's maximum
 * robot token lifetime and email (ident_org_update, migration 9) and
 * show-once credentials, stored with their index only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/ident.h"
#include "store/meta.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"

#include "ident_fixture.h"

static void test_org_lifetime(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t user = mk(f, IDENT_USER, "alice", 0);
  int64_t bot = mk(f, IDENT_ROBOT, "acme+ci", org);
  int64_t v = -5;
  /* none by default, for every kind of account */
  assert_int_equal(ident_token_lifetime_get(f->m, &v, org), 0);
  assert_int_equal(v, 0);
  assert_int_equal(ident_token_lifetime_get(f->m, &v, user), 0);
  assert_int_equal(v, 0);
  assert_int_equal(ident_token_lifetime_get(f->m, &v, bot), 0);
  assert_int_equal(v, 0);
  assert_int_equal(ident_org_update(f->m, org, NULL, 86400), 0);
  assert_int_equal(ident_token_lifetime_get(f->m, &v, org), 0);
  assert_int_equal(v, 86400);
  /* -1 leaves it, email alone changes */
  assert_int_equal(ident_org_update(f->m, org, "ops@example.com", -1), 0);
  assert_int_equal(ident_token_lifetime_get(f->m, &v, org), 0);
  assert_int_equal(v, 86400);
  struct ident_account a;
  assert_int_equal(ident_account_get(f->m, f->p, &a, org), 0);
  assert_string_equal(a.email, "ops@example.com");
  /* 0 removes the maximum, the email stays */
  assert_int_equal(ident_org_update(f->m, org, NULL, 0), 0);
  assert_int_equal(ident_token_lifetime_get(f->m, &v, org), 0);
  assert_int_equal(v, 0);
  assert_int_equal(ident_account_get(f->m, f->p, &a, org), 0);
  assert_string_equal(a.email, "ops@example.com");
  /* organizations only; out stays unwritten on failure */
  assert_int_equal(ident_org_update(f->m, user, NULL, 60), ERR_NOTFOUND);
  assert_int_equal(ident_org_update(f->m, bot, "x@example.com", 60), ERR_NOTFOUND);
  assert_int_equal(ident_org_update(f->m, 99999, NULL, 60), ERR_NOTFOUND);
  assert_int_equal(ident_org_update(f->m, org, NULL, -2), ERR_INVALID);
  v = 7;
  assert_int_equal(ident_token_lifetime_get(f->m, &v, 99999), ERR_NOTFOUND);
  assert_int_equal(v, 7);
  assert_int_equal(ident_token_lifetime_get(f->m, &v, user), 0);
  assert_int_equal(v, 0);
}

static void test_show_once_cred(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t bot = mk(f, IDENT_ROBOT, "acme+ci", org);
  struct ident_cred c = { .account_id = bot, .kind = CRED_ROBOT, .index = "hmac-only",
                          .expires_at = 4000 };
  int64_t id = 0, id2 = 0;
  assert_int_equal(ident_cred_add(f->m, &id, &c), 0);
  struct ident_cred got;
  assert_int_equal(ident_cred_by_index(f->m, f->p, &got, "hmac-only"), 0);
  assert_int_equal(got.id, id);
  assert_null(got.secret_enc);
  assert_int_equal(got.expires_at, 4000);
  /* a regeneration replaces it with another index-only credential */
  c.index = "hmac-two";
  assert_int_equal(ident_cred_replace(f->m, &id2, &c), 0);
  assert_int_equal(ident_cred_by_index(f->m, f->p, &got, "hmac-only"), ERR_NOTFOUND);
  struct ident_cred *list = NULL;
  size_t n = 0;
  assert_int_equal(ident_cred_list(f->m, f->p, &list, &n, bot, CRED_ROBOT), 0);
  assert_int_equal(n, 1);
  assert_int_equal(list[0].id, id2);
  assert_null(list[0].secret_enc);
}

int main(void)
{
  log_min_level = LOG_ERROR;
  const struct CMUnitTest store[] = {
    cmocka_unit_test_setup_teardown(test_org_lifetime, setup, teardown),
    cmocka_unit_test_setup_teardown(test_show_once_cred, setup, teardown),
  };
  return fx_run_both("robot_policy_store", store, sizeof(store) / sizeof(store[0]));
}
