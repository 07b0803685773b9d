#ifndef WHARF_AUDIT_AUDIT_H
#define WHARF_AUDIT_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "store/audit_store.h"

/* The audit log's write path (DESIGN.md "Audit"): a handler describes what
 * was done in a struct audit_event and calls audit_emit(), which copies it
 * into a bounded in-process queue and returns; one writer thread drains the
 * queue in batches, one transaction per batch. When the queue is full the
 * caller waits: events are never dropped to keep up. A batch the store
 * refuses for I/O reasons is retried until it is stored (or, once stopping,
 * a bounded number of times); only an entry the store rejects as data is
 * logged and skipped. Nothing here knows about HTTP: server/req_audit.h
 * fills events from requests. Events never carry a secret. */

struct app;
struct meta;

/* What happened. Every string is copied by audit_emit(); NULL means none.
 * Text is cut to the caps below and made valid UTF-8 (bad bytes and
 * control characters become '?'). */
struct audit_event {
  const char *kind;            /* "pull_repo", "create_robot", ... (spec §5); required */
  int64_t performer_id;        /* account id; 0: nobody */
  const char *performer_name;  /* snapshot of the name ("org+robot" for robots) */
  enum audit_actor performer_kind;
  const char *namespace_name;  /* user or org whose log holds the entry */
  const char *repository;      /* full "ns/name" */
  const char *ip;              /* client address */
  const char *user_agent;
  int64_t time;                /* unix seconds; 0: now */
  const char *metadata_json;   /* a JSON object's text; NULL: {} */
};

#define AUDIT_NAME_MAX 512       /* kind, names, repository (bytes) */
#define AUDIT_IP_MAX 64
#define AUDIT_UA_MAX 512
#define AUDIT_METADATA_MAX 16384 /* longer metadata is replaced by {"truncated":true} */

struct audit_options {
  size_t queue_max;  /* events waiting to be written; emitters wait beyond it */
  size_t batch_max;  /* events per transaction */
  /* Group commit: once an event is waiting, the writer lets more gather for
   * up to linger_ms (or until batch_max are queued, or audit_sync() asks)
   * before it commits. Each commit costs an fdatasync and a WAL write no
   * matter how many entries it holds; at tens of thousands of pulls a
   * second this is what keeps the audit log's cost small. 0: commit at
   * once. */
  unsigned linger_ms;
  /* Stores n entries in one transaction; NULL: audit_store_append() on the
   * meta given to audit_start(). Tests substitute their own. */
  int (*write)(void *ctx, const struct audit_entry *entries, size_t n);
  void *write_ctx;
};
#define AUDIT_OPTIONS_INIT                                                                \
  { .queue_max = 16384, .batch_max = 2048, .linger_ms = 50, .write = NULL, .write_ctx = NULL }

/* The queue and its writer thread. */
struct audit;

/* Starts the writer for store m (used when opt->write is NULL); opt NULL
 * takes AUDIT_OPTIONS_INIT. Free with audit_stop(). */
int audit_start(struct audit **out, struct meta *m, const struct audit_options *opt);
/* Writes everything still queued, stops the thread and frees a (NULL ok).
 * Call after the last audit_emit() on a has returned. */
void audit_stop(struct audit *a);
/* Queues a copy of ev on app->audit, waiting while the queue is full. With
 * no writer (app->audit NULL: CLI commands, unit tests) the entry is
 * stored at once through app->meta. ERR_INVALID without a kind. */
int audit_emit(struct app *app, const struct audit_event *ev);
/* Waits until every event queued on app->audit before the call is written
 * (read-your-writes for the logs API), at most timeout_ms; ERR_IO on
 * timeout. 0 at once without a writer. */
int audit_sync(struct app *app, int64_t timeout_ms);

/* Copies src into dst (cap > 0 bytes, NUL included) as valid UTF-8 without
 * control characters: each invalid byte or control character becomes '?',
 * and the copy stops before a character that would not fit. Returns the
 * length written. */
size_t audit_text_clean(char *dst, size_t cap, const char *src);

#endif
