/* The offload pool (util/offload.h): one mutex, a FIFO of jobs, `work` for
 * idle threads and `done` for waiters. Jobs are a few hundred microseconds
 * of hashing, so one lock is not what limits them. */
#include "util/offload.h"

#include <pthread.h>
#include <stdlib.h>

#include "util/err.h"

enum { JOB_IDLE = 0, JOB_QUEUED, JOB_RUNNING };

struct offload {
  pthread_mutex_t mu;
  pthread_cond_t work, done;
  struct offload_job *head, *tail;
  int stopping;
  unsigned n;
  pthread_t threads[];
};

static void *worker(void *arg)
{
  struct offload *o = arg;
  pthread_mutex_lock(&o->mu);
  for (;;) {
    while (!o->head && !o->stopping)
      pthread_cond_wait(&o->work, &o->mu);
    struct offload_job *j = o->head;
    if (!j)
      break; /* stopping and nothing left */
    o->head = j->next;
    if (!o->head)
      o->tail = NULL;
    j->state = JOB_RUNNING;
    pthread_mutex_unlock(&o->mu);
    j->fn(j);
    pthread_mutex_lock(&o->mu);
    j->state = JOB_IDLE;
    pthread_cond_broadcast(&o->done);
  }
  pthread_mutex_unlock(&o->mu);
  return NULL;
}

int offload_start(struct offload **out, unsigned n, const char *name)
{
  if (n == 0)
    n = 1;
  struct offload *o = calloc(1, sizeof(*o) + n * sizeof(pthread_t));
  if (!o)
    return ERR_NOMEM;
  pthread_mutex_init(&o->mu, NULL);
  pthread_cond_init(&o->work, NULL);
  pthread_cond_init(&o->done, NULL);
  for (; o->n < n; o->n++) {
    if (pthread_create(&o->threads[o->n], NULL, worker, o) != 0)
      break;
    (void)pthread_setname_np(o->threads[o->n], name); /* cosmetic: profiles and top -H */
  }
  if (o->n == 0) {
    offload_stop(o);
    return ERR_INTERNAL;
  }
  *out = o;
  return 0;
}

void offload_stop(struct offload *o)
{
  if (!o)
    return;
  pthread_mutex_lock(&o->mu);
  o->stopping = 1;
  pthread_cond_broadcast(&o->work);
  pthread_mutex_unlock(&o->mu);
  for (unsigned i = 0; i < o->n; i++)
    pthread_join(o->threads[i], NULL);
  pthread_cond_destroy(&o->done);
  pthread_cond_destroy(&o->work);
  pthread_mutex_destroy(&o->mu);
  free(o);
}

void offload_submit(struct offload *o, struct offload_job *job)
{
  pthread_mutex_lock(&o->mu);
  job->next = NULL;
  job->state = JOB_QUEUED;
  if (o->tail)
    o->tail->next = job;
  else
    o->head = job;
  o->tail = job;
  pthread_cond_signal(&o->work);
  pthread_mutex_unlock(&o->mu);
}

void offload_wait(struct offload *o, struct offload_job *job)
{
  pthread_mutex_lock(&o->mu);
  while (job->state != JOB_IDLE)
    pthread_cond_wait(&o->done, &o->mu);
  pthread_mutex_unlock(&o->mu);
}
