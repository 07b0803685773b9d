/* Dispatch of store/gc_store.h to the backend's table. */
#include "store/gc_store.h"

#include "util/err.h"

#define GC_OPS(m) ((m)->ops->gc)

int meta_gc_blob_totals(struct meta *m, int64_t *out_count, int64_t *out_bytes)
{
  return GC_OPS(m) ? GC_OPS(m)->blob_totals(m, out_count, out_bytes) : ERR_UNSUPPORTED;
}

int meta_gc_blob_list(struct meta *m, struct pool *p, struct meta_gc_blob **out, size_t *out_n,
                      const char *after, size_t limit)
{
  return GC_OPS(m) ? GC_OPS(m)->blob_list(m, p, out, out_n, after, limit) : ERR_UNSUPPORTED;
}

int meta_fsck_manifests(struct meta *m, struct pool *p, struct meta_gc_manifest **out,
                        size_t *out_n, int64_t after_id, size_t limit)
{
  return GC_OPS(m) ? GC_OPS(m)->manifests(m, p, out, out_n, after_id, limit) : ERR_UNSUPPORTED;
}

int meta_fsck_issues(struct meta *m, struct pool *p, struct meta_fsck_issue **out,
                     size_t *out_n, size_t limit)
{
  return GC_OPS(m) ? GC_OPS(m)->issues(m, p, out, out_n, limit) : ERR_UNSUPPORTED;
}

int meta_fsck_drop_blobs(struct meta *m, const char *const *digests, size_t n)
{
  return GC_OPS(m) ? GC_OPS(m)->drop_blobs(m, digests, n) : ERR_UNSUPPORTED;
}

int meta_gc_manifest_expired(struct meta *m, struct pool *p, struct meta_gc_manifest **out,
                             size_t *out_n, int64_t before, int64_t after_id, size_t limit)
{
  return GC_OPS(m) ? GC_OPS(m)->manifest_expired(m, p, out, out_n, before, after_id, limit)
                   : ERR_UNSUPPORTED;
}

int meta_gc_manifest_drop(struct meta *m, int64_t id, int64_t before)
{
  return GC_OPS(m) ? GC_OPS(m)->manifest_drop(m, id, before) : ERR_UNSUPPORTED;
}

int meta_gc_links(struct meta *m, int64_t *out_n, int64_t before, int dry_run)
{
  return GC_OPS(m) ? GC_OPS(m)->links(m, out_n, before, dry_run) : ERR_UNSUPPORTED;
}

int meta_gc_blob_candidates(struct meta *m, struct pool *p, struct meta_gc_blob **out,
                            size_t *out_n, int64_t before, const char *after, size_t limit)
{
  return GC_OPS(m) ? GC_OPS(m)->blob_candidates(m, p, out, out_n, before, after, limit)
                   : ERR_UNSUPPORTED;
}

int meta_gc_blob_drop(struct meta *m, const char *digest, int64_t before, int64_t now)
{
  return GC_OPS(m) ? GC_OPS(m)->blob_drop(m, digest, before, now) : ERR_UNSUPPORTED;
}

int meta_gc_orphan_mark(struct meta *m, const char *digest, int64_t now)
{
  return GC_OPS(m) ? GC_OPS(m)->orphan_mark(m, digest, now) : ERR_UNSUPPORTED;
}

int meta_gc_tombs(struct meta *m, struct pool *p, char ***out, size_t *out_n, int64_t before,
                  size_t limit)
{
  return GC_OPS(m) ? GC_OPS(m)->tombs(m, p, out, out_n, before, limit) : ERR_UNSUPPORTED;
}

int meta_gc_tomb_clear(struct meta *m, const char *digest)
{
  return GC_OPS(m) ? GC_OPS(m)->tomb_clear(m, digest) : ERR_UNSUPPORTED;
}
