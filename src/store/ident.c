#include "store/ident.h"

/* Dispatch to the backend named by meta_ops.ident. */

int ident_account_create(struct meta *m, int64_t *out_id, const struct ident_account *a)
{
  return m->ops->ident->account_create(m, out_id, a);
}

int ident_account_get(struct meta *m, struct pool *p, struct ident_account *out, int64_t id)
{
  return m->ops->ident->account_get(m, p, out, id);
}

int ident_account_by_name(struct meta *m, struct pool *p, struct ident_account *out,
                         const char *name)
{
  return m->ops->ident->account_by_name(m, p, out, name);
}

int ident_robot_update(struct meta *m, int64_t id, const char *description,
                      const char *metadata_json)
{
  return m->ops->ident->robot_update(m, id, description, metadata_json);
}

int ident_user_set_password(struct meta *m, int64_t id, const char *password_hash)
{
  return m->ops->ident->user_set_password(m, id, password_hash);
}

int ident_account_touch(struct meta *m, int64_t id, int64_t now)
{
  return m->ops->ident->account_touch(m, id, now);
}

int ident_account_delete(struct meta *m, int64_t id)
{
  return m->ops->ident->account_delete(m, id);
}

int ident_user_count(struct meta *m, int64_t *out)
{
  return m->ops->ident->user_count(m, out);
}

int ident_robot_list(struct meta *m, struct pool *p, struct ident_account **out, size_t *out_n,
                    int64_t owner_id, size_t limit)
{
  return m->ops->ident->robot_list(m, p, out, out_n, owner_id, limit);
}

int ident_account_search(struct meta *m, struct pool *p, struct ident_account **out,
                        size_t *out_n, const char *prefix, size_t limit)
{
  return m->ops->ident->account_search(m, p, out, out_n, prefix, limit);
}

int ident_cred_add(struct meta *m, int64_t *out_id, const struct ident_cred *c)
{
  return m->ops->ident->cred_add(m, out_id, c);
}

int ident_cred_by_index(struct meta *m, struct pool *p, struct ident_cred *out, const char *index)
{
  return m->ops->ident->cred_by_index(m, p, out, index);
}

int ident_cred_get(struct meta *m, struct pool *p, struct ident_cred *out, int64_t id)
{
  return m->ops->ident->cred_get(m, p, out, id);
}

int ident_cred_latest(struct meta *m, struct pool *p, struct ident_cred *out, int64_t account_id,
                     enum ident_cred_kind kind)
{
  return m->ops->ident->cred_latest(m, p, out, account_id, kind);
}

int ident_cred_replace(struct meta *m, int64_t *out_id, const struct ident_cred *c)
{
  return m->ops->ident->cred_replace(m, out_id, c);
}

int ident_cred_delete(struct meta *m, int64_t id)
{
  return m->ops->ident->cred_delete(m, id);
}

int ident_cred_list(struct meta *m, struct pool *p, struct ident_cred **out, size_t *out_n,
                    int64_t account_id, enum ident_cred_kind kind)
{
  return m->ops->ident->cred_list(m, p, out, out_n, account_id, kind);
}

int ident_cred_cap_expiry(struct meta *m, int64_t account_id, enum ident_cred_kind kind,
                          int64_t keep_id, int64_t until)
{
  return m->ops->ident->cred_cap_expiry(m, account_id, kind, keep_id, until);
}

int ident_cred_expiring(struct meta *m, int64_t *out, enum ident_cred_kind kind, int64_t now,
                        int64_t until)
{
  return m->ops->ident->cred_expiring(m, out, kind, now, until);
}

int ident_token_lifetime_get(struct meta *m, int64_t *out, int64_t id)
{
  return m->ops->ident->token_lifetime_get(m, out, id);
}

int ident_org_update(struct meta *m, int64_t org_id, const char *email, int64_t max_lifetime)
{
  return m->ops->ident->org_update(m, org_id, email, max_lifetime);
}

int ident_robot_set_access(struct meta *m, int64_t id, int enabled, const char *allowed_cidrs)
{
  return m->ops->ident->robot_set_access(m, id, enabled, allowed_cidrs);
}

int ident_repo_get(struct meta *m, struct pool *p, struct ident_repo *out, const char *name)
{
  return m->ops->ident->repo_get(m, p, out, name);
}

int ident_repo_set_public(struct meta *m, int64_t repo_id, int is_public)
{
  return m->ops->ident->repo_set_public(m, repo_id, is_public);
}

int ident_repo_set_description(struct meta *m, int64_t repo_id, const char *description)
{
  return m->ops->ident->repo_set_description(m, repo_id, description);
}

int ident_repo_list_ns(struct meta *m, struct pool *p, struct ident_repo **out, size_t *out_n,
                      int *out_more, const char *ns, const char *last, size_t limit)
{
  return m->ops->ident->repo_list_ns(m, p, out, out_n, out_more, ns, last, limit);
}

int ident_repo_delete(struct meta *m, int64_t repo_id)
{
  return m->ops->ident->repo_delete(m, repo_id);
}

int ident_perm_set(struct meta *m, int64_t repo_id, int64_t account_id, enum ident_role role)
{
  return m->ops->ident->perm_set(m, repo_id, account_id, role);
}

int ident_perm_delete(struct meta *m, int64_t repo_id, int64_t account_id)
{
  return m->ops->ident->perm_delete(m, repo_id, account_id);
}

int ident_perm_get(struct meta *m, enum ident_role *out, int64_t repo_id, int64_t account_id)
{
  return m->ops->ident->perm_get(m, out, repo_id, account_id);
}

int ident_perm_list_repo(struct meta *m, struct pool *p, struct ident_perm **out, size_t *out_n,
                        int64_t repo_id)
{
  return m->ops->ident->perm_list_repo(m, p, out, out_n, repo_id);
}

int ident_perm_list_account(struct meta *m, struct pool *p, struct ident_perm **out,
                           size_t *out_n, int64_t account_id)
{
  return m->ops->ident->perm_list_account(m, p, out, out_n, account_id);
}

int ident_team_set(struct meta *m, int64_t *out_id, int64_t org_id, const char *name,
                  enum ident_org_role role, const char *description)
{
  return m->ops->ident->team_set(m, out_id, org_id, name, role, description);
}

int ident_team_add_member(struct meta *m, int64_t team_id, int64_t account_id)
{
  return m->ops->ident->team_add_member(m, team_id, account_id);
}

int ident_team_remove_member(struct meta *m, int64_t team_id, int64_t account_id)
{
  return m->ops->ident->team_remove_member(m, team_id, account_id);
}

int ident_team_get(struct meta *m, struct pool *p, struct ident_team *out, int64_t org_id,
                  const char *name)
{
  return m->ops->ident->team_get(m, p, out, org_id, name);
}

int ident_team_list(struct meta *m, struct pool *p, struct ident_team **out, size_t *out_n,
                   int64_t org_id)
{
  return m->ops->ident->team_list(m, p, out, out_n, org_id);
}

int ident_team_delete(struct meta *m, int64_t team_id)
{
  return m->ops->ident->team_delete(m, team_id);
}

int ident_team_members(struct meta *m, struct pool *p, struct ident_account **out, size_t *out_n,
                      int64_t team_id)
{
  return m->ops->ident->team_members(m, p, out, out_n, team_id);
}

int ident_team_perm_set(struct meta *m, int64_t repo_id, int64_t team_id, enum ident_role role)
{
  return m->ops->ident->team_perm_set(m, repo_id, team_id, role);
}

int ident_team_perm_delete(struct meta *m, int64_t repo_id, int64_t team_id)
{
  return m->ops->ident->team_perm_delete(m, repo_id, team_id);
}

int ident_team_perm_list_repo(struct meta *m, struct pool *p, struct ident_perm **out,
                             size_t *out_n, int64_t repo_id)
{
  return m->ops->ident->team_perm_list_repo(m, p, out, out_n, repo_id);
}

int ident_team_perm_list_team(struct meta *m, struct pool *p, struct ident_perm **out,
                             size_t *out_n, int64_t team_id)
{
  return m->ops->ident->team_perm_list_team(m, p, out, out_n, team_id);
}

int ident_team_list_member(struct meta *m, struct pool *p, struct ident_team **out, size_t *out_n,
                          int64_t org_id, int64_t account_id)
{
  return m->ops->ident->team_list_member(m, p, out, out_n, org_id, account_id);
}

int ident_proto_add(struct meta *m, int64_t *out_id, const struct ident_proto *pr)
{
  return m->ops->ident->proto_add(m, out_id, pr);
}

int ident_proto_list(struct meta *m, struct pool *p, struct ident_proto **out, size_t *out_n,
                     int64_t org_id)
{
  return m->ops->ident->proto_list(m, p, out, out_n, org_id);
}

int ident_proto_get(struct meta *m, struct pool *p, struct ident_proto *out, int64_t org_id,
                    int64_t id)
{
  return m->ops->ident->proto_get(m, p, out, org_id, id);
}

int ident_proto_set_role(struct meta *m, int64_t org_id, int64_t id, enum ident_role role)
{
  return m->ops->ident->proto_set_role(m, org_id, id, role);
}

int ident_proto_delete(struct meta *m, int64_t org_id, int64_t id)
{
  return m->ops->ident->proto_delete(m, org_id, id);
}

int ident_proto_apply(struct meta *m, int64_t repo_id, int64_t org_id, int64_t creator_id)
{
  return m->ops->ident->proto_apply(m, repo_id, org_id, creator_id);
}

int ident_effective_role(struct meta *m, enum ident_role *out, int64_t account_id, int64_t repo_id)
{
  return m->ops->ident->effective_role(m, out, account_id, repo_id);
}

int ident_org_role(struct meta *m, enum ident_org_role *out, int64_t account_id, int64_t org_id)
{
  return m->ops->ident->org_role(m, out, account_id, org_id);
}

/* --- OAuth apps, API tokens, web sessions, user administration ---------- */

int ident_app_create(struct meta *m, int64_t *out_id, const struct ident_app *a)
{
  return m->ops->ident->app_create(m, out_id, a);
}

int ident_app_get(struct meta *m, struct pool *p, struct ident_app *out, int64_t org_id,
                  const char *client_id)
{
  return m->ops->ident->app_get(m, p, out, org_id, client_id);
}

int ident_app_list(struct meta *m, struct pool *p, struct ident_app **out, size_t *out_n,
                   int64_t org_id)
{
  return m->ops->ident->app_list(m, p, out, out_n, org_id);
}

int ident_app_delete(struct meta *m, int64_t id)
{
  return m->ops->ident->app_delete(m, id);
}

int ident_token_add(struct meta *m, int64_t *out_cred_id, const struct ident_cred *c,
                    const char *uuid, int64_t app_id, size_t max_live, int64_t now)
{
  return m->ops->ident->token_add(m, out_cred_id, c, uuid, app_id, max_live, now);
}

int ident_token_list(struct meta *m, struct pool *p, struct ident_token **out, size_t *out_n,
                     int *out_more, int64_t app_id, int64_t now, int64_t after, size_t limit)
{
  return m->ops->ident->token_list(m, p, out, out_n, out_more, app_id, now, after, limit);
}

int ident_token_delete(struct meta *m, int64_t app_id, const char *uuid)
{
  return m->ops->ident->token_delete(m, app_id, uuid);
}

int ident_token_touch(struct meta *m, int64_t cred_id, int64_t now, int64_t every)
{
  return m->ops->ident->token_touch(m, cred_id, now, every);
}

int ident_session_add(struct meta *m, const struct ident_session *s, int64_t now)
{
  return m->ops->ident->session_add(m, s, now);
}

int ident_session_get(struct meta *m, struct pool *p, struct ident_session *out,
                      const char *index)
{
  return m->ops->ident->session_get(m, p, out, index);
}

int ident_session_delete_account(struct meta *m, int64_t account_id)
{
  return m->ops->ident->session_delete_account(m, account_id);
}

int ident_account_search_kind(struct meta *m, struct pool *p, struct ident_account **out,
                              size_t *out_n, int *out_more, enum ident_kind kind,
                              const char *prefix, size_t limit)
{
  return m->ops->ident->account_search_kind(m, p, out, out_n, out_more, kind, prefix, limit);
}

int ident_user_create_first(struct meta *m, int64_t *out_id, const struct ident_account *a)
{
  return m->ops->ident->user_create_first(m, out_id, a);
}

int ident_user_update(struct meta *m, int64_t id, const char *email, int enabled,
                      int is_superuser)
{
  return m->ops->ident->user_update(m, id, email, enabled, is_superuser);
}

int ident_robot_federation_get(struct meta *m, struct pool *p, char **out, int64_t id)
{
  return m->ops->ident->robot_federation_get(m, p, out, id);
}

int ident_robot_federation_set(struct meta *m, int64_t id, const char *json)
{
  return m->ops->ident->robot_federation_set(m, id, json);
}
