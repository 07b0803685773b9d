#ifndef WHARF_SERVER_REQ_H
#define WHARF_SERVER_REQ_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "auth/auth.h"
#include "server/app.h"
#include "util/buf.h"

/* A request as handlers see it. Handlers read the fields below, call the
 * req_* functions, and produce exactly one response with a req_respond_* or
 * req_error call. Everything allocated for the request lives in r->pool. */

enum api_kind { API_OCI = 0, API_QUAY = 1, API_PLAIN = 2 };

enum body_mode {
  BODY_NONE = 0,   /* a body is read and discarded */
  BODY_BUFFER,     /* collected into r->body up to route->body_cap */
  BODY_STREAM      /* passed to r->sink as it arrives (set by route->begin) */
};

struct req;

struct route {
  const char *method;                /* "GET", "HEAD", ... */
  const char *pattern;               /* "/v2/{name}/blobs/{digest}": {name} spans segments */
  enum perm perm;                    /* checked against {name} before any handler runs */
  enum body_mode body;
  size_t body_cap;                   /* BODY_BUFFER cap in bytes (0: app->json_max) */
  int (*begin)(struct req *r);       /* optional, with headers only: may respond early or set a sink */
  int (*handler)(struct req *r);     /* with the whole body; must respond */
  const char *op_id;                 /* operation id (OCI end-N name / Quay nickname) */
  enum api_kind api;                 /* error body format */
  unsigned scope;                    /* API token scope required (SCOPE_*), 0: none */
};

#define REQ_MAX_PARAMS 4

struct req {
  struct pool *pool;
  struct app *app;
  const struct route *route;
  char id[24];                       /* request id, also sent as X-Request-Id */
  const char *method;
  const char *path;                  /* percent-decoded path */
  int is_head;
  struct principal principal;
  /* the client's address: the peer, or what X-Forwarded-For says when the
   * peer is a trusted proxy (config trusted_proxies); "-" if unknown */
  const char *client_ip;
  /* "https" when served over native TLS, or when a trusted proxy says
   * X-Forwarded-Proto: https; else "http" (for absolute URLs we send) */
  const char *scheme;
  const char *param_names[REQ_MAX_PARAMS];
  const char *param_values[REQ_MAX_PARAMS];
  int nparams;
  struct buf body;                   /* BODY_BUFFER */
  int64_t content_length;            /* -1 if not given */
  /* BODY_STREAM: called with each piece; a non-zero return is kept in
   * sink_err, the rest of the body is discarded, and the handler decides. */
  int (*sink)(struct req *r, const char *data, size_t len);
  void *sink_ctx;
  int sink_err;
  uint64_t bytes_in;
  /* set by the response functions */
  void *resp;                        /* struct MHD_Response * */
  void *hdrs;                        /* response headers set so far (server-private) */
  unsigned status;
  uint64_t bytes_out;
  const char *error_code;            /* for the access log */
  void *conn;                        /* struct MHD_Connection * */
  int64_t start_us;
};

/* Route parameter by name ("name", "digest", "reference", "uuid"); NULL if absent. */
const char *req_param(const struct req *r, const char *name);
/* First request header of that name (case-insensitive); NULL if absent. */
const char *req_header(const struct req *r, const char *name);
/* Calls fn for every request header of that name; stops when fn returns non-zero. */
void req_header_each(const struct req *r, const char *name,
                     int (*fn)(void *ctx, const char *value), void *ctx);
/* Percent-decoded query parameter; NULL if absent, "" if present without value. */
const char *req_query(const struct req *r, const char *name);
/* Calls fn with every decoded value of a repeated query parameter. */
void req_query_each(const struct req *r, const char *name,
                    int (*fn)(void *ctx, const char *value), void *ctx);
/* The configured public_host's host[:port] when set, else the Host the
 * client addressed (validated), or "localhost". Owned by r's pool or static. */
const char *req_host(const struct req *r);
/* "https" or "http" as the client sees it: public_host's scheme when it is
 * a URL, else native TLS, or X-Forwarded-Proto from a trusted proxy. For
 * absolute URLs built with req_host. */
const char *req_scheme(const struct req *r);
/* "scheme://host[:port]" of public_host when set, "" when not (then URLs
 * stay relative to whatever the client addressed). Owned by r's pool. */
const char *req_public_base(const struct req *r);

/* Adds a response header, before or after the respond call (copied). */
int req_set_header(struct req *r, const char *name, const char *value);
int req_set_headerf(struct req *r, const char *name, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* Responds with a copy of body (len 0: empty). ctype may be NULL. */
int req_respond(struct req *r, unsigned status, const char *ctype, const void *body, size_t len);
/* Responds with j serialized compactly; takes ownership of j. */
int req_respond_json(struct req *r, unsigned status, json_t *j);
/* Responds with len bytes of fd from offset (sendfile); takes ownership of fd.
 * `length` is the Content-Length sent (for HEAD too). */
int req_respond_fd(struct req *r, unsigned status, const char *ctype, int fd, uint64_t offset,
                   uint64_t length);
/* Responds with `length` bytes produced by read(ctx, offset, buf, max) —
 * for blob backends without fds (S3). read returns bytes written (> 0), 0 at
 * the end, or -1 on error (the connection is then closed: the client sees a
 * short body, never wrong bytes). free_ctx(ctx) runs when the response is
 * done (NULL ok). */
int req_respond_reader(struct req *r, unsigned status, const char *ctype, uint64_t length,
                       long (*read)(void *ctx, uint64_t offset, char *buf, size_t max),
                       void *ctx, void (*free_ctx)(void *ctx));
/* Error body in the route's API format: OCI {"errors":[{code,message,detail}]}
 * or Quay's {"detail","error_message","error_type","title","type","status"}.
 * detail may be NULL. */
int req_error(struct req *r, unsigned status, const char *code, const char *message,
              const char *detail);

#endif
