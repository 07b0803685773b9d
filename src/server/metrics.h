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
/* Why a request was refused for want of credentials or rights; the label
 * values of wharf_auth_failures_total are these names, never user input. */
enum metrics_auth_reason {
  METRICS_AUTH_MISSING,    /* no credentials where some were needed (401) */
  METRICS_AUTH_INVALID,    /* unknown user or robot, wrong password or token */
  METRICS_AUTH_EXPIRED,    /* an expired token or session */
  METRICS_AUTH_REVOKED,    /* a revoked registry token */
  METRICS_AUTH_DISABLED,   /* a disabled account, or robots disabled */
  METRICS_AUTH_MALFORMED,  /* an unparseable Authorization header */
  METRICS_AUTH_IP,         /* a robot outside its allowed_ips */
  METRICS_AUTH_FORBIDDEN,  /* authenticated, lacking the permission (403) */
  METRICS_AUTH_NREASONS
};
/* Counts one refused request. */
void metrics_auth_failure(enum metrics_auth_reason why);
/* Reason of a failed authentication from the message auth/ gave with it
 * (NULL: METRICS_AUTH_INVALID). */
enum metrics_auth_reason metrics_auth_reason_of(const char *message);
/* One garbage collection run finished (ok=0: it failed midway); adds what
 * it freed (dry runs are not counted). */
void metrics_gc_run(int ok, int64_t blobs, int64_t bytes, int64_t manifests);
/* Idle upload sessions removed by the janitor. */
void metrics_uploads_expired(uint64_t n);
/* Renders every metric in the Prometheus text format (0.0.4) into *out,
 * malloc'd, NUL-terminated, caller frees; ERR_NOMEM. */
int metrics_render(char **out);
/* GET /metrics: open to loopback peers that are not proxied (no
 * X-Forwarded-For / Forwarded) and to superusers; 403 to anyone else. */
int metrics_handler(struct req *r);

#endif
