#include "blob/blob.h"

#include <string.h>

#include "blob/blob_stats.h"
#include "util/err.h"
#include "util/histo.h"

/* Latency of the calls below that touch the backend, by operation
 * (blob/blob_stats.h); the names are a fixed set. Reading a range through
 * blob_reader_read is timed by its open only: the rest paces with the
 * client. */
enum {
  OP_STAT, OP_OPEN, OP_READ, OP_DELETE, OP_UPLOAD_CREATE, OP_WRITER_OPEN, OP_WRITE,
  OP_WRITER_CLOSE, OP_COMMIT, OP_UPLOAD_ABORT, OP_N,
};
static const char *const op_names[OP_N] = {
  "stat", "open", "read", "delete", "upload_create", "writer_open", "write", "writer_close",
  "commit", "upload_abort",
};
static struct histo op_latency[OP_N];

const struct histo *blob_stats_op(size_t i, const char **out_name)
{
  if (i >= OP_N)
    return NULL;
  *out_name = op_names[i];
  return &op_latency[i];
}

static const struct blob_ops *const backends[] = { &blob_fs_ops, &blob_s3_ops };

int blob_store_open(struct blob_store **out, const char *url)
{
  const char *sep = strstr(url, "://");
  if (!sep)
    return ERR_INVALID;
  size_t n = (size_t)(sep - url);
  for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
    if (strlen(backends[i]->scheme) == n && memcmp(backends[i]->scheme, url, n) == 0)
      return backends[i]->open(out, url);
  return ERR_UNSUPPORTED;
}

void blob_url_redact(char *out, size_t outlen, const char *url)
{
  static const char *const secret[] = { "secret_key=", "session_token=" };
  size_t o = 0;
  const char *q = strchr(url, '?');
  for (const char *p = url; *p && o + 1 < outlen;) {
    int hide = 0;
    if (q && p > q && (p[-1] == '?' || p[-1] == '&'))
      for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
        hide |= strncmp(p, secret[i], strlen(secret[i])) == 0;
    if (!hide) {
      out[o++] = *p++;
      continue;
    }
    while (*p && *p != '=' && o + 1 < outlen) /* the name stays */
      out[o++] = *p++;
    for (const char *r = "=***"; *r && o + 1 < outlen; r++)
      out[o++] = *r;
    p += strcspn(p, "&");
  }
  out[o] = '\0';
}

void blob_store_close(struct blob_store *bs)
{
  if (bs)
    bs->ops->close(bs);
}

int blob_stat(struct blob_store *bs, int64_t *out_size, const char *digest)
{
  int64_t t = histo_start();
  int rc = bs->ops->stat(bs, out_size, digest);
  histo_since(&op_latency[OP_STAT], t);
  return rc;
}

int blob_open_fd(struct blob_store *bs, int *out_fd, int64_t *out_size, const char *digest)
{
  if (!bs->ops->open_fd)
    return ERR_UNSUPPORTED;
  int64_t t = histo_start();
  int rc = bs->ops->open_fd(bs, out_fd, out_size, digest);
  histo_since(&op_latency[OP_OPEN], t);
  return rc;
}

int blob_read(struct blob_store *bs, size_t *out_n, const char *digest, int64_t offset,
              void *buf, size_t len)
{
  int64_t t = histo_start();
  int rc = bs->ops->read(bs, out_n, digest, offset, buf, len);
  histo_since(&op_latency[OP_READ], t);
  return rc;
}

int blob_reader_open(struct blob_reader **out, struct blob_store *bs, const char *digest,
                     int64_t offset, int64_t len)
{
  if (!bs->ops->reader_open)
    return ERR_UNSUPPORTED;
  int64_t t = histo_start();
  int rc = bs->ops->reader_open(out, bs, digest, offset, len);
  histo_since(&op_latency[OP_OPEN], t);
  return rc;
}

int blob_reader_read(struct blob_reader *rd, size_t *out_n, void *buf, size_t max)
{
  return rd->ops->reader_read(rd, out_n, buf, max);
}

void blob_reader_close(struct blob_reader *rd)
{
  if (rd)
    rd->ops->reader_close(rd);
}

int blob_redirect_url(struct blob_store *bs, char *out, size_t outlen, const char *digest)
{
  if (!bs->ops->redirect_url)
    return ERR_UNSUPPORTED;
  return bs->ops->redirect_url(bs, out, outlen, digest);
}

int blob_delete(struct blob_store *bs, const char *digest)
{
  int64_t t = histo_start();
  int rc = bs->ops->del(bs, digest);
  histo_since(&op_latency[OP_DELETE], t);
  return rc;
}

int blob_upload_create(struct blob_store *bs, const char *uuid)
{
  int64_t t = histo_start();
  int rc = bs->ops->upload_create(bs, uuid);
  histo_since(&op_latency[OP_UPLOAD_CREATE], t);
  return rc;
}

int blob_writer_open(struct blob_writer **out, struct blob_store *bs, const char *uuid,
                     int64_t offset)
{
  int64_t t = histo_start();
  int rc = bs->ops->writer_open(out, bs, uuid, offset);
  histo_since(&op_latency[OP_WRITER_OPEN], t);
  return rc;
}

int blob_writer_write(struct blob_writer *w, const void *data, size_t len)
{
  int64_t t = histo_start();
  int rc = w->ops->writer_write(w, data, len);
  histo_since(&op_latency[OP_WRITE], t);
  return rc;
}

int64_t blob_writer_size(const struct blob_writer *w)
{
  return w->ops->writer_size(w);
}

int blob_writer_close(struct blob_writer *w, int keep_hash)
{
  if (!w)
    return 0;
  int64_t t = histo_start();
  int rc = w->ops->writer_close(w, keep_hash);
  histo_since(&op_latency[OP_WRITER_CLOSE], t);
  return rc;
}

int blob_upload_commit(struct blob_store *bs, const char *uuid, int64_t size, const char *digest)
{
  int64_t t = histo_start();
  int rc = bs->ops->upload_commit(bs, uuid, size, digest);
  histo_since(&op_latency[OP_COMMIT], t);
  return rc;
}

int blob_upload_abort(struct blob_store *bs, const char *uuid)
{
  int64_t t = histo_start();
  int rc = bs->ops->upload_abort(bs, uuid);
  histo_since(&op_latency[OP_UPLOAD_ABORT], t);
  return rc;
}

int blob_upload_each_stale(struct blob_store *bs, int64_t before,
                           int (*fn)(void *ctx, const char *uuid), void *ctx)
{
  return bs->ops->upload_each_stale(bs, before, fn, ctx);
}

int blob_each(struct blob_store *bs, int (*fn)(void *ctx, const struct blob_info *info),
              void *ctx)
{
  return bs->ops->each ? bs->ops->each(bs, fn, ctx) : ERR_UNSUPPORTED;
}

int blob_info(struct blob_store *bs, struct blob_info *out, const char *digest)
{
  if (!bs->ops->info)
    return ERR_UNSUPPORTED;
  int64_t t = histo_start();
  int rc = bs->ops->info(bs, out, digest);
  histo_since(&op_latency[OP_STAT], t);
  return rc;
}

int blob_quarantine(struct blob_store *bs, const char *digest)
{
  return bs->ops->quarantine ? bs->ops->quarantine(bs, digest) : ERR_UNSUPPORTED;
}
