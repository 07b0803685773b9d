/* Blob reads and deletes (end-2, end-10). Reads go out with sendfile from
 * the filesystem; from S3 as one streamed GET per response, or as a 307 to a
 * presigned URL when the store is set to redirect (HEAD stays here). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob/blob.h"
#include "registry/registry.h"
#include "store/meta.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"

#define BLOB_REDIRECT_MAX 8192 /* longest presigned URL we hand out */

/* Parses a single "bytes=" range against size. Returns 1 with the range set,
 * 0 when the header should be ignored (absent, multi-range, other unit),
 * -1 when unsatisfiable. */
int reg_parse_range(const char *h, int64_t size, int64_t *out_start, int64_t *out_len)
{
  if (!h || strncmp(h, "bytes=", 6) != 0 || strchr(h, ','))
    return 0;
  const char *p = h + 6;
  char *end;
  int64_t start, last;
  if (*p == '-') {
    /* suffix: the last n bytes */
    errno = 0;
    long long n = strtoll(p + 1, &end, 10);
    if (errno || *end || end == p + 1 || n < 0)
      return 0;
    if (n == 0 || size == 0)
      return -1;
    start = n >= size ? 0 : size - n;
    last = size - 1;
  } else {
    errno = 0;
    long long a = strtoll(p, &end, 10);
    if (errno || end == p || *end != '-' || a < 0)
      return 0;
    const char *q = end + 1;
    if (*q == '\0') {
      last = size - 1;
    } else {
      long long b = strtoll(q, &end, 10);
      if (errno || *end || b < a)
        return 0;
      last = b >= size ? size - 1 : b;
    }
    start = a;
    if (start >= size)
      return -1;
  }
  *out_start = start;
  *out_len = last - start + 1;
  return 1;
}

struct stream_ctx {
  struct blob_reader *rd;
  uint64_t next; /* offset the next read must ask for */
};

static long stream_read(void *ctx, uint64_t offset, char *buf, size_t max)
{
  struct stream_ctx *sc = ctx;
  size_t n = 0;
  if (offset != sc->next || blob_reader_read(sc->rd, &n, buf, max) != 0)
    return -1;
  sc->next += n;
  return (long)n;
}

static void stream_free(void *ctx)
{
  struct stream_ctx *sc = ctx;
  blob_reader_close(sc->rd);
  free(sc);
}

/* GET from a backend without fds: a redirect, or one streamed read. The
 * caller has checked the blob is linked to the repository (size from it). */
static int blob_serve_stream(struct req *r, const char *digest, int64_t size)
{
  char *url = pool_alloc(r->pool, BLOB_REDIRECT_MAX);
  int rc = url ? blob_redirect_url(r->app->blobs, url, BLOB_REDIRECT_MAX, digest) : ERR_NOMEM;
  if (rc == 0) {
    req_set_header(r, "Docker-Content-Digest", digest);
    req_set_header(r, "Location", url);
    return req_respond(r, 307, NULL, NULL, 0);
  }
  if (rc != ERR_UNSUPPORTED)
    return reg_internal(r, rc, "blob redirect");
  int64_t start = 0, len = size;
  int pr = reg_parse_range(req_header(r, "Range"), size, &start, &len);
  if (pr < 0) {
    req_set_headerf(r, "Content-Range", "bytes */%" PRId64, size);
    return req_error(r, 416, OCI_SIZE_INVALID, "requested range not satisfiable",
                     req_header(r, "Range"));
  }
  struct stream_ctx *sc = calloc(1, sizeof(*sc));
  if (!sc)
    return reg_internal(r, ERR_NOMEM, "blob stream");
  rc = blob_reader_open(&sc->rd, r->app->blobs, digest, start, len);
  if (rc) {
    free(sc);
    if (rc != ERR_NOTFOUND)
      return reg_internal(r, rc, "blob open");
    LOG(LOG_ERROR, "blob %s is linked but missing from storage", digest);
    return req_error(r, 404, OCI_BLOB_UNKNOWN, "blob unknown to registry", digest);
  }
  req_set_header(r, "Docker-Content-Digest", digest);
  req_set_header(r, "Accept-Ranges", "bytes");
  req_set_headerf(r, "ETag", "\"%s\"", digest);
  req_set_header(r, "Cache-Control", "max-age=31536000");
  if (pr > 0)
    req_set_headerf(r, "Content-Range", "bytes %" PRId64 "-%" PRId64 "/%" PRId64, start,
                    start + len - 1, size);
  return req_respond_reader(r, pr > 0 ? 206 : 200, "application/octet-stream", (uint64_t)len,
                            stream_read, sc, stream_free);
}

static int blob_serve(struct req *r)
{
  int64_t repo, size;
  const char *digest = req_param(r, "digest");
  if (reg_repo_lookup(r, &repo))
    return 0;
  int rc = digest_parse(NULL, digest, strlen(digest));
  if (rc) {
    return req_error(r, 400, OCI_DIGEST_INVALID,
                     rc == ERR_UNSUPPORTED ? "unsupported digest algorithm" : "invalid digest",
                     digest);
  }
  rc = meta_blob_linked(r->app->meta, &size, repo, digest);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, OCI_BLOB_UNKNOWN, "blob unknown to registry", digest);
  if (rc)
    return reg_internal(r, rc, "blob lookup");
  int fd = -1;
  int64_t fsize;
  rc = blob_open_fd(r->app->blobs, &fd, &fsize, digest);
  if (rc == ERR_UNSUPPORTED && !r->is_head)
    return blob_serve_stream(r, digest, size);
  if (rc == ERR_UNSUPPORTED) /* HEAD without fds: the backend's size */
    rc = blob_stat(r->app->blobs, &fsize, digest);
  if (rc == ERR_NOTFOUND) {
    LOG(LOG_ERROR, "blob %s is linked but missing from storage", digest);
    return req_error(r, 404, OCI_BLOB_UNKNOWN, "blob unknown to registry", digest);
  }
  if (rc)
    return reg_internal(r, rc, "blob open");
  req_set_header(r, "Docker-Content-Digest", digest);
  req_set_header(r, "Accept-Ranges", "bytes");
  req_set_headerf(r, "ETag", "\"%s\"", digest);
  req_set_header(r, "Cache-Control", "max-age=31536000");
  int64_t start = 0, len = fsize;
  int pr = reg_parse_range(req_header(r, "Range"), fsize, &start, &len);
  if (pr < 0) {
    if (fd >= 0)
      close(fd);
    req_set_headerf(r, "Content-Range", "bytes */%" PRId64, fsize);
    return req_error(r, 416, OCI_SIZE_INVALID, "requested range not satisfiable",
                     req_header(r, "Range"));
  }
  unsigned status = pr > 0 ? 206 : 200;
  if (pr > 0)
    req_set_headerf(r, "Content-Range", "bytes %" PRId64 "-%" PRId64 "/%" PRId64, start,
                    start + len - 1, fsize);
  if (fd >= 0)
    return req_respond_fd(r, status, "application/octet-stream", fd, (uint64_t)start,
                          (uint64_t)len);
  /* only HEAD gets here without an fd: the length, never a body */
  return req_respond_reader(r, status, "application/octet-stream", (uint64_t)len, NULL, NULL,
                            NULL);
}

int reg_blob_get(struct req *r)
{
  return blob_serve(r);
}

int reg_blob_head(struct req *r)
{
  return blob_serve(r);
}

int reg_blob_delete(struct req *r)
{
  int64_t repo;
  const char *digest = req_param(r, "digest");
  if (reg_repo_lookup(r, &repo))
    return 0;
  if (digest_parse(NULL, digest, strlen(digest)) != 0)
    return req_error(r, 400, OCI_DIGEST_INVALID, "invalid digest", digest);
  int rc = meta_blob_unlink(r->app->meta, repo, digest);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, OCI_BLOB_UNKNOWN, "blob unknown to registry", digest);
  /* 405 rather than 409: the OCI conformance suite accepts 202, 404 or 405
   * from blob deletes, and unlinking would leave a manifest pointing at a
   * blob the repository no longer has */
  if (rc == ERR_CONFLICT)
    return req_error(r, 405, OCI_UNSUPPORTED,
                     "blob is referenced by a manifest in this repository; delete the manifest first",
                     digest);
  if (rc)
    return reg_internal(r, rc, "blob unlink");
  return req_respond(r, 202, NULL, NULL, 0);
}
