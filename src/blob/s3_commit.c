/* Commit of an S3 upload: verify the chain of segments, then assemble the
 * blob at its content address (see s3_upload.c for the layout). */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob/s3_int.h"
#include "util/err.h"
#include "util/log.h"

#define S3_COPY_THREADS 4 /* server-side part copies in flight per commit */

/* --- commit ----------------------------------------------------------------------- */

static int hash_sink(void *ctx, const char *data, size_t len)
{
  return hasher_update(ctx, data, len);
}

/* Hashes the chain's first size bytes with algo into got. */
static int chain_hash(struct s3_store *s, char got[DIGEST_MAX], const struct s3_listing *l,
                      const char *uuid, int64_t size, enum digest_algo algo)
{
  char key[S3_KEY_MAX];
  struct hasher *h = hasher_new(algo);
  int rc = h ? 0 : ERR_NOMEM;
  for (size_t i = 0; rc == 0 && i < l->nchain; i++) {
    const struct s3_seg *g = &l->v[l->chain[i]];
    int64_t n = size - g->start < g->len ? size - g->start : g->len;
    if ((rc = s3_upload_key(key, s, uuid, g->name)) == 0)
      rc = s3_get_stream(s, key, 0, n, hash_sink, h);
    if (rc == ERR_NOTFOUND || rc == ERR_RANGE) {
      LOG(LOG_WARN, "blob s3: segment %s changed during commit", key);
      rc = ERR_CONFLICT;
    }
  }
  if (rc == 0)
    rc = hasher_final(h, got);
  hasher_free(h);
  return rc;
}

/* ERR_DIGEST unless the chain's first size bytes hash to digest. */
static int chain_verify(struct s3_store *s, const struct s3_listing *l, const char *uuid,
                        int64_t size, const char *digest, enum digest_algo algo)
{
  char got[DIGEST_MAX] = "", fp[DIGEST_MAX], have[DIGEST_MAX];
  struct s3_cached e;
  int cached = algo == DIGEST_SHA256 && s3_cache_take(s, &e, uuid);
  int hit = cached && e.offset == size && s3_chain_end(l) == size && s3_chain_fp(fp, l) == 0 &&
            s3_fp_peek(have, e.fp) == 0 && strcmp(fp, have) == 0;
  int rc;
  if (hit) {
    LOG(LOG_DEBUG, "blob s3: commit %s uses the cached hash", uuid);
    struct hasher *h = hasher_dup(e.h);
    rc = h ? hasher_final(h, got) : ERR_NOMEM;
    hasher_free(h);
    s3_cache_put(s, &e); /* still valid; dropped once the commit succeeds */
  } else {
    if (cached)
      s3_cached_free(&e);
    rc = chain_hash(s, got, l, uuid, size, algo);
  }
  if (rc == 0 && strcmp(got, digest) != 0)
    rc = ERR_DIGEST;
  return rc;
}

/* Reads bytes [pos, pos+len) of the chain into buf. */
static int chain_read(struct s3_store *s, unsigned char *buf, const struct s3_listing *l,
                      const char *uuid, size_t ci, int64_t pos, size_t len)
{
  char key[S3_KEY_MAX];
  size_t done = 0;
  for (; done < len && ci < l->nchain; ci++) {
    const struct s3_seg *g = &l->v[l->chain[ci]];
    if (g->start + g->len <= pos + (int64_t)done)
      continue;
    int64_t off = pos + (int64_t)done - g->start;
    size_t want = (size_t)(g->len - off) < len - done ? (size_t)(g->len - off) : len - done;
    size_t got = 0;
    int rc = s3_upload_key(key, s, uuid, g->name);
    if (rc == 0)
      rc = s3_get_range(s, &got, key, off, buf + done, want);
    if (rc != 0)
      return rc == ERR_NOTFOUND ? ERR_CONFLICT : rc;
    if (got != want)
      return ERR_CONFLICT;
    done += want;
  }
  return done == len ? 0 : ERR_CONFLICT;
}

/* One part of the assembled blob: chain bytes [pos, pos+len), copied
 * server-side from chain segment ci (copy), or piped through wharf. */
struct s3_part {
  int64_t pos, len;
  size_t ci;
  int copy;
};

/* Splits [0, size) into parts S3 accepts: the rest of a segment by copy
 * where that is at least 5 MiB or ends the blob, else a piped part of up to
 * plen bytes (at least 5 MiB unless it is the last). */
static int plan_parts(struct s3_part **out, size_t *out_n, const struct s3_listing *l,
                      int64_t size, int64_t plen, int may_copy)
{
  struct s3_part *v = NULL;
  size_t n = 0, cap = 0, ci = 0;
  for (int64_t pos = 0; pos < size;) {
    if (n == S3_MAX_PARTS) {
      free(v);
      return ERR_TOOBIG;
    }
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      struct s3_part *nv = realloc(v, cap * sizeof(*v));
      if (!nv) {
        free(v);
        return ERR_NOMEM;
      }
      v = nv;
    }
    const struct s3_seg *g = &l->v[l->chain[ci]];
    int64_t seg_end = g->start + g->len < size ? g->start + g->len : size;
    if (may_copy && (seg_end - pos >= S3_MIN_PART || seg_end == size)) {
      v[n++] = (struct s3_part){ pos, seg_end - pos, ci++, 1 };
      pos = seg_end;
      continue;
    }
    int64_t len = size - pos < plen ? size - pos : plen;
    v[n++] = (struct s3_part){ pos, len, ci, 0 };
    pos += len;
    while (ci < l->nchain && l->v[l->chain[ci]].start + l->v[l->chain[ci]].len <= pos)
      ci++;
  }
  *out = v;
  *out_n = n;
  return 0;
}

/* The multipart upload being filled, shared by the copy workers. */
struct s3_asm {
  struct s3_store *s;
  struct s3_mpu *m;
  const struct s3_listing *l;
  const char *uuid;
  const struct s3_part *parts;
  size_t n;
  atomic_size_t next; /* next part a copy worker looks at */
  atomic_int rc;      /* first failure */
};

static int part_copy(struct s3_asm *a, size_t i)
{
  const struct s3_part *p = &a->parts[i];
  const struct s3_seg *g = &a->l->v[a->l->chain[p->ci]];
  char key[S3_KEY_MAX];
  int rc = s3_upload_key(key, a->s, a->uuid, g->name);
  if (rc == 0)
    rc = s3_mpu_part_copy(a->s, a->m, i + 1, key, p->pos - g->start, p->len);
  return rc == ERR_NOTFOUND ? ERR_CONFLICT : rc;
}

static void asm_fail(struct s3_asm *a, int rc)
{
  int zero = 0;
  atomic_compare_exchange_strong(&a->rc, &zero, rc);
}

/* Copy worker: takes copy parts until none is left or something failed. */
static void *copy_worker(void *arg)
{
  struct s3_asm *a = arg;
  for (;;) {
    size_t i = atomic_fetch_add(&a->next, 1);
    if (i >= a->n || atomic_load(&a->rc) != 0)
      return NULL;
    int rc = a->parts[i].copy ? part_copy(a, i) : 0;
    if (rc != 0)
      asm_fail(a, rc);
  }
}

/* Pipes the non-copy parts through buf, in this thread. */
static void pipe_parts(struct s3_asm *a, unsigned char *buf)
{
  for (size_t i = 0; i < a->n && atomic_load(&a->rc) == 0; i++) {
    const struct s3_part *p = &a->parts[i];
    if (p->copy)
      continue;
    int rc = chain_read(a->s, buf, a->l, a->uuid, p->ci, p->pos, (size_t)p->len);
    if (rc == 0)
      rc = s3_mpu_part(a->s, a->m, i + 1, buf, (size_t)p->len);
    if (rc != 0)
      asm_fail(a, rc);
  }
}

/* Runs the plan: the first copy alone (to learn whether the server can),
 * then the other copies on up to S3_COPY_THREADS threads while this one
 * pipes the rest. ERR_UNSUPPORTED if the server has no UploadPartCopy. */
static int run_parts(struct s3_asm *a, unsigned char *buf)
{
  size_t first = 0;
  while (first < a->n && !a->parts[first].copy)
    first++;
  if (first < a->n) {
    int rc = part_copy(a, first);
    if (rc != 0)
      return rc;
  }
  atomic_store(&a->next, first + 1);
  pthread_t th[S3_COPY_THREADS];
  size_t nth = 0;
  size_t ncopy = 0;
  for (size_t i = first + 1; i < a->n; i++)
    ncopy += a->parts[i].copy != 0;
  while (nth < S3_COPY_THREADS && nth < ncopy &&
         pthread_create(&th[nth], NULL, copy_worker, a) == 0)
    nth++;
  pipe_parts(a, buf);
  if (nth == 0)
    copy_worker(a); /* no thread could start: copy here */
  for (size_t i = 0; i < nth; i++)
    pthread_join(th[i], NULL);
  return atomic_load(&a->rc);
}

/* Builds target from the chain's first size bytes with a multipart upload. */
static int assemble_multipart(struct s3_store *s, const char *target, const struct s3_listing *l,
                              const char *uuid, int64_t size)
{
  /* piped parts: at least a segment, and large enough to stay under 10000 parts */
  int64_t plen = (int64_t)s->seg_size;
  while (plen < S3_COPY_MAX && size / plen >= S3_MAX_PARTS - 1000)
    plen *= 2;
  /* copies take a part per segment: only while that stays within S3's limit */
  int may_copy = !atomic_load(&s->no_part_copy) && l->nchain < S3_MAX_PARTS - 1000;
  struct s3_part *parts = NULL;
  unsigned char *buf = NULL;
  struct s3_mpu m;
  struct s3_asm a = { .s = s, .m = &m, .l = l, .uuid = uuid };
  int rc = ERR_TOOBIG;
  if (plen <= ((int64_t)1 << 30))
    rc = plan_parts(&parts, &a.n, l, size, plen, may_copy);
  if (rc == ERR_TOOBIG)
    LOG(LOG_ERROR, "blob s3: %s: %" PRId64 " bytes need more than %d parts", target, size,
        S3_MAX_PARTS);
  if (rc != 0 || (rc = s3_mpu_begin(s, &m, target, a.n)) != 0) {
    free(parts);
    return rc;
  }
  a.parts = parts;
  if (!(buf = malloc((size_t)plen)))
    rc = ERR_NOMEM;
  if (rc == 0 && (rc = run_parts(&a, buf)) == ERR_UNSUPPORTED) {
    LOG(LOG_INFO, "blob s3: the server has no UploadPartCopy; parts are piped through wharf");
    atomic_store(&s->no_part_copy, 1);
    free(parts);
    parts = NULL;
    atomic_store(&a.rc, 0);
    /* an all-piped plan never has more parts than one with copies */
    if ((rc = plan_parts(&parts, &a.n, l, size, plen, 0)) == 0 && a.n > m.max_parts)
      rc = ERR_INTERNAL;
    if (rc == 0) {
      a.parts = parts;
      pipe_parts(&a, buf);
      rc = atomic_load(&a.rc);
    }
  }
  free(buf);
  if (rc == 0) {
    m.nparts = a.n;
    rc = s3_mpu_complete(s, &m);
  }
  s3_mpu_abort(s, &m);
  free(parts);
  return rc;
}

/* Makes the verified chain durable under target. */
static int publish(struct s3_store *s, const char *target, const struct s3_listing *l,
                   const char *uuid, int64_t size)
{
  int64_t have;
  int rc = s3_head(s, &have, target);
  if (rc == 0 && have == size)
    return 0; /* already stored (verified when it was) */
  if (rc == 0)
    LOG(LOG_WARN, "blob s3: %s has the wrong size, replacing it", target);
  else if (rc != ERR_NOTFOUND)
    return rc;
  if (size == 0)
    return s3_put(s, NULL, target, "", 0);
  const struct s3_seg *g = &l->v[l->chain[0]];
  rc = ERR_UNSUPPORTED;
  if (l->nchain == 1 && g->len == size && size <= S3_COPY_MAX) {
    char key[S3_KEY_MAX];
    if ((rc = s3_upload_key(key, s, uuid, g->name)) == 0)
      rc = s3_copy(s, target, key);
  }
  if (rc == ERR_UNSUPPORTED)
    rc = assemble_multipart(s, target, l, uuid, size);
  if (rc != 0 && s3_head(s, &have, target) == 0 && have == size)
    rc = 0; /* a concurrent commit of the same upload got there first */
  return rc;
}

int s3_upload_commit(struct blob_store *bs, const char *uuid, int64_t size, const char *digest)
{
  struct s3_store *s = (struct s3_store *)bs;
  struct s3_listing l;
  char target[S3_KEY_MAX], dir[S3_KEY_MAX];
  enum digest_algo algo;
  if (!s3_valid_uuid(uuid) || size < 0)
    return ERR_INVALID;
  int rc = s3_blob_key(target, &algo, s, digest);
  if (rc != 0)
    return rc;
  rc = s3_listing_chain(s, &l, dir, uuid, size, 1);
  if (rc == 0)
    rc = chain_verify(s, &l, uuid, size, digest, algo);
  if (rc == 0)
    rc = publish(s, target, &l, uuid, size);
  if (rc == 0) {
    s3_cache_drop(s, uuid);
    int drc = s3_listing_delete(s, &l, uuid, 1);
    if (drc != 0) /* the blob is stored; the expiry pass removes the rest */
      LOG(LOG_WARN, "blob s3: upload %s not cleaned up: %s", uuid, err_str(drc));
  }
  s3_listing_free(&l);
  return rc;
}
