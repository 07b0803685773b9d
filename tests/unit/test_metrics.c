/* Tests for server/metrics.c: counting by route row and status class,
 * histogram shape, and labels that only ever hold op ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/metrics.h"
#include "server/req.h"
#include "server/router.h"

/* The row of the first route with op id `op` and method `method`. */
static const struct route *row(const char *method, const char *op)
{
  for (size_t i = 0; i < router_table_len; i++)
    if (strcmp(router_table[i].op_id, op) == 0 && strcmp(router_table[i].method, method) == 0)
      return &router_table[i];
  fail_msg("no route %s %s", method, op);
  return NULL;
}

/* The value of the sample line starting with `prefix` (-1 if none). */
static double sample(const char *text, const char *prefix)
{
  size_t n = strlen(prefix);
  for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
    if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
      return strtod(p + n + 1, NULL);
  return -1;
}

static void test_counts(void **state)
{
  (void)state;
  const struct route *get = row("GET", "end-3"), *head = row("HEAD", "end-3");
  for (int i = 0; i < 3; i++) {
    metrics_request_begin();
    metrics_request_end(get, 200, 10, 1000, 3000);  /* 3 ms */
  }
  metrics_request_begin();
  metrics_request_end(head, 404, 0, 0, 40000000);   /* 40 s: only +Inf */
  metrics_request_begin();
  metrics_request_end(row("PUT", "end-7"), 201, 500, 0, 20000);
  metrics_request_begin();
  metrics_request_end(NULL, 404, 0, 0, 100);
  metrics_request_begin(); /* still running */
  char *text = NULL;
  assert_int_equal(metrics_render(&text), 0);
  assert_true(sample(text, "wharf_http_requests_total{op=\"end-3\",code=\"2xx\"}") == 3);
  /* GET and HEAD share end-3: one series, not two */
  assert_true(sample(text, "wharf_http_requests_total{op=\"end-3\",code=\"4xx\"}") == 1);
  assert_true(sample(text, "wharf_http_requests_total{op=\"none\",code=\"4xx\"}") == 1);
  assert_true(sample(text, "wharf_registry_pulls_total") == 3);
  assert_true(sample(text, "wharf_registry_pushes_total") == 1);
  assert_true(sample(text, "wharf_http_request_bytes_total") == 530);
  assert_true(sample(text, "wharf_http_response_bytes_total") == 3000);
  assert_true(sample(text, "wharf_http_active_requests") == 1);
  assert_true(sample(text, "wharf_http_request_duration_seconds_bucket{op=\"end-3\",le=\"0.005\"}") == 3);
  assert_true(sample(text, "wharf_http_request_duration_seconds_bucket{op=\"end-3\",le=\"30\"}") == 3);
  assert_true(sample(text, "wharf_http_request_duration_seconds_bucket{op=\"end-3\",le=\"+Inf\"}") == 4);
  assert_true(sample(text, "wharf_http_request_duration_seconds_count{op=\"end-3\"}") == 4);
  assert_true(sample(text, "process_resident_memory_bytes") > 0);
  assert_true(sample(text, "wharf_process_uptime_seconds") >= 0);
  /* a series appears only once it has counts */
  assert_null(strstr(text, "op=\"end-10\""));
  free(text);
  metrics_request_end(NULL, 200, 0, 0, 0);
}

static void test_odd_status(void **state)
{
  (void)state;
  metrics_request_begin();
  metrics_request_end(NULL, 0, 0, 0, -5); /* aborted before any response */
  char *text = NULL;
  assert_int_equal(metrics_render(&text), 0);
  assert_true(sample(text, "wharf_http_requests_total{op=\"none\",code=\"5xx\"}") >= 1);
  free(text);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_counts),
    cmocka_unit_test(test_odd_status),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
