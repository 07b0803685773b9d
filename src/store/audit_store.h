#ifndef WHARF_STORE_AUDIT_STORE_H
#define WHARF_STORE_AUDIT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store/meta.h"

/* Audit half of the metadata store: the append-only log of what was done,
 * by whom, from where (DESIGN.md "Audit"). Same conventions as meta.h: 0 or
 * ERR_*, out-params first and written only on success, strings and arrays
 * returned through a pool belong to that pool, every function safe from any
 * thread. Entries name their namespace, repository and performer by a
 * snapshot of the names at the time, so they outlive the accounts and
 * repositories they mention. Callers write through audit/audit.h (a queue
 * and one writer thread), not directly. */

/* Who performed an action, as recorded. */
enum audit_actor {
  AUDIT_ACTOR_NONE = 0,  /* anonymous, or the system */
  AUDIT_ACTOR_USER = 1,  /* a user with a password or session */
  AUDIT_ACTOR_ROBOT = 2, /* a robot account */
  AUDIT_ACTOR_TOKEN = 3  /* an API token acting for its user */
};

/* One entry. For writes the strings are the caller's; for reads they are in
 * the pool. */
struct audit_entry {
  int64_t id;                 /* assigned by the store (ignored when writing) */
  const char *kind;           /* "pull_repo", "create_robot", ... (spec §5) */
  int64_t performer_id;       /* account id at the time; 0: none */
  const char *performer_name; /* snapshot of its name; NULL: none */
  enum audit_actor performer_kind;
  const char *namespace_name; /* user or org whose log holds it; NULL: none */
  const char *repository;     /* full "ns/name"; NULL: none */
  const char *ip;             /* client address; NULL: unknown */
  const char *user_agent;     /* NULL: none */
  const char *metadata_json;  /* a JSON object's text, never NULL on reads */
  int64_t created_at;         /* unix seconds */
};

/* Most kinds one query may name (kind=a,b,...). */
#define AUDIT_KINDS_MAX 8

/* What to read: exactly one of namespace_name and repository; entries with
 * start <= created_at < end; only those of performer (NULL or "": all);
 * newest first, starting strictly after the cursor (before_time,
 * before_id), or from the newest when before_id is 0. */
struct audit_query {
  const char *namespace_name;
  const char *repository;
  const char *performer;
  int64_t start, end;
  int64_t before_time, before_id;
  /* Extension filters (wharf, organization logs): only entries of this
   * repository ("ns/name"; NULL or "": all), only entries of one of these
   * kinds (nkinds 0: all). Each has an index. */
  const char *filter_repository;
  const char *kinds[AUDIT_KINDS_MAX];
  size_t nkinds;
};

/* Entries of one kind on one UTC day. */
struct audit_count {
  char *kind;
  int64_t day;    /* unix seconds of the day's 00:00 UTC */
  int64_t count;
};

/* Stores n entries in one transaction (all or none). ERR_INVALID for an
 * entry without a kind. */
int audit_store_append(struct meta *m, const struct audit_entry *entries, size_t n);
/* Up to `limit` entries matching q, newest first (created_at, then id);
 * *out_more is set when more follow. */
int audit_store_list(struct meta *m, struct pool *p, struct audit_entry **out, size_t *out_n,
                     int *out_more, const struct audit_query *q, size_t limit);
/* Counts of entries matching q (cursor ignored) per kind and day, by day
 * then kind; at most AUDIT_COUNT_MAX rows. */
#define AUDIT_COUNT_MAX 10000
int audit_store_aggregate(struct meta *m, struct pool *p, struct audit_count **out,
                          size_t *out_n, const struct audit_query *q);

/* Deletes up to `batch` entries older than `before` (oldest first) in one
 * statement; *out_deleted (may be NULL) gets how many. Retention calls it
 * until fewer than `batch` go. */
int audit_store_purge(struct meta *m, int64_t *out_deleted, int64_t before, size_t batch);

/* Log exports (exportlogs): a finished JSON-lines file kept until it
 * expires, readable only by the account that asked for it. */
struct audit_export {
  const char *id;        /* random, unguessable */
  int64_t account_id;    /* who may download it */
  int64_t created_at, expires_at;
  const void *body;      /* the JSON lines */
  size_t len;
};
/* Stores e (copied). ERR_EXISTS for an id in use. */
int audit_store_export_put(struct meta *m, const struct audit_export *e);
/* The export `id` of account_id not expired at `now`; body in the pool.
 * ERR_NOTFOUND otherwise (whoever else asks). */
int audit_store_export_get(struct meta *m, struct pool *p, struct audit_export *out,
                           const char *id, int64_t account_id, int64_t now);
/* Deletes the exports expired at `now`. */
int audit_store_export_purge(struct meta *m, int64_t now);

/* --- backend table (meta_ops.audit) ----------------------------------------- */
struct audit_store_ops {
  int (*append)(struct meta *m, const struct audit_entry *entries, size_t n);
  int (*list)(struct meta *m, struct pool *p, struct audit_entry **out, size_t *out_n,
              int *out_more, const struct audit_query *q, size_t limit);
  int (*aggregate)(struct meta *m, struct pool *p, struct audit_count **out, size_t *out_n,
                   const struct audit_query *q);
  int (*purge)(struct meta *m, int64_t *out_deleted, int64_t before, size_t batch);
  int (*export_put)(struct meta *m, const struct audit_export *e);
  int (*export_get)(struct meta *m, struct pool *p, struct audit_export *out, const char *id,
                    int64_t account_id, int64_t now);
  int (*export_purge)(struct meta *m, int64_t now);
};

/* Both SQL engines (store/sqlite_audit.c). */
extern const struct audit_store_ops meta_sqlite_audit_ops;

#endif
