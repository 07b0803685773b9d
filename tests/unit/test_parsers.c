/* Parsers of client input exposed for the fuzzers in fuzz/: Content-Range
 * (registry/common.c), /v2/auth scopes (registry/token.c) and Basic
 * credentials (auth/auth.c). Every crash the fuzzers found is a case here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "registry/registry.h"
#include "util/err.h"
#include "util/pool.h"

static void test_content_range(void **state)
{
  (void)state;
  int64_t s = -1, e = -1;
  assert_int_equal(reg_parse_content_range("0-1023", &s, &e), 0);
  assert_int_equal(s, 0);
  assert_int_equal(e, 1023);
  assert_int_equal(reg_parse_content_range("bytes 1024-2047/4096", &s, &e), 0);
  assert_int_equal(s, 1024);
  assert_int_equal(e, 2047);
  assert_int_equal(reg_parse_content_range("bytes=5-5", &s, &e), 0);
  assert_int_equal(s, 5);
  assert_int_equal(e, 5);
  assert_int_equal(reg_parse_content_range("1-9223372036854775806", &s, &e), 0);
  assert_int_equal(e, INT64_MAX - 1);
  s = e = -1;
  assert_int_equal(reg_parse_content_range("", &s, &e), ERR_INVALID);
  assert_int_equal(reg_parse_content_range("5-4", &s, &e), ERR_INVALID);
  assert_int_equal(reg_parse_content_range("-1-4", &s, &e), ERR_INVALID);
  assert_int_equal(reg_parse_content_range("0-", &s, &e), ERR_INVALID);
  assert_int_equal(reg_parse_content_range("0-4x", &s, &e), ERR_INVALID);
  assert_int_equal(reg_parse_content_range("0-99999999999999999999", &s, &e), ERR_INVALID);
  /* fuzz_range: the chunk length end - start + 1 overflowed int64 in upload.c */
  assert_int_equal(reg_parse_content_range("0-9223372036854775807", &s, &e), ERR_INVALID);
  assert_int_equal(s, -1); /* outputs untouched on failure */
  assert_int_equal(e, -1);
}

static void test_scope(void **state)
{
  (void)state;
  struct pool *p = pool_new();
  struct reg_scope sc;
  const char *s = "repository:library/ubuntu:pull,push";
  assert_int_equal(reg_scope_parse(&sc, p, s, strlen(s)), REG_SCOPE_OK);
  assert_string_equal(sc.name, "library/ubuntu");
  assert_int_equal(sc.actions, ACTION_PULL | ACTION_PUSH);
  s = "repository:a/b:*";
  assert_int_equal(reg_scope_parse(&sc, p, s, strlen(s)), REG_SCOPE_OK);
  assert_int_equal(sc.actions, ACTION_ALL);
  s = "repository:a/b:";
  assert_int_equal(reg_scope_parse(&sc, p, s, strlen(s)), REG_SCOPE_OK);
  assert_int_equal(sc.actions, 0);
  /* only the first len bytes count */
  s = "repository:a/b:pull repository:c:push";
  assert_int_equal(reg_scope_parse(&sc, p, s, 19), REG_SCOPE_OK);
  assert_string_equal(sc.name, "a/b");
  s = "registry:catalog:*";
  assert_int_equal(reg_scope_parse(&sc, p, s, strlen(s)), REG_SCOPE_OTHER);
  s = "repository:a/b:delete";
  assert_int_equal(reg_scope_parse(&sc, p, s, strlen(s)), REG_SCOPE_BAD);
  s = "repository:a/b:pull,,push";
  assert_int_equal(reg_scope_parse(&sc, p, s, strlen(s)), REG_SCOPE_BAD);
  s = "repository:a/b";
  assert_int_equal(reg_scope_parse(&sc, p, s, strlen(s)), REG_SCOPE_BAD);
  s = "repository:localhost:5000/a/b:pull";
  assert_int_equal(reg_scope_parse(&sc, p, s, strlen(s)), REG_SCOPE_BAD_NAME);
  s = "repository:A:pull";
  assert_int_equal(reg_scope_parse(&sc, p, s, strlen(s)), REG_SCOPE_BAD_NAME);
  pool_free(p);
}

static void test_basic(void **state)
{
  (void)state;
  struct pool *p = pool_new();
  const char *u = NULL, *s = NULL;
  assert_int_equal(auth_parse_basic(&u, &s, p, "YWxpY2U6czNjcmV0"), 0); /* alice:s3cret */
  assert_string_equal(u, "alice");
  assert_string_equal(s, "s3cret");
  assert_int_equal(auth_parse_basic(&u, &s, p, "dTpwOnE="), 0); /* u:p:q */
  assert_string_equal(u, "u");
  assert_string_equal(s, "p:q");
  assert_int_equal(auth_parse_basic(&u, &s, p, "YWxpY2U6"), 0); /* alice: */
  assert_string_equal(s, "");
  u = s = NULL;
  assert_int_equal(auth_parse_basic(&u, &s, p, ""), ERR_INVALID);
  assert_int_equal(auth_parse_basic(&u, &s, p, "YWxpY2U="), ERR_INVALID);  /* no colon */
  assert_int_equal(auth_parse_basic(&u, &s, p, "YQBiOmM="), ERR_INVALID);  /* a NUL b:c */
  assert_int_equal(auth_parse_basic(&u, &s, p, "!!!!"), ERR_INVALID);
  /* fuzz_basic: padding alone decoded to a length of -1 (heap overflow) */
  assert_int_equal(auth_parse_basic(&u, &s, p, "===="), ERR_INVALID);
  assert_int_equal(auth_parse_basic(&u, &s, p, "YQ=="), ERR_INVALID);
  assert_int_equal(auth_parse_basic(&u, &s, p, "YR=="), ERR_INVALID);     /* unused bits set */
  assert_int_equal(auth_parse_basic(&u, &s, p, "YWxpY2U"), ERR_INVALID);   /* not a multiple of 4 */
  assert_null(u);
  assert_null(s);
  char big[AUTH_BASIC_MAX + 5];
  memset(big, 'A', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  assert_int_equal(auth_parse_basic(&u, &s, p, big), ERR_INVALID);
  pool_free(p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_content_range),
    cmocka_unit_test(test_scope),
    cmocka_unit_test(test_basic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
