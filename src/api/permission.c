/* Direct repository permissions of users and robots (spec §3). The
 * dispatcher has checked that the caller administers {repository}. Refusals
 * the data model raises in Quay are 400 {"message"}; lists are objects keyed
 * by account name. A robot may only be granted repositories of its own
 * namespace. */
#include <string.h>

#include "api/api.h"
#include "server/req_audit.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"

static const char no_perm[] = "User does not have permission for repo.";
static const char owner_admin[] = "Namespace owner must always be admin.";

struct perm_ctx {
  struct ident_repo repo;
  const char *ns;              /* namespace name */
  int ns_is_org;
  int64_t ns_id;               /* 0 if the namespace account is gone */
};

/* Resolves {repository} and its namespace; responds on failure. */
static int perm_repo(struct req *r, struct perm_ctx *c)
{
  const char *name = req_param(r, "repository"), *rest;
  struct ident_account ns;
  int rc = ident_repo_get(r->app->meta, r->pool, &c->repo, name);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL), -1;
  if (!rc)
    rc = api_split_repo(r->pool, &c->ns, &rest, c->repo.name);
  if (rc)
    return api_internal(r, rc, "repository lookup"), -1;
  rc = ident_account_by_name(r->app->meta, r->pool, &ns, c->ns);
  if (rc && rc != ERR_NOTFOUND)
    return api_internal(r, rc, "namespace lookup"), -1;
  c->ns_is_org = rc == 0 && ns.kind == IDENT_ORG;
  c->ns_id = rc == 0 ? ns.id : 0;
  return 0;
}

/* UserPerm: {"role","name","is_robot","avatar"} + "is_org_member" for org repos. */
static json_t *user_perm(struct req *r, const struct perm_ctx *c, int64_t account_id,
                         const char *name, enum ident_kind kind, enum ident_role role)
{
  const char *role_name = api_role_name(role);
  json_t *j = json_pack("{s:s, s:s, s:b, s:o}", "role", role_name ? role_name : "read", "name",
                        name, "is_robot", kind == IDENT_ROBOT, "avatar",
                        api_avatar(name, api_account_kind(kind)));
  if (j && c->ns_is_org) {
    enum ident_org_role org_role = ORG_NONE;
    int member = kind == IDENT_ROBOT ||
                 (ident_org_role(r->app->meta, &org_role, account_id, c->ns_id) == 0 &&
                  org_role >= ORG_MEMBER);
    json_object_set_new(j, "is_org_member", json_boolean(member));
  }
  return j;
}

int api_perm_user_list(struct req *r)
{
  struct perm_ctx c;
  struct ident_perm *perms = NULL;
  size_t n = 0;
  if (perm_repo(r, &c))
    return 0;
  int rc = ident_perm_list_repo(r->app->meta, r->pool, &perms, &n, c.repo.id);
  if (rc)
    return api_internal(r, rc, "permission list");
  json_t *map = json_object();
  for (size_t i = 0; map && i < n; i++) {
    json_t *p = user_perm(r, &c, perms[i].account_id, perms[i].account_name,
                          perms[i].account_kind, perms[i].role);
    if (!p || json_object_set_new(map, perms[i].account_name, p)) {
      json_decref(map);
      map = NULL;
    }
  }
  if (!map)
    return api_internal(r, ERR_NOMEM, "permission list");
  return req_respond_json(r, 200, json_pack("{s:o}", "permissions", map));
}

/* The {username} account (user or robot); ERR_NOTFOUND for anything else. */
static int perm_account(struct req *r, struct ident_account *out)
{
  int rc = ident_account_by_name(r->app->meta, r->pool, out, req_param(r, "username"));
  if (rc == 0 && out->kind == IDENT_ORG)
    rc = ERR_NOTFOUND;
  return rc;
}

static int respond_user_perm(struct req *r, const struct perm_ctx *c,
                             const struct ident_account *a, enum ident_role role)
{
  json_t *j = user_perm(r, c, a->id, a->name, a->kind, role);
  if (!j)
    return api_internal(r, ERR_NOMEM, "permission view");
  return req_respond_json(r, 200, j);
}

int api_perm_user_get(struct req *r)
{
  struct perm_ctx c;
  struct ident_account a;
  enum ident_role role = ROLE_NONE;
  if (perm_repo(r, &c))
    return 0;
  int rc = perm_account(r, &a);
  if (!rc)
    rc = ident_perm_get(r->app->meta, &role, c.repo.id, a.id);
  if (rc == ERR_NOTFOUND)
    return api_message(r, no_perm);
  if (rc)
    return api_internal(r, rc, "permission lookup");
  return respond_user_perm(r, &c, &a, role);
}

int api_perm_body(struct req *r, enum ident_role *out)
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

int api_perm_user_put(struct req *r)
{
  struct perm_ctx c;
  struct ident_account a;
  enum ident_role role;
  const char *username = req_param(r, "username");
  if (perm_repo(r, &c) || api_perm_body(r, &role))
    return 0;
  if (strcmp(username, c.ns) == 0)
    return api_message(r, owner_admin);
  int rc = perm_account(r, &a);
  if (rc == ERR_NOTFOUND)
    return api_message(r, pool_printf(r->pool, "Invalid username: %.300s", username));
  if (rc)
    return api_internal(r, rc, "account lookup");
  if (a.kind == IDENT_ROBOT) {
    const char *plus = strchr(a.name, '+');
    size_t nslen = strlen(c.ns);
    if (!plus || (size_t)(plus - a.name) != nslen || strncmp(a.name, c.ns, nslen) != 0)
      return api_message(r, pool_printf(r->pool, "Cannot add robot %s under namespace %s",
                                        a.name, c.ns));
  }
  rc = ident_perm_set(r->app->meta, c.repo.id, a.id, role);
  if (rc == ERR_NOTFOUND) /* repository or account deleted meanwhile */
    return req_error(r, 404, "not_found", "Not Found", NULL);
  if (rc)
    return api_internal(r, rc, "permission set");
  LOG(LOG_INFO, "permission %s on %s set to %s by %s", a.name, c.repo.name, api_role_name(role),
      r->principal.name);
  req_audit_repo(r, "change_repo_permission", c.repo.name,
                 json_pack("{s:s, s:s}", "username", a.name, "role", api_role_name(role)));
  return respond_user_perm(r, &c, &a, role);
}

int api_perm_user_delete(struct req *r)
{
  struct perm_ctx c;
  struct ident_account a;
  if (perm_repo(r, &c))
    return 0;
  if (strcmp(req_param(r, "username"), c.ns) == 0)
    return api_message(r, owner_admin);
  int rc = perm_account(r, &a);
  if (!rc)
    rc = ident_perm_delete(r->app->meta, c.repo.id, a.id);
  if (rc == ERR_NOTFOUND)
    return api_message(r, no_perm);
  if (rc)
    return api_internal(r, rc, "permission delete");
  LOG(LOG_INFO, "permission %s on %s deleted by %s", a.name, c.repo.name, r->principal.name);
  req_audit_repo(r, "delete_repo_permission", c.repo.name, json_pack("{s:s}", "username", a.name));
  return req_respond(r, 204, NULL, NULL, 0);
}
