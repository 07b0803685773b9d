/* GET /api/v1/entities/{prefix} (getMatchingEntities): users whose name
 * starts with the prefix, plus, for ?namespace=, that namespace's robots
 * (only when the caller administers it: a robot's name is worth something
 * to whoever can grant it), its teams (?includeTeams=, members only) and
 * the org itself (?includeOrgs=, admins only). Robots come back as Quay
 * sends them: kind "user" with is_robot true. */
#include <ctype.h>
#include <string.h>

#include "api/api.h"
#include "util/err.h"
#include "util/pool.h"

#define ENTITY_LIMIT 10   /* Quay's limit per kind */
#define PREFIX_MAX 255

/* What the caller may see of namespace ns. */
struct ns_view {
  const struct ident_account *org;   /* ns when it is an org */
  int admin;                         /* administers ns: sees its robots */
  int member;                        /* member of the org: sees its teams */
};

static void ns_rights(struct req *r, const struct ident_account *ns, struct ns_view *v)
{
  const struct principal *p = &r->principal;
  memset(v, 0, sizeof(*v));
  if (ns->kind == IDENT_ORG) {
    enum ident_org_role role = ORG_NONE;
    v->org = ns;
    v->admin = api_is_org_admin(r, ns->id);
    v->member = v->admin || p->is_superuser ||
                (ident_org_role(r->app->meta, &role, p->id, ns->id) == 0 && role >= ORG_MEMBER);
  } else if (ns->kind == IDENT_USER) {
    /* one's own robots; a token needs user:admin for them, as in Quay */
    int own = ns->id == p->id && (p->kind != PRINCIPAL_TOKEN || (p->scopes & SCOPE_USER_ADMIN));
    v->admin = own || (p->is_superuser &&
                       (p->kind != PRINCIPAL_TOKEN || (p->scopes & SCOPE_SUPER_USER)));
  }
}

static json_t *account_entity(struct req *r, const struct ident_account *a,
                              const struct ns_view *v)
{
  int robot = a->kind == IDENT_ROBOT;
  json_t *j = json_pack("{s:s, s:s, s:b, s:o}", "name", a->name, "kind", "user", "is_robot",
                        robot, "avatar", api_avatar(a->name, robot ? "robot" : "user"));
  if (j && v->org) {
    enum ident_org_role role = ORG_NONE;
    int member = robot || (ident_org_role(r->app->meta, &role, a->id, v->org->id) == 0 &&
                           role >= ORG_MEMBER);
    json_object_set_new(j, "is_org_member", json_boolean(member));
  }
  return j;
}

/* Appends the accounts of `kind` starting with prefix; 0 or an ERR_*. */
static int add_accounts(struct req *r, json_t *list, enum ident_kind kind, const char *prefix,
                        const struct ns_view *v)
{
  struct ident_account *as = NULL;
  size_t n = 0;
  int rc = ident_account_search_kind(r->app->meta, r->pool, &as, &n, NULL, kind, prefix,
                                     ENTITY_LIMIT);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = json_array_append_new(list, account_entity(r, &as[i], v)) ? ERR_NOMEM : 0;
  return rc;
}

static int add_teams(struct req *r, json_t *list, const char *prefix, const struct ns_view *v)
{
  struct ident_team *teams = NULL;
  size_t n = 0;
  int rc = ident_team_list(r->app->meta, r->pool, &teams, &n, v->org->id);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    if (strncmp(teams[i].name, prefix, strlen(prefix)) != 0)
      continue;
    json_t *t = json_pack("{s:s, s:s, s:b, s:o}", "name", teams[i].name, "kind", "team",
                          "is_org_member", 1, "avatar", api_avatar(teams[i].name, "team"));
    rc = json_array_append_new(list, t) ? ERR_NOMEM : 0;
  }
  return rc;
}

/* Quay: unidecode(prefix).replace(" ", "").lower(); names are ASCII. */
static char *fold_prefix(struct pool *p, const char *s)
{
  char *out = pool_alloc(p, strlen(s) + 1), *o = out;
  for (; out && *s; s++)
    if (*s != ' ')
      *o++ = (char)tolower((unsigned char)*s);
  if (out)
    *o = '\0';
  return out;
}

int api_entities(struct req *r)
{
  const char *raw = req_param(r, "prefix"), *nsname = req_query(r, "namespace");
  struct ident_account ns;
  struct ns_view v = { 0 };
  if (strlen(raw) > PREFIX_MAX)
    return req_error(r, 400, "invalid_request", "Prefix too long", NULL);
  char *prefix = fold_prefix(r->pool, raw);
  json_t *list = json_array();
  int rc = prefix && list ? 0 : ERR_NOMEM;
  if (!rc && nsname && *nsname) {
    rc = ident_account_by_name(r->app->meta, r->pool, &ns, nsname);
    if (rc == 0)
      ns_rights(r, &ns, &v);
    else if (rc == ERR_NOTFOUND)
      rc = 0;
  }
  if (!rc && v.org && v.member && api_bool_param(r, "includeTeams", 0))
    rc = add_teams(r, list, prefix, &v);
  if (!rc)
    rc = add_accounts(r, list, IDENT_USER, prefix, &v);
  if (!rc && v.admin)
    rc = add_accounts(r, list, IDENT_ROBOT, pool_printf(r->pool, "%s+%s", ns.name, prefix), &v);
  if (!rc && v.org && v.admin && api_bool_param(r, "includeOrgs", 0) &&
      strncmp(v.org->name, prefix, strlen(prefix)) == 0)
    rc = json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:o}", "name", v.org->name,
                                               "kind", "org", "is_org_member", 1, "avatar",
                                               api_avatar(v.org->name, "org")))
           ? ERR_NOMEM : 0;
  if (rc) {
    json_decref(list);
    return api_internal(r, rc, "entity search");
  }
  return req_respond_json(r, 200, json_pack("{s:o}", "results", list));
}
