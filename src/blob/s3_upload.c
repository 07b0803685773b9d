/* Uploads on S3: segments, writers, the chain, expiry (commit: s3_commit.c).
 *
 * An upload is a marker object uploads/<uuid>/info plus segments
 * uploads/<uuid>/<start>-<session>: each writer (one PATCH or PUT body)
 * gets a random session id and stores what it receives as segments of at
 * most seg_size bytes (S3 needs a known length per PUT, so one segment is
 * buffered in memory; never a whole blob). Nothing about an upload lives
 * only in a process: any instance lists the segments and carries on.
 *
 * The acknowledged bytes are a chain of segments from offset 0 whose
 * starts and ends meet. Segment names are never reused (the session id),
 * so an object under a segment name never changes once written: bytes that
 * were hashed are the bytes that get copied. writer_open(offset) keeps one
 * chain that ends exactly at offset and deletes every other segment (left
 * by a request that failed, or by a concurrent writer that lost the
 * metadata store's compare-and-set on the offset).
 *
 * S3 has no lock, so unlike the filesystem backend two writers on one
 * upload are not refused with ERR_CONFLICT: the compare-and-set decides
 * which one is acknowledged. Whatever happens to the loser's segments, a
 * wrong chain can only fail a commit (ERR_DIGEST, ERR_RANGE), never store
 * wrong bytes under a digest.
 *
 * Commit hashes the chain's bytes (streamed GETs, or the hash state a
 * writer in this process kept, trusted only if the chain's names, sizes
 * and ETags are the ones it hashed), and only then assembles the blob at
 * its content address: one CopyObject for a single segment, else a
 * multipart upload whose parts are server-side copies of segments
 * (UploadPartCopy) where S3's 5 MiB minimum allows, and otherwise parts
 * piped through a bounded buffer (also the fallback for servers without
 * UploadPartCopy). The object appears atomically when the copy or the
 * multipart completion succeeds, so a crash leaves nothing or the verified
 * blob; an abandoned multipart upload is invisible (a bucket lifecycle rule
 * for incomplete multipart uploads reclaims its space). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob/s3_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/rand.h"

#define S3_MARKER "info"
#define S3_SESS_LEN 16
#define S3_MAX_SEGS 20000 /* segments one upload may hold */
#define S3_BUF_MIN ((size_t)64 << 10)
#define S3_NAME_CHARS "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_."

struct s3_writer {
  struct blob_writer base;
  struct s3_store *s;
  char uuid[S3_UUID_LEN + 1];
  char sess[S3_SESS_LEN + 1];
  int64_t stored;     /* bytes in segments: offset at open + flushed */
  unsigned char *buf; /* the segment being filled */
  size_t len, cap;
  struct hasher *h;   /* content SHA-256 when known from the start, else NULL */
  struct hasher *fp;  /* chain fingerprint, alongside h */
  int broken;
};

/* --- listing an upload ---------------------------------------------------------- */

void s3_listing_free(struct s3_listing *l)
{
  free(l->v);
  free(l->chain);
}

/* "<20 digits>-<16 hex>" → start; -1 if name is not a segment name. */
static int64_t seg_start(const char *name)
{
  for (int i = 0; i < 20; i++)
    if (name[i] < '0' || name[i] > '9')
      return -1;
  if (name[20] != '-')
    return -1;
  for (int i = 21; i < 21 + S3_SESS_LEN; i++)
    if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
      return -1;
  if (name[21 + S3_SESS_LEN] != '\0')
    return -1;
  char *end;
  long long v = strtoll(name, &end, 10);
  return v >= 0 && v < INT64_MAX / 2 ? v : -1;
}

static int listing_add(void *ctx, const struct s3_obj *o)
{
  struct s3_listing *l = ctx;
  if (strncmp(o->key, l->dir, l->dirlen) != 0)
    return 0;
  const char *name = o->key + l->dirlen;
  if (o->mtime > l->newest)
    l->newest = o->mtime;
  if (strcmp(name, S3_MARKER) == 0) {
    l->marker = 1;
    return 0;
  }
  size_t nlen = strlen(name);
  if (nlen == 0 || nlen >= S3_NAME_MAX || strspn(name, S3_NAME_CHARS) != nlen)
    return 0; /* not something we write, nor a key we could name safely: left alone */
  if (l->n == S3_MAX_SEGS) {
    LOG(LOG_ERROR, "blob s3: upload %.*s holds more than %d segments", (int)(l->dirlen - 1),
        l->dir, S3_MAX_SEGS);
    return ERR_TOOBIG;
  }
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    struct s3_seg *v = realloc(l->v, cap * sizeof(*v));
    if (!v)
      return ERR_NOMEM;
    l->v = v;
    l->cap = cap;
  }
  struct s3_seg *g = &l->v[l->n++];
  memset(g, 0, sizeof(*g));
  snprintf(g->name, sizeof(g->name), "%s", name);
  snprintf(g->etag, sizeof(g->etag), "%s", o->etag);
  g->len = o->size;
  g->start = o->size > 0 ? seg_start(name) : -1;
  return 0;
}

static int seg_cmp(const void *a, const void *b)
{
  const struct s3_seg *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* Lists uploads/<uuid>/ into *l (segments sorted by start). */
int s3_listing_load(struct s3_store *s, struct s3_listing *l, char dir[S3_KEY_MAX],
                        const char *uuid)
{
  memset(l, 0, sizeof(*l));
  int rc = s3_upload_key(dir, s, uuid, "");
  if (rc != 0)
    return rc;
  l->dir = dir;
  l->dirlen = strlen(dir);
  if ((rc = s3_list(s, dir, listing_add, l)) != 0)
    return rc;
  if (l->n)
    qsort(l->v, l->n, sizeof(*l->v), seg_cmp);
  return 0;
}

/* --- the chain ---------------------------------------------------------------- */

/* Open-addressed map from a byte position to the first reachable segment
 * ending there. */
struct endmap {
  int64_t *pos;
  size_t *idx;
  size_t mask;
};

static size_t *endmap_slot(struct endmap *m, int64_t pos, int *found)
{
  size_t i = (size_t)((uint64_t)pos * 0x9E3779B97F4A7C15ull) & m->mask;
  while (m->pos[i] >= 0 && m->pos[i] != pos)
    i = (i + 1) & m->mask;
  *found = m->pos[i] == pos;
  m->pos[i] = pos;
  return &m->idx[i];
}

/* Walks back from segment last along pred[] into l->chain, marking keep. */
static int chain_build(struct s3_listing *l, const long *pred, long last)
{
  size_t n = 0;
  for (long i = last; i >= 0; i = pred[i])
    n++;
  if (n && !(l->chain = malloc(n * sizeof(*l->chain))))
    return ERR_NOMEM;
  l->nchain = n;
  for (long i = last; i >= 0; i = pred[i]) {
    l->chain[--n] = (size_t)i;
    l->v[i].keep = 1;
  }
  return 0;
}

/* Finds a chain of segments from 0 that ends exactly at target, or (cover)
 * whose last segment holds byte target-1. ERR_RANGE if there is none. */
int s3_chain_find(struct s3_listing *l, int64_t target, int cover)
{
  if (target == 0)
    return 0;
  size_t cap = 16;
  while (cap < l->n * 2 + 2)
    cap *= 2;
  struct endmap m = { malloc(cap * sizeof(int64_t)), malloc(cap * sizeof(size_t)), cap - 1 };
  long *pred = malloc((l->n + 1) * sizeof(long));
  long last = -1;
  int rc = m.pos && m.idx && pred ? 0 : ERR_NOMEM;
  for (size_t i = 0; rc == 0 && i < cap; i++)
    m.pos[i] = -1;
  /* sorted by start, so every segment ending at s.start came before s */
  for (size_t i = 0; rc == 0 && i < l->n; i++) {
    struct s3_seg *g = &l->v[i];
    int found = 1;
    pred[i] = -2;
    if (g->start < 0)
      continue;
    if (g->start > 0) {
      size_t *p = endmap_slot(&m, g->start, &found);
      if (!found)
        m.pos[p - m.idx] = -1; /* not reachable: undo the probe's claim */
      else
        pred[i] = (long)*p;
    }
    if (g->start > 0 && !found)
      continue;
    if (g->start == 0)
      pred[i] = -1;
    size_t *e = endmap_slot(&m, g->start + g->len, &found);
    if (!found)
      *e = i;
    int64_t end = g->start + g->len;
    if (last < 0 && (end == target || (cover && g->start < target && end > target)))
      last = (long)i;
  }
  if (rc == 0 && last >= 0 && cover) { /* prefer a chain ending exactly at target */
    int found;
    size_t *p = endmap_slot(&m, target, &found);
    if (found)
      last = (long)*p;
  }
  if (rc == 0)
    rc = last < 0 ? ERR_RANGE : chain_build(l, pred, last);
  free(m.pos);
  free(m.idx);
  free(pred);
  return rc;
}

int64_t s3_chain_end(const struct s3_listing *l)
{
  if (!l->nchain)
    return 0;
  const struct s3_seg *g = &l->v[l->chain[l->nchain - 1]];
  return g->start + g->len;
}

/* Adds one segment's descriptor to a chain fingerprint. */
static int fp_add(struct hasher *fp, const char *name, int64_t len, const char *etag)
{
  char line[S3_NAME_MAX + S3_ETAG_MAX + 32];
  int n = snprintf(line, sizeof(line), "%s %" PRId64 " %s\n", name, len, etag);
  return hasher_update(fp, line, (size_t)n);
}

/* Fingerprint of the chain as listed: "sha256:…" into out. */
int s3_chain_fp(char out[DIGEST_MAX], const struct s3_listing *l)
{
  struct hasher *fp = hasher_new(DIGEST_SHA256);
  int rc = fp ? 0 : ERR_NOMEM;
  for (size_t i = 0; rc == 0 && i < l->nchain; i++) {
    const struct s3_seg *g = &l->v[l->chain[i]];
    rc = fp_add(fp, g->name, g->len, g->etag);
  }
  if (rc == 0)
    rc = hasher_final(fp, out);
  hasher_free(fp);
  return rc;
}

/* "sha256:…" of a copy of fp's state. */
int s3_fp_peek(char out[DIGEST_MAX], const struct hasher *fp)
{
  struct hasher *d = hasher_dup(fp);
  int rc = d ? hasher_final(d, out) : ERR_NOMEM;
  hasher_free(d);
  return rc;
}

/* Deletes the objects of l: those off the chain, or all with everything=1
 * (the marker too). */
int s3_listing_delete(struct s3_store *s, const struct s3_listing *l, const char *uuid,
                          int everything)
{
  char **keys = calloc(l->n + 1, sizeof(*keys));
  size_t n = 0;
  int rc = keys ? 0 : ERR_NOMEM;
  for (size_t i = 0; rc == 0 && i <= l->n; i++) {
    const char *name = i < l->n ? l->v[i].name : S3_MARKER;
    if (i < l->n ? (l->v[i].keep && !everything) : !(everything && l->marker))
      continue;
    if (!(keys[n] = malloc(S3_KEY_MAX)))
      rc = ERR_NOMEM;
    else if ((rc = s3_upload_key(keys[n], s, uuid, name)) == 0)
      n++;
    else
      free(keys[n]);
  }
  if (rc == 0 && n)
    rc = s3_delete_many(s, keys, n);
  for (size_t i = 0; keys && i < n; i++)
    free(keys[i]);
  free(keys);
  return rc;
}

/* --- hash-state cache (an optimization: commit re-reads on a miss) ----------------- */

int s3_cache_take(struct s3_store *s, struct s3_cached *out, const char *uuid)
{
  int found = 0;
  pthread_mutex_lock(&s->mu);
  for (size_t i = 0; i < s->ncache; i++) {
    if (strcmp(s->cache[i].uuid, uuid) == 0) {
      *out = s->cache[i];
      s->cache[i] = s->cache[--s->ncache];
      found = 1;
      break;
    }
  }
  pthread_mutex_unlock(&s->mu);
  return found;
}

void s3_cached_free(struct s3_cached *e)
{
  hasher_free(e->h);
  hasher_free(e->fp);
  e->h = e->fp = NULL;
}

/* Stores *e (taking its hashers), replacing uuid's entry or the oldest. */
void s3_cache_put(struct s3_store *s, struct s3_cached *e)
{
  struct s3_cached old = { .h = NULL };
  pthread_mutex_lock(&s->mu);
  size_t slot = s->ncache;
  for (size_t i = 0; i < s->ncache; i++)
    if (strcmp(s->cache[i].uuid, e->uuid) == 0)
      slot = i;
  if (slot == s->ncache && s->ncache == S3_CACHE_MAX) {
    slot = 0;
    for (size_t i = 1; i < s->ncache; i++)
      if (s->cache[i].seq < s->cache[slot].seq)
        slot = i;
  }
  if (slot < s->ncache)
    old = s->cache[slot];
  else
    s->ncache++;
  e->seq = ++s->seq;
  s->cache[slot] = *e;
  pthread_mutex_unlock(&s->mu);
  e->h = e->fp = NULL;
  s3_cached_free(&old);
}

void s3_cache_drop(struct s3_store *s, const char *uuid)
{
  struct s3_cached e;
  if (s3_cache_take(s, &e, uuid))
    s3_cached_free(&e);
}

void s3_cache_free(struct s3_store *s)
{
  for (size_t i = 0; i < s->ncache; i++)
    s3_cached_free(&s->cache[i]);
  s->ncache = 0;
}

/* --- create, abort, expiry -------------------------------------------------------- */

int s3_upload_create(struct blob_store *bs, const char *uuid)
{
  struct s3_store *s = (struct s3_store *)bs;
  char key[S3_KEY_MAX];
  int rc = s3_upload_key(key, s, uuid, S3_MARKER);
  if (rc != 0)
    return rc;
  s3_cache_drop(s, uuid);
  return s3_put(s, NULL, key, "", 0);
}

int s3_upload_abort(struct blob_store *bs, const char *uuid)
{
  struct s3_store *s = (struct s3_store *)bs;
  struct s3_listing l;
  char dir[S3_KEY_MAX];
  if (!s3_valid_uuid(uuid))
    return ERR_INVALID;
  s3_cache_drop(s, uuid);
  int rc = s3_listing_load(s, &l, dir, uuid);
  if (rc == 0 && !l.marker && l.n == 0)
    rc = ERR_NOTFOUND;
  if (rc == 0)
    rc = s3_listing_delete(s, &l, uuid, 1);
  s3_listing_free(&l);
  return rc;
}

struct stale_ctx {
  size_t skip;        /* strlen("<prefix>uploads/") */
  int64_t before;
  char uuid[S3_UUID_LEN + 1];
  int64_t newest;
  int (*fn)(void *ctx, const char *uuid);
  void *ctx;
  int stopped;
};

/* Reports the upload gathered so far if its newest object is old enough. */
static int stale_flush(struct stale_ctx *c)
{
  int rc = 0;
  if (c->uuid[0] && c->newest < c->before)
    rc = c->fn(c->ctx, c->uuid);
  c->uuid[0] = '\0';
  c->newest = 0;
  if (rc)
    c->stopped = 1;
  return rc;
}

static int stale_add(void *ctx, const struct s3_obj *o)
{
  struct stale_ctx *c = ctx;
  const char *u = o->key + c->skip;
  char uuid[S3_UUID_LEN + 1];
  if (strlen(u) <= S3_UUID_LEN || u[S3_UUID_LEN] != '/')
    return 0;
  memcpy(uuid, u, S3_UUID_LEN);
  uuid[S3_UUID_LEN] = '\0';
  if (!s3_valid_uuid(uuid))
    return 0;
  if (strcmp(uuid, c->uuid) != 0) { /* keys come sorted: one upload's are adjacent */
    int rc = stale_flush(c);
    if (rc)
      return rc;
    memcpy(c->uuid, uuid, sizeof(uuid));
  }
  if (o->mtime > c->newest)
    c->newest = o->mtime;
  return 0;
}

int s3_upload_each_stale(struct blob_store *bs, int64_t before,
                         int (*fn)(void *ctx, const char *uuid), void *ctx)
{
  struct s3_store *s = (struct s3_store *)bs;
  char prefix[S3_KEY_MAX];
  snprintf(prefix, sizeof(prefix), "%suploads/", s->prefix);
  struct stale_ctx c = { .skip = strlen(prefix), .before = before, .fn = fn, .ctx = ctx };
  int rc = s3_list(s, prefix, stale_add, &c);
  if (c.stopped)
    return 0;
  if (rc == 0)
    stale_flush(&c);
  return rc;
}

/* --- writers ---------------------------------------------------------------------- */

/* Continues the cached hash of uuid if it describes exactly the listed
 * chain up to offset; a new hash at offset 0; else none (commit re-reads). */
static int writer_hash_init(struct s3_writer *w, const struct s3_listing *l, int64_t offset)
{
  struct s3_cached e;
  char want[DIGEST_MAX], have[DIGEST_MAX];
  int cached = s3_cache_take(w->s, &e, w->uuid);
  if (cached && e.offset == offset && s3_chain_fp(want, l) == 0 && s3_fp_peek(have, e.fp) == 0 &&
      strcmp(want, have) == 0) {
    w->h = e.h;
    w->fp = e.fp;
    return 0;
  }
  if (cached)
    s3_cached_free(&e);
  if (offset == 0) {
    w->h = hasher_new(DIGEST_SHA256);
    w->fp = hasher_new(DIGEST_SHA256);
    if (!w->h || !w->fp)
      return ERR_NOMEM;
  }
  return 0;
}

static void writer_free(struct s3_writer *w)
{
  hasher_free(w->h);
  hasher_free(w->fp);
  free(w->buf);
  free(w);
}

int s3_listing_chain(struct s3_store *s, struct s3_listing *l, char dir[S3_KEY_MAX],
                     const char *uuid, int64_t target, int cover)
{
  for (int attempt = 0;; attempt++) {
    int rc = s3_listing_load(s, l, dir, uuid);
    if (rc == 0 && !l->marker)
      rc = ERR_NOTFOUND;
    if (rc == 0)
      rc = s3_chain_find(l, target, cover);
    if ((rc != ERR_NOTFOUND && rc != ERR_RANGE) || attempt == 1)
      return rc;
    /* S3 lists what it acknowledged, but some S3-alikes (s3rver under heavy
     * concurrent writes) briefly list without an object just written: look
     * once more before calling the upload gone or short */
    s3_listing_free(l);
    struct timespec pause = { 0, 100 * 1000 * 1000 };
    nanosleep(&pause, NULL);
  }
}

int s3_writer_open(struct blob_writer **out, struct blob_store *bs, const char *uuid,
                   int64_t offset)
{
  struct s3_store *s = (struct s3_store *)bs;
  struct s3_listing l;
  char dir[S3_KEY_MAX];
  unsigned char r[S3_SESS_LEN / 2];
  if (!s3_valid_uuid(uuid))
    return ERR_INVALID;
  if (offset < 0)
    return ERR_RANGE;
  struct s3_writer *w = calloc(1, sizeof(*w));
  if (!w)
    return ERR_NOMEM;
  w->base.ops = &blob_s3_ops;
  w->s = s;
  w->stored = offset;
  memcpy(w->uuid, uuid, S3_UUID_LEN + 1);
  int rc = s3_listing_chain(s, &l, dir, uuid, offset, 0);
  /* what is past offset or off the chain was never acknowledged */
  if (rc == 0)
    rc = s3_listing_delete(s, &l, uuid, 0);
  if (rc == 0)
    rc = writer_hash_init(w, &l, offset);
  if (rc == 0 && (rc = rand_bytes(r, sizeof(r))) == 0)
    for (size_t i = 0; i < sizeof(r); i++)
      snprintf(w->sess + 2 * i, 3, "%02x", r[i]);
  s3_listing_free(&l);
  if (rc != 0) {
    writer_free(w);
    return rc;
  }
  *out = &w->base;
  return 0;
}

/* Stores the buffered bytes as the next segment. */
static int writer_flush(struct s3_writer *w)
{
  char name[S3_NAME_MAX], key[S3_KEY_MAX], etag[S3_ETAG_MAX];
  if (w->len == 0)
    return 0;
  snprintf(name, sizeof(name), "%020" PRId64 "-%s", w->stored, w->sess);
  int rc = s3_upload_key(key, w->s, w->uuid, name);
  if (rc == 0)
    rc = s3_put(w->s, etag, key, w->buf, w->len);
  if (rc == 0 && w->fp && fp_add(w->fp, name, (int64_t)w->len, etag) != 0)
    rc = ERR_INTERNAL;
  if (rc != 0) {
    w->broken = 1;
    return rc;
  }
  w->stored += (int64_t)w->len;
  w->len = 0;
  return 0;
}

int s3_writer_write(struct blob_writer *bw, const void *data, size_t len)
{
  struct s3_writer *w = (struct s3_writer *)bw;
  const unsigned char *p = data;
  if (w->broken)
    return ERR_IO;
  if (len > (uint64_t)(INT64_MAX / 2 - w->stored - (int64_t)w->len))
    return ERR_TOOBIG;
  while (len > 0) {
    if (w->len == w->cap) {
      if (w->cap == w->s->seg_size) {
        int rc = writer_flush(w);
        if (rc != 0)
          return rc;
      } else {
        size_t cap = w->cap ? w->cap * 2 : S3_BUF_MIN;
        cap = cap > w->s->seg_size ? w->s->seg_size : cap;
        unsigned char *b = realloc(w->buf, cap);
        if (!b)
          return ERR_NOMEM;
        w->buf = b;
        w->cap = cap;
      }
      continue;
    }
    size_t n = w->cap - w->len < len ? w->cap - w->len : len;
    memcpy(w->buf + w->len, p, n);
    if (w->h && hasher_update(w->h, p, n) != 0) {
      hasher_free(w->h); /* only an optimization: drop it */
      w->h = NULL;
    }
    w->len += n;
    p += n;
    len -= n;
  }
  return 0;
}

int64_t s3_writer_size(const struct blob_writer *bw)
{
  const struct s3_writer *w = (const struct s3_writer *)bw;
  return w->stored + (int64_t)w->len;
}

int s3_writer_close(struct blob_writer *bw, int keep_hash)
{
  struct s3_writer *w = (struct s3_writer *)bw;
  int rc = w->broken ? ERR_IO : writer_flush(w);
  if (rc == 0 && keep_hash && w->h && w->fp) {
    struct s3_cached e = { .offset = w->stored, .h = w->h, .fp = w->fp };
    memcpy(e.uuid, w->uuid, sizeof(e.uuid));
    w->h = w->fp = NULL;
    s3_cache_put(w->s, &e);
  }
  writer_free(w);
  return rc;
}
