/* SQL store (both engines) for store/ident.h: accounts, credentials,
 * repository permissions and the effective-role query auth/ decides with,
 * and the ops table (the SQL of every identity statement is in
 * sqlite_ident_sql.c); teams and
 * prototypes are in sqlite_team.c, OAuth apps, tokens and sessions in
 * sqlite_apicred.c. Tables are created by migrations 2 to 4 in
 * sqlite_schema.c; statement helpers are in sqlite.c.
 *
 * Every statement runs on SQLite and on PostgreSQL: plain SQL only (||
 * concatenation, COALESCE, CASE, ON CONFLICT ... DO UPDATE, RETURNING), no
 * engine functions, ?N placeholders (PostgreSQL's $N at prepare time). Prefix
 * matches are range queries on the bytewise order (name >= 'p' AND name <
 * successor('p')), which use the name index in both databases (text columns
 * are COLLATE "C" on PostgreSQL, see sqlite_schema.c). */
#include "store/sqlite_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store/ident.h"
#include "util/err.h"
#include "util/pool.h"
#include "util/timeutil.h"

/* --- row readers ------------------------------------------------------------ */

int sq_read_account(void *dst, struct pool *p, struct sq_cur *st)
{
  struct ident_account *a = dst;
  memset(a, 0, sizeof(*a));
  a->id = sq_col_int64(st, 0);
  a->kind = (enum ident_kind)sq_col_int(st, 1);
  a->is_superuser = sq_col_int(st, 5);
  a->enabled = sq_col_int(st, 6);
  a->owner_id = sq_col_int64(st, 7); /* NULL reads as 0 */
  a->created_at = sq_col_int64(st, 10);
  a->last_accessed = sq_col_int64(st, 11);
  int err = sq_col_text(&a->name, p, st, 2);
  if (!err)
    err = sq_col_text(&a->email, p, st, 3);
  if (!err)
    err = sq_col_text(&a->password_hash, p, st, 4);
  if (!err)
    err = sq_col_text(&a->description, p, st, 8);
  if (!err)
    err = sq_col_text(&a->metadata_json, p, st, 9);
  if (!err)
    err = sq_col_text(&a->allowed_cidrs, p, st, 12);
  return err;
}

static int read_cred(void *dst, struct pool *p, struct sq_cur *st)
{
  struct ident_cred *c = dst;
  memset(c, 0, sizeof(*c));
  c->id = sq_col_int64(st, 0);
  c->account_id = sq_col_int64(st, 1);
  c->kind = (enum ident_cred_kind)sq_col_int(st, 2);
  c->created_at = sq_col_int64(st, 7);
  c->expires_at = sq_col_int64(st, 8);
  int err = sq_col_text(&c->index, p, st, 3);
  if (!err)
    err = sq_col_text(&c->secret_enc, p, st, 4);
  if (!err)
    err = sq_col_text(&c->scopes, p, st, 5);
  if (!err)
    err = sq_col_text(&c->name, p, st, 6);
  return err;
}

static int read_repo(void *dst, struct pool *p, struct sq_cur *st)
{
  struct ident_repo *r = dst;
  memset(r, 0, sizeof(*r));
  r->id = sq_col_int64(st, 0);
  r->is_public = sq_col_int(st, 2);
  int err = sq_col_text(&r->name, p, st, 1);
  if (!err)
    err = sq_col_text(&r->description, p, st, 3);
  return err;
}

int sq_read_perm(void *dst, struct pool *p, struct sq_cur *st)
{
  struct ident_perm *pm = dst;
  memset(pm, 0, sizeof(*pm));
  pm->repo_id = sq_col_int64(st, 0);
  pm->repo_public = sq_col_int(st, 2);
  pm->account_id = sq_col_int64(st, 3);
  pm->account_kind = (enum ident_kind)sq_col_int(st, 5);
  pm->role = (enum ident_role)sq_col_int(st, 6);
  int err = sq_col_text(&pm->repo_name, p, st, 1);
  if (!err)
    err = sq_col_text(&pm->account_name, p, st, 4);
  return err;
}

int sq_read_one(void *out, size_t elem, struct sq_conn *c, struct pool *p, struct sq_cur *st,
                sq_row_fn fn)
{
  union {
    max_align_t align;
    unsigned char bytes[SQ_ROW_MAX];
  } tmp;
  int err, rc = sq_step(st);
  if (elem > sizeof(tmp))
    err = ERR_INTERNAL;
  else if (rc == SQ_ROW)
    err = fn(&tmp, p, st);
  else
    err = rc == SQ_DONE ? ERR_NOTFOUND : rc;
  sq_done(st);
  if (!err)
    memcpy(out, &tmp, elem);
  return err;
}

int sq_read_rows(void **out, size_t *out_n, int *out_more, size_t elem, struct sq_conn *c,
                 struct pool *p, struct sq_cur *st, size_t limit, sq_row_fn fn)
{
  char *arr = NULL;
  size_t n = 0, cap = 0;
  int more = 0, rc = SQ_DONE;
  int err = sq_grow(p, (void **)&arr, &cap, 0, elem);
  while (!err && (rc = sq_step(st)) == SQ_ROW) {
    if (n == limit) {
      more = 1;
      break;
    }
    err = sq_grow(p, (void **)&arr, &cap, n, elem);
    if (!err)
      err = fn(arr + n * elem, p, st);
    n++;
  }
  if (!err && !more && rc != SQ_DONE)
    err = rc;
  sq_done(st);
  if (err)
    return err;
  *out = arr;
  *out_n = n;
  if (out_more)
    *out_more = more;
  return 0;
}

/* LIMIT to bind for exactly `limit` rows. */
static int64_t row_limit(size_t limit)
{
  return limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit;
}

int sq_account_kind(struct sq_conn *c, enum ident_kind *out, int64_t id)
{
  int64_t k = 0;
  int err = sq_int64(c, &k, SQ_ACCOUNT_KIND, "i", id);
  if (!err)
    *out = (enum ident_kind)k;
  return err;
}

int sq_changed(int err, int changes)
{
  return err ? err : changes ? 0 : ERR_NOTFOUND;
}

/* --- accounts ---------------------------------------------------------------- */

static int sqi_account_create(struct meta *m, int64_t *out_id, const struct ident_account *a)
{
  struct sq_conn *c;
  enum ident_kind owner_kind;
  /* No '/' in names: effective_role finds a repository's namespace by it. */
  if (!a || !a->name || !*a->name || strchr(a->name, '/') || a->kind < IDENT_USER ||
      a->kind > IDENT_ROBOT || (a->kind == IDENT_ROBOT) != (a->owner_id != 0) ||
      a->last_accessed < 0)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err && a->kind == IDENT_ROBOT) {
    /* An account's kind never changes, so no transaction is needed between
     * this check and the insert; a deleted owner fails the foreign key. */
    err = sq_account_kind(c, &owner_kind, a->owner_id);
    if (!err && owner_kind == IDENT_ROBOT)
      err = ERR_INVALID;
  }
  if (err)
    return err;
  /* ERR_EXISTS when any account has the name (UNIQUE across kinds). */
  return sq_int64(c, out_id, SQ_ACCOUNT_INSERT, "itttiiittii", (int64_t)a->kind, a->name,
                  a->email, a->password_hash, (int64_t)(a->is_superuser != 0),
                  (int64_t)(a->enabled != 0), a->owner_id,
                  a->description ? a->description : "",
                  a->metadata_json ? a->metadata_json : "{}", time_now(), a->last_accessed);
}

static int sqi_account_get(struct meta *m, struct pool *p, struct ident_account *out, int64_t id)
{
  return sq_m_one(out, sizeof(*out), m, p, sq_read_account, SQ_ACCOUNT_GET, "i", id);
}

static int sqi_account_by_name(struct meta *m, struct pool *p, struct ident_account *out,
                               const char *name)
{
  struct sq_conn *c;
  struct sq_cur *st;
  if (!name)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_ACCOUNT_BY_NAME, "t", name);
  return err ? err : sq_read_one(out, sizeof(*out), c, p, st, sq_read_account);
}

static int sqi_robot_update(struct meta *m, int64_t id, const char *description,
                            const char *metadata_json)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_ROBOT_UPDATE, "itt", id, description, metadata_json);
  return sq_changed(err, changes);
}

static int sqi_user_set_password(struct meta *m, int64_t id, const char *password_hash)
{
  struct sq_conn *c;
  int changes = 0;
  if (!password_hash || !*password_hash)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_USER_SET_PASSWORD, "it", id, password_hash);
  return sq_changed(err, changes);
}

static int sqi_account_touch(struct meta *m, int64_t id, int64_t now)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_ACCOUNT_TOUCH, "ii", id, now);
  return sq_changed(err, changes);
}

static int sqi_account_delete(struct meta *m, int64_t id)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  /* One statement, so atomic: the foreign keys cascade to credentials,
   * permissions, memberships, and for an owner its robots and teams (and
   * in turn theirs). */
  if (!err)
    err = sq_exec(c, &changes, SQ_ACCOUNT_DELETE, "i", id);
  return sq_changed(err, changes);
}

static int sqi_user_count(struct meta *m, int64_t *out)
{
  return sq_m_int64(m, out, SQ_USER_COUNT, "");
}

static int sqi_robot_list(struct meta *m, struct pool *p, struct ident_account **out,
                          size_t *out_n, int64_t owner_id, size_t limit)
{
  return sq_m_rows((void **)out, out_n, NULL, sizeof(**out), m, p, limit, sq_read_account,
                   SQ_ROBOT_LIST, "ii", owner_id, row_limit(limit));
}

static int sqi_account_search(struct meta *m, struct pool *p, struct ident_account **out,
                              size_t *out_n, const char *prefix, size_t limit)
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
    return sq_no_rows((void **)out, out_n, NULL, p, sizeof(**out));
  if (err)
    return err;
  if (upper)
    err = sq_query(c, &st, SQ_ACCOUNT_SEARCH, "tti", prefix, upper, row_limit(limit));
  else
    err = sq_query(c, &st, SQ_ACCOUNT_SEARCH_OPEN, "ti", prefix, row_limit(limit));
  if (!err)
    err = sq_read_rows((void **)out, out_n, NULL, sizeof(**out), c, p, st, limit,
                       sq_read_account);
  free(upper); /* bound without a copy: only after the statement is reset */
  return err;
}

/* --- credentials ------------------------------------------------------------- */

static int cred_valid(const struct ident_cred *c)
{
  return c && c->index && *c->index && (c->kind == CRED_ROBOT || c->kind == CRED_API) &&
         c->expires_at >= 0;
}

static int cred_insert(struct sq_conn *c, int64_t *out_id, const struct ident_cred *cr)
{
  /* ERR_EXISTS on an index clash, ERR_NOTFOUND for an unknown account. */
  return sq_int64(c, out_id, SQ_CRED_INSERT, "iittttii", cr->account_id, (int64_t)cr->kind,
                  cr->index, cr->secret_enc, cr->scopes, cr->name, time_now(), cr->expires_at);
}

static int sqi_cred_add(struct meta *m, int64_t *out_id, const struct ident_cred *cr)
{
  struct sq_conn *c;
  if (!cred_valid(cr))
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  return err ? err : cred_insert(c, out_id, cr);
}

static int sqi_cred_by_index(struct meta *m, struct pool *p, struct ident_cred *out,
                             const char *index)
{
  struct sq_conn *c;
  struct sq_cur *st;
  if (!index)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_CRED_BY_INDEX, "t", index);
  return err ? err : sq_read_one(out, sizeof(*out), c, p, st, read_cred);
}

static int sqi_cred_get(struct meta *m, struct pool *p, struct ident_cred *out, int64_t id)
{
  return sq_m_one(out, sizeof(*out), m, p, read_cred, SQ_CRED_GET, "i", id);
}

static int sqi_cred_latest(struct meta *m, struct pool *p, struct ident_cred *out,
                           int64_t account_id, enum ident_cred_kind kind)
{
  return sq_m_one(out, sizeof(*out), m, p, read_cred, SQ_CRED_LATEST, "ii", account_id,
                  (int64_t)kind);
}

static int sqi_cred_replace(struct meta *m, int64_t *out_id, const struct ident_cred *cr)
{
  struct sq_conn *c;
  int64_t id = 0;
  if (!cred_valid(cr))
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  do {
    if ((err = sq_begin(c)))
      return err;
    err = sq_exec(c, NULL, SQ_CRED_DELETE_KIND, "ii", cr->account_id, (int64_t)cr->kind);
    if (!err)
      err = cred_insert(c, &id, cr);
    err = sq_end(c, err);
  } while (err == SQ_RETRY);
  if (!err)
    *out_id = id;
  return err;
}

static int sqi_cred_delete(struct meta *m, int64_t id)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_CRED_DELETE, "i", id);
  return sq_changed(err, changes);
}

/* --- repositories ------------------------------------------------------------ */

static int sqi_repo_get(struct meta *m, struct pool *p, struct ident_repo *out, const char *name)
{
  struct sq_conn *c;
  struct sq_cur *st;
  if (!name)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_IREPO_GET, "t", name);
  return err ? err : sq_read_one(out, sizeof(*out), c, p, st, read_repo);
}

static int sqi_repo_set_public(struct meta *m, int64_t repo_id, int is_public)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_IREPO_SET_PUBLIC, "ii", repo_id, (int64_t)(is_public != 0));
  return sq_changed(err, changes);
}

static int sqi_repo_set_description(struct meta *m, int64_t repo_id, const char *description)
{
  struct sq_conn *c;
  int changes = 0;
  if (!description)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_IREPO_SET_DESCRIPTION, "it", repo_id, description);
  return sq_changed(err, changes);
}

static int sqi_repo_list_ns(struct meta *m, struct pool *p, struct ident_repo **out,
                            size_t *out_n, int *out_more, const char *ns, const char *last,
                            size_t limit)
{
  struct sq_conn *c;
  struct sq_cur *st;
  if (!ns || !*ns)
    return ERR_INVALID;
  /* "<ns>/" < every name in the namespace < "<ns>0" ('0' follows '/'). */
  size_t n = strlen(ns);
  char *lo = malloc(n + 2), *hi = malloc(n + 2);
  int err = lo && hi ? sq_conn_get(&c, m) : ERR_NOMEM;
  if (err)
    goto out;
  memcpy(lo, ns, n);
  memcpy(hi, ns, n);
  lo[n] = '/';
  hi[n] = '0';
  lo[n + 1] = hi[n + 1] = '\0';
  err = sq_query(c, &st, SQ_IREPO_LIST_RANGE, "tti",
                 last && strcmp(last, lo) > 0 ? last : lo, hi, sq_fetch_limit(limit));
  if (!err)
    err = sq_read_rows((void **)out, out_n, out_more, sizeof(**out), c, p, st, limit,
                       read_repo);
out:
  free(lo);
  free(hi);
  return err;
}

static int sqi_repo_delete(struct meta *m, int64_t repo_id)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_IREPO_DELETE, "i", repo_id);
  return sq_changed(err, changes);
}

/* --- permissions ------------------------------------------------------------- */

static int sqi_perm_set(struct meta *m, int64_t repo_id, int64_t account_id,
                        enum ident_role role)
{
  struct sq_conn *c;
  enum ident_kind kind;
  if (role < ROLE_READ || role > ROLE_ADMIN)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_account_kind(c, &kind, account_id);
  if (!err && kind == IDENT_ORG) /* orgs act through teams */
    err = ERR_INVALID;
  /* An unknown repository fails the foreign key: ERR_NOTFOUND. */
  if (!err)
    err = sq_exec(c, NULL, SQ_PERM_UPSERT, "iii", repo_id, account_id, (int64_t)role);
  return err;
}

static int sqi_perm_delete(struct meta *m, int64_t repo_id, int64_t account_id)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_PERM_DELETE, "ii", repo_id, account_id);
  return sq_changed(err, changes);
}

static int sqi_perm_get(struct meta *m, enum ident_role *out, int64_t repo_id,
                        int64_t account_id)
{
  struct sq_conn *c;
  int64_t role = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_int64(c, &role, SQ_PERM_GET, "ii", repo_id, account_id);
  if (!err)
    *out = (enum ident_role)role;
  return err;
}

static int sqi_perm_list_repo(struct meta *m, struct pool *p, struct ident_perm **out,
                              size_t *out_n, int64_t repo_id)
{
  return sq_m_rows((void **)out, out_n, NULL, sizeof(**out), m, p, SIZE_MAX, sq_read_perm,
                   SQ_PERM_LIST_REPO, "i", repo_id);
}

static int sqi_perm_list_account(struct meta *m, struct pool *p, struct ident_perm **out,
                                 size_t *out_n, int64_t account_id)
{
  return sq_m_rows((void **)out, out_n, NULL, sizeof(**out), m, p, SIZE_MAX, sq_read_perm,
                   SQ_PERM_LIST_ACCOUNT, "i", account_id);
}

/* --- effective rights -------------------------------------------------------- */

static int sqi_effective_role(struct meta *m, enum ident_role *out, int64_t account_id,
                              int64_t repo_id)
{
  struct sq_conn *c;
  int64_t role = 0;
  int err = sq_conn_get(&c, m);
  if (!err) /* an aggregate: always one row, 0 when nothing applies */
    err = sq_int64(c, &role, SQ_EFFECTIVE_ROLE, "ii", account_id, repo_id);
  if (!err)
    *out = (enum ident_role)role;
  return err;
}

static int sqi_org_role(struct meta *m, enum ident_org_role *out, int64_t account_id,
                        int64_t org_id)
{
  struct sq_conn *c;
  int64_t role = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_int64(c, &role, SQ_ORG_ROLE, "ii", account_id, org_id);
  if (!err)
    *out = (enum ident_org_role)role;
  return err;
}

const struct ident_ops meta_sqlite_ident_ops = {
  .account_create = sqi_account_create,
  .account_get = sqi_account_get,
  .account_by_name = sqi_account_by_name,
  .robot_update = sqi_robot_update,
  .user_set_password = sqi_user_set_password,
  .account_touch = sqi_account_touch,
  .account_delete = sqi_account_delete,
  .user_count = sqi_user_count,
  .robot_list = sqi_robot_list,
  .account_search = sqi_account_search,
  .cred_add = sqi_cred_add,
  .cred_by_index = sqi_cred_by_index,
  .cred_get = sqi_cred_get,
  .cred_latest = sqi_cred_latest,
  .cred_replace = sqi_cred_replace,
  .cred_delete = sqi_cred_delete,
  .cred_list = sq_cred_list,
  .cred_cap_expiry = sq_cred_cap_expiry,
  .robot_set_access = sq_robot_set_access,
  .robot_federation_get = sq_robot_federation_get,
  .robot_federation_set = sq_robot_federation_set,
  .cred_expiring = sq_cred_expiring,
  .token_lifetime_get = sq_token_lifetime_get,
  .org_update = sq_org_update,
  .repo_get = sqi_repo_get,
  .repo_set_public = sqi_repo_set_public,
  .repo_set_description = sqi_repo_set_description,
  .repo_list_ns = sqi_repo_list_ns,
  .repo_delete = sqi_repo_delete,
  .perm_set = sqi_perm_set,
  .perm_delete = sqi_perm_delete,
  .perm_get = sqi_perm_get,
  .perm_list_repo = sqi_perm_list_repo,
  .perm_list_account = sqi_perm_list_account,
  .team_set = sq_team_set,
  .team_add_member = sq_team_add_member,
  .team_remove_member = sq_team_remove_member,
  .team_get = sq_team_get,
  .team_list = sq_team_list,
  .team_delete = sq_team_delete,
  .team_members = sq_team_members,
  .team_perm_set = sq_team_perm_set,
  .team_perm_delete = sq_team_perm_delete,
  .team_perm_list_repo = sq_team_perm_list_repo,
  .team_perm_list_team = sq_team_perm_list_team,
  .team_list_member = sq_team_list_member,
  .proto_add = sq_proto_add,
  .proto_list = sq_proto_list,
  .proto_get = sq_proto_get,
  .proto_set_role = sq_proto_set_role,
  .proto_delete = sq_proto_delete,
  .proto_apply = sq_proto_apply,
  .effective_role = sqi_effective_role,
  .app_create = sq_app_create,
  .app_get = sq_app_get,
  .app_list = sq_app_list,
  .app_delete = sq_app_delete,
  .token_add = sq_token_add,
  .token_list = sq_token_list,
  .token_delete = sq_token_delete,
  .token_touch = sq_token_touch,
  .session_add = sq_session_add,
  .session_get = sq_session_get,
  .session_delete_account = sq_session_delete_account,
  .account_search_kind = sq_account_search_kind,
  .user_create_first = sq_user_create_first,
  .user_update = sq_user_update,
  .org_role = sqi_org_role,
};
