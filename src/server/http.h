#ifndef WHARF_SERVER_HTTP_H
#define WHARF_SERVER_HTTP_H

#include <stddef.h>

#include "server/app.h"

/* The HTTP server over libmicrohttpd: thread pool with epoll, keep-alive,
 * limits, request ids, access log, graceful shutdown. */
struct http_server;

struct http_options {
  const char *host;         /* numeric address to bind */
  int port;
  unsigned threads;         /* worker threads (>= 1) */
  unsigned max_connections;
  size_t max_header_bytes;  /* request line + headers */
  unsigned connection_timeout; /* idle seconds */
  unsigned header_timeout;  /* seconds a new connection gets to send its request headers; 0 none */
  unsigned body_min_rate;   /* bytes/s a request body must average after header_timeout; 0 none */
  int tls;                  /* 1: HTTPS with the certificates tls_load() read (server/tls.h) */
};

/* Binds and starts serving; the caller keeps app alive until http_stop().
 * ERR_IO with a message in err when the address cannot be bound. */
int http_start(struct http_server **out, struct app *app, const struct http_options *opt,
               char *err, size_t errlen);
/* Port actually bound (useful with port 0). */
int http_port(const struct http_server *s);
/* Stops accepting, lets in-flight requests finish for up to grace_seconds,
 * then closes everything and frees the server. */
void http_stop(struct http_server *s, unsigned grace_seconds);

/* Adds the headers set with req_set_header to the response (server-private). */
struct req;
void req_finish_headers(struct req *r);
/* Whether a response header of that name was set with req_set_header. */
int req_has_header_set(const struct req *r, const char *name);

#endif
