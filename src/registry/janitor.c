#include "registry/janitor.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "blob/blob.h"
#include "server/metrics.h"
#include "store/meta.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

struct janitor {
  struct app *app;
  unsigned interval;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int stop;
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

static void *janitor_main(void *arg)
{
  struct janitor *j = arg;
  pthread_mutex_lock(&j->mu);
  while (!j->stop) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += j->interval;
    while (!j->stop && pthread_cond_timedwait(&j->cv, &j->mu, &ts) != ETIMEDOUT)
      ;
    if (j->stop)
      break;
    pthread_mutex_unlock(&j->mu);
    int rc = janitor_run_once(j->app, time_now(), NULL);
    if (rc)
      LOG(LOG_WARN, "upload expiry pass failed: %s", err_str(rc));
    pthread_mutex_lock(&j->mu);
  }
  pthread_mutex_unlock(&j->mu);
  return NULL;
}

int janitor_start(struct janitor **out, struct app *app, unsigned interval)
{
  struct janitor *j = calloc(1, sizeof(*j));
  if (!j)
    return ERR_NOMEM;
  j->app = app;
  j->interval = interval ? interval : 1;
  pthread_mutex_init(&j->mu, NULL);
  pthread_cond_init(&j->cv, NULL);
  if (pthread_create(&j->thread, NULL, janitor_main, j) != 0) {
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    free(j);
    return ERR_INTERNAL;
  }
  *out = j;
  return 0;
}

void janitor_stop(struct janitor *j)
{
  if (!j)
    return;
  pthread_mutex_lock(&j->mu);
  j->stop = 1;
  pthread_cond_signal(&j->cv);
  pthread_mutex_unlock(&j->mu);
  pthread_join(j->thread, NULL);
  pthread_mutex_destroy(&j->mu);
  pthread_cond_destroy(&j->cv);
  free(j);
}
