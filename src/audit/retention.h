#ifndef WHARF_AUDIT_RETENTION_H
#define WHARF_AUDIT_RETENTION_H

#include <stdint.h>

/* Audit retention (config audit_retention_days): a background thread of
 * `wharf serve` that deletes audit entries older than the retention, in
 * batches so no transaction holds the log for long, and expired log
 * exports. Every instance may run it: the deletes are idempotent. */

struct meta;

/* Entries deleted per statement. */
#define AUDIT_RETENTION_BATCH 1000

/* One pass at time `now`: deletes entries older than `days` days (0: none)
 * and exports expired by now; *out_deleted (may be NULL) counts entries. */
int audit_retention_run(struct meta *m, int64_t now, long days, int64_t *out_deleted);

struct audit_retention;
/* Starts the thread: a pass at once, then every interval_s seconds. Stop
 * with audit_retention_stop(). */
int audit_retention_start(struct audit_retention **out, struct meta *m, long days,
                          unsigned interval_s);
/* Stops and frees r (NULL ok). */
void audit_retention_stop(struct audit_retention *r);

#endif
