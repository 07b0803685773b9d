/* Copying a SQLite metadata store into another store (store/meta_copy.h).
 *
 * The source's tables, columns, INTEGER PRIMARY KEY ids and foreign keys
 * are read from its own schema (sqlite_master, PRAGMA table_info and
 * foreign_key_list) rather than listed here, so the tables later
 * migrations add come along by themselves. The parents of a foreign key
 * are copied before its children; within a table rows go in rowid order,
 * which puts a robot after its owner (a new SQLite rowid is always above
 * every existing one, and the owner exists when the robot is created).
 *
 * Not copied: schema_migrations (the destination has its own, at the same
 * version), the marker wharf_migrate, and upload sessions with whatever
 * references them: their bytes are temporary objects of the source's blob
 * store, which are not carried over; a client whose upload was cut off
 * starts it again. */
#include "store/meta_copy.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/meta_copy_int.h"
#include "util/err.h"

/* Tables whose rows are transient and not copied (see above). */
static const char *const skipped_tables[] = { "upload" };

struct mc_table {
  char *name;
  char **cols;
  int ncols;
  char *id_col;  /* the INTEGER PRIMARY KEY column (an identity in PostgreSQL), or NULL */
  char **deps;   /* tables its foreign keys reference */
  int ndeps;
  int skip;      /* transient, or references a transient table */
  int placed;    /* scratch of the ordering */
};

struct meta_copy {
  sqlite3 *src;
  struct mc_sink *dst;
  char source[PATH_MAX]; /* the source's absolute path: the marker's identity */
  struct mc_table *tables; /* dependency order once opened */
  int ntables;
};

/* --- the source's schema ------------------------------------------------------- */

static int src_fail(struct meta_copy *mc, char *err, size_t errlen, const char *what)
{
  snprintf(err, errlen, "source database: %s: %s", what, sqlite3_errmsg(mc->src));
  return ERR_IO;
}

/* Identifiers are double-quoted into SQL; wharf's never hold a quote. */
static int ident_ok(const char *s)
{
  return s && *s && !strchr(s, '"') && strlen(s) < 128;
}

static int push_str(char ***arr, int *n, const char *s)
{
  char **a = realloc(*arr, sizeof(**arr) * (size_t)(*n + 1));
  if (!a)
    return ERR_NOMEM;
  *arr = a;
  if (!(a[*n] = strdup(s)))
    return ERR_NOMEM;
  (*n)++;
  return 0;
}

/* Columns, id column and foreign-key parents of t from the source. */
static int load_table(struct meta_copy *mc, struct mc_table *t, char *err, size_t errlen)
{
  char sql[256];
  sqlite3_stmt *st = NULL;
  int e = 0, npk = 0, rc;
  snprintf(sql, sizeof(sql), "PRAGMA table_info(\"%s\")", t->name);
  if (sqlite3_prepare_v2(mc->src, sql, -1, &st, NULL) != SQLITE_OK)
    return src_fail(mc, err, errlen, "read table columns");
  while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *col = (const char *)sqlite3_column_text(st, 1);
    const char *type = (const char *)sqlite3_column_text(st, 2);
    if (!ident_ok(col)) {
      snprintf(err, errlen, "source table %s has a column name wharf cannot quote", t->name);
      e = ERR_INVALID;
      break;
    }
    e = push_str(&t->cols, &t->ncols, col);
    if (!e && sqlite3_column_int(st, 5) > 0) {
      npk++;
      free(t->id_col);
      t->id_col = type && sqlite3_stricmp(type, "INTEGER") == 0 ? strdup(col) : NULL;
    }
  }
  sqlite3_finalize(st);
  if (e)
    return e;
  if (npk != 1) { /* a composite key is no rowid alias */
    free(t->id_col);
    t->id_col = NULL;
  }
  snprintf(sql, sizeof(sql), "PRAGMA foreign_key_list(\"%s\")", t->name);
  if (sqlite3_prepare_v2(mc->src, sql, -1, &st, NULL) != SQLITE_OK)
    return src_fail(mc, err, errlen, "read foreign keys");
  while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *parent = (const char *)sqlite3_column_text(st, 2);
    if (parent && strcmp(parent, t->name) != 0)
      e = push_str(&t->deps, &t->ndeps, parent);
  }
  sqlite3_finalize(st);
  return e;
}

static struct mc_table *find_table(struct meta_copy *mc, const char *name)
{
  for (int i = 0; i < mc->ntables; i++)
    if (strcmp(mc->tables[i].name, name) == 0)
      return &mc->tables[i];
  return NULL;
}

/* Marks the transient tables and, to a fixed point, their dependants. */
static void mark_skipped(struct meta_copy *mc)
{
  for (size_t k = 0; k < sizeof(skipped_tables) / sizeof(skipped_tables[0]); k++) {
    struct mc_table *t = find_table(mc, skipped_tables[k]);
    if (t)
      t->skip = 1;
  }
  for (int changed = 1; changed;) {
    changed = 0;
    for (int i = 0; i < mc->ntables; i++)
      for (int d = 0; !mc->tables[i].skip && d < mc->tables[i].ndeps; d++) {
        struct mc_table *p = find_table(mc, mc->tables[i].deps[d]);
        if (p && p->skip)
          mc->tables[i].skip = changed = 1;
      }
  }
}

/* Reorders mc->tables so every table follows the tables it references. */
static int order_tables(struct meta_copy *mc, char *err, size_t errlen)
{
  struct mc_table *sorted = malloc(sizeof(*sorted) * (size_t)(mc->ntables ? mc->ntables : 1));
  if (!sorted)
    return ERR_NOMEM;
  int n = 0;
  while (n < mc->ntables) {
    int progress = 0;
    for (int i = 0; i < mc->ntables; i++) {
      struct mc_table *t = &mc->tables[i];
      int ready = !t->placed;
      for (int d = 0; ready && d < t->ndeps; d++) {
        struct mc_table *p = find_table(mc, t->deps[d]);
        ready = !p || p->placed;
      }
      if (ready) {
        t->placed = progress = 1;
        sorted[n++] = *t;
      }
    }
    if (!progress) {
      free(sorted);
      snprintf(err, errlen, "the source's foreign keys form a cycle; wharf cannot order the copy");
      return ERR_INTERNAL;
    }
  }
  free(mc->tables);
  mc->tables = sorted;
  return 0;
}

static int load_schema(struct meta_copy *mc, char *err, size_t errlen)
{
  sqlite3_stmt *st = NULL;
  int e = 0, rc;
  if (sqlite3_prepare_v2(mc->src,
                         "SELECT name FROM sqlite_master WHERE type = 'table'"
                         " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                         " AND name NOT IN ('schema_migrations', 'wharf_migrate') ORDER BY name",
                         -1, &st, NULL) != SQLITE_OK)
    return src_fail(mc, err, errlen, "list tables");
  while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    struct mc_table *a = realloc(mc->tables, sizeof(*a) * (size_t)(mc->ntables + 1));
    if (!a) {
      e = ERR_NOMEM;
      break;
    }
    mc->tables = a;
    memset(&a[mc->ntables], 0, sizeof(*a));
    if (!ident_ok(name)) {
      snprintf(err, errlen, "the source has a table name wharf cannot quote");
      e = ERR_INVALID;
    } else if (!(a[mc->ntables].name = strdup(name))) {
      e = ERR_NOMEM;
    } else {
      mc->ntables++;
    }
  }
  sqlite3_finalize(st);
  for (int i = 0; !e && i < mc->ntables; i++)
    e = load_table(mc, &mc->tables[i], err, errlen);
  if (e)
    return e;
  mark_skipped(mc);
  return order_tables(mc, err, errlen);
}

/* --- open / close ---------------------------------------------------------------- */

static int open_source(struct meta_copy *mc, const char *src_url, char *err, size_t errlen)
{
  if (strncmp(src_url, "sqlite://", 9) != 0) {
    snprintf(err, errlen, "the source database must be sqlite:// (an embedded installation)");
    return ERR_UNSUPPORTED;
  }
  const char *path = src_url + 9;
  if (!realpath(path, mc->source)) {
    snprintf(err, errlen, "source database %s does not exist; check --from-db", path);
    return ERR_NOTFOUND;
  }
  int rc = sqlite3_open_v2(mc->source, &mc->src, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_busy_timeout(mc->src, 5000);
  /* A deferred transaction takes its snapshot at its first read. */
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(mc->src, "BEGIN; SELECT COUNT(*) FROM sqlite_master", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "cannot read source database %s: %s", mc->source,
             mc->src ? sqlite3_errmsg(mc->src) : sqlite3_errstr(rc));
    return ERR_IO;
  }
  return 0;
}

int meta_copy_open(struct meta_copy **out, const char *src_url, const char *dst_url, char *err,
                   size_t errlen)
{
  struct meta_copy *mc = calloc(1, sizeof(*mc));
  if (!mc)
    return ERR_NOMEM;
  int e = open_source(mc, src_url, err, errlen);
  if (!e)
    e = load_schema(mc, err, errlen);
  if (!e)
    e = mc_sink_open(&mc->dst, dst_url, err, errlen);
  if (e) {
    if (e == ERR_NOMEM)
      snprintf(err, errlen, "out of memory");
    meta_copy_free(mc);
    return e;
  }
  *out = mc;
  return 0;
}

void meta_copy_free(struct meta_copy *mc)
{
  if (!mc)
    return;
  for (int i = 0; i < mc->ntables; i++) {
    struct mc_table *t = &mc->tables[i];
    for (int c = 0; c < t->ncols; c++)
      free(t->cols[c]);
    for (int d = 0; d < t->ndeps; d++)
      free(t->deps[d]);
    free(t->cols);
    free(t->deps);
    free(t->id_col);
    free(t->name);
  }
  free(mc->tables);
  if (mc->src) {
    sqlite3_exec(mc->src, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(mc->src);
  }
  mc_sink_close(mc->dst);
  free(mc);
}

/* --- state and marker ------------------------------------------------------------ */

int meta_copy_versions(struct meta_copy *mc, int *out_src, int *out_dst)
{
  static const char q[] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
  sqlite3_stmt *st = NULL;
  char cols[1][MC_COL_MAX], err[256];
  int src = -1;
  if (sqlite3_prepare_v2(mc->src, q, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    src = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (src < 0)
    return ERR_IO;
  int e = mc_sink_query(mc->dst, cols, 1, q, 0, NULL, err, sizeof(err));
  if (e)
    return e;
  *out_src = src;
  *out_dst = atoi(cols[0]);
  return 0;
}

/* ERR_NOTFOUND when the destination has no marker table. */
static int read_marker(struct meta_copy *mc, char (*cols)[MC_COL_MAX], char *err, size_t errlen)
{
  const char *exists = mc_sink_is_postgres(mc->dst)
                         ? "SELECT 1 WHERE to_regclass('wharf_migrate') IS NOT NULL"
                         : "SELECT 1 FROM sqlite_master WHERE name = 'wharf_migrate'";
  char one[1][MC_COL_MAX];
  int e = mc_sink_query(mc->dst, one, 1, exists, 0, NULL, err, errlen);
  if (!e)
    e = mc_sink_query(mc->dst, cols, 2, "SELECT source, finished_at FROM wharf_migrate WHERE id = 1",
                      0, NULL, err, errlen);
  return e;
}

/* Sets *out_table to the name of the first table (of those copied or
 * skipped) holding rows in the destination, or NULL when all are empty. */
static int first_nonempty(struct meta_copy *mc, const char **out_table, char *err, size_t errlen)
{
  for (int i = 0; i < mc->ntables; i++) {
    char sql[256], one[1][MC_COL_MAX];
    snprintf(sql, sizeof(sql), "SELECT 1 FROM \"%s\" LIMIT 1", mc->tables[i].name);
    int e = mc_sink_query(mc->dst, one, 1, sql, 0, NULL, err, errlen);
    if (!e) {
      *out_table = mc->tables[i].name;
      return 0;
    }
    if (e != ERR_NOTFOUND)
      return e;
  }
  *out_table = NULL;
  return 0;
}

int meta_copy_state(struct meta_copy *mc, enum meta_copy_state *out, char *err, size_t errlen)
{
  char cols[2][MC_COL_MAX];
  enum meta_copy_state st = META_COPY_EMPTY;
  int e = read_marker(mc, cols, err, errlen);
  if (!e) {
    if (strcmp(cols[0], mc->source) != 0) {
      snprintf(err, errlen, "it holds a migration from %s", cols[0]);
      *out = META_COPY_FOREIGN;
      return 0;
    }
    if (strtoll(cols[1], NULL, 10) > 0) {
      *out = META_COPY_DONE;
      return 0;
    }
    st = META_COPY_RESUME;
  } else if (e != ERR_NOTFOUND) {
    return e;
  }
  /* rows beside an unfinished run were written by someone else: never
   * overwrite them */
  const char *table = NULL;
  if ((e = first_nonempty(mc, &table, err, errlen)) != 0)
    return e;
  if (table) {
    snprintf(err, errlen, "its table %s has rows", table);
    st = META_COPY_FOREIGN;
  }
  *out = st;
  return 0;
}

int meta_copy_mark_started(struct meta_copy *mc, char *err, size_t errlen)
{
  char now[24];
  snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
  const char *params[] = { mc->source, now };
  int e = mc_sink_exec(mc->dst,
                       "CREATE TABLE IF NOT EXISTS wharf_migrate ("
                       "  id BIGINT PRIMARY KEY,"
                       "  source TEXT NOT NULL,"
                       "  started_at BIGINT NOT NULL,"
                       "  finished_at BIGINT NOT NULL DEFAULT 0)",
                       0, NULL, err, errlen);
  if (!e)
    e = mc_sink_exec(mc->dst,
                     "INSERT INTO wharf_migrate (id, source, started_at) VALUES (1, $1, $2)"
                     " ON CONFLICT (id) DO NOTHING",
                     2, params, err, errlen);
  return e;
}

/* --- blobs ------------------------------------------------------------------------ */

int meta_copy_blob_totals(struct meta_copy *mc, int64_t *out_n, int64_t *out_bytes)
{
  sqlite3_stmt *st = NULL;
  int e = ERR_IO;
  if (sqlite3_prepare_v2(mc->src, "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM blob", -1, &st,
                         NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    *out_n = sqlite3_column_int64(st, 0);
    *out_bytes = sqlite3_column_int64(st, 1);
    e = 0;
  }
  sqlite3_finalize(st);
  return e;
}

int meta_copy_each_blob(struct meta_copy *mc,
                        int (*fn)(void *ctx, const char *digest, int64_t size), void *ctx)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(mc->src, "SELECT digest, size FROM blob ORDER BY digest", -1, &st,
                         NULL) != SQLITE_OK)
    return ERR_IO;
  int e = 0, rc;
  while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *digest = (const char *)sqlite3_column_text(st, 0);
    e = digest ? fn(ctx, digest, sqlite3_column_int64(st, 1)) : ERR_INVALID;
  }
  if (!e && rc != SQLITE_DONE)
    e = ERR_IO;
  sqlite3_finalize(st);
  return e;
}

/* --- rows -------------------------------------------------------------------------- */

/* "INSERT INTO t (c…) VALUES ($1…)" or "SELECT c… FROM t ORDER BY rowid". */
static int table_sql(char **out, const struct mc_table *t, int insert)
{
  size_t cap = 128 + strlen(t->name);
  for (int c = 0; c < t->ncols; c++)
    cap += strlen(t->cols[c]) + 16;
  char *s = malloc(cap);
  if (!s)
    return ERR_NOMEM;
  size_t o = (size_t)snprintf(s, cap, insert ? "INSERT INTO \"%s\" (" : "SELECT ", t->name);
  for (int c = 0; c < t->ncols; c++)
    o += (size_t)snprintf(s + o, cap - o, "%s\"%s\"", c ? ", " : "", t->cols[c]);
  if (insert) {
    o += (size_t)snprintf(s + o, cap - o, ") VALUES (");
    for (int c = 0; c < t->ncols; c++)
      o += (size_t)snprintf(s + o, cap - o, "%s$%d", c ? ", " : "", c + 1);
    snprintf(s + o, cap - o, ")");
  } else {
    snprintf(s + o, cap - o, " FROM \"%s\" ORDER BY rowid", t->name);
  }
  *out = s;
  return 0;
}

static int copy_rows(struct meta_copy *mc, const struct mc_table *t, int64_t *rows, char *err,
                     size_t errlen)
{
  char *ins = NULL, *sel = NULL;
  sqlite3_stmt *st = NULL;
  int e = table_sql(&ins, t, 1), rc;
  if (!e)
    e = table_sql(&sel, t, 0);
  if (!e)
    e = mc_sink_insert_prepare(mc->dst, ins, err, errlen);
  if (!e && sqlite3_prepare_v2(mc->src, sel, -1, &st, NULL) != SQLITE_OK)
    e = src_fail(mc, err, errlen, t->name);
  while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    e = mc_sink_insert(mc->dst, st, t->ncols, err, errlen);
    (*rows)++;
  }
  if (!e && rc != SQLITE_DONE)
    e = src_fail(mc, err, errlen, t->name);
  if (!e)
    e = mc_sink_flush(mc->dst, err, errlen);
  if (e && e != ERR_NOMEM) {
    char inner[400];
    snprintf(inner, sizeof(inner), "%s", err);
    snprintf(err, errlen, "copying table %s: %s", t->name, inner);
  }
  sqlite3_finalize(st);
  free(ins);
  free(sel);
  return e;
}

/* PostgreSQL: moves each identity past the ids copied into its column. */
static int reset_identity(struct meta_copy *mc, const struct mc_table *t, char *err,
                          size_t errlen)
{
  char sql[512];
  const char *params[] = { t->name, t->id_col };
  snprintf(sql, sizeof(sql),
           "SELECT setval(pg_get_serial_sequence($1, $2),"
           " COALESCE((SELECT MAX(\"%s\") FROM \"%s\"), 0) + 1, false)",
           t->id_col, t->name);
  return mc_sink_exec(mc->dst, sql, 2, params, err, errlen);
}

/* The body of meta_copy_tables' transaction. */
static int copy_all(struct meta_copy *mc, int *tables, int64_t *rows, char *err, size_t errlen)
{
  char cols[2][MC_COL_MAX];
  int pg = mc_sink_is_postgres(mc->dst);
  /* a concurrent run waits here, then finds the work done */
  int e = pg ? mc_sink_exec(mc->dst, "LOCK TABLE wharf_migrate IN EXCLUSIVE MODE", 0, NULL, err,
                            errlen)
             : 0;
  if (!e)
    e = read_marker(mc, cols, err, errlen);
  if (!e && (strcmp(cols[0], mc->source) != 0 || strtoll(cols[1], NULL, 10) > 0)) {
    snprintf(err, errlen, "another run changed the destination's migration marker meanwhile");
    return ERR_CONFLICT;
  }
  /* nobody wrote rows meanwhile (a server started on the destination early) */
  const char *table = NULL;
  if (!e)
    e = first_nonempty(mc, &table, err, errlen);
  if (!e && table) {
    snprintf(err, errlen, "the destination's table %s got rows while blobs were copied", table);
    return ERR_CONFLICT;
  }
  for (int i = 0; !e && i < mc->ntables; i++) {
    const struct mc_table *t = &mc->tables[i];
    if (t->skip)
      continue;
    e = copy_rows(mc, t, rows, err, errlen);
    if (!e && pg && t->id_col)
      e = reset_identity(mc, t, err, errlen);
    (*tables)++;
  }
  char now[24];
  snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
  const char *params[] = { now };
  if (!e)
    e = mc_sink_exec(mc->dst, "UPDATE wharf_migrate SET finished_at = $1 WHERE id = 1", 1,
                     params, err, errlen);
  return e;
}

int meta_copy_tables(struct meta_copy *mc, int *out_tables, int64_t *out_rows, char *err,
                     size_t errlen)
{
  int pg = mc_sink_is_postgres(mc->dst), tables = 0;
  int64_t rows = 0;
  int e = mc_sink_exec(mc->dst, pg ? "BEGIN" : "BEGIN IMMEDIATE", 0, NULL, err, errlen);
  if (e)
    return e;
  e = copy_all(mc, &tables, &rows, err, errlen);
  if (!e)
    e = mc_sink_exec(mc->dst, "COMMIT", 0, NULL, err, errlen);
  if (e) {
    char ignored[64];
    mc_sink_exec(mc->dst, "ROLLBACK", 0, NULL, ignored, sizeof(ignored));
    return e;
  }
  *out_tables = tables;
  *out_rows = rows;
  return 0;
}
