/* Tests for the robot token lifecycle pieces of issue 8: util/cidr (allow-
 * list matching), util/rfc3339 (token_expiration) and the store operations
 * ident_cred_list, ident_cred_cap_expiry and ident_robot_set_access on
 * either engine. */
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
#include "util/cidr.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/rfc3339.h"

#include "ident_fixture.h"

static int valid(const char *s)
{
  return cidr_valid(s, strlen(s)) == 0;
}

static void test_cidr_valid(void **state)
{
  (void)state;
  assert_true(valid("10.0.0.0/8"));
  assert_true(valid("127.0.0.1"));
  assert_true(valid("0.0.0.0/0"));
  assert_true(valid("::1"));
  assert_true(valid("2001:db8::/32"));
  assert_true(valid("::/0"));
  assert_false(valid(""));
  assert_false(valid("10.0.0.0/33"));
  assert_false(valid("10.0.0.0/"));
  assert_false(valid("10.0.0.0/-1"));
  assert_false(valid("10.0.0.0/8x"));
  assert_false(valid("10.0.0/8"));
  assert_false(valid("::1/129"));
  assert_false(valid("example.com"));
  assert_false(valid("10.0.0.1,10.0.0.2"));
  assert_false(valid(" 10.0.0.1"));
  assert_false(valid("1:2:3:4:5:6:7:8:9/64"));
}

static void test_cidr_match(void **state)
{
  (void)state;
  assert_true(cidr_list_match("10.0.0.0/8", "10.255.1.2"));
  assert_false(cidr_list_match("10.0.0.0/8", "11.0.0.1"));
  assert_true(cidr_list_match("192.168.1.0/25", "192.168.1.127"));
  assert_false(cidr_list_match("192.168.1.0/25", "192.168.1.128"));
  assert_true(cidr_list_match("10.0.0.0/8,127.0.0.2", "127.0.0.2"));
  assert_false(cidr_list_match("10.0.0.0/8,127.0.0.2", "127.0.0.1"));
  assert_true(cidr_list_match("0.0.0.0/0", "8.8.8.8"));
  assert_false(cidr_list_match("0.0.0.0/0", "::1"));  /* families never mix */
  assert_true(cidr_list_match("2001:db8::/32", "2001:db8:1::5"));
  assert_false(cidr_list_match("2001:db8::/32", "2001:db9::1"));
  assert_true(cidr_list_match("::1", "::1"));
  assert_true(cidr_list_match("fe80::/10", "febf::1"));
  assert_false(cidr_list_match("fe80::/10", "fec0::1"));
  /* an IPv4-mapped peer address matches IPv4 blocks */
  assert_true(cidr_list_match("127.0.0.0/8", "::ffff:127.0.0.1"));
  /* ... and a list entry written in the mapped form matches IPv4 clients */
  assert_true(cidr_list_match("::ffff:10.0.0.0/104", "10.1.2.3"));
  assert_true(cidr_list_match("::ffff:10.0.0.0/104", "::ffff:10.1.2.3"));
  assert_false(cidr_list_match("::ffff:10.0.0.0/104", "11.1.2.3"));
  assert_true(cidr_list_match("::ffff:127.0.0.1", "127.0.0.1"));
  assert_false(cidr_list_match("::ffff:127.0.0.1", "127.0.0.2"));
  assert_true(cidr_list_match("::ffff:0:0/96", "192.0.2.1"));
  assert_true(cidr_list_match("::/0", "192.0.2.1"));
  assert_false(cidr_list_match("2001:db8::/32", "192.0.2.1"));
  assert_true(valid("::ffff:10.0.0.0/104"));
  assert_false(valid("::ffff:10.0.0.0/129"));
  assert_false(cidr_list_match("", "127.0.0.1"));
  assert_false(cidr_list_match("10.0.0.0/8", "-"));
  assert_false(cidr_list_match("10.0.0.0/8", NULL));
  /* a broken entry is skipped, not a match */
  assert_true(cidr_list_match("bogus,,10.0.0.0/8", "10.1.1.1"));
}

static int64_t parse(const char *s)
{
  int64_t t = -1;
  return rfc3339_parse(&t, s) == 0 ? t : -1;
}

static void test_rfc3339(void **state)
{
  (void)state;
  char buf[RFC3339_BUF];
  assert_int_equal(parse("1970-01-01T00:00:00Z"), 0);
  assert_int_equal(parse("2026-12-04T17:05:28Z"), 1796403928);
  assert_int_equal(parse("2026-12-04t17:05:28z"), 1796403928);
  assert_int_equal(parse("2026-12-04T17:05:28.123456Z"), 1796403928);
  assert_int_equal(parse("2026-12-04T18:05:28+01:00"), 1796403928);
  assert_int_equal(parse("2026-12-04T12:35:28-04:30"), 1796403928);
  assert_int_equal(parse("2000-02-29T00:00:00Z"), 951782400);
  assert_int_equal(parse("2001-02-29T00:00:00Z"), -1);
  assert_int_equal(parse("2026-13-01T00:00:00Z"), -1);
  assert_int_equal(parse("2026-12-04T24:00:00Z"), -1);
  assert_int_equal(parse("2026-12-04T17:05:28"), -1);
  assert_int_equal(parse("2026-12-04T17:05:28+0100"), -1);
  assert_int_equal(parse("2026-12-04T17:05:28.Z"), -1);
  assert_int_equal(parse("2026-12-04"), -1);
  assert_int_equal(parse("tomorrow"), -1);
  assert_int_equal(parse("2026-12-04T17:05:28Zjunk"), -1);
  assert_string_equal(rfc3339_format(buf, 0), "1970-01-01T00:00:00Z");
  assert_string_equal(rfc3339_format(buf, 1796403928), "2026-12-04T17:05:28Z");
  assert_string_equal(rfc3339_format(buf, 951782400 + 86399), "2000-02-29T23:59:59Z");
  for (int64_t t = 0; t < 5000000000LL; t += 86400 * 37 + 3671) {
    rfc3339_format(buf, t);
    assert_int_equal(parse(buf), t);
  }
}

static void test_store_tokens(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t bot = mk(f, IDENT_ROBOT, "acme+ci", org);
  int64_t other = mk(f, IDENT_ROBOT, "acme+cd", org);
  int64_t a = cred(f, bot, CRED_ROBOT, "i1");
  int64_t b = cred(f, bot, CRED_ROBOT, "i2");
  int64_t c = cred(f, other, CRED_ROBOT, "i3");
  struct ident_cred *list = NULL;
  size_t n = 0;
  assert_int_equal(ident_cred_list(f->m, f->p, &list, &n, bot, CRED_ROBOT), 0);
  assert_int_equal(n, 2);
  assert_int_equal(list[0].id, a);
  assert_int_equal(list[1].id, b);
  assert_int_equal(list[0].expires_at, 0);
  assert_int_equal(ident_token_touch(f->m, b, 1000, 120), 0);
  /* rotation with grace: every other token of the robot, never another robot's */
  assert_int_equal(ident_cred_cap_expiry(f->m, bot, CRED_ROBOT, b, 5000), 0);
  assert_int_equal(ident_cred_list(f->m, f->p, &list, &n, bot, CRED_ROBOT), 0);
  assert_int_equal(list[0].expires_at, 5000);
  assert_int_equal(list[1].expires_at, 0);
  assert_int_equal(list[1].last_accessed, 1000);
  /* a cap never extends an earlier expiry */
  assert_int_equal(ident_cred_cap_expiry(f->m, bot, CRED_ROBOT, b, 9000), 0);
  struct ident_cred got;
  assert_int_equal(ident_cred_get(f->m, f->p, &got, a), 0);
  assert_int_equal(got.expires_at, 5000);
  assert_int_equal(ident_cred_get(f->m, f->p, &got, c), 0);
  assert_int_equal(got.expires_at, 0);
  assert_int_equal(ident_cred_cap_expiry(f->m, bot, CRED_ROBOT, b, 0), ERR_INVALID);
  assert_int_equal(ident_cred_list(f->m, f->p, &list, &n, org, CRED_ROBOT), 0);
  assert_int_equal(n, 0);
}

static void test_store_access(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t bot = mk(f, IDENT_ROBOT, "acme+ci", org);
  struct ident_account a;
  assert_int_equal(ident_account_get(f->m, f->p, &a, bot), 0);
  assert_string_equal(a.allowed_cidrs, "");
  assert_int_equal(ident_robot_set_access(f->m, bot, 0, "10.0.0.0/8,::1"), 0);
  assert_int_equal(ident_account_get(f->m, f->p, &a, bot), 0);
  assert_int_equal(a.enabled, 0);
  assert_string_equal(a.allowed_cidrs, "10.0.0.0/8,::1");
  assert_int_equal(ident_robot_set_access(f->m, bot, 1, NULL), 0); /* list unchanged */
  assert_int_equal(ident_account_by_name(f->m, f->p, &a, "acme+ci"), 0);
  assert_int_equal(a.enabled, 1);
  assert_string_equal(a.allowed_cidrs, "10.0.0.0/8,::1");
  assert_int_equal(ident_robot_set_access(f->m, bot, -1, ""), 0); /* enabled unchanged */
  assert_int_equal(ident_account_get(f->m, f->p, &a, bot), 0);
  assert_int_equal(a.enabled, 1);
  assert_string_equal(a.allowed_cidrs, "");
  /* only robots */
  assert_int_equal(ident_robot_set_access(f->m, org, 0, NULL), ERR_NOTFOUND);
  assert_int_equal(ident_robot_set_access(f->m, 999, 0, NULL), ERR_NOTFOUND);
}

int main(void)
{
  log_min_level = LOG_ERROR;
  const struct CMUnitTest pure[] = {
    cmocka_unit_test(test_cidr_valid),
    cmocka_unit_test(test_cidr_match),
    cmocka_unit_test(test_rfc3339),
  };
  const struct CMUnitTest store[] = {
    cmocka_unit_test_setup_teardown(test_store_tokens, setup, teardown),
    cmocka_unit_test_setup_teardown(test_store_access, setup, teardown),
  };
  int failed = cmocka_run_group_tests_name("robot_lifecycle_parsers", pure, NULL, NULL);
  return failed + fx_run_both("robot_lifecycle_store", store, sizeof(store) / sizeof(store[0]));
}
