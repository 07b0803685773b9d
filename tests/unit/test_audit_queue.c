/* The audit queue (audit/audit.h): a full queue makes emitters wait and
 * nothing is lost, stop flushes, store failures are retried, a bad entry
 * costs only itself; text is cleaned; and the SQL store under it
 * (store/audit_store.h) pages, filters and counts alike on SQLite and, with
 * $WHARF_TEST_PG, PostgreSQL. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "meta_fixture.h"

#include "audit/audit.h"
#include "server/app.h"
#include "store/audit_store.h"
#include "util/err.h"

/* --- a writer the tests control -------------------------------------------- */

#define SEEN_MAX 4096

struct sink {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int gate_closed;        /* writes block while set */
  int entered;            /* write calls that started */
  int fail_first;         /* this many calls fail with ERR_IO */
  int calls;
  size_t max_batch;
  int seen[SEEN_MAX];     /* seq of each entry stored, in order */
  size_t n;
};

static void sink_init(struct sink *s)
{
  memset(s, 0, sizeof(*s));
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
}

static void sink_destroy(struct sink *s)
{
  pthread_cond_destroy(&s->cv);
  pthread_mutex_destroy(&s->mu);
}

/* The seq an entry carries in its metadata {"seq":N}. */
static int seq_of(const struct audit_entry *e)
{
  int v = -1;
  sscanf(e->metadata_json, "{\"seq\":%d}", &v);
  return v;
}

static int sink_write(void *ctx, const struct audit_entry *e, size_t n)
{
  struct sink *s = ctx;
  pthread_mutex_lock(&s->mu);
  s->entered++;
  pthread_cond_broadcast(&s->cv);
  while (s->gate_closed)
    pthread_cond_wait(&s->cv, &s->mu);
  int call = s->calls++;
  if (call < s->fail_first) {
    pthread_mutex_unlock(&s->mu);
    return ERR_IO;
  }
  for (size_t i = 0; i < n; i++)
    if (strcmp(e[i].kind, "poison") == 0) {
      pthread_mutex_unlock(&s->mu);
      return ERR_INVALID;
    }
  if (n > s->max_batch)
    s->max_batch = n;
  for (size_t i = 0; i < n && s->n < SEEN_MAX; i++)
    s->seen[s->n++] = seq_of(&e[i]);
  pthread_mutex_unlock(&s->mu);
  return 0;
}

static void sink_open_gate(struct sink *s)
{
  pthread_mutex_lock(&s->mu);
  s->gate_closed = 0;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
}

static void sink_wait_entered(struct sink *s, int n)
{
  pthread_mutex_lock(&s->mu);
  while (s->entered < n)
    pthread_cond_wait(&s->cv, &s->mu);
  pthread_mutex_unlock(&s->mu);
}

static struct audit *start(struct sink *s, size_t queue_max, size_t batch_max)
{
  struct audit *a = NULL;
  struct audit_options o = AUDIT_OPTIONS_INIT;
  o.queue_max = queue_max;
  o.batch_max = batch_max;
  o.write = sink_write;
  o.write_ctx = s;
  assert_int_equal(audit_start(&a, NULL, &o), 0);
  return a;
}

static int emit_seq(struct app *app, const char *kind, int seq)
{
  char md[32];
  snprintf(md, sizeof(md), "{\"seq\":%d}", seq);
  struct audit_event ev = { .kind = kind, .performer_id = 7, .performer_name = "acme+bot",
                            .performer_kind = AUDIT_ACTOR_ROBOT, .namespace_name = "acme",
                            .repository = "acme/app", .ip = "10.0.0.1", .metadata_json = md };
  return audit_emit(app, &ev);
}

static void sleep_ms(long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

/* --- queue ------------------------------------------------------------------ */

struct emitter {
  struct app *app;
  int first, count;
  int done;                 /* set (under the sink's lock) when every emit returned */
  struct sink *s;
};

static void *emit_thread(void *arg)
{
  struct emitter *e = arg;
  for (int i = 0; i < e->count; i++)
    assert_int_equal(emit_seq(e->app, "pull_repo", e->first + i), 0);
  pthread_mutex_lock(&e->s->mu);
  e->done = 1;
  pthread_mutex_unlock(&e->s->mu);
  return NULL;
}

static void test_full_queue_blocks_nothing_lost(void **state)
{
  (void)state;
  struct sink s;
  sink_init(&s);
  s.gate_closed = 1;
  struct audit *a = start(&s, 4, 2);
  struct app app = { .audit = a };
  /* the writer takes the first event and blocks in the store */
  assert_int_equal(emit_seq(&app, "pull_repo", 0), 0);
  sink_wait_entered(&s, 1);
  /* four fill the queue without waiting */
  for (int i = 1; i <= 4; i++)
    assert_int_equal(emit_seq(&app, "pull_repo", i), 0);
  /* the next one has to wait for room */
  struct emitter e = { .app = &app, .first = 5, .count = 3, .s = &s };
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, emit_thread, &e), 0);
  sleep_ms(150);
  pthread_mutex_lock(&s.mu);
  int done = e.done;
  pthread_mutex_unlock(&s.mu);
  assert_false(done);
  sink_open_gate(&s);
  pthread_join(t, NULL);
  assert_true(e.done);
  audit_stop(a);
  /* all eight, in emit order, in batches of at most two */
  assert_int_equal(s.n, 8);
  for (int i = 0; i < 8; i++)
    assert_int_equal(s.seen[i], i);
  assert_true(s.max_batch <= 2);
  sink_destroy(&s);
}

static void test_stop_flushes(void **state)
{
  (void)state;
  enum { THREADS = 4, EACH = 500 };
  struct sink s;
  sink_init(&s);
  struct audit *a = start(&s, 64, 16);
  struct app app = { .audit = a };
  struct emitter e[THREADS];
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) {
    e[i] = (struct emitter){ .app = &app, .first = i * EACH, .count = EACH, .s = &s };
    assert_int_equal(pthread_create(&t[i], NULL, emit_thread, &e[i]), 0);
  }
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  audit_stop(a); /* whatever is still queued is written now */
  assert_int_equal(s.n, THREADS * EACH);
  static char hit[THREADS * EACH];
  memset(hit, 0, sizeof(hit));
  for (size_t i = 0; i < s.n; i++) {
    assert_true(s.seen[i] >= 0 && s.seen[i] < THREADS * EACH);
    assert_false(hit[s.seen[i]]);
    hit[s.seen[i]] = 1;
  }
  sink_destroy(&s);
}

static void test_io_errors_retried(void **state)
{
  (void)state;
  struct sink s;
  sink_init(&s);
  s.fail_first = 3;
  struct audit *a = start(&s, 16, 4);
  struct app app = { .audit = a };
  for (int i = 0; i < 10; i++)
    assert_int_equal(emit_seq(&app, "push_repo", i), 0);
  assert_int_equal(audit_sync(&app, 20000), 0);
  pthread_mutex_lock(&s.mu);
  assert_int_equal(s.n, 10);
  for (int i = 0; i < 10; i++)
    assert_int_equal(s.seen[i], i);
  pthread_mutex_unlock(&s.mu);
  audit_stop(a);
  sink_destroy(&s);
}

static void test_bad_entry_costs_only_itself(void **state)
{
  (void)state;
  struct sink s;
  sink_init(&s);
  s.gate_closed = 1;
  struct audit *a = start(&s, 16, 8);
  struct app app = { .audit = a };
  assert_int_equal(emit_seq(&app, "pull_repo", 0), 0);
  sink_wait_entered(&s, 1);
  /* these three arrive as one batch */
  assert_int_equal(emit_seq(&app, "pull_repo", 1), 0);
  assert_int_equal(emit_seq(&app, "poison", 2), 0);
  assert_int_equal(emit_seq(&app, "pull_repo", 3), 0);
  sink_open_gate(&s);
  audit_stop(a);
  assert_int_equal(s.n, 3);
  assert_int_equal(s.seen[0], 0);
  assert_int_equal(s.seen[1], 1);
  assert_int_equal(s.seen[2], 3);
  sink_destroy(&s);
}

static void test_sync_waits_and_times_out(void **state)
{
  (void)state;
  struct sink s;
  sink_init(&s);
  s.gate_closed = 1;
  struct audit *a = start(&s, 16, 8);
  struct app app = { .audit = a };
  assert_int_equal(audit_sync(&app, 10), 0); /* nothing queued */
  assert_int_equal(emit_seq(&app, "pull_repo", 0), 0);
  assert_int_equal(audit_sync(&app, 50), ERR_IO);
  sink_open_gate(&s);
  assert_int_equal(audit_sync(&app, 20000), 0);
  assert_int_equal(s.n, 1);
  audit_stop(a);
  sink_destroy(&s);
}

/* Group commit: with a long linger, queued events become one batch; a
 * full batch, audit_sync() and audit_stop() each end the wait early. */
static void test_linger_gathers_batches(void **state)
{
  (void)state;
  struct sink s;
  sink_init(&s);
  struct audit *a = NULL;
  struct audit_options o = AUDIT_OPTIONS_INIT;
  o.queue_max = 64;
  o.batch_max = 8;
  o.linger_ms = 600000; /* ten minutes: only the early exits can end it */
  o.write = sink_write;
  o.write_ctx = &s;
  assert_int_equal(audit_start(&a, NULL, &o), 0);
  struct app app = { .audit = a };
  for (int i = 0; i < 5; i++)
    assert_int_equal(emit_seq(&app, "pull_repo", i), 0);
  sleep_ms(50);
  pthread_mutex_lock(&s.mu);
  assert_int_equal(s.calls, 0); /* still gathering */
  pthread_mutex_unlock(&s.mu);
  assert_int_equal(audit_sync(&app, 20000), 0);
  pthread_mutex_lock(&s.mu);
  assert_int_equal(s.calls, 1);
  assert_int_equal(s.n, 5);
  pthread_mutex_unlock(&s.mu);
  /* a full batch is written without waiting for the linger */
  for (int i = 5; i < 13; i++)
    assert_int_equal(emit_seq(&app, "pull_repo", i), 0);
  int calls = 0;
  for (int t = 0; t < 1000 && calls < 2; t++) {
    sleep_ms(10);
    pthread_mutex_lock(&s.mu);
    calls = s.calls;
    pthread_mutex_unlock(&s.mu);
  }
  assert_int_equal(calls, 2);
  /* stop writes what still lingers */
  assert_int_equal(emit_seq(&app, "pull_repo", 13), 0);
  audit_stop(a);
  assert_int_equal(s.n, 14);
  for (int i = 0; i < 14; i++)
    assert_int_equal(s.seen[i], i);
  assert_int_equal(s.max_batch, 8);
  sink_destroy(&s);
}

static void test_emit_rejects_and_copies(void **state)
{
  (void)state;
  struct sink s;
  sink_init(&s);
  struct audit *a = start(&s, 16, 8);
  struct app app = { .audit = a };
  struct audit_event ev = { 0 };
  assert_int_equal(audit_emit(&app, &ev), ERR_INVALID);
  ev.kind = "";
  assert_int_equal(audit_emit(&app, &ev), ERR_INVALID);
  /* the caller's buffer may change right after emit returns */
  char md[32] = "{\"seq\":42}";
  ev.kind = "pull_repo";
  ev.metadata_json = md;
  assert_int_equal(audit_emit(&app, &ev), 0);
  strcpy(md, "{\"seq\":0}");
  audit_stop(a);
  assert_int_equal(s.n, 1);
  assert_int_equal(s.seen[0], 42);
  /* no writer and no store: refused, not silently dropped */
  struct app none = { 0 };
  assert_int_equal(audit_emit(&none, &ev), ERR_UNSUPPORTED);
  assert_int_equal(audit_sync(&none, 10), 0);
  sink_destroy(&s);
}

static void test_text_clean(void **state)
{
  (void)state;
  char out[16];
  assert_int_equal(audit_text_clean(out, sizeof(out), "skopeo/1.9"), 10);
  assert_string_equal(out, "skopeo/1.9");
  /* a bad byte, a control character, a lone continuation byte, an overlong */
  audit_text_clean(out, sizeof(out), "a\xff" "b\nc\x80" "d\xc0\xaf");
  assert_string_equal(out, "a?b?c?d??");
  /* valid multi-byte text kept, cut before a character that does not fit */
  audit_text_clean(out, 6, "\xc3\xa9\xc3\xa9\xc3\xa9");
  assert_string_equal(out, "\xc3\xa9\xc3\xa9");
  audit_text_clean(out, sizeof(out), NULL);
  assert_string_equal(out, "");
}

/* --- the store under it ------------------------------------------------------ */

static void append(struct meta *m, const char *kind, const char *ns, const char *repo,
                   const char *performer, int64_t t)
{
  struct audit_entry e = { .kind = kind, .namespace_name = ns, .repository = repo,
                           .performer_name = performer, .performer_id = performer ? 5 : 0,
                           .performer_kind = performer ? AUDIT_ACTOR_ROBOT : AUDIT_ACTOR_NONE,
                           .ip = "192.0.2.1", .metadata_json = "{\"x\":1}", .created_at = t };
  assert_int_equal(audit_store_append(m, &e, 1), 0);
}

static void test_store_pages_filters_counts(void **state)
{
  struct fx *f = *state;
  const int64_t day0 = 1764547200; /* 2025-12-01 00:00:00 UTC */
  /* 45 in acme/app by two performers over two days; noise elsewhere */
  for (int i = 0; i < 45; i++)
    append(f->m, i % 3 ? "pull_repo" : "push_repo", "acme", "acme/app",
           i % 2 ? "acme+bot" : "admin", day0 + i * 3600);
  append(f->m, "pull_repo", "other", "other/x", "admin", day0 + 10);
  append(f->m, "login_failure", "acme", NULL, NULL, day0 + 20);

  struct audit_query q = { .namespace_name = "acme", .start = day0, .end = day0 + 3 * 86400 };
  struct audit_entry *e = NULL;
  size_t n = 0, total = 0;
  int more = 0;
  int64_t last_t = INT64_MAX, last_id = INT64_MAX;
  do {
    assert_int_equal(audit_store_list(f->m, f->p, &e, &n, &more, &q, 20), 0);
    for (size_t i = 0; i < n; i++) {
      /* newest first, strictly */
      assert_true(e[i].created_at < last_t || (e[i].created_at == last_t && e[i].id < last_id));
      last_t = e[i].created_at;
      last_id = e[i].id;
      assert_string_equal(e[i].namespace_name, "acme");
      assert_string_equal(e[i].metadata_json, "{\"x\":1}");
    }
    total += n;
    if (more) {
      assert_int_equal(n, 20);
      q.before_time = e[n - 1].created_at;
      q.before_id = e[n - 1].id;
    }
  } while (more);
  assert_int_equal(total, 46);

  /* performer filter and the entry without one */
  struct audit_query qp = { .namespace_name = "acme", .performer = "acme+bot", .start = day0,
                            .end = day0 + 3 * 86400 };
  assert_int_equal(audit_store_list(f->m, f->p, &e, &n, &more, &qp, 100), 0);
  assert_int_equal(n, 22);
  assert_false(more);
  assert_string_equal(e[0].performer_name, "acme+bot");
  assert_int_equal(e[0].performer_kind, AUDIT_ACTOR_ROBOT);
  qp.performer = "";
  assert_int_equal(audit_store_list(f->m, f->p, &e, &n, &more, &qp, 100), 0);
  assert_int_equal(n, 46);
  size_t nobody = 0;
  for (size_t i = 0; i < n; i++)
    nobody += e[i].performer_name == NULL;
  assert_int_equal(nobody, 1); /* the login_failure */

  /* time range [start, end) and the repository scope */
  struct audit_query qr = { .repository = "acme/app", .start = day0 + 3600,
                            .end = day0 + 3 * 3600 };
  assert_int_equal(audit_store_list(f->m, f->p, &e, &n, &more, &qr, 100), 0);
  assert_int_equal(n, 2);
  assert_int_equal(e[0].created_at, day0 + 2 * 3600);
  assert_string_equal(e[0].ip, "192.0.2.1");

  /* counts per kind and day, day first */
  struct audit_count *c = NULL;
  struct audit_query qa = { .repository = "acme/app", .start = day0, .end = day0 + 3 * 86400 };
  assert_int_equal(audit_store_aggregate(f->m, f->p, &c, &n, &qa), 0);
  /* day 0: hours 0..23 -> 16 pulls, 8 pushes; day 1: 24..44 -> 14 pulls, 7 pushes */
  assert_int_equal(n, 4);
  assert_int_equal(c[0].day, day0);
  assert_string_equal(c[0].kind, "pull_repo");
  assert_int_equal(c[0].count, 16);
  assert_string_equal(c[1].kind, "push_repo");
  assert_int_equal(c[1].count, 8);
  assert_int_equal(c[2].day, day0 + 86400);
  assert_int_equal(c[2].count, 14);
  assert_int_equal(c[3].count, 7);

  /* exactly one scope */
  struct audit_query bad = { .start = 0, .end = 1 };
  assert_int_equal(audit_store_list(f->m, f->p, &e, &n, &more, &bad, 10), ERR_INVALID);
  struct audit_entry nokind = { 0 };
  assert_int_equal(audit_store_append(f->m, &nokind, 1), ERR_INVALID);
}

/* The real writer on the real store: concurrent emitters, nothing lost. */
static void test_writer_on_store(void **state)
{
  struct fx *f = *state;
  struct audit *a = NULL;
  struct audit_options o = AUDIT_OPTIONS_INIT;
  o.queue_max = 32;
  o.batch_max = 8;
  assert_int_equal(audit_start(&a, f->m, &o), 0);
  struct app app = { .meta = f->m, .audit = a };
  struct sink s;
  sink_init(&s);
  enum { THREADS = 4, EACH = 50 };
  struct emitter e[THREADS];
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) {
    e[i] = (struct emitter){ .app = &app, .first = i * EACH, .count = EACH, .s = &s };
    assert_int_equal(pthread_create(&t[i], NULL, emit_thread, &e[i]), 0);
  }
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  assert_int_equal(audit_sync(&app, 20000), 0);
  struct audit_count *c = NULL;
  size_t n = 0;
  struct audit_query q = { .namespace_name = "acme", .start = 0, .end = INT64_MAX };
  assert_int_equal(audit_store_aggregate(f->m, f->p, &c, &n, &q), 0);
  int64_t sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += c[i].count;
  assert_int_equal(sum, THREADS * EACH);
  audit_stop(a);
  /* without a writer an entry is stored at once */
  struct app direct = { .meta = f->m };
  assert_int_equal(emit_seq(&direct, "pull_repo", 1000), 0);
  assert_int_equal(audit_store_aggregate(f->m, f->p, &c, &n, &q), 0);
  sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += c[i].count;
  assert_int_equal(sum, THREADS * EACH + 1);
  sink_destroy(&s);
}

int main(void)
{
  const struct CMUnitTest queue[] = {
    cmocka_unit_test(test_full_queue_blocks_nothing_lost),
    cmocka_unit_test(test_stop_flushes),
    cmocka_unit_test(test_io_errors_retried),
    cmocka_unit_test(test_bad_entry_costs_only_itself),
    cmocka_unit_test(test_sync_waits_and_times_out),
    cmocka_unit_test(test_linger_gathers_batches),
    cmocka_unit_test(test_emit_rejects_and_copies),
    cmocka_unit_test(test_text_clean),
  };
  const struct CMUnitTest store[] = {
    cmocka_unit_test_setup_teardown(test_store_pages_filters_counts, setup, teardown),
    cmocka_unit_test_setup_teardown(test_writer_on_store, setup, teardown),
  };
  int failed = cmocka_run_group_tests_name("audit_queue", queue, NULL, NULL);
  return failed + fx_run_both("audit_store", store, sizeof(store) / sizeof(store[0]));
}
