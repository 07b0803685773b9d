/* Teams of an organization (spec §4.2) and team permissions on repositories
 * (spec §3). The dispatcher has checked org admin (writes) or org membership
 * (reads, narrowed here to Quay's ViewTeamPermission: org admins and
 * creators, and the team's own members) on {orgname}, or repo admin on
 * {repository}. Refusals Quay raises from its data model are 400
 * {"message"}; request errors use the ApiException shape. wharf sends no
 * team invitations: members are added directly (`invited` is false).
 *
 * Lock-out guard: an admin team cannot be deleted or demoted when the caller
 * would lose admin through it (Quay's rule), nor when it is the org's last
 * admin team (wharf's; Quay instead refuses superusers outside the team).
 * The guard and the change are two steps: two admins racing to demote each
 * other's team can still leave the org to superusers. */
#include <string.h>

#include "api/api.h"
#include "api/team.h"
#include "server/req_audit.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"

static const char no_team_perm[] = "Team does not have permission for repo.";

static const char *org_role_name(enum ident_org_role role)
{
  switch (role) {
  case ORG_MEMBER: return "member";
  case ORG_CREATOR: return "creator";
  case ORG_ADMIN: return "admin";
  default: return "member";
  }
}

static int org_role_parse(enum ident_org_role *out, const char *s)
{
  static const enum ident_org_role roles[] = { ORG_MEMBER, ORG_CREATOR, ORG_ADMIN };
  for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
    if (strcmp(s, org_role_name(roles[i])) == 0) {
      *out = roles[i];
      return 0;
    }
  }
  return ERR_INVALID;
}

/* {orgname} as an organization; responds 404 otherwise. */
static int org_lookup(struct req *r, struct ident_account *out)
{
  int rc = ident_account_by_name(r->app->meta, r->pool, out, req_param(r, "orgname"));
  if (rc == 0 && out->kind != IDENT_ORG)
    rc = ERR_NOTFOUND;
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL), -1;
  if (rc)
    return api_internal(r, rc, "org lookup"), -1;
  return 0;
}

/* {teamname} of org; responds 404 when missing. */
static int team_lookup(struct req *r, const struct ident_account *org, struct ident_team *out)
{
  int rc = ident_team_get(r->app->meta, r->pool, out, org->id, req_param(r, "teamname"));
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL), -1;
  if (rc)
    return api_internal(r, rc, "team lookup"), -1;
  return 0;
}

/* The caller's admin teams in org: how many, and whether team_id is one. */
static int caller_admin_teams(struct req *r, size_t *out_n, int *out_in, int64_t org_id,
                              int64_t team_id)
{
  struct ident_team *teams = NULL;
  size_t n = 0, admins = 0;
  int in = 0;
  int rc = ident_team_list_member(r->app->meta, r->pool, &teams, &n, org_id, r->principal.id);
  for (size_t i = 0; !rc && i < n; i++) {
    if (teams[i].role != ORG_ADMIN)
      continue;
    admins++;
    in |= teams[i].id == team_id;
  }
  if (!rc) {
    *out_n = admins;
    *out_in = in;
  }
  return rc;
}

/* Refuses (400, responds) deleting or demoting admin team t: see the
 * lock-out guard above. */
static int admin_guard(struct req *r, const struct ident_account *org, const struct ident_team *t,
                       int deleting)
{
  struct ident_team *teams = NULL;
  size_t n = 0, mine = 0, admins = 0;
  int in = 0;
  int rc = caller_admin_teams(r, &mine, &in, org->id, t->id);
  if (!rc)
    rc = ident_team_list(r->app->meta, r->pool, &teams, &n, org->id);
  if (rc)
    return api_internal(r, rc, "admin teams"), -1;
  for (size_t i = 0; i < n; i++)
    admins += teams[i].role == ORG_ADMIN;
  if (in && mine <= 1)
    return api_message(r, deleting ? pool_printf(r->pool, "Deleting team '%s' would remove admin "
                                                 "ability for user '%s' in organization '%s'",
                                                 t->name, r->principal.name, org->name)
                                   : pool_printf(r->pool, "Cannot remove admin from team '%s' "
                                                 "because calling user would no longer have "
                                                 "admin on org '%s'", t->name, org->name)),
           -1;
  if (admins <= 1)
    return api_message(r, pool_printf(r->pool, "%s team '%s' would leave organization '%s' "
                                       "without an admin team",
                                       deleting ? "Deleting" : "Removing admin from", t->name,
                                       org->name)),
           -1;
  return 0;
}

/* Quay's team view: name, description, can_view, role, avatar, new_team. */
static json_t *team_view(const char *name, const char *description, enum ident_org_role role,
                         int is_new)
{
  return json_pack("{s:s, s:s, s:b, s:s, s:o, s:b}", "name", name, "description",
                   description ? description : "", "can_view", 1, "role", org_role_name(role),
                   "avatar", api_avatar(name, "team"), "new_team", is_new);
}

/* Reads {"role"(req), "description"} of PUT team; responds on failure. */
static int team_body(struct req *r, enum ident_org_role *out_role, const char **out_desc,
                     json_t *body)
{
  const char *role;
  if (api_json_string(r, &role, body, "role", 16, 1) ||
      api_json_string(r, out_desc, body, "description", API_DESCRIPTION_MAX, 0))
    return -1;
  if (org_role_parse(out_role, role) != 0)
    return req_error(r, 400, "invalid_request",
                     pool_printf(r->pool, "'%.16s' is not one of ['member', 'creator', 'admin']",
                                 role), NULL), -1;
  return 0;
}

/* Quay's events of a team PUT: creation, or a change of role or description. */
static void team_put_audit(struct req *r, const char *org, const struct ident_team *old,
                           int is_new, const char *name, enum ident_org_role role,
                           const char *desc)
{
  if (is_new) {
    req_audit(r, "org_create_team", org, NULL, json_pack("{s:s}", "team", name));
    return;
  }
  if (role != old->role)
    req_audit(r, "org_set_team_role", org, NULL,
              json_pack("{s:s, s:s}", "team", name, "role", org_role_name(role)));
  if (desc && strcmp(desc, old->description ? old->description : "") != 0)
    req_audit(r, "org_set_team_description", org, NULL,
              json_pack("{s:s, s:s}", "team", name, "description", desc));
}

int api_team_put(struct req *r)
{
  struct ident_account org;
  struct ident_team t;
  json_t *body = NULL;
  enum ident_org_role role;
  const char *desc, *name = req_param(r, "teamname");
  int64_t id;
  if (org_lookup(r, &org) || api_json_body(r, &body, 0))
    return 0;
  if (team_body(r, &role, &desc, body))
    goto out;
  int rc = ident_team_get(r->app->meta, r->pool, &t, org.id, name);
  int is_new = rc == ERR_NOTFOUND;
  if (rc && !is_new) {
    api_internal(r, rc, "team lookup");
    goto out;
  }
  const char *problem = is_new ? api_name_problem(r->pool, name) : NULL;
  if (problem) {
    api_message(r, pool_printf(r->pool, "Invalid team name %.300s: %s", name, problem));
    goto out;
  }
  if (!is_new && t.role == ORG_ADMIN && role != ORG_ADMIN && admin_guard(r, &org, &t, 0))
    goto out;
  rc = ident_team_set(r->app->meta, &id, org.id, name, role, desc);
  if (rc == ERR_NOTFOUND) { /* org deleted meanwhile */
    req_error(r, 404, "not_found", "Not Found", NULL);
    goto out;
  }
  if (rc) {
    api_internal(r, rc, "team set");
    goto out;
  }
  LOG(LOG_INFO, "team %s/%s %s with role %s by %s", org.name, name,
      is_new ? "created" : "updated", org_role_name(role), r->principal.name);
  team_put_audit(r, org.name, &t, is_new, name, role, desc);
  json_t *j = team_view(name, desc ? desc : is_new ? "" : t.description, role, is_new);
  if (!j)
    api_internal(r, ERR_NOMEM, "team view");
  else
    req_respond_json(r, 200, j);
out:
  json_decref(body);
  return 0;
}

int api_team_delete(struct req *r)
{
  struct ident_account org;
  struct ident_team t;
  const char *name = req_param(r, "teamname");
  if (org_lookup(r, &org))
    return 0;
  int rc = ident_team_get(r->app->meta, r->pool, &t, org.id, name);
  if (rc == 0 && t.role == ORG_ADMIN && admin_guard(r, &org, &t, 1))
    return 0;
  if (rc == 0)
    rc = ident_team_delete(r->app->meta, t.id);
  if (rc == ERR_NOTFOUND)
    return api_message(r, pool_printf(r->pool, "Team '%.300s' is not a team in org '%s'", name,
                                       org.name));
  if (rc)
    return api_internal(r, rc, "team delete");
  LOG(LOG_INFO, "team %s/%s deleted by %s", org.name, name, r->principal.name);
  req_audit(r, "org_delete_team", org.name, NULL, json_pack("{s:s}", "team", name));
  return req_respond(r, 204, NULL, NULL, 0);
}

/* Looks up {teamname} and checks Quay's ViewTeamPermission (org admin, or a
 * member of that very team) — or, with admin_only, AdministerOrganization;
 * responds 403 or 404 on failure. *out_admin: whether the caller
 * administers the org. */
static int team_viewable(struct req *r, struct ident_account *org, struct ident_team *t,
                         int *out_admin, int admin_only)
{
  struct ident_team *mine = NULL;
  size_t n = 0;
  if (org_lookup(r, org))
    return -1;
  int rc = ident_team_get(r->app->meta, r->pool, t, org->id, req_param(r, "teamname"));
  if (rc && rc != ERR_NOTFOUND)
    return api_internal(r, rc, "team lookup"), -1;
  int admin = api_is_org_admin(r, org->id), view = admin;
  if (!view && !admin_only) {
    int lrc = ident_team_list_member(r->app->meta, r->pool, &mine, &n, org->id, r->principal.id);
    if (lrc)
      return api_internal(r, lrc, "team membership"), -1;
    for (size_t i = 0; i < n; i++)
      view |= rc == 0 && mine[i].id == t->id;
  }
  if (!view)
    return req_error(r, 403, "insufficient_scope", "Unauthorized", NULL), -1;
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL), -1;
  *out_admin = admin;
  return 0;
}

/* Quay's member view. */
static json_t *member_view(const struct ident_account *a)
{
  return json_pack("{s:s, s:s, s:b, s:o, s:b}", "name", a->name, "kind", "user", "is_robot",
                   a->kind == IDENT_ROBOT, "avatar", api_avatar(a->name, api_account_kind(a->kind)),
                   "invited", 0);
}

int api_team_members(struct req *r)
{
  struct ident_account org, *members = NULL;
  struct ident_team t;
  size_t n = 0;
  int admin = 0;
  if (team_viewable(r, &org, &t, &admin, 0))
    return 0;
  int rc = ident_team_members(r->app->meta, r->pool, &members, &n, t.id);
  if (rc)
    return api_internal(r, rc, "team members");
  json_t *list = json_array();
  for (size_t i = 0; list && i < n; i++) {
    if (json_array_append_new(list, member_view(&members[i]))) {
      json_decref(list);
      list = NULL;
    }
  }
  json_t *j = list ? json_pack("{s:s, s:o, s:b}", "name", t.name, "members", list, "can_edit",
                               admin)
                   : NULL;
  if (!j)
    return api_internal(r, ERR_NOMEM, "team members");
  return req_respond_json(r, 200, j);
}

/* {membername} as a user or robot; ERR_NOTFOUND for anything else. */
static int member_lookup(struct req *r, struct ident_account *out)
{
  int rc = ident_account_by_name(r->app->meta, r->pool, out, req_param(r, "membername"));
  if (rc == 0 && out->kind == IDENT_ORG)
    rc = ERR_NOTFOUND;
  return rc;
}

int api_team_member_put(struct req *r)
{
  static const char foreign_robot[] =
    "Cannot add the specified robot to this team, as it is not a member of the organization";
  struct ident_account org, a;
  struct ident_team t;
  if (org_lookup(r, &org) || team_lookup(r, &org, &t))
    return 0;
  int rc = member_lookup(r, &a);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 400, "invalid_request", "Unknown user", NULL);
  if (rc)
    return api_internal(r, rc, "member lookup");
  if (a.kind == IDENT_ROBOT && a.owner_id != org.id)
    return api_message(r, foreign_robot);
  rc = ident_team_add_member(r->app->meta, t.id, a.id);
  if (rc == ERR_EXISTS)
    return api_message(r, pool_printf(r->pool, "User '%s' is already a member of team '%s'",
                                      a.name, t.name));
  if (rc == ERR_INVALID)
    return api_message(r, foreign_robot);
  if (rc == ERR_NOTFOUND) /* team or account deleted meanwhile */
    return req_error(r, 404, "not_found", "Not Found", NULL);
  if (rc)
    return api_internal(r, rc, "team member add");
  LOG(LOG_INFO, "%s added to team %s/%s by %s", a.name, org.name, t.name, r->principal.name);
  req_audit(r, "org_add_team_member", org.name, NULL,
            json_pack("{s:s, s:s}", "member", a.name, "team", t.name));
  json_t *j = member_view(&a);
  if (!j)
    return api_internal(r, ERR_NOMEM, "member view");
  return req_respond_json(r, 200, j);
}

int api_team_member_delete(struct req *r)
{
  struct ident_account org, a;
  struct ident_team t;
  size_t mine = 0;
  int in = 0;
  if (org_lookup(r, &org) || team_lookup(r, &org, &t))
    return 0;
  int rc = member_lookup(r, &a);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL);
  if (!rc && a.id == r->principal.id)
    rc = caller_admin_teams(r, &mine, &in, org.id, t.id);
  if (rc)
    return api_internal(r, rc, "member lookup");
  if (in && mine <= 1)
    return api_message(r, "User cannot remove themselves from their only admin team.");
  rc = ident_team_remove_member(r->app->meta, t.id, a.id);
  if (rc == ERR_NOTFOUND)
    return api_message(r, pool_printf(r->pool, "User %s does not belong to team %s", a.name,
                                      t.name));
  if (rc)
    return api_internal(r, rc, "team member remove");
  LOG(LOG_INFO, "%s removed from team %s/%s by %s", a.name, org.name, t.name, r->principal.name);
  req_audit(r, "org_remove_team_member", org.name, NULL,
            json_pack("{s:s, s:s}", "member", a.name, "team", t.name));
  return req_respond(r, 204, NULL, NULL, 0);
}

/* {"repository":{"name","is_public"},"role"} (name without namespace). */
static json_t *team_repo_perm(const struct ident_perm *p)
{
  const char *slash = strchr(p->repo_name, '/');
  return json_pack("{s:{s:s, s:b}, s:s}", "repository", "name", slash ? slash + 1 : p->repo_name,
                   "is_public", p->repo_public, "role", api_role_name(p->role));
}

int api_team_permissions(struct req *r)
{
  struct ident_account org;
  struct ident_team t;
  struct ident_perm *perms = NULL;
  size_t n = 0;
  int admin = 0;
  if (team_viewable(r, &org, &t, &admin, 1))
    return 0;
  int rc = ident_team_perm_list_team(r->app->meta, r->pool, &perms, &n, t.id);
  if (rc)
    return api_internal(r, rc, "team permissions");
  json_t *list = json_array();
  for (size_t i = 0; list && i < n; i++) {
    if (json_array_append_new(list, team_repo_perm(&perms[i]))) {
      json_decref(list);
      list = NULL;
    }
  }
  if (!list)
    return api_internal(r, ERR_NOMEM, "team permissions");
  return req_respond_json(r, 200, json_pack("{s:o}", "permissions", list));
}

/* --- repository team permissions (spec §3) -------------------------------- */

struct rt_ctx {
  struct ident_repo repo;
  const char *ns;        /* namespace name */
  int64_t org_id;        /* 0 when the namespace is not an organization */
};

/* Resolves {repository} and its namespace; responds on failure. */
static int rt_repo(struct req *r, struct rt_ctx *c)
{
  struct ident_account ns;
  const char *rest;
  int rc = ident_repo_get(r->app->meta, r->pool, &c->repo, req_param(r, "repository"));
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL), -1;
  if (!rc)
    rc = api_split_repo(r->pool, &c->ns, &rest, c->repo.name);
  if (!rc)
    rc = ident_account_by_name(r->app->meta, r->pool, &ns, c->ns);
  if (rc && rc != ERR_NOTFOUND)
    return api_internal(r, rc, "repository lookup"), -1;
  c->org_id = rc == 0 && ns.kind == IDENT_ORG ? ns.id : 0;
  return 0;
}

/* {teamname} of the repository's organization; ERR_NOTFOUND. */
static int rt_team(struct req *r, const struct rt_ctx *c, struct ident_team *out)
{
  if (!c->org_id)
    return ERR_NOTFOUND;
  return ident_team_get(r->app->meta, r->pool, out, c->org_id, req_param(r, "teamname"));
}

/* TeamPerm: {"role","name","avatar"}. */
static json_t *team_perm_view(const char *name, enum ident_role role)
{
  return json_pack("{s:s, s:s, s:o}", "role", api_role_name(role), "name", name, "avatar",
                   api_avatar(name, "team"));
}

int api_perm_team_list(struct req *r)
{
  struct rt_ctx c;
  struct ident_perm *perms = NULL;
  size_t n = 0;
  if (rt_repo(r, &c))
    return 0;
  int rc = ident_team_perm_list_repo(r->app->meta, r->pool, &perms, &n, c.repo.id);
  if (rc)
    return api_internal(r, rc, "team permission list");
  json_t *map = json_object();
  for (size_t i = 0; map && i < n; i++) {
    if (json_object_set_new(map, perms[i].team_name,
                            team_perm_view(perms[i].team_name, perms[i].role))) {
      json_decref(map);
      map = NULL;
    }
  }
  if (!map)
    return api_internal(r, ERR_NOMEM, "team permission list");
  return req_respond_json(r, 200, json_pack("{s:o}", "permissions", map));
}

/* The role team_id holds on repo_id; ERR_NOTFOUND if none. */
static int team_role_on(struct req *r, enum ident_role *out, int64_t repo_id, int64_t team_id)
{
  struct ident_perm *perms = NULL;
  size_t n = 0;
  int rc = ident_team_perm_list_repo(r->app->meta, r->pool, &perms, &n, repo_id);
  for (size_t i = 0; !rc && i < n; i++) {
    if (perms[i].team_id == team_id) {
      *out = perms[i].role;
      return 0;
    }
  }
  return rc ? rc : ERR_NOTFOUND;
}

int api_perm_team_get(struct req *r)
{
  struct rt_ctx c;
  struct ident_team t;
  enum ident_role role = ROLE_NONE;
  if (rt_repo(r, &c))
    return 0;
  int rc = rt_team(r, &c, &t);
  if (!rc)
    rc = team_role_on(r, &role, c.repo.id, t.id);
  if (rc == ERR_NOTFOUND)
    return api_message(r, no_team_perm);
  if (rc)
    return api_internal(r, rc, "team permission lookup");
  return req_respond_json(r, 200, json_pack("{s:s}", "role", api_role_name(role)));
}

/* Reads {"role": "read"|"write"|"admin"}; responds on failure. */
static int role_body(struct req *r, enum ident_role *out)
{
  json_t *body = NULL;
  const char *role;
  int rc = api_json_body(r, &body, 0);
  if (rc)
    return rc;
  rc = api_json_string(r, &role, body, "role", 16, 1);
  if (!rc && api_role_parse(out, role) != 0) {
    req_error(r, 400, "invalid_request",
              pool_printf(r->pool, "'%s' is not one of ['read', 'write', 'admin']", role), NULL);
    rc = -1;
  }
  json_decref(body);
  return rc;
}

int api_perm_team_put(struct req *r)
{
  struct rt_ctx c;
  struct ident_team t;
  enum ident_role role;
  const char *name = req_param(r, "teamname");
  if (rt_repo(r, &c) || role_body(r, &role))
    return 0;
  int rc = rt_team(r, &c, &t);
  if (rc == ERR_NOTFOUND)
    return api_message(r, pool_printf(r->pool, "No team %.300s in organization %s", name, c.ns));
  if (!rc)
    rc = ident_team_perm_set(r->app->meta, c.repo.id, t.id, role);
  if (rc == ERR_NOTFOUND) /* repository or team deleted meanwhile */
    return req_error(r, 404, "not_found", "Not Found", NULL);
  if (rc)
    return api_internal(r, rc, "team permission set");
  LOG(LOG_INFO, "team %s permission on %s set to %s by %s", t.name, c.repo.name,
      api_role_name(role), r->principal.name);
  req_audit_repo(r, "change_repo_permission", c.repo.name,
                 json_pack("{s:s, s:s}", "team", t.name, "role", api_role_name(role)));
  json_t *j = team_perm_view(t.name, role);
  if (!j)
    return api_internal(r, ERR_NOMEM, "team permission view");
  return req_respond_json(r, 200, j);
}

int api_perm_team_delete(struct req *r)
{
  struct rt_ctx c;
  struct ident_team t;
  if (rt_repo(r, &c))
    return 0;
  int rc = rt_team(r, &c, &t);
  if (!rc)
    rc = ident_team_perm_delete(r->app->meta, c.repo.id, t.id);
  if (rc == ERR_NOTFOUND)
    return api_message(r, no_team_perm);
  if (rc)
    return api_internal(r, rc, "team permission delete");
  LOG(LOG_INFO, "team %s permission on %s deleted by %s", t.name, c.repo.name,
      r->principal.name);
  req_audit_repo(r, "delete_repo_permission", c.repo.name, json_pack("{s:s}", "team", t.name));
  return req_respond(r, 204, NULL, NULL, 0);
}
