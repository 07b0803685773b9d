/* S3-compatible blob backend (AWS S3, MinIO, Ceph RGW, s3rver).
 *
 * URL: s3://<bucket>?endpoint=http://127.0.0.1:4568&region=us-east-1
 *        &path_style=true&prefix=wharf/&access_key=…&secret_key=…
 * Every parameter is optional. endpoint defaults to
 * https://s3.<region>.amazonaws.com, region to $AWS_REGION or us-east-1,
 * path_style to false (virtual-hosted: <bucket>.<endpoint host>). The
 * credentials default to $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY and
 * $AWS_SESSION_TOKEN; part_mb (5..512, default 8) is how much one upload
 * request buffers before it stores a segment.
 *
 * redirect=true answers blob GETs with a 307 to a presigned S3 URL (SigV4
 * query-string auth, s3_presign.c) valid redirect_ttl seconds (60..604800,
 * default 1200), so the bytes go from S3 to the client directly; clients
 * then need to reach the endpoint, or redirect_endpoint=http(s)://host[:port]
 * when they reach S3 under another name than wharf does.
 *
 * Layout under the prefix:
 *   blobs/<algo>/<hh>/<hex>     content-addressed, written only after the
 *                               bytes were verified (see s3_upload.c)
 *   uploads/<uuid>/info         marks an upload as existing
 *   uploads/<uuid>/<start>-<s>  the segments of an upload (s3_upload.c)
 *
 * Blob GETs stream through a reader (s3_stream.c), one GET per response:
 * there is no fd to send.
 * Every key is built from a validated digest or uuid plus a prefix of
 * URL-safe characters, so keys need no escaping in URLs or signatures. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob/s3_int.h"
#include "blob/s3_presign.h"
#include "util/err.h"
#include "util/log.h"

#define S3_SCHEME_PREFIX "s3://"
#define S3_DEFAULT_SEG_MB 8

/* --- keys ------------------------------------------------------------------- */

int s3_valid_uuid(const char *uuid)
{
  if (!uuid)
    return 0;
  size_t i;
  for (i = 0; i < S3_UUID_LEN; i++) {
    char c = uuid[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-'))
      return 0;
  }
  return uuid[i] == '\0';
}

int s3_blob_key(char out[S3_KEY_MAX], enum digest_algo *out_algo, const struct s3_store *s,
                const char *digest)
{
  if (!digest)
    return ERR_INVALID;
  size_t n = strnlen(digest, DIGEST_MAX);
  if (n >= DIGEST_MAX)
    return ERR_INVALID;
  enum digest_algo algo;
  int rc = digest_parse(&algo, digest, n);
  if (rc != 0)
    return rc;
  const char *colon = strchr(digest, ':');
  int alen = (int)(colon - digest);
  int k = snprintf(out, S3_KEY_MAX, "%sblobs/%.*s/%.2s/%s", s->prefix, alen, digest, colon + 1,
                   colon + 1);
  if (k < 0 || k >= S3_KEY_MAX)
    return ERR_INVALID;
  if (out_algo)
    *out_algo = algo;
  return 0;
}

int s3_upload_key(char out[S3_KEY_MAX], const struct s3_store *s, const char *uuid,
                  const char *name)
{
  if (!s3_valid_uuid(uuid))
    return ERR_INVALID;
  int k = snprintf(out, S3_KEY_MAX, "%suploads/%s/%s", s->prefix, uuid, name);
  return k < 0 || k >= S3_KEY_MAX ? ERR_INVALID : 0;
}

/* --- configuration ------------------------------------------------------------ */

/* Settings gathered from the URL, then the environment. */
struct s3_conf {
  char *bucket, *endpoint, *region, *prefix, *access, *secret, *token, *redirect_endpoint;
  int path_style, redirect;
  long part_mb, redirect_ttl;
};

static void conf_free(struct s3_conf *c)
{
  free(c->bucket);
  free(c->endpoint);
  free(c->region);
  free(c->prefix);
  free(c->access);
  free(c->secret);
  free(c->token);
  free(c->redirect_endpoint);
}

/* strndup with %XX decoding. */
static char *pct_decode(const char *p, size_t n)
{
  char *out = malloc(n + 1);
  size_t o = 0;
  if (!out)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (p[i] == '%' && i + 2 < n && isxdigit((unsigned char)p[i + 1]) &&
        isxdigit((unsigned char)p[i + 2]) && sscanf(p + i + 1, "%2x", &v) == 1) {
      out[o++] = (char)v;
      i += 2;
    } else {
      out[o++] = p[i];
    }
  }
  out[o] = '\0';
  return out;
}

static int conf_flag(int *out, const char *v)
{
  if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0)
    *out = 1;
  else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcmp(v, "no") == 0)
    *out = 0;
  else
    return ERR_INVALID;
  return 0;
}

/* Applies one "name=value" of the URL's query. Never logs the value. */
static int conf_param(struct s3_conf *c, const char *name, size_t nlen, char *value)
{
  struct { const char *name; char **slot; } strs[] = {
    { "endpoint", &c->endpoint }, { "region", &c->region },       { "prefix", &c->prefix },
    { "access_key", &c->access }, { "secret_key", &c->secret }, { "session_token", &c->token },
    { "redirect_endpoint", &c->redirect_endpoint },
  };
  for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
    if (strlen(strs[i].name) == nlen && memcmp(strs[i].name, name, nlen) == 0) {
      free(*strs[i].slot);
      *strs[i].slot = value;
      return 0;
    }
  }
  int rc = ERR_INVALID;
  if (nlen == 10 && memcmp(name, "path_style", 10) == 0) {
    rc = conf_flag(&c->path_style, value);
  } else if (nlen == 7 && memcmp(name, "part_mb", 7) == 0) {
    char *end;
    c->part_mb = strtol(value, &end, 10);
    rc = *end || c->part_mb < 5 || c->part_mb > 512 ? ERR_INVALID : 0;
  } else if (nlen == 8 && memcmp(name, "redirect", 8) == 0) {
    rc = conf_flag(&c->redirect, value);
  } else if (nlen == 12 && memcmp(name, "redirect_ttl", 12) == 0) {
    char *end;
    c->redirect_ttl = strtol(value, &end, 10);
    rc = *end || c->redirect_ttl < 60 || c->redirect_ttl > S3_PRESIGN_MAX_EXPIRES ? ERR_INVALID : 0;
  } else {
    LOG(LOG_ERROR, "blob s3: unknown storage URL parameter '%.*s'", (int)nlen, name);
    free(value);
    return ERR_INVALID;
  }
  if (rc != 0)
    LOG(LOG_ERROR, "blob s3: bad value for storage URL parameter '%.*s'", (int)nlen, name);
  free(value);
  return rc;
}

static int conf_parse_url(struct s3_conf *c, const char *url)
{
  const char *b = url + strlen(S3_SCHEME_PREFIX);
  size_t blen = strcspn(b, "/?");
  if (!(c->bucket = pct_decode(b, blen)))
    return ERR_NOMEM;
  const char *q = b + blen;
  if (*q == '/')
    q++;
  if (*q == '?')
    q++;
  else if (*q)
    return ERR_INVALID;
  while (*q) {
    size_t len = strcspn(q, "&");
    const char *eq = memchr(q, '=', len);
    if (len > 0) {
      if (!eq)
        return ERR_INVALID;
      char *v = pct_decode(eq + 1, len - (size_t)(eq + 1 - q));
      if (!v)
        return ERR_NOMEM;
      int rc = conf_param(c, q, (size_t)(eq - q), v);
      if (rc != 0)
        return rc;
    }
    q += len;
    if (*q == '&')
      q++;
  }
  return 0;
}

/* Fills what the URL left out from the AWS_* environment and defaults. */
static int conf_env(struct s3_conf *c)
{
  struct { char **slot; const char *env[2]; } envs[] = {
    { &c->access, { "AWS_ACCESS_KEY_ID", NULL } },
    { &c->secret, { "AWS_SECRET_ACCESS_KEY", NULL } },
    { &c->token, { "AWS_SESSION_TOKEN", NULL } },
    { &c->region, { "AWS_REGION", "AWS_DEFAULT_REGION" } },
    { &c->endpoint, { "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL" } },
  };
  for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
    for (size_t j = 0; j < 2 && !*envs[i].slot && envs[i].env[j]; j++) {
      const char *v = getenv(envs[i].env[j]);
      if (v && *v && !(*envs[i].slot = strdup(v)))
        return ERR_NOMEM;
    }
  }
  if (!c->region && !(c->region = strdup("us-east-1")))
    return ERR_NOMEM;
  if (!c->prefix && !(c->prefix = strdup("")))
    return ERR_NOMEM;
  size_t plen = strlen(c->prefix);
  if (plen > 0 && c->prefix[plen - 1] != '/') { /* "wharf" means the folder wharf/ */
    char *p = realloc(c->prefix, plen + 2);
    if (!p)
      return ERR_NOMEM;
    memcpy(p + plen, "/", 2);
    c->prefix = p;
  }
  if (!c->endpoint) {
    size_t n = strlen(c->region) + 32;
    if (!(c->endpoint = malloc(n)))
      return ERR_NOMEM;
    snprintf(c->endpoint, n, "https://s3.%s.amazonaws.com", c->region);
  }
  return 0;
}

static int all_chars(const char *s, const char *extra)
{
  for (const char *p = s; *p; p++)
    if (!isalnum((unsigned char)*p) && !strchr(extra, *p))
      return 0;
  return 1;
}

/* "http(s)://host[:port]" without a path; trailing slashes are dropped. */
static int endpoint_ok(char *ep)
{
  size_t e = strlen(ep);
  while (e > 0 && ep[e - 1] == '/')
    ep[--e] = '\0';
  const char *host = strstr(ep, "://");
  return host && (strncmp(ep, "http://", 7) == 0 || strncmp(ep, "https://", 8) == 0) &&
         !strpbrk(host + 3, "/?#@ ") && host[3];
}

/* Checks the settings; every message says what to fix, none shows a secret. */
static int conf_check(struct s3_conf *c)
{
  size_t blen = strlen(c->bucket);
  if (blen < 3 || blen > 63 || !all_chars(c->bucket, c->path_style ? ".-_" : ".-")) {
    LOG(LOG_ERROR, "blob s3: bucket name '%s' is not valid%s", c->bucket,
        c->path_style ? "" : " for virtual-hosted addressing (try path_style=true)");
    return ERR_INVALID;
  }
  if (!endpoint_ok(c->endpoint) || (c->redirect_endpoint && !endpoint_ok(c->redirect_endpoint))) {
    LOG(LOG_ERROR, "blob s3: endpoint and redirect_endpoint must be http(s)://host[:port] "
        "without a path");
    return ERR_INVALID;
  }
  if (!all_chars(c->region, "-_")) {
    LOG(LOG_ERROR, "blob s3: region '%s' is not valid", c->region);
    return ERR_INVALID;
  }
  if (!all_chars(c->prefix, "-_./") || c->prefix[0] == '/' || strstr(c->prefix, "//") ||
      strstr(c->prefix, "..") || strlen(c->prefix) > 200) {
    LOG(LOG_ERROR, "blob s3: prefix may hold only letters, digits and - _ . / (no leading /)");
    return ERR_INVALID;
  }
  if (!c->access || !c->secret) {
    LOG(LOG_ERROR, "blob s3: no credentials: set access_key and secret_key in the storage URL "
        "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    return ERR_INVALID;
  }
  if (strpbrk(c->access, ":\r\n") || (c->token && strpbrk(c->token, "\r\n"))) {
    LOG(LOG_ERROR, "blob s3: the access key or session token holds a character it cannot hold");
    return ERR_INVALID;
  }
  return 0;
}

/* Where presigned URLs point: the endpoint clients reach, in the store's
 * addressing style. */
static int conf_redirect(struct s3_store *s, struct s3_conf *c)
{
  const char *ep = c->redirect_endpoint ? c->redirect_endpoint : c->endpoint;
  const char *host = strstr(ep, "://") + 3;
  size_t n = strlen(ep) + strlen(c->bucket) + 8;
  if (!(s->redirect_base = malloc(n)) || !(s->redirect_path = malloc(strlen(c->bucket) + 2)))
    return ERR_NOMEM;
  if (c->path_style) {
    snprintf(s->redirect_base, n, "%s", ep);
    sprintf(s->redirect_path, "/%s", c->bucket);
  } else {
    snprintf(s->redirect_base, n, "%.*s%s.%s", (int)(host - ep), ep, c->bucket, host);
    s->redirect_path[0] = '\0';
  }
  if (!(s->redirect_host = strdup(strstr(s->redirect_base, "://") + 3)))
    return ERR_NOMEM;
  s->redirect_s = c->redirect ? (c->redirect_ttl ? c->redirect_ttl : S3_REDIRECT_DEFAULT) : 0;
  return 0;
}

/* Moves the checked settings into s. */
static int conf_apply(struct s3_store *s, struct s3_conf *c)
{
  if (conf_redirect(s, c) != 0)
    return ERR_NOMEM;
  size_t n = strlen(c->endpoint) + strlen(c->bucket) + 8;
  if (!(s->base_url = malloc(n)) || !(s->copy_source = malloc(strlen(c->bucket) + 3)))
    return ERR_NOMEM;
  if (c->path_style) {
    snprintf(s->base_url, n, "%s/%s", c->endpoint, c->bucket);
  } else {
    const char *host = strstr(c->endpoint, "://") + 3;
    snprintf(s->base_url, n, "%.*s%s.%s", (int)(host - c->endpoint), c->endpoint, c->bucket,
             host);
  }
  sprintf(s->copy_source, "/%s/", c->bucket);
  if (c->token) {
    size_t tn = strlen(c->token) + 32;
    if (!(s->token_hdr = malloc(tn)))
      return ERR_NOMEM;
    snprintf(s->token_hdr, tn, "x-amz-security-token: %s", c->token);
  }
  snprintf(s->sigv4, sizeof(s->sigv4), "aws:amz:%s:s3", c->region);
  s->bucket = c->bucket;
  s->region = c->region;
  s->prefix = c->prefix;
  s->access_key = c->access;
  s->secret_key = c->secret;
  c->bucket = c->region = c->prefix = c->access = c->secret = NULL;
  s->seg_size = (size_t)(c->part_mb ? c->part_mb : S3_DEFAULT_SEG_MB) << 20;
  s->session_token = c->token;
  c->token = NULL;
  return 0;
}

/* --- store -------------------------------------------------------------------- */

static void s3_close(struct blob_store *bs)
{
  struct s3_store *s = (struct s3_store *)bs;
  if (!s)
    return;
  s3_cache_free(s);
  s3_http_cleanup(s);
  pthread_mutex_destroy(&s->mu);
  free(s->base_url);
  free(s->copy_source);
  free(s->bucket);
  free(s->region);
  free(s->prefix);
  free(s->access_key);
  if (s->secret_key)
    memset(s->secret_key, 0, strlen(s->secret_key));
  free(s->secret_key);
  if (s->token_hdr)
    memset(s->token_hdr, 0, strlen(s->token_hdr));
  free(s->token_hdr);
  if (s->session_token)
    memset(s->session_token, 0, strlen(s->session_token));
  free(s->session_token);
  free(s->redirect_base);
  free(s->redirect_host);
  free(s->redirect_path);
  free(s);
}

/* A missing bucket or refused credentials stop the start; an unreachable
 * endpoint does not (requests fail with ERR_IO until it answers). */
static int s3_probe(struct s3_store *s)
{
  struct s3_req rq = { .method = "HEAD", .quiet_404 = 1 };
  int rc = s3_perform(s, &rq);
  if (rc == ERR_NOTFOUND) {
    LOG(LOG_ERROR, "blob s3: bucket %s does not exist at the endpoint", s->bucket);
    return rc;
  }
  if (rc == ERR_IO && (rq.status == 401 || rq.status == 403))
    return rc;
  if (rc != 0)
    LOG(LOG_WARN, "blob s3: bucket %s is not reachable yet (%s); continuing", s->bucket,
        err_str(rc));
  return 0;
}

/* With redirect on, one presigned URL is built now: a region, access key,
 * secret or session token too long to sign (fuzz_s3 found a long region
 * accepted, then every blob GET failing) stops the start instead. */
static int conf_probe_redirect(struct s3_store *s)
{
  static const char digest[] =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  size_t max = 8192; /* registry/blob.c's BLOB_REDIRECT_MAX */
  char *url = s->redirect_s ? malloc(max) : NULL;
  int rc = !s->redirect_s ? 0 : url ? 0 : ERR_NOMEM;
  if (url && s3_redirect_url(&s->base, url, max, digest) != 0) {
    LOG(LOG_ERROR, "blob s3: redirect=true, but no presigned URL can be built from these settings "
        "(region, access_key, secret_key or session_token too long)");
    rc = ERR_INVALID;
  }
  free(url);
  return rc;
}

int s3_store_parse(struct s3_store **out, const char *url)
{
  if (!url || strncmp(url, S3_SCHEME_PREFIX, strlen(S3_SCHEME_PREFIX)) != 0)
    return ERR_UNSUPPORTED;
  struct s3_conf c = { 0 };
  struct s3_store *s = calloc(1, sizeof(*s));
  int rc = s ? 0 : ERR_NOMEM;
  if (rc == 0 && pthread_mutex_init(&s->mu, NULL) != 0) {
    free(s);
    s = NULL;
    rc = ERR_INTERNAL;
  }
  if (rc == 0)
    rc = conf_parse_url(&c, url);
  if (rc == ERR_INVALID)
    LOG(LOG_ERROR, "blob s3: malformed storage URL; use s3://bucket?endpoint=…&region=…");
  if (rc == 0 && (rc = conf_env(&c)) == 0 && (rc = conf_check(&c)) == 0)
    rc = conf_apply(s, &c);
  if (rc == 0) {
    s->base.ops = &blob_s3_ops;
    rc = conf_probe_redirect(s);
  }
  if (rc == 0) {
    *out = s;
    s = NULL;
  }
  if (c.secret)
    memset(c.secret, 0, strlen(c.secret));
  conf_free(&c);
  s3_close(s ? &s->base : NULL);
  return rc;
}

static int s3_open(struct blob_store **out, const char *url)
{
  struct s3_store *s = NULL;
  int rc = s3_store_parse(&s, url);
  if (rc == 0)
    rc = s3_http_init(s);
  if (rc == 0)
    rc = s3_probe(s);
  if (rc == 0) {
    LOG(LOG_INFO, "blob s3: bucket %s at %s, prefix '%s'", s->bucket, s->base_url, s->prefix);
    if (s->redirect_s)
      LOG(LOG_INFO, "blob s3: blob GETs redirect to %s (presigned, valid %ld s)",
          s->redirect_base, s->redirect_s);
    *out = &s->base;
    s = NULL;
  }
  s3_close(s ? &s->base : NULL);
  return rc;
}

/* --- blobs -------------------------------------------------------------------- */

static int s3_stat(struct blob_store *bs, int64_t *out_size, const char *digest)
{
  struct s3_store *s = (struct s3_store *)bs;
  char key[S3_KEY_MAX];
  int rc = s3_blob_key(key, NULL, s, digest);
  if (rc != 0)
    return rc;
  return s3_head(s, out_size, key);
}

static int s3_read(struct blob_store *bs, size_t *out_n, const char *digest, int64_t offset,
                   void *buf, size_t len)
{
  struct s3_store *s = (struct s3_store *)bs;
  char key[S3_KEY_MAX];
  if (offset < 0)
    return ERR_INVALID;
  int rc = s3_blob_key(key, NULL, s, digest);
  if (rc != 0)
    return rc;
  return s3_get_range(s, out_n, key, offset, buf, len);
}

int s3_redirect_url(struct blob_store *bs, char *out, size_t outlen, const char *digest)
{
  struct s3_store *s = (struct s3_store *)bs;
  char key[S3_KEY_MAX], path[S3_KEY_MAX + 80], target[S3_KEY_MAX * 3 + 4096];
  if (s->redirect_s <= 0)
    return ERR_UNSUPPORTED;
  int rc = s3_blob_key(key, NULL, s, digest);
  if (rc != 0)
    return rc;
  snprintf(path, sizeof(path), "%s/%s", s->redirect_path, key);
  struct s3_presign p = {
    .method = "GET", .host = s->redirect_host, .path = path, .region = s->region,
    .access_key = s->access_key, .secret_key = s->secret_key,
    .session_token = s->session_token, .now = (int64_t)time(NULL), .expires = s->redirect_s,
  };
  if ((rc = s3_presign_target(target, sizeof(target), &p)) != 0)
    return rc;
  int n = snprintf(out, outlen, "%s%s", s->redirect_base, target);
  return n < 0 || (size_t)n >= outlen ? ERR_TOOBIG : 0;
}

static int s3_del(struct blob_store *bs, const char *digest)
{
  struct s3_store *s = (struct s3_store *)bs;
  char key[S3_KEY_MAX];
  int64_t size;
  int rc = s3_blob_key(key, NULL, s, digest);
  if (rc != 0)
    return rc;
  /* S3 deletes answer 204 either way; the interface reports a missing blob */
  if ((rc = s3_head(s, &size, key)) != 0)
    return rc;
  return s3_delete(s, key);
}

const struct blob_ops blob_s3_ops = {
  .scheme = "s3",
  .open = s3_open,
  .close = s3_close,
  .stat = s3_stat,
  .open_fd = NULL, /* no fds: handlers stream through .read */
  .read = s3_read,
  .del = s3_del,
  .reader_open = s3_reader_open,
  .reader_read = s3_reader_read,
  .reader_close = s3_reader_close,
  .redirect_url = s3_redirect_url,
  .upload_create = s3_upload_create,
  .writer_open = s3_writer_open,
  .writer_write = s3_writer_write,
  .writer_size = s3_writer_size,
  .writer_close = s3_writer_close,
  .upload_commit = s3_upload_commit,
  .upload_abort = s3_upload_abort,
  .upload_each_stale = s3_upload_each_stale,
  .each = blob_s3_each, /* s3_list.c */
  .info = blob_s3_info,
  .quarantine = blob_s3_quarantine,
};
