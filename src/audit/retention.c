/* Audit retention thread (audit/retention.h). */
#include "audit/retention.h"

#include <stdlib.h>
#include <time.h>

#include "store/audit_store.h"
#include "util/err.h"
#include "util/log.h"
#include "util/ticker.h"
#include "util/timeutil.h"

#define DAY 86400

struct audit_retention {
  struct meta *meta;
  long days;
  struct ticker *ticker;
};

int audit_retention_run(struct meta *m, int64_t now, long days, int64_t *out_deleted)
{
  int64_t total = 0, n = 0;
  int rc = 0;
  if (days > 0) {
    int64_t before = now - (int64_t)days * DAY;
    do {
      rc = audit_store_purge(m, &n, before, AUDIT_RETENTION_BATCH);
      total += rc ? 0 : n;
    } while (!rc && n == AUDIT_RETENTION_BATCH);
  }
  if (total)
    LOG(LOG_INFO, "audit: retention deleted %lld entries older than %ld days", (long long)total,
        days);
  int erc = audit_store_export_purge(m, now);
  if (!rc && erc != ERR_UNSUPPORTED)
    rc = erc;
  if (!rc && out_deleted)
    *out_deleted = total;
  return rc;
}

static void retention_tick(void *arg)
{
  struct audit_retention *r = arg;
  int rc = audit_retention_run(r->meta, time_now(), r->days, NULL);
  if (rc)
    LOG(LOG_WARN, "audit: retention pass failed: %s", err_str(rc));
}

int audit_retention_start(struct audit_retention **out, struct meta *m, long days,
                          unsigned interval_s)
{
  struct audit_retention *r = calloc(1, sizeof(*r));
  if (!r)
    return ERR_NOMEM;
  r->meta = m;
  r->days = days;
  int rc = ticker_start(&r->ticker, interval_s, 1, retention_tick, r);
  if (rc) {
    free(r);
    return rc;
  }
  *out = r;
  return 0;
}

void audit_retention_stop(struct audit_retention *r)
{
  if (!r)
    return;
  ticker_stop(r->ticker);
  free(r);
}
