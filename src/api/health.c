/* Health checks (spec §7). Each service check is cheap enough to run on
 * every probe: one trivial query through the metadata store (schema
 * version), one stat of a digest no blob has (an answer, found or not,
 * proves the backend is reachable), and the server key being usable.
 *
 * Quay's instance check covers the process's own dependencies and endtoend
 * the whole path; wharf has no local-only dependencies (no redis, no
 * gunicorn workers), so both run the same checks and differ only in name.
 * Nothing in a health body names a backend URL or an error text: they are
 * open to anyone. */
#include "api/health.h"

#include <string.h>

#include "auth/keys.h"
#include "blob/blob.h"
#include "store/meta.h"
#include "util/err.h"
#include "util/log.h"

/* A digest no blob has: sha256 of nothing would exist in some stores. */
#define HEALTH_PROBE_DIGEST \
  "sha256:0000000000000000000000000000000000000000000000000000000000000000"

static int check_database(struct app *app)
{
  int v = 0;
  int rc = app->meta ? meta_schema_version(app->meta, &v) : ERR_IO;
  if (rc)
    LOG(LOG_WARN, "health: database check failed (%s)", err_str(rc));
  return rc == 0;
}

static int check_storage(struct app *app)
{
  int64_t size = 0;
  int rc = app->blobs ? blob_stat(app->blobs, &size, HEALTH_PROBE_DIGEST) : ERR_IO;
  if (rc && rc != ERR_NOTFOUND)
    LOG(LOG_WARN, "health: storage check failed (%s)", err_str(rc));
  return rc == 0 || rc == ERR_NOTFOUND;
}

static int check_auth(struct app *app)
{
  char idx[65];
  int rc = app->keys ? keys_index(app->keys, idx, "health", 6) : ERR_INVALID;
  if (rc)
    LOG(LOG_WARN, "health: server key check failed (%s)", err_str(rc));
  return rc == 0;
}

static int health_respond(struct req *r)
{
  struct app *app = r->app;
  int db = check_database(app), st = check_storage(app), au = check_auth(app);
  unsigned status = db && st && au ? 200 : 503;
  json_t *j = json_pack("{s:{s:{s:b, s:b, s:b}}, s:i}", "data", "services", "database", db,
                        "storage", st, "auth", au, "status_code", (int)status);
  if (!j)
    return req_error(r, 500, "UNKNOWN", "internal error", NULL);
  req_set_header(r, "Cache-Control", "no-store");
  return req_respond_json(r, status, j);
}

int api_health_instance(struct req *r)
{
  return health_respond(r);
}

int api_health_endtoend(struct req *r)
{
  return health_respond(r);
}

int api_internal_ping(struct req *r)
{
  return req_respond(r, 200, "application/json", "true", 4);
}
