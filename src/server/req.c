#include "server/req.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>

#include "config/config.h"
#include "server/app.h"
#include "server/router.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/utf8.h"

struct req_hdr {
  struct req_hdr *next;
  const char *name, *value;
};

const char *req_param(const struct req *r, const char *name)
{
  for (int i = 0; i < r->nparams; i++)
    if (strcmp(r->param_names[i], name) == 0)
      return r->param_values[i];
  return NULL;
}

const char *req_header(const struct req *r, const char *name)
{
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct each_ctx {
  const char *name;
  int (*fn)(void *ctx, const char *value);
  void *ctx;
};

static enum MHD_Result each_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
  struct each_ctx *e = cls;
  (void)kind;
  if (key && value && strcasecmp(key, e->name) == 0 && e->fn(e->ctx, value) != 0)
    return MHD_NO;
  return MHD_YES;
}

void req_header_each(const struct req *r, const char *name,
                     int (*fn)(void *ctx, const char *value), void *ctx)
{
  struct each_ctx e = { name, fn, ctx };
  MHD_get_connection_values(r->conn, MHD_HEADER_KIND, each_cb, &e);
}

const char *req_query(const struct req *r, const char *name)
{
  const char *raw = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
  if (!raw) {
    /* present without a value ("?mount&from=") */
    if (MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), NULL,
                                      NULL) == MHD_YES)
      return "";
    return NULL;
  }
  return router_decode_query(r->pool, raw);
}

struct qeach_ctx {
  const struct req *r;
  const char *name;
  int (*fn)(void *ctx, const char *value);
  void *ctx;
};

static enum MHD_Result qeach_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
  struct qeach_ctx *e = cls;
  (void)kind;
  if (!key || strcmp(key, e->name) != 0)
    return MHD_YES;
  const char *v = value ? router_decode_query(e->r->pool, value) : "";
  if (v && e->fn(e->ctx, v) != 0)
    return MHD_NO;
  return MHD_YES;
}

void req_query_each(const struct req *r, const char *name,
                    int (*fn)(void *ctx, const char *value), void *ctx)
{
  struct qeach_ctx e = { r, name, fn, ctx };
  MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, qeach_cb, &e);
}

/* public_host split into its scheme ("https"/"http", NULL when not given)
 * and host (config.c validated it); 0 when it is not set. */
static int public_host(const struct req *r, const char **out_scheme, const char **out_host,
                       size_t *out_len)
{
  const char *v = r->app && r->app->cfg ? r->app->cfg->public_host : NULL;
  if (!v || !*v)
    return 0;
  const char *scheme = NULL;
  if (strncmp(v, "https://", 8) == 0) {
    scheme = "https";
    v += 8;
  } else if (strncmp(v, "http://", 7) == 0) {
    scheme = "http";
    v += 7;
  }
  size_t n = strlen(v);
  if (n && v[n - 1] == '/')
    n--;
  *out_scheme = scheme;
  *out_host = v;
  *out_len = n;
  return 1;
}

const char *req_host(const struct req *r)
{
  const char *ps, *ph;
  size_t pn;
  if (public_host(r, &ps, &ph, &pn)) {
    const char *h = ph[pn] ? pool_strndup(r->pool, ph, pn) : ph;
    return h ? h : "localhost";
  }
  const char *h = req_header(r, MHD_HTTP_HEADER_HOST);
  if (!h || !*h || strlen(h) > 255)
    return "localhost";
  for (const char *c = h; *c; c++)
    if (!(isalnum((unsigned char)*c) || strchr(".-:[]_", *c)))
      return "localhost";
  return h;
}

const char *req_scheme(const struct req *r)
{
  const char *ps, *ph;
  size_t pn;
  if (public_host(r, &ps, &ph, &pn) && ps)
    return ps;
  return r->scheme ? r->scheme : "http";
}

const char *req_public_base(const struct req *r)
{
  const char *ps, *ph;
  size_t pn;
  if (!public_host(r, &ps, &ph, &pn))
    return "";
  const char *base = pool_printf(r->pool, "%s://%.*s", req_scheme(r), (int)pn, ph);
  return base ? base : "";
}

int req_set_header(struct req *r, const char *name, const char *value)
{
  struct req_hdr *h = pool_alloc(r->pool, sizeof(*h));
  if (!h)
    return ERR_NOMEM;
  h->name = pool_strdup(r->pool, name);
  h->value = pool_strdup(r->pool, value);
  if (!h->name || !h->value)
    return ERR_NOMEM;
  h->next = r->hdrs;
  r->hdrs = h;
  return 0;
}

int req_set_headerf(struct req *r, const char *name, const char *fmt, ...)
{
  va_list ap;
  char small[512];
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof(small), fmt, ap);
  va_end(ap);
  if (n < 0)
    return ERR_INVALID;
  if ((size_t)n < sizeof(small))
    return req_set_header(r, name, small);
  char *big = pool_alloc(r->pool, (size_t)n + 1);
  if (!big)
    return ERR_NOMEM;
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return req_set_header(r, name, big);
}

/* Applies the pending headers, oldest first, to the MHD response. */
static void apply_headers(struct MHD_Response *resp, struct req_hdr *h)
{
  if (!h)
    return;
  apply_headers(resp, h->next);
  MHD_add_response_header(resp, h->name, h->value);
}

static int set_response(struct req *r, unsigned status, struct MHD_Response *resp,
                        const char *ctype, uint64_t bytes)
{
  if (!resp)
    return ERR_NOMEM;
  if (r->resp) {
    /* a handler must respond once; keep the first answer */
    LOG(LOG_ERROR, "second response for %s %s ignored", r->method, r->path);
    MHD_destroy_response(resp);
    return ERR_INTERNAL;
  }
  if (ctype)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
  r->resp = resp;
  r->status = status;
  r->bytes_out = r->is_head ? 0 : bytes;
  return 0;
}

int req_has_header_set(const struct req *r, const char *name)
{
  for (const struct req_hdr *h = r->hdrs; h; h = h->next)
    if (strcasecmp(h->name, name) == 0)
      return 1;
  return 0;
}

void req_finish_headers(struct req *r)
{
  if (r->resp)
    apply_headers(r->resp, r->hdrs);
}

static ssize_t never_read(void *cls, uint64_t pos, char *buf, size_t max)
{
  (void)cls;
  (void)pos;
  (void)buf;
  (void)max;
  return MHD_CONTENT_READER_END_WITH_ERROR;
}

int req_respond(struct req *r, unsigned status, const char *ctype, const void *body, size_t len)
{
  struct MHD_Response *resp =
    MHD_create_response_from_buffer(len, (void *)(len ? body : ""), MHD_RESPMEM_MUST_COPY);
  return set_response(r, status, resp, ctype, len);
}

int req_respond_json(struct req *r, unsigned status, json_t *j)
{
  char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  if (!s) {
    req_respond(r, 500, "application/json", "{}", 2);
    return ERR_NOMEM;
  }
  size_t n = strlen(s);
  struct MHD_Response *resp = MHD_create_response_from_buffer(n, s, MHD_RESPMEM_MUST_FREE);
  if (!resp)
    free(s);
  return set_response(r, status, resp, "application/json", n);
}

int req_respond_fd(struct req *r, unsigned status, const char *ctype, int fd, uint64_t offset,
                   uint64_t length)
{
  struct MHD_Response *resp;
  if (r->is_head) {
    /* HEAD: the right Content-Length without touching the file */
    close(fd);
    resp = MHD_create_response_from_callback(length, 4096, never_read, NULL, NULL);
  } else {
    resp = MHD_create_response_from_fd_at_offset64(length, fd, offset);
    if (!resp)
      close(fd);
  }
  return set_response(r, status, resp, ctype, length);
}

struct reader_ctx {
  long (*read)(void *ctx, uint64_t offset, char *buf, size_t max);
  void *ctx;
  void (*free_ctx)(void *ctx);
};

static ssize_t reader_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
  struct reader_ctx *rc = cls;
  long n = rc->read(rc->ctx, pos, buf, max);
  if (n < 0)
    return MHD_CONTENT_READER_END_WITH_ERROR;
  if (n == 0)
    return MHD_CONTENT_READER_END_OF_STREAM;
  return (ssize_t)n;
}

static void reader_free(void *cls)
{
  struct reader_ctx *rc = cls;
  if (rc->free_ctx)
    rc->free_ctx(rc->ctx);
  free(rc);
}

int req_respond_reader(struct req *r, unsigned status, const char *ctype, uint64_t length,
                       long (*read)(void *ctx, uint64_t offset, char *buf, size_t max),
                       void *ctx, void (*free_ctx)(void *ctx))
{
  struct reader_ctx *rc = malloc(sizeof(*rc));
  if (!rc) {
    if (free_ctx)
      free_ctx(ctx);
    return ERR_NOMEM;
  }
  rc->read = read;
  rc->ctx = ctx;
  rc->free_ctx = free_ctx;
  struct MHD_Response *resp;
  if (r->is_head) {
    reader_free(rc);
    resp = MHD_create_response_from_callback(length, 4096, never_read, NULL, NULL);
  } else {
    /* 1 MiB blocks: each read may be a network round trip (S3) */
    resp = MHD_create_response_from_callback(length, 1024 * 1024, reader_cb, rc, reader_free);
    if (!resp)
      reader_free(rc);
  }
  return set_response(r, status, resp, ctype, length);
}

int req_error(struct req *r, unsigned status, const char *code, const char *message,
              const char *detail)
{
  json_t *body;
  r->error_code = code;
  /* messages and details may quote client bytes: JSON needs valid UTF-8 */
  message = utf8_clean(r->pool, message, 4096);
  detail = utf8_clean(r->pool, detail, 4096);
  if (r->route && r->route->api == API_QUAY) {
    /* Quay's ApiException shape (spec §0) */
    body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "detail", detail ? detail : message,
                     "error_message", message, "error_type", code, "title", code, "type",
                     pool_printf(r->pool, "%s://%s/api/v1/error/%s", req_scheme(r), req_host(r),
                                 code),
                     "status", (int)status);
  } else {
    json_t *e = json_pack("{s:s, s:s}", "code", code, "message", message);
    if (e && detail)
      json_object_set_new(e, "detail", json_string(detail));
    body = e ? json_pack("{s:[o]}", "errors", e) : NULL;
  }
  return req_respond_json(r, status, body);
}
