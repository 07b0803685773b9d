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

/* A page with the extension filters. ?1 namespace, [?2, ?3), ?4 performer,
 * cursor (?5, ?6), ?7 rows, ?8 repository, ?9..?16 kinds (NULL: unused
 * slot; ?9 NULL: any kind); '' means "any" for the other text filters.
 * `lead` is the equality an index serves (the other ones repeat it in
 * their "any" form, which no planner can use as an index key). */
#define LOG_FILTER(lead)                                                                  \
  "SELECT " LOG_COLS " FROM log_entry WHERE " lead " AND created_at >= ?2 "               \
  "AND created_at < ?3 AND (namespace_name = ?1 OR ?1 = '') "                             \
  "AND (performer_name = ?4 OR ?4 = '') AND (repository = ?8 OR ?8 = '') "                \
  "AND (CAST(?9 AS TEXT) IS NULL "                                                       \
  "     OR kind IN (?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)) "                              \
  "AND created_at <= ?5 AND (created_at < ?5 OR id < ?6) "                                \
  "ORDER BY created_at DESC, id DESC LIMIT ?7"

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
  S(SQ_AUDIT_FILTER_NS) = LOG_FILTER("namespace_name = ?1"),
  S(SQ_AUDIT_FILTER_KIND) = LOG_FILTER("namespace_name = ?1 AND kind IN (?9, ?10, ?11, ?12, "
                                       "?13, ?14, ?15, ?16)"),
  S(SQ_AUDIT_FILTER_REPO) = LOG_FILTER("repository = ?8"),
  S(SQ_AUDIT_FILTER_PERF) = LOG_FILTER("performer_name = ?4"),
  /* retention: oldest first over log_entry_created, a batch at a time */
  S(SQ_AUDIT_PURGE) = "DELETE FROM log_entry WHERE id IN (SELECT id FROM log_entry "
                      "WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)",
  S(SQ_AUDIT_EXPORT_PUT) = "INSERT INTO log_export(id, account_id, created_at, expires_at, body) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)",
  S(SQ_AUDIT_EXPORT_GET) = "SELECT created_at, expires_at, body FROM log_export WHERE id = ?1 "
                           "AND account_id = ?2 AND expires_at > ?3",
  S(SQ_AUDIT_EXPORT_PURGE) = "DELETE FROM log_export WHERE expires_at <= ?1",
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

static int has_filters(const struct audit_query *q)
{
  return q->nkinds || (q->filter_repository && *q->filter_repository);
}

/* The filtered page (has_filters(q)): the statement whose index fits best,
 * the most selective key first. */
static int list_filtered(struct sq_conn *c, struct sq_cur **out, const struct audit_query *q,
                         int64_t bt, int64_t bid, size_t limit)
{
  const char *ns = q->namespace_name ? q->namespace_name : "";
  const char *repo = q->repository ? q->repository : q->filter_repository;
  const char *perf = q->performer ? q->performer : "";
  const char *k[AUDIT_KINDS_MAX] = { NULL };
  if (q->nkinds > AUDIT_KINDS_MAX)
    return ERR_INVALID;
  if (q->repository && q->filter_repository && *q->filter_repository &&
      strcmp(q->repository, q->filter_repository) != 0)
    repo = "\x01"; /* two different repositories: nothing (no name holds \x01) */
  for (size_t i = 0; i < q->nkinds; i++)
    k[i] = q->kinds[i];
  enum sq_stmt id = repo && *repo ? SQ_AUDIT_FILTER_REPO
                    : *perf      ? SQ_AUDIT_FILTER_PERF
                    : q->nkinds  ? SQ_AUDIT_FILTER_KIND
                                 : SQ_AUDIT_FILTER_NS;
  return sq_query(c, out, id, "tiitiiittttttttt", ns, q->start, q->end, perf, bt, bid,
                  sq_fetch_limit(limit), repo ? repo : "", k[0], k[1], k[2], k[3], k[4], k[5],
                  k[6], k[7]);
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
  if (!err && has_filters(q))
    err = list_filtered(c, &st, q, bt, bid, limit);
  else if (!err)
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

static int sqa_purge(struct meta *m, int64_t *out_deleted, int64_t before, size_t batch)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_AUDIT_PURGE, "ii", before, (int64_t)batch);
  if (!err && out_deleted)
    *out_deleted = changes;
  return err;
}

static int sqa_export_put(struct meta *m, const struct audit_export *e)
{
  struct sq_conn *c;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, NULL, SQ_AUDIT_EXPORT_PUT, "tiiib", e->id, e->account_id, e->created_at,
                  e->expires_at, e->body, e->len);
  return err;
}

static int sqa_export_get(struct meta *m, struct pool *p, struct audit_export *out,
                          const char *id, int64_t account_id, int64_t now)
{
  struct sq_conn *c;
  struct sq_cur *st;
  struct audit_export e = { .id = id, .account_id = account_id };
  void *body = NULL;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_AUDIT_EXPORT_GET, "tii", id, account_id, now);
  if (err)
    return err;
  int rc = sq_step(st);
  if (rc == SQ_ROW) {
    e.created_at = sq_col_int64(st, 0);
    e.expires_at = sq_col_int64(st, 1);
    err = sq_col_blob(&body, &e.len, p, st, 2);
  } else {
    err = rc == SQ_DONE ? ERR_NOTFOUND : rc;
  }
  sq_done(st);
  if (err)
    return err;
  e.body = body;
  *out = e;
  return 0;
}

static int sqa_export_purge(struct meta *m, int64_t now)
{
  return sq_m_exec(m, NULL, SQ_AUDIT_EXPORT_PURGE, "i", now);
}

const struct audit_store_ops meta_sqlite_audit_ops = {
  .append = sqa_append,
  .list = sqa_list,
  .aggregate = sqa_aggregate,
  .purge = sqa_purge,
  .export_put = sqa_export_put,
  .export_get = sqa_export_get,
  .export_purge = sqa_export_purge,
};
