/* SQL store (both engines) for store/ident.h, continued: teams, their
 * members and repository permissions, and default permissions (prototypes).
 * The SQL is
 * in sqlite_ident.c's sq_ident_sql with the other identity statements; the
 * row helpers (sq_read_*) are there too.
 *
 * Namespace rules kept here rather than left to callers: a team only holds
 * members and permissions inside its own org (users, robots the org owns,
 * repositories of its namespace), so a robot's rights never reach past its
 * namespace whatever an API handler forgets to check. */
#include "store/sqlite_int.h"

#include <string.h>

#include "store/ident.h"
#include "util/err.h"
#include "util/pool.h"

_Static_assert(sizeof(struct ident_team) <= SQ_ROW_MAX && sizeof(struct ident_proto) <= SQ_ROW_MAX,
               "sq_read_one stages rows in SQ_ROW_MAX bytes");

/* --- row readers ------------------------------------------------------------ */

/* TEAM_SELECT: id, org_id, name, role, description, members, repos */
static int read_team(void *dst, struct pool *p, struct sq_cur *st)
{
  struct ident_team *t = dst;
  memset(t, 0, sizeof(*t));
  t->id = sq_col_int64(st, 0);
  t->org_id = sq_col_int64(st, 1);
  t->role = (enum ident_org_role)sq_col_int(st, 3);
  t->member_count = sq_col_int64(st, 5);
  t->repo_count = sq_col_int64(st, 6);
  int err = sq_col_text(&t->name, p, st, 2);
  if (!err)
    err = sq_col_text(&t->description, p, st, 4);
  return err;
}

/* TEAM_PERM_SELECT: repo_id, repo name, is_public, team id, team name, role */
static int read_team_perm(void *dst, struct pool *p, struct sq_cur *st)
{
  struct ident_perm *pm = dst;
  memset(pm, 0, sizeof(*pm));
  pm->repo_id = sq_col_int64(st, 0);
  pm->repo_public = sq_col_int(st, 2);
  pm->team_id = sq_col_int64(st, 3);
  pm->role = (enum ident_role)sq_col_int(st, 5);
  int err = sq_col_text(&pm->repo_name, p, st, 1);
  if (!err)
    err = sq_col_text(&pm->team_name, p, st, 4);
  return err;
}

/* PROTO_SELECT: id, org_id, activating id/name/kind, delegate account
 * id/name/kind, delegate team id/name, role (NULL ids read as 0) */
static int read_proto(void *dst, struct pool *p, struct sq_cur *st)
{
  struct ident_proto *pr = dst;
  memset(pr, 0, sizeof(*pr));
  pr->id = sq_col_int64(st, 0);
  pr->org_id = sq_col_int64(st, 1);
  pr->activating_id = sq_col_int64(st, 2);
  pr->activating_kind = (enum ident_kind)sq_col_int(st, 4);
  pr->delegate_account_id = sq_col_int64(st, 5);
  pr->delegate_account_kind = (enum ident_kind)sq_col_int(st, 7);
  pr->delegate_team_id = sq_col_int64(st, 8);
  pr->role = (enum ident_role)sq_col_int(st, 10);
  int err = sq_col_text(&pr->activating_name, p, st, 3);
  if (!err)
    err = sq_col_text(&pr->delegate_account_name, p, st, 6);
  if (!err)
    err = sq_col_text(&pr->delegate_team_name, p, st, 9);
  return err;
}

/* 0 if account_id may act inside org_id (a user, or a robot the org owns);
 * ERR_INVALID if not, ERR_NOTFOUND for an unknown account. */
static int account_in_org(struct sq_conn *c, int64_t account_id, int64_t org_id)
{
  int64_t ok = 0;
  int err = sq_int64(c, &ok, SQ_ACCOUNT_IN_ORG, "ii", account_id, org_id);
  return err ? err : ok ? 0 : ERR_INVALID;
}

static int role_valid(enum ident_role role)
{
  return role >= ROLE_READ && role <= ROLE_ADMIN;
}

/* --- teams ------------------------------------------------------------------- */

int sq_team_set(struct meta *m, int64_t *out_id, int64_t org_id, const char *name,
                enum ident_org_role role, const char *description)
{
  struct sq_conn *c;
  enum ident_kind kind;
  if (!name || !*name || role < ORG_MEMBER || role > ORG_ADMIN)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_account_kind(c, &kind, org_id);
  if (!err && kind != IDENT_ORG)
    err = ERR_INVALID;
  /* description NULL: "" for a new team, unchanged for an existing one */
  if (!err)
    err = sq_int64(c, out_id, SQ_TEAM_UPSERT, "itit", org_id, name, (int64_t)role, description);
  return err;
}

int sq_team_add_member(struct meta *m, int64_t team_id, int64_t account_id)
{
  struct sq_conn *c;
  int64_t org_id = 0;
  int err = sq_conn_get(&c, m);
  /* A team's org and an account's kind and owner never change, so the
   * check needs no transaction; a concurrent delete fails the foreign key. */
  if (!err)
    err = sq_int64(c, &org_id, SQ_TEAM_ORG, "i", team_id);
  if (!err)
    err = account_in_org(c, account_id, org_id);
  /* ERR_EXISTS if already a member */
  if (!err)
    err = sq_exec(c, NULL, SQ_TEAM_MEMBER_INSERT, "ii", team_id, account_id);
  return err;
}

int sq_team_remove_member(struct meta *m, int64_t team_id, int64_t account_id)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_TEAM_MEMBER_DELETE, "ii", team_id, account_id);
  return sq_changed(err, changes);
}

int sq_team_get(struct meta *m, struct pool *p, struct ident_team *out, int64_t org_id,
                const char *name)
{
  struct sq_conn *c;
  struct sq_cur *st;
  if (!name)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_TEAM_GET, "it", org_id, name);
  return err ? err : sq_read_one(out, sizeof(*out), c, p, st, read_team);
}

int sq_team_list(struct meta *m, struct pool *p, struct ident_team **out, size_t *out_n,
                 int64_t org_id)
{
  return sq_m_rows((void **)out, out_n, NULL, sizeof(**out), m, p, SIZE_MAX, read_team,
                   SQ_TEAM_LIST, "i", org_id);
}

int sq_team_delete(struct meta *m, int64_t team_id)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  /* one statement: memberships, permissions and prototypes cascade */
  if (!err)
    err = sq_exec(c, &changes, SQ_TEAM_DELETE, "i", team_id);
  return sq_changed(err, changes);
}

int sq_team_members(struct meta *m, struct pool *p, struct ident_account **out, size_t *out_n,
                    int64_t team_id)
{
  return sq_m_rows((void **)out, out_n, NULL, sizeof(**out), m, p, SIZE_MAX, sq_read_account,
                   SQ_TEAM_MEMBERS, "i", team_id);
}

int sq_team_perm_set(struct meta *m, int64_t repo_id, int64_t team_id, enum ident_role role)
{
  struct sq_conn *c;
  int64_t same_ns = 0;
  if (!role_valid(role))
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  /* ERR_NOTFOUND for an unknown team or repository */
  if (!err)
    err = sq_int64(c, &same_ns, SQ_TEAM_REPO_CHECK, "ii", team_id, repo_id);
  if (!err && !same_ns)
    err = ERR_INVALID;
  if (!err)
    err = sq_exec(c, NULL, SQ_TEAM_PERM_UPSERT, "iii", repo_id, team_id, (int64_t)role);
  return err;
}

int sq_team_perm_delete(struct meta *m, int64_t repo_id, int64_t team_id)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_TEAM_PERM_DELETE, "ii", repo_id, team_id);
  return sq_changed(err, changes);
}

int sq_team_perm_list_repo(struct meta *m, struct pool *p, struct ident_perm **out,
                           size_t *out_n, int64_t repo_id)
{
  return sq_m_rows((void **)out, out_n, NULL, sizeof(**out), m, p, SIZE_MAX, read_team_perm,
                   SQ_TEAM_PERM_LIST_REPO, "i", repo_id);
}

int sq_team_perm_list_team(struct meta *m, struct pool *p, struct ident_perm **out,
                           size_t *out_n, int64_t team_id)
{
  return sq_m_rows((void **)out, out_n, NULL, sizeof(**out), m, p, SIZE_MAX, read_team_perm,
                   SQ_TEAM_PERM_LIST_TEAM, "i", team_id);
}

int sq_team_list_member(struct meta *m, struct pool *p, struct ident_team **out, size_t *out_n,
                        int64_t org_id, int64_t account_id)
{
  return sq_m_rows((void **)out, out_n, NULL, sizeof(**out), m, p, SIZE_MAX, read_team,
                   SQ_TEAM_LIST_MEMBER, "ii", org_id, account_id);
}

/* --- prototypes -------------------------------------------------------------- */

/* Checks a new prototype against the rules of ident_proto_add. */
static int proto_check(struct sq_conn *c, const struct ident_proto *pr)
{
  enum ident_kind kind;
  int64_t team_org = 0;
  if (!role_valid(pr->role) || (pr->delegate_account_id != 0) == (pr->delegate_team_id != 0) ||
      pr->activating_id < 0 || pr->delegate_account_id < 0 || pr->delegate_team_id < 0)
    return ERR_INVALID;
  int err = sq_account_kind(c, &kind, pr->org_id);
  if (!err && kind != IDENT_ORG)
    err = ERR_INVALID;
  if (!err && pr->activating_id)
    err = account_in_org(c, pr->activating_id, pr->org_id);
  if (!err && pr->delegate_account_id)
    err = account_in_org(c, pr->delegate_account_id, pr->org_id);
  if (!err && pr->delegate_team_id) {
    err = sq_int64(c, &team_org, SQ_TEAM_ORG, "i", pr->delegate_team_id);
    if (!err && team_org != pr->org_id)
      err = ERR_INVALID;
  }
  return err;
}

int sq_proto_add(struct meta *m, int64_t *out_id, const struct ident_proto *pr)
{
  struct sq_conn *c;
  if (!pr)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  /* Kinds, owners and a team's org never change: no transaction needed
   * between the check and the insert; deletions fail the foreign keys. */
  if (!err)
    err = proto_check(c, pr);
  if (!err)
    err = sq_int64(c, out_id, SQ_PROTO_INSERT, "iiiii", pr->org_id, pr->activating_id,
                   pr->delegate_account_id, pr->delegate_team_id, (int64_t)pr->role);
  return err;
}

int sq_proto_list(struct meta *m, struct pool *p, struct ident_proto **out, size_t *out_n,
                  int64_t org_id)
{
  return sq_m_rows((void **)out, out_n, NULL, sizeof(**out), m, p, SIZE_MAX, read_proto,
                   SQ_PROTO_LIST, "i", org_id);
}

int sq_proto_get(struct meta *m, struct pool *p, struct ident_proto *out, int64_t org_id,
                 int64_t id)
{
  return sq_m_one(out, sizeof(*out), m, p, read_proto, SQ_PROTO_GET, "ii", org_id, id);
}

int sq_proto_set_role(struct meta *m, int64_t org_id, int64_t id, enum ident_role role)
{
  struct sq_conn *c;
  int changes = 0;
  if (!role_valid(role))
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_PROTO_SET_ROLE, "iii", org_id, id, (int64_t)role);
  return sq_changed(err, changes);
}

int sq_proto_delete(struct meta *m, int64_t org_id, int64_t id)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_PROTO_DELETE, "ii", org_id, id);
  return sq_changed(err, changes);
}

int sq_proto_apply(struct meta *m, int64_t repo_id, int64_t org_id, int64_t creator_id)
{
  struct sq_conn *c;
  int64_t in_org = 0;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  do {
    if ((err = sq_begin(c)))
      return err;
    /* ERR_NOTFOUND for an unknown repository or org */
    err = sq_int64(c, &in_org, SQ_PROTO_REPO_CHECK, "ii", repo_id, org_id);
    if (!err && !in_org)
      err = ERR_INVALID;
    if (!err)
      err = sq_exec(c, NULL, SQ_PROTO_APPLY_ACCOUNTS, "iii", repo_id, org_id, creator_id);
    if (!err)
      err = sq_exec(c, NULL, SQ_PROTO_APPLY_TEAMS, "iii", repo_id, org_id, creator_id);
    err = sq_end(c, err);
  } while (err == SQ_RETRY);
  return err;
}
