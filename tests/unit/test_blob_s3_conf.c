/* The S3 backend's storage URL and argument checks (src/blob/s3.c), which
 * refuse bad settings before any request. The one URL that opens points at
 * a closed loopback port: the start goes on with a warning. The requests
 * themselves are tested against a real S3 server in tests/e2e/test_s3.py.
 * Also blob_url_redact(), which keeps those URLs' secrets out of logs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "blob/blob.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/log.h"

#define CREDS "access_key=AK&secret_key=SK"
#define CLOSED "endpoint=http://127.0.0.1:1"

static void clear_env(void)
{
  const char *vars[] = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                         "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
                         "AWS_ENDPOINT_URL_S3" };
  for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
    unsetenv(vars[i]);
}

static int open_rc(const char *url)
{
  struct blob_store *bs = NULL;
  int rc = blob_store_open(&bs, url);
  blob_store_close(bs);
  return rc;
}

static void test_bad_urls(void **state)
{
  (void)state;
  clear_env();
  const char *bad[] = {
    "s3://",                                                /* no bucket */
    "s3://ab?" CREDS,                                       /* too short */
    "s3://Bucket_1?" CREDS,                                 /* not a DNS name (virtual-hosted) */
    "s3://bucket?" CREDS "&colour=blue",                    /* unknown parameter */
    "s3://bucket?" CREDS "&path_style=maybe",
    "s3://bucket?" CREDS "&part_mb=4",                      /* under S3's 5 MiB part size */
    "s3://bucket?" CREDS "&part_mb=600",
    "s3://bucket?" CREDS "&endpoint=ftp://host",
    "s3://bucket?" CREDS "&endpoint=http://host/path",
    "s3://bucket?" CREDS "&endpoint=http://user:pw@host",
    "s3://bucket?" CREDS "&prefix=/abs",
    "s3://bucket?" CREDS "&prefix=a//b",
    "s3://bucket?" CREDS "&prefix=a/../b",
    "s3://bucket?" CREDS "&prefix=a%20b",
    "s3://bucket?" CREDS "&region=us east",
    "s3://bucket?" CREDS "&endpoint",                       /* no '=' */
    "s3://bucket/extra/path?" CREDS,
    "s3://bucket?access_key=AK",                            /* no secret anywhere */
    "s3://bucket?" CLOSED,                                  /* no credentials at all */
    "s3://bucket?" CREDS "&redirect=maybe",
    "s3://bucket?" CREDS "&redirect=true&redirect_ttl=59",  /* presigned URLs: 60 s .. a week */
    "s3://bucket?" CREDS "&redirect=true&redirect_ttl=604801",
    "s3://bucket?" CREDS "&redirect=true&redirect_ttl=1m",
    "s3://bucket?" CREDS "&redirect=true&redirect_endpoint=ftp://x",
    "s3://bucket?" CREDS "&redirect=true&redirect_endpoint=http://x/path",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int rc = open_rc(bad[i]);
    if (rc != ERR_INVALID)
      fail_msg("%s: got %d, want ERR_INVALID", bad[i], rc);
  }
}

static void test_unreachable_endpoint_opens(void **state)
{
  (void)state;
  clear_env();
  setenv("AWS_ACCESS_KEY_ID", "AK", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "SK", 1);
  struct blob_store *bs = NULL;
  assert_int_equal(blob_store_open(&bs, "s3://Bucket_1?" CLOSED "&path_style=true&prefix=reg"),
                   0);
  assert_non_null(bs);
  /* checked before any request */
  int64_t size;
  size_t n;
  char buf[4];
  struct blob_writer *w = NULL;
  assert_int_equal(blob_stat(bs, &size, "sha256:xyz"), ERR_INVALID);
  assert_int_equal(blob_stat(bs, &size, "md5:d41d8cd98f00b204e9800998ecf8427e"), ERR_UNSUPPORTED);
  assert_int_equal(blob_read(bs, &n, "sha256:abc", 0, buf, sizeof(buf)), ERR_INVALID);
  assert_int_equal(blob_upload_create(bs, "../../etc/passwd-0000-0000-0000-00000"), ERR_INVALID);
  assert_int_equal(blob_writer_open(&w, bs, "not-a-uuid", 0), ERR_INVALID);
  assert_int_equal(blob_upload_abort(bs, "NOT-A-UUID-0000-0000-0000-000000000000"), ERR_INVALID);
  assert_null(w);
  blob_store_close(bs);
  clear_env();
}

#define BLOB_D "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Presigned blob URLs are built without a request; the contents of the
 * signature are tested in test_s3_presign.c and against a verifier in
 * tests/e2e/test_s3.py. */
static void test_redirect_urls(void **state)
{
  (void)state;
  clear_env();
  char out[4096];
  struct blob_store *bs = NULL;
  struct blob_reader *rd = NULL;
  assert_int_equal(blob_store_open(&bs, "s3://bucket?" CREDS "&" CLOSED "&path_style=true"), 0);
  assert_int_equal(blob_redirect_url(bs, out, sizeof(out), BLOB_D), ERR_UNSUPPORTED);
  assert_int_equal(blob_reader_open(&rd, bs, "sha256:abc", 0, 1), ERR_INVALID);
  assert_null(rd);
  blob_store_close(bs);
  assert_int_equal(blob_store_open(&bs, "s3://bucket?" CREDS "&" CLOSED
                                        "&path_style=true&prefix=reg&redirect=true"),
                   0);
  assert_int_equal(blob_redirect_url(bs, out, sizeof(out), BLOB_D), 0);
  assert_memory_equal(out, "http://127.0.0.1:1/bucket/reg/blobs/sha256/e3/e3b0c442", 53);
  assert_non_null(strstr(out, "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F"));
  assert_non_null(strstr(out, "&X-Amz-Expires=1200&X-Amz-SignedHeaders=host&X-Amz-Signature="));
  assert_null(strstr(out, "SK"));
  assert_int_equal(blob_redirect_url(bs, out, sizeof(out), "sha256:abc"), ERR_INVALID);
  assert_int_equal(blob_redirect_url(bs, out, 64, BLOB_D), ERR_TOOBIG);
  blob_store_close(bs);
  /* virtual-hosted, through the name clients use, with a session token */
  assert_int_equal(blob_store_open(&bs, "s3://bucket?" CREDS "&" CLOSED "&session_token=T%2F1"
                                        "&redirect=true&redirect_ttl=600"
                                        "&redirect_endpoint=https://s3.example.com"),
                   0);
  assert_int_equal(blob_redirect_url(bs, out, sizeof(out), BLOB_D), 0);
  assert_memory_equal(out, "https://bucket.s3.example.com/blobs/sha256/e3/", 46);
  assert_non_null(strstr(out, "&X-Amz-Expires=600&X-Amz-Security-Token=T%2F1&"));
  blob_store_close(bs);
}

static void test_url_redact(void **state)
{
  (void)state;
  char out[256];
  blob_url_redact(out, sizeof(out),
                  "s3://b?access_key=AK&secret_key=S3CR3T&session_token=T0K&region=x");
  assert_string_equal(out, "s3://b?access_key=AK&secret_key=***&session_token=***&region=x");
  blob_url_redact(out, sizeof(out), "s3://b?secret_key=S3CR3T");
  assert_string_equal(out, "s3://b?secret_key=***");
  blob_url_redact(out, sizeof(out), "file:///data/secret_key=x");
  assert_string_equal(out, "file:///data/secret_key=x");
  blob_url_redact(out, sizeof(out), "s3://b?xsecret_key=kept");
  assert_string_equal(out, "s3://b?xsecret_key=kept");
  blob_url_redact(out, 12, "s3://b?secret_key=S3CR3T");
  assert_string_equal(out, "s3://b?secr");
}

int main(void)
{
  log_min_level = LOG_ERROR;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bad_urls),
    cmocka_unit_test(test_unreachable_endpoint_opens),
    cmocka_unit_test(test_redirect_urls),
    cmocka_unit_test(test_url_redact),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
