#ifndef WHARF_REGISTRY_JANITOR_H
#define WHARF_REGISTRY_JANITOR_H

#include <stddef.h>
#include <stdint.h>

#include "server/app.h"

/* Expires idle upload sessions: the session row and its upload object go
 * once nobody has written to it for app->upload_ttl seconds, and upload
 * objects without a session (a crash between the two, or a single-POST
 * upload cut off by a crash) go after the same time. Every step is
 * idempotent, so several instances may run it at once. */
struct janitor;

/* One pass at time `now`; *out_removed (may be NULL) counts what went. */
int janitor_run_once(struct app *app, int64_t now, size_t *out_removed);
/* Starts a thread running a pass every interval seconds. */
int janitor_start(struct janitor **out, struct app *app, unsigned interval);
/* Stops and joins the thread. NULL ok. */
void janitor_stop(struct janitor *j);

#endif
