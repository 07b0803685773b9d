#include "registry/janitor.h"

#include <stdlib.h>
#include <time.h>

#include "blob/blob.h"
#include "server/metrics.h"
#include "store/meta.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/ticker.h"
#include "util/timeutil.h"

struct janitor {
  struct app *app;
  struct ticker *ticker;
};

struct orphan_ctx {
  struct app *app;
  size_t removed;
};

/* An upload object with no session row is an orphan. */
static int remove_orphan(void *arg, const char *uuid)
{
  struct orphan_ctx *o = arg;
  struct meta_upload up;
  if (meta_upload_get(o->app->meta, &up, uuid) != ERR_NOTFOUND)
    return 0;
  if (blob_upload_abort(o->app->blobs, uuid) == 0)
    o->removed++;
  return 0;
}

int janitor_run_once(struct app *app, int64_t now, size_t *out_removed)
{
  int64_t before = now - app->upload_ttl;
  size_t removed = 0;
  int rc = 0;
  for (;;) {
    struct pool *p = pool_new();
    char **uuids;
    size_t n = 0;
    if (!p)
      return ERR_NOMEM;
    rc = meta_upload_stale(app->meta, p, &uuids, &n, before, 256);
    for (size_t i = 0; !rc && i < n; i++) {
      int arc = blob_upload_abort(app->blobs, uuids[i]);
      if (arc && arc != ERR_NOTFOUND)
        LOG(LOG_WARN, "expiring upload %s: %s", uuids[i], err_str(arc));
      if (meta_upload_delete(app->meta, uuids[i]) == 0)
        removed++;
    }
    pool_free(p);
    if (rc || n < 256)
      break;
  }
  struct orphan_ctx o = { app, 0 };
  if (!rc)
    rc = blob_upload_each_stale(app->blobs, before, remove_orphan, &o);
  removed += o.removed;
  if (removed)
    LOG(LOG_INFO, "expired %zu idle upload(s)", removed);
  metrics_uploads_expired(removed);
  if (out_removed)
    *out_removed = removed;
  return rc;
}

static void janitor_tick(void *arg)
{
  struct janitor *j = arg;
  int rc = janitor_run_once(j->app, time_now(), NULL);
  if (rc)
    LOG(LOG_WARN, "upload expiry pass failed: %s", err_str(rc));
}

int janitor_start(struct janitor **out, struct app *app, unsigned interval)
{
  struct janitor *j = calloc(1, sizeof(*j));
  if (!j)
    return ERR_NOMEM;
  j->app = app;
  int rc = ticker_start(&j->ticker, interval, 0, janitor_tick, j);
  if (rc) {
    free(j);
    return rc;
  }
  *out = j;
  return 0;
}

void janitor_stop(struct janitor *j)
{
  if (!j)
    return;
  ticker_stop(j->ticker);
  free(j);
}
