/* SQL store (both engines) for store/audit_store.h: the audit log. The
 * table comes from migration 6 in sqlite_schema.c; the statement helpers
 * are sqlite.c's.
 *
 * log_entry has no foreign keys on purpose: an entry keeps the names of its
 * namespace, repository and performer as they were, so it outlives them
 * (Quay loses the performer of a deleted robot). Reads are keyset pages
 * newest first over the (scope, created_at) indexes; the row id breaks
 * ties within a second. Same SQL rules as sqlite_ident.c: plain SQL that
 * SQLite and PostgreSQL both take, ?N placeholders. */
#include "store/sqlite_int.h"

#include <stdint.h>
#include <string.h>

#include "store/audit_store.h"
#include "util/err.h"
#include "util/pool.h"

#define LOG_COLS                                                                         \
  "id, kind, performer_id, performer_name, performer_kind, namespace_name, repository, " \
  "ip, user_agent, metadata_json, created_at"
/* The page of one scope (namespace_name or repository): ?1 scope, [?2, ?3)
 * time range, ?4 performer ('' for all), strictly before (?5, ?6), ?7 rows. */
#define LOG_PAGE(scope)                                                                   \
  "SELECT " LOG_COLS " FROM log_entry WHERE " scope " = ?1 AND created_at >= ?2 "         \
  "AND created_at < ?3 AND (performer_name = ?4 OR ?4 = '') AND created_at <= ?5 "        \
  "AND (created_at < ?5 OR id < ?6) ORDER BY created_at DESC, id DESC LIMIT ?7"
/* Per kind and UTC day: ?1 scope, [?2, ?3), ?4 performer, ?5 rows. */
#define LOG_AGG(scope)                                                                    \
  "SELECT kind, created_at - created_at % 86400, COUNT(*) FROM log_entry WHERE " scope    \
  " = ?1 AND created_at >= ?2 AND created_at < ?3 AND (performer_name = ?4 OR ?4 = '') "  \
  "GROUP BY kind, created_at - created_at % 86400 ORDER BY 2, 1 LIMIT ?5"

const char *const sq_audit_sql[SQ__COUNT - SQ_AUDIT_FIRST] = {
#define S(id) [id - SQ_AUDIT_FIRST]
  S(SQ_AUDIT_INSERT) = "INSERT INTO log_entry(kind, performer_id, performer_name, "
                       "performer_kind, namespace_name, repository, ip, user_agent, "
                       "metadata_json, created_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
  S(SQ_AUDIT_LIST_NS) = LOG_PAGE("namespace_name"),
  S(SQ_AUDIT_LIST_REPO) = LOG_PAGE("repository"),
  S(SQ_AUDIT_AGG_NS) = LOG_AGG("namespace_name"),
  S(SQ_AUDIT_AGG_REPO) = LOG_AGG("repository"),
#undef S
};

/* LOG_COLS order. */
static int read_entry(void *dst, struct pool *p, struct sq_cur *st)
{
  struct audit_entry *e = dst;
  char *text[7] = { NULL };
  memset(e, 0, sizeof(*e));
  e->id = sq_col_int64(st, 0);
  e->performer_id = sq_col_int64(st, 2);
  e->performer_kind = (enum audit_actor)sq_col_int(st, 4);
  e->created_at = sq_col_int64(st, 10);
  static const int cols[7] = { 1, 3, 5, 6, 7, 8, 9 };
  int err = 0;
  for (int i = 0; !err && i < 7; i++)
    err = sq_col_text(&text[i], p, st, cols[i]);
  if (err)
    return err;
  e->kind = text[0];
  e->performer_name = text[1];
  e->namespace_name = text[2];
  e->repository = text[3];
  e->ip = text[4];
  e->user_agent = text[5];
  e->metadata_json = text[6] ? text[6] : "{}";
  return 0;
}

static int read_count(void *dst, struct pool *p, struct sq_cur *st)
{
  struct audit_count *c = dst;
  memset(c, 0, sizeof(*c));
  c->day = sq_col_int64(st, 1);
  c->count = sq_col_int64(st, 2);
  return sq_col_text(&c->kind, p, st, 0);
}

static int sqa_append(struct meta *m, const struct audit_entry *e, size_t n)
{
  struct sq_conn *c;
  for (size_t i = 0; i < n; i++)
    if (!e[i].kind || !*e[i].kind)
      return ERR_INVALID;
  if (n == 0)
    return 0;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  do {
    if ((err = sq_begin(c)))
      return err;
    for (size_t i = 0; !err && i < n; i++)
      err = sq_exec(c, NULL, SQ_AUDIT_INSERT, "titittttti", e[i].kind, e[i].performer_id,
                    e[i].performer_name, (int64_t)e[i].performer_kind, e[i].namespace_name,
                    e[i].repository, e[i].ip, e[i].user_agent,
                    e[i].metadata_json ? e[i].metadata_json : "{}", e[i].created_at);
    err = sq_end(c, err);
  } while (err == SQ_RETRY);
  return err;
}

/* The scope's value and whether it is a repository; ERR_INVALID unless
 * exactly one is given. */
static int query_scope(const char **out, int *out_repo, const struct audit_query *q)
{
  if (!q || !q->namespace_name == !q->repository)
    return ERR_INVALID;
  *out = q->repository ? q->repository : q->namespace_name;
  *out_repo = q->repository != NULL;
  return 0;
}

static int sqa_list(struct meta *m, struct pool *p, struct audit_entry **out, size_t *out_n,
                    int *out_more, const struct audit_query *q, size_t limit)
{
  struct sq_conn *c;
  struct sq_cur *st;
  const char *scope;
  int is_repo;
  int err = query_scope(&scope, &is_repo, q);
  if (err)
    return err;
  /* first page: a cursor after every possible entry */
  int64_t bt = q->before_id ? q->before_time : INT64_MAX;
  int64_t bid = q->before_id ? q->before_id : INT64_MAX;
  err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, is_repo ? SQ_AUDIT_LIST_REPO : SQ_AUDIT_LIST_NS, "tiitiii", scope,
                   q->start, q->end, q->performer ? q->performer : "", bt, bid,
                   sq_fetch_limit(limit));
  return err ? err : sq_read_rows((void **)out, out_n, out_more, sizeof(**out), c, p, st, limit,
                                  read_entry);
}

static int sqa_aggregate(struct meta *m, struct pool *p, struct audit_count **out,
                         size_t *out_n, const struct audit_query *q)
{
  struct sq_conn *c;
  struct sq_cur *st;
  const char *scope;
  int is_repo;
  int err = query_scope(&scope, &is_repo, q);
  if (err)
    return err;
  err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, is_repo ? SQ_AUDIT_AGG_REPO : SQ_AUDIT_AGG_NS, "tiiti", scope,
                   q->start, q->end, q->performer ? q->performer : "",
                   (int64_t)AUDIT_COUNT_MAX);
  return err ? err : sq_read_rows((void **)out, out_n, NULL, sizeof(**out), c, p, st,
                                  AUDIT_COUNT_MAX, read_count);
}

const struct audit_store_ops meta_sqlite_audit_ops = {
  .append = sqa_append,
  .list = sqa_list,
  .aggregate = sqa_aggregate,
};
