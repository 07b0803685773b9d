/* S3 blob backend, continued: enumerating the stored blobs (ListObjectsV2
 * with continuation tokens, through s3_list()) and moving corrupt ones
 * aside under "<prefix>quarantine/", for GC and fsck (blob.h
 * "enumeration and quarantine"). */
#include "blob/s3_int.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

struct each_ctx {
  size_t skip; /* length of "<prefix>blobs/" */
  int (*fn)(void *ctx, const struct blob_info *info);
  void *ctx;
};

/* "<prefix>blobs/<algo>/<hh>/<hex>" -> "<algo>:<hex>" when it is a content
 * address; 0 or ERR_INVALID. */
static int key_digest(char out[DIGEST_MAX], const char *rest)
{
  const char *s1 = strchr(rest, '/');
  if (!s1 || strlen(s1) < 5 || s1[3] != '/' || strchr(s1 + 4, '/'))
    return ERR_INVALID;
  int n = snprintf(out, DIGEST_MAX, "%.*s:%s", (int)(s1 - rest), rest, s1 + 4);
  if (n < 0 || n >= DIGEST_MAX || digest_parse(NULL, out, (size_t)n) != 0)
    return ERR_INVALID;
  return strncmp(s1 + 1, s1 + 4, 2) == 0 ? 0 : ERR_INVALID;
}

static int each_obj(void *arg, const struct s3_obj *o)
{
  struct each_ctx *c = arg;
  char digest[DIGEST_MAX];
  if (strlen(o->key) <= c->skip || key_digest(digest, o->key + c->skip) != 0)
    return 0;
  struct blob_info bi = { .digest = digest, .size = o->size, .mtime = o->mtime };
  return c->fn(c->ctx, &bi);
}

int blob_s3_each(struct blob_store *bs, int (*fn)(void *ctx, const struct blob_info *info),
                 void *ctx)
{
  struct s3_store *s = (struct s3_store *)bs;
  char prefix[S3_KEY_MAX];
  int n = snprintf(prefix, sizeof(prefix), "%sblobs/", s->prefix);
  if (n < 0 || (size_t)n >= sizeof(prefix))
    return ERR_INVALID;
  struct each_ctx c = { .skip = (size_t)n, .fn = fn, .ctx = ctx };
  return s3_list(s, prefix, each_obj, &c);
}

struct info_ctx {
  const char *key;
  struct blob_info *out;
  int found;
};

static int info_obj(void *arg, const struct s3_obj *o)
{
  struct info_ctx *c = arg;
  if (strcmp(o->key, c->key) != 0)
    return 0; /* a longer key sharing the prefix */
  c->out->size = o->size;
  c->out->mtime = o->mtime;
  c->found = 1;
  return 1;
}

int blob_s3_info(struct blob_store *bs, struct blob_info *out, const char *digest)
{
  struct s3_store *s = (struct s3_store *)bs;
  char key[S3_KEY_MAX];
  struct blob_info bi = { .digest = digest };
  int rc = s3_blob_key(key, NULL, s, digest);
  if (rc)
    return rc;
  /* a one-key listing: HEAD gives no parsed LastModified here */
  struct info_ctx c = { .key = key, .out = &bi, .found = 0 };
  rc = s3_list(s, key, info_obj, &c);
  if (rc < 0)
    return rc;
  if (!c.found)
    return ERR_NOTFOUND;
  *out = bi;
  return 0;
}

int blob_s3_quarantine(struct blob_store *bs, const char *digest)
{
  struct s3_store *s = (struct s3_store *)bs;
  char key[S3_KEY_MAX], dst[S3_KEY_MAX];
  int64_t size;
  int rc = s3_blob_key(key, NULL, s, digest);
  if (rc)
    return rc;
  if ((rc = s3_head(s, &size, key)) != 0)
    return rc;
  const char *colon = strchr(digest, ':');
  int n = snprintf(dst, sizeof(dst), "%squarantine/%.*s-%s.%lld", s->prefix,
                   (int)(colon - digest), digest, colon + 1, (long long)time_now());
  if (n < 0 || (size_t)n >= sizeof(dst))
    return ERR_INVALID;
  if (size > S3_COPY_MAX) {
    LOG(LOG_ERROR, "blob s3: %s is too large to quarantine by copy; delete it by hand", key);
    return ERR_UNSUPPORTED;
  }
  /* copy then delete: a crash in between leaves both, never neither */
  if ((rc = s3_copy(s, dst, key)) != 0)
    return rc;
  if ((rc = s3_delete(s, key)) != 0)
    return rc;
  LOG(LOG_WARN, "blob s3: quarantined %s as %s", digest, dst);
  return 0;
}
