#include "server/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include <microhttpd.h>

#include "auth/auth.h"
#include "config/config.h"
#include "registry/registry.h"
#include "server/metrics.h"
#include "server/clientip.h"
#include "server/conn_guard.h"
#include "server/req.h"
#include "server/req_audit.h"
#include "server/router.h"
#include "server/tls.h"
#include "server/webauth.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/rand.h"
#include "util/cidr.h"
#include "util/timeutil.h"

struct http_server {
  struct MHD_Daemon *d;
  struct conn_guard *guard; /* header deadlines (slow clients); NULL if none */
  struct app *app;
  struct http_options opt;
  atomic_int inflight;
  int port;
  char trusted[CLIENTIP_LIST_MAX]; /* trusted_proxies, normalized; "" none */
};

/* Fields of a request that only this file touches. */
struct req_priv {
  struct req r;
  struct http_server *srv;
  int queued;
  int csrf_defer;   /* cookie request whose CSRF token is in its form body */
  int body_too_big;
  char ip[INET6_ADDRSTRLEN];
};

static enum api_kind api_of_path(const char *path)
{
  if (strncmp(path, "/v2", 3) == 0 && (path[3] == '/' || path[3] == '\0'))
    return API_OCI;
  if (strncmp(path, "/api/v1", 7) == 0 && (path[7] == '/' || path[7] == '\0'))
    return API_QUAY;
  return API_PLAIN;
}

/* A route row used only to pick the error format before routing. */
static const struct route fallback_routes[] = {
  [API_OCI] = { "", "", PERM_NONE, BODY_NONE, 0, NULL, NULL, "none", API_OCI, 0 },
  [API_QUAY] = { "", "", PERM_NONE, BODY_NONE, 0, NULL, NULL, "none", API_QUAY, 0 },
  [API_PLAIN] = { "", "", PERM_NONE, BODY_NONE, 0, NULL, NULL, "none", API_PLAIN, 0 },
};

/* MHD would percent-decode the path before we see it, turning %2F into a
 * separator; we decode ourselves (router_decode_path) to refuse that. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
  (void)cls;
  (void)c;
  return strlen(s);
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
  char msg[512];
  (void)cls;
  vsnprintf(msg, sizeof(msg), fmt, ap);
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
    msg[--n] = '\0';
  LOG(LOG_DEBUG, "libmicrohttpd: %s", msg);
}

struct hdr_sum {
  size_t total;
};

static enum MHD_Result sum_headers(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
  struct hdr_sum *h = cls;
  (void)kind;
  h->total += strlen(key) + (value ? strlen(value) : 0) + 4;
  return MHD_YES;
}

static void body_cleanup(void *arg)
{
  buf_free(arg);
}

struct xff_ctx {
  struct pool *pool;
  const char *joined;   /* every X-Forwarded-For value, in order, joined by ',' */
};

static int xff_join(void *ctx, const char *value)
{
  struct xff_ctx *x = ctx;
  x->joined = x->joined ? pool_printf(x->pool, "%s,%s", x->joined, value)
                        : pool_strdup(x->pool, value);
  return x->joined ? 0 : 1;
}

/* Behind a trusted proxy the client is who X-Forwarded-For says (the
 * headers as a whole are capped by max_header_bytes), and the scheme the
 * client used is what X-Forwarded-Proto says (docs/tls.md). */
static void behind_proxy(struct req_priv *rp)
{
  struct xff_ctx x = { rp->r.pool, NULL };
  char peer[sizeof(rp->ip)];
  memcpy(peer, rp->ip, sizeof(peer));
  const char *proto = req_header(&rp->r, "X-Forwarded-Proto");
  if (proto && cidr_list_match(rp->srv->trusted, peer))
    rp->r.scheme = strcasecmp(proto, "https") == 0 ? "https" : "http";
  req_header_each(&rp->r, "X-Forwarded-For", xff_join, &x);
  clientip_resolve(rp->ip, sizeof(rp->ip), peer, x.joined, rp->srv->trusted);
}

static struct req_priv *req_new(struct http_server *s, struct MHD_Connection *conn,
                                const char *url, const char *method)
{
  struct pool *pool = pool_new();
  if (!pool)
    return NULL;
  struct req_priv *rp = pool_calloc(pool, 1, sizeof(*rp));
  if (!rp) {
    pool_free(pool);
    return NULL;
  }
  struct req *r = &rp->r;
  r->pool = pool;
  r->app = s->app;
  r->conn = conn;
  r->start_us = time_mono_us();
  r->content_length = -1;
  rp->srv = s;
  unsigned char idb[8];
  if (rand_bytes(idb, sizeof(idb)) != 0)
    memset(idb, 0, sizeof(idb));
  for (int i = 0; i < 8; i++)
    snprintf(r->id + 2 * i, 3, "%02x", idb[i]);
  r->method = pool_strdup(pool, method);
  r->path = url; /* raw until decoded */
  r->is_head = strcmp(method, "HEAD") == 0;
  r->principal.kind = PRINCIPAL_ANONYMOUS;
  r->principal.name = "-";
  pool_cleanup_add(pool, body_cleanup, &r->body);
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  strcpy(rp->ip, "-");
  if (ci && ci->client_addr) {
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
      inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, rp->ip,
                sizeof(rp->ip));
    else if (sa->sa_family == AF_INET6)
      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, rp->ip,
                sizeof(rp->ip));
  }
  r->client_ip = rp->ip;
  r->scheme = s->opt.tls ? "https" : "http";
  if (s->trusted[0])
    behind_proxy(rp);
  return rp;
}

/* The challenge a registry client follows to /v2/auth (Docker token auth). */
static void set_challenge(struct req *r, const char *scope)
{
  const char *host = req_host(r);
  req_set_headerf(r, "WWW-Authenticate", "Bearer realm=\"%s://%s/v2/auth\",service=\"%s\"%s%s%s",
                  req_scheme(r), host, host, scope ? ",scope=\"" : "", scope ? scope : "", scope ? "\"" : "");
}

static void deny(struct req *r, int anonymous, const char *reason)
{
  const char *name = req_param(r, "name");
  req_audit_denied(r, reason); /* pull/push failures, login_failure (spec §5) */
  if (r->route->api == API_QUAY) {
    if (anonymous)
      req_error(r, 401, "invalid_token", reason ? reason : "Requires authentication", NULL);
    else
      req_error(r, 403, "insufficient_scope", "Unauthorized", NULL);
    return;
  }
  if (anonymous) {
    const char *acts = r->route->perm == PERM_PULL ? "pull" : "pull,push";
    set_challenge(r, name ? pool_printf(r->pool, "repository:%s:%s", name, acts) : NULL);
    req_error(r, 401, OCI_UNAUTHORIZED,
              reason ? reason : "access to the requested resource is not authorized", NULL);
  } else {
    req_error(r, 403, OCI_DENIED, "requested access to the resource is denied", NULL);
  }
}

/* Authenticates and checks the route's permission; responds and returns 0
 * when the request may not go on. */
static int authorize(struct req *r, int *csrf_defer)
{
  struct app *app = r->app;
  const char *reason = NULL;
  const char *authz = req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
  int rc = AUTH_OK;
  /* /api/v1 takes a session cookie when no Authorization is given; cookie
   * requests that may change something must carry the CSRF token */
  int cookie = (!authz || !*authz) && r->route->api == API_QUAY
                 ? webauth_authenticate(r, csrf_defer) : 0;
  if (cookie < 0)
    return 0;
  if (!cookie)
    rc = auth_authenticate(&r->principal, &reason, app, r->pool, authz, r->route->api == API_OCI);
  if (rc == AUTH_BAD) {
    r->error_code = "AUTH_FAILED";
    metrics_auth_failure(metrics_auth_reason_of(reason));
    deny(r, 1, reason);
    return 0;
  }
  if (rc) {
    req_error(r, 503, "UNAVAILABLE", "authentication backend unavailable, retry later", NULL);
    return 0;
  }
  /* robot IP allow-lists (issue 8): /v2 and /v2/auth only, robots never
   * call /api/v1 */
  if (r->route->api == API_OCI &&
      auth_client_allowed(&reason, r->pool, &r->principal, r->client_ip) != 0) {
    r->error_code = "IP_DENIED";
    metrics_auth_failure(METRICS_AUTH_IP);
    req_audit_denied(r, reason);
    req_error(r, 403, OCI_DENIED, reason, NULL);
    return 0;
  }
  auth_touch(app, &r->principal);
  const char *target = req_param(r, "name");
  if (!target)
    target = req_param(r, "repository");
  if (!target)
    target = req_param(r, "orgname");
  rc = auth_authorize(app, &r->principal, r->route->perm, target, r->route->scope);
  if (rc == 0)
    return 1;
  /* a name the store cannot even hold (PostgreSQL refuses text that is not
   * UTF-8, where SQLite finds no row) names nothing: the same 404/403 */
  if (rc == ERR_INVALID)
    rc = ERR_NOTFOUND;
  if (rc == ERR_DENIED || rc == ERR_NOTFOUND) {
    /* a missing target is 404 only to those who could see it exist: the
     * superuser and whoever may create in its namespace (Ansible's
     * quay_repository reads 404 as "absent"); to anyone else it is 403 */
    const char *repo = req_param(r, "repository");
    const char *slash = repo ? strchr(repo, '/') : NULL;
    int may_see = r->principal.is_superuser ||
                  (slash && auth_can_create(app, &r->principal,
                                            pool_strndup(r->pool, repo, (size_t)(slash - repo))));
    if (rc == ERR_NOTFOUND && may_see)
      req_error(r, 404, "not_found", "Not Found", target);
    else {
      int anonymous = r->principal.kind == PRINCIPAL_ANONYMOUS;
      metrics_auth_failure(anonymous ? METRICS_AUTH_MISSING : METRICS_AUTH_FORBIDDEN);
      deny(r, anonymous, NULL);
    }
    return 0;
  }
  req_error(r, 503, "UNAVAILABLE", "authorization backend unavailable, retry later", NULL);
  return 0;
}

/* Routing, limits and authorization: everything decided from the headers. */
static void dispatch_headers(struct req_priv *rp, const char *url)
{
  struct req *r = &rp->r;
  struct app *app = r->app;
  r->route = &fallback_routes[api_of_path(url)];

  struct hdr_sum hs = { strlen(url) };
  MHD_get_connection_values(r->conn, MHD_HEADER_KIND, sum_headers, &hs);
  if (hs.total > rp->srv->opt.max_header_bytes) {
    req_error(r, 431, "TOOMANYREQUESTS", "request headers too large", NULL);
    r->error_code = "HEADERS_TOO_LARGE";
    return;
  }
  char *path = router_decode_path(r->pool, url);
  if (!path) {
    req_error(r, 400, OCI_NAME_INVALID,
              "malformed request path: bad percent-encoding, an encoded '/' or a control character",
              NULL);
    return;
  }
  r->path = path;
  enum router_result rr = router_match(r, r->method, path);
  if (rr == ROUTE_NO_PATH) {
    req_error(r, 404, OCI_UNSUPPORTED, "no such endpoint", path);
    return;
  }
  if (rr == ROUTE_NO_METHOD) {
    req_error(r, 405, OCI_UNSUPPORTED, "method not allowed on this endpoint", r->method);
    return;
  }
  const char *name = req_param(r, "name");
  if (name && r->route->api == API_OCI && !reg_name_valid(name)) {
    req_error(r, 400, OCI_NAME_INVALID, "invalid repository name", name);
    return;
  }
  if (!authorize(r, &rp->csrf_defer))
    return;
  const char *cl = req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (cl) {
    char *end;
    errno = 0;
    long long v = strtoll(cl, &end, 10);
    if (!errno && *end == '\0' && v >= 0)
      r->content_length = v;
  }
  if (r->route->body == BODY_BUFFER) {
    r->body.cap = r->route->body_cap ? r->route->body_cap : app->json_max;
    /* /v2's one buffered body is a manifest: manifest_max_bytes rules, not
     * the route row's built-in 4 MiB (which ignored the setting) */
    if (r->route->api == API_OCI && app->manifest_max)
      r->body.cap = app->manifest_max;
    if (r->content_length > (int64_t)r->body.cap) {
      req_error(r, 413, OCI_SIZE_INVALID, "request body too large",
                pool_printf(r->pool, "at most %zu bytes", r->body.cap));
      return;
    }
  }
  if (r->route->begin)
    r->route->begin(r);
}

/* A body trickling in slower than body_min_rate (averaged from the end of
 * the headers, after a grace of header_timeout) holds a connection and
 * maybe an upload's lock for nothing: the caller drops the connection. */
static int body_too_slow(const struct req_priv *rp)
{
  const struct http_options *o = &rp->srv->opt;
  if (!o->body_min_rate)
    return 0;
  int64_t us = time_mono_us() - rp->r.start_us;
  int64_t grace = (int64_t)(o->header_timeout ? o->header_timeout : 30) * 1000000;
  if (us <= grace)
    return 0;
  return (double)rp->r.bytes_in < (double)o->body_min_rate * ((double)us / 1e6);
}

static void feed_body(struct req_priv *rp, const char *data, size_t len)
{
  struct req *r = &rp->r;
  r->bytes_in += len;
  if (r->resp || !r->route || !r->route->handler)
    return;
  switch (r->route->body) {
  case BODY_NONE:
    break;
  case BODY_BUFFER:
    if (!rp->body_too_big && buf_append(&r->body, data, len) != 0)
      rp->body_too_big = 1;
    break;
  case BODY_STREAM:
    if (r->sink && !r->sink_err)
      r->sink_err = r->sink(r, data, len);
    break;
  }
}

static void run_handler(struct req_priv *rp)
{
  struct req *r = &rp->r;
  if (rp->body_too_big)
    req_error(r, 413, OCI_SIZE_INVALID, "request body too large",
              pool_printf(r->pool, "at most %zu bytes", r->body.cap));
  else if (rp->csrf_defer && webauth_check_form(r) != 0)
    ; /* answered 403 */
  else if (r->route && r->route->handler)
    r->route->handler(r);
  if (!r->resp) {
    LOG(LOG_ERROR, "handler for %s %s gave no response", r->method, r->path);
    req_error(r, 500, "UNKNOWN", "internal error", NULL);
  }
}

static enum MHD_Result queue(struct req_priv *rp)
{
  struct req *r = &rp->r;
  if (rp->queued)
    return MHD_YES;
  if (!r->resp) {
    req_error(r, 500, "UNKNOWN", "internal error", NULL);
    if (!r->resp)
      return MHD_NO;
  }
  if (r->status == 401 && r->route && r->route->api == API_OCI &&
      !req_has_header_set(r, "WWW-Authenticate"))
    set_challenge(r, NULL);
  struct MHD_Response *resp = r->resp;
  req_finish_headers(r);
  MHD_add_response_header(resp, "X-Request-Id", r->id);
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  if (r->route && r->route->api == API_OCI)
    MHD_add_response_header(resp, "Docker-Distribution-API-Version", "registry/2.0");
  enum MHD_Result ret = MHD_queue_response(r->conn, r->status, resp);
  MHD_destroy_response(resp);
  r->resp = (void *)1; /* responded; the response now belongs to MHD */
  rp->queued = 1;
  return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
  struct http_server *s = cls;
  struct req_priv *rp = *con_cls;
  (void)version;
  if (!rp) {
    rp = req_new(s, conn, url, method);
    if (!rp)
      return MHD_NO;
    *con_cls = rp;
    conn_guard_request_begin(conn);
    atomic_fetch_add(&s->inflight, 1);
    metrics_request_begin();
    log_set_request_id(rp->r.id);
    dispatch_headers(rp, url);
    log_set_request_id(NULL);
    /* an answer from the headers alone goes out now; MHD skips the body */
    return rp->r.resp ? queue(rp) : MHD_YES;
  }
  log_set_request_id(rp->r.id);
  if (*upload_data_size) {
    if (!rp->queued && body_too_slow(rp)) {
      LOG(LOG_INFO, "closing a connection whose request body arrives slower than %u bytes/s",
          s->opt.body_min_rate);
      rp->r.error_code = "BODY_TOO_SLOW";
      log_set_request_id(NULL);
      return MHD_NO;
    }
    feed_body(rp, upload_data, *upload_data_size);
    *upload_data_size = 0;
    log_set_request_id(NULL);
    return MHD_YES;
  }
  if (!rp->r.resp)
    run_handler(rp);
  enum MHD_Result ret = queue(rp);
  log_set_request_id(NULL);
  return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
  struct http_server *s = cls;
  struct req_priv *rp = *con_cls;
  if (!rp)
    return;
  struct req *r = &rp->r;
  conn_guard_request_end(conn);
  int64_t us = time_mono_us() - r->start_us;
  int done = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
  struct log_access_rec line = {
    .method = r->method, .path = r->path, .status = r->status, .bytes_in = r->bytes_in,
    .bytes_out = done ? r->bytes_out : 0, .duration_us = us, .principal = r->principal.name,
    .ip = rp->ip, .op = r->route ? r->route->op_id : "-", .error = r->error_code,
    .aborted = !done, .request_id = r->id,
  };
  if (!s->app->cfg || s->app->cfg->access_log)
    log_access(&line);
  metrics_request_end(r->route, r->status, r->bytes_in,
                      toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? r->bytes_out : 0, us);
  log_set_request_id(r->id);
  pool_free(r->pool); /* runs cleanups: writers, fds, temp state */
  log_set_request_id(NULL);
  *con_cls = NULL;
  atomic_fetch_sub(&s->inflight, 1);
}

static int bind_addr(struct sockaddr_storage *ss, int *is6, const char *host, int port)
{
  memset(ss, 0, sizeof(*ss));
  struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *is6 = 0;
    return 0;
  }
  if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    *is6 = 1;
    return 0;
  }
  if (strcmp(host, "localhost") == 0)
    return bind_addr(ss, is6, "127.0.0.1", port);
  return ERR_INVALID;
}

/* max_connections sockets plus the stores' files must fit under the
 * descriptor limit: past it accept() fails and libmicrohttpd stops
 * accepting, so new clients would hang in the backlog instead of being
 * refused. Raises the soft limit toward the hard one when it is short. */
static void fd_limit_fit(unsigned max_connections)
{
  struct rlimit rl;
  rlim_t want = (rlim_t)max_connections + 256;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
    return;
  rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
    LOG(LOG_WARN, "open-file limit %llu is below max_connections + 256 (%llu): raise it "
        "(ulimit -n) or lower max_connections", (unsigned long long)rl.rlim_cur,
        (unsigned long long)want);
}

int http_start(struct http_server **out, struct app *app, const struct http_options *opt,
               char *err, size_t errlen)
{
  struct sockaddr_storage ss;
  int is6 = 0;
  if (bind_addr(&ss, &is6, opt->host, opt->port) != 0) {
    snprintf(err, errlen, "listen address '%s' is not a numeric IPv4/IPv6 address or localhost",
             opt->host);
    return ERR_INVALID;
  }
  struct http_server *s = calloc(1, sizeof(*s));
  if (!s)
    return ERR_NOMEM;
  s->app = app;
  s->opt = *opt;
  if (clientip_list_parse(s->trusted, sizeof(s->trusted),
                          app->cfg ? app->cfg->trusted_proxies : NULL) != 0) {
    snprintf(err, errlen, "trusted_proxies must be IP addresses or CIDRs separated by commas");
    free(s);
    return ERR_INVALID;
  }
  /* poll, not epoll: libmicrohttpd 0.9.75's edge-triggered epoll mode misses
   * a FIN that arrives with the last body bytes, so a client that sends part
   * of an upload and disconnects would hold the upload's lock in CLOSE-WAIT
   * until the idle timeout (docs/design.md, tests/e2e/test_errors.py). */
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                   MHD_USE_ERROR_LOG | (is6 ? MHD_USE_IPv6 : 0) | (opt->tls ? MHD_USE_TLS : 0);
  /* The per-connection memory bounds headers and the read buffer; uploads
   * stream through it, so it is sized for throughput, and headers get
   * their own cap (max_header_bytes) checked in dispatch_headers. */
  /* libmicrohttpd clears the whole pool between requests on a connection:
   * at 256 KiB that memset was 83 % of a manifest GET's instructions
   * (docs/PERFORMANCE.md), so 64 KiB — still a fair upload read size */
  size_t conn_mem = 64 * 1024;
  if (opt->max_header_bytes * 2 > conn_mem)
    conn_mem = opt->max_header_bytes * 2;
  fd_limit_fit(opt->max_connections);
  if (opt->header_timeout &&
      conn_guard_new(&s->guard, opt->header_timeout, opt->connection_timeout) != 0) {
    snprintf(err, errlen, "cannot start the slow-client watchdog thread");
    free(s);
    return ERR_INTERNAL;
  }
  s->d = MHD_start_daemon(
    flags, (uint16_t)opt->port, NULL, NULL, on_request, s,
    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(opt->threads ? opt->threads : 1),
    MHD_OPTION_CONNECTION_LIMIT, opt->max_connections,
    MHD_OPTION_CONNECTION_TIMEOUT, opt->connection_timeout,
    MHD_OPTION_CONNECTION_MEMORY_LIMIT, conn_mem,
    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
    MHD_OPTION_NOTIFY_CONNECTION, s->guard ? conn_guard_notify : NULL, s->guard,
    MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
    /* native TLS (server/tls.c serves the certificates); without it the
     * list ends here and the callback argument is never read */
    opt->tls ? MHD_OPTION_HTTPS_CERT_CALLBACK : MHD_OPTION_END, tls_cert_callback(),
    MHD_OPTION_END);
  if (!s->d) {
    snprintf(err, errlen, "cannot listen on %s:%d (address in use or not permitted); choose another with --listen",
             opt->host, opt->port);
    conn_guard_free(s->guard);
    free(s);
    return ERR_IO;
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
  s->port = di ? di->port : opt->port;
  *out = s;
  return 0;
}

int http_port(const struct http_server *s)
{
  return s->port;
}

void http_stop(struct http_server *s, unsigned grace_seconds)
{
  if (!s)
    return;
  MHD_socket lfd = MHD_quiesce_daemon(s->d);
  if (lfd != MHD_INVALID_SOCKET)
    close(lfd);
  int64_t deadline = time_mono_us() + (int64_t)grace_seconds * 1000000;
  int waited = 0;
  while (atomic_load(&s->inflight) > 0 && time_mono_us() < deadline) {
    if (!waited++)
      LOG(LOG_INFO, "waiting for %d in-flight request(s) to finish", atomic_load(&s->inflight));
    usleep(20000);
  }
  if (atomic_load(&s->inflight) > 0)
    LOG(LOG_WARN, "grace period over; closing %d request(s)", atomic_load(&s->inflight));
  MHD_stop_daemon(s->d);
  conn_guard_free(s->guard);
  free(s);
}
