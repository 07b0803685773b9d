/* The audit queue and its writer thread (audit/audit.h).
 *
 * A ring of pointers to self-contained records (the entry and its strings
 * in one allocation) under one mutex. Emitters wait on `nonfull`; the
 * writer takes up to batch_max records at a time, so the ring has room
 * again while the batch is written, and writes them in one transaction.
 * Once something is queued the writer lingers (linger_ms) so a batch can
 * gather: an emitter wakes it only when it sleeps with nothing queued or a
 * full batch is waiting, so most emits are a lock, a store and an unlock
 * (a signal to a condition nobody waits on costs no system call).
 * Two counters (queued, written; the writer keeps FIFO order) let
 * audit_sync() wait for everything queued before it. */
#include "audit/audit.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "server/app.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#define RETRY_FIRST_MS 50
#define RETRY_MAX_MS 5000
#define STOP_TRIES 5       /* attempts per batch once stopping */
#define QUEUE_CAP_MAX ((size_t)1 << 20)

struct rec {
  struct audit_entry e;
  char text[];             /* the entry's strings, NUL-separated */
};

struct audit {
  pthread_mutex_t mu;
  pthread_cond_t nonempty, nonfull, progress;
  struct rec **ring;
  size_t cap, head, count, batch_max;
  unsigned linger_ms;
  int idle;                /* the writer waits with nothing queued */
  int syncing;             /* audit_sync() callers waiting: commit now */
  uint64_t queued, written;
  int exited;              /* the writer is gone: emit stores directly */
  atomic_int stopping;
  pthread_t thread;
  struct meta *meta;
  int (*write)(void *ctx, const struct audit_entry *entries, size_t n);
  void *write_ctx;
};

/* --- text ------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if the byte at s does
 * not start one. */
static size_t utf8_seq(const unsigned char *s)
{
  unsigned c = s[0];
  size_t n;
  unsigned min;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef)
    n = 3, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4)
    n = 4, min = 0x10000;
  else
    return 0;
  unsigned cp = c & (0x3fu >> (n - 1));
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = cp << 6 | (s[i] & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

/* audit_text_clean(), keeping control characters when `controls`. */
static size_t clean(char *dst, size_t cap, const char *src, int controls)
{
  const unsigned char *s = (const unsigned char *)src;
  size_t o = 0;
  while (*s) {
    /* most text is printable ASCII: copy such runs without decoding */
    if (*s >= 0x20 && *s < 0x7f) {
      const unsigned char *run = s;
      while (*s >= 0x20 && *s < 0x7f)
        s++;
      size_t n = (size_t)(s - run);
      if (o + n >= cap) {
        memcpy(dst + o, run, cap - 1 - o);
        o = cap - 1;
        break;
      }
      memcpy(dst + o, run, n);
      o += n;
      continue;
    }
    size_t n = utf8_seq(s);
    int bad = n == 0 || (!controls && n == 1 && (*s < 0x20 || *s == 0x7f));
    size_t take = bad ? 1 : n;
    if (o + take >= cap)
      break;
    if (bad)
      dst[o] = '?';
    else
      memcpy(dst + o, s, n);
    o += take;
    s += bad ? 1 : n;
  }
  dst[o] = '\0';
  return o;
}

size_t audit_text_clean(char *dst, size_t cap, const char *src)
{
  if (cap == 0)
    return 0;
  return clean(dst, cap, src ? src : "", 0);
}

/* --- records ------------------------------------------------------------------ */

/* Copies s (capped) to *cursor and points *dst at it; NULL stays NULL. */
static void put_text(const char **dst, char **cursor, const char *s, size_t cap, int controls)
{
  if (!s) {
    *dst = NULL;
    return;
  }
  size_t n = clean(*cursor, cap, s, controls);
  *dst = *cursor;
  *cursor += n + 1;
}

static size_t room(const char *s, size_t cap)
{
  size_t n = s ? strnlen(s, cap) : 0;
  return n + 1; /* cleaning never lengthens the text */
}

/* A self-contained copy of ev; NULL on allocation failure. */
static struct rec *rec_new(const struct audit_event *ev)
{
  static const char truncated[] = "{\"truncated\":true}";
  const char *md = ev->metadata_json ? ev->metadata_json : "{}";
  if (strnlen(md, AUDIT_METADATA_MAX) >= AUDIT_METADATA_MAX)
    md = truncated;
  size_t total = room(ev->kind, AUDIT_NAME_MAX) + room(ev->performer_name, AUDIT_NAME_MAX) +
                 room(ev->namespace_name, AUDIT_NAME_MAX) + room(ev->repository, AUDIT_NAME_MAX) +
                 room(ev->ip, AUDIT_IP_MAX) + room(ev->user_agent, AUDIT_UA_MAX) +
                 room(md, AUDIT_METADATA_MAX);
  struct rec *r = malloc(sizeof(*r) + total);
  if (!r)
    return NULL;
  char *c = r->text;
  memset(&r->e, 0, sizeof(r->e));
  put_text(&r->e.kind, &c, ev->kind, AUDIT_NAME_MAX, 0);
  put_text(&r->e.performer_name, &c, ev->performer_name, AUDIT_NAME_MAX, 0);
  put_text(&r->e.namespace_name, &c, ev->namespace_name, AUDIT_NAME_MAX, 0);
  put_text(&r->e.repository, &c, ev->repository, AUDIT_NAME_MAX, 0);
  put_text(&r->e.ip, &c, ev->ip, AUDIT_IP_MAX, 0);
  put_text(&r->e.user_agent, &c, ev->user_agent, AUDIT_UA_MAX, 0);
  /* JSON text may hold whitespace; it only has to stay valid UTF-8 */
  put_text(&r->e.metadata_json, &c, md, AUDIT_METADATA_MAX, 1);
  r->e.performer_id = ev->performer_name ? ev->performer_id : 0;
  r->e.performer_kind = ev->performer_name ? ev->performer_kind : AUDIT_ACTOR_NONE;
  r->e.created_at = ev->time ? ev->time : time_now();
  return r;
}

/* --- writer ------------------------------------------------------------------- */

static int store_write(void *ctx, const struct audit_entry *entries, size_t n)
{
  return audit_store_append(ctx, entries, n);
}

static void sleep_ms(long ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

/* A failure worth waiting out (the database is busy, down or full), as
 * opposed to an entry the store will never take. */
static int transient(int err)
{
  return err == ERR_IO || err == ERR_NOMEM || err == ERR_CONFLICT;
}

/* Writes e[0..n) until stored. A batch refused for its data is written
 * entry by entry so only the bad entry is lost (and logged). */
static void write_batch(struct audit *a, const struct audit_entry *e, size_t n)
{
  long delay = RETRY_FIRST_MS;
  for (int attempt = 1;; attempt++) {
    int err = a->write(a->write_ctx, e, n);
    if (!err)
      return;
    if (!transient(err) && n > 1) {
      for (size_t i = 0; i < n; i++)
        write_batch(a, &e[i], 1);
      return;
    }
    if (!transient(err)) {
      LOG(LOG_ERROR, "audit: entry %s refused by the store (%s); skipped", e->kind,
          err_str(err));
      return;
    }
    if (atomic_load(&a->stopping) && attempt >= STOP_TRIES) {
      LOG(LOG_ERROR, "audit: store unavailable while stopping (%s); %zu entries lost",
          err_str(err), n);
      return;
    }
    if (attempt == 1 || attempt % 10 == 0)
      LOG(LOG_WARN, "audit: store unavailable (%s); retrying %zu entries", err_str(err), n);
    sleep_ms(delay);
    delay = delay * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : delay * 2;
  }
}

/* Now plus ms on CLOCK_MONOTONIC (the clock of the conditions here). */
static struct timespec deadline_after(int64_t ms)
{
  struct timespec dl;
  clock_gettime(CLOCK_MONOTONIC, &dl);
  dl.tv_sec += (time_t)(ms / 1000);
  dl.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (dl.tv_nsec >= 1000000000L) {
    dl.tv_sec++;
    dl.tv_nsec -= 1000000000L;
  }
  return dl;
}

/* With a->mu held and something queued: waits up to linger_ms for a fuller
 * batch, unless a full batch is there, audit_sync() waits or we stop. */
static void linger(struct audit *a, size_t max)
{
  if (a->linger_ms == 0)
    return;
  struct timespec dl = deadline_after(a->linger_ms);
  int rc = 0;
  while (a->count < max && a->count < a->cap && !a->syncing && !atomic_load(&a->stopping) && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&a->nonempty, &a->mu, &dl);
}

static void *writer_main(void *arg)
{
  struct audit *a = arg;
  struct rec **batch = calloc(a->batch_max, sizeof(*batch));
  struct audit_entry *entries = calloc(a->batch_max, sizeof(*entries));
  size_t max = batch && entries ? a->batch_max : 1;
  struct rec *one[1];
  struct audit_entry one_e[1];
  if (!batch || !entries) {
    LOG(LOG_WARN, "audit: out of memory for batches; writing one entry at a time");
    free(batch), free(entries);
    batch = one, entries = one_e;
  }
  pthread_mutex_lock(&a->mu);
  for (;;) {
    while (a->count == 0 && !atomic_load(&a->stopping)) {
      a->idle = 1;
      pthread_cond_wait(&a->nonempty, &a->mu);
      a->idle = 0;
    }
    if (a->count == 0)
      break; /* stopping and drained */
    linger(a, max);
    size_t n = a->count < max ? a->count : max;
    for (size_t i = 0; i < n; i++) {
      batch[i] = a->ring[a->head];
      a->ring[a->head] = NULL;
      a->head = (a->head + 1) % a->cap;
    }
    a->count -= n;
    pthread_cond_broadcast(&a->nonfull);
    pthread_mutex_unlock(&a->mu);
    for (size_t i = 0; i < n; i++)
      entries[i] = batch[i]->e;
    write_batch(a, entries, n);
    for (size_t i = 0; i < n; i++)
      free(batch[i]);
    pthread_mutex_lock(&a->mu);
    a->written += n;
    pthread_cond_broadcast(&a->progress);
  }
  a->exited = 1;
  pthread_cond_broadcast(&a->progress);
  pthread_cond_broadcast(&a->nonfull);
  pthread_mutex_unlock(&a->mu);
  if (batch != one) {
    free(batch);
    free(entries);
  }
  return NULL;
}

/* --- public ------------------------------------------------------------------- */

int audit_start(struct audit **out, struct meta *m, const struct audit_options *opt)
{
  struct audit_options def = AUDIT_OPTIONS_INIT;
  if (!opt)
    opt = &def;
  if (opt->queue_max == 0 || opt->queue_max > QUEUE_CAP_MAX || opt->batch_max == 0 ||
      (!opt->write && !m))
    return ERR_INVALID;
  struct audit *a = calloc(1, sizeof(*a));
  if (!a)
    return ERR_NOMEM;
  a->cap = opt->queue_max;
  a->batch_max = opt->batch_max;
  a->linger_ms = opt->linger_ms;
  a->meta = m;
  a->write = opt->write ? opt->write : store_write;
  a->write_ctx = opt->write ? opt->write_ctx : m;
  atomic_init(&a->stopping, 0);
  a->ring = calloc(a->cap, sizeof(*a->ring));
  pthread_condattr_t ca;
  int ok = a->ring && pthread_condattr_init(&ca) == 0;
  if (ok) {
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->nonempty, &ca); /* the writer lingers with a deadline */
    pthread_cond_init(&a->nonfull, NULL);
    pthread_cond_init(&a->progress, &ca); /* audit_sync() waits with a deadline */
    pthread_condattr_destroy(&ca);
    if (pthread_create(&a->thread, NULL, writer_main, a) == 0) {
      (void)pthread_setname_np(a->thread, "wharf-audit");
    } else {
      pthread_cond_destroy(&a->progress);
      pthread_cond_destroy(&a->nonfull);
      pthread_cond_destroy(&a->nonempty);
      pthread_mutex_destroy(&a->mu);
      ok = 0;
    }
  }
  if (!ok) {
    free(a->ring);
    free(a);
    return ERR_NOMEM;
  }
  *out = a;
  return 0;
}

void audit_stop(struct audit *a)
{
  if (!a)
    return;
  pthread_mutex_lock(&a->mu);
  atomic_store(&a->stopping, 1);
  pthread_cond_broadcast(&a->nonempty);
  pthread_mutex_unlock(&a->mu);
  pthread_join(a->thread, NULL);
  if (a->queued != a->written)
    LOG(LOG_ERROR, "audit: %llu entries queued, %llu written at stop",
        (unsigned long long)a->queued, (unsigned long long)a->written);
  pthread_cond_destroy(&a->progress);
  pthread_cond_destroy(&a->nonfull);
  pthread_cond_destroy(&a->nonempty);
  pthread_mutex_destroy(&a->mu);
  free(a->ring);
  free(a);
}

int audit_emit(struct app *app, const struct audit_event *ev)
{
  if (!ev || !ev->kind || !*ev->kind)
    return ERR_INVALID;
  if (app && app->cfg && !app->cfg->audit_enabled)
    return 0; /* audit_enabled: false (measurements only) */
  struct rec *r = rec_new(ev);
  if (!r)
    return ERR_NOMEM;
  struct audit *a = app ? app->audit : NULL;
  if (a) {
    pthread_mutex_lock(&a->mu);
    while (a->count == a->cap && !a->exited)
      pthread_cond_wait(&a->nonfull, &a->mu);
    if (!a->exited) {
      a->ring[(a->head + a->count) % a->cap] = r;
      a->count++;
      a->queued++;
      if (a->idle || a->count >= a->batch_max || a->count == a->cap)
        pthread_cond_signal(&a->nonempty);
      pthread_mutex_unlock(&a->mu);
      return 0;
    }
    pthread_mutex_unlock(&a->mu);
  }
  /* no writer: store it now */
  int err = app && app->meta ? audit_store_append(app->meta, &r->e, 1) : ERR_UNSUPPORTED;
  free(r);
  return err;
}

int audit_sync(struct app *app, int64_t timeout_ms)
{
  struct audit *a = app ? app->audit : NULL;
  if (!a)
    return 0;
  struct timespec dl = deadline_after(timeout_ms);
  pthread_mutex_lock(&a->mu);
  uint64_t target = a->queued;
  int rc = 0;
  a->syncing++; /* no lingering while we wait */
  pthread_cond_signal(&a->nonempty);
  while (a->written < target && !a->exited && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&a->progress, &a->mu, &dl);
  a->syncing--;
  int done = a->written >= target || a->exited;
  pthread_mutex_unlock(&a->mu);
  return done ? 0 : ERR_IO;
}
