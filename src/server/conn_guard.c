/* Connection guard: a deadline for each connection's request headers.
 *
 * The watchdog never closes a socket: it calls shutdown(2) on it, so the fd
 * stays libmicrohttpd's; the connection's thread then sees the end of
 * stream and closes it as if the client had gone. Entries are removed in
 * the MHD_CONNECTION_NOTIFY_CLOSED callback, which libmicrohttpd runs before
 * it closes the fd, and the watchdog holds the same mutex while it shuts a
 * socket down, so it can never touch a reused fd number. */
#include "server/conn_guard.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#define GUARD_TICK_MS 250

struct guard_conn {
  struct guard_conn *prev, *next;
  struct conn_guard *g;
  int fd;
  int64_t deadline_us; /* 0 while a request is being served */
  int cut;
};

struct conn_guard {
  pthread_mutex_t mu; /* guards the list, deadlines and stop */
  pthread_cond_t cv;
  pthread_t thread;
  int stop;
  int64_t header_us;
  int64_t idle_us;
  struct guard_conn head; /* list sentinel */
  atomic_uint_fast64_t ncut;
};

static void guard_sweep(struct conn_guard *g, int64_t now)
{
  for (struct guard_conn *e = g->head.next; e != &g->head; e = e->next) {
    if (e->cut || !e->deadline_us || now < e->deadline_us)
      continue;
    e->cut = 1;
    atomic_fetch_add(&g->ncut, 1);
    LOG(LOG_INFO, "closing a connection that sent no complete request in time (slow client)");
    if (shutdown(e->fd, SHUT_RDWR) != 0 && errno != ENOTCONN)
      LOG(LOG_WARN, "shutdown of a slow connection failed: errno %d", errno);
  }
}

static void *guard_main(void *arg)
{
  struct conn_guard *g = arg;
  pthread_mutex_lock(&g->mu);
  while (!g->stop) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += GUARD_TICK_MS * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&g->cv, &g->mu, &ts);
    if (!g->stop)
      guard_sweep(g, time_mono_us());
  }
  pthread_mutex_unlock(&g->mu);
  return NULL;
}

int conn_guard_new(struct conn_guard **out, unsigned header_timeout, unsigned idle_timeout)
{
  struct conn_guard *g = calloc(1, sizeof(*g));
  if (!g)
    return ERR_NOMEM;
  g->header_us = (int64_t)header_timeout * 1000000;
  g->idle_us = (int64_t)idle_timeout * 1000000;
  g->head.next = g->head.prev = &g->head;
  atomic_init(&g->ncut, 0);
  pthread_condattr_t ca;
  int ok = pthread_condattr_init(&ca) == 0;
  ok = ok && pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
       pthread_cond_init(&g->cv, &ca) == 0;
  if (ok && pthread_mutex_init(&g->mu, NULL) != 0) {
    pthread_cond_destroy(&g->cv);
    ok = 0;
  }
  if (ok && pthread_create(&g->thread, NULL, guard_main, g) != 0) {
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    ok = 0;
  }
  pthread_condattr_destroy(&ca);
  if (!ok) {
    free(g);
    return ERR_INTERNAL;
  }
  *out = g;
  return 0;
}

void conn_guard_free(struct conn_guard *g)
{
  if (!g)
    return;
  pthread_mutex_lock(&g->mu);
  g->stop = 1;
  pthread_cond_signal(&g->cv);
  pthread_mutex_unlock(&g->mu);
  pthread_join(g->thread, NULL);
  while (g->head.next != &g->head) { /* only if the daemon did not say CLOSED */
    struct guard_conn *e = g->head.next;
    g->head.next = e->next;
    free(e);
  }
  pthread_mutex_destroy(&g->mu);
  pthread_cond_destroy(&g->cv);
  free(g);
}

void conn_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                       enum MHD_ConnectionNotificationCode code)
{
  struct conn_guard *g = cls;
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct guard_conn *e = ci ? calloc(1, sizeof(*e)) : NULL;
    *socket_context = e;
    if (!e)
      return; /* unguarded: still bounded by the idle timeout */
    e->g = g;
    e->fd = ci->connect_fd;
    pthread_mutex_lock(&g->mu);
    e->deadline_us = time_mono_us() + g->header_us;
    e->next = g->head.next;
    e->prev = &g->head;
    g->head.next->prev = e;
    g->head.next = e;
    pthread_mutex_unlock(&g->mu);
    return;
  }
  struct guard_conn *e = *socket_context;
  if (!e)
    return;
  pthread_mutex_lock(&g->mu);
  e->prev->next = e->next;
  e->next->prev = e->prev;
  pthread_mutex_unlock(&g->mu);
  free(e);
  *socket_context = NULL;
}

/* Sets the deadline of c's entry: 0 for none, else now + us. */
static void guard_set(struct MHD_Connection *c, int idle)
{
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  struct guard_conn *e = ci ? ci->socket_context : NULL;
  if (!e)
    return;
  struct conn_guard *g = e->g;
  pthread_mutex_lock(&g->mu);
  e->deadline_us = idle ? time_mono_us() + g->idle_us : 0;
  pthread_mutex_unlock(&g->mu);
}

void conn_guard_request_begin(struct MHD_Connection *c)
{
  guard_set(c, 0);
}

void conn_guard_request_end(struct MHD_Connection *c)
{
  guard_set(c, 1);
}

uint64_t conn_guard_cut_count(const struct conn_guard *g)
{
  return g ? atomic_load(&g->ncut) : 0;
}
