/* The web UI's embedded files (server/ui.h): the generated table, content
 * types and If-None-Match matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/ui.h"

static void test_table(void **state)
{
  (void)state;
  const struct ui_asset *index = ui_asset_find("index.html");
  assert_non_null(index);
  assert_non_null(ui_asset_find("app.js"));
  assert_null(ui_asset_find("nope.js"));
  assert_null(ui_asset_find(NULL));
  assert_null(ui_asset_find("../index.html"));
  assert_true(index->len > 0);
  assert_int_equal(index->data[index->len], 0); /* NUL after the bytes */
  assert_non_null(strstr((const char *)index->data, "<!doctype html>"));
  for (size_t i = 0; i < ui_assets_len; i++) {
    const struct ui_asset *a = &ui_assets[i];
    /* every embedded file has a known type and a quoted 20-digit tag */
    assert_string_not_equal(ui_content_type(a->name), "application/octet-stream");
    assert_int_equal(strlen(a->etag), 22);
    assert_int_equal(a->etag[0], '"');
    assert_int_equal(a->etag[21], '"');
    if (i > 0)
      assert_true(strcmp(ui_assets[i - 1].name, a->name) < 0);
  }
}

static void test_content_type(void **state)
{
  (void)state;
  assert_string_equal(ui_content_type("index.html"), "text/html; charset=utf-8");
  assert_string_equal(ui_content_type("app.js"), "text/javascript; charset=utf-8");
  assert_string_equal(ui_content_type("APP.CSS"), "text/css; charset=utf-8");
  assert_string_equal(ui_content_type("favicon.svg"), "image/svg+xml");
  assert_string_equal(ui_content_type("README"), "application/octet-stream");
  assert_string_equal(ui_content_type(NULL), "application/octet-stream");
}

static void test_etag_matches(void **state)
{
  (void)state;
  const char *tag = "\"0123456789abcdef0123\"";
  assert_true(ui_etag_matches(tag, tag));
  assert_true(ui_etag_matches("W/\"0123456789abcdef0123\"", tag));
  assert_true(ui_etag_matches("\"x\", \"0123456789abcdef0123\" ", tag));
  assert_true(ui_etag_matches("*", tag));
  assert_false(ui_etag_matches("\"0123456789abcdef012\"", tag));
  assert_false(ui_etag_matches("0123456789abcdef0123", tag));
  assert_false(ui_etag_matches("", tag));
  assert_false(ui_etag_matches(NULL, tag));
  assert_false(ui_etag_matches(",,, ,", tag));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_table),
    cmocka_unit_test(test_content_type),
    cmocka_unit_test(test_etag_matches),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
