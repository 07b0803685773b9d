#ifndef WHARF_SERVER_METRICS_H
#define WHARF_SERVER_METRICS_H

#include <stdint.h>

struct req;
struct route;

/* Per-process request counters for Prometheus /metrics: lock-free atomics,
 * labelled only by a route's operation id and a status class, so no label
 * carries user input or a secret. Each process of a multi-process
 * deployment exposes its own; Prometheus sums them. */

/* A request has started (active connections gauge). */
void metrics_request_begin(void);
/* A request has ended: counts it under its route row (NULL: unrouted) with
 * its status, bytes and duration in microseconds, and leaves the gauge. */
void metrics_request_end(const struct route *route, unsigned status, uint64_t bytes_in,
                         uint64_t bytes_out, int64_t duration_us);
/* Renders every metric in the Prometheus text format (0.0.4) into *out,
 * malloc'd, NUL-terminated, caller frees; ERR_NOMEM. */
int metrics_render(char **out);
/* GET /metrics: open to loopback peers that are not proxied (no
 * X-Forwarded-For / Forwarded) and to superusers; 403 to anyone else. */
int metrics_handler(struct req *r);

#endif
