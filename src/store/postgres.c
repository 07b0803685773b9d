/* The PostgreSQL engine of the SQL store (store/sqlite_int.h), over libpq:
 * connections, prepared statements, stepping and columns, transactions,
 * open/close and the "postgres" meta_ops table. The operations and their
 * SQL are the SQLite engine's (sqlite.c and friends); the dialect, errors
 * and migrations are in postgres_schema.c.
 *
 * Connections: one per worker thread and meta instance, opened on first
 * use like SQLite's (a pthread key), so N instances of wharf with T threads
 * hold about N x T connections; size max_connections for that. A connection
 * found broken is replaced on the next use, and a statement that finds the
 * server gone outside a transaction (a restart) reconnects and runs again
 * once, so a restarted server costs no failed request.
 *
 * Statements are prepared once per connection ("w<id>") with parameter
 * types from the bind format ('i' bigint, 't' text, 'b' bytea) and run with
 * binary results. Transactions (sq_begin) are SERIALIZABLE: an operation
 * that read something and wrote depending on it (manifest put, blob unlink,
 * credential replace, token limits, first user) behaves as if it ran alone,
 * as under SQLite's write lock; a serialization failure rolls back and
 * sq_end() answers SQ_RETRY so the caller runs the transaction again.
 * Single statements run in autocommit, READ COMMITTED: each is atomic (the
 * upload offset compare-and-set re-checks its WHERE on the latest row). */
#include "store/sqlite_int.h"

#include "store/postgres_int.h"

#include "util/err.h"
#include "util/log.h"

#ifdef WHARF_WITH_POSTGRES

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/timeutil.h"

#define PG_MAX_PARAMS 16
/* Attempts of a transaction that keeps losing serialization conflicts. */
#define PG_TX_TRIES 30
/* Attempts of a single statement that deadlocks (autocommit). */
#define PG_STMT_TRIES 5

/* PostgreSQL type oids (catalog/pg_type.h is server-side only). */
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_TEXT = 25 };

struct pg_conn;

struct pg_cur {
  struct sq_cur base;
  struct pg_conn *c;
  enum sq_stmt id;
  char fmt[PG_MAX_PARAMS + 1];
  PGresult *res;   /* NULL until the first step */
  int row, nrows;
  const char *values[PG_MAX_PARAMS];
  int lengths[PG_MAX_PARAMS], formats[PG_MAX_PARAMS];
  unsigned char ints[PG_MAX_PARAMS][8]; /* bigint parameters, network order */
  char num[24];    /* an integer column read as text */
};

struct pg_conn {
  struct sq_conn base;
  struct pg_conn *prev, *next; /* registry of the owning instance */
  struct pg_meta *owner;
  PGconn *pg;
  int in_tx;       /* between sq_begin() and sq_end() */
  int tx_conflict; /* the transaction hit a serialization failure */
  int tx_tries;    /* attempts of the current transaction so far */
  uint32_t rnd;    /* backoff jitter */
  unsigned char prepared[SQ__COUNT];
  char prep_fmt[SQ__COUNT][PG_MAX_PARAMS + 1];
  struct pg_cur cur[SQ__COUNT];
};

struct pg_meta {
  struct sq_meta hdr;
  char *url;         /* as given: may hold a password, never logged */
  char shown[512];   /* url with the password masked */
  pthread_key_t key; /* this thread's struct pg_conn */
  pthread_mutex_t mu;
  struct pg_conn *conns;
};

static const struct sq_engine pg_engine;

static void sleep_ms(long ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

/* Randomized pause before attempt `tries` + 1, so conflicting peers part. */
static void backoff(struct pg_conn *c, int tries)
{
  c->rnd ^= c->rnd << 13;
  c->rnd ^= c->rnd >> 17;
  c->rnd ^= c->rnd << 5;
  long cap = tries < 5 ? 1L << tries : 20;
  sleep_ms(1 + (long)(c->rnd % (uint32_t)cap));
}

/* --- connections --------------------------------------------------------- */

static void notice(void *arg, const char *msg)
{
  (void)arg;
  char line[256];
  snprintf(line, sizeof(line), "%s", msg);
  line[strcspn(line, "\n")] = '\0';
  LOG(LOG_DEBUG, "postgres: %s", line);
}

/* (Re)connects c: libpq takes the URL as the dbname to expand; the
 * settings before it are defaults the URL may override. */
static int conn_connect(struct pg_conn *c)
{
  struct pg_meta *pm = c->owner;
  const char *const keys[] = { "connect_timeout", "application_name", "client_encoding",
                               "dbname", NULL };
  const char *const vals[] = { "5", "wharf", "UTF8", pm->url, NULL };
  if (c->pg)
    PQfinish(c->pg);
  memset(c->prepared, 0, sizeof(c->prepared));
  c->in_tx = c->tx_conflict = 0;
  c->pg = PQconnectdbParams(keys, vals, 1);
  if (!c->pg)
    return ERR_NOMEM;
  if (PQstatus(c->pg) != CONNECTION_OK) {
    char msg[512];
    pg_scrub(msg, sizeof(msg), PQerrorMessage(c->pg), pm->url);
    LOG(LOG_ERROR, "postgres: cannot connect to %s: %s", pm->shown, msg);
    PQfinish(c->pg);
    c->pg = NULL;
    return ERR_IO;
  }
  PQsetNoticeProcessor(c->pg, notice, NULL);
  char set[64];
  snprintf(set, sizeof(set), "SET lock_timeout = %d", PG_LOCK_TIMEOUT_MS);
  return pg_exec_simple(c->pg, set);
}

static void conn_free(struct pg_conn *c)
{
  for (int i = 0; i < SQ__COUNT; i++)
    PQclear(c->cur[i].res);
  if (c->pg)
    PQfinish(c->pg);
  free(c);
}

static void conn_unregister(struct pg_conn *c)
{
  struct pg_meta *pm = c->owner;
  pthread_mutex_lock(&pm->mu);
  if (c->prev)
    c->prev->next = c->next;
  else
    pm->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  pthread_mutex_unlock(&pm->mu);
}

/* pthread key destructor: the thread that owned the connection is exiting. */
static void conn_thread_exit(void *arg)
{
  struct pg_conn *c = arg;
  conn_unregister(c);
  conn_free(c);
}

static int conn_open(struct pg_conn **out, struct pg_meta *pm)
{
  struct pg_conn *c = calloc(1, sizeof(*c));
  if (!c)
    return ERR_NOMEM;
  c->base.eng = &pg_engine;
  c->owner = pm;
  c->rnd = (uint32_t)time_mono_us() ^ (uint32_t)(uintptr_t)c;
  if (!c->rnd)
    c->rnd = 1;
  for (int i = 0; i < SQ__COUNT; i++)
    c->cur[i] = (struct pg_cur){ .base.eng = &pg_engine, .c = c, .id = (enum sq_stmt)i };
  int err = conn_connect(c);
  if (err) {
    conn_free(c);
    return err;
  }
  pthread_mutex_lock(&pm->mu);
  c->next = pm->conns;
  if (pm->conns)
    pm->conns->prev = c;
  pm->conns = c;
  pthread_mutex_unlock(&pm->mu);
  *out = c;
  return 0;
}

static int pgc_conn_get(struct sq_conn **out, struct meta *m)
{
  struct pg_meta *pm = (struct pg_meta *)m;
  struct pg_conn *c = pthread_getspecific(pm->key);
  if (!c) {
    int err = conn_open(&c, pm);
    if (err)
      return err;
    if (pthread_setspecific(pm->key, c) != 0) {
      conn_unregister(c);
      conn_free(c);
      return ERR_NOMEM;
    }
  } else if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
    LOG(LOG_WARN, "postgres: reconnecting to %s", pm->shown);
    int err = conn_connect(c);
    if (err)
      return err;
  }
  *out = &c->base;
  return 0;
}

/* After a failed call: is the connection gone, and did reconnecting work?
 * Never inside a transaction: its work went with the connection. */
static int reconnected(struct pg_conn *c)
{
  if (!c->pg || PQstatus(c->pg) == CONNECTION_OK || c->in_tx)
    return 0;
  char msg[256];
  snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c->pg));
  msg[strcspn(msg, "\n")] = '\0';
  LOG(LOG_WARN, "postgres: connection to %s lost (%s); reconnecting", c->owner->shown, msg);
  return conn_connect(c) == 0;
}

/* --- statements ---------------------------------------------------------- */

static int prepare(struct pg_conn *c, enum sq_stmt id, const char *fmt)
{
  if (c->prepared[id]) {
    if (strcmp(c->prep_fmt[id], fmt) == 0)
      return 0;
    LOG(LOG_ERROR, "postgres: statement %d bound as '%s', prepared as '%s'", (int)id, fmt,
        c->prep_fmt[id]);
    return ERR_INTERNAL;
  }
  const char *sql = sq_stmt_sql(id);
  char *text = NULL, name[16];
  int nparams = 0;
  if (!sql) {
    LOG(LOG_ERROR, "postgres: no SQL for statement %d", (int)id);
    return ERR_INTERNAL;
  }
  int err = pg_placeholders(&text, &nparams, sql);
  if (err)
    return err == ERR_INVALID ? ERR_INTERNAL : err;
  /* A format that does not match the statement is a bug, caught here
   * rather than as a value bound to the wrong column. */
  if ((size_t)nparams != strlen(fmt)) {
    LOG(LOG_ERROR, "postgres: %zu parameters given for: %s", strlen(fmt), sql);
    free(text);
    return ERR_INTERNAL;
  }
  Oid types[PG_MAX_PARAMS];
  for (int i = 0; i < nparams; i++)
    types[i] = fmt[i] == 'i' ? OID_INT8 : fmt[i] == 'b' ? OID_BYTEA : OID_TEXT;
  snprintf(name, sizeof(name), "w%d", (int)id);
  PGresult *res = PQprepare(c->pg, name, text, nparams, types);
  if (PQresultStatus(res) == PGRES_COMMAND_OK) {
    c->prepared[id] = 1;
    snprintf(c->prep_fmt[id], sizeof(c->prep_fmt[id]), "%s", fmt);
  } else {
    err = pg_err(c->pg, res, sql, NULL);
  }
  PQclear(res);
  free(text);
  return err;
}

static void pgc_done(struct sq_cur *sc)
{
  struct pg_cur *cur = (struct pg_cur *)sc;
  PQclear(cur->res);
  cur->res = NULL;
  cur->row = cur->nrows = 0;
}

static int pgc_query(struct sq_conn *conn, struct sq_cur **out, enum sq_stmt id,
                     const char *fmt, va_list ap)
{
  struct pg_conn *c = (struct pg_conn *)conn;
  struct pg_cur *cur = &c->cur[id];
  size_t np = strlen(fmt);
  if (np > PG_MAX_PARAMS) {
    LOG(LOG_ERROR, "postgres: %zu parameters for statement %d", np, (int)id);
    return ERR_INTERNAL;
  }
  pgc_done(&cur->base);
  for (size_t i = 0; i < np; i++) {
    cur->formats[i] = 1;
    cur->lengths[i] = 0;
    switch (fmt[i]) {
    case 'i': {
      uint64_t v = (uint64_t)va_arg(ap, int64_t);
      for (int k = 7; k >= 0; k--, v >>= 8)
        cur->ints[i][k] = (unsigned char)v;
      cur->values[i] = (const char *)cur->ints[i];
      cur->lengths[i] = 8;
      break;
    }
    case 't':
      cur->values[i] = va_arg(ap, const char *); /* NULL binds SQL NULL */
      cur->formats[i] = 0;
      break;
    case 'b': {
      const void *b = va_arg(ap, const void *);
      size_t n = va_arg(ap, size_t);
      if (n > (size_t)INT32_MAX)
        return ERR_TOOBIG;
      cur->values[i] = b ? b : ""; /* an empty body is an empty bytea, not NULL */
      cur->lengths[i] = (int)n;
      break;
    }
    default:
      LOG(LOG_ERROR, "postgres: bad parameter format '%s'", fmt);
      return ERR_INTERNAL;
    }
  }
  memcpy(cur->fmt, fmt, np + 1);
  *out = &cur->base;
  return 0;
}

/* Prepares (if needed) and runs cur, once more after a reconnect or, in
 * autocommit, after a deadlock. Inside a transaction a serialization
 * failure marks it for sq_end() to retry. */
static int run(struct pg_cur *cur)
{
  struct pg_conn *c = cur->c;
  char name[16];
  snprintf(name, sizeof(name), "w%d", (int)cur->id);
  for (int attempt = 1;; attempt++) {
    int conflict = 0, err = prepare(c, cur->id, cur->fmt);
    if (!err) {
      PGresult *res = PQexecPrepared(c->pg, name, (int)strlen(cur->fmt), cur->values,
                                     cur->lengths, cur->formats, 1);
      ExecStatusType st = PQresultStatus(res);
      if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        cur->res = res;
        cur->nrows = PQntuples(res);
        cur->row = -1;
        return 0;
      }
      /* The server went away since the last use (a restart): the
       * statement did not run; reconnect and run it once more. */
      if (attempt == 1 && reconnected(c)) {
        PQclear(res);
        continue;
      }
      err = pg_err(c->pg, res, sq_stmt_sql(cur->id), &conflict);
      PQclear(res);
    } else if (attempt == 1 && reconnected(c)) {
      continue; /* prepare() found the connection gone */
    }
    if (conflict && c->in_tx) {
      c->tx_conflict = 1;
      return err;
    }
    if (conflict && attempt < PG_STMT_TRIES) {
      backoff(c, attempt);
      continue;
    }
    return err;
  }
}

static int pgc_step(struct sq_cur *sc)
{
  struct pg_cur *cur = (struct pg_cur *)sc;
  if (!cur->res) {
    int err = run(cur);
    if (err)
      return err;
  }
  if (cur->row + 1 < cur->nrows) {
    cur->row++;
    return SQ_ROW;
  }
  cur->row = cur->nrows;
  return SQ_DONE;
}

static int pgc_changes(struct sq_cur *sc)
{
  struct pg_cur *cur = (struct pg_cur *)sc;
  return cur->res ? atoi(PQcmdTuples(cur->res)) : 0;
}

static int64_t pgc_col_int64(struct sq_cur *sc, int col)
{
  struct pg_cur *cur = (struct pg_cur *)sc;
  if (PQgetisnull(cur->res, cur->row, col))
    return 0;
  const unsigned char *v = (const unsigned char *)PQgetvalue(cur->res, cur->row, col);
  int len = PQgetlength(cur->res, cur->row, col);
  Oid type = PQftype(cur->res, col);
  if ((type == OID_INT8 && len == 8) || (type == OID_INT4 && len == 4) ||
      (type == OID_INT2 && len == 2) || (type == OID_BOOL && len == 1)) {
    uint64_t u = v[0] & 0x80 && type != OID_BOOL ? UINT64_MAX : 0; /* sign-extend */
    for (int i = 0; i < len; i++)
      u = u << 8 | v[i];
    return (int64_t)u;
  }
  LOG(LOG_ERROR, "postgres: column %d of statement %d is type %u, not an integer", col,
      (int)cur->id, (unsigned)type);
  return 0;
}

static int pgc_col_text(const char **out, size_t *out_len, struct sq_cur *sc, int col)
{
  struct pg_cur *cur = (struct pg_cur *)sc;
  if (PQgetisnull(cur->res, cur->row, col)) {
    *out = NULL;
    *out_len = 0;
    return 0;
  }
  Oid type = PQftype(cur->res, col);
  if (type == OID_INT8 || type == OID_INT4 || type == OID_INT2) {
    /* SQLite reads a number as its decimal text: so do we */
    snprintf(cur->num, sizeof(cur->num), "%lld", (long long)pgc_col_int64(sc, col));
    *out = cur->num;
    *out_len = strlen(cur->num);
    return 0;
  }
  *out = PQgetvalue(cur->res, cur->row, col); /* binary text is its bytes */
  *out_len = (size_t)PQgetlength(cur->res, cur->row, col);
  return 0;
}

static int pgc_col_blob(const void **out, size_t *out_len, struct sq_cur *sc, int col)
{
  const char *s;
  int err = pgc_col_text(&s, out_len, sc, col);
  if (!err)
    *out = s;
  return err;
}

/* --- transactions -------------------------------------------------------- */

static int pgc_begin(struct sq_conn *conn)
{
  struct pg_conn *c = (struct pg_conn *)conn;
  if (c->in_tx) {
    LOG(LOG_ERROR, "postgres: nested transaction");
    return ERR_INTERNAL;
  }
  static const char begin[] = "BEGIN ISOLATION LEVEL SERIALIZABLE";
  PGresult *res = PQexec(c->pg, begin);
  if (PQresultStatus(res) != PGRES_COMMAND_OK && reconnected(c)) {
    PQclear(res);
    res = PQexec(c->pg, begin);
  }
  int err = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_err(c->pg, res, begin, NULL);
  PQclear(res);
  if (err) {
    c->tx_tries = 0; /* the caller gives up: the next transaction starts afresh */
    return err;
  }
  c->in_tx = 1;
  c->tx_conflict = 0;
  return 0;
}

static int pgc_end(struct sq_conn *conn, int err)
{
  struct pg_conn *c = (struct pg_conn *)conn;
  int conflict = c->tx_conflict;
  if (!err && !conflict) {
    PGresult *res = PQexec(c->pg, "COMMIT");
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
      err = pg_err(c->pg, res, "COMMIT", &conflict);
    else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
      err = ERR_INTERNAL; /* it was rolled back: a failed statement went unnoticed */
    PQclear(res);
  }
  if (err || conflict)
    PQclear(PQexec(c->pg, "ROLLBACK"));
  c->in_tx = c->tx_conflict = 0;
  if (conflict) {
    if (++c->tx_tries < PG_TX_TRIES) {
      backoff(c, c->tx_tries);
      return SQ_RETRY;
    }
    LOG(LOG_WARN, "postgres: transaction still conflicting after %d attempts", PG_TX_TRIES);
    err = ERR_IO;
  }
  c->tx_tries = 0;
  return err;
}

static const struct sq_engine pg_engine = {
  .name = "postgres",
  .conn_get = pgc_conn_get,
  .query = pgc_query,
  .step = pgc_step,
  .changes = pgc_changes,
  .col_int64 = pgc_col_int64,
  .col_text = pgc_col_text,
  .col_blob = pgc_col_blob,
  .done = pgc_done,
  .begin = pgc_begin,
  .end = pgc_end,
};

/* --- open / close ---------------------------------------------------------- */

static void pgc_close(struct meta *m)
{
  struct pg_meta *pm = (struct pg_meta *)m;
  if (!pm)
    return;
  pthread_mutex_lock(&pm->mu);
  struct pg_conn *c = pm->conns;
  pm->conns = NULL;
  pthread_mutex_unlock(&pm->mu);
  while (c) {
    struct pg_conn *next = c->next;
    conn_free(c);
    c = next;
  }
  /* Deleting the key runs no destructor: the connections are closed above. */
  pthread_key_delete(pm->key);
  pthread_mutex_destroy(&pm->mu);
  free(pm->url);
  free(pm);
}

/* Warns when text would not round-trip: names and JSON are UTF-8. */
static void check_encoding(struct pg_meta *pm, PGconn *pg)
{
  const char *enc = PQparameterStatus(pg, "server_encoding");
  if (enc && strcmp(enc, "UTF8") != 0)
    LOG(LOG_WARN, "postgres: database %s has encoding %s; create it with ENCODING 'UTF8'",
        pm->shown, enc);
}

static int pgc_open(struct meta **out, const char *url)
{
  if (strncmp(url, "postgres://", 11) != 0 && strncmp(url, "postgresql://", 13) != 0)
    return ERR_INVALID;
  struct pg_meta *pm = calloc(1, sizeof(*pm));
  if (!pm || pthread_key_create(&pm->key, conn_thread_exit) != 0) {
    free(pm);
    return ERR_NOMEM;
  }
  pthread_mutex_init(&pm->mu, NULL);
  pm->hdr.base.ops = &meta_postgres_ops;
  pm->hdr.eng = &pg_engine;
  pm->url = strdup(url);
  if (meta_url_redact(pm->shown, sizeof(pm->shown), url) != 0)
    snprintf(pm->shown, sizeof(pm->shown), "postgres://(a long URL)");
  struct sq_conn *c = NULL;
  int version = 0;
  int err = pm->url ? pgc_conn_get(&c, &pm->hdr.base) : ERR_NOMEM;
  if (!err) {
    check_encoding(pm, ((struct pg_conn *)c)->pg);
    err = pg_migrate(&version, ((struct pg_conn *)c)->pg);
  }
  if (err) {
    pgc_close(&pm->hdr.base);
    return err;
  }
  LOG(LOG_DEBUG, "postgres: opened %s at schema version %d", pm->shown, version);
  *out = &pm->hdr.base;
  return 0;
}

const struct meta_ops meta_postgres_ops = {
  .scheme = "postgres",
  .open = pgc_open,
  .close = pgc_close,
  SQ_META_OPS_SHARED,
};

#else /* !WHARF_WITH_POSTGRES */

static int pgc_open(struct meta **out, const char *url)
{
  (void)out, (void)url;
  LOG(LOG_ERROR, "postgres: this wharf was built without PostgreSQL support (libpq)");
  return ERR_UNSUPPORTED;
}

/* Nothing but open() is reached: it never succeeds. */
const struct meta_ops meta_postgres_ops = {
  .scheme = "postgres",
  .open = pgc_open,
};

#endif
