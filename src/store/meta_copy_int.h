#ifndef WHARF_STORE_META_COPY_INT_H
#define WHARF_STORE_META_COPY_INT_H

/* Internals of store/meta_copy.c: the destination of a copy, a connection
 * of its own to a SQLite or PostgreSQL database (meta_copy_sink.c) that
 * runs ad-hoc SQL, which the store's prepared-statement engines
 * (sqlite_int.h) deliberately do not. SQL given to a sink uses $1, $2 … in
 * ascending order of first use, which both engines accept. */

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* Longest text of a column read back by mc_sink_query(). */
#define MC_COL_MAX 512

struct mc_sink;

/* Opens a sink on the database of url (sqlite:// or postgres[ql]://). */
int mc_sink_open(struct mc_sink **out, const char *url, char *err, size_t errlen);
/* Closes the connection, rolling back an open transaction. NULL ok. */
void mc_sink_close(struct mc_sink *s);
/* 1 for PostgreSQL (identity sequences to reset), 0 for SQLite. */
int mc_sink_is_postgres(const struct mc_sink *s);
/* Runs sql with nparams text parameters (NULL: SQL NULL); rows ignored. */
int mc_sink_exec(struct mc_sink *s, const char *sql, int nparams, const char *const *params,
                 char *err, size_t errlen);
/* Runs sql and copies the first ncols columns of its first row as text
 * into cols (NULL reads as ""); ERR_NOTFOUND when it returns no row. */
int mc_sink_query(struct mc_sink *s, char (*cols)[MC_COL_MAX], int ncols, const char *sql,
                  int nparams, const char *const *params, char *err, size_t errlen);
/* Prepares the INSERT that mc_sink_insert() runs (one at a time). */
int mc_sink_insert_prepare(struct mc_sink *s, const char *sql, char *err, size_t errlen);
/* Runs the prepared INSERT with the ncols columns of src's current row as
 * its parameters, values kept as they are (integers, text, bytes, NULL).
 * On PostgreSQL the INSERTs are pipelined: a failure may be reported by a
 * later call, or by mc_sink_flush(), which every copy must end with. */
int mc_sink_insert(struct mc_sink *s, sqlite3_stmt *src, int ncols, char *err, size_t errlen);
/* Waits for every INSERT sent and reports the first failure. */
int mc_sink_flush(struct mc_sink *s, char *err, size_t errlen);

#endif
