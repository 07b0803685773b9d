/* The S3 operations the backend uses, each one request (or one paginated
 * listing) built on s3_perform(). Error bodies that S3 sends with a 200
 * (CopyObject, UploadPartCopy, CompleteMultipartUpload) are detected here. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "blob/s3_int.h"
#include "util/base64.h"
#include "util/err.h"
#include "util/log.h"

#define S3_TOKEN_MAX 2048
#define S3_DELETE_BATCH 1000

/* --- listing ------------------------------------------------------------------ */

/* "2024-01-02T03:04:05.000Z" → unix seconds; 0 if unparsable. */
static int64_t s3_parse_time(const char *t)
{
  struct tm tm = { 0 };
  int y, mo, d, h, mi, sec;
  if (sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
    return 0;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return (int64_t)timegm(&tm);
}

/* Parses one <Contents> element and hands it to fn. */
static int s3_list_entry(const char *b, const char *e, int (*fn)(void *, const struct s3_obj *),
                         void *ctx)
{
  char key[S3_KEY_MAX], size[32], mtime[64], etag[S3_ETAG_MAX];
  if (s3_xml_text(key, sizeof(key), b, e, "Key") != 0 ||
      s3_xml_text(size, sizeof(size), b, e, "Size") != 0)
    return 0; /* a key longer than any we write is not ours */
  if (s3_xml_text(mtime, sizeof(mtime), b, e, "LastModified") != 0)
    mtime[0] = '\0';
  if (s3_xml_text(etag, sizeof(etag), b, e, "ETag") != 0)
    etag[0] = '\0';
  size_t o = 0;
  for (const char *p = etag; *p; p++)
    if (*p != '"')
      etag[o++] = *p;
  etag[o] = '\0';
  char *end;
  long long sz = strtoll(size, &end, 10);
  if (*end || sz < 0)
    return 0;
  struct s3_obj obj = { .key = key, .size = sz, .mtime = s3_parse_time(mtime), .etag = etag };
  return fn(ctx, &obj);
}

/* Builds the canonical ListObjectsV2 query for one page. */
static int s3_list_query(char *out, size_t outlen, const char *prefix, const char *token)
{
  char ep[S3_KEY_MAX * 3], et[S3_TOKEN_MAX * 3];
  if (s3_query_escape(ep, sizeof(ep), prefix) != 0 || s3_query_escape(et, sizeof(et), token) != 0)
    return ERR_TOOBIG;
  int n = snprintf(out, outlen, "%s%s%slist-type=2&max-keys=1000&prefix=%s",
                   *token ? "continuation-token=" : "", et, *token ? "&" : "", ep);
  return n < 0 || (size_t)n >= outlen ? ERR_TOOBIG : 0;
}

int s3_list(struct s3_store *s, const char *prefix, int (*fn)(void *ctx, const struct s3_obj *o),
            void *ctx)
{
  struct buf resp = BUF_INIT(S3_XML_MAX);
  char *query = malloc(S3_TOKEN_MAX * 4 + S3_KEY_MAX * 4);
  char token[S3_TOKEN_MAX] = "";
  int rc = query ? 0 : ERR_NOMEM;
  while (rc == 0) {
    if ((rc = s3_list_query(query, S3_TOKEN_MAX * 4 + S3_KEY_MAX * 4, prefix, token)) != 0)
      break;
    struct s3_req rq = { .method = "GET", .query = query, .resp = &resp };
    if ((rc = s3_perform(s, &rq)) != 0)
      break;
    const char *cur = resp.data ? resp.data : "", *end = cur + resp.len, *b, *e;
    while (rc == 0 && s3_xml_next(&b, &e, &cur, end, "Contents") == 0)
      rc = s3_list_entry(b, e, fn, ctx);
    if (rc != 0)
      break;
    char trunc[16];
    const char *all = resp.data ? resp.data : "";
    if (s3_xml_text(trunc, sizeof(trunc), all, all + resp.len, "IsTruncated") != 0 ||
        strcmp(trunc, "true") != 0)
      break;
    if (s3_xml_text(token, sizeof(token), all, all + resp.len, "NextContinuationToken") != 0 ||
        !*token) {
      LOG(LOG_ERROR, "blob s3: listing %s: truncated answer without a continuation token", prefix);
      rc = ERR_IO;
    }
  }
  buf_free(&resp);
  free(query);
  return rc;
}

/* --- objects ------------------------------------------------------------------ */

int s3_head(struct s3_store *s, int64_t *out_size, const char *key)
{
  struct s3_req rq = { .method = "HEAD", .key = key, .quiet_404 = 1 };
  int rc = s3_perform(s, &rq);
  if (rc != 0)
    return rc;
  if (rq.length < 0) {
    LOG(LOG_ERROR, "blob s3: HEAD %s: no Content-Length in the answer", key);
    return ERR_IO;
  }
  *out_size = rq.length;
  return 0;
}

struct mem_sink {
  char *buf;
  size_t len, got;
};

static int mem_sink_fn(void *ctx, const char *data, size_t len)
{
  struct mem_sink *m = ctx;
  size_t room = m->len - m->got;
  size_t n = len < room ? len : room; /* a server that sends more is cut off */
  memcpy(m->buf + m->got, data, n);
  m->got += n;
  return 0;
}

static void mem_sink_reset(void *ctx)
{
  ((struct mem_sink *)ctx)->got = 0;
}

int s3_get_range(struct s3_store *s, size_t *out_n, const char *key, int64_t offset, void *buf,
                 size_t len)
{
  if (offset < 0)
    return ERR_INVALID;
  if (len == 0) {
    *out_n = 0;
    return 0;
  }
  if (len > (uint64_t)(INT64_MAX - offset))
    len = (size_t)(INT64_MAX - offset);
  char range[80];
  snprintf(range, sizeof(range), "Range: bytes=%" PRId64 "-%" PRId64, offset,
           offset + (int64_t)len - 1);
  struct mem_sink m = { buf, len, 0 };
  struct s3_req rq = { .method = "GET", .key = key, .hdr = { range }, .sink = mem_sink_fn,
                       .sink_ctx = &m, .sink_reset = mem_sink_reset };
  int rc = s3_perform(s, &rq);
  if (rc == ERR_RANGE) { /* at or past the end (or an empty object) */
    *out_n = 0;
    return 0;
  }
  if (rc != 0)
    return rc;
  if (rq.status != 206 && offset > 0) {
    LOG(LOG_ERROR, "blob s3: GET %s: the server ignored the Range header", key);
    return ERR_IO;
  }
  *out_n = m.got;
  return 0;
}

struct count_sink {
  s3_sink_fn fn;
  void *ctx;
  int64_t got;
};

static int count_sink_fn(void *ctx, const char *data, size_t len)
{
  struct count_sink *c = ctx;
  c->got += (int64_t)len;
  return c->fn(c->ctx, data, len);
}

int s3_get_stream(struct s3_store *s, const char *key, int64_t offset, int64_t len, s3_sink_fn fn,
                  void *ctx)
{
  if (len <= 0)
    return len == 0 ? 0 : ERR_INVALID;
  char range[80];
  snprintf(range, sizeof(range), "Range: bytes=%" PRId64 "-%" PRId64, offset, offset + len - 1);
  struct count_sink c = { fn, ctx, 0 };
  struct s3_req rq = { .method = "GET", .key = key, .hdr = { range }, .sink = count_sink_fn,
                       .sink_ctx = &c };
  int rc = s3_perform(s, &rq);
  if (rc != 0)
    return rc;
  if (rq.status != 206 && offset > 0) {
    LOG(LOG_ERROR, "blob s3: GET %s: the server ignored the Range header", key);
    return ERR_IO;
  }
  return c.got == len ? 0 : ERR_RANGE;
}

int s3_put(struct s3_store *s, char out_etag[S3_ETAG_MAX], const char *key, const void *body,
           size_t len)
{
  struct s3_req rq = { .method = "PUT", .key = key, .body = body, .body_len = len,
                       .hdr = { "Content-Type: application/octet-stream" } };
  int rc = s3_perform(s, &rq);
  if (rc == 0 && out_etag)
    memcpy(out_etag, rq.etag, S3_ETAG_MAX);
  return rc;
}

int s3_delete(struct s3_store *s, const char *key)
{
  struct s3_req rq = { .method = "DELETE", .key = key, .quiet_404 = 1 };
  int rc = s3_perform(s, &rq);
  return rc == ERR_NOTFOUND ? 0 : rc;
}

/* An S3 error element inside a 200 answer: logs it, returns ERR_IO. */
static int s3_body_error(const char *what, const char *key, const struct buf *resp)
{
  const char *all = resp->data ? resp->data : "";
  char code[64];
  if (!strstr(all, "<Error>"))
    return 0;
  if (s3_xml_text(code, sizeof(code), all, all + resp->len, "Code") != 0)
    snprintf(code, sizeof(code), "unknown");
  LOG(LOG_ERROR, "blob s3: %s %s: %s", what, key, code);
  return ERR_IO;
}

/* POST ?delete= for up to 1000 keys. */
static int s3_delete_batch(struct s3_store *s, char *const *keys, size_t n)
{
  struct buf body = BUF_INIT(S3_XML_MAX), resp = BUF_INIT(S3_XML_MAX);
  unsigned char md5[EVP_MAX_MD_SIZE];
  unsigned md5len = 0;
  char *b64 = NULL, md5hdr[64];
  int rc = buf_append(&body, "<Delete><Quiet>true</Quiet>", 27);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    if ((rc = buf_append(&body, "<Object><Key>", 13)) == 0 &&
        (rc = buf_append(&body, keys[i], strlen(keys[i]))) == 0)
      rc = buf_append(&body, "</Key></Object>", 15);
  }
  if (rc == 0)
    rc = buf_append(&body, "</Delete>", 9);
  if (rc != 0)
    goto out;
  /* S3 requires Content-MD5 on DeleteObjects */
  if (EVP_Digest(body.data, body.len, md5, &md5len, EVP_md5(), NULL) != 1 ||
      base64_encode(&b64, md5, md5len, BASE64_STD) != 0) {
    rc = ERR_INTERNAL;
    goto out;
  }
  snprintf(md5hdr, sizeof(md5hdr), "Content-MD5: %s", b64);
  struct s3_req rq = { .method = "POST", .query = "delete=", .body = body.data,
                       .body_len = body.len, .resp = &resp, .no_retry = 1,
                       .hdr = { md5hdr, "Content-Type: application/xml" } };
  if ((rc = s3_perform(s, &rq)) == 0)
    rc = s3_body_error("DeleteObjects", n ? keys[0] : "", &resp);
out:
  free(b64);
  buf_free(&body);
  buf_free(&resp);
  return rc;
}

int s3_delete_many(struct s3_store *s, char *const *keys, size_t n)
{
  int first = 0;
  for (size_t i = 0; i < n; i += S3_DELETE_BATCH) {
    size_t m = n - i < S3_DELETE_BATCH ? n - i : S3_DELETE_BATCH;
    int rc = atomic_load(&s->no_multi_delete) ? ERR_UNSUPPORTED : s3_delete_batch(s, keys + i, m);
    /* a server without DeleteObjects, or whose DeleteObjects keeps failing
     * (s3rver races on keys that share a directory): one by one from now */
    if (rc == 0)
      atomic_store(&s->multi_delete_fails, 0);
    else if ((rc == ERR_UNSUPPORTED || atomic_fetch_add(&s->multi_delete_fails, 1) == 2) &&
             !atomic_exchange(&s->no_multi_delete, 1))
      LOG(LOG_INFO, "blob s3: DeleteObjects %s; deleting objects one by one",
          rc == ERR_UNSUPPORTED ? "is not supported" : "failed three times in a row");
    if (rc != 0) /* one by one: deleting what is gone already is no error */
      for (size_t j = 0; j < m; j++)
        if ((rc = s3_delete(s, keys[i + j])) != 0)
          break;
    if (rc != 0 && first == 0)
      first = rc;
  }
  return first;
}

int s3_copy(struct s3_store *s, const char *dst, const char *src)
{
  char hdr[S3_KEY_MAX + 128];
  snprintf(hdr, sizeof(hdr), "x-amz-copy-source: %s%s", s->copy_source, src);
  struct buf resp = BUF_INIT(1 << 20);
  struct s3_req rq = { .method = "PUT", .key = dst, .hdr = { hdr }, .resp = &resp };
  int rc = s3_perform(s, &rq);
  if (rc == 0)
    rc = s3_body_error("CopyObject", dst, &resp);
  buf_free(&resp);
  return rc;
}

/* --- multipart ---------------------------------------------------------------- */

int s3_mpu_begin(struct s3_store *s, struct s3_mpu *m, const char *key, size_t max_parts)
{
  struct buf resp = BUF_INIT(1 << 20);
  char id[sizeof(m->upload_id) / 3];
  memset(m, 0, sizeof(*m));
  if (snprintf(m->key, sizeof(m->key), "%s", key) >= (int)sizeof(m->key))
    return ERR_TOOBIG;
  if (!(m->etags = calloc(max_parts ? max_parts : 1, sizeof(*m->etags))))
    return ERR_NOMEM;
  m->max_parts = max_parts;
  struct s3_req rq = { .method = "POST", .key = key, .query = "uploads=", .resp = &resp,
                       .hdr = { "Content-Type: application/octet-stream" } };
  int rc = s3_perform(s, &rq);
  if (rc == 0) {
    const char *all = resp.data ? resp.data : "";
    if (s3_xml_text(id, sizeof(id), all, all + resp.len, "UploadId") != 0 ||
        s3_query_escape(m->upload_id, sizeof(m->upload_id), id) != 0) {
      LOG(LOG_ERROR, "blob s3: CreateMultipartUpload %s: no usable UploadId", key);
      rc = ERR_IO;
    }
  }
  buf_free(&resp);
  if (rc != 0) {
    free(m->etags);
    m->etags = NULL;
  }
  return rc;
}

static int s3_part_query(char *out, size_t outlen, const struct s3_mpu *m, size_t partno)
{
  if (partno < 1 || partno > m->max_parts)
    return ERR_INVALID;
  int n = snprintf(out, outlen, "partNumber=%zu&uploadId=%s", partno, m->upload_id);
  return n < 0 || (size_t)n >= outlen ? ERR_TOOBIG : 0;
}

int s3_mpu_part(struct s3_store *s, struct s3_mpu *m, size_t partno, const void *data, size_t len)
{
  char q[sizeof(m->upload_id) + 64];
  int rc = s3_part_query(q, sizeof(q), m, partno);
  if (rc != 0)
    return rc;
  struct s3_req rq = { .method = "PUT", .key = m->key, .query = q, .body = data, .body_len = len };
  if ((rc = s3_perform(s, &rq)) != 0)
    return rc;
  if (!rq.etag[0]) {
    LOG(LOG_ERROR, "blob s3: UploadPart %s: no ETag in the answer", m->key);
    return ERR_IO;
  }
  memcpy(m->etags[partno - 1], rq.etag, S3_ETAG_MAX);
  return 0;
}

int s3_mpu_part_copy(struct s3_store *s, struct s3_mpu *m, size_t partno, const char *src,
                     int64_t off, int64_t len)
{
  char q[sizeof(m->upload_id) + 64], from[S3_KEY_MAX + 128], range[96], etag[S3_ETAG_MAX];
  struct buf resp = BUF_INIT(1 << 20);
  int rc = s3_part_query(q, sizeof(q), m, partno);
  if (rc != 0)
    return rc;
  snprintf(from, sizeof(from), "x-amz-copy-source: %s%s", s->copy_source, src);
  snprintf(range, sizeof(range), "x-amz-copy-source-range: bytes=%" PRId64 "-%" PRId64, off,
           off + len - 1);
  struct s3_req rq = { .method = "PUT", .key = m->key, .query = q, .hdr = { from, range },
                       .resp = &resp };
  if ((rc = s3_perform(s, &rq)) == 0)
    rc = s3_body_error("UploadPartCopy", m->key, &resp);
  if (rc == 0) {
    const char *all = resp.data ? resp.data : "";
    if (s3_xml_text(etag, sizeof(etag), all, all + resp.len, "ETag") != 0) {
      LOG(LOG_ERROR, "blob s3: UploadPartCopy %s: no ETag in the answer", m->key);
      rc = ERR_IO;
    } else {
      size_t o = 0;
      for (const char *p = etag; *p; p++)
        if (*p != '"')
          m->etags[partno - 1][o++] = *p;
      m->etags[partno - 1][o] = '\0';
    }
  }
  buf_free(&resp);
  return rc;
}

int s3_mpu_complete(struct s3_store *s, struct s3_mpu *m)
{
  struct buf body = BUF_INIT(S3_XML_MAX), resp = BUF_INIT(1 << 20);
  char q[sizeof(m->upload_id) + 16], part[S3_ETAG_MAX + 96];
  snprintf(q, sizeof(q), "uploadId=%s", m->upload_id);
  int rc = buf_append(&body, "<CompleteMultipartUpload>", 25);
  for (size_t i = 0; rc == 0 && i < m->nparts; i++) {
    int n = snprintf(part, sizeof(part),
                     "<Part><PartNumber>%zu</PartNumber><ETag>\"%s\"</ETag></Part>", i + 1,
                     m->etags[i]);
    rc = buf_append(&body, part, (size_t)n);
  }
  if (rc == 0)
    rc = buf_append(&body, "</CompleteMultipartUpload>", 26);
  if (rc == 0) {
    struct s3_req rq = { .method = "POST", .key = m->key, .query = q, .body = body.data,
                         .body_len = body.len, .resp = &resp,
                         .hdr = { "Content-Type: application/xml" } };
    if ((rc = s3_perform(s, &rq)) == 0)
      rc = s3_body_error("CompleteMultipartUpload", m->key, &resp);
  }
  buf_free(&body);
  buf_free(&resp);
  if (rc == 0) {
    free(m->etags);
    m->etags = NULL;
    m->upload_id[0] = '\0';
  }
  return rc;
}

void s3_mpu_abort(struct s3_store *s, struct s3_mpu *m)
{
  if (m->upload_id[0]) {
    char q[sizeof(m->upload_id) + 16];
    snprintf(q, sizeof(q), "uploadId=%s", m->upload_id);
    struct s3_req rq = { .method = "DELETE", .key = m->key, .query = q, .quiet_404 = 1 };
    int rc = s3_perform(s, &rq);
    if (rc != 0 && rc != ERR_NOTFOUND)
      LOG(LOG_WARN, "blob s3: multipart upload of %s not aborted (%s); a bucket lifecycle rule "
          "for incomplete multipart uploads reclaims it", m->key, err_str(rc));
    m->upload_id[0] = '\0';
  }
  free(m->etags);
  m->etags = NULL;
}
