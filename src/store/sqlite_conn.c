/* The SQLite engine of the SQL store (store/sqlite_int.h): connections,
 * prepared statements, stepping and columns, transactions, open/close and
 * the "sqlite" meta_ops table. Set-up, migrations and error mapping are in
 * sqlite_schema.c.
 *
 * One meta instance is shared by every HTTP worker thread. A sqlite3
 * connection is not, so each thread lazily opens its own (a pthread key per
 * instance) with its own cache of prepared statements; a registry of all of
 * them lets meta_close() close the connections of threads still alive. A
 * thread's connection is closed when the thread exits, so meta_close() must
 * not race with worker threads still using or leaving the instance: join
 * them first. */
#include "store/sqlite_int.h"

#include "store/sqlite_engine.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"

struct lite_conn;

/* A cached statement of one connection. */
struct lite_cur {
  struct sq_cur base;
  struct lite_conn *c;
  sqlite3_stmt *st;
};

struct lite_conn {
  struct sq_conn base;
  struct lite_conn *prev, *next; /* registry of the owning instance */
  struct lite_meta *owner;
  sqlite3 *db;
  int64_t busy_start; /* busy handler's scratch */
  struct lite_cur cur[SQ__COUNT];
};

struct lite_meta {
  struct sq_meta hdr;
  char *path;           /* absolute, so a chdir() cannot move it */
  pthread_key_t key;    /* this thread's struct lite_conn */
  pthread_mutex_t mu;   /* guards conns */
  struct lite_conn *conns;
  /* Held by the one thread of this process writing to the database.
   * SQLite's busy handler polls with sleeps up to 100 ms, so threads that
   * write back to back starve a waiting one for seconds; queueing on a
   * mutex first leaves the busy handler to arbitrate between processes. */
  pthread_mutex_t wmu;
};

static const struct sq_engine lite_engine;

/* --- connections --------------------------------------------------------- */

static void conn_free(struct lite_conn *c)
{
  for (int i = 0; i < SQ__COUNT; i++)
    sqlite3_finalize(c->cur[i].st);
  if (sqlite3_close(c->db) != SQLITE_OK)
    LOG(LOG_ERROR, "sqlite: close: %s", sqlite3_errmsg(c->db));
  free(c);
}

static void conn_unregister(struct lite_conn *c)
{
  struct lite_meta *sm = c->owner;
  pthread_mutex_lock(&sm->mu);
  if (c->prev)
    c->prev->next = c->next;
  else
    sm->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  pthread_mutex_unlock(&sm->mu);
}

/* pthread key destructor: the thread that owned the connection is exiting. */
static void conn_thread_exit(void *arg)
{
  struct lite_conn *c = arg;
  conn_unregister(c);
  conn_free(c);
}

static int conn_open(struct lite_conn **out, struct lite_meta *sm)
{
  struct lite_conn *c = calloc(1, sizeof(*c));
  if (!c)
    return ERR_NOMEM;
  c->base.eng = &lite_engine;
  for (int i = 0; i < SQ__COUNT; i++)
    c->cur[i] = (struct lite_cur){ .base.eng = &lite_engine, .c = c };
  /* NOMUTEX: the connection is only ever used by the thread that opened it. */
  int rc = sqlite3_open_v2(sm->path, &c->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           NULL);
  int err = 0;
  if (rc != SQLITE_OK) {
    LOG(LOG_ERROR, "sqlite: open %s: %s", sm->path,
        c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
    err = rc == SQLITE_NOMEM ? ERR_NOMEM : ERR_IO;
    goto out;
  }
  err = meta_sqlite_configure(c->db, &c->busy_start);
  if (err)
    goto out;
  c->owner = sm;
  pthread_mutex_lock(&sm->mu);
  c->next = sm->conns;
  if (sm->conns)
    sm->conns->prev = c;
  sm->conns = c;
  pthread_mutex_unlock(&sm->mu);
  *out = c;
  c = NULL;
out:
  if (c) {
    sqlite3_close(c->db);
    free(c);
  }
  return err;
}

static int lite_conn_get(struct sq_conn **out, struct meta *m)
{
  struct lite_meta *sm = (struct lite_meta *)m;
  struct lite_conn *c = pthread_getspecific(sm->key);
  if (!c) {
    int err = conn_open(&c, sm);
    if (err)
      return err;
    if (pthread_setspecific(sm->key, c) != 0) {
      conn_unregister(c);
      conn_free(c);
      return ERR_NOMEM;
    }
  }
  *out = &c->base;
  return 0;
}

/* --- statements ---------------------------------------------------------- */

static int bindv(sqlite3_stmt *st, const char *fmt, va_list ap)
{
  int rc = SQLITE_OK;
  for (int i = 1; *fmt && rc == SQLITE_OK; fmt++, i++) {
    switch (*fmt) {
    case 'i':
      rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
      break;
    case 't': {
      const char *s = va_arg(ap, const char *);
      rc = s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
      break;
    }
    case 'b': {
      const void *b = va_arg(ap, const void *);
      size_t n = va_arg(ap, size_t);
      /* A NULL pointer would bind SQL NULL; an empty body is a zero-length blob. */
      rc = sqlite3_bind_blob64(st, i, b ? b : "", n, SQLITE_STATIC);
      break;
    }
    default:
      rc = SQLITE_MISUSE;
    }
  }
  return rc;
}

static void lite_done(struct sq_cur *cur)
{
  sqlite3_stmt *st = ((struct lite_cur *)cur)->st;
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

static int lite_query(struct sq_conn *conn, struct sq_cur **out, enum sq_stmt id,
                      const char *fmt, va_list ap)
{
  struct lite_conn *c = (struct lite_conn *)conn;
  struct lite_cur *cur = &c->cur[id];
  const char *sql = sq_stmt_sql(id);
  if (!sql) {
    LOG(LOG_ERROR, "sqlite: no SQL for statement %d", (int)id);
    return ERR_INTERNAL;
  }
  if (!cur->st) {
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &cur->st, NULL);
    if (rc != SQLITE_OK)
      return meta_sqlite_err(c->db, rc, sql);
  }
  /* A format that does not match the statement is a bug, caught here
   * rather than as a value bound to the wrong column. */
  if (strlen(fmt) != (size_t)sqlite3_bind_parameter_count(cur->st)) {
    LOG(LOG_ERROR, "sqlite: %zu parameters given for: %s", strlen(fmt), sql);
    return ERR_INTERNAL;
  }
  int rc = bindv(cur->st, fmt, ap);
  if (rc != SQLITE_OK) {
    lite_done(&cur->base);
    return meta_sqlite_err(c->db, rc, sql);
  }
  *out = &cur->base;
  return 0;
}

/* sqlite3_step(); a write outside sq_begin()/sq_end() is a transaction of
 * its own and queues on the write mutex like one. */
static int lite_step(struct sq_cur *sc)
{
  struct lite_cur *cur = (struct lite_cur *)sc;
  struct lite_conn *c = cur->c;
  int lock = sqlite3_get_autocommit(c->db) && !sqlite3_stmt_readonly(cur->st);
  if (lock)
    pthread_mutex_lock(&c->owner->wmu);
  int rc = sqlite3_step(cur->st);
  if (lock)
    pthread_mutex_unlock(&c->owner->wmu);
  if (rc == SQLITE_ROW)
    return SQ_ROW;
  if (rc == SQLITE_DONE)
    return SQ_DONE;
  return meta_sqlite_err(c->db, rc, sqlite3_sql(cur->st));
}

static int lite_changes(struct sq_cur *sc)
{
  return sqlite3_changes(((struct lite_cur *)sc)->c->db);
}

static int64_t lite_col_int64(struct sq_cur *sc, int col)
{
  return sqlite3_column_int64(((struct lite_cur *)sc)->st, col);
}

static int lite_col_text(const char **out, size_t *out_len, struct sq_cur *sc, int col)
{
  sqlite3_stmt *st = ((struct lite_cur *)sc)->st;
  if (sqlite3_column_type(st, col) == SQLITE_NULL) {
    *out = NULL;
    *out_len = 0;
    return 0;
  }
  const unsigned char *s = sqlite3_column_text(st, col);
  if (!s)
    return ERR_NOMEM;
  *out = (const char *)s;
  *out_len = (size_t)sqlite3_column_bytes(st, col);
  return 0;
}

static int lite_col_blob(const void **out, size_t *out_len, struct sq_cur *sc, int col)
{
  sqlite3_stmt *st = ((struct lite_cur *)sc)->st;
  if (sqlite3_column_type(st, col) == SQLITE_NULL) {
    *out = NULL;
    *out_len = 0;
    return 0;
  }
  const void *b = sqlite3_column_blob(st, col);
  size_t n = (size_t)sqlite3_column_bytes(st, col);
  if (!b && n) /* a zero-length blob reads as NULL */
    return ERR_NOMEM;
  *out = b ? b : "";
  *out_len = n;
  return 0;
}

static int lite_begin(struct sq_conn *conn)
{
  struct lite_conn *c = (struct lite_conn *)conn;
  pthread_mutex_lock(&c->owner->wmu);
  int rc = meta_sqlite_begin(c->db);
  if (rc == SQLITE_OK)
    return 0;
  pthread_mutex_unlock(&c->owner->wmu);
  return meta_sqlite_err(c->db, rc, "BEGIN IMMEDIATE");
}

/* Never SQ_RETRY: the write lock taken at BEGIN leaves nothing to conflict. */
static int lite_end(struct sq_conn *conn, int err)
{
  struct lite_conn *c = (struct lite_conn *)conn;
  if (err == 0) {
    int rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
      err = meta_sqlite_err(c->db, rc, "COMMIT");
  }
  if (err)
    meta_sqlite_rollback(c->db);
  pthread_mutex_unlock(&c->owner->wmu);
  return err;
}

static const struct sq_engine lite_engine = {
  .name = "sqlite",
  .conn_get = lite_conn_get,
  .query = lite_query,
  .step = lite_step,
  .changes = lite_changes,
  .col_int64 = lite_col_int64,
  .col_text = lite_col_text,
  .col_blob = lite_col_blob,
  .done = lite_done,
  .begin = lite_begin,
  .end = lite_end,
};

/* --- open / close ---------------------------------------------------------- */

/* Absolute database path from "sqlite:///abs" or "sqlite://rel" (cwd-relative). */
static int url_path(char **out, const char *url)
{
  static const char pfx[] = "sqlite://";
  if (strncmp(url, pfx, sizeof(pfx) - 1) != 0)
    return ERR_INVALID;
  const char *p = url + sizeof(pfx) - 1;
  size_t n = strlen(p);
  if (n == 0 || p[n - 1] == '/')
    return ERR_INVALID;
  /* Each thread opens its own connection: a private in-memory DB each. */
  if (strcmp(p, ":memory:") == 0)
    return ERR_UNSUPPORTED;
  if (n >= PATH_MAX)
    return ERR_TOOBIG;
  char *r;
  if (p[0] == '/') {
    r = strdup(p);
  } else {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd)))
      return ERR_IO;
    if (strncmp(p, "./", 2) == 0)
      p += 2;
    size_t len = strlen(cwd) + 1 + strlen(p) + 1;
    r = malloc(len);
    if (r)
      snprintf(r, len, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, p);
  }
  if (!r)
    return ERR_NOMEM;
  *out = r;
  return 0;
}

/* mkdir -p of the directory holding path; directories it creates get 0700. */
static int make_parent_dirs(const char *path)
{
  char *dir = strdup(path);
  int err = 0;
  if (!dir)
    return ERR_NOMEM;
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir) {
    *slash = '\0';
    for (char *s = dir + 1;; s++) {
      if (*s != '/' && *s != '\0')
        continue;
      char saved = *s;
      *s = '\0';
      struct stat sb;
      if (stat(dir, &sb) != 0 && mkdir(dir, 0700) != 0 && errno != EEXIST) {
        LOG(LOG_ERROR, "sqlite: mkdir %s: %s", dir, strerror(errno));
        err = ERR_IO;
      }
      *s = saved;
      if (err || saved == '\0')
        break;
    }
  }
  free(dir);
  return err;
}

static void lite_close(struct meta *m)
{
  struct lite_meta *sm = (struct lite_meta *)m;
  if (!sm)
    return;
  pthread_mutex_lock(&sm->mu);
  struct lite_conn *c = sm->conns;
  sm->conns = NULL;
  pthread_mutex_unlock(&sm->mu);
  while (c) {
    struct lite_conn *next = c->next;
    conn_free(c);
    c = next;
  }
  /* Deleting the key runs no destructor: the connections are closed above. */
  pthread_key_delete(sm->key);
  pthread_mutex_destroy(&sm->mu);
  pthread_mutex_destroy(&sm->wmu);
  free(sm->path);
  free(sm);
}

static int lite_open(struct meta **out, const char *url)
{
  char *path = NULL;
  int err = url_path(&path, url);
  if (err)
    return err;
  err = make_parent_dirs(path);
  if (err) {
    free(path);
    return err;
  }
  struct lite_meta *sm = calloc(1, sizeof(*sm));
  if (!sm || pthread_key_create(&sm->key, conn_thread_exit) != 0) {
    free(sm);
    free(path);
    return ERR_NOMEM;
  }
  pthread_mutex_init(&sm->mu, NULL);
  pthread_mutex_init(&sm->wmu, NULL);
  sm->hdr.base.ops = &meta_sqlite_ops;
  sm->hdr.eng = &lite_engine;
  sm->path = path;
  struct sq_conn *c;
  int version = 0;
  err = lite_conn_get(&c, &sm->hdr.base);
  if (!err)
    err = meta_sqlite_migrate(&version, ((struct lite_conn *)c)->db);
  if (err) {
    lite_close(&sm->hdr.base);
    return err;
  }
  LOG(LOG_DEBUG, "sqlite: opened %s at schema version %d", sm->path, version);
  *out = &sm->hdr.base;
  return 0;
}

const struct meta_ops meta_sqlite_ops = {
  .scheme = "sqlite",
  .open = lite_open,
  .close = lite_close,
  SQ_META_OPS_SHARED,
};
