/* util/ticker: the periodic thread behind the upload janitor, the GC
 * schedule and audit retention runs at once only when asked to, and
 * stopping it does not wait out the interval. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "util/ticker.h"

static void count(void *arg)
{
  atomic_fetch_add((atomic_int *)arg, 1);
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_run_first(void **state)
{
  (void)state;
  atomic_int n;
  atomic_init(&n, 0);
  struct ticker *t = NULL;
  assert_int_equal(ticker_start(&t, 3600, 1, count, &n), 0);
  for (int i = 0; i < 500 && atomic_load(&n) == 0; i++)
    nanosleep(&(struct timespec){ .tv_nsec = 2000000 }, NULL);
  double t0 = now_s();
  ticker_stop(t);
  assert_true(now_s() - t0 < 5.0); /* woken, not waited out */
  assert_int_equal(atomic_load(&n), 1);
}

static void test_wait_first(void **state)
{
  (void)state;
  atomic_int n;
  atomic_init(&n, 0);
  struct ticker *t = NULL;
  assert_int_equal(ticker_start(&t, 3600, 0, count, &n), 0);
  nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
  double t0 = now_s();
  ticker_stop(t);
  assert_true(now_s() - t0 < 5.0);
  assert_int_equal(atomic_load(&n), 0);
  ticker_stop(NULL);
}

static void test_interval(void **state)
{
  (void)state;
  atomic_int n;
  atomic_init(&n, 0);
  struct ticker *t = NULL;
  assert_int_equal(ticker_start(&t, 0, 0, count, &n), 0); /* 0 counts as 1 second */
  for (int i = 0; i < 300 && atomic_load(&n) < 1; i++)
    nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
  ticker_stop(t);
  assert_true(atomic_load(&n) >= 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_run_first),
    cmocka_unit_test(test_wait_first),
    cmocka_unit_test(test_interval),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
