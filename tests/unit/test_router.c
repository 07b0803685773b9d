/* Route matching, path decoding and Range parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "registry/registry.h"
#include "server/router.h"
#include "util/pool.h"

static int match(struct pool *p, const char *pat, const char *path, const char **names,
                 const char **values)
{
  return router_match_pattern(p, pat, path, names, values, REQ_MAX_PARAMS);
}

static void test_patterns(void **state)
{
  (void)state;
  struct pool *p = pool_new();
  const char *n[REQ_MAX_PARAMS], *v[REQ_MAX_PARAMS];
  assert_int_equal(match(p, "/v2/", "/v2/", n, v), 0);
  assert_int_equal(match(p, "/v2/", "/v2", n, v), 0); /* trailing slash optional */
  assert_int_equal(match(p, "/v2/", "/v2x", n, v), -1);
  assert_int_equal(match(p, "/v2/{name}/blobs/{digest}", "/v2/a/b/c/blobs/sha256:x", n, v), 2);
  assert_string_equal(n[0], "name");
  assert_string_equal(v[0], "a/b/c");
  assert_string_equal(v[1], "sha256:x");
  /* {digest} is one segment */
  assert_int_equal(match(p, "/v2/{name}/blobs/{digest}", "/v2/a/blobs/x/y", n, v), -1);
  /* empty name never matches */
  assert_int_equal(match(p, "/v2/{name}/tags/list", "/v2//tags/list", n, v), -1);
  /* trailing slash optional on collection routes */
  assert_int_equal(match(p, "/v2/{name}/blobs/uploads/", "/v2/a/blobs/uploads", n, v), 1);
  assert_string_equal(v[0], "a");
  assert_int_equal(match(p, "/v2/{name}/blobs/uploads/", "/v2/a/blobs/uploads/", n, v), 1);
  /* a repository may be called "blobs": the longest name wins */
  assert_int_equal(match(p, "/v2/{name}/manifests/{reference}", "/v2/x/manifests/manifests/t", n, v), 2);
  assert_string_equal(v[0], "x/manifests");
  assert_string_equal(v[1], "t");
  pool_free(p);
}

static void test_table_routes(void **state)
{
  (void)state;
  struct pool *p = pool_new();
  struct req r;
  memset(&r, 0, sizeof(r));
  r.pool = p;
  assert_int_equal(router_match(&r, "GET", "/v2/a/blobs/uploads/1234"), ROUTE_FOUND);
  assert_string_equal(r.route->op_id, "end-13");
  assert_string_equal(req_param(&r, "uuid"), "1234");
  assert_int_equal(router_match(&r, "POST", "/v2/a/b/blobs/uploads/"), ROUTE_FOUND);
  assert_string_equal(req_param(&r, "name"), "a/b");
  assert_int_equal(router_match(&r, "PATCH", "/v2/a/manifests/x"), ROUTE_NO_METHOD);
  assert_int_equal(router_match(&r, "GET", "/v3/"), ROUTE_NO_PATH);
  assert_int_equal(router_match(&r, "GET", "/v2/_catalog"), ROUTE_FOUND);
  assert_string_equal(r.route->op_id, "catalog");
  /* every row has a handler and an operation id */
  for (size_t i = 0; i < router_table_len; i++) {
    assert_non_null(router_table[i].handler);
    assert_non_null(router_table[i].op_id);
  }
  pool_free(p);
}

static void test_decode(void **state)
{
  (void)state;
  struct pool *p = pool_new();
  assert_string_equal(router_decode_path(p, "/v2/a%3Ab"), "/v2/a:b");
  assert_string_equal(router_decode_path(p, "/v2/%2e%2e/x"), "/v2/../x");
  assert_null(router_decode_path(p, "/v2/a%2Fb"));
  assert_null(router_decode_path(p, "/v2/a%2fb"));
  assert_null(router_decode_path(p, "/v2/a%00"));
  assert_null(router_decode_path(p, "/v2/a%"));
  assert_null(router_decode_path(p, "/v2/a%4"));
  assert_null(router_decode_path(p, "/v2/a%zz"));
  assert_string_equal(router_decode_query(p, "a%2Fb+c"), "a/b+c");
  pool_free(p);
}

static void test_names_and_tags(void **state)
{
  (void)state;
  assert_true(reg_name_valid("a"));
  assert_true(reg_name_valid("acme/app"));
  assert_true(reg_name_valid("a-b__c.d/e--f"));
  assert_false(reg_name_valid(""));
  assert_false(reg_name_valid("A"));
  assert_false(reg_name_valid("a/../b"));
  assert_false(reg_name_valid(".."));
  assert_false(reg_name_valid("a/"));
  assert_false(reg_name_valid("/a"));
  assert_false(reg_name_valid("a//b"));
  assert_false(reg_name_valid("-a"));
  assert_false(reg_name_valid("a___b"));
  char longname[300];
  memset(longname, 'a', sizeof(longname));
  longname[256] = '\0';
  assert_false(reg_name_valid(longname));
  longname[255] = '\0';
  assert_true(reg_name_valid(longname));
  assert_true(reg_tag_valid("latest"));
  assert_true(reg_tag_valid("_x.Y-1"));
  assert_false(reg_tag_valid(".x"));
  assert_false(reg_tag_valid("-x"));
  assert_false(reg_tag_valid("a/b"));
  assert_false(reg_tag_valid(""));
}

static void test_range(void **state)
{
  (void)state;
  int64_t s, l;
  assert_int_equal(reg_parse_range(NULL, 10, &s, &l), 0);
  assert_int_equal(reg_parse_range("bytes=0-4", 10, &s, &l), 1);
  assert_int_equal(s, 0);
  assert_int_equal(l, 5);
  assert_int_equal(reg_parse_range("bytes=5-", 10, &s, &l), 1);
  assert_int_equal(s, 5);
  assert_int_equal(l, 5);
  assert_int_equal(reg_parse_range("bytes=-3", 10, &s, &l), 1);
  assert_int_equal(s, 7);
  assert_int_equal(l, 3);
  assert_int_equal(reg_parse_range("bytes=8-100", 10, &s, &l), 1);
  assert_int_equal(l, 2);
  assert_int_equal(reg_parse_range("bytes=10-12", 10, &s, &l), -1);
  assert_int_equal(reg_parse_range("bytes=-0", 10, &s, &l), -1);
  assert_int_equal(reg_parse_range("bytes=0-1,3-4", 10, &s, &l), 0);
  assert_int_equal(reg_parse_range("items=0-1", 10, &s, &l), 0);
  assert_int_equal(reg_parse_range("bytes=5-2", 10, &s, &l), 0);
  assert_int_equal(reg_parse_range("bytes=x", 10, &s, &l), 0);
  assert_int_equal(reg_parse_range("bytes=99999999999999999999-", 10, &s, &l), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_patterns),   cmocka_unit_test(test_table_routes),
    cmocka_unit_test(test_decode),     cmocka_unit_test(test_names_and_tags),
    cmocka_unit_test(test_range),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
