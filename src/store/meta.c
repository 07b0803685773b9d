#include "store/meta.h"

#include <stdio.h>
#include <string.h>

#include "store/meta_stats.h"
#include "util/err.h"
#include "util/histo.h"

/* Latency of every call below, by operation (store/meta_stats.h); names
 * are the ops table's, a fixed set, so metric labels carry no user input. */
enum {
  OP_REPO_ENSURE, OP_REPO_LOOKUP, OP_REPO_LIST, OP_BLOB_ADD, OP_BLOB_LINKED, OP_BLOB_STAT,
  OP_BLOB_LINK, OP_BLOB_UNLINK, OP_UPLOAD_CREATE, OP_UPLOAD_GET, OP_UPLOAD_SET_OFFSET,
  OP_UPLOAD_DELETE, OP_UPLOAD_STALE, OP_MANIFEST_PUT, OP_MANIFEST_GET, OP_MANIFEST_DELETE,
  OP_REFERRERS, OP_TAG_RESOLVE, OP_TAG_LIST, OP_TAG_DELETE, OP_TAG_LIST_INFO, OP_N,
};
static const char *const op_names[OP_N] = {
  "repo_ensure", "repo_lookup", "repo_list", "blob_add", "blob_linked", "blob_stat", "blob_link",
  "blob_unlink", "upload_create", "upload_get", "upload_set_offset", "upload_delete",
  "upload_stale", "manifest_put", "manifest_get", "manifest_delete", "referrers", "tag_resolve",
  "tag_list", "tag_delete", "tag_list_info",
};
static struct histo op_latency[OP_N];

const struct histo *meta_stats_op(size_t i, const char **out_name)
{
  if (i >= OP_N)
    return NULL;
  *out_name = op_names[i];
  return &op_latency[i];
}

/* URL scheme -> backend; a backend may answer to several schemes. */
static const struct {
  const char *scheme;
  const struct meta_ops *ops;
} backends[] = {
  { "sqlite", &meta_sqlite_ops },
  { "postgres", &meta_postgres_ops },
  { "postgresql", &meta_postgres_ops }, /* libpq accepts both */
};

int meta_open(struct meta **out, const char *url)
{
  const char *sep = strstr(url, "://");
  if (!sep)
    return ERR_INVALID;
  size_t n = (size_t)(sep - url);
  for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
    if (strlen(backends[i].scheme) == n && memcmp(backends[i].scheme, url, n) == 0)
      return backends[i].ops->open(out, url);
  return ERR_UNSUPPORTED;
}

/* Masks the password of "scheme://user:password@host/..." and the value of
 * every "password=" query parameter. */
int meta_url_redact(char *out, size_t len, const char *url)
{
  static const char mask[] = "xxxxx";
  char buf[1024];
  size_t o = 0, n = strlen(url);
  const char *sep = strstr(url, "://");
  size_t i = 0;
  if (sep) {
    size_t auth = (size_t)(sep - url) + 3, end = auth;
    while (end < n && url[end] != '/' && url[end] != '?' && url[end] != '#')
      end++;
    const char *at = NULL;
    for (size_t k = auth; k < end; k++)
      if (url[k] == '@')
        at = url + k; /* the last '@' ends the user info */
    const char *colon = at ? memchr(url + auth, ':', (size_t)(at - url) - auth) : NULL;
    if (colon) {
      size_t keep = (size_t)(colon - url) + 1;
      if (keep + sizeof(mask) >= sizeof(buf))
        return ERR_TOOBIG;
      memcpy(buf, url, keep);
      memcpy(buf + keep, mask, sizeof(mask) - 1);
      o = keep + sizeof(mask) - 1;
      i = (size_t)(at - url);
    }
  }
  while (i < n) {
    /* a query parameter named password: keep "password=", mask the value */
    int param = (url[i] == '?' || url[i] == '&') && strncmp(url + i + 1, "password=", 9) == 0;
    size_t take = param ? 10 : 1;
    if (o + take + sizeof(mask) >= sizeof(buf))
      return ERR_TOOBIG;
    memcpy(buf + o, url + i, take);
    o += take;
    i += take;
    if (param) {
      memcpy(buf + o, mask, sizeof(mask) - 1);
      o += sizeof(mask) - 1;
      while (i < n && url[i] != '&' && url[i] != '#')
        i++;
    }
  }
  buf[o] = '\0';
  if ((size_t)snprintf(out, len, "%s", buf) >= len)
    return ERR_TOOBIG;
  return 0;
}

void meta_close(struct meta *m)
{
  if (m)
    m->ops->close(m);
}

int meta_schema_version(struct meta *m, int *out)
{
  return m->ops->schema_version(m, out);
}

int meta_repo_ensure(struct meta *m, int64_t *out_id, int *out_created, const char *name)
{
  int64_t t = histo_start();
  int rc = m->ops->repo_ensure(m, out_id, out_created, name);
  histo_since(&op_latency[OP_REPO_ENSURE], t);
  return rc;
}

int meta_repo_lookup(struct meta *m, int64_t *out_id, const char *name)
{
  int64_t t = histo_start();
  int rc = m->ops->repo_lookup(m, out_id, name);
  histo_since(&op_latency[OP_REPO_LOOKUP], t);
  return rc;
}

int meta_repo_list(struct meta *m, struct pool *p, char ***out_names, size_t *out_n,
                   int *out_more, const char *last, size_t limit)
{
  int64_t t = histo_start();
  int rc = m->ops->repo_list(m, p, out_names, out_n, out_more, last, limit);
  histo_since(&op_latency[OP_REPO_LIST], t);
  return rc;
}

int meta_blob_add(struct meta *m, int64_t repo_id, const char *digest, int64_t size)
{
  int64_t t = histo_start();
  int rc = m->ops->blob_add(m, repo_id, digest, size, NULL);
  histo_since(&op_latency[OP_BLOB_ADD], t);
  return rc;
}

int meta_blob_add_upload(struct meta *m, int64_t repo_id, const char *digest, int64_t size,
                         const char *uuid)
{
  if (!uuid)
    return ERR_INVALID;
  int64_t t = histo_start();
  int rc = m->ops->blob_add(m, repo_id, digest, size, uuid);
  histo_since(&op_latency[OP_BLOB_ADD], t);
  return rc;
}

int meta_blob_linked(struct meta *m, int64_t *out_size, int64_t repo_id, const char *digest)
{
  int64_t t = histo_start();
  int rc = m->ops->blob_linked(m, out_size, repo_id, digest);
  histo_since(&op_latency[OP_BLOB_LINKED], t);
  return rc;
}

int meta_blob_stat(struct meta *m, int64_t *out_size, const char *digest)
{
  int64_t t = histo_start();
  int rc = m->ops->blob_stat(m, out_size, digest);
  histo_since(&op_latency[OP_BLOB_STAT], t);
  return rc;
}

int meta_blob_link(struct meta *m, int64_t repo_id, const char *digest)
{
  int64_t t = histo_start();
  int rc = m->ops->blob_link(m, repo_id, digest);
  histo_since(&op_latency[OP_BLOB_LINK], t);
  return rc;
}

int meta_blob_unlink(struct meta *m, int64_t repo_id, const char *digest)
{
  int64_t t = histo_start();
  int rc = m->ops->blob_unlink(m, repo_id, digest);
  histo_since(&op_latency[OP_BLOB_UNLINK], t);
  return rc;
}

int meta_upload_create(struct meta *m, int64_t repo_id, const char *uuid)
{
  int64_t t = histo_start();
  int rc = m->ops->upload_create(m, repo_id, uuid);
  histo_since(&op_latency[OP_UPLOAD_CREATE], t);
  return rc;
}

int meta_upload_get(struct meta *m, struct meta_upload *out, const char *uuid)
{
  int64_t t = histo_start();
  int rc = m->ops->upload_get(m, out, uuid);
  histo_since(&op_latency[OP_UPLOAD_GET], t);
  return rc;
}

int meta_upload_set_offset(struct meta *m, const char *uuid, int64_t expected, int64_t offset)
{
  int64_t t = histo_start();
  int rc = m->ops->upload_set_offset(m, uuid, expected, offset);
  histo_since(&op_latency[OP_UPLOAD_SET_OFFSET], t);
  return rc;
}

int meta_upload_delete(struct meta *m, const char *uuid)
{
  int64_t t = histo_start();
  int rc = m->ops->upload_delete(m, uuid);
  histo_since(&op_latency[OP_UPLOAD_DELETE], t);
  return rc;
}

int meta_upload_stale(struct meta *m, struct pool *p, char ***out_uuids, size_t *out_n,
                      int64_t before, size_t limit)
{
  int64_t t = histo_start();
  int rc = m->ops->upload_stale(m, p, out_uuids, out_n, before, limit);
  histo_since(&op_latency[OP_UPLOAD_STALE], t);
  return rc;
}

int meta_manifest_put(struct meta *m, const struct meta_manifest_put *mp, char *missing_out)
{
  int64_t t = histo_start();
  int rc = m->ops->manifest_put(m, mp, missing_out);
  histo_since(&op_latency[OP_MANIFEST_PUT], t);
  return rc;
}

int meta_manifest_get(struct meta *m, struct pool *p, struct meta_manifest *out,
                      int64_t repo_id, const char *digest)
{
  int64_t t = histo_start();
  int rc = m->ops->manifest_get(m, p, out, repo_id, digest);
  histo_since(&op_latency[OP_MANIFEST_GET], t);
  return rc;
}

int meta_manifest_delete(struct meta *m, int64_t repo_id, const char *digest)
{
  int64_t t = histo_start();
  int rc = m->ops->manifest_delete(m, repo_id, digest);
  histo_since(&op_latency[OP_MANIFEST_DELETE], t);
  return rc;
}

int meta_referrers(struct meta *m, struct pool *p, struct meta_manifest **out, size_t *out_n,
                   int64_t repo_id, const char *subject, const char *artifact_type)
{
  int64_t t = histo_start();
  int rc = m->ops->referrers(m, p, out, out_n, repo_id, subject, artifact_type);
  histo_since(&op_latency[OP_REFERRERS], t);
  return rc;
}

int meta_tag_resolve(struct meta *m, struct pool *p, char **out_digest, int64_t repo_id,
                     const char *tag)
{
  int64_t t = histo_start();
  int rc = m->ops->tag_resolve(m, p, out_digest, repo_id, tag);
  histo_since(&op_latency[OP_TAG_RESOLVE], t);
  return rc;
}

int meta_tag_list(struct meta *m, struct pool *p, char ***out_names, size_t *out_n,
                  int *out_more, int64_t repo_id, const char *last, size_t limit)
{
  int64_t t = histo_start();
  int rc = m->ops->tag_list(m, p, out_names, out_n, out_more, repo_id, last, limit);
  histo_since(&op_latency[OP_TAG_LIST], t);
  return rc;
}

int meta_tag_delete(struct meta *m, int64_t repo_id, const char *tag)
{
  int64_t t = histo_start();
  int rc = m->ops->tag_delete(m, repo_id, tag);
  histo_since(&op_latency[OP_TAG_DELETE], t);
  return rc;
}

int meta_tag_list_info(struct meta *m, struct pool *p, struct meta_tag_info **out,
                       size_t *out_n, int *out_more, int64_t repo_id, const char *last,
                       size_t limit)
{
  int64_t t = histo_start();
  int rc = m->ops->tag_list_info ? m->ops->tag_list_info(m, p, out, out_n, out_more, repo_id,
                                                         last, limit)
                                 : ERR_UNSUPPORTED;
  histo_since(&op_latency[OP_TAG_LIST_INFO], t);
  return rc;
}
