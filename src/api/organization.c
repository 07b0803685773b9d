/* Organizations (spec §4.1): create, view, change, delete. A new org gets
 * the team `owners` (org admin) holding its creator. Org names follow the
 * username rules; names are unique across users, orgs and robots. PUT also
 * takes the wharf extension max_robot_token_lifetime (docs/robots.md). */
#include <string.h>

#include "api/api.h"
#include "auth/auth.h"
#include "server/req_audit.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/utf8.h"

#define EMAIL_MAX 254
#define TAG_EXPIRATION_DEFAULT 1209600
#define LIFETIME_MIN 60                   /* shortest max_robot_token_lifetime */
#define LIFETIME_MAX (10LL * 366 * 86400) /* longest: robot_token.c's token_expiration cap */

/* A plausible address: local@domain.tld, printable, no spaces. */
static int email_valid(const char *s)
{
  const char *at = strchr(s, '@');
  if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.'))
    return 0;
  size_t n = strlen(s);
  if (n > EMAIL_MAX || s[n - 1] == '.' || at[1] == '.')
    return 0;
  for (const char *c = s; *c; c++)
    if ((unsigned char)*c <= 0x20 || *c == 0x7f)
      return 0;
  return 1;
}

int api_org_body(struct req *r, const char **out_name, const char **out_email)
{
  json_t *body = NULL;
  const char *name, *email, *contact, *captcha;
  int rc = -1;
  if (api_json_body(r, &body, 0))
    return -1;
  if (api_json_string(r, &name, body, "name", 1024, 1) ||
      api_json_string(r, &email, body, "email", 1024, 0) ||
      api_json_string(r, &contact, body, "contact_email", 1024, 0) ||
      api_json_string(r, &captcha, body, "recaptcha_response", 65536, 0))
    goto out;
  const char *problem = api_name_problem(r->pool, name);
  if (problem) {
    req_error(r, 400, "invalid_request",
              pool_printf(r->pool, "Invalid namespace %s: %s",
                          utf8_clean(r->pool, name, 300), problem), NULL);
    goto out;
  }
  if (email && *email && !email_valid(email)) {
    req_error(r, 400, "invalid_request",
              pool_printf(r->pool, "Invalid email address: %s",
                          utf8_clean(r->pool, email, 300)), NULL);
    goto out;
  }
  *out_name = pool_strdup(r->pool, name);
  *out_email = email && *email ? pool_strdup(r->pool, email) : NULL;
  rc = *out_name ? 0 : (api_internal(r, ERR_NOMEM, "org body"), -1);
out:
  json_decref(body);
  return rc;
}

int api_org_create(struct req *r)
{
  static const char taken[] = "A user or organization with this name already exists";
  const char *name, *email;
  struct ident_account a;
  int64_t team_id;
  if (api_org_body(r, &name, &email))
    return 0;
  int rc = ident_account_by_name(r->app->meta, r->pool, &a, name);
  if (rc == 0)
    return req_error(r, 400, "invalid_request", taken, NULL);
  if (rc != ERR_NOTFOUND)
    return api_internal(r, rc, "org lookup");
  memset(&a, 0, sizeof(a));
  a.kind = IDENT_ORG;
  a.name = (char *)name;
  a.email = (char *)email;
  a.enabled = 1;
  rc = ident_account_create(r->app->meta, &a.id, &a);
  if (rc == ERR_EXISTS)
    return req_error(r, 400, "invalid_request", taken, NULL);
  if (rc)
    return api_internal(r, rc, "org create");
  rc = ident_team_set(r->app->meta, &team_id, a.id, "owners", ORG_ADMIN, "");
  if (!rc)
    rc = ident_team_add_member(r->app->meta, team_id, r->principal.id);
  if (rc) {
    ident_account_delete(r->app->meta, a.id);
    return api_internal(r, rc, "org owners team");
  }
  LOG(LOG_INFO, "organization %s created by %s", name, r->principal.name);
  req_audit(r, "org_create", name, NULL,
            json_pack("{s:s, s:s?}", "namespace", name, "email", email));
  /* a JSON string, not plain text: clients parse every body as JSON */
  static const char created[] = "\"Created\"";
  return req_respond(r, 201, "application/json", created, sizeof(created) - 1);
}

/* The {orgname} account; 404 when it is not an organization. */
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

static const char *team_role_name(enum ident_org_role role)
{
  return role == ORG_ADMIN ? "admin" : role == ORG_CREATOR ? "creator" : "member";
}

/* Quay's `teams` (keyed by name) and `ordered_teams` for org members;
 * can_view: org admins see every team, members the teams they are in. */
static int org_teams(struct req *r, json_t *j, const struct ident_account *org, int is_admin)
{
  struct ident_team *all = NULL, *mine = NULL;
  size_t n = 0, nmine = 0;
  int rc = ident_team_list(r->app->meta, r->pool, &all, &n, org->id);
  if (!rc && !is_admin && r->principal.id)
    rc = ident_team_list_member(r->app->meta, r->pool, &mine, &nmine, org->id, r->principal.id);
  if (rc) {
    json_decref(j);
    return rc;
  }
  json_t *teams = json_object(), *ordered = json_array();
  for (size_t i = 0; i < n; i++) {
    int view = is_admin;
    for (size_t k = 0; k < nmine && !view; k++)
      view = mine[k].id == all[i].id;
    json_object_set_new(
      teams, all[i].name,
      json_pack("{s:s, s:s, s:s, s:o, s:b, s:I, s:I, s:b}", "name", all[i].name, "description",
                all[i].description ? all[i].description : "", "role",
                team_role_name(all[i].role), "avatar", api_avatar(all[i].name, "team"),
                "can_view", view, "repo_count", (json_int_t)all[i].repo_count, "member_count",
                (json_int_t)all[i].member_count, "is_synced", 0));
    json_array_append_new(ordered, json_string(all[i].name));
  }
  json_object_set_new(j, "teams", teams);
  json_object_set_new(j, "ordered_teams", ordered);
  return 0;
}

int api_org_get(struct req *r)
{
  struct ident_account org;
  if (org_lookup(r, &org))
    return 0;
  int is_admin = api_is_org_admin(r, org.id);
  int is_member = is_admin;
  if (!is_member && r->principal.kind != PRINCIPAL_ANONYMOUS) {
    enum ident_org_role role = ORG_NONE;
    is_member = r->principal.is_superuser ||
                (ident_org_role(r->app->meta, &role, r->principal.id, org.id) == 0 &&
                 role >= ORG_MEMBER);
  }
  json_t *j = json_pack("{s:s, s:s, s:o, s:b, s:b}", "name", org.name, "email",
                        is_admin && org.email ? org.email : "", "avatar",
                        api_avatar(org.name, "org"), "is_admin", is_admin, "is_member", is_member);
  int64_t max_life = 0;
  if (j && is_admin && ident_token_lifetime_get(r->app->meta, &max_life, org.id) != 0) {
    json_decref(j);
    return api_internal(r, ERR_IO, "org view");
  }
  if (j && is_admin) {
    /* wharf: the longest robot token lifetime, null when there is none */
    json_object_set_new(j, "max_robot_token_lifetime",
                        max_life ? json_integer(max_life) : json_null());
    json_object_set_new(j, "invoice_email", json_false());
    json_object_set_new(j, "invoice_email_address", json_null());
    json_object_set_new(j, "tag_expiration_s", json_integer(TAG_EXPIRATION_DEFAULT));
    json_object_set_new(j, "is_free_account", json_true());
  }
  if (j && is_member && org_teams(r, j, &org, is_admin) != 0)
    return api_internal(r, ERR_IO, "org teams");
  if (!j)
    return api_internal(r, ERR_NOMEM, "org view");
  return req_respond_json(r, 200, j);
}

/* The PUT body: email (NULL: unchanged) and max_robot_token_lifetime (-1:
 * unchanged, 0: none). Quay's tag_expiration_s is fixed here: any other value
 * is refused rather than silently ignored. Responds 400 on bad input. */
static int org_put_body(struct req *r, const char **out_email, int64_t *out_life)
{
  json_t *body = NULL;
  const char *email = NULL, *ignored;
  int64_t life = -1;
  int rc = -1;
  if (api_json_body(r, &body, 0))
    return -1;
  if (api_json_string(r, &email, body, "email", 1024, 0) ||
      api_json_string(r, &ignored, body, "contact_email", 1024, 0) ||
      api_json_string(r, &ignored, body, "invoice_email_address", 1024, 0))
    goto out;
  if (email && !email_valid(email)) {
    req_error(r, 400, "invalid_request",
              pool_printf(r->pool, "Invalid email address: %s", utf8_clean(r->pool, email, 300)),
              NULL);
    goto out;
  }
  json_t *tag = json_object_get(body, "tag_expiration_s");
  if (tag && !json_is_null(tag) &&
      (!json_is_integer(tag) || json_integer_value(tag) != TAG_EXPIRATION_DEFAULT)) {
    req_error(r, 400, "invalid_request",
              "tag_expiration_s cannot be changed: wharf keeps untagged manifests for "
              "gc_untagged_expiry (a server setting)", NULL);
    goto out;
  }
  json_t *lj = json_object_get(body, "max_robot_token_lifetime");
  if (lj && json_is_null(lj))
    life = 0;
  else if (lj && json_is_integer(lj) &&
           (json_integer_value(lj) == 0 || (json_integer_value(lj) >= LIFETIME_MIN &&
                                            json_integer_value(lj) <= LIFETIME_MAX)))
    life = json_integer_value(lj);
  else if (lj) {
    req_error(r, 400, "invalid_request",
              "max_robot_token_lifetime must be a number of seconds between 60 and 316224000 "
              "(10 years), or 0 or null for no maximum", NULL);
    goto out;
  }
  *out_email = email ? pool_strdup(r->pool, email) : NULL;
  *out_life = life;
  rc = 0;
out:
  json_decref(body);
  return rc;
}

int api_org_put(struct req *r)
{
  struct ident_account org;
  const char *email = NULL;
  int64_t life = -1, old_life = 0;
  if (org_lookup(r, &org) || org_put_body(r, &email, &life))
    return 0;
  int rc = ident_token_lifetime_get(r->app->meta, &old_life, org.id);
  if (!rc && (email || life >= 0))
    rc = ident_org_update(r->app->meta, org.id, email, life);
  if (rc == ERR_NOTFOUND) /* deleted concurrently */
    return req_error(r, 404, "not_found", "Not Found", NULL);
  if (rc)
    return api_internal(r, rc, "org update");
  if (email && (!org.email || strcmp(email, org.email) != 0))
    req_audit(r, "org_change_email", org.name, NULL,
              json_pack("{s:s, s:s}", "namespace", org.name, "email", email));
  if (life >= 0 && life != old_life) {
    LOG(LOG_INFO, "organization %s: max robot token lifetime %lld s, set by %s", org.name,
        (long long)life, r->principal.name);
    req_audit(r, "org_change_robot_token_lifetime", org.name, NULL,
              json_pack("{s:s, s:I, s:I}", "namespace", org.name, "max_robot_token_lifetime",
                        (json_int_t)life, "previous", (json_int_t)old_life));
  }
  return api_org_get(r);
}

int api_org_delete(struct req *r)
{
  struct ident_account org;
  if (org_lookup(r, &org))
    return 0;
  int rc = api_delete_ns_repos(r, org.name);
  if (!rc)
    rc = ident_account_delete(r->app->meta, org.id);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL);
  if (rc)
    return api_internal(r, rc, "org delete");
  LOG(LOG_INFO, "organization %s deleted by %s", org.name, r->principal.name);
  req_audit(r, "org_delete", org.name, NULL, json_pack("{s:s}", "namespace", org.name));
  return req_respond(r, 204, NULL, NULL, 0);
}
