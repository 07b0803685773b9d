/* The destination of a metadata copy (store/meta_copy_int.h): a connection
 * of its own to a SQLite or a PostgreSQL database, opened after meta_open()
 * migrated that database, running the copy's ad-hoc SQL. */
#include "store/meta_copy_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#include "store/postgres_int.h"

#ifdef WHARF_WITH_POSTGRES
#include <libpq-fe.h>
#endif

/* Parameters of one PostgreSQL INSERT: the columns of a SQLite row. */
#define MC_MAX_COLS 64
/* INSERTs sent before their results are read (libpq pipeline mode): one
 * round trip per batch instead of per row, with results small enough that
 * neither side's socket buffer fills while the other is not reading. */
#define MC_PIPELINE_BATCH 256

struct mc_sink {
  sqlite3 *db;       /* SQLite destination, or NULL */
  sqlite3_stmt *ins; /* its prepared INSERT */
#ifdef WHARF_WITH_POSTGRES
  PGconn *pg;        /* PostgreSQL destination, or NULL */
  int pg_prepared;
  int pending;       /* INSERTs sent in pipeline mode, results not read yet */
#endif
};

int mc_sink_is_postgres(const struct mc_sink *s)
{
#ifdef WHARF_WITH_POSTGRES
  return s->pg != NULL;
#else
  (void)s;
  return 0;
#endif
}

/* --- SQLite ------------------------------------------------------------------- */

static int lite_fail(struct mc_sink *s, int rc, char *err, size_t errlen)
{
  snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
  return (rc & 0xff) == SQLITE_CONSTRAINT ? ERR_INVALID : ERR_IO;
}

static int lite_prepare(struct mc_sink *s, sqlite3_stmt **out, const char *sql, int nparams,
                        const char *const *params, char *err, size_t errlen)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  for (int i = 0; rc == SQLITE_OK && i < nparams; i++)
    rc = params[i] ? sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_STATIC)
                   : sqlite3_bind_null(st, i + 1);
  if (rc != SQLITE_OK) {
    int e = lite_fail(s, rc, err, errlen);
    sqlite3_finalize(st);
    return e;
  }
  *out = st;
  return 0;
}

static int lite_query(struct mc_sink *s, char (*cols)[MC_COL_MAX], int ncols, const char *sql,
                      int nparams, const char *const *params, char *err, size_t errlen)
{
  sqlite3_stmt *st = NULL;
  int e = lite_prepare(s, &st, sql, nparams, params, err, errlen);
  if (e)
    return e;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    for (int i = 0; i < ncols && cols; i++) {
      const unsigned char *t = sqlite3_column_text(st, i);
      snprintf(cols[i], MC_COL_MAX, "%s", t ? (const char *)t : "");
    }
    e = 0;
  } else if (rc == SQLITE_DONE) {
    e = cols ? ERR_NOTFOUND : 0;
  } else {
    e = lite_fail(s, rc, err, errlen);
  }
  sqlite3_finalize(st);
  return e;
}

static int lite_open(struct mc_sink *s, const char *url, char *err, size_t errlen)
{
  int rc = sqlite3_open_v2(url + strlen("sqlite://"), &s->db, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_busy_timeout(s->db, 5000);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(s->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "cannot open the destination database: %s",
             s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    return ERR_IO;
  }
  return 0;
}

/* --- PostgreSQL ------------------------------------------------------------------ */
#ifdef WHARF_WITH_POSTGRES

static int pg_open(struct mc_sink *s, const char *url, char *err, size_t errlen)
{
  const char *const keys[] = { "connect_timeout", "application_name", "client_encoding",
                               "dbname", NULL };
  const char *const vals[] = { "10", "wharf-migrate", "UTF8", url, NULL };
  s->pg = PQconnectdbParams(keys, vals, 1);
  if (!s->pg)
    return ERR_NOMEM;
  if (PQstatus(s->pg) != CONNECTION_OK) {
    char msg[400];
    pg_scrub(msg, sizeof(msg), PQerrorMessage(s->pg), url);
    snprintf(err, errlen, "cannot connect to the destination database: %s", msg);
    return ERR_IO;
  }
  return 0;
}

/* Only the primary message: a DETAIL may quote a failing row, and rows hold
 * password hashes and encrypted secrets. */
static int pg_fail(const PGresult *res, struct mc_sink *s, char *err, size_t errlen)
{
  char msg[400];
  const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  pg_scrub(msg, sizeof(msg), primary ? primary : PQerrorMessage(s->pg), "");
  snprintf(err, errlen, "%s", msg);
  const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  return state && strncmp(state, "23", 2) == 0 ? ERR_INVALID : ERR_IO;
}

static int pg_query(struct mc_sink *s, char (*cols)[MC_COL_MAX], int ncols, const char *sql,
                    int nparams, const char *const *params, char *err, size_t errlen)
{
  PGresult *res = PQexecParams(s->pg, sql, nparams, NULL, params, NULL, NULL, 0);
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  int e = 0;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    e = pg_fail(res, s, err, errlen);
  } else if (cols) {
    if (PQntuples(res) < 1 || PQnfields(res) < ncols)
      e = ERR_NOTFOUND;
    for (int i = 0; !e && i < ncols; i++)
      snprintf(cols[i], MC_COL_MAX, "%s", PQgetvalue(res, 0, i));
  }
  PQclear(res);
  return e;
}

/* Reads the results of the INSERTs sent in pipeline mode up to a sync
 * point; the first failure is the answer (the rest were skipped). */
static int pg_drain(struct mc_sink *s, char *err, size_t errlen)
{
  if (!s->pending && PQpipelineStatus(s->pg) == PQ_PIPELINE_OFF)
    return 0;
  int e = 0, nulls = 0;
  s->pending = 0;
  if (!PQpipelineSync(s->pg))
    return pg_fail(NULL, s, err, errlen);
  for (;;) {
    PGresult *r = PQgetResult(s->pg);
    if (!r) {
      /* one NULL ends each query's results; two in a row: nothing more */
      if (++nulls > 1 || PQstatus(s->pg) == CONNECTION_BAD) {
        if (!e)
          e = pg_fail(NULL, s, err, errlen);
        break;
      }
      continue;
    }
    nulls = 0;
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_PIPELINE_SYNC) {
      PQclear(r);
      break;
    }
    if (!e && st != PGRES_COMMAND_OK)
      e = pg_fail(r, s, err, errlen);
    PQclear(r);
  }
  if (!PQexitPipelineMode(s->pg) && !e)
    e = pg_fail(NULL, s, err, errlen);
  return e;
}

/* The columns of src's row as parameters: integers and reals as text,
 * text as text, bytes in binary format (PostgreSQL infers each parameter's
 * type from the column it goes into, and a bytea's binary form is its
 * bytes). */
static int pg_insert(struct mc_sink *s, sqlite3_stmt *src, int ncols, char *err, size_t errlen)
{
  const char *vals[MC_MAX_COLS];
  int lens[MC_MAX_COLS], fmts[MC_MAX_COLS];
  char nums[MC_MAX_COLS][32];
  if (ncols > MC_MAX_COLS) {
    snprintf(err, errlen, "a table has more than %d columns", MC_MAX_COLS);
    return ERR_TOOBIG;
  }
  for (int i = 0; i < ncols; i++) {
    lens[i] = 0;
    fmts[i] = 0;
    switch (sqlite3_column_type(src, i)) {
    case SQLITE_NULL:
      vals[i] = NULL;
      break;
    case SQLITE_INTEGER:
      snprintf(nums[i], sizeof(nums[i]), "%" PRId64, (int64_t)sqlite3_column_int64(src, i));
      vals[i] = nums[i];
      break;
    case SQLITE_FLOAT:
      snprintf(nums[i], sizeof(nums[i]), "%.17g", sqlite3_column_double(src, i));
      vals[i] = nums[i];
      break;
    case SQLITE_BLOB:
      vals[i] = sqlite3_column_blob(src, i);
      lens[i] = sqlite3_column_bytes(src, i);
      fmts[i] = 1;
      if (!vals[i])
        vals[i] = ""; /* an empty blob, not NULL */
      break;
    default:
      vals[i] = (const char *)sqlite3_column_text(src, i);
      break;
    }
  }
  if (!s->pending && PQpipelineStatus(s->pg) == PQ_PIPELINE_OFF &&
      !PQenterPipelineMode(s->pg))
    return pg_fail(NULL, s, err, errlen);
  if (!PQsendQueryPrepared(s->pg, "mc_ins", ncols, vals, lens, fmts, 0))
    return pg_fail(NULL, s, err, errlen);
  return ++s->pending >= MC_PIPELINE_BATCH ? pg_drain(s, err, errlen) : 0;
}
#endif

/* --- the sink --------------------------------------------------------------------- */

int mc_sink_open(struct mc_sink **out, const char *url, char *err, size_t errlen)
{
  struct mc_sink *s = calloc(1, sizeof(*s));
  if (!s)
    return ERR_NOMEM;
  int e;
  if (strncmp(url, "sqlite://", 9) == 0) {
    e = lite_open(s, url, err, errlen);
#ifdef WHARF_WITH_POSTGRES
  } else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
    e = pg_open(s, url, err, errlen);
#endif
  } else {
    snprintf(err, errlen, "the destination database must be sqlite:// or postgres://");
    e = ERR_UNSUPPORTED;
  }
  if (e) {
    mc_sink_close(s);
    return e;
  }
  *out = s;
  return 0;
}

void mc_sink_close(struct mc_sink *s)
{
  if (!s)
    return;
  sqlite3_finalize(s->ins);
  if (s->db) {
    if (!sqlite3_get_autocommit(s->db))
      sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(s->db);
  }
#ifdef WHARF_WITH_POSTGRES
  if (s->pg)
    PQfinish(s->pg); /* the server rolls back what is open */
#endif
  free(s);
}

int mc_sink_exec(struct mc_sink *s, const char *sql, int nparams, const char *const *params,
                 char *err, size_t errlen)
{
  return mc_sink_query(s, NULL, 0, sql, nparams, params, err, errlen);
}

int mc_sink_query(struct mc_sink *s, char (*cols)[MC_COL_MAX], int ncols, const char *sql,
                  int nparams, const char *const *params, char *err, size_t errlen)
{
#ifdef WHARF_WITH_POSTGRES
  if (s->pg) {
    int e = pg_drain(s, err, errlen);
    return e ? e : pg_query(s, cols, ncols, sql, nparams, params, err, errlen);
  }
#endif
  return lite_query(s, cols, ncols, sql, nparams, params, err, errlen);
}

int mc_sink_insert_prepare(struct mc_sink *s, const char *sql, char *err, size_t errlen)
{
#ifdef WHARF_WITH_POSTGRES
  if (s->pg) {
    int e = pg_drain(s, err, errlen);
    if (e)
      return e;
    if (s->pg_prepared) {
      PGresult *r = PQexec(s->pg, "DEALLOCATE mc_ins");
      PQclear(r);
      s->pg_prepared = 0;
    }
    PGresult *res = PQprepare(s->pg, "mc_ins", sql, 0, NULL);
    e = res && PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_fail(res, s, err, errlen);
    PQclear(res);
    s->pg_prepared = !e;
    return e;
  }
#endif
  sqlite3_finalize(s->ins);
  s->ins = NULL;
  return lite_prepare(s, &s->ins, sql, 0, NULL, err, errlen);
}

int mc_sink_insert(struct mc_sink *s, sqlite3_stmt *src, int ncols, char *err, size_t errlen)
{
#ifdef WHARF_WITH_POSTGRES
  if (s->pg)
    return pg_insert(s, src, ncols, err, errlen);
#endif
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < ncols; i++)
    rc = sqlite3_bind_value(s->ins, i + 1, sqlite3_column_value(src, i));
  if (rc == SQLITE_OK)
    rc = sqlite3_step(s->ins);
  sqlite3_reset(s->ins);
  sqlite3_clear_bindings(s->ins);
  return rc == SQLITE_DONE || rc == SQLITE_OK ? 0 : lite_fail(s, rc, err, errlen);
}

int mc_sink_flush(struct mc_sink *s, char *err, size_t errlen)
{
#ifdef WHARF_WITH_POSTGRES
  if (s->pg)
    return pg_drain(s, err, errlen);
#endif
  (void)s, (void)err, (void)errlen;
  return 0;
}
