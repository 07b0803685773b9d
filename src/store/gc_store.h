#ifndef WHARF_STORE_GC_STORE_H
#define WHARF_STORE_GC_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store/meta.h"

/* Maintenance half of the metadata store: the queries garbage collection
 * and fsck run (docs/design.md "GC and fsck"). Same conventions as meta.h:
 * 0 or ERR_*, out-params first and written only on success, strings and
 * arrays returned through a pool belong to that pool, every function safe
 * from any thread and while the registry serves. Every deletion runs in its
 * own write transaction that re-checks the condition it was chosen by, so a
 * concurrent push either happened before (and the row is kept) or sees the
 * row gone (and fails cleanly). ERR_CONFLICT from a *_drop: it no longer
 * qualifies, nothing was changed. */

struct pool;

/* A blob row. */
struct meta_gc_blob {
  char *digest;
  int64_t size;
  int64_t created_at;
};

/* A manifest, with its repository's name; body only from
 * meta_fsck_manifests(). */
struct meta_gc_manifest {
  int64_t id;
  int64_t repo_id;
  char *repo;
  char *digest;
  int64_t size;
  void *body;
  size_t body_len;
};

/* What fsck's reference check found. */
enum meta_fsck_kind {
  FSCK_REF_BLOB = 1,  /* manifest references a blob its repository has no link to */
  FSCK_REF_CHILD = 2, /* index references a child manifest missing from its repository */
  FSCK_TAG = 3        /* tag points at no manifest of its repository */
};
struct meta_fsck_issue {
  enum meta_fsck_kind kind;
  char *repo;
  char *name;   /* manifest digest (REF_*) or tag name (TAG) */
  char *digest; /* the missing blob or child (REF_*); NULL for TAG */
};

/* Totals over the blob rows. */
int meta_gc_blob_totals(struct meta *m, int64_t *out_count, int64_t *out_bytes);
/* Up to limit blob rows with digest > after ("" from the start), by digest. */
int meta_gc_blob_list(struct meta *m, struct pool *p, struct meta_gc_blob **out, size_t *out_n,
                      const char *after, size_t limit);
/* Up to limit manifests with id > after_id, by id, with their bodies. */
int meta_fsck_manifests(struct meta *m, struct pool *p, struct meta_gc_manifest **out,
                        size_t *out_n, int64_t after_id, size_t limit);
/* Up to limit broken references (manifest to blob or child, tag to manifest). */
int meta_fsck_issues(struct meta *m, struct pool *p, struct meta_fsck_issue **out,
                     size_t *out_n, size_t limit);
/* In one transaction removes the blob rows of digests[0..n) and every
 * repository link to them (their bytes are gone or corrupt). Manifests that
 * reference them stay (fsck reports them until the blob is pushed again). */
int meta_fsck_drop_blobs(struct meta *m, const char *const *digests, size_t n);

/* Up to limit manifests with id > after_id that no tag points at, whose
 * last untagging (or creation, if never tagged) was before `before`, that
 * no index in their repository lists and whose subject (if any) is gone. */
int meta_gc_manifest_expired(struct meta *m, struct pool *p, struct meta_gc_manifest **out,
                             size_t *out_n, int64_t before, int64_t after_id, size_t limit);
/* Deletes manifest id if it still qualifies as above (tags and references go with it). */
int meta_gc_manifest_drop(struct meta *m, int64_t id, int64_t before);
/* Repository links created before `before` that no manifest of their
 * repository references: counts them (dry_run) or removes them. */
int meta_gc_links(struct meta *m, int64_t *out_n, int64_t before, int dry_run);
/* Up to limit blob rows with digest > after, created before `before`, that
 * no manifest references and no link younger than `before` holds. */
int meta_gc_blob_candidates(struct meta *m, struct pool *p, struct meta_gc_blob **out,
                            size_t *out_n, int64_t before, const char *after, size_t limit);
/* If blob `digest` still has no link and no referencing manifest and was
 * created before `before`: deletes its row and leaves a tombstone marked at
 * `now`, under which meta_blob_add() of that digest fails with ERR_CONFLICT,
 * until meta_gc_tomb_clear(). The caller then deletes the bytes. */
int meta_gc_blob_drop(struct meta *m, const char *digest, int64_t before, int64_t now);
/* Tombstone for stored bytes without a blob row; ERR_EXISTS if a row exists. */
int meta_gc_orphan_mark(struct meta *m, const char *digest, int64_t now);
/* Up to limit digests tombstoned before `before` (left by an interrupted
 * GC), by digest. */
int meta_gc_tombs(struct meta *m, struct pool *p, char ***out, size_t *out_n, int64_t before,
                  size_t limit);
/* Removes the tombstone of digest (idempotent). */
int meta_gc_tomb_clear(struct meta *m, const char *digest);

/* The backend table behind the functions above. */
struct meta_gc_ops {
  int (*blob_totals)(struct meta *m, int64_t *out_count, int64_t *out_bytes);
  int (*blob_list)(struct meta *m, struct pool *p, struct meta_gc_blob **out, size_t *out_n,
                   const char *after, size_t limit);
  int (*manifests)(struct meta *m, struct pool *p, struct meta_gc_manifest **out,
                   size_t *out_n, int64_t after_id, size_t limit);
  int (*issues)(struct meta *m, struct pool *p, struct meta_fsck_issue **out, size_t *out_n,
                size_t limit);
  int (*drop_blobs)(struct meta *m, const char *const *digests, size_t n);
  int (*manifest_expired)(struct meta *m, struct pool *p, struct meta_gc_manifest **out,
                          size_t *out_n, int64_t before, int64_t after_id, size_t limit);
  int (*manifest_drop)(struct meta *m, int64_t id, int64_t before);
  int (*links)(struct meta *m, int64_t *out_n, int64_t before, int dry_run);
  int (*blob_candidates)(struct meta *m, struct pool *p, struct meta_gc_blob **out,
                         size_t *out_n, int64_t before, const char *after, size_t limit);
  int (*blob_drop)(struct meta *m, const char *digest, int64_t before, int64_t now);
  int (*orphan_mark)(struct meta *m, const char *digest, int64_t now);
  int (*tombs)(struct meta *m, struct pool *p, char ***out, size_t *out_n, int64_t before,
               size_t limit);
  int (*tomb_clear)(struct meta *m, const char *digest);
};

/* The SQL store's (both engines), sqlite_gc.c. */
extern const struct meta_gc_ops meta_sqlite_gc_ops;

#endif
