/* Tests for util/base64: RFC 4648 vectors and canonical-only decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/base64.h"
#include "util/err.h"

static void check(enum base64_variant v, const char *plain, const char *enc)
{
  char *e = NULL;
  assert_int_equal(base64_encode(&e, plain, strlen(plain), v), 0);
  assert_string_equal(e, enc);
  free(e);
  unsigned char *d = NULL;
  size_t n = 99;
  assert_int_equal(base64_decode(&d, &n, enc, strlen(enc), v), 0);
  assert_int_equal(n, strlen(plain));
  assert_memory_equal(d, plain, n);
  assert_int_equal(d[n], '\0');
  free(d);
}

static void test_rfc4648_vectors(void **state)
{
  (void)state;
  static const char *v[][3] = {
    {"", "", ""},           {"f", "Zg==", "Zg"},         {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"}, {"foob", "Zm9vYg==", "Zm9vYg"}, {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
    {"\xfb\xff\xbf", "+/+/", "-_-_"},
    {"user:pa ss", "dXNlcjpwYSBzcw==", "dXNlcjpwYSBzcw"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    check(BASE64_STD, v[i][0], v[i][1]);
    check(BASE64_URL, v[i][0], v[i][2]);
  }
}

static void test_rejects_non_canonical(void **state)
{
  (void)state;
  static const char *std_bad[] = {
    "Zg",       /* padding required */
    "Zg=",      "Zh==",     /* unused bits set */
    "Zm9=",     /* unused bits set */
    "Zm8=Zm8=", /* padding in the middle */
    "Zg==\n",   " Zg==",    "Zm 9v", "Zm9v\r\n", "Zg===", "====", "=Zg=",
    "-_-_",     /* url alphabet */
    "Zm9v!",    "Z",
  };
  static const char *url_bad[] = {
    "Zg==", "Zm8=", /* padding */
    "Zh", "Zm9",    /* unused bits set */
    "Z",  "Zm9vY", /* impossible lengths */
    "+/+/", "Zm9v\n", " Zm9v", "Zm.9v",
  };
  unsigned char *d = (unsigned char *)0x1;
  size_t n = 7;
  for (size_t i = 0; i < sizeof(std_bad) / sizeof(std_bad[0]); i++)
    assert_int_equal(base64_decode(&d, &n, std_bad[i], strlen(std_bad[i]), BASE64_STD),
                     ERR_INVALID);
  for (size_t i = 0; i < sizeof(url_bad) / sizeof(url_bad[0]); i++)
    assert_int_equal(base64_decode(&d, &n, url_bad[i], strlen(url_bad[i]), BASE64_URL),
                     ERR_INVALID);
  /* an embedded NUL inside n */
  assert_int_equal(base64_decode(&d, &n, "Zm\0v", 4, BASE64_STD), ERR_INVALID);
  assert_ptr_equal(d, (unsigned char *)0x1); /* untouched on failure */
  assert_int_equal(n, 7);
  /* n bounds the input */
  assert_int_equal(base64_decode(&d, &n, "Zm9vgarbage", 4, BASE64_URL), 0);
  assert_int_equal(n, 3);
  free(d);
}

static void test_roundtrip_all_lengths(void **state)
{
  (void)state;
  unsigned char buf[300];
  for (size_t i = 0; i < sizeof(buf); i++)
    buf[i] = (unsigned char)(i * 37 + 11);
  for (int v = BASE64_STD; v <= BASE64_URL; v++) {
    for (size_t len = 0; len <= sizeof(buf); len++) {
      char *e = NULL;
      assert_int_equal(base64_encode(&e, buf, len, (enum base64_variant)v), 0);
      unsigned char *d = NULL;
      size_t n = 0;
      assert_int_equal(base64_decode(&d, &n, e, strlen(e), (enum base64_variant)v), 0);
      assert_int_equal(n, len);
      assert_memory_equal(d, buf, len);
      free(d);
      free(e);
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rfc4648_vectors),
    cmocka_unit_test(test_rejects_non_canonical),
    cmocka_unit_test(test_roundtrip_all_lengths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
