/* SigV4 query-string signing (src/blob/s3_presign.c) against the example AWS
 * publishes in "Authenticating Requests: Using Query Parameters (AWS
 * Signature Version 4)": GET examplebucket/test.txt, 2013-05-24 00:00:00Z,
 * valid 86400 s, signature aeeed9bb…d404. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "blob/s3_presign.h"
#include "util/err.h"

#define AWS_SIG "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
#define T20130524 1369353600 /* 2013-05-24T00:00:00Z */

static struct s3_presign example(void)
{
  struct s3_presign p = {
    .method = "GET",
    .host = "examplebucket.s3.amazonaws.com",
    .path = "/test.txt",
    .region = "us-east-1",
    .access_key = "AKIAIOSFODNN7EXAMPLE",
    .secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    .now = T20130524,
    .expires = 86400,
  };
  return p;
}

static void test_aws_example(void **state)
{
  (void)state;
  struct s3_presign p = example();
  char out[2048];
  assert_int_equal(s3_presign_target(out, sizeof(out), &p), 0);
  assert_string_equal(out, "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                           "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F"
                           "aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
                           "&X-Amz-SignedHeaders=host&X-Amz-Signature=" AWS_SIG);
}

/* Everything signed changes the signature; nothing secret is in the URL. */
static void test_inputs_are_signed(void **state)
{
  (void)state;
  char base[2048], out[2048];
  struct s3_presign p = example();
  assert_int_equal(s3_presign_target(base, sizeof(base), &p), 0);
  const char *hosts[] = { "examplebucket.s3.amazonaws.com:443", "other.s3.amazonaws.com" };
  for (size_t i = 0; i < 2; i++) {
    p = example();
    p.host = hosts[i];
    assert_int_equal(s3_presign_target(out, sizeof(out), &p), 0);
    assert_null(strstr(out, AWS_SIG));
  }
  p = example();
  p.path = "/test.txx";
  assert_int_equal(s3_presign_target(out, sizeof(out), &p), 0);
  assert_null(strstr(out, AWS_SIG));
  p = example();
  p.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEz";
  assert_int_equal(s3_presign_target(out, sizeof(out), &p), 0);
  assert_null(strstr(out, AWS_SIG));
  assert_null(strstr(out, "EXAMPLEKE"));
  p = example();
  p.now += 1;
  assert_int_equal(s3_presign_target(out, sizeof(out), &p), 0);
  assert_non_null(strstr(out, "X-Amz-Date=20130524T000001Z"));
  assert_null(strstr(out, AWS_SIG));
  /* a session token is a signed parameter, sorted before SignedHeaders */
  p = example();
  p.session_token = "tok/en+=";
  assert_int_equal(s3_presign_target(out, sizeof(out), &p), 0);
  assert_non_null(strstr(out, "&X-Amz-Expires=86400&X-Amz-Security-Token=tok%2Fen%2B%3D"
                              "&X-Amz-SignedHeaders=host&X-Amz-Signature="));
  assert_null(strstr(out, AWS_SIG));
  /* paths keep '/' and encode the rest */
  p = example();
  p.path = "/bucket/a b/c:d";
  assert_int_equal(s3_presign_target(out, sizeof(out), &p), 0);
  assert_memory_equal(out, "/bucket/a%20b/c%3Ad?", 20);
}

static void test_bad_input(void **state)
{
  (void)state;
  char out[2048];
  struct s3_presign p = example();
  p.expires = 0;
  assert_int_equal(s3_presign_target(out, sizeof(out), &p), ERR_INVALID);
  p.expires = S3_PRESIGN_MAX_EXPIRES + 1;
  assert_int_equal(s3_presign_target(out, sizeof(out), &p), ERR_INVALID);
  p = example();
  p.path = "test.txt";
  assert_int_equal(s3_presign_target(out, sizeof(out), &p), ERR_INVALID);
  p = example();
  p.secret_key = NULL;
  assert_int_equal(s3_presign_target(out, sizeof(out), &p), ERR_INVALID);
  p = example();
  assert_int_equal(s3_presign_target(out, 100, &p), ERR_TOOBIG);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_aws_example),
    cmocka_unit_test(test_inputs_are_signed),
    cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
