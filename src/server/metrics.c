/* Prometheus /metrics without a client library: fixed arrays of relaxed
 * atomics indexed by route row, status class and latency bucket, written in
 * the completion callback (server/http.c) and summed at scrape time. Rows
 * sharing an operation id (GET and HEAD of end-3) are reported together.
 *
 * Access: a metrics endpoint tells an outsider what the registry is doing
 * (which operations, how much), so it is open only to loopback peers that
 * are not proxied, where a local Prometheus or node agent scrapes, and to
 * superusers (e.g. a superuser API token as a bearer_token in the scrape
 * config) from anywhere. */
#include "server/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>
#include <pthread.h>

#include "blob/blob_stats.h"
#include "server/req.h"
#include "server/router.h"
#include "store/meta_stats.h"
#include "store/ident.h"
#include "store/meta.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/histo.h"
#include "util/pool.h"
#include "util/timeutil.h"

#define METRICS_ROWS 256              /* route rows counted; more share the "none" row */
#define METRICS_CLASSES 5             /* 1xx..5xx */
#define METRICS_OPEN_UPLOADS_MAX 10000 /* open upload sessions counted at most per scrape */
#define METRICS_OUT_MAX ((size_t)4 << 20)
#define METRICS_EXPIRY_CACHE 60       /* seconds the robot token expiry counts are reused */

/* Upper bounds of the latency buckets, microseconds (+Inf is the count). */
static const int64_t bucket_us[] = { 5000,   10000,   25000,   50000,   100000,  250000,
                                     500000, 1000000, 2500000, 5000000, 10000000, 30000000 };
#define NBUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))

struct row_stats {
  atomic_ullong by_class[METRICS_CLASSES];
  atomic_ullong bucket[NBUCKETS];     /* non-cumulative; summed when rendered */
  atomic_ullong count;
  atomic_ullong sum_us;
};

static struct row_stats rows[METRICS_ROWS + 1]; /* last: unrouted ("none") */
static atomic_ullong bytes_in_total, bytes_out_total;
static atomic_ullong pulls_total, pushes_total;
static atomic_ullong uploads_started, uploads_finished, uploads_cancelled;
static atomic_ullong uploads_failed, uploads_expired;
static atomic_ullong auth_failures[METRICS_AUTH_NREASONS];
static atomic_ullong gc_runs_ok, gc_runs_failed, gc_blobs, gc_bytes, gc_manifests;

static const char *const auth_reason_names[METRICS_AUTH_NREASONS] = {
  [METRICS_AUTH_MISSING] = "missing",     [METRICS_AUTH_INVALID] = "invalid",
  [METRICS_AUTH_EXPIRED] = "expired",     [METRICS_AUTH_REVOKED] = "revoked",
  [METRICS_AUTH_DISABLED] = "disabled",   [METRICS_AUTH_MALFORMED] = "malformed",
  [METRICS_AUTH_IP] = "ip_not_allowed",   [METRICS_AUTH_FORBIDDEN] = "forbidden",
};
static atomic_llong active;

void metrics_request_begin(void)
{
  atomic_fetch_add_explicit(&active, 1, memory_order_relaxed);
}

static size_t row_index(const struct route *route)
{
  if (!route || route < router_table || route >= router_table + router_table_len)
    return METRICS_ROWS;
  size_t i = (size_t)(route - router_table);
  return i < METRICS_ROWS ? i : METRICS_ROWS;
}

static void add(atomic_ullong *c, uint64_t v)
{
  atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

void metrics_request_end(const struct route *route, unsigned status, uint64_t bytes_in,
                         uint64_t bytes_out, int64_t duration_us)
{
  struct row_stats *s = &rows[row_index(route)];
  unsigned cls = status >= 100 && status < 600 ? status / 100 - 1 : METRICS_CLASSES - 1;
  if (duration_us < 0)
    duration_us = 0;
  size_t b = 0;
  while (b < NBUCKETS && duration_us > bucket_us[b])
    b++;
  add(&s->by_class[cls], 1);
  if (b < NBUCKETS)
    add(&s->bucket[b], 1);
  add(&s->count, 1);
  add(&s->sum_us, (uint64_t)duration_us);
  add(&bytes_in_total, bytes_in);
  add(&bytes_out_total, bytes_out);
  const char *op = route ? route->op_id : "";
  int ok = status >= 200 && status < 300;
  if (ok && strcmp(op, "end-3") == 0 && strcmp(route->method, "GET") == 0)
    add(&pulls_total, 1);
  else if (ok && strcmp(op, "end-7") == 0)
    add(&pushes_total, 1);
  else if (status == 202 && strcmp(op, "end-4") == 0)
    add(&uploads_started, 1);
  else if (status == 201 && strcmp(op, "end-6") == 0)
    add(&uploads_finished, 1);
  else if (status == 201 && strcmp(op, "end-4") == 0) { /* monolithic: opened and done */
    add(&uploads_started, 1);
    add(&uploads_finished, 1);
  } else if (status >= 400 && status != 401 && status != 403 &&
             (strcmp(op, "end-5") == 0 || strcmp(op, "end-6") == 0))
    add(&uploads_failed, 1);
  else if (status == 204 && strcmp(op, "cancel-upload") == 0)
    add(&uploads_cancelled, 1);
  atomic_fetch_sub_explicit(&active, 1, memory_order_relaxed);
}

void metrics_auth_failure(enum metrics_auth_reason why)
{
  if ((unsigned)why < METRICS_AUTH_NREASONS)
    add(&auth_failures[why], 1);
}

enum metrics_auth_reason metrics_auth_reason_of(const char *message)
{
  /* the messages are auth/'s own (auth.c, robotfed.c, oidc.c); the words
   * are matched with the space before them, which no user or robot name a
   * message quotes can contain, and only the enum's fixed names ever reach
   * a label */
  static const struct {
    const char *word;
    enum metrics_auth_reason why;
  } words[] = {
    { " revoked", METRICS_AUTH_REVOKED },    { " expired", METRICS_AUTH_EXPIRED },
    { " disabled", METRICS_AUTH_DISABLED },  { "malformed ", METRICS_AUTH_MALFORMED },
    { "unsupported authorization", METRICS_AUTH_MALFORMED },
    { "too long", METRICS_AUTH_MALFORMED },
  };
  for (size_t i = 0; message && i < sizeof(words) / sizeof(words[0]); i++)
    if (strstr(message, words[i].word))
      return words[i].why;
  return METRICS_AUTH_INVALID;
}

void metrics_gc_run(int ok, int64_t blobs, int64_t bytes, int64_t manifests)
{
  add(ok ? &gc_runs_ok : &gc_runs_failed, 1);
  add(&gc_blobs, (uint64_t)(blobs > 0 ? blobs : 0));
  add(&gc_bytes, (uint64_t)(bytes > 0 ? bytes : 0));
  add(&gc_manifests, (uint64_t)(manifests > 0 ? manifests : 0));
}

void metrics_uploads_expired(uint64_t n)
{
  add(&uploads_expired, n);
}

static unsigned long long get(atomic_ullong *c)
{
  return atomic_load_explicit(c, memory_order_relaxed);
}

static int emit(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int emit(struct buf *b, const char *fmt, ...)
{
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof(line))
    return ERR_INVALID;
  return buf_append(b, line, (size_t)n);
}

static size_t nrows(void)
{
  return router_table_len < METRICS_ROWS ? router_table_len : METRICS_ROWS;
}

static const char *row_op(size_t i)
{
  return i < METRICS_ROWS && i < router_table_len ? router_table[i].op_id : "none";
}

/* Whether row i is the first with its op id (the one that reports it). */
static int row_first(size_t i)
{
  for (size_t j = 0; j < i && j < nrows(); j++)
    if (strcmp(row_op(j), row_op(i)) == 0)
      return 0;
  return 1;
}


/* Sum of the counter at byte offset `off` of struct row_stats over every
 * row with row i's op id. */
static unsigned long long sum_op(size_t i, size_t off)
{
  unsigned long long s = 0;
  for (size_t k = 0; k <= METRICS_ROWS; k++)
    if ((k < nrows() || k == METRICS_ROWS) && strcmp(row_op(k), row_op(i)) == 0)
      s += get((atomic_ullong *)(void *)((char *)&rows[k] + off));
  return s;
}

#define SUM_OP(i, f) sum_op((i), offsetof(struct row_stats, f))
#define SUM_OP_AT(i, f, k) sum_op((i), offsetof(struct row_stats, f) + (k) * sizeof(atomic_ullong))

static int render_requests(struct buf *b)
{
  int rc = emit(b, "# HELP wharf_http_requests_total HTTP requests by operation id and status "
                   "class.\n"
                   "# TYPE wharf_http_requests_total counter\n");
  for (size_t i = 0; !rc && i <= METRICS_ROWS; i++) {
    if ((i < METRICS_ROWS && i >= nrows()) || !row_first(i))
      continue;
    for (unsigned c = 0; !rc && c < METRICS_CLASSES; c++) {
      unsigned long long v = SUM_OP_AT(i, by_class, c);
      if (v)
        rc = emit(b, "wharf_http_requests_total{op=\"%s\",code=\"%uxx\"} %llu\n", row_op(i),
                  c + 1, v);
    }
  }
  if (!rc)
    rc = emit(b, "# HELP wharf_http_request_duration_seconds Time from request headers to "
                 "response completion, by operation id.\n"
                 "# TYPE wharf_http_request_duration_seconds histogram\n");
  for (size_t i = 0; !rc && i <= METRICS_ROWS; i++) {
    if ((i < METRICS_ROWS && i >= nrows()) || !row_first(i))
      continue;
    unsigned long long count = SUM_OP(i, count), cum = 0;
    if (!count)
      continue;
    for (size_t k = 0; !rc && k < NBUCKETS; k++) {
      cum += SUM_OP_AT(i, bucket, k);
      rc = emit(b, "wharf_http_request_duration_seconds_bucket{op=\"%s\",le=\"%g\"} %llu\n",
                row_op(i), (double)bucket_us[k] / 1e6, cum);
    }
    if (!rc)
      rc = emit(b,
                "wharf_http_request_duration_seconds_bucket{op=\"%s\",le=\"+Inf\"} %llu\n"
                "wharf_http_request_duration_seconds_sum{op=\"%s\"} %.6f\n"
                "wharf_http_request_duration_seconds_count{op=\"%s\"} %llu\n",
                row_op(i), count, row_op(i), (double)SUM_OP(i, sum_us) / 1e6, row_op(i), count);
  }
  return rc;
}

static int counter(struct buf *b, const char *name, const char *help, unsigned long long v)
{
  return emit(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name, v);
}

static int gauge(struct buf *b, const char *name, const char *help, double v)
{
  return emit(b, "# HELP %s %s\n# TYPE %s gauge\n%s %.15g\n", name, help, name, name, v);
}

/* One latency histogram family labelled by operation; `next` enumerates
 * the operations (meta_stats_op, blob_stats_op). Operations never called
 * are left out, as for the request histogram. */
static int render_latency(struct buf *b, const char *name, const char *help,
                          const struct histo *(*next)(size_t i, const char **out_name))
{
  int rc = emit(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
  const char *op = NULL;
  const struct histo *h;
  for (size_t i = 0; !rc && (h = next(i, &op)) != NULL; i++) {
    unsigned long long count = atomic_load_explicit(&h->count, memory_order_relaxed), cum = 0;
    if (!count)
      continue;
    for (size_t k = 0; !rc && k < HISTO_BUCKETS; k++) {
      cum += atomic_load_explicit(&h->bucket[k], memory_order_relaxed);
      rc = emit(b, "%s_bucket{op=\"%s\",le=\"%g\"} %llu\n", name, op,
                (double)histo_bounds_us[k] / 1e6, cum);
    }
    /* +Inf is the count read first, so it is never below a bucket read later */
    if (cum > count)
      count = cum;
    if (!rc)
      rc = emit(b, "%s_bucket{op=\"%s\",le=\"+Inf\"} %llu\n%s_sum{op=\"%s\"} %.6f\n"
                   "%s_count{op=\"%s\"} %llu\n",
                name, op, count, name, op,
                (double)atomic_load_explicit(&h->sum_us, memory_order_relaxed) / 1e6, name, op,
                count);
  }
  return rc;
}

/* Auth failures by reason, GC counters, upload failures and expiries. */
static int render_ops(struct buf *b)
{
  int rc = emit(b, "# HELP wharf_auth_failures_total Requests refused for missing, wrong, "
                   "expired, revoked or disabled credentials, a robot outside its allowed "
                   "addresses, or a missing permission, by reason.\n"
                   "# TYPE wharf_auth_failures_total counter\n");
  for (unsigned i = 0; !rc && i < METRICS_AUTH_NREASONS; i++)
    rc = emit(b, "wharf_auth_failures_total{reason=\"%s\"} %llu\n", auth_reason_names[i],
              get(&auth_failures[i]));
  if (!rc)
    rc = emit(b, "# HELP wharf_gc_runs_total Garbage collection runs finished by this process, "
                 "by result.\n# TYPE wharf_gc_runs_total counter\n"
                 "wharf_gc_runs_total{result=\"ok\"} %llu\n"
                 "wharf_gc_runs_total{result=\"error\"} %llu\n",
              get(&gc_runs_ok), get(&gc_runs_failed));
  if (!rc)
    rc = counter(b, "wharf_gc_blobs_freed_total",
                 "Blobs (and stray stored objects) garbage collection deleted.", get(&gc_blobs));
  if (!rc)
    rc = counter(b, "wharf_gc_bytes_freed_total", "Bytes garbage collection deleted.",
                 get(&gc_bytes));
  if (!rc)
    rc = counter(b, "wharf_gc_manifests_expired_total",
                 "Untagged manifests garbage collection deleted after their expiry.",
                 get(&gc_manifests));
  if (!rc)
    rc = counter(b, "wharf_upload_sessions_failed_total",
                 "Upload PATCH or completing PUT answered with an error other than 401/403.",
                 get(&uploads_failed));
  if (!rc)
    rc = counter(b, "wharf_upload_sessions_expired_total",
                 "Idle upload sessions removed by this process's janitor or GC.",
                 get(&uploads_expired));
  if (!rc)
    rc = render_latency(b, "wharf_db_operation_duration_seconds",
                        "Metadata store call latency, by operation.", meta_stats_op);
  if (!rc)
    rc = render_latency(b, "wharf_storage_operation_duration_seconds",
                        "Blob store call latency, by operation.", blob_stats_op);
  return rc;
}

/* Resident set size (bytes) and seconds since the process started, from /proc. */
static void process_stats(double *rss, double *uptime)
{
  *rss = *uptime = 0;
  long page = sysconf(_SC_PAGESIZE), hz = sysconf(_SC_CLK_TCK);
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size, res;
  if (f) {
    if (fscanf(f, "%lu %lu", &size, &res) == 2 && page > 0)
      *rss = (double)res * (double)page;
    fclose(f);
  }
  char st[1024];
  double sys_up = 0;
  f = fopen("/proc/uptime", "r");
  if (f) {
    if (fscanf(f, "%lf", &sys_up) != 1)
      sys_up = 0;
    fclose(f);
  }
  f = fopen("/proc/self/stat", "r");
  if (!f)
    return;
  size_t n = fread(st, 1, sizeof(st) - 1, f);
  fclose(f);
  st[n] = '\0';
  /* field 22 (starttime) counts from after the ')' closing field 2 */
  char *p = strrchr(st, ')');
  unsigned long long start = 0;
  for (int field = 2; p && field < 22; field++)
    p = strchr(p + 1, ' ');
  if (p && sscanf(p + 1, "%llu", &start) == 1 && hz > 0 && sys_up > 0)
    *uptime = sys_up - (double)start / (double)hz;
}

int metrics_render(char **out)
{
  struct buf b = BUF_INIT(METRICS_OUT_MAX);
  double rss, uptime;
  process_stats(&rss, &uptime);
  int rc = render_requests(&b);
  if (!rc)
    rc = render_ops(&b);
  if (!rc)
    rc = counter(&b, "wharf_http_request_bytes_total", "Request body bytes received.",
                 get(&bytes_in_total));
  if (!rc)
    rc = counter(&b, "wharf_http_response_bytes_total", "Response body bytes sent.",
                 get(&bytes_out_total));
  if (!rc)
    rc = counter(&b, "wharf_registry_pulls_total", "Manifests served by GET (end-3, 2xx).",
                 get(&pulls_total));
  if (!rc)
    rc = counter(&b, "wharf_registry_pushes_total", "Manifests stored by PUT (end-7, 2xx).",
                 get(&pushes_total));
  if (!rc)
    rc = counter(&b, "wharf_upload_sessions_started_total",
                 "Upload sessions opened by this process (POST 202).", get(&uploads_started));
  if (!rc)
    rc = counter(&b, "wharf_upload_sessions_completed_total",
                 "Upload sessions completed by this process (PUT 201).", get(&uploads_finished));
  if (!rc)
    rc = counter(&b, "wharf_upload_sessions_cancelled_total",
                 "Upload sessions cancelled through this process (DELETE 204).",
                 get(&uploads_cancelled));
  if (!rc)
    rc = gauge(&b, "wharf_http_active_requests",
               "Requests in progress (the scrape itself included).",
               (double)atomic_load_explicit(&active, memory_order_relaxed));
  if (!rc)
    rc = gauge(&b, "process_resident_memory_bytes", "Resident memory size in bytes.", rss);
  if (!rc)
    rc = gauge(&b, "wharf_process_uptime_seconds", "Seconds since this process started.",
               uptime);
  if (!rc)
    rc = buf_append(&b, "", 1); /* NUL */
  if (rc) {
    buf_free(&b);
    return rc == ERR_INVALID ? ERR_NOMEM : rc;
  }
  *out = b.data;
  return 0;
}

/* Peer is 127.0.0.0/8 or ::1 (or v4-mapped loopback). */
static int peer_is_loopback(const struct req *r)
{
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (!ci || !ci->client_addr)
    return 0;
  const struct sockaddr *sa = ci->client_addr;
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)sa;
    return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(a))
      return 1;
    return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
  }
  return 0;
}

/* Open upload sessions in the store (all instances), capped. */
static int open_uploads(struct req *r, size_t *out)
{
  char **uuids = NULL;
  size_t n = 0;
  int rc = meta_upload_stale(r->app->meta, r->pool, &uuids, &n, INT64_MAX,
                             METRICS_OPEN_UPLOADS_MAX);
  if (!rc)
    *out = n;
  return rc;
}

/* Robot tokens expiring within 7 and 30 days (issue 8), counted by the
 * store at most once a minute per process. */
static int expiring_tokens(struct req *r, int64_t out[2])
{
  static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  static int64_t at, cached[2];
  int64_t now = time_now();
  int rc = 0;
  pthread_mutex_lock(&mu);
  if (at == 0 || now - at >= METRICS_EXPIRY_CACHE) {
    int64_t n7 = 0, n30 = 0;
    rc = ident_cred_expiring(r->app->meta, &n7, CRED_ROBOT, now, now + 7 * 86400);
    if (!rc)
      rc = ident_cred_expiring(r->app->meta, &n30, CRED_ROBOT, now, now + 30 * 86400);
    if (!rc) {
      cached[0] = n7;
      cached[1] = n30;
      at = now;
    }
  }
  out[0] = cached[0];
  out[1] = cached[1];
  pthread_mutex_unlock(&mu);
  return rc;
}

int metrics_handler(struct req *r)
{
  int proxied = req_header(r, "X-Forwarded-For") || req_header(r, "Forwarded");
  if (!r->principal.is_superuser && (proxied || !peer_is_loopback(r))) {
    static const char msg[] = "metrics are open to loopback peers and superusers only: scrape "
                              "from localhost or send a superuser API token\n";
    return req_respond(r, 403, "text/plain; charset=utf-8", msg, sizeof(msg) - 1);
  }
  char *text = NULL;
  size_t uploads = 0;
  int have_uploads = r->app && r->app->meta && open_uploads(r, &uploads) == 0;
  int rc = metrics_render(&text);
  if (rc)
    return req_respond(r, 500, "text/plain", "metrics unavailable\n", 20);
  struct buf b = BUF_INIT(METRICS_OUT_MAX + 512);
  rc = buf_append(&b, text, strlen(text));
  free(text);
  if (!rc && have_uploads)
    rc = gauge(&b, "wharf_upload_sessions_open",
               "Upload sessions open in the metadata store (all instances; capped at 10000).",
               (double)uploads);
  int64_t exp[2];
  if (!rc && have_uploads && expiring_tokens(r, exp) == 0)
    rc = gauge(&b, "wharf_robot_tokens_expiring_7d",
               "Robot tokens that expire within 7 days (all instances; refreshed every minute).",
               (double)exp[0]) ||
         gauge(&b, "wharf_robot_tokens_expiring_30d",
               "Robot tokens that expire within 30 days (all instances; refreshed every minute).",
               (double)exp[1]);
  if (rc) {
    buf_free(&b);
    return req_respond(r, 500, "text/plain", "metrics unavailable\n", 20);
  }
  rc = req_respond(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
  buf_free(&b);
  return rc;
}
