#include "store/meta.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"

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

int meta_repo_ensure(struct meta *m, int64_t *out_id, const char *name)
{
  return m->ops->repo_ensure(m, out_id, name);
}

int meta_repo_lookup(struct meta *m, int64_t *out_id, const char *name)
{
  return m->ops->repo_lookup(m, out_id, name);
}

int meta_repo_list(struct meta *m, struct pool *p, char ***out_names, size_t *out_n,
                   int *out_more, const char *last, size_t limit)
{
  return m->ops->repo_list(m, p, out_names, out_n, out_more, last, limit);
}

int meta_blob_add(struct meta *m, int64_t repo_id, const char *digest, int64_t size)
{
  return m->ops->blob_add(m, repo_id, digest, size);
}

int meta_blob_linked(struct meta *m, int64_t *out_size, int64_t repo_id, const char *digest)
{
  return m->ops->blob_linked(m, out_size, repo_id, digest);
}

int meta_blob_stat(struct meta *m, int64_t *out_size, const char *digest)
{
  return m->ops->blob_stat(m, out_size, digest);
}

int meta_blob_link(struct meta *m, int64_t repo_id, const char *digest)
{
  return m->ops->blob_link(m, repo_id, digest);
}

int meta_blob_unlink(struct meta *m, int64_t repo_id, const char *digest)
{
  return m->ops->blob_unlink(m, repo_id, digest);
}

int meta_upload_create(struct meta *m, int64_t repo_id, const char *uuid)
{
  return m->ops->upload_create(m, repo_id, uuid);
}

int meta_upload_get(struct meta *m, struct meta_upload *out, const char *uuid)
{
  return m->ops->upload_get(m, out, uuid);
}

int meta_upload_set_offset(struct meta *m, const char *uuid, int64_t expected, int64_t offset)
{
  return m->ops->upload_set_offset(m, uuid, expected, offset);
}

int meta_upload_delete(struct meta *m, const char *uuid)
{
  return m->ops->upload_delete(m, uuid);
}

int meta_upload_stale(struct meta *m, struct pool *p, char ***out_uuids, size_t *out_n,
                      int64_t before, size_t limit)
{
  return m->ops->upload_stale(m, p, out_uuids, out_n, before, limit);
}

int meta_manifest_put(struct meta *m, const struct meta_manifest_put *mp, char *missing_out)
{
  return m->ops->manifest_put(m, mp, missing_out);
}

int meta_manifest_get(struct meta *m, struct pool *p, struct meta_manifest *out,
                      int64_t repo_id, const char *digest)
{
  return m->ops->manifest_get(m, p, out, repo_id, digest);
}

int meta_manifest_delete(struct meta *m, int64_t repo_id, const char *digest)
{
  return m->ops->manifest_delete(m, repo_id, digest);
}

int meta_referrers(struct meta *m, struct pool *p, struct meta_manifest **out, size_t *out_n,
                   int64_t repo_id, const char *subject, const char *artifact_type)
{
  return m->ops->referrers(m, p, out, out_n, repo_id, subject, artifact_type);
}

int meta_tag_resolve(struct meta *m, struct pool *p, char **out_digest, int64_t repo_id,
                     const char *tag)
{
  return m->ops->tag_resolve(m, p, out_digest, repo_id, tag);
}

int meta_tag_list(struct meta *m, struct pool *p, char ***out_names, size_t *out_n,
                  int *out_more, int64_t repo_id, const char *last, size_t limit)
{
  return m->ops->tag_list(m, p, out_names, out_n, out_more, repo_id, last, limit);
}

int meta_tag_delete(struct meta *m, int64_t repo_id, const char *tag)
{
  return m->ops->tag_delete(m, repo_id, tag);
}
