#ifndef WHARF_SERVER_CONN_GUARD_H
#define WHARF_SERVER_CONN_GUARD_H

#include <stdint.h>

#include <microhttpd.h>

/* Cuts off connections that hold a slot without sending a request
 * (slowloris): libmicrohttpd's connection timeout is an idle timeout, so a
 * client sending one header byte a second would keep its connection for
 * ever. A watchdog thread shuts down any connection whose request headers
 * have not all arrived by its deadline. */
struct conn_guard;

/* Starts the watchdog. A new connection must complete its first request's
 * headers within header_timeout seconds; between requests on a keep-alive
 * connection the next request's headers get idle_timeout seconds. */
int conn_guard_new(struct conn_guard **out, unsigned header_timeout, unsigned idle_timeout);
/* Stops the watchdog and frees g; call after the daemon has stopped. */
void conn_guard_free(struct conn_guard *g);
/* The MHD_OPTION_NOTIFY_CONNECTION callback (cls is the guard). */
void conn_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                       enum MHD_ConnectionNotificationCode code);
/* A request's headers have arrived on c: no deadline while it is served. */
void conn_guard_request_begin(struct MHD_Connection *c);
/* c's request is done: the next one's headers are due within idle_timeout. */
void conn_guard_request_end(struct MHD_Connection *c);
/* Connections cut off so far (for tests and metrics). */
uint64_t conn_guard_cut_count(const struct conn_guard *g);

#endif
