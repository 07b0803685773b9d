#include "util/ticker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "util/err.h"

struct ticker {
  ticker_fn fn;
  void *arg;
  unsigned interval;
  int run_first;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int stop;
};

/* Waits up to t->interval seconds or until stopped; called and returns
 * with t->mu held. */
static void ticker_wait(struct ticker *t)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += t->interval;
  while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &ts) != ETIMEDOUT)
    ;
}

static void *ticker_main(void *arg)
{
  struct ticker *t = arg;
  pthread_mutex_lock(&t->mu);
  if (!t->run_first)
    ticker_wait(t);
  while (!t->stop) {
    pthread_mutex_unlock(&t->mu);
    t->fn(t->arg);
    pthread_mutex_lock(&t->mu);
    ticker_wait(t);
  }
  pthread_mutex_unlock(&t->mu);
  return NULL;
}

int ticker_start(struct ticker **out, unsigned interval_s, int run_first, ticker_fn fn,
                 void *arg)
{
  struct ticker *t = calloc(1, sizeof(*t));
  if (!t)
    return ERR_NOMEM;
  t->fn = fn;
  t->arg = arg;
  t->interval = interval_s ? interval_s : 1;
  t->run_first = run_first;
  pthread_mutex_init(&t->mu, NULL);
  pthread_cond_init(&t->cv, NULL);
  if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
    return ERR_INTERNAL;
  }
  *out = t;
  return 0;
}

void ticker_stop(struct ticker *t)
{
  if (!t)
    return;
  pthread_mutex_lock(&t->mu);
  t->stop = 1;
  pthread_cond_signal(&t->cv);
  pthread_mutex_unlock(&t->mu);
  pthread_join(t->thread, NULL);
  pthread_mutex_destroy(&t->mu);
  pthread_cond_destroy(&t->cv);
  free(t);
}
