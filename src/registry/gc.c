/* Online garbage collection (registry/gc.h). The order of one run:
 *   1. tombstones an interrupted GC left: finish deleting their bytes;
 *   2. untagged manifests past the expiry, in passes (an index going frees
 *      its children for the next pass);
 *   3. repository links older than the grace period no manifest uses;
 *   4. blob rows with no link and no reference: row -> tombstone, then the
 *      bytes unless they were published again within the grace period
 *      (fs.c and the S3 commit refresh the mtime when they do), then the
 *      tombstone goes; meta_blob_add() of a tombstoned digest fails;
 *   5. stored bytes without a row older than the grace period, the same way;
 *   6. idle upload sessions (registry/janitor.c).
 * Every deletion re-checks its condition in its own write transaction. */
#include "registry/gc.h"

#include <stdlib.h>
#include <time.h>

#include "blob/blob.h"
#include "registry/janitor.h"
#include "server/app.h"
#include "server/metrics.h"
#include "store/gc_store.h"
#include "store/meta.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/ticker.h"
#include "util/timeutil.h"

#define GC_PAGE 256
#define GC_MANIFEST_PASSES 16
/* a tombstone older than this was left by a GC that stopped midway */
#define GC_TOMB_STALE 600

struct gc_run {
  struct meta *m;
  struct blob_store *bs;
  const struct gc_options *o;
  struct gc_result r;
  int64_t now, blob_before;
};

static void progress(struct gc_run *g, const char *phase, int64_t done, int64_t total)
{
  if (g->o->progress)
    g->o->progress(g->o->progress_ctx, phase, done, total);
}

/* Deletes the bytes of a tombstoned digest unless they were published at or
 * after blob_before; *out_size gets their size (0 if none or kept). */
static int gc_bytes(struct gc_run *g, int64_t *out_size, const char *digest)
{
  struct blob_info bi;
  *out_size = 0;
  int rc = blob_info(g->bs, &bi, digest);
  if (rc == ERR_NOTFOUND)
    return 0;
  if (rc)
    return rc;
  if (bi.mtime >= g->blob_before) {
    g->r.kept++; /* published again meanwhile: a later GC decides */
    return 0;
  }
  rc = blob_delete(g->bs, digest);
  if (rc == 0)
    *out_size = bi.size;
  return rc == ERR_NOTFOUND ? 0 : rc;
}

static int gc_stale_tombs(struct gc_run *g)
{
  struct pool *p = pool_new();
  char **d = NULL;
  size_t n = 0;
  int64_t size;
  if (!p)
    return ERR_NOMEM;
  int rc = meta_gc_tombs(g->m, p, &d, &n, g->now - GC_TOMB_STALE, GC_PAGE);
  for (size_t i = 0; !rc && !g->o->dry_run && i < n; i++) {
    /* no row can come back while the tombstone stands */
    rc = gc_bytes(g, &size, d[i]);
    if (!rc)
      rc = meta_gc_tomb_clear(g->m, d[i]);
  }
  pool_free(p);
  return rc;
}

static int gc_manifests(struct gc_run *g)
{
  int64_t before = g->now - g->o->untagged_expiry;
  int rc = 0;
  for (int pass = 0; !rc && pass < GC_MANIFEST_PASSES; pass++) {
    int64_t after = 0, dropped = 0;
    for (;;) {
      struct pool *p = pool_new();
      struct meta_gc_manifest *mf = NULL;
      size_t n = 0;
      if (!p)
        return ERR_NOMEM;
      rc = meta_gc_manifest_expired(g->m, p, &mf, &n, before, after, GC_PAGE);
      for (size_t i = 0; !rc && i < n; i++) {
        after = mf[i].id;
        int drc = g->o->dry_run ? 0 : meta_gc_manifest_drop(g->m, mf[i].id, before);
        if (drc == 0) {
          dropped++;
          LOG(LOG_DEBUG, "gc: %s manifest %s@%s", g->o->dry_run ? "would delete" : "deleted",
              mf[i].repo, mf[i].digest);
        } else if (drc == ERR_CONFLICT) {
          g->r.kept++;
        } else {
          rc = drc;
        }
      }
      pool_free(p);
      if (rc || n < GC_PAGE)
        break;
    }
    g->r.manifests += dropped;
    progress(g, "manifests", g->r.manifests, 0);
    if (!dropped || g->o->dry_run)
      break;
  }
  return rc;
}

static int gc_blobs(struct gc_run *g)
{
  char *after = NULL;
  int rc = 0;
  struct pool *keep = pool_new();
  if (!keep)
    return ERR_NOMEM;
  for (;;) {
    struct pool *p = pool_new();
    struct meta_gc_blob *b = NULL;
    size_t n = 0;
    if (!p) {
      rc = ERR_NOMEM;
      break;
    }
    rc = meta_gc_blob_candidates(g->m, p, &b, &n, g->blob_before, after, GC_PAGE);
    for (size_t i = 0; !rc && i < n; i++) {
      int64_t size = 0;
      int drc = g->o->dry_run ? 0 : meta_gc_blob_drop(g->m, b[i].digest, g->blob_before, g->now);
      if (drc == ERR_CONFLICT) {
        g->r.kept++;
        continue;
      }
      if ((rc = drc) != 0)
        break;
      if (!g->o->dry_run) {
        rc = gc_bytes(g, &size, b[i].digest);
        int crc = meta_gc_tomb_clear(g->m, b[i].digest);
        rc = rc ? rc : crc;
      }
      g->r.blobs++;
      g->r.bytes += b[i].size;
      LOG(LOG_DEBUG, "gc: %s blob %s", g->o->dry_run ? "would delete" : "deleted", b[i].digest);
    }
    if (!rc && n)
      after = pool_strdup(keep, b[n - 1].digest);
    pool_free(p);
    progress(g, "blobs", g->r.blobs, 0);
    if (rc || n < GC_PAGE || !after)
      break;
  }
  pool_free(keep);
  return rc;
}

/* Stored bytes without a blob row, published before the grace period. */
static int gc_orphan(void *ctx, const struct blob_info *bi)
{
  struct gc_run *g = ctx;
  int64_t size;
  if (bi->mtime >= g->blob_before)
    return 0;
  int rc = meta_blob_stat(g->m, &size, bi->digest);
  if (rc != ERR_NOTFOUND)
    return rc < 0 && rc != ERR_NOTFOUND ? rc : 0;
  if (g->o->dry_run) {
    g->r.orphans++;
    g->r.orphan_bytes += bi->size;
    return 0;
  }
  rc = meta_gc_orphan_mark(g->m, bi->digest, g->now);
  if (rc == ERR_EXISTS)
    return 0; /* a push recorded it meanwhile */
  if (rc)
    return rc;
  rc = gc_bytes(g, &size, bi->digest);
  int crc = meta_gc_tomb_clear(g->m, bi->digest);
  if (!rc && size) {
    g->r.orphans++;
    g->r.orphan_bytes += size;
  }
  return rc ? rc : crc;
}

static int gc_uploads(struct gc_run *g)
{
  if (g->o->upload_ttl <= 0)
    return 0;
  if (g->o->dry_run) {
    struct pool *p = pool_new();
    char **u = NULL;
    size_t n = 0;
    if (!p)
      return ERR_NOMEM;
    int rc = meta_upload_stale(g->m, p, &u, &n, g->now - g->o->upload_ttl, 100000);
    if (!rc)
      g->r.uploads = (int64_t)n;
    pool_free(p);
    return rc;
  }
  /* the janitor only needs the stores and the TTL */
  struct app app = { .meta = g->m, .blobs = g->bs, .upload_ttl = g->o->upload_ttl };
  size_t removed = 0;
  int rc = janitor_run_once(&app, g->now, &removed);
  g->r.uploads = (int64_t)removed;
  return rc;
}

int gc_run(struct gc_result *out, struct meta *m, struct blob_store *bs,
           const struct gc_options *o, int64_t now)
{
  struct gc_run g = { .m = m, .bs = bs, .o = o, .now = now, .blob_before = now - o->grace };
  int rc = gc_stale_tombs(&g);
  if (!rc)
    rc = gc_manifests(&g);
  if (!rc)
    rc = meta_gc_links(m, &g.r.links, g.blob_before, o->dry_run);
  progress(&g, "links", g.r.links, 0);
  if (!rc)
    rc = gc_blobs(&g);
  if (!rc)
    rc = blob_each(bs, gc_orphan, &g);
  progress(&g, "orphans", g.r.orphans, 0);
  if (!rc)
    rc = gc_uploads(&g);
  if (!o->dry_run) /* what a failed run freed before it stopped is freed too */
    metrics_gc_run(rc == 0, g.r.blobs + g.r.orphans, g.r.bytes + g.r.orphan_bytes,
                   g.r.manifests);
  if (rc)
    return rc;
  *out = g.r;
  return 0;
}

/* --- schedule in `wharf serve` -------------------------------------------- */

struct gc_sched {
  struct meta *m;
  struct blob_store *bs;
  struct gc_options o;
  struct ticker *ticker;
};

static void gc_sched_tick(void *arg)
{
  struct gc_sched *s = arg;
  struct gc_result r;
  int rc = gc_run(&r, s->m, s->bs, &s->o, time_now());
  if (rc)
    LOG(LOG_WARN, "garbage collection failed: %s", err_str(rc));
  else if (r.manifests || r.blobs || r.orphans || r.links)
    LOG(LOG_INFO, "gc: freed %lld blob(s) (%lld bytes), %lld stray object(s), %lld untagged "
        "manifest(s), %lld link(s)", (long long)r.blobs, (long long)r.bytes,
        (long long)r.orphans, (long long)r.manifests, (long long)r.links);
}

int gc_sched_start(struct gc_sched **out, struct meta *m, struct blob_store *bs,
                   const struct gc_options *o, unsigned interval)
{
  struct gc_sched *s = calloc(1, sizeof(*s));
  if (!s)
    return ERR_NOMEM;
  s->m = m;
  s->bs = bs;
  s->o = *o;
  s->o.progress = NULL;
  int rc = ticker_start(&s->ticker, interval, 0, gc_sched_tick, s);
  if (rc) {
    free(s);
    return rc;
  }
  *out = s;
  return 0;
}

void gc_sched_stop(struct gc_sched *s)
{
  if (!s)
    return;
  ticker_stop(s->ticker);
  free(s);
}
