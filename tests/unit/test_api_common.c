/* Tests for api/common.c: Quay's name rules, RFC 2822 dates, avatars, roles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/api.h"
#include "util/err.h"
#include "util/pool.h"

static void test_names(void **state)
{
  (void)state;
  struct pool *p = pool_new();
  static const char *const good[] = { "ab", "a.b", "a_b-c.d", "x9", "0a", "cicd_puller" };
  static const char *const bad_regex[] = { "Z7PD", "a..b", "-ab", "ab_", "a+b", "a/b", "",
                                           "a b", "é1" };
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
    assert_null(api_name_problem(p, good[i]));
  for (size_t i = 0; i < sizeof(bad_regex) / sizeof(bad_regex[0]); i++)
    assert_string_equal(api_name_problem(p, bad_regex[i]),
                        "Namespace must match expression " API_NAME_REGEX);
  char long_name[257];
  memset(long_name, 'a', 256);
  long_name[256] = '\0';
  assert_string_equal(api_name_problem(p, "a"),
                      "Namespace must be between 2 and 255 characters in length");
  assert_non_null(api_name_problem(p, long_name));
  long_name[255] = '\0';
  assert_null(api_name_problem(p, long_name));
  pool_free(p);
}

static void test_repo_names(void **state)
{
  (void)state;
  assert_true(api_repo_name_valid("app"));
  assert_true(api_repo_name_valid("team/sub/app"));
  assert_true(api_repo_name_valid("a.b_c-d"));
  assert_false(api_repo_name_valid(""));
  assert_false(api_repo_name_valid("App"));
  assert_false(api_repo_name_valid("a//b"));
  assert_false(api_repo_name_valid("/a"));
  assert_false(api_repo_name_valid("a/"));
  assert_false(api_repo_name_valid("-a"));
  assert_false(api_repo_name_valid("a/.b"));
  char n[257];
  memset(n, 'a', 256);
  n[256] = '\0';
  assert_false(api_repo_name_valid(n));
}

static void test_dates(void **state)
{
  (void)state;
  json_t *d = api_date(1480550400); /* 2016-12-01 00:00:00 UTC */
  assert_string_equal(json_string_value(d), "Thu, 01 Dec 2016 00:00:00 -0000");
  json_decref(d);
  d = api_date(1484006399);
  assert_string_equal(json_string_value(d), "Mon, 09 Jan 2017 23:59:59 -0000");
  json_decref(d);
  d = api_date(0);
  assert_true(json_is_null(d));
  json_decref(d);
}

static void test_avatar_and_roles(void **state)
{
  (void)state;
  json_t *a = api_avatar("admin", "user");
  assert_string_equal(json_string_value(json_object_get(a, "hash")),
                      "21232f297a57a5a743894a0e4a801fc3"); /* md5("admin") */
  assert_string_equal(json_string_value(json_object_get(a, "kind")), "user");
  assert_int_equal(json_string_length(json_object_get(a, "color")), 7);
  json_decref(a);
  enum ident_role role = ROLE_NONE;
  assert_int_equal(api_role_parse(&role, "write"), 0);
  assert_int_equal(role, ROLE_WRITE);
  assert_int_equal(api_role_parse(&role, "owner"), ERR_INVALID);
  assert_int_equal(api_role_parse(&role, NULL), ERR_INVALID);
  assert_int_equal(role, ROLE_WRITE);
  assert_string_equal(api_role_name(ROLE_ADMIN), "admin");
  assert_null(api_role_name(ROLE_NONE));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_names),
    cmocka_unit_test(test_repo_names),
    cmocka_unit_test(test_dates),
    cmocka_unit_test(test_avatar_and_roles),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
