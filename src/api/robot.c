/* Robot accounts (spec §2): an org's robots under
 * organization/{orgname}/robots, the caller's own under user/robots. The
 * dispatcher has already checked org membership or admin for {orgname};
 * user robots belong to the calling user.
 *
 * Tokens are 64 random characters, stored as keys_index() (the lookup
 * key) and keys_encrypt() (so admins can read them again, as in Quay;
 * not in show-once mode, robot_tokens: show_once, where `token` is null
 * except in the response that made it);
 * regeneration replaces the credential in one transaction so the old token
 * stops working at once. Tokens go only into response bodies, never logs.
 *
 * Better than Quay: PUT of an existing robot answers 200 with the robot
 * (updating description/unstructured_metadata when given) instead of 400,
 * so provisioning scripts can be re-run. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/api.h"
#include "api/robot_audit.h"
#include "api/robot_int.h"
#include "auth/keys.h"
#include "auth/token.h"
#include "server/req_audit.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/utf8.h"

#define ROBOT_DESCRIPTION_MAX 255
#define ROBOT_LIST_MAX 10000       /* robots one namespace lists at most */

/* The namespace owning the robots of this route; responds on failure. */
int robot_ns(struct req *r, struct ident_account *ns, int *is_admin)
{
  const char *org = req_param(r, "orgname");
  int rc;
  if (org) {
    rc = ident_account_by_name(r->app->meta, r->pool, ns, org);
    if (rc == 0 && ns->kind != IDENT_ORG)
      rc = ERR_NOTFOUND;
  } else {
    rc = ident_account_get(r->app->meta, r->pool, ns, r->principal.id);
    if (rc == 0 && ns->kind != IDENT_USER)
      rc = ERR_NOTFOUND;
  }
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL), -1;
  if (rc)
    return api_internal(r, rc, "namespace lookup"), -1;
  *is_admin = org ? api_is_org_admin(r, ns->id) : 1;
  return 0;
}

/* Looks up {robot_shortname} of ns; 400 {"message"} when there is none. */
int robot_find(struct req *r, struct ident_account *out, const struct ident_account *ns)
{
  const char *shortname = req_param(r, "robot_shortname");
  const char *full = pool_printf(r->pool, "%s+%s", ns->name, shortname ? shortname : "");
  if (!full)
    return api_internal(r, ERR_NOMEM, "robot lookup"), -1;
  int rc = ident_account_by_name(r->app->meta, r->pool, out, full);
  if (rc == 0 && (out->kind != IDENT_ROBOT || out->owner_id != ns->id))
    rc = ERR_NOTFOUND;
  if (rc == ERR_NOTFOUND)
    return api_message(r, "Could not find robot with specified username"), -1;
  if (rc)
    return api_internal(r, rc, "robot lookup"), -1;
  return 0;
}

/* Draws a fresh token (expiring at expires_at, 0: never) and makes it the
 * robot's only one; the token in clear into out_token[TOKEN_LEN + 1]. */
static int robot_token_new(struct app *app, char *out_token, int64_t robot_id,
                           int64_t expires_at)
{
  return robot_token_make(app, NULL, out_token, robot_id, NULL, expires_at, 1);
}

int api_robot_json(json_t **out, struct req *r, const struct ident_account *robot, unsigned flags)
{
  json_t *j = json_pack("{s:s, s:o, s:o, s:s}", "name", robot->name, "created",
                        api_date(robot->created_at), "last_accessed",
                        api_date(robot->last_accessed), "description",
                        robot->description ? robot->description : "");
  int rc = 0;
  if (!j)
    return ERR_NOMEM;
  if (flags & API_ROBOT_META) {
    json_t *md = json_loads(robot->metadata_json ? robot->metadata_json : "{}", 0, NULL);
    if (!json_is_object(md)) {
      json_decref(md);
      md = json_object();
    }
    json_object_set_new(j, "unstructured_metadata", md);
  }
  if ((flags & API_ROBOT_TOKEN) && robot_show_once(r->app)) {
    /* shown once, by the response that made it (docs/robots.md) */
    rc = json_object_set_new(j, "token", json_null()) ? ERR_NOMEM : 0;
  } else if (flags & API_ROBOT_TOKEN) {
    struct ident_cred cred;
    rc = robot_cred_current(&cred, r, robot->id); /* newest unexpired */
    if (rc == 0 && !cred.secret_enc) {
      /* made in show-once mode: there is no copy to read back */
      rc = json_object_set_new(j, "token", json_null()) ? ERR_NOMEM : 0;
    } else if (rc == 0) {
      char *tok = NULL;
      size_t len = 0;
      rc = keys_decrypt(r->app->keys, &tok, &len, cred.secret_enc);
      if (rc == 0) {
        json_object_set_new(j, "token", json_stringn(tok, len));
        OPENSSL_cleanse(tok, len);
        free(tok);
      } else if (rc == ERR_INVALID) {
        /* made under a key this server no longer has: regenerate fixes it */
        LOG(LOG_WARN, "token of robot %s cannot be decrypted with the server key", robot->name);
        rc = 0;
      }
    } else if (rc == ERR_NOTFOUND) {
      rc = 0; /* only while a concurrent PUT is still storing it */
    }
  }
  if (!rc)
    rc = robot_json_ext(j, r, robot); /* wharf: enabled, allowed_ips, expiry */
  if (rc) {
    json_decref(j);
    return rc;
  }
  *out = j;
  return 0;
}

/* Responds with the robot view of `flags`; a token the request just made
 * (fresh, may be NULL) is shown as `token` even in show-once mode. */
static int robot_respond(struct req *r, unsigned status, const struct ident_account *robot,
                         unsigned flags, const char *fresh)
{
  json_t *j = NULL;
  int rc = api_robot_json(&j, r, robot, fresh ? flags & ~(unsigned)API_ROBOT_TOKEN : flags);
  if (!rc && fresh && json_object_set_new(j, "token", json_string(fresh))) {
    json_decref(j);
    rc = ERR_NOMEM;
  }
  if (rc)
    return api_internal(r, rc, "robot view");
  return req_respond_json(r, status, j);
}

static int by_last_accessed(const void *a, const void *b)
{
  const struct ident_account *x = a, *y = b;
  if (x->last_accessed != y->last_accessed)
    return x->last_accessed > y->last_accessed ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* "teams" and "repositories" of a robot for permissions=true. */
static int robot_add_permissions(struct req *r, json_t *j, const struct ident_account *robot,
                                 const struct ident_account *ns)
{
  struct ident_perm *perms = NULL;
  size_t n = 0, nslen = strlen(ns->name);
  int rc = ident_perm_list_account(r->app->meta, r->pool, &perms, &n, robot->id);
  if (rc)
    return rc;
  json_t *repos = json_array();
  for (size_t i = 0; repos && i < n; i++) {
    const char *name = perms[i].repo_name;
    if (strncmp(name, ns->name, nslen) == 0 && name[nslen] == '/')
      name += nslen + 1;
    json_array_append_new(repos, json_string(name));
  }
  struct ident_team *teams = NULL;
  size_t nt = 0;
  json_t *tj = json_array();
  if (ns->kind == IDENT_ORG &&
      (rc = ident_team_list_member(r->app->meta, r->pool, &teams, &nt, ns->id, robot->id)) != 0) {
    json_decref(repos);
    json_decref(tj);
    return rc;
  }
  for (size_t i = 0; tj && i < nt; i++)
    json_array_append_new(tj, json_pack("{s:s, s:o}", "name", teams[i].name, "avatar",
                                        api_avatar(teams[i].name, "team")));
  if (!repos || !tj || json_object_set_new(j, "repositories", repos) ||
      json_object_set_new(j, "teams", tj))
    return ERR_NOMEM;
  return 0;
}

/* ?limit=N: 0 or absent means no limit; anything but a number is a 400. */
static int robot_limit(struct req *r, size_t *out)
{
  const char *s = req_query(r, "limit");
  *out = ROBOT_LIST_MAX;
  if (!s)
    return 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (!*s || *end || v < 0)
    return req_error(r, 400, "invalid_request", "limit must be a non-negative integer", NULL),
           -1;
  if (v > 0 && v < ROBOT_LIST_MAX)
    *out = (size_t)v;
  return 0;
}

int api_robot_list(struct req *r)
{
  struct ident_account ns, *robots = NULL;
  size_t n = 0, limit;
  int is_admin;
  if (robot_ns(r, &ns, &is_admin) || robot_limit(r, &limit))
    return 0;
  int want_token = is_admin && api_bool_param(r, "token", 1);
  int want_perms = is_admin && api_bool_param(r, "permissions", 0);
  int64_t unused_before;
  if (api_robot_unused_param(r, &unused_before))
    return 0;
  int rc = ident_robot_list(r->app->meta, r->pool, &robots, &n, ns.id, ROBOT_LIST_MAX);
  if (rc)
    return api_internal(r, rc, "robot list");
  n = api_robot_unused_filter(robots, n, unused_before);
  if (n > 1)
    qsort(robots, n, sizeof(*robots), by_last_accessed);
  if (n > limit)
    n = limit;
  json_t *list = json_array();
  for (size_t i = 0; list && i < n && !rc; i++) {
    json_t *j = NULL;
    rc = api_robot_json(&j, r, &robots[i], want_token ? API_ROBOT_TOKEN : 0);
    if (!rc && want_perms)
      rc = robot_add_permissions(r, j, &robots[i], &ns);
    if (!rc)
      rc = json_array_append_new(list, j) ? ERR_NOMEM : 0;
    else
      json_decref(j);
  }
  if (!list || rc) {
    json_decref(list);
    return api_internal(r, rc ? rc : ERR_NOMEM, "robot list");
  }
  return req_respond_json(r, 200, json_pack("{s:o}", "robots", list));
}

int api_robot_get(struct req *r)
{
  struct ident_account ns, robot;
  int is_admin;
  if (robot_ns(r, &ns, &is_admin) || robot_find(r, &robot, &ns))
    return 0;
  return robot_respond(r, 200, &robot, API_ROBOT_TOKEN | API_ROBOT_META, NULL);
}

int api_robot_body(struct req *r, const char **out_desc, char **out_md)
{
  json_t *body = NULL;
  const char *desc = NULL;
  char *md = NULL;
  int rc = -1;
  if (api_json_body(r, &body, 1))
    return -1;
  if (api_json_string(r, &desc, body, "description", ROBOT_DESCRIPTION_MAX, 0))
    goto out;
  json_t *m = body ? json_object_get(body, "unstructured_metadata") : NULL;
  if (m && !json_is_object(m)) {
    req_error(r, 400, "invalid_request", "'unstructured_metadata' must be an object", NULL);
    goto out;
  }
  if (desc && !(desc = pool_strdup(r->pool, desc))) {
    api_internal(r, ERR_NOMEM, "robot body");
    goto out;
  }
  if (m) {
    char *s = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
    md = s ? pool_strdup(r->pool, s) : NULL;
    free(s);
    if (!md) {
      api_internal(r, ERR_NOMEM, "robot body");
      goto out;
    }
  }
  *out_desc = desc;
  *out_md = md;
  rc = 0;
out:
  json_decref(body);
  return rc;
}

/* PUT of a robot that exists: update what was given, answer 200. */
static int robot_update(struct req *r, struct ident_account *robot, const char *desc,
                        const char *md, const struct robot_ext *ext)
{
  char token[TOKEN_LEN + 1] = "";
  int was_enabled = robot->enabled;
  const char *was_allowed = robot->allowed_cidrs; /* pool memory: survives the re-read */
  int rc = robot_ext_apply(r, robot, ext);
  if (!rc)
    robot_audit_access(r, robot, was_enabled, was_allowed);
  if (!rc && (desc || md))
    rc = ident_robot_update(r->app->meta, robot->id, desc, md);
  if (!rc && (desc || md))
    rc = ident_account_get(r->app->meta, r->pool, robot, robot->id);
  if (!rc) {
    /* heal a robot left without a token by a failed creation */
    struct ident_cred cred;
    rc = ident_cred_latest(r->app->meta, r->pool, &cred, robot->id, CRED_ROBOT);
    if (rc == ERR_NOTFOUND)
      rc = robot_token_new(r->app, token, robot->id, ext->expires_at);
  }
  if (!rc)
    rc = robot_respond(r, 200, robot, API_ROBOT_TOKEN | API_ROBOT_META, *token ? token : NULL);
  else
    rc = api_internal(r, rc, "robot update");
  OPENSSL_cleanse(token, sizeof(token));
  return rc;
}

int api_robot_put(struct req *r)
{
  struct ident_account ns, robot;
  const char *desc = NULL;
  char *md = NULL;
  int is_admin, rc;
  if (robot_ns(r, &ns, &is_admin))
    return 0;
  if (r->app->robots_disabled)
    return req_error(r, 400, "invalid_request",
                     "Robot accounts have been disabled. Please contact your administrator.",
                     NULL);
  const char *shortname = req_param(r, "robot_shortname");
  const char *problem = api_name_problem(r->pool, shortname);
  if (problem)
    return req_error(r, 400, "invalid_request",
                     pool_printf(r->pool, "The name for the robot '%s' is invalid: %s",
                                 utf8_clean(r->pool, shortname, 300), problem), NULL);
  struct robot_ext ext;
  if (api_robot_body(r, &desc, &md) || robot_ext_body(r, &ext) ||
      robot_expiry_policy(r, &ext.expires_at, ns.id))
    return 0;
  const char *full = pool_printf(r->pool, "%s+%s", ns.name, shortname);
  for (int attempt = 0; attempt < 2; attempt++) {
    rc = ident_account_by_name(r->app->meta, r->pool, &robot, full);
    if (rc == 0) {
      if (robot.kind != IDENT_ROBOT || robot.owner_id != ns.id)
        return req_error(r, 400, "invalid_request",
                         pool_printf(r->pool, "Existing robot with name: %s", full), NULL);
      return robot_update(r, &robot, desc, md, &ext);
    }
    if (rc != ERR_NOTFOUND)
      return api_internal(r, rc, "robot lookup");
    memset(&robot, 0, sizeof(robot));
    robot.kind = IDENT_ROBOT;
    robot.name = (char *)full;
    robot.enabled = 1;
    robot.owner_id = ns.id;
    robot.description = (char *)(desc ? desc : "");
    robot.metadata_json = md ? md : "{}";
    rc = ident_account_create(r->app->meta, &robot.id, &robot);
    if (rc != ERR_EXISTS) /* else it was created concurrently: update it */
      break;
  }
  if (rc)
    return api_internal(r, rc, "robot create");
  char token[TOKEN_LEN + 1];
  rc = robot_token_new(r->app, token, robot.id, ext.expires_at);
  if (!rc)
    rc = ident_account_get(r->app->meta, r->pool, &robot, robot.id);
  if (!rc)
    rc = robot_ext_apply(r, &robot, &ext);
  if (rc) {
    OPENSSL_cleanse(token, sizeof(token));
    ident_account_delete(r->app->meta, robot.id);
    return api_internal(r, rc, "robot token");
  }
  LOG(LOG_INFO, "robot %s created by %s", full, r->principal.name);
  req_audit(r, "create_robot", ns.name, NULL,
            json_pack("{s:s, s:s?, s:o?}", "robot", shortname, "description", desc,
                      "unstructured_metadata", md ? json_loads(md, 0, NULL) : NULL));
  robot_audit_access(r, &robot, 1, NULL); /* created disabled or with allowed_ips */
  rc = robot_respond(r, 201, &robot, API_ROBOT_TOKEN | API_ROBOT_META, token);
  OPENSSL_cleanse(token, sizeof(token));
  return rc;
}

int api_robot_delete(struct req *r)
{
  struct ident_account ns, robot;
  int is_admin;
  if (robot_ns(r, &ns, &is_admin) || robot_find(r, &robot, &ns))
    return 0;
  int rc = ident_account_delete(r->app->meta, robot.id);
  if (rc == ERR_NOTFOUND) /* deleted concurrently */
    return api_message(r, "Could not find robot with specified username");
  if (rc)
    return api_internal(r, rc, "robot delete");
  LOG(LOG_INFO, "robot %s deleted by %s", robot.name, r->principal.name);
  req_audit(r, "delete_robot", ns.name, NULL,
            json_pack("{s:s}", "robot", req_param(r, "robot_shortname")));
  return req_respond(r, 204, NULL, NULL, 0);
}

int api_robot_regenerate(struct req *r)
{
  struct ident_account ns, robot;
  int is_admin;
  if (robot_ns(r, &ns, &is_admin) || robot_find(r, &robot, &ns))
    return 0;
  int64_t prev_until = 0;
  char token[TOKEN_LEN + 1];
  int rc = robot_rotate(r, &prev_until, token, &robot);
  if (rc == 1) /* responded: bad grace_period or token_expiration */
    return 0;
  if (rc == ERR_NOTFOUND)
    return api_message(r, "Could not find robot with specified username");
  if (rc)
    return api_internal(r, rc, "robot token");
  LOG(LOG_INFO, "robot %s token regenerated by %s", robot.name, r->principal.name);
  robot_audit_regenerate(r, &robot, prev_until);
  rc = robot_respond_rotated(r, &robot, prev_until, token);
  OPENSSL_cleanse(token, sizeof(token));
  return rc;
}

int api_robot_permissions(struct req *r)
{
  struct ident_account ns, robot;
  struct ident_perm *perms = NULL;
  size_t n = 0;
  int is_admin;
  if (robot_ns(r, &ns, &is_admin) || robot_find(r, &robot, &ns))
    return 0;
  int rc = ident_perm_list_account(r->app->meta, r->pool, &perms, &n, robot.id);
  if (rc)
    return api_internal(r, rc, "robot permissions");
  json_t *list = json_array();
  size_t nslen = strlen(ns.name);
  for (size_t i = 0; list && i < n; i++) {
    const char *name = perms[i].repo_name;
    if (strncmp(name, ns.name, nslen) == 0 && name[nslen] == '/')
      name += nslen + 1;
    const char *role = api_role_name(perms[i].role);
    if (json_array_append_new(list, json_pack("{s:{s:s, s:b}, s:s}", "repository", "name", name,
                                              "is_public", perms[i].repo_public, "role",
                                              role ? role : "read"))) {
      json_decref(list);
      list = NULL;
    }
  }
  if (!list)
    return api_internal(r, ERR_NOMEM, "robot permissions");
  return req_respond_json(r, 200, json_pack("{s:o}", "permissions", list));
}
