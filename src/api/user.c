/* The calling user (spec §4.5 end: GET user/). Clients such as the Ansible
 * collection call it first and read `username`. The dispatcher answers 401
 * for anonymous callers and 403 for robots before this runs. */
#include "api/api.h"
#include "util/err.h"
#include "util/pool.h"

#define TAG_EXPIRATION_DEFAULT 1209600 /* Quay's default, two weeks */
#define ORGS_SCANNED 1000                /* organizations looked at for the list */

/* Quay's `organizations`: the orgs the user belongs to (through a team),
 * sorted by name. One role lookup per org, so at most ORGS_SCANNED orgs are
 * looked at; a store query of a user's teams would remove the cap. */
static json_t *user_orgs(struct req *r, int64_t user_id)
{
  struct ident_account *orgs = NULL;
  size_t n = 0;
  json_t *list = json_array();
  if (!list || ident_account_search_kind(r->app->meta, r->pool, &orgs, &n, NULL, IDENT_ORG, "",
                                         ORGS_SCANNED) != 0)
    return list;
  for (size_t i = 0; i < n; i++) {
    enum ident_org_role role = ORG_NONE;
    if (ident_org_role(r->app->meta, &role, user_id, orgs[i].id) != 0 || role < ORG_MEMBER)
      continue;
    json_array_append_new(list, json_pack("{s:s, s:o, s:b, s:b, s:b, s:b}", "name",
                                          orgs[i].name, "avatar", api_avatar(orgs[i].name, "org"),
                                          "can_create_repo", role >= ORG_CREATOR, "public", 0,
                                          "is_org_admin", role == ORG_ADMIN,
                                          "preferred_namespace", 0));
  }
  return list;
}

int api_user_get(struct req *r)
{
  struct ident_account a;
  int rc = ident_account_get(r->app->meta, r->pool, &a, r->principal.id);
  if (rc == ERR_NOTFOUND) /* deleted since authenticating */
    return req_error(r, 401, "invalid_token", "Requires authentication", NULL);
  if (rc)
    return api_internal(r, rc, "user lookup");
  /* The view Quay gives a user about itself, minus billing. */
  json_t *j = json_pack("{s:b, s:s, s:s, s:b, s:o, s:b, s:b, s:b, s:[], s:[], s:b, s:n, "
                        "s:b, s:i, s:s, s:s, s:n, s:n}",
                        "anonymous", 0, "username", a.name, "email", a.email ? a.email : "",
                        "verified", 1, "avatar", api_avatar(a.name, "user"), "super_user",
                        a.is_superuser, "can_create_repo", 1, "is_me", 1, "logins", "prompts",
                        "invoice_email", 0, "invoice_email_address", "preferred_namespace", 0,
                        "tag_expiration_s", TAG_EXPIRATION_DEFAULT, "company", "", "location", "",
                        "given_name", "family_name");
  if (!j || json_object_set_new(j, "organizations", user_orgs(r, a.id)) != 0 ||
      json_object_set_new(j, "last_accessed", api_date(a.last_accessed)) != 0) /* wharf */
    return api_internal(r, ERR_NOMEM, "user view");
  return req_respond_json(r, 200, j);
}
