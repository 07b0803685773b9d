/* SQL store (both engines) for store/ident.h, continued: OAuth
 * applications, API token metadata, web sessions and the user
 * administration queries behind /api/v1/superuser and /api/v1/entities. Tables come from migration 4 in
 * sqlite_schema.c; the SQL is in sqlite_ident.c's sq_ident_sql with the
 * other identity statements.
 *
 * An API token is a credential row (kind CRED_API) with a uuid, its app and
 * a last-use time, so deleting the app (or its org, or the user) deletes
 * the credential itself and the token stops working at once. */
#include "store/sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#include "store/ident.h"
#include "util/err.h"
#include "util/pool.h"
#include "util/timeutil.h"

_Static_assert(sizeof(struct ident_app) <= SQ_ROW_MAX && sizeof(struct ident_token) <= SQ_ROW_MAX &&
                 sizeof(struct ident_session) <= SQ_ROW_MAX,
               "sq_read_one stages rows in SQ_ROW_MAX bytes");

/* --- row readers ------------------------------------------------------------ */

/* APP_COLS: id, org_id, client_id, secret_enc, name, description,
 * redirect_uri, application_uri, avatar_email, created_at */
static int read_app(void *dst, struct pool *p, struct sq_cur *st)
{
  struct ident_app *a = dst;
  memset(a, 0, sizeof(*a));
  a->id = sq_col_int64(st, 0);
  a->org_id = sq_col_int64(st, 1);
  a->created_at = sq_col_int64(st, 9);
  char **text[] = { &a->client_id, &a->secret_enc, &a->name, &a->description,
                    &a->redirect_uri, &a->application_uri, &a->avatar_email };
  int err = 0;
  for (int i = 0; !err && i < (int)(sizeof(text) / sizeof(text[0])); i++)
    err = sq_col_text(text[i], p, st, 2 + i);
  return err;
}

/* TOKEN_SELECT: cred id, account id, account name, app id, uuid, name,
 * scopes, created_at, expires_at, last_accessed */
static int read_token(void *dst, struct pool *p, struct sq_cur *st)
{
  struct ident_token *t = dst;
  memset(t, 0, sizeof(*t));
  t->cred_id = sq_col_int64(st, 0);
  t->account_id = sq_col_int64(st, 1);
  t->app_id = sq_col_int64(st, 3); /* NULL reads as 0 */
  t->created_at = sq_col_int64(st, 7);
  t->expires_at = sq_col_int64(st, 8);
  t->last_accessed = sq_col_int64(st, 9);
  int err = sq_col_text(&t->account_name, p, st, 2);
  if (!err)
    err = sq_col_text(&t->uuid, p, st, 4);
  if (!err)
    err = sq_col_text(&t->name, p, st, 5);
  if (!err)
    err = sq_col_text(&t->scopes, p, st, 6);
  return err;
}

/* idx, account_id, pwv, created_at, expires_at */
static int read_session(void *dst, struct pool *p, struct sq_cur *st)
{
  struct ident_session *s = dst;
  memset(s, 0, sizeof(*s));
  s->account_id = sq_col_int64(st, 1);
  s->created_at = sq_col_int64(st, 3);
  s->expires_at = sq_col_int64(st, 4);
  int err = sq_col_text(&s->index, p, st, 0);
  if (!err)
    err = sq_col_text(&s->pwv, p, st, 2);
  return err;
}

static const char *or_empty(const char *s)
{
  return s ? s : "";
}

/* --- OAuth applications ------------------------------------------------------ */

int sq_app_create(struct meta *m, int64_t *out_id, const struct ident_app *a)
{
  struct sq_conn *c;
  enum ident_kind kind;
  if (!a || !a->client_id || !*a->client_id || !a->secret_enc || !a->name || !*a->name)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  /* an account's kind never changes: no transaction needed for the check */
  if (!err)
    err = sq_account_kind(c, &kind, a->org_id);
  if (!err && kind != IDENT_ORG)
    err = ERR_INVALID;
  /* ERR_EXISTS on a client_id clash */
  if (!err)
    err = sq_int64(c, out_id, SQ_APP_INSERT, "ittttttti", a->org_id, a->client_id,
                   a->secret_enc, a->name, or_empty(a->description), or_empty(a->redirect_uri),
                   or_empty(a->application_uri), or_empty(a->avatar_email), time_now());
  return err;
}

int sq_app_get(struct meta *m, struct pool *p, struct ident_app *out, int64_t org_id,
               const char *client_id)
{
  struct sq_conn *c;
  struct sq_cur *st;
  if (!client_id)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_APP_GET, "it", org_id, client_id);
  return err ? err : sq_read_one(out, sizeof(*out), c, p, st, read_app);
}

int sq_app_list(struct meta *m, struct pool *p, struct ident_app **out, size_t *out_n,
                int64_t org_id)
{
  return sq_m_rows((void **)out, out_n, NULL, sizeof(**out), m, p, SIZE_MAX, read_app,
                   SQ_APP_LIST, "i", org_id);
}

int sq_app_delete(struct meta *m, int64_t id)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  /* one statement: the app's credentials cascade with it */
  if (!err)
    err = sq_exec(c, &changes, SQ_APP_DELETE, "i", id);
  return sq_changed(err, changes);
}

/* --- API tokens ---------------------------------------------------------------- */

int sq_token_add(struct meta *m, int64_t *out_cred_id, const struct ident_cred *cr,
                 const char *uuid, int64_t app_id, size_t max_live, int64_t now)
{
  struct sq_conn *c;
  int64_t id = 0, live = 0;
  if (!cr || cr->kind != CRED_API || !cr->index || !*cr->index || cr->expires_at < 0 || !uuid ||
      !*uuid || app_id < 0)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  do {
    if ((err = sq_begin(c)))
      return err;
    /* counted and inserted in one transaction: concurrent mints cannot
     * both pass the limit */
    if (app_id) {
      err = sq_int64(c, &live, SQ_TOKEN_COUNT_LIVE, "ii", app_id, now);
      if (!err && (uint64_t)live >= (uint64_t)max_live)
        err = ERR_TOOBIG;
    }
    /* ERR_NOTFOUND for an unknown account or app, ERR_EXISTS on a clash */
    if (!err)
      err = sq_int64(c, &id, SQ_TOKEN_INSERT, "iittttiiti", cr->account_id, (int64_t)CRED_API,
                     cr->index, cr->secret_enc, cr->scopes, cr->name, now, cr->expires_at, uuid,
                     app_id);
    err = sq_end(c, err);
  } while (err == SQ_RETRY);
  if (!err)
    *out_cred_id = id;
  return err;
}

int sq_token_list(struct meta *m, struct pool *p, struct ident_token **out, size_t *out_n,
                  int *out_more, int64_t app_id, int64_t now, int64_t after, size_t limit)
{
  return sq_m_rows((void **)out, out_n, out_more, sizeof(**out), m, p, limit, read_token,
                   SQ_TOKEN_LIST, "iiii", app_id, now, after, sq_fetch_limit(limit));
}

int sq_token_delete(struct meta *m, int64_t app_id, const char *uuid)
{
  struct sq_conn *c;
  int changes = 0;
  if (!uuid)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_TOKEN_DELETE, "it", app_id, uuid);
  return sq_changed(err, changes);
}

int sq_token_touch(struct meta *m, int64_t cred_id, int64_t now, int64_t every)
{
  struct sq_conn *c;
  int64_t last = 0;
  int err = sq_conn_get(&c, m);
  /* a read first: most requests find a recent time and write nothing */
  if (!err)
    err = sq_int64(c, &last, SQ_TOKEN_LAST_USED, "i", cred_id);
  if (!err && now - last >= every)
    err = sq_exec(c, NULL, SQ_TOKEN_TOUCH, "ii", cred_id, now);
  return err;
}

/* --- web sessions ---------------------------------------------------------------- */

int sq_session_add(struct meta *m, const struct ident_session *s, int64_t now)
{
  struct sq_conn *c;
  if (!s || !s->index || !*s->index || !s->pwv || s->expires_at <= now)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  /* each sign-in also drops the expired sessions (indexed by expires_at),
   * so the table holds live sessions only */
  if (!err)
    err = sq_exec(c, NULL, SQ_SESSION_PURGE, "i", now);
  /* ERR_NOTFOUND for an unknown account */
  if (!err)
    err = sq_exec(c, NULL, SQ_SESSION_INSERT, "titii", s->index, s->account_id, s->pwv, now,
                  s->expires_at);
  return err;
}

int sq_session_get(struct meta *m, struct pool *p, struct ident_session *out, const char *index)
{
  struct sq_conn *c;
  struct sq_cur *st;
  if (!index)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_SESSION_GET, "t", index);
  return err ? err : sq_read_one(out, sizeof(*out), c, p, st, read_session);
}

int sq_session_delete_account(struct meta *m, int64_t account_id)
{
  return sq_m_exec(m, NULL, SQ_SESSION_DELETE_ACCOUNT, "i", account_id);
}

/* --- user administration ------------------------------------------------------- */

int sq_account_search_kind(struct meta *m, struct pool *p, struct ident_account **out,
                           size_t *out_n, int *out_more, enum ident_kind kind, const char *prefix,
                           size_t limit)
{
  struct sq_conn *c;
  struct sq_cur *st;
  char *upper = NULL;
  if (!prefix)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_prefix_successor(&upper, prefix);
  if (err == ERR_INVALID) /* not UTF-8: no name starts with it */
    return sq_no_rows((void **)out, out_n, out_more, p, sizeof(**out));
  if (err)
    return err;
  if (upper)
    err = sq_query(c, &st, SQ_ACCOUNT_SEARCH_KIND, "itti", (int64_t)kind, prefix, upper,
                   sq_fetch_limit(limit));
  else
    err = sq_query(c, &st, SQ_ACCOUNT_SEARCH_KIND_OPEN, "iti", (int64_t)kind, prefix,
                   sq_fetch_limit(limit));
  if (!err)
    err = sq_read_rows((void **)out, out_n, out_more, sizeof(**out), c, p, st, limit,
                       sq_read_account);
  free(upper); /* bound without a copy: only after the statement is reset */
  return err;
}

int sq_user_create_first(struct meta *m, int64_t *out_id, const struct ident_account *a)
{
  struct sq_conn *c;
  int64_t users = 0, id = 0;
  if (!a || a->kind != IDENT_USER || !a->name || !*a->name || strchr(a->name, '/') ||
      a->owner_id)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  do {
    if ((err = sq_begin(c)))
      return err;
    /* counted and inserted in one transaction: of two racing first
     * sign-ups exactly one wins */
    err = sq_int64(c, &users, SQ_USER_COUNT, "");
    if (!err && users > 0)
      err = ERR_EXISTS;
    if (!err)
      err = sq_int64(c, &id, SQ_ACCOUNT_INSERT, "itttiiittii", (int64_t)IDENT_USER, a->name,
                     a->email, a->password_hash, (int64_t)(a->is_superuser != 0),
                     (int64_t)(a->enabled != 0), (int64_t)0, "", "{}", time_now(), (int64_t)0);
    err = sq_end(c, err);
  } while (err == SQ_RETRY);
  if (!err)
    *out_id = id;
  return err;
}

int sq_user_update(struct meta *m, int64_t id, const char *email, int enabled, int is_superuser)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  /* enabled / is_superuser < 0: unchanged */
  if (!err)
    err = sq_exec(c, &changes, SQ_USER_UPDATE, "itii", id, email,
                  (int64_t)(enabled < 0 ? -1 : enabled != 0),
                  (int64_t)(is_superuser < 0 ? -1 : is_superuser != 0));
  return sq_changed(err, changes);
}
