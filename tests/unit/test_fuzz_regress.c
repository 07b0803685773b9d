/* Regression tests for what the fuzz targets fuzz_s3 and fuzz_logs found
 * (fuzz/README.md "Found and fixed"): S3 XML numeric entities, a storage
 * URL accepted with redirect on that could never presign, and negative
 * fields in usage-log times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "api/logs_int.h"
#include "auth/oidc.h"
#include "blob/s3_int.h"
#include "util/err.h"
#include "util/log.h"

static int xml(char *out, size_t outlen, const char *doc, const char *tag)
{
  return s3_xml_text(out, outlen, doc, doc + strlen(doc), tag);
}

static void test_xml_entities(void **state)
{
  (void)state;
  char out[64];
  assert_int_equal(xml(out, sizeof(out), "<K>a&#65;b&amp;&lt;&#47;</K>", "K"), 0);
  assert_string_equal(out, "aAb&</");
  /* no ';': kept as written (sscanf left its %n unset here and moved the
   * cursor by stack garbage) */
  assert_int_equal(xml(out, sizeof(out), "<K>&#65</K>", "K"), 0);
  assert_string_equal(out, "&#65");
  assert_int_equal(xml(out, sizeof(out), "<K>&#</K>", "K"), 0);
  assert_string_equal(out, "&#");
  assert_int_equal(xml(out, sizeof(out), "<K>&</K>", "K"), 0);
  assert_string_equal(out, "&");
  /* 0, 128 and more than three digits are not decoded */
  assert_int_equal(xml(out, sizeof(out), "<K>&#0;&#128;&#0065;</K>", "K"), 0);
  assert_string_equal(out, "&#0;&#128;&#0065;");
  assert_int_equal(xml(out, sizeof(out), "<K>&# 65;&#+65;</K>", "K"), 0);
  assert_string_equal(out, "&# 65;&#+65;");
  assert_int_equal(xml(out, 4, "<K>abcd</K>", "K"), ERR_TOOBIG);
  assert_int_equal(xml(out, sizeof(out), "<K>abcd", "K"), ERR_NOTFOUND);
}

static void test_redirect_needs_signable_settings(void **state)
{
  (void)state;
  const char *vars[] = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                         "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
                         "AWS_ENDPOINT_URL_S3" };
  for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
    unsetenv(vars[i]);
  char url[1024], region[301];
  memset(region, 'r', 300);
  region[300] = '\0';
  struct s3_store *s = NULL;
  snprintf(url, sizeof(url),
           "s3://bucket?endpoint=http://127.0.0.1:1&access_key=a&secret_key=b&region=%s"
           "&redirect=true",
           region);
  log_min_level = LOG_ERROR;
  assert_int_equal(s3_store_parse(&s, url), ERR_INVALID); /* was accepted */
  assert_null(s);
  /* without redirect the same settings are the operator's business */
  snprintf(url, sizeof(url),
           "s3://bucket?endpoint=http://127.0.0.1:1&access_key=a&secret_key=b&region=%s", region);
  assert_int_equal(s3_store_parse(&s, url), 0);
  blob_s3_ops.close(&s->base);
  s = NULL;
  assert_int_equal(s3_store_parse(&s, "s3://bucket?endpoint=http://127.0.0.1:1&access_key=a"
                                      "&secret_key=b&redirect=true"),
                   0);
  assert_int_equal(s->redirect_s, S3_REDIRECT_DEFAULT);
  blob_s3_ops.close(&s->base);
}

static void test_log_times(void **state)
{
  (void)state;
  int64_t t = -1;
  assert_int_equal(logs_parse_when(&t, "2026-01-01T-1:00:00Z"), 0); /* was 2025-12-31 23:00 */
  assert_int_equal(logs_parse_when(&t, "2026-01-01T00:-1:00Z"), 0);
  assert_int_equal(logs_parse_when(&t, "2026-01-01T00:00:-1Z"), 0);
  assert_int_equal(t, -1);
  assert_int_equal(logs_parse_when(&t, "2026-01-01T00:00:01Z"), 2);
  assert_int_equal(t, 1767225601);
  assert_int_equal(logs_parse_when(&t, "01/02/2026"), 1);
  assert_int_equal(t, 1767312000);
  assert_int_equal(logs_parse_when(&t, "02/30/2026"), 0);
}

static void test_oidc_loopback_is_an_address(void **state)
{
  (void)state;
  assert_int_equal(oidc_url_ok("http://127.0.0.1:8080/x", 0), 0);
  assert_int_equal(oidc_url_ok("http://127.5.6.7/x", 0), 0);
  /* names of digits and dots are DNS names (a search domain may answer) */
  assert_int_equal(oidc_url_ok("http://127.0.0.1.5/x", 0), ERR_INVALID);
  assert_int_equal(oidc_url_ok("http://127.0.0.210.007.0.0..0.1/x", 0), ERR_INVALID);
  assert_int_equal(oidc_url_ok("http://127.0.0.1.5/x", 1), 0);
  /* an IPv6 zone id is refused outright (no issuer needs one) */
  assert_int_equal(oidc_url_ok("http://[::1]:27/x", 0), 0);
  assert_int_equal(oidc_url_ok("http://[::1%::1]:27/x", 0), ERR_INVALID);
  assert_int_equal(oidc_url_ok("https://[fe80::1%25eth0]/x", 0), ERR_INVALID);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_xml_entities),
    cmocka_unit_test(test_redirect_needs_signable_settings),
    cmocka_unit_test(test_log_times),
    cmocka_unit_test(test_oidc_loopback_is_an_address),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
