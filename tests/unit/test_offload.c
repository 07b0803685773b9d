/* util/offload: jobs run on the pool's threads, beside the submitter; a
 * wait returns only once the job's function has returned; many jobs from
 * several submitters all run exactly once; stop runs what is still queued. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/offload.h"

struct gate {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int open;
};

struct job {
  struct offload_job base; /* first */
  struct gate *gate;       /* wait for it to open first (NULL: don't) */
  pthread_t ran_on;
  atomic_int runs;
  int value;
};

static void run(struct offload_job *oj)
{
  struct job *j = (struct job *)oj;
  if (j->gate) {
    pthread_mutex_lock(&j->gate->mu);
    while (!j->gate->open)
      pthread_cond_wait(&j->gate->cv, &j->gate->mu);
    pthread_mutex_unlock(&j->gate->mu);
  }
  j->ran_on = pthread_self();
  j->value = j->value * 2 + 1;
  atomic_fetch_add(&j->runs, 1);
}

static void test_runs_elsewhere_and_wait_waits(void **state)
{
  (void)state;
  struct offload *o = NULL;
  assert_int_equal(offload_start(&o, 2, "test-offload"), 0);
  struct gate g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
  struct job j;
  memset(&j, 0, sizeof(j));
  j.base.fn = run;
  j.gate = &g;
  j.value = 20;
  offload_submit(o, &j.base);
  struct timespec ts = { 0, 50 * 1000000L };
  nanosleep(&ts, NULL);
  assert_int_equal(atomic_load(&j.runs), 0); /* held at the gate: not done */
  pthread_mutex_lock(&g.mu);
  g.open = 1;
  pthread_cond_broadcast(&g.cv);
  pthread_mutex_unlock(&g.mu);
  offload_wait(o, &j.base);
  assert_int_equal(atomic_load(&j.runs), 1);
  assert_int_equal(j.value, 41);
  assert_false(pthread_equal(j.ran_on, pthread_self()));
  offload_wait(o, &j.base); /* waited for already: returns at once */
  struct job never;
  memset(&never, 0, sizeof(never));
  offload_wait(o, &never.base); /* never submitted: at once */
  offload_stop(o);
}

enum { SUBMITTERS = 4, EACH = 500 };

struct submitter {
  struct offload *o;
  struct job jobs[EACH];
};

static void *submit_all(void *arg)
{
  struct submitter *s = arg;
  for (int i = 0; i < EACH; i++) {
    s->jobs[i].base.fn = run;
    s->jobs[i].value = i;
    offload_submit(s->o, &s->jobs[i].base);
    if (i % 2) /* wait for some right away, leave the rest queued */
      offload_wait(s->o, &s->jobs[i].base);
  }
  for (int i = 0; i < EACH; i++)
    offload_wait(s->o, &s->jobs[i].base);
  return NULL;
}

static void test_many_submitters(void **state)
{
  (void)state;
  static struct submitter subs[SUBMITTERS];
  memset(subs, 0, sizeof(subs));
  struct offload *o = NULL;
  assert_int_equal(offload_start(&o, 3, "test-offload"), 0);
  pthread_t t[SUBMITTERS];
  for (int i = 0; i < SUBMITTERS; i++) {
    subs[i].o = o;
    assert_int_equal(pthread_create(&t[i], NULL, submit_all, &subs[i]), 0);
  }
  for (int i = 0; i < SUBMITTERS; i++)
    pthread_join(t[i], NULL);
  for (int i = 0; i < SUBMITTERS; i++)
    for (int k = 0; k < EACH; k++) {
      assert_int_equal(atomic_load(&subs[i].jobs[k].runs), 1);
      assert_int_equal(subs[i].jobs[k].value, k * 2 + 1);
    }
  offload_stop(o);
}

static void test_stop_runs_queued(void **state)
{
  (void)state;
  struct offload *o = NULL;
  assert_int_equal(offload_start(&o, 1, "test-offload"), 0);
  static struct job jobs[64];
  memset(jobs, 0, sizeof(jobs));
  for (int i = 0; i < 64; i++) {
    jobs[i].base.fn = run;
    offload_submit(o, &jobs[i].base);
  }
  offload_stop(o); /* joins after the queue is empty */
  for (int i = 0; i < 64; i++)
    assert_int_equal(atomic_load(&jobs[i].runs), 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_runs_elsewhere_and_wait_waits),
    cmocka_unit_test(test_many_submitters),
    cmocka_unit_test(test_stop_runs_queued),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
