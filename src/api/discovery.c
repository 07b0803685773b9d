/* GET /api/v1/discovery: a Swagger 2.0 document generated from the route
 * table the server dispatches from, so it lists exactly what is served and
 * the scope each operation needs. GET /api/v1/error/{type}: Quay's error
 * type descriptions. */
#include <string.h>

#include "api/api.h"
#include "auth/auth.h"
#include "server/router.h"
#include "util/pool.h"

static const struct {
  unsigned bit;
  const char *name, *description;
} scopes[] = {
  { SCOPE_REPO_READ, "repo:read", "View all visible repositories" },
  { SCOPE_REPO_WRITE, "repo:write", "Read/Write to any accessible repositories" },
  { SCOPE_REPO_ADMIN, "repo:admin", "Administer repositories" },
  { SCOPE_REPO_CREATE, "repo:create", "Create repositories" },
  { SCOPE_USER_READ, "user:read", "Read user information" },
  { SCOPE_USER_ADMIN, "user:admin", "Administer user" },
  { SCOPE_ORG_ADMIN, "org:admin", "Administer organization" },
  { SCOPE_SUPER_USER, "super:user", "Super user" },
};

static json_t *path_params(const char *pattern)
{
  json_t *params = json_array();
  for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
    const char *close = strchr(p, '}');
    if (!close)
      break;
    json_array_append_new(params, json_pack("{s:s%, s:s, s:b, s:s}", "name", p + 1,
                                            (size_t)(close - p - 1), "in", "path", "required",
                                            1, "type", "string"));
  }
  return params;
}

static json_t *operation(const struct route *rt)
{
  json_t *sec = json_array();
  for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
    if (rt->scope & scopes[i].bit)
      json_array_append_new(sec, json_string(scopes[i].name));
  json_t *op = json_pack("{s:s, s:o, s:[{s:o}], s:{s:{s:s}}, s:s}", "operationId", rt->op_id,
                         "parameters", path_params(rt->pattern), "security", "oauth2_implicit",
                         sec, "responses", "default", "description", "see docs/api.md",
                         "x-wharf-permission", perm_name(rt->perm));
  return op;
}

int api_discovery(struct req *r)
{
  json_t *paths = json_object();
  for (size_t i = 0; i < router_table_len; i++) {
    const struct route *rt = &router_table[i];
    if (rt->api != API_QUAY || strncmp(rt->pattern, "/api/v1/", 8) != 0)
      continue;
    const char *key = rt->pattern + 7; /* Swagger basePath is /api/v1 */
    json_t *item = json_object_get(paths, key);
    if (!item) {
      item = json_object();
      json_object_set_new(paths, key, item);
    }
    char method[8];
    size_t k = 0;
    for (; rt->method[k] && k < sizeof(method) - 1; k++)
      method[k] = (char)(rt->method[k] | 0x20);
    method[k] = '\0';
    json_object_set_new(item, method, operation(rt));
  }
  json_t *sc = json_object();
  for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
    json_object_set_new(sc, scopes[i].name, json_string(scopes[i].description));
  json_t *doc = json_pack(
    "{s:s, s:{s:s, s:s, s:s}, s:s, s:s, s:[s], s:o, s:{s:{s:s, s:s, s:s, s:o}}, s:{}, s:[]}",
    "swagger", "2.0", "info", "version", "v1", "title", "Quay Frontend", "description",
    "wharf: Quay-compatible API", "host", req_host(r), "basePath", "/api/v1", "schemes", req_scheme(r),
    "paths", paths, "securityDefinitions", "oauth2_implicit", "type", "oauth2", "flow", "implicit",
    "authorizationUrl", pool_printf(r->pool, "%s://%s/oauth/authorize", req_scheme(r), req_host(r)), "scopes",
    sc, "definitions", "tags");
  return req_respond_json(r, 200, doc);
}

static const struct {
  const char *type, *title, *description;
} error_types[] = {
  { "invalid_request", "Invalid Request", "The request was invalid." },
  { "invalid_token", "Invalid Token", "The access token provided was invalid." },
  { "expired_token", "Expired Token", "The access token provided has expired." },
  { "insufficient_scope", "Insufficient Scope",
    "The access token did not have sufficient scope to access the requested resource." },
  { "fresh_login_required", "Fresh Login Required",
    "The action requires a fresh login to succeed." },
  { "exceeds_license", "Exceeds License", "The action was refused because the current license does not allow it." },
  { "not_found", "Not Found", "The resource was not found." },
  { "downstream_issue", "Downstream Issue", "An error occurred in a downstream service." },
};

int api_error_type(struct req *r)
{
  const char *t = req_param(r, "type");
  for (size_t i = 0; i < sizeof(error_types) / sizeof(error_types[0]); i++)
    if (strcmp(t, error_types[i].type) == 0)
      return req_respond_json(r, 200, json_pack("{s:s, s:s, s:s}", "type", error_types[i].type,
                                                "title", error_types[i].title, "description",
                                                error_types[i].description));
  return req_error(r, 404, "not_found", "Unknown error type", t);
}
