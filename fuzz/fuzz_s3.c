/* The S3 backend's parsers of what the object store and the operator send
 * (blob/s3_int.h). Byte 0 even: the rest is an XML answer, read the way
 * s3_list, the multipart calls and error bodies read it (s3_xml_next over
 * <Contents>, s3_xml_text of Key, Size, LastModified, ETag, IsTruncated,
 * NextContinuationToken, UploadId, Code) from an exactly-sized copy (no
 * NUL after it); every text must equal an independent decoding of the
 * element, or ERR_TOOBIG when that does not fit. Byte 0 odd: the rest is a
 * storage URL for s3_store_parse (no connection is made); an accepted one
 * must give http(s) base and redirect URLs, and a presigned blob URL when
 * redirect is on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob/s3_int.h"
#include "helpers.h"
#include "util/err.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc, (void)argv;
  static const char *const env[] = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                     "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
                                     "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL" };
  for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++)
    unsetenv(env[i]);
  devnull = fopen("/dev/null", "w");
  if (!devnull)
    abort();
  return 0;
}

/* The element text as s3_xml_text documents it, written out again: the
 * first <tag>, the first </tag> after it, the five named entities and
 * &#N; (1 to 3 digits, 1..127) decoded, everything else as it is.
 * Returns the length, or -1 when there is no element. */
static long ref_text(char *out, const char *p, const char *end, const char *tag)
{
  char open[80], close[80];
  size_t a = (size_t)snprintf(open, sizeof(open), "<%s>", tag);
  size_t b = (size_t)snprintf(close, sizeof(close), "</%s>", tag);
  const char *o = NULL, *c = NULL;
  for (const char *q = p; !o && q + a <= end; q++)
    if (memcmp(q, open, a) == 0)
      o = q;
  if (!o)
    return -1;
  for (const char *q = o + a; !c && q + b <= end; q++)
    if (memcmp(q, close, b) == 0)
      c = q;
  if (!c)
    return -1;
  static const char *const names[] = { "quot;", "amp;", "lt;", "gt;", "apos;" };
  static const char chars[] = { '"', '&', '<', '>', '\'' };
  long n = 0;
  for (const char *q = o + a; q < c;) {
    char ch = *q++;
    if (ch == '&') {
      int hit = 0;
      for (size_t i = 0; !hit && i < 5; i++) {
        size_t l = strlen(names[i]);
        if ((size_t)(c - q) >= l && memcmp(q, names[i], l) == 0)
          ch = chars[i], q += l, hit = 1;
      }
      if (!hit && q < c && *q == '#') {
        size_t d = 1;
        unsigned v = 0;
        while (d < 4 && q + d < c && q[d] >= '0' && q[d] <= '9')
          v = v * 10 + (unsigned)(q[d++] - '0');
        if (d > 1 && q + d < c && q[d] == ';' && v >= 1 && v <= 127)
          ch = (char)v, q += d + 1;
      }
    }
    out[n++] = ch;
  }
  return n;
}

static void check_text(const char *p, const char *end, const char *tag, size_t outlen)
{
  char *out = malloc(outlen), *ref = malloc((size_t)(end - p) + 1);
  if (!out || !ref)
    abort();
  int rc = s3_xml_text(out, outlen, p, end, tag);
  long n = ref_text(ref, p, end, tag);
  if (n < 0)
    FUZZ_CHECK(rc == ERR_NOTFOUND);
  else if ((size_t)n + 1 > outlen)
    FUZZ_CHECK(rc == ERR_TOOBIG);
  else
    FUZZ_CHECK(rc == 0 && memcmp(out, ref, (size_t)n) == 0 && out[n] == '\0');
  free(out);
  free(ref);
}

static void xml(const uint8_t *data, size_t size)
{
  /* exactly sized: a read past the answer is an ASan report */
  char *all = malloc(size ? size : 1);
  if (!all)
    abort();
  memcpy(all, data, size);
  const char *end = all + size, *cur = all, *b, *e;
  size_t elements = 0;
  while (s3_xml_next(&b, &e, &cur, end, "Contents") == 0) {
    FUZZ_CHECK(b >= all && b <= e && e < end && cur > e && cur <= end);
    check_text(b, e, "Key", S3_KEY_MAX);
    check_text(b, e, "Size", 32);
    check_text(b, e, "LastModified", 64);
    check_text(b, e, "ETag", S3_ETAG_MAX);
    if (++elements > size)
      FUZZ_CHECK(!"s3_xml_next does not advance");
  }
  check_text(all, end, "IsTruncated", 16);
  check_text(all, end, "NextContinuationToken", 2048);
  check_text(all, end, "UploadId", 256);
  check_text(all, end, "Code", 64);
  check_text(all, end, "Code", 1);
  free(all);
}

static int http_url(const char *u)
{
  return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

static void url(const uint8_t *data, size_t size)
{
  char *u = fuzz_cstr(data, size);
  struct s3_store *s = NULL;
  FILE *saved = stderr;
  stderr = devnull; /* the parser's log lines; checks below print to the real one */
  int rc = s3_store_parse(&s, u);
  stderr = saved;
  FUZZ_CHECK(rc == 0 || rc == ERR_INVALID || rc == ERR_UNSUPPORTED);
  FUZZ_CHECK((rc == 0) == (s != NULL));
  if (rc == 0) {
    FUZZ_CHECK(strncmp(u, "s3://", 5) == 0);
    FUZZ_CHECK(http_url(s->base_url) && http_url(s->redirect_base));
    FUZZ_CHECK(s->access_key && s->secret_key && strlen(s->bucket) >= 3);
    FUZZ_CHECK(s->redirect_s == 0 || (s->redirect_s >= 60 && s->redirect_s <= 604800));
    FUZZ_CHECK(s->seg_size >= ((size_t)5 << 20) && s->seg_size <= ((size_t)512 << 20));
    char out[8192];
    rc = s3_redirect_url(&s->base, out, sizeof(out),
                         "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b");
    if (s->redirect_s) {
      /* an accepted URL must not fail at every blob GET */
      FUZZ_CHECK(rc == 0);
      FUZZ_CHECK(strncmp(out, s->redirect_base, strlen(s->redirect_base)) == 0 &&
                 strstr(out, "X-Amz-Signature=") != NULL);
    } else {
      FUZZ_CHECK(rc != 0);
    }
    blob_s3_ops.close(&s->base);
  }
  free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  if (data[0] & 1)
    url(data + 1, size - 1);
  else
    xml(data + 1, size - 1);
  return 0;
}
