/* Authorization: what a principal may do on a repository or organization.
 * Effective rights are exactly the robot's or user's direct repository
 * permissions, its teams' permissions and its teams' org roles (store
 * ident_effective_role); API tokens are further capped by their scopes and
 * registry JWTs by the actions they grant. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auth/auth.h"
#include "auth/jwt.h"
#include "server/app.h"
#include "store/ident.h"
#include "util/err.h"
#include "util/pool.h"
#include "util/timeutil.h"

#define JWT_LIFETIME 3600

static const struct {
  const char *name;
  unsigned bits;       /* the scope and those it implies */
} scope_names[] = {
  { "repo:read", SCOPE_REPO_READ },
  { "repo:write", SCOPE_REPO_WRITE | SCOPE_REPO_READ },
  { "repo:admin", SCOPE_REPO_ADMIN | SCOPE_REPO_WRITE | SCOPE_REPO_READ },
  { "repo:create", SCOPE_REPO_CREATE },
  { "user:read", SCOPE_USER_READ },
  { "user:admin", SCOPE_USER_ADMIN | SCOPE_USER_READ },
  { "org:admin", SCOPE_ORG_ADMIN },
  { "super:user", SCOPE_SUPER_USER },
};

int auth_scopes_parse(unsigned *out, const char **bad, struct pool *p, const char *s)
{
  unsigned bits = 0;
  while (*s) {
    size_t n = strcspn(s, " ,");
    if (n) {
      size_t i;
      for (i = 0; i < sizeof(scope_names) / sizeof(scope_names[0]); i++)
        if (strlen(scope_names[i].name) == n && memcmp(scope_names[i].name, s, n) == 0)
          break;
      if (i == sizeof(scope_names) / sizeof(scope_names[0])) {
        *bad = pool_strndup(p, s, n);
        return ERR_INVALID;
      }
      bits |= scope_names[i].bits;
    }
    s += n;
    s += strspn(s, " ,");
  }
  *out = bits;
  return 0;
}

static int is_anonymous(const struct principal *p)
{
  return p->kind == PRINCIPAL_ANONYMOUS;
}

/* The namespace part of a repository name, in the pool. */
static char *ns_of(struct pool *p, const char *repo)
{
  const char *slash = strchr(repo, '/');
  return slash ? pool_strndup(p, repo, (size_t)(slash - repo)) : NULL;
}

int auth_can_create(struct app *app, const struct principal *p, const char *ns)
{
  if (is_anonymous(p) || !ns)
    return 0;
  if (p->kind == PRINCIPAL_TOKEN && !(p->scopes & SCOPE_REPO_CREATE))
    return 0;
  if (p->is_superuser)
    return 1;
  struct pool *pool = pool_new();
  struct ident_account a;
  int ok = 0;
  if (pool && ident_account_by_name(app->meta, pool, &a, ns) == 0) {
    if (a.kind == IDENT_USER) {
      ok = p->kind != PRINCIPAL_ROBOT && a.id == p->id;
    } else if (a.kind == IDENT_ORG) {
      enum ident_org_role role = ORG_NONE;
      ok = ident_org_role(app->meta, &role, p->id, a.id) == 0 && role >= ORG_CREATOR;
    }
  }
  pool_free(pool);
  return ok;
}

static unsigned grant_for(const struct principal *p, const char *repo)
{
  /* "*" is a wildcard over every action, as in the reference registry */
  for (size_t i = 0; i < p->ngrants; i++)
    if (p->grants[i].repo && strcmp(p->grants[i].repo, repo) == 0)
      return (p->grants[i].actions & ACTION_ALL) ? ACTION_PULL | ACTION_PUSH | ACTION_ALL
                                                 : p->grants[i].actions;
  return 0;
}

static unsigned role_actions(enum ident_role role)
{
  switch (role) {
  case ROLE_ADMIN: return ACTION_PULL | ACTION_PUSH | ACTION_ALL;
  case ROLE_WRITE: return ACTION_PULL | ACTION_PUSH;
  case ROLE_READ: return ACTION_PULL;
  default: return 0;
  }
}

int auth_repo_actions(unsigned *out, struct app *app, const struct principal *p, const char *repo)
{
  struct pool *pool = pool_new();
  struct ident_repo r;
  unsigned acts = 0;
  if (!pool)
    return ERR_NOMEM;
  int rc = ident_repo_get(app->meta, pool, &r, repo);
  if (rc == 0) {
    enum ident_role role = ROLE_NONE;
    if (p->is_superuser)
      role = ROLE_ADMIN;
    else if (!is_anonymous(p))
      rc = ident_effective_role(app->meta, &role, p->id, r.id);
    acts = role_actions(role);
    if (p->kind == PRINCIPAL_TOKEN) /* a token acts within its scopes */
      acts &= ((p->scopes & SCOPE_REPO_READ) ? ACTION_PULL : 0) |
              ((p->scopes & SCOPE_REPO_WRITE) ? ACTION_PUSH : 0) |
              ((p->scopes & SCOPE_REPO_ADMIN) ? ACTION_ALL : 0);
    /* what anyone may do, a token may too */
    if (r.is_public)
      acts |= ACTION_PULL;
  } else if (rc == ERR_NOTFOUND) {
    rc = 0;
    /* a new repository: push-to-create (repo:create for tokens, checked by
     * auth_can_create; superusers only through it as well) */
    int superuser_may = p->is_superuser && !is_anonymous(p) &&
                        (p->kind != PRINCIPAL_TOKEN || (p->scopes & SCOPE_REPO_CREATE));
    if (auth_can_create(app, p, ns_of(pool, repo)) || superuser_may)
      acts = ACTION_PULL | ACTION_PUSH | ACTION_ALL;
  }
  pool_free(pool);
  if (rc)
    return rc;
  if (p->via_jwt)
    acts &= grant_for(p, repo);
  *out = acts;
  return 0;
}

static int org_check(struct app *app, const struct principal *p, const char *org,
                     enum ident_org_role need)
{
  struct pool *pool = pool_new();
  struct ident_account a;
  if (!pool)
    return ERR_NOMEM;
  int rc = org ? ident_account_by_name(app->meta, pool, &a, org) : ERR_NOTFOUND;
  if (rc == 0 && a.kind != IDENT_ORG)
    rc = ERR_NOTFOUND;
  if (rc == 0 && !p->is_superuser) {
    enum ident_org_role role = ORG_NONE;
    rc = ident_org_role(app->meta, &role, p->id, a.id);
    if (rc == 0 && role < need)
      rc = ERR_DENIED;
  }
  pool_free(pool);
  return rc;
}

static int repo_check(struct app *app, const struct principal *p, const char *repo,
                      enum ident_role need)
{
  struct pool *pool = pool_new();
  struct ident_repo r;
  if (!pool)
    return ERR_NOMEM;
  int rc = repo ? ident_repo_get(app->meta, pool, &r, repo) : ERR_NOTFOUND;
  enum ident_role role = ROLE_NONE;
  if (rc == 0) {
    if (p->is_superuser)
      role = ROLE_ADMIN;
    else if (!is_anonymous(p))
      rc = ident_effective_role(app->meta, &role, p->id, r.id);
    if (r.is_public && role < ROLE_READ)
      role = ROLE_READ;
  }
  pool_free(pool);
  if (rc)
    return rc;
  return role >= need ? 0 : ERR_DENIED;
}

int auth_authorize(struct app *app, const struct principal *p, enum perm perm, const char *target,
                   unsigned scope)
{
  if (scope && p->kind == PRINCIPAL_TOKEN && (p->scopes & scope) != scope)
    return ERR_DENIED;
  unsigned need = 0, acts = 0;
  switch (perm) {
  case PERM_NONE:
    return 0;
  case PERM_PULL:
    need = ACTION_PULL;
    break;
  case PERM_PUSH:
  case PERM_DELETE:
    need = ACTION_PUSH;
    break;
  case PERM_CATALOG:
  case PERM_AUTHENTICATED:
    return is_anonymous(p) ? ERR_DENIED : 0;
  case PERM_USER:
    return p->kind == PRINCIPAL_USER || p->kind == PRINCIPAL_TOKEN ? 0 : ERR_DENIED;
  case PERM_ORG_MEMBER:
    return is_anonymous(p) ? ERR_DENIED : org_check(app, p, target, ORG_MEMBER);
  case PERM_ORG_ADMIN:
    return is_anonymous(p) || p->kind == PRINCIPAL_ROBOT ? ERR_DENIED
                                                          : org_check(app, p, target, ORG_ADMIN);
  case PERM_REPO_READ:
    return repo_check(app, p, target, ROLE_READ);
  case PERM_REPO_WRITE:
    return repo_check(app, p, target, ROLE_WRITE);
  case PERM_REPO_ADMIN:
    return repo_check(app, p, target, ROLE_ADMIN);
  case PERM_SUPERUSER:
    return p->is_superuser && (p->kind != PRINCIPAL_TOKEN || (p->scopes & SCOPE_SUPER_USER))
             ? 0 : ERR_DENIED;
  }
  if (!target)
    return ERR_DENIED;
  int rc = auth_repo_actions(&acts, app, p, target);
  if (rc)
    return rc;
  return (acts & need) == need ? 0 : ERR_DENIED;
}

int auth_registry_token(char **out, struct app *app, const struct principal *p,
                        const char *service, const struct grant *grants, size_t ngrants)
{
  int64_t now = time_now();
  static const char *kinds[] = { "anonymous", "user", "robot", "oauthtoken" };
  json_t *access = json_array();
  for (size_t i = 0; access && i < ngrants; i++) {
    json_t *acts = json_array();
    if (grants[i].actions & ACTION_PUSH)
      json_array_append_new(acts, json_string("push"));
    if (grants[i].actions & ACTION_PULL)
      json_array_append_new(acts, json_string("pull"));
    if (grants[i].actions & ACTION_ALL)
      json_array_append_new(acts, json_string("*"));
    json_array_append_new(access, json_pack("{s:s, s:s, s:o}", "type", "repository", "name",
                                            grants[i].repo, "actions", acts));
  }
  json_t *w = json_pack("{s:I, s:I, s:i, s:I}", "acct", (json_int_t)p->id, "cred",
                        (json_int_t)p->cred_id, "tok", p->kind == PRINCIPAL_TOKEN,
                        "scopes", (json_int_t)p->scopes);
  if (w && p->pwv)
    json_object_set_new(w, "pwv", json_string(p->pwv));
  if (w && p->cred_index && strlen(p->cred_index) >= 16) /* binds the JWT to this credential */
    json_object_set_new(w, "cix", json_stringn(p->cred_index, 16));
  json_t *claims = json_pack(
    "{s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:{s:i, s:s, s:s}, s:o}", "iss", "quay", "aud",
    service ? service : "", "sub", p->kind == PRINCIPAL_ANONYMOUS ? "(anonymous)" : p->name, "iat",
    (json_int_t)now, "nbf", (json_int_t)now, "exp", (json_int_t)(now + JWT_LIFETIME), "access",
    access, "context", "version", 2, "entity_kind", kinds[p->kind], "entity_reference",
    p->kind == PRINCIPAL_ANONYMOUS ? "" : p->name, "wharf", w);
  if (!claims)
    return ERR_NOMEM;
  int rc = jwt_sign(out, app->keys, claims);
  json_decref(claims);
  return rc;
}

const char *perm_name(enum perm perm)
{
  switch (perm) {
  case PERM_NONE: return "none";
  case PERM_PULL: return "pull";
  case PERM_PUSH: return "push";
  case PERM_DELETE: return "delete";
  case PERM_CATALOG: return "catalog";
  case PERM_AUTHENTICATED: return "authenticated";
  case PERM_USER: return "user";
  case PERM_ORG_MEMBER: return "org-member";
  case PERM_ORG_ADMIN: return "org-admin";
  case PERM_REPO_READ: return "repo-read";
  case PERM_REPO_WRITE: return "repo-write";
  case PERM_REPO_ADMIN: return "repo-admin";
  case PERM_SUPERUSER: return "superuser";
  }
  return "?";
}
