/* util/utf8: validity as jansson sees it, and cleaning client text for
 * JSON error bodies (fuzz_api_body found 500s from both problems). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "util/pool.h"
#include "util/utf8.h"

static int valid(const char *s)
{
  int v = utf8_valid(s, strlen(s));
  /* the same judgement as jansson's */
  json_t *j = json_stringn(s, strlen(s));
  assert_int_equal(v, j != NULL);
  json_decref(j);
  return v;
}

static void test_valid(void **state)
{
  (void)state;
  assert_true(valid(""));
  assert_true(valid("plain ascii"));
  assert_true(valid("\xc3\xa9t\xc3\xa9"));          /* été */
  assert_true(valid("\xe2\x82\xac"));                /* € */
  assert_true(valid("\xf0\x9f\x90\xb3"));            /* 🐳 */
  assert_true(valid("\xf4\x8f\xbf\xbf"));            /* U+10FFFF */
  assert_false(valid("\xc3"));                       /* cut */
  assert_false(valid("\xe2\x82"));
  assert_false(valid("\xc0\xaf"));                   /* overlong '/' */
  assert_false(valid("\xe0\x80\xaf"));
  assert_false(valid("\xed\xa0\x80"));               /* surrogate */
  assert_false(valid("\xf4\x90\x80\x80"));           /* above U+10FFFF */
  assert_false(valid("\xff"));
  assert_false(valid("a\x80" "b"));
}

static void test_clean(void **state)
{
  (void)state;
  struct pool *p = pool_new();
  const char *s = "already fine";
  assert_ptr_equal(utf8_clean(p, s, 100), s);
  assert_string_equal(utf8_clean(p, "a\xff" "b\xc3", 100), "a?b?");
  /* a cut never splits a character */
  assert_string_equal(utf8_clean(p, "ab\xc3\xa9\xc3\xa9", 3), "ab");
  assert_string_equal(utf8_clean(p, "ab\xc3\xa9\xc3\xa9", 4), "ab\xc3\xa9");
  assert_string_equal(utf8_clean(p, "abcdef", 0), "");
  assert_null(utf8_clean(p, NULL, 10));
  const char *c = utf8_clean(p, "\xed\xa0\x80x", 10);
  assert_true(utf8_valid(c, strlen(c)));
  pool_free(p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_valid),
    cmocka_unit_test(test_clean),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
