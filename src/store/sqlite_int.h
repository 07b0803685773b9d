#ifndef WHARF_STORE_SQLITE_INT_H
#define WHARF_STORE_SQLITE_INT_H

/* Internals of the SQL metadata store. One implementation of meta.h and
 * ident.h runs on two engines, SQLite and PostgreSQL: the operations
 * (sqlite.c: repositories, blobs, uploads; sqlite_manifest.c: manifests,
 * tags; sqlite_ident.c, sqlite_team.c, sqlite_apicred.c: identity) and the
 * SQL they run (one table, in a dialect both engines accept) are shared;
 * an engine is a thin driver behind struct sq_engine (sqlite_conn.c,
 * postgres.c) that prepares, binds, steps and reads columns, and runs
 * transactions. The migrations (sqlite_schema.c) are one table too, with
 * per-engine DDL where the dialects differ. The "sqlite" in these names is
 * historical. Nothing outside store/ includes this: everyone else goes
 * through store/meta.h and store/ident.h. Functions return 0 or an ERR_*
 * code unless they say otherwise. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "store/audit_store.h"
#include "store/gc_store.h"
#include "store/ident.h"
#include "store/meta.h"

/* Every statement the store runs, prepared once per connection. */
enum sq_stmt {
  SQ_SCHEMA_VERSION,
  SQ_REPO_ID,
  SQ_REPO_INSERT,
  SQ_REPO_LIST,
  SQ_REPO_LIST_AFTER,
  SQ_BLOB_INSERT,
  SQ_BLOB_SIZE,
  SQ_LINK_INSERT,
  SQ_LINK_SIZE,
  SQ_LINK_DELETE,
  SQ_REF_USED,
  SQ_UPLOAD_INSERT,
  SQ_UPLOAD_GET,
  SQ_UPLOAD_CAS,
  SQ_UPLOAD_DELETE,
  SQ_UPLOAD_STALE,
  SQ_MANIFEST_ID,
  SQ_MANIFEST_INSERT,
  SQ_MANIFEST_GET,
  SQ_MANIFEST_DELETE,
  SQ_MREF_INSERT,
  SQ_MREF_DELETE,
  SQ_REFERRERS,
  SQ_REFERRERS_TYPE,
  SQ_TAG_UPSERT,
  SQ_TAG_RESOLVE,
  SQ_TAG_LIST,
  SQ_TAG_LIST_AFTER,
  SQ_TAG_DELETE,
  SQ_TAG_DELETE_MANIFEST,
  SQ_TAG_INFO_LIST,
  SQ_TAG_INFO_LIST_AFTER,
  /* Identity statements (store/ident.h), their SQL in sqlite_ident.c's
   * sq_ident_sql. Add statements of sqlite.c's table above this line. */
  SQ_IDENT_FIRST,
  SQ_ACCOUNT_INSERT = SQ_IDENT_FIRST,
  SQ_ACCOUNT_GET,
  SQ_ACCOUNT_BY_NAME,
  SQ_ACCOUNT_KIND,
  SQ_ROBOT_UPDATE,
  SQ_USER_SET_PASSWORD,
  SQ_ACCOUNT_TOUCH,
  SQ_ACCOUNT_DELETE,
  SQ_USER_COUNT,
  SQ_ROBOT_LIST,
  SQ_ACCOUNT_SEARCH,
  SQ_ACCOUNT_SEARCH_OPEN,
  SQ_CRED_INSERT,
  SQ_CRED_BY_INDEX,
  SQ_CRED_GET,
  SQ_CRED_LATEST,
  SQ_CRED_DELETE_KIND,
  SQ_CRED_DELETE,
  SQ_IREPO_GET,
  SQ_IREPO_SET_PUBLIC,
  SQ_IREPO_SET_DESCRIPTION,
  SQ_IREPO_LIST_RANGE,
  SQ_IREPO_DELETE,
  SQ_PERM_UPSERT,
  SQ_PERM_DELETE,
  SQ_PERM_GET,
  SQ_PERM_LIST_REPO,
  SQ_PERM_LIST_ACCOUNT,
  SQ_TEAM_UPSERT,
  SQ_TEAM_MEMBER_INSERT,
  SQ_TEAM_MEMBER_DELETE,
  SQ_EFFECTIVE_ROLE,
  SQ_ORG_ROLE,
  /* teams and prototypes (sqlite_team.c); SQL in sq_ident_sql as well */
  SQ_TEAM_GET,
  SQ_TEAM_LIST,
  SQ_TEAM_DELETE,
  SQ_TEAM_MEMBERS,
  SQ_TEAM_LIST_MEMBER,
  SQ_TEAM_ORG,
  SQ_ACCOUNT_IN_ORG,
  SQ_TEAM_REPO_CHECK,
  SQ_TEAM_PERM_UPSERT,
  SQ_TEAM_PERM_DELETE,
  SQ_TEAM_PERM_LIST_REPO,
  SQ_TEAM_PERM_LIST_TEAM,
  SQ_PROTO_INSERT,
  SQ_PROTO_LIST,
  SQ_PROTO_GET,
  SQ_PROTO_SET_ROLE,
  SQ_PROTO_DELETE,
  SQ_PROTO_REPO_CHECK,
  SQ_PROTO_APPLY_ACCOUNTS,
  SQ_PROTO_APPLY_TEAMS,
  /* OAuth apps, API tokens, sessions, user administration (sqlite_apicred.c) */
  SQ_APP_INSERT,
  SQ_APP_GET,
  SQ_APP_LIST,
  SQ_APP_DELETE,
  SQ_TOKEN_COUNT_LIVE,
  SQ_TOKEN_INSERT,
  SQ_TOKEN_LIST,
  SQ_TOKEN_DELETE,
  SQ_TOKEN_LAST_USED,
  SQ_TOKEN_TOUCH,
  SQ_SESSION_PURGE,
  SQ_SESSION_INSERT,
  SQ_SESSION_GET,
  SQ_SESSION_DELETE_ACCOUNT,
  SQ_ACCOUNT_SEARCH_KIND,
  SQ_ACCOUNT_SEARCH_KIND_OPEN,
  SQ_USER_UPDATE,
  /* robot token lifecycle (sqlite_robotcred.c) */
  SQ_RCRED_LIST,
  SQ_RCRED_CAP,
  SQ_ROBOT_SET_ACCESS,
  SQ_ROBOT_FED_GET,
  SQ_ROBOT_FED_SET,
  SQ_RCRED_EXPIRING,
  SQ_LIFETIME_GET,
  SQ_ORG_UPDATE,
  /* Audit log (sqlite_audit.c), SQL in its sq_audit_sql. Identity
   * statements go above this line. */
  SQ_AUDIT_FIRST,
  SQ_AUDIT_INSERT = SQ_AUDIT_FIRST,
  SQ_AUDIT_LIST_NS,
  SQ_AUDIT_LIST_REPO,
  SQ_AUDIT_AGG_NS,
  SQ_AUDIT_AGG_REPO,
  SQ_AUDIT_FILTER_NS,
  SQ_AUDIT_FILTER_KIND,
  SQ_AUDIT_FILTER_REPO,
  SQ_AUDIT_FILTER_PERF,
  SQ_AUDIT_PURGE,
  SQ_AUDIT_EXPORT_PUT,
  SQ_AUDIT_EXPORT_GET,
  SQ_AUDIT_EXPORT_PURGE,
  /* GC and fsck (sqlite_gc.c), SQL in its sq_gc_sql. Audit statements go
   * above this line. */
  SQ_GC_FIRST,
  SQ_GC_BLOB_TOTALS = SQ_GC_FIRST,
  SQ_GC_BLOB_LIST,
  SQ_GC_MANIFESTS,
  SQ_GC_ISSUE_REFS,
  SQ_GC_ISSUE_TAGS,
  SQ_GC_LINKS_DROP_DIGEST,
  SQ_GC_BLOB_DROP_DIGEST,
  SQ_GC_MANIFEST_EXPIRED,
  SQ_GC_MANIFEST_DROP,
  SQ_GC_LINKS_COUNT,
  SQ_GC_LINKS_DROP,
  SQ_GC_BLOB_CANDIDATES,
  SQ_GC_BLOB_DROP,
  SQ_GC_TOMB_PUT,
  SQ_GC_TOMB_GET,
  SQ_GC_TOMB_LIST,
  SQ_GC_TOMB_CLEAR,
  SQ__COUNT
};

/* SQL of statements SQ_IDENT_FIRST .. SQ__COUNT-1, indexed from SQ_IDENT_FIRST;
 * defined in sqlite_ident.c. */
extern const char *const sq_ident_sql[SQ__COUNT - SQ_IDENT_FIRST];
/* SQL of statements SQ_AUDIT_FIRST .. SQ__COUNT-1, indexed from
 * SQ_AUDIT_FIRST; defined in sqlite_audit.c (sq_ident_sql's entries for
 * them stay NULL). */
extern const char *const sq_audit_sql[SQ__COUNT - SQ_AUDIT_FIRST];
/* SQL of statements SQ_GC_FIRST .. SQ__COUNT-1, indexed from SQ_GC_FIRST;
 * defined in sqlite_gc.c. */
extern const char *const sq_gc_sql[SQ__COUNT - SQ_GC_FIRST];

/* SQL of statement id: sqlite.c's table or sq_ident_sql; NULL only for an
 * enum entry added without its SQL (the engines check). */
const char *sq_stmt_sql(enum sq_stmt id);

struct pool;
struct sq_engine;

/* Header of one thread's connection to the database of one meta instance;
 * each engine's connection struct starts with it. */
struct sq_conn {
  const struct sq_engine *eng;
};

/* Header of a statement with its parameters bound, stepped row by row (a
 * cursor); each engine's cursor struct starts with it. One per statement id
 * and connection: finish with sq_done() before using the same id again. */
struct sq_cur {
  const struct sq_engine *eng;
};

/* Header of both engines' meta instances. */
struct sq_meta {
  struct meta base;
  const struct sq_engine *eng;
};

/* sq_step() results besides ERR_* codes, and sq_end()'s "run it again". */
enum { SQ_DONE = 0, SQ_ROW = 1, SQ_RETRY = -100 };

/* An engine: the only code that talks to a database library. Column
 * readers take a cursor on a row (after sq_step() returned SQ_ROW). */
struct sq_engine {
  const char *name; /* "sqlite", "postgres": prefix of log lines */
  /* This thread's connection for m, opened (or reopened) on first use. */
  int (*conn_get)(struct sq_conn **out, struct meta *m);
  /* Prepares statement id once per connection and binds fmt's arguments. */
  int (*query)(struct sq_conn *c, struct sq_cur **out, enum sq_stmt id, const char *fmt,
               va_list ap);
  int (*step)(struct sq_cur *st);
  /* Rows changed by the statement st ran (after SQ_DONE). */
  int (*changes)(struct sq_cur *st);
  int64_t (*col_int64)(struct sq_cur *st, int col);
  /* *out = NULL for SQL NULL; the bytes stay valid until the next step. */
  int (*col_text)(const char **out, size_t *out_len, struct sq_cur *st, int col);
  int (*col_blob)(const void **out, size_t *out_len, struct sq_cur *st, int col);
  void (*done)(struct sq_cur *st);
  int (*begin)(struct sq_conn *c);
  int (*end)(struct sq_conn *c, int err);
};

/* This thread's connection for m, opened on first use; owned by m. */
int sq_conn_get(struct sq_conn **out, struct meta *m);
/* The cached statement `id` with parameters bound from fmt: 'i' int64_t,
 * 't' const char * (NULL binds SQL NULL), 'b' const void * then size_t.
 * Strings are not copied; call sq_done() when finished with the statement. */
int sq_query(struct sq_conn *c, struct sq_cur **out, enum sq_stmt id, const char *fmt, ...);
/* Runs st on first call, then advances it: SQ_ROW when a row is ready,
 * SQ_DONE after the last, or an ERR_* code (logged by the engine). */
int sq_step(struct sq_cur *st);
/* Resets a statement from sq_query() for its next use. */
void sq_done(struct sq_cur *st);
/* Runs a statement that returns no rows; *out_changes (may be NULL) gets the
 * number of rows changed. Constraint failures: foreign key -> ERR_NOTFOUND,
 * unique/primary key -> ERR_EXISTS. */
int sq_exec(struct sq_conn *c, int *out_changes, enum sq_stmt id, const char *fmt, ...);
/* Runs a statement and writes the first column of its first row to *out
 * (out may be NULL: an existence check); ERR_NOTFOUND when no row. */
int sq_int64(struct sq_conn *c, int64_t *out, enum sq_stmt id, const char *fmt, ...);
/* va_list forms of sq_query, sq_exec and sq_int64 (ap is consumed). */
int sq_query_v(struct sq_conn *c, struct sq_cur **out, enum sq_stmt id, const char *fmt,
               va_list ap);
int sq_exec_v(struct sq_conn *c, int *out_changes, enum sq_stmt id, const char *fmt, va_list ap);
int sq_int64_v(struct sq_conn *c, int64_t *out, enum sq_stmt id, const char *fmt, va_list ap);
/* Starts a write transaction that runs as if alone: SQLite takes the write
 * lock (BEGIN IMMEDIATE), PostgreSQL runs it SERIALIZABLE. Every success
 * must be paired with sq_end(); callers loop while sq_end() returns
 * SQ_RETRY:
 *     do { if ((err = sq_begin(c))) return err; ...; err = sq_end(c, err); }
 *     while (err == SQ_RETRY);
 * so the body must only write its out-parameters after the loop. */
int sq_begin(struct sq_conn *c);
/* Commits when err is 0, otherwise (or when the commit fails) rolls back.
 * Returns err, the commit's error, or SQ_RETRY when the engine aborted the
 * transaction for a conflict with a concurrent one (PostgreSQL's
 * serialization failures, a bounded number of times). */
int sq_end(struct sq_conn *c, int err);
/* Integer column; SQL NULL reads as 0. */
int64_t sq_col_int64(struct sq_cur *st, int col);
int sq_col_int(struct sq_cur *st, int col);
/* Pool copy of a text column; *out = NULL for SQL NULL. */
int sq_col_text(char **out, struct pool *p, struct sq_cur *st, int col);
/* Pool copy of a blob column (*out non-NULL even when empty). */
int sq_col_blob(void **out, size_t *out_len, struct pool *p, struct sq_cur *st, int col);
/* Makes room for element n (and one more) in a pool array of capacity *cap. */
int sq_grow(struct pool *p, void **arr, size_t *cap, size_t n, size_t elem);
/* LIMIT to bind for a page of `limit` rows: one more, to learn if more follow. */
int64_t sq_fetch_limit(size_t limit);
/* Steps st (one text column, LIMIT sq_fetch_limit(limit)) into a pool array
 * of at most `limit` names, NULL-terminated; resets st. */
int sq_list_names(char ***out_names, size_t *out_n, int *out_more, struct sq_conn *c,
                  struct pool *p, struct sq_cur *st, size_t limit);
/* Smallest string above every string starting with prefix in bytewise
 * order (prefix with its last code point incremented, so valid UTF-8 as
 * PostgreSQL requires), or NULL in *out when there is none; the caller
 * frees *out. Text in the store is UTF-8, so for a prefix that is not,
 * ERR_INVALID means: nothing starts with it. */
int sq_prefix_successor(char **out, const char *prefix);
/* An empty result of a list operation: a pool array of no elements. */
int sq_no_rows(void **out, size_t *out_n, int *out_more, struct pool *p, size_t elem);

/* --- sqlite_ident.c: row readers shared with sqlite_team.c ---------------- */
/* Reads the current row of st into *dst (a struct of the reader's type). */
typedef int (*sq_row_fn)(void *dst, struct pool *p, struct sq_cur *st);
/* Readers of an ident_account (ACCOUNT_COLS order) and of an ident_perm
 * (repo_id, repo name, is_public, account id, name, kind, role). */
int sq_read_account(void *dst, struct pool *p, struct sq_cur *st);
int sq_read_perm(void *dst, struct pool *p, struct sq_cur *st);
/* Steps st to its one row and reads it into out (elem bytes, at most
 * SQ_ROW_MAX, staged so out is written only on success); ERR_NOTFOUND when
 * no row. Resets st. */
#define SQ_ROW_MAX 160
int sq_read_one(void *out, size_t elem, struct sq_conn *c, struct pool *p, struct sq_cur *st,
                sq_row_fn fn);
/* Steps st into a pool array of at most `limit` elements; *out_more (may be
 * NULL) is set when another row follows. Resets st. */
int sq_read_rows(void **out, size_t *out_n, int *out_more, size_t elem, struct sq_conn *c,
                 struct pool *p, struct sq_cur *st, size_t limit, sq_row_fn fn);

/* --- sqlite_run.c: one statement on this thread's connection for m -------- */
/* sq_exec on m's connection, outside any explicit transaction. */
int sq_m_exec(struct meta *m, int *out_changes, enum sq_stmt id, const char *fmt, ...);
/* sq_exec on m's connection inside a write transaction (sq_begin/sq_end,
 * run again on SQ_RETRY); *out_changes (may be NULL) is written on success. */
int sq_m_exec_tx(struct meta *m, int *out_changes, enum sq_stmt id, const char *fmt, ...);
/* sq_int64 on m's connection: first column of the first row; ERR_NOTFOUND. */
int sq_m_int64(struct meta *m, int64_t *out, enum sq_stmt id, const char *fmt, ...);
/* Runs statement id on m's connection and reads its one row with fn
 * (sq_read_one). */
int sq_m_one(void *out, size_t elem, struct meta *m, struct pool *p, sq_row_fn fn,
             enum sq_stmt id, const char *fmt, ...);
/* Runs statement id on m's connection and reads at most `limit` rows with fn
 * into a pool array (sq_read_rows); the caller binds the LIMIT it wants. */
int sq_m_rows(void **out, size_t *out_n, int *out_more, size_t elem, struct meta *m,
              struct pool *p, size_t limit, sq_row_fn fn, enum sq_stmt id, const char *fmt, ...);
/* Runs statement id (one text column) on m's connection into a
 * NULL-terminated pool array of at most `limit` names (sq_list_names);
 * out_more may be NULL. */
int sq_m_names(char ***out, size_t *out_n, int *out_more, struct meta *m, struct pool *p,
               size_t limit, enum sq_stmt id, const char *fmt, ...);
/* A transaction body for sq_m_tx: runs its statements on c; must not write
 * the caller's out-parameters (it may run more than once). */
typedef int (*sq_tx_fn)(struct sq_conn *c, void *arg);
/* Runs fn(c, arg) in a write transaction on m's connection, again on
 * SQ_RETRY; returns fn's error or the commit's. */
int sq_m_tx(struct meta *m, sq_tx_fn fn, void *arg);

/* Kind (enum ident_kind) of account id; ERR_NOTFOUND. */
int sq_account_kind(struct sq_conn *c, enum ident_kind *out, int64_t id);
/* err, or ERR_NOTFOUND when an UPDATE/DELETE changed no row. */
int sq_changed(int err, int changes);

/* --- sqlite_team.c: team and prototype entries of meta_sqlite_ident_ops --- */
int sq_team_set(struct meta *m, int64_t *out_id, int64_t org_id, const char *name,
                enum ident_org_role role, const char *description);
int sq_team_add_member(struct meta *m, int64_t team_id, int64_t account_id);
int sq_team_remove_member(struct meta *m, int64_t team_id, int64_t account_id);
int sq_team_get(struct meta *m, struct pool *p, struct ident_team *out, int64_t org_id,
                const char *name);
int sq_team_list(struct meta *m, struct pool *p, struct ident_team **out, size_t *out_n,
                 int64_t org_id);
int sq_team_delete(struct meta *m, int64_t team_id);
int sq_team_members(struct meta *m, struct pool *p, struct ident_account **out, size_t *out_n,
                    int64_t team_id);
int sq_team_perm_set(struct meta *m, int64_t repo_id, int64_t team_id, enum ident_role role);
int sq_team_perm_delete(struct meta *m, int64_t repo_id, int64_t team_id);
int sq_team_perm_list_repo(struct meta *m, struct pool *p, struct ident_perm **out,
                           size_t *out_n, int64_t repo_id);
int sq_team_perm_list_team(struct meta *m, struct pool *p, struct ident_perm **out,
                           size_t *out_n, int64_t team_id);
int sq_team_list_member(struct meta *m, struct pool *p, struct ident_team **out, size_t *out_n,
                        int64_t org_id, int64_t account_id);
int sq_proto_add(struct meta *m, int64_t *out_id, const struct ident_proto *pr);
int sq_proto_list(struct meta *m, struct pool *p, struct ident_proto **out, size_t *out_n,
                  int64_t org_id);
int sq_proto_get(struct meta *m, struct pool *p, struct ident_proto *out, int64_t org_id,
                 int64_t id);
int sq_proto_set_role(struct meta *m, int64_t org_id, int64_t id, enum ident_role role);
int sq_proto_delete(struct meta *m, int64_t org_id, int64_t id);
int sq_proto_apply(struct meta *m, int64_t repo_id, int64_t org_id, int64_t creator_id);

/* --- sqlite_apicred.c: OAuth app, API token, session and user
 * administration entries of meta_sqlite_ident_ops ------------------------ */
int sq_app_create(struct meta *m, int64_t *out_id, const struct ident_app *a);
int sq_app_get(struct meta *m, struct pool *p, struct ident_app *out, int64_t org_id,
               const char *client_id);
int sq_app_list(struct meta *m, struct pool *p, struct ident_app **out, size_t *out_n,
                int64_t org_id);
int sq_app_delete(struct meta *m, int64_t id);
int sq_token_add(struct meta *m, int64_t *out_cred_id, const struct ident_cred *c,
                 const char *uuid, int64_t app_id, size_t max_live, int64_t now);
int sq_token_list(struct meta *m, struct pool *p, struct ident_token **out, size_t *out_n,
                  int *out_more, int64_t app_id, int64_t now, int64_t after, size_t limit);
int sq_token_delete(struct meta *m, int64_t app_id, const char *uuid);
int sq_token_touch(struct meta *m, int64_t cred_id, int64_t now, int64_t every);
int sq_session_add(struct meta *m, const struct ident_session *s, int64_t now);
int sq_session_get(struct meta *m, struct pool *p, struct ident_session *out, const char *index);
int sq_session_delete_account(struct meta *m, int64_t account_id);
int sq_account_search_kind(struct meta *m, struct pool *p, struct ident_account **out,
                           size_t *out_n, int *out_more, enum ident_kind kind, const char *prefix,
                           size_t limit);
int sq_user_create_first(struct meta *m, int64_t *out_id, const struct ident_account *a);
int sq_user_update(struct meta *m, int64_t id, const char *email, int enabled, int is_superuser);

/* --- sqlite_robotcred.c: robot token lifecycle entries ------------------- */
int sq_cred_list(struct meta *m, struct pool *p, struct ident_cred **out, size_t *out_n,
                 int64_t account_id, enum ident_cred_kind kind);
int sq_cred_cap_expiry(struct meta *m, int64_t account_id, enum ident_cred_kind kind,
                       int64_t keep_id, int64_t until);
int sq_robot_set_access(struct meta *m, int64_t id, int enabled, const char *allowed_cidrs);
int sq_robot_federation_get(struct meta *m, struct pool *p, char **out, int64_t id);
int sq_robot_federation_set(struct meta *m, int64_t id, const char *json);
int sq_cred_expiring(struct meta *m, int64_t *out, enum ident_cred_kind kind, int64_t now,
                     int64_t until);
int sq_token_lifetime_get(struct meta *m, int64_t *out, int64_t id);
int sq_org_update(struct meta *m, int64_t org_id, const char *email, int64_t max_lifetime);

/* --- sqlite_schema.c: migrations, shared by both engines ------------------ */
struct sq_migration {
  int version;
  const char *sql;      /* SQLite DDL, also PostgreSQL's through sq_ddl_postgres() */
  const char *postgres; /* PostgreSQL DDL where the translation does not fit; NULL */
};
/* Append-only, ascending versions; the same numbers on every engine. */
extern const struct sq_migration sq_migrations[];
extern const size_t sq_nmigrations;

/* --- repository, blob and upload entries of both engines' meta_ops (sqlite.c) */
int sq_schema_version(struct meta *m, int *out);
int sq_repo_ensure(struct meta *m, int64_t *out_id, int *out_created, const char *name);
int sq_repo_lookup(struct meta *m, int64_t *out_id, const char *name);
int sq_repo_list(struct meta *m, struct pool *p, char ***out_names, size_t *out_n,
                 int *out_more, const char *last, size_t limit);
int sq_blob_add(struct meta *m, int64_t repo_id, const char *digest, int64_t size,
                const char *end_upload);
int sq_blob_linked(struct meta *m, int64_t *out_size, int64_t repo_id, const char *digest);
int sq_blob_stat(struct meta *m, int64_t *out_size, const char *digest);
int sq_blob_link(struct meta *m, int64_t repo_id, const char *digest);
int sq_blob_unlink(struct meta *m, int64_t repo_id, const char *digest);
int sq_upload_create(struct meta *m, int64_t repo_id, const char *uuid);
int sq_upload_get(struct meta *m, struct meta_upload *out, const char *uuid);
int sq_upload_set_offset(struct meta *m, const char *uuid, int64_t expected, int64_t offset);
int sq_upload_delete(struct meta *m, const char *uuid);
int sq_upload_stale(struct meta *m, struct pool *p, char ***out_uuids, size_t *out_n,
                    int64_t before, size_t limit);

/* --- sqlite_manifest.c: the manifest and tag entries of meta_sqlite_ops --- */
int sq_manifest_put(struct meta *m, const struct meta_manifest_put *mp, char *missing_out);
int sq_manifest_get(struct meta *m, struct pool *p, struct meta_manifest *out, int64_t repo_id,
                    const char *digest);
int sq_manifest_delete(struct meta *m, int64_t repo_id, const char *digest);
int sq_referrers(struct meta *m, struct pool *p, struct meta_manifest **out, size_t *out_n,
                 int64_t repo_id, const char *subject, const char *artifact_type);
int sq_tag_resolve(struct meta *m, struct pool *p, char **out_digest, int64_t repo_id,
                   const char *tag);
int sq_tag_list(struct meta *m, struct pool *p, char ***out_names, size_t *out_n,
                int *out_more, int64_t repo_id, const char *last, size_t limit);
int sq_tag_delete(struct meta *m, int64_t repo_id, const char *tag);
int sq_tag_list_info(struct meta *m, struct pool *p, struct meta_tag_info **out, size_t *out_n,
                     int *out_more, int64_t repo_id, const char *last, size_t limit);

/* Every entry of a struct meta_ops but scheme, open and close: the same
 * functions serve both engines (designated initializers, for the tables in
 * sqlite_conn.c and postgres.c). */
#define SQ_META_OPS_SHARED                                                              \
  .schema_version = sq_schema_version, .repo_ensure = sq_repo_ensure,                   \
  .repo_lookup = sq_repo_lookup, .repo_list = sq_repo_list, .blob_add = sq_blob_add,    \
  .blob_linked = sq_blob_linked, .blob_stat = sq_blob_stat, .blob_link = sq_blob_link,  \
  .blob_unlink = sq_blob_unlink, .upload_create = sq_upload_create,                     \
  .upload_get = sq_upload_get, .upload_set_offset = sq_upload_set_offset,               \
  .upload_delete = sq_upload_delete, .upload_stale = sq_upload_stale,                   \
  .manifest_put = sq_manifest_put, .manifest_get = sq_manifest_get,                     \
  .manifest_delete = sq_manifest_delete, .referrers = sq_referrers,                     \
  .tag_resolve = sq_tag_resolve, .tag_list = sq_tag_list, .tag_delete = sq_tag_delete,  \
  .tag_list_info = sq_tag_list_info,                                                    \
  .ident = &meta_sqlite_ident_ops, .audit = &meta_sqlite_audit_ops, \
  .gc = &meta_sqlite_gc_ops

#endif
