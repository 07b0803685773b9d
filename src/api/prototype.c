/* Default permissions of an organization (Quay's prototypes, spec §4.4):
 * when the activating user (anyone if unset) creates a repository in the
 * org, by the API or by pushing, the delegate user, robot or team gets the
 * role on it (store ident_proto_apply). The dispatcher has checked org
 * admin on {orgname}. Ids are the store's, sent as decimal strings (Quay
 * sends a UUID; clients treat it as opaque).
 *
 * Stricter than Quay: a robot delegate or activating account must belong to
 * this org, as a robot can only be granted its own namespace's repositories. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/prototype.h"
#include "server/req_audit.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"

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

/* Quay's prototype_user_view. */
static json_t *user_view(struct req *r, int64_t org_id, int64_t id, const char *name,
                         enum ident_kind kind)
{
  enum ident_org_role role = ORG_NONE;
  int member = kind == IDENT_ROBOT ||
               (ident_org_role(r->app->meta, &role, id, org_id) == 0 && role >= ORG_MEMBER);
  return json_pack("{s:s, s:b, s:s, s:b, s:o}", "name", name, "is_robot", kind == IDENT_ROBOT,
                   "kind", "user", "is_org_member", member, "avatar",
                   api_avatar(name, api_account_kind(kind)));
}

/* {"id","role","delegate","activating_user"|null}. */
static json_t *proto_view(struct req *r, const struct ident_proto *pr)
{
  char id[24];
  snprintf(id, sizeof(id), "%lld", (long long)pr->id);
  json_t *delegate = pr->delegate_team_id
                       ? json_pack("{s:s, s:s, s:o}", "name", pr->delegate_team_name, "kind",
                                   "team", "avatar", api_avatar(pr->delegate_team_name, "team"))
                       : user_view(r, pr->org_id, pr->delegate_account_id,
                                   pr->delegate_account_name, pr->delegate_account_kind);
  json_t *activating = pr->activating_id
                         ? user_view(r, pr->org_id, pr->activating_id, pr->activating_name,
                                     pr->activating_kind)
                         : json_null();
  if (!delegate || !activating) {
    json_decref(delegate);
    json_decref(activating);
    return NULL;
  }
  return json_pack("{s:o, s:o, s:s, s:s}", "activating_user", activating, "delegate", delegate,
                   "role", api_role_name(pr->role), "id", id);
}

int api_proto_list(struct req *r)
{
  struct ident_account org;
  struct ident_proto *protos = NULL;
  size_t n = 0;
  if (org_lookup(r, &org))
    return 0;
  int rc = ident_proto_list(r->app->meta, r->pool, &protos, &n, org.id);
  if (rc)
    return api_internal(r, rc, "prototype list");
  json_t *list = json_array();
  for (size_t i = 0; list && i < n; i++) {
    if (json_array_append_new(list, proto_view(r, &protos[i]))) {
      json_decref(list);
      list = NULL;
    }
  }
  if (!list)
    return api_internal(r, ERR_NOMEM, "prototype list");
  return req_respond_json(r, 200, json_pack("{s:o}", "prototypes", list));
}

/* Reads "role" of body; responds on failure. */
static int role_member(struct req *r, enum ident_role *out, json_t *body)
{
  const char *role;
  if (api_json_string(r, &role, body, "role", 16, 1))
    return -1;
  if (api_role_parse(out, role) != 0)
    return req_error(r, 400, "invalid_request",
                     pool_printf(r->pool, "'%s' is not one of ['read', 'write', 'admin']", role),
                     NULL), -1;
  return 0;
}

/* A user or robot named `name` that may act in org; responds on failure
 * with `unknown` (ApiException) or the foreign-robot message. */
static int proto_account(struct req *r, struct ident_account *out, const char *name,
                         const struct ident_account *org, const char *unknown)
{
  int rc = ident_account_by_name(r->app->meta, r->pool, out, name);
  if (rc == 0 && out->kind == IDENT_ORG)
    rc = ERR_NOTFOUND;
  if (rc == ERR_NOTFOUND)
    return req_error(r, 400, "invalid_request", unknown, NULL), -1;
  if (rc)
    return api_internal(r, rc, "account lookup"), -1;
  if (out->kind == IDENT_ROBOT && out->owner_id != org->id)
    return api_message(r, pool_printf(r->pool, "Cannot add robot %s under namespace %s",
                                      out->name, org->name)),
           -1;
  return 0;
}

/* Fills the activating user of a POST body (absent/null/no name: anyone). */
static int proto_activating(struct req *r, struct ident_proto *pr, json_t *body,
                            const struct ident_account *org)
{
  struct ident_account a;
  const char *name = NULL;
  json_t *act = json_object_get(body, "activating_user");
  if (!act || json_is_null(act))
    return 0;
  if (!json_is_object(act))
    return req_error(r, 400, "invalid_request", "'activating_user' must be an object or null",
                     NULL), -1;
  if (api_json_string(r, &name, act, "name", 255, 0))
    return -1;
  if (!name)
    return 0;
  if (proto_account(r, &a, name, org, "Unknown activating user"))
    return -1;
  pr->activating_id = a.id;
  return 0;
}

/* Fills the delegate of a POST body; responds on failure. */
static int proto_delegate(struct req *r, struct ident_proto *pr, json_t *body,
                          const struct ident_account *org)
{
  static const char missing[] = "Missing delegate user or team";
  struct ident_account a;
  struct ident_team t;
  const char *kind, *name;
  json_t *d = json_object_get(body, "delegate");
  if (!d)
    return req_error(r, 400, "invalid_request", "'delegate' is a required property", NULL), -1;
  if (!json_is_object(d))
    return req_error(r, 400, "invalid_request", "'delegate' must be an object", NULL), -1;
  if (api_json_string(r, &kind, d, "kind", 16, 1) || api_json_string(r, &name, d, "name", 255, 1))
    return -1;
  if (strcmp(kind, "user") == 0) {
    if (proto_account(r, &a, name, org, missing))
      return -1;
    pr->delegate_account_id = a.id;
    return 0;
  }
  if (strcmp(kind, "team") != 0)
    return req_error(r, 400, "invalid_request",
                     pool_printf(r->pool, "'%s' is not one of ['user', 'team']", kind), NULL),
           -1;
  int rc = ident_team_get(r->app->meta, r->pool, &t, org->id, name);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 400, "invalid_request", missing, NULL), -1;
  if (rc)
    return api_internal(r, rc, "team lookup"), -1;
  pr->delegate_team_id = t.id;
  return 0;
}

/* Responds 200 with the view of prototype id of org. */
static int respond_proto(struct req *r, int64_t org_id, int64_t id)
{
  struct ident_proto pr;
  int rc = ident_proto_get(r->app->meta, r->pool, &pr, org_id, id);
  if (rc == ERR_NOTFOUND) /* deleted meanwhile */
    return req_error(r, 404, "not_found", "Not Found", NULL);
  if (rc)
    return api_internal(r, rc, "prototype lookup");
  json_t *j = proto_view(r, &pr);
  if (!j)
    return api_internal(r, ERR_NOMEM, "prototype view");
  return req_respond_json(r, 200, j);
}

/* Quay's metadata of a prototype event: id, role, and what a POST body
 * names as delegate and activating user (NULL body: neither). */
static json_t *proto_md(json_t *body, int64_t id, enum ident_role role)
{
  char idtext[24]; /* a string, as the prototype views show it */
  snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
  json_t *md = json_pack("{s:s}", "id", idtext);
  if (md && api_role_name(role))
    json_object_set_new(md, "role", json_string(api_role_name(role)));
  json_t *d = json_object_get(body, "delegate"), *act = json_object_get(body, "activating_user");
  const char *kind = json_string_value(json_object_get(d, "kind"));
  const char *name = json_string_value(json_object_get(d, "name"));
  const char *activating = json_string_value(json_object_get(act, "name"));
  if (md && kind && name)
    json_object_set_new(md, strcmp(kind, "team") == 0 ? "delegate_team" : "delegate_user",
                        json_string(name));
  if (md && activating)
    json_object_set_new(md, "activating_user", json_string(activating));
  return md;
}

int api_proto_create(struct req *r)
{
  struct ident_account org;
  struct ident_proto pr;
  json_t *body = NULL;
  int64_t id = 0;
  if (org_lookup(r, &org) || api_json_body(r, &body, 0))
    return 0;
  memset(&pr, 0, sizeof(pr));
  pr.org_id = org.id;
  if (role_member(r, &pr.role, body) || proto_activating(r, &pr, body, &org) ||
      proto_delegate(r, &pr, body, &org))
    goto out;
  int rc = ident_proto_add(r->app->meta, &id, &pr);
  if (rc == ERR_NOTFOUND) /* an account or team deleted meanwhile */
    req_error(r, 400, "invalid_request", "Missing delegate user or team", NULL);
  else if (rc)
    api_internal(r, rc, "prototype add");
  else {
    LOG(LOG_INFO, "prototype %lld of %s created by %s", (long long)id, org.name,
        r->principal.name);
    req_audit(r, "create_prototype_permission", org.name, NULL, proto_md(body, id, pr.role));
    respond_proto(r, org.id, id);
  }
out:
  json_decref(body);
  return 0;
}

/* {prototypeid} as a store id; 0 when it is not one. */
static int64_t proto_id(struct req *r)
{
  const char *s = req_param(r, "prototypeid");
  char *end;
  if (!s || *s < '1' || *s > '9')
    return 0;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  return errno || *end ? 0 : (int64_t)v;
}

int api_proto_update(struct req *r)
{
  struct ident_account org;
  json_t *body = NULL;
  enum ident_role role;
  if (org_lookup(r, &org) || api_json_body(r, &body, 0))
    return 0;
  int64_t id = proto_id(r);
  if (role_member(r, &role, body))
    goto out;
  int rc = id ? ident_proto_set_role(r->app->meta, org.id, id, role) : ERR_NOTFOUND;
  if (rc == ERR_NOTFOUND)
    req_error(r, 404, "not_found", "Not Found", NULL);
  else if (rc)
    api_internal(r, rc, "prototype update");
  else {
    LOG(LOG_INFO, "prototype %lld of %s set to %s by %s", (long long)id, org.name,
        api_role_name(role), r->principal.name);
    req_audit(r, "modify_prototype_permission", org.name, NULL, proto_md(NULL, id, role));
    respond_proto(r, org.id, id);
  }
out:
  json_decref(body);
  return 0;
}

int api_proto_delete(struct req *r)
{
  struct ident_account org;
  if (org_lookup(r, &org))
    return 0;
  int64_t id = proto_id(r);
  int rc = id ? ident_proto_delete(r->app->meta, org.id, id) : ERR_NOTFOUND;
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL);
  if (rc)
    return api_internal(r, rc, "prototype delete");
  LOG(LOG_INFO, "prototype %lld of %s deleted by %s", (long long)id, org.name,
      r->principal.name);
  req_audit(r, "delete_prototype_permission", org.name, NULL, proto_md(NULL, id, ROLE_NONE));
  return req_respond(r, 204, NULL, NULL, 0);
}
