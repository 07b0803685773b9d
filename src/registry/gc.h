#ifndef WHARF_REGISTRY_GC_H
#define WHARF_REGISTRY_GC_H

#include <stddef.h>
#include <stdint.h>

struct meta;
struct blob_store;

/* Online garbage collection (docs/design.md "GC and fsck"): expired
 * untagged manifests, repository links no manifest uses, blob rows and
 * bytes nothing links or references, stored bytes without a row, and idle
 * upload sessions. Safe while the registry serves and with several GCs at
 * once: every deletion re-checks its condition in a write transaction, and
 * nothing younger than the grace period goes. */

/* Reports progress: phase name, items done, total (0: unknown). */
typedef void (*gc_progress_fn)(void *ctx, const char *phase, int64_t done, int64_t total);

struct gc_options {
  int64_t grace;           /* seconds a blob or link is kept unreferenced */
  int64_t untagged_expiry; /* seconds an untagged manifest is kept */
  int64_t upload_ttl;      /* seconds an idle upload session lives; 0: skip uploads */
  int dry_run;             /* count what would go, change nothing */
  gc_progress_fn progress; /* NULL: none */
  void *progress_ctx;
};
#define GC_OPTIONS_INIT { .grace = 3600, .untagged_expiry = 14 * 86400, .upload_ttl = 0 }

struct gc_result {
  int64_t manifests;    /* untagged manifests deleted */
  int64_t links;        /* repository links removed */
  int64_t blobs;        /* blob rows deleted */
  int64_t bytes;        /* their bytes */
  int64_t orphans;      /* stored objects without a row deleted */
  int64_t orphan_bytes;
  int64_t uploads;      /* idle upload sessions expired */
  int64_t kept;         /* candidates kept: re-referenced or re-published meanwhile */
};

/* One collection at time `now`. With dry_run, counts the first pass only:
 * blobs only an expiring manifest holds are not counted. */
int gc_run(struct gc_result *out, struct meta *m, struct blob_store *bs,
           const struct gc_options *o, int64_t now);

struct gc_sched;
/* Starts a thread running gc_run every interval seconds (first run after
 * one interval). *o is copied. Stop with gc_sched_stop(). */
int gc_sched_start(struct gc_sched **out, struct meta *m, struct blob_store *bs,
                   const struct gc_options *o, unsigned interval);
/* Stops and joins the thread. NULL ok. */
void gc_sched_stop(struct gc_sched *g);

#endif
