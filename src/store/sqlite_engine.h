#ifndef WHARF_STORE_SQLITE_ENGINE_H
#define WHARF_STORE_SQLITE_ENGINE_H

/* The SQLite engine of the SQL store (store/sqlite_int.h): connection set-up,
 * transactions and migrations on a raw sqlite3 handle, used by
 * store/sqlite_conn.c and implemented in store/sqlite_schema.c. Functions
 * return 0 or an ERR_* code unless they say they return a SQLite code. */

#include <sqlite3.h>
#include <stdint.h>

/* Busy timeout set on every connection, in milliseconds. */
#define META_SQLITE_BUSY_MS 5000

/* Sets a busy handler that waits up to META_SQLITE_BUSY_MS (*busy_start is
 * its scratch space, living as long as db), extended result codes, foreign
 * keys, WAL and synchronous=FULL on a newly opened connection. */
int meta_sqlite_configure(sqlite3 *db, int64_t *busy_start);
/* Runs BEGIN IMMEDIATE on db, retrying a SQLITE_BUSY that came back before
 * the busy timeout ran out (WAL recovery). Returns a SQLite code. */
int meta_sqlite_begin(sqlite3 *db);
/* Rolls back db's open transaction, if any. */
void meta_sqlite_rollback(sqlite3 *db);
/* Maps a SQLite result code to an ERR_* code and logs what failed (`what`). */
int meta_sqlite_err(sqlite3 *db, int rc, const char *what);
/* Applies every pending migration of sq_migrations, each in its own BEGIN
 * IMMEDIATE transaction, and writes the resulting schema version to *out.
 * Safe when several processes open the same database at once.
 * ERR_UNSUPPORTED if a newer wharf already migrated the database further. */
int meta_sqlite_migrate(int *out, sqlite3 *db);

#endif
