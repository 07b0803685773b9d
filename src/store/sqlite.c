/* SQLite metadata backend: connections, statements, repositories, blobs and
 * upload sessions. Manifests and tags are in sqlite_manifest.c, the schema
 * and its migrations in sqlite_schema.c.
 *
 * One meta instance is shared by every HTTP worker thread. A sqlite3
 * connection is not, so each thread lazily opens its own (a pthread key per
 * instance) with its own cache of prepared statements; a registry of all of
 * them lets meta_close() close the connections of threads still alive. A
 * thread's connection is closed when the thread exits, so meta_close() must
 * not race with worker threads still using or leaving the instance: join
 * them first. */
#include "store/sqlite_int.h"

#include "store/ident.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

static const char *const stmt_sql[SQ_IDENT_FIRST] = {
  [SQ_SCHEMA_VERSION] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
  [SQ_REPO_ID] = "SELECT id FROM repo WHERE name = ?1",
  [SQ_REPO_INSERT] = "INSERT INTO repo(name, created_at) VALUES (?1, ?2) "
                     "ON CONFLICT (name) DO NOTHING",
  [SQ_REPO_LIST] = "SELECT name FROM repo ORDER BY name LIMIT ?1",
  [SQ_REPO_LIST_AFTER] = "SELECT name FROM repo WHERE name > ?2 ORDER BY name LIMIT ?1",
  [SQ_BLOB_INSERT] = "INSERT INTO blob(digest, size, created_at) VALUES (?1, ?2, ?3) "
                     "ON CONFLICT (digest) DO NOTHING",
  [SQ_BLOB_SIZE] = "SELECT size FROM blob WHERE digest = ?1",
  [SQ_LINK_INSERT] = "INSERT INTO repo_blob(repo_id, digest, created_at) VALUES (?1, ?2, ?3) "
                     "ON CONFLICT (repo_id, digest) DO NOTHING",
  [SQ_LINK_SIZE] = "SELECT b.size FROM repo_blob rb JOIN blob b ON b.digest = rb.digest "
                   "WHERE rb.repo_id = ?1 AND rb.digest = ?2",
  [SQ_LINK_DELETE] = "DELETE FROM repo_blob WHERE repo_id = ?1 AND digest = ?2",
  [SQ_REF_USED] = "SELECT 1 FROM manifest_ref r JOIN manifest m ON m.id = r.manifest_id "
                  "WHERE r.digest = ?2 AND r.is_manifest = ?3 AND m.repo_id = ?1 LIMIT 1",
  [SQ_UPLOAD_INSERT] = "INSERT INTO upload(uuid, repo_id, byte_offset, created_at, updated_at) "
                       "VALUES (?1, ?2, 0, ?3, ?3)",
  [SQ_UPLOAD_GET] = "SELECT uuid, repo_id, byte_offset, created_at, updated_at FROM upload "
                    "WHERE uuid = ?1",
  [SQ_UPLOAD_CAS] = "UPDATE upload SET byte_offset = ?3, updated_at = ?4 "
                    "WHERE uuid = ?1 AND byte_offset = ?2",
  [SQ_UPLOAD_DELETE] = "DELETE FROM upload WHERE uuid = ?1",
  [SQ_UPLOAD_STALE] = "SELECT uuid FROM upload WHERE updated_at < ?1 ORDER BY updated_at LIMIT ?2",
  [SQ_MANIFEST_ID] = "SELECT id FROM manifest WHERE repo_id = ?1 AND digest = ?2",
  [SQ_MANIFEST_INSERT] = "INSERT INTO manifest(repo_id, digest, media_type, artifact_type, "
                         "subject, annotations, body, size, created_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
  [SQ_MANIFEST_GET] = "SELECT digest, media_type, artifact_type, subject, annotations, size, "
                      "created_at, body FROM manifest WHERE repo_id = ?1 AND digest = ?2",
  [SQ_MANIFEST_DELETE] = "DELETE FROM manifest WHERE id = ?1",
  [SQ_MREF_INSERT] = "INSERT INTO manifest_ref(manifest_id, digest, is_manifest) "
                     "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
  [SQ_MREF_DELETE] = "DELETE FROM manifest_ref WHERE manifest_id = ?1",
  [SQ_REFERRERS] = "SELECT digest, media_type, artifact_type, subject, annotations, size, "
                   "created_at FROM manifest WHERE repo_id = ?1 AND subject = ?2 ORDER BY id",
  [SQ_REFERRERS_TYPE] = "SELECT digest, media_type, artifact_type, subject, annotations, size, "
                        "created_at FROM manifest "
                        "WHERE repo_id = ?1 AND subject = ?2 AND artifact_type = ?3 ORDER BY id",
  [SQ_TAG_UPSERT] = "INSERT INTO tag(repo_id, name, manifest_id, updated_at) "
                    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (repo_id, name) DO UPDATE "
                    "SET manifest_id = excluded.manifest_id, updated_at = excluded.updated_at",
  [SQ_TAG_RESOLVE] = "SELECT m.digest FROM tag t JOIN manifest m ON m.id = t.manifest_id "
                     "WHERE t.repo_id = ?1 AND t.name = ?2",
  [SQ_TAG_LIST] = "SELECT name FROM tag WHERE repo_id = ?2 ORDER BY name LIMIT ?1",
  [SQ_TAG_LIST_AFTER] = "SELECT name FROM tag WHERE repo_id = ?2 AND name > ?3 "
                        "ORDER BY name LIMIT ?1",
  [SQ_TAG_DELETE] = "DELETE FROM tag WHERE repo_id = ?1 AND name = ?2",
  [SQ_TAG_DELETE_MANIFEST] = "DELETE FROM tag WHERE manifest_id = ?1",
};

struct sq_conn {
  struct sq_conn *prev, *next; /* registry of the owning instance */
  struct sq_meta *owner;
  sqlite3 *db;
  int64_t busy_start; /* busy handler's scratch */
  sqlite3_stmt *st[SQ__COUNT];
};

struct sq_meta {
  struct meta base;
  char *path;           /* absolute, so a chdir() cannot move it */
  pthread_key_t key;    /* this thread's struct sq_conn */
  pthread_mutex_t mu;   /* guards conns */
  struct sq_conn *conns;
  /* Held by the one thread of this process writing to the database.
   * SQLite's busy handler polls with sleeps up to 100 ms, so threads that
   * write back to back starve a waiting one for seconds; queueing on a
   * mutex first leaves the busy handler to arbitrate between processes. */
  pthread_mutex_t wmu;
};

/* --- connections --------------------------------------------------------- */

static void conn_free(struct sq_conn *c)
{
  for (int i = 0; i < SQ__COUNT; i++)
    sqlite3_finalize(c->st[i]);
  if (sqlite3_close(c->db) != SQLITE_OK)
    LOG(LOG_ERROR, "sqlite: close: %s", sqlite3_errmsg(c->db));
  free(c);
}

static void conn_unregister(struct sq_conn *c)
{
  struct sq_meta *sm = c->owner;
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
  struct sq_conn *c = arg;
  conn_unregister(c);
  conn_free(c);
}

static int conn_open(struct sq_conn **out, struct sq_meta *sm)
{
  struct sq_conn *c = calloc(1, sizeof(*c));
  if (!c)
    return ERR_NOMEM;
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

int sq_conn_get(struct sq_conn **out, struct meta *m)
{
  struct sq_meta *sm = (struct sq_meta *)m;
  struct sq_conn *c = pthread_getspecific(sm->key);
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
  *out = c;
  return 0;
}

int sq_err(struct sq_conn *c, int rc, const char *what)
{
  return meta_sqlite_err(c->db, rc, what);
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

/* SQL of statement id: this file's table, or sqlite_ident.c's for identity.
 * NULL only for an enum entry added without its SQL (query_v checks). */
static const char *stmt_text(enum sq_stmt id)
{
  return id < SQ_IDENT_FIRST ? stmt_sql[id] : sq_ident_sql[id - SQ_IDENT_FIRST];
}

static int query_v(struct sq_conn *c, sqlite3_stmt **out, enum sq_stmt id, const char *fmt,
                   va_list ap)
{
  sqlite3_stmt *st = c->st[id];
  if (!st) {
    const char *sql = stmt_text(id);
    if (!sql) {
      LOG(LOG_ERROR, "sqlite: no SQL for statement %d", (int)id);
      return ERR_INTERNAL;
    }
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK)
      return meta_sqlite_err(c->db, rc, sql);
    c->st[id] = st;
  }
  /* A format that does not match the statement is a bug, caught here
   * rather than as a value bound to the wrong column. */
  if (strlen(fmt) != (size_t)sqlite3_bind_parameter_count(st)) {
    LOG(LOG_ERROR, "sqlite: %zu parameters given for: %s", strlen(fmt), stmt_text(id));
    return ERR_INTERNAL;
  }
  int rc = bindv(st, fmt, ap);
  if (rc != SQLITE_OK) {
    sq_done(st);
    return meta_sqlite_err(c->db, rc, stmt_text(id));
  }
  *out = st;
  return 0;
}

int sq_query(struct sq_conn *c, sqlite3_stmt **out, enum sq_stmt id, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int err = query_v(c, out, id, fmt, ap);
  va_end(ap);
  return err;
}

void sq_done(sqlite3_stmt *st)
{
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

/* sqlite3_step(); a write outside sq_begin()/sq_end() is a transaction of
 * its own and queues on the write mutex like one. */
static int step(struct sq_conn *c, sqlite3_stmt *st)
{
  int lock = sqlite3_get_autocommit(c->db) && !sqlite3_stmt_readonly(st);
  if (lock)
    pthread_mutex_lock(&c->owner->wmu);
  int rc = sqlite3_step(st);
  if (lock)
    pthread_mutex_unlock(&c->owner->wmu);
  return rc;
}

int sq_exec(struct sq_conn *c, int *out_changes, enum sq_stmt id, const char *fmt, ...)
{
  sqlite3_stmt *st;
  va_list ap;
  va_start(ap, fmt);
  int err = query_v(c, &st, id, fmt, ap);
  va_end(ap);
  if (err)
    return err;
  int rc = step(c, st);
  if (rc == SQLITE_DONE) {
    if (out_changes)
      *out_changes = sqlite3_changes(c->db);
  } else {
    err = meta_sqlite_err(c->db, rc, stmt_text(id));
  }
  sq_done(st);
  return err;
}

int sq_int64(struct sq_conn *c, int64_t *out, enum sq_stmt id, const char *fmt, ...)
{
  sqlite3_stmt *st;
  va_list ap;
  va_start(ap, fmt);
  int err = query_v(c, &st, id, fmt, ap);
  va_end(ap);
  if (err)
    return err;
  int rc = step(c, st);
  if (rc == SQLITE_ROW) {
    int64_t v = sqlite3_column_int64(st, 0);
    /* Run INSERT ... RETURNING to completion before reporting success
     * (SQLite made every change at the first step). */
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
      ;
    if (rc == SQLITE_DONE) {
      if (out)
        *out = v;
    } else {
      err = meta_sqlite_err(c->db, rc, stmt_text(id));
    }
  } else if (rc == SQLITE_DONE) {
    err = ERR_NOTFOUND;
  } else {
    err = meta_sqlite_err(c->db, rc, stmt_text(id));
  }
  sq_done(st);
  return err;
}

int sq_begin(struct sq_conn *c)
{
  pthread_mutex_lock(&c->owner->wmu);
  int rc = meta_sqlite_begin(c->db);
  if (rc == SQLITE_OK)
    return 0;
  pthread_mutex_unlock(&c->owner->wmu);
  return meta_sqlite_err(c->db, rc, "BEGIN IMMEDIATE");
}

int sq_end(struct sq_conn *c, int err)
{
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

int sq_col_text(char **out, struct pool *p, sqlite3_stmt *st, int col)
{
  if (sqlite3_column_type(st, col) == SQLITE_NULL) {
    *out = NULL;
    return 0;
  }
  const unsigned char *s = sqlite3_column_text(st, col);
  if (!s)
    return ERR_NOMEM;
  char *r = pool_strndup(p, (const char *)s, (size_t)sqlite3_column_bytes(st, col));
  if (!r)
    return ERR_NOMEM;
  *out = r;
  return 0;
}

int sq_grow(struct pool *p, void **arr, size_t *cap, size_t n, size_t elem)
{
  if (n < *cap)
    return 0;
  size_t ncap = *cap ? *cap * 2 : 16;
  if (ncap < *cap || ncap > SIZE_MAX / elem)
    return ERR_NOMEM;
  void *na = pool_alloc(p, ncap * elem);
  if (!na)
    return ERR_NOMEM;
  if (n)
    memcpy(na, *arr, n * elem);
  *arr = na;
  *cap = ncap;
  return 0;
}

int64_t sq_fetch_limit(size_t limit)
{
  return limit >= (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit + 1;
}

int sq_list_names(char ***out_names, size_t *out_n, int *out_more, struct sq_conn *c,
                  struct pool *p, sqlite3_stmt *st, size_t limit)
{
  char **names = NULL;
  size_t n = 0, cap = 0;
  int more = 0, rc = SQLITE_DONE, err = sq_grow(p, (void **)&names, &cap, 0, sizeof(*names));
  while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n == limit) {
      more = 1;
      break;
    }
    /* keep one slot spare for the NULL terminator */
    err = sq_grow(p, (void **)&names, &cap, n + 1, sizeof(*names));
    if (!err)
      err = sq_col_text(&names[n], p, st, 0);
    if (!err && !names[n])
      err = ERR_INTERNAL;
    n++;
  }
  if (!err && !more && rc != SQLITE_DONE)
    err = meta_sqlite_err(c->db, rc, "list names");
  sq_done(st);
  if (err)
    return err;
  names[n] = NULL;
  *out_names = names;
  *out_n = n;
  *out_more = more;
  return 0;
}

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

static void sq_close(struct meta *m)
{
  struct sq_meta *sm = (struct sq_meta *)m;
  if (!sm)
    return;
  pthread_mutex_lock(&sm->mu);
  struct sq_conn *c = sm->conns;
  sm->conns = NULL;
  pthread_mutex_unlock(&sm->mu);
  while (c) {
    struct sq_conn *next = c->next;
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

static int sq_open(struct meta **out, const char *url)
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
  struct sq_meta *sm = calloc(1, sizeof(*sm));
  if (!sm || pthread_key_create(&sm->key, conn_thread_exit) != 0) {
    free(sm);
    free(path);
    return ERR_NOMEM;
  }
  pthread_mutex_init(&sm->mu, NULL);
  pthread_mutex_init(&sm->wmu, NULL);
  sm->base.ops = &meta_sqlite_ops;
  sm->path = path;
  struct sq_conn *c;
  int version = 0;
  err = sq_conn_get(&c, &sm->base);
  if (!err)
    err = meta_sqlite_migrate(&version, c->db);
  if (err) {
    sq_close(&sm->base);
    return err;
  }
  LOG(LOG_DEBUG, "sqlite: opened %s at schema version %d", sm->path, version);
  *out = &sm->base;
  return 0;
}

static int sq_schema_version(struct meta *m, int *out)
{
  struct sq_conn *c;
  int64_t v = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_int64(c, &v, SQ_SCHEMA_VERSION, "");
  if (err)
    return err;
  *out = (int)v;
  return 0;
}

/* --- repositories -------------------------------------------------------- */

static int sq_repo_lookup(struct meta *m, int64_t *out_id, const char *name)
{
  struct sq_conn *c;
  if (!name || !*name)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  return err ? err : sq_int64(c, out_id, SQ_REPO_ID, "t", name);
}

static int sq_repo_ensure(struct meta *m, int64_t *out_id, const char *name)
{
  struct sq_conn *c;
  if (!name || !*name)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  err = sq_int64(c, out_id, SQ_REPO_ID, "t", name);
  if (err != ERR_NOTFOUND)
    return err;
  /* Two requests may create it at once: DO NOTHING, then read the winner's id. */
  err = sq_exec(c, NULL, SQ_REPO_INSERT, "ti", name, time_now());
  return err ? err : sq_int64(c, out_id, SQ_REPO_ID, "t", name);
}

static int sq_repo_list(struct meta *m, struct pool *p, char ***out_names, size_t *out_n,
                        int *out_more, const char *last, size_t limit)
{
  struct sq_conn *c;
  sqlite3_stmt *st;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  if (last)
    err = sq_query(c, &st, SQ_REPO_LIST_AFTER, "it", sq_fetch_limit(limit), last);
  else
    err = sq_query(c, &st, SQ_REPO_LIST, "i", sq_fetch_limit(limit));
  return err ? err : sq_list_names(out_names, out_n, out_more, c, p, st, limit);
}

/* --- blobs ---------------------------------------------------------------- */

static int sq_blob_add(struct meta *m, int64_t repo_id, const char *digest, int64_t size)
{
  struct sq_conn *c;
  if (!digest || !*digest || size < 0)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_begin(c);
  if (err)
    return err;
  int64_t now = time_now();
  err = sq_exec(c, NULL, SQ_BLOB_INSERT, "tii", digest, size, now);
  if (!err) /* a missing repository fails the foreign key: ERR_NOTFOUND */
    err = sq_exec(c, NULL, SQ_LINK_INSERT, "iti", repo_id, digest, now);
  return sq_end(c, err);
}

static int sq_blob_linked(struct meta *m, int64_t *out_size, int64_t repo_id,
                          const char *digest)
{
  struct sq_conn *c;
  if (!digest)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  return err ? err : sq_int64(c, out_size, SQ_LINK_SIZE, "it", repo_id, digest);
}

static int sq_blob_stat(struct meta *m, int64_t *out_size, const char *digest)
{
  struct sq_conn *c;
  if (!digest)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  return err ? err : sq_int64(c, out_size, SQ_BLOB_SIZE, "t", digest);
}

static int sq_blob_link(struct meta *m, int64_t repo_id, const char *digest)
{
  struct sq_conn *c;
  if (!digest)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  /* The foreign keys to blob and repo turn a missing one into ERR_NOTFOUND. */
  return err ? err : sq_exec(c, NULL, SQ_LINK_INSERT, "iti", repo_id, digest, time_now());
}

static int sq_blob_unlink(struct meta *m, int64_t repo_id, const char *digest)
{
  struct sq_conn *c;
  int changes = 0;
  if (!digest)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_begin(c);
  if (err)
    return err;
  err = sq_int64(c, NULL, SQ_REF_USED, "iti", repo_id, digest, (int64_t)0);
  if (err == 0)
    err = ERR_CONFLICT;
  else if (err == ERR_NOTFOUND)
    err = sq_exec(c, &changes, SQ_LINK_DELETE, "it", repo_id, digest);
  if (!err && changes == 0)
    err = ERR_NOTFOUND;
  return sq_end(c, err);
}

/* --- upload sessions ------------------------------------------------------ */

static int sq_upload_create(struct meta *m, int64_t repo_id, const char *uuid)
{
  struct sq_conn *c;
  if (!uuid || !*uuid || strlen(uuid) >= sizeof(((struct meta_upload *)0)->uuid))
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  /* ERR_EXISTS for a reused uuid, ERR_NOTFOUND for an unknown repository */
  return err ? err : sq_exec(c, NULL, SQ_UPLOAD_INSERT, "tii", uuid, repo_id, time_now());
}

static int sq_upload_get(struct meta *m, struct meta_upload *out, const char *uuid)
{
  struct sq_conn *c;
  sqlite3_stmt *st;
  if (!uuid)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_UPLOAD_GET, "t", uuid);
  if (err)
    return err;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    struct meta_upload u = { .repo_id = sqlite3_column_int64(st, 1),
                             .offset = sqlite3_column_int64(st, 2),
                             .created_at = sqlite3_column_int64(st, 3),
                             .updated_at = sqlite3_column_int64(st, 4) };
    const unsigned char *s = sqlite3_column_text(st, 0);
    snprintf(u.uuid, sizeof(u.uuid), "%s", s ? (const char *)s : "");
    *out = u;
  } else {
    err = rc == SQLITE_DONE ? ERR_NOTFOUND : meta_sqlite_err(c->db, rc, "upload get");
  }
  sq_done(st);
  return err;
}

static int sq_upload_set_offset(struct meta *m, const char *uuid, int64_t expected,
                                int64_t offset)
{
  struct sq_conn *c;
  int changes = 0;
  if (!uuid || offset < 0)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_UPLOAD_CAS, "tiii", uuid, expected, offset, time_now());
  if (err || changes == 1)
    return err;
  /* Nothing matched: tell a moved offset from a deleted session. */
  struct meta_upload u;
  err = sq_upload_get(m, &u, uuid);
  return err ? err : ERR_CONFLICT;
}

static int sq_upload_delete(struct meta *m, const char *uuid)
{
  struct sq_conn *c;
  int changes = 0;
  if (!uuid)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_UPLOAD_DELETE, "t", uuid);
  return err ? err : changes ? 0 : ERR_NOTFOUND;
}

static int sq_upload_stale(struct meta *m, struct pool *p, char ***out_uuids, size_t *out_n,
                           int64_t before, size_t limit)
{
  struct sq_conn *c;
  sqlite3_stmt *st;
  int more;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_UPLOAD_STALE, "ii", before, sq_fetch_limit(limit));
  return err ? err : sq_list_names(out_uuids, out_n, &more, c, p, st, limit);
}

const struct meta_ops meta_sqlite_ops = {
  .scheme = "sqlite",
  .open = sq_open,
  .close = sq_close,
  .schema_version = sq_schema_version,
  .repo_ensure = sq_repo_ensure,
  .repo_lookup = sq_repo_lookup,
  .repo_list = sq_repo_list,
  .blob_add = sq_blob_add,
  .blob_linked = sq_blob_linked,
  .blob_stat = sq_blob_stat,
  .blob_link = sq_blob_link,
  .blob_unlink = sq_blob_unlink,
  .upload_create = sq_upload_create,
  .upload_get = sq_upload_get,
  .upload_set_offset = sq_upload_set_offset,
  .upload_delete = sq_upload_delete,
  .upload_stale = sq_upload_stale,
  .manifest_put = sq_manifest_put,
  .manifest_get = sq_manifest_get,
  .manifest_delete = sq_manifest_delete,
  .referrers = sq_referrers,
  .tag_resolve = sq_tag_resolve,
  .tag_list = sq_tag_list,
  .tag_delete = sq_tag_delete,
  .ident = &meta_sqlite_ident_ops,
};
