/* SQL store (both engines) for store/ident.h, continued: the robot token
 * lifecycle of issue 8 (several tokens per robot, rotation with a grace
 * period, disable/enable, IP allow-lists, org maximum token lifetimes).
 * The SQL is in sqlite_ident.c's sq_ident_sql with the other identity
 * statements. */
#include "store/sqlite_int.h"

#include <string.h>

#include "store/ident.h"
#include "util/err.h"
#include "util/pool.h"

/* SQ_RCRED_LIST: CRED_COLS then last_accessed */
static int read_cred_full(void *dst, struct pool *p, struct sq_cur *st)
{
  struct ident_cred *c = dst;
  memset(c, 0, sizeof(*c));
  c->id = sq_col_int64(st, 0);
  c->account_id = sq_col_int64(st, 1);
  c->kind = (enum ident_cred_kind)sq_col_int(st, 2);
  c->created_at = sq_col_int64(st, 7);
  c->expires_at = sq_col_int64(st, 8);
  c->last_accessed = sq_col_int64(st, 9);
  int err = sq_col_text(&c->index, p, st, 3);
  if (!err)
    err = sq_col_text(&c->secret_enc, p, st, 4);
  if (!err)
    err = sq_col_text(&c->scopes, p, st, 5);
  if (!err)
    err = sq_col_text(&c->name, p, st, 6);
  return err;
}

int sq_cred_list(struct meta *m, struct pool *p, struct ident_cred **out, size_t *out_n,
                 int64_t account_id, enum ident_cred_kind kind)
{
  struct sq_conn *c;
  struct sq_cur *st;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_RCRED_LIST, "ii", account_id, (int64_t)kind);
  if (!err)
    err = sq_read_rows((void **)out, out_n, NULL, sizeof(**out), c, p, st, 1000,
                       read_cred_full);
  return err;
}

int sq_cred_cap_expiry(struct meta *m, int64_t account_id, enum ident_cred_kind kind,
                       int64_t keep_id, int64_t until)
{
  struct sq_conn *c;
  if (until <= 0)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, NULL, SQ_RCRED_CAP, "iiii", account_id, (int64_t)kind, keep_id, until);
  return err;
}

int sq_robot_set_access(struct meta *m, int64_t id, int enabled, const char *allowed_cidrs)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_ROBOT_SET_ACCESS, "iit", id, (int64_t)enabled, allowed_cidrs);
  return sq_changed(err, changes);
}

int sq_robot_federation_get(struct meta *m, struct pool *p, char **out, int64_t id)
{
  struct sq_conn *c;
  struct sq_cur *st;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_ROBOT_FED_GET, "i", id);
  if (err)
    return err;
  int rc = sq_step(st);
  char *text = NULL;
  if (rc == SQ_ROW)
    err = sq_col_text(&text, p, st, 0);
  else
    err = rc == SQ_DONE ? ERR_NOTFOUND : rc;
  sq_done(st);
  if (!err)
    *out = text ? text : pool_strdup(p, "[]");
  return err;
}

int sq_robot_federation_set(struct meta *m, int64_t id, const char *json)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_ROBOT_FED_SET, "it", id, json);
  return sq_changed(err, changes);
}

int sq_cred_expiring(struct meta *m, int64_t *out, enum ident_cred_kind kind, int64_t now,
                     int64_t until)
{
  struct sq_conn *c;
  struct sq_cur *st;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_RCRED_EXPIRING, "iii", (int64_t)kind, now, until);
  if (err)
    return err;
  int rc = sq_step(st);
  if (rc == SQ_ROW)
    *out = sq_col_int64(st, 0);
  else
    err = rc == SQ_DONE ? ERR_INTERNAL : rc;
  sq_done(st);
  return err;
}

int sq_token_lifetime_get(struct meta *m, int64_t *out, int64_t id)
{
  struct sq_conn *c;
  struct sq_cur *st;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_LIFETIME_GET, "i", id);
  if (err)
    return err;
  int rc = sq_step(st);
  if (rc == SQ_ROW)
    *out = sq_col_int64(st, 0);
  else
    err = rc == SQ_DONE ? ERR_NOTFOUND : rc;
  sq_done(st);
  return err;
}

int sq_org_update(struct meta *m, int64_t org_id, const char *email, int64_t max_lifetime)
{
  struct sq_conn *c;
  int changes = 0;
  if (max_lifetime < -1)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_ORG_UPDATE, "iti", org_id, email, max_lifetime);
  return sq_changed(err, changes);
}
