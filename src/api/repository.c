/* Repositories through the Quay API (spec §4.3): create, list, view,
 * describe, change visibility, delete. The dispatcher has checked read /
 * write / admin on {repository}; creation is checked here against the
 * requested namespace (auth_can_create), as Quay does. Deleting a
 * repository drops its tags, manifests, blob links and permissions; the
 * blob bytes are left to garbage collection. */
#include <string.h>

#include "api/api.h"
#include "auth/auth.h"
#include "registry/registry.h"
#include "server/req_audit.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/utf8.h"

#define PAGE_SIZE 100         /* repositories per page (Quay: 100) */
#define SCAN_MAX 2000         /* repositories examined per list request */
#define TAGS_MAX 100          /* tags shown by GET repository/{repository} */

/* "public"/"private" into *out; responds 400 otherwise. */
static int parse_visibility(struct req *r, int *out, json_t *body)
{
  const char *v;
  if (api_json_string(r, &v, body, "visibility", 16, 1))
    return -1;
  if (strcmp(v, "public") != 0 && strcmp(v, "private") != 0)
    return req_error(r, 400, "invalid_request",
                     pool_printf(r->pool, "'%s' is not one of ['public', 'private']", v), NULL),
           -1;
  *out = strcmp(v, "public") == 0;
  return 0;
}

int api_repo_new_body(struct req *r, struct api_repo_new *out, json_t *body)
{
  const char *kind = NULL;
  if (api_json_string(r, &out->name, body, "repository", 255, 1) ||
      parse_visibility(r, &out->is_public, body) ||
      api_json_string(r, &out->description, body, "description", API_DESCRIPTION_MAX, 0) ||
      api_json_string(r, &out->ns, body, "namespace", 255, 0))
    return -1;
  json_t *k = json_object_get(body, "repo_kind");
  if (k && !json_is_null(k) && api_json_string(r, &kind, body, "repo_kind", 32, 0))
    return -1;
  if (kind && strcmp(kind, "image") != 0)
    return req_error(r, 400, "invalid_request",
                     pool_printf(r->pool, "Unsupported repository kind: %s",
                                 utf8_clean(r->pool, kind, 32)), NULL), -1;
  if (!out->ns)
    out->ns = r->principal.name;
  if (!out->description)
    out->description = "";
  return 0;
}

/* Creates the checked repository; responds. */
static int repo_create(struct req *r, const struct api_repo_new *n)
{
  struct ident_account ns;
  struct ident_repo existing;
  int64_t id;
  const char *full = pool_printf(r->pool, "%s/%s", n->ns, n->name);
  if (!full)
    return api_internal(r, ERR_NOMEM, "repository create");
  if (!api_repo_name_valid(n->name) || !reg_name_valid(full))
    return req_error(r, 400, "invalid_request", "Invalid repository name", NULL);
  int rc = ident_account_by_name(r->app->meta, r->pool, &ns, n->ns);
  if (rc == ERR_NOTFOUND || (rc == 0 && ns.kind == IDENT_ROBOT))
    return req_error(r, 404, "not_found", "Not Found",
                     pool_printf(r->pool, "Unknown namespace %s", utf8_clean(r->pool, n->ns, 300)));
  if (!rc)
    rc = ident_repo_get(r->app->meta, r->pool, &existing, full);
  if (rc == 0)
    return req_error(r, 400, "invalid_request", "Repository already exists", NULL);
  if (rc != ERR_NOTFOUND)
    return api_internal(r, rc, "repository lookup");
  int created = 0;
  rc = meta_repo_ensure(r->app->meta, &id, &created, full);
  if (!rc && !created) /* a concurrent create (or push) got there first */
    return req_error(r, 400, "invalid_request", "Repository already exists", NULL);
  if (!rc)
    rc = ident_repo_set_public(r->app->meta, id, n->is_public);
  if (!rc)
    rc = ident_repo_set_description(r->app->meta, id, n->description);
  /* The creator keeps admin even if its team role changes later (Quay);
   * a user's own namespace needs no row. */
  if (!rc && strcmp(n->ns, r->principal.name) != 0)
    rc = ident_perm_set(r->app->meta, id, r->principal.id, ROLE_ADMIN);
  /* then the org's default permissions (prototypes) */
  if (!rc && ns.kind == IDENT_ORG)
    rc = ident_proto_apply(r->app->meta, id, ns.id, r->principal.id);
  if (rc)
    return api_internal(r, rc, "repository create");
  LOG(LOG_INFO, "repository %s created by %s", full, r->principal.name);
  req_audit_repo(r, "create_repo", full, NULL);
  return req_respond_json(r, 201, json_pack("{s:s, s:s, s:s}", "namespace", n->ns, "name",
                                            n->name, "kind", "image"));
}

int api_repo_create(struct req *r)
{
  json_t *body = NULL;
  struct api_repo_new n;
  if (api_json_body(r, &body, 0))
    return 0;
  if (api_repo_new_body(r, &n, body))
    goto out;
  if (!auth_can_create(r->app, &r->principal, n.ns))
    req_error(r, 403, "insufficient_scope", "Unauthorized", NULL);
  else
    repo_create(r, &n);
out:
  json_decref(body);
  return 0;
}

/* One listing entry. */
static json_t *repo_entry(const struct ident_repo *repo)
{
  const char *slash = strchr(repo->name, '/');
  const char *name = slash ? slash + 1 : repo->name;
  int nslen = slash ? (int)(slash - repo->name) : 0;
  return json_pack("{s:s#, s:s, s:s, s:b, s:s, s:s, s:b}", "namespace", repo->name, nslen, "name",
                   name, "description", repo->description ? repo->description : "",
                   "is_public", repo->is_public, "kind", "image", "state", "NORMAL",
                   "is_starred", 0);
}

/* The next batch after `last`: of namespace ns, or of every repository. */
static int repo_batch(struct req *r, struct pool *p, struct ident_repo **out, size_t *out_n,
                      int *more, const char *ns, const char *last)
{
  if (ns)
    return ident_repo_list_ns(r->app->meta, p, out, out_n, more, ns, last, PAGE_SIZE);
  char **names = NULL;
  size_t n = 0, k = 0;
  int rc = meta_repo_list(r->app->meta, p, &names, &n, more, last, PAGE_SIZE);
  struct ident_repo *repos = rc ? NULL : pool_calloc(p, n ? n : 1, sizeof(*repos));
  if (!rc && !repos)
    rc = ERR_NOMEM;
  for (size_t i = 0; !rc && i < n; i++) {
    rc = ident_repo_get(r->app->meta, p, &repos[k], names[i]);
    if (rc == 0)
      k++;
    else if (rc == ERR_NOTFOUND) /* deleted meanwhile */
      rc = 0;
  }
  if (rc)
    return rc;
  if (k == 0 && n > 0) /* keep the cursor moving past vanished names */
    repos[k++] = (struct ident_repo){ .name = names[n - 1], .id = 0 };
  *out = repos;
  *out_n = k;
  return 0;
}

/* Appends readable repositories after `last` to list until a page is full;
 * *next is where the next page starts (NULL at the end). */
static int repo_collect(struct req *r, json_t *list, const char **next, const char *ns,
                        const char *last)
{
  size_t scanned = 0;
  *next = NULL;
  for (;;) {
    struct ident_repo *repos = NULL;
    size_t n = 0;
    int more = 0;
    int rc = repo_batch(r, r->pool, &repos, &n, &more, ns, last);
    if (rc)
      return rc;
    for (size_t i = 0; i < n; i++) {
      unsigned acts = 0;
      last = repos[i].name;
      scanned++;
      if (repos[i].id == 0 ||
          auth_repo_actions(&acts, r->app, &r->principal, repos[i].name) != 0 ||
          !(acts & ACTION_PULL))
        continue;
      if (json_array_append_new(list, repo_entry(&repos[i])))
        return ERR_NOMEM;
      if (json_array_size(list) == PAGE_SIZE && (i + 1 < n || more)) {
        *next = last;
        return 0;
      }
    }
    if (!more || n == 0)
      return 0;
    if (scanned >= SCAN_MAX) {
      *next = last;
      return 0;
    }
  }
}

int api_repo_list(struct req *r)
{
  const char *ns = req_query(r, "namespace");
  const char *last = req_query(r, "next_page");
  int starred = api_bool_param(r, "starred", 0), public = api_bool_param(r, "public", 0);
  if (ns && !*ns)
    ns = NULL;
  if (!ns && !starred && !public)
    return req_error(r, 400, "invalid_request",
                     "namespace, starred or public are required for this API call", NULL);
  json_t *list = json_array();
  const char *next = NULL;
  int rc = list ? 0 : ERR_NOMEM;
  /* wharf has no stars: starred alone lists nothing */
  if (!rc && (ns || public))
    rc = repo_collect(r, list, &next, ns, last && *last ? last : NULL);
  if (rc) {
    json_decref(list);
    return api_internal(r, rc, "repository list");
  }
  json_t *j = json_pack("{s:o}", "repositories", list);
  if (j && next)
    json_object_set_new(j, "next_page", json_string(next));
  return req_respond_json(r, 200, j);
}

/* {repository}, 404 when missing. */
static int repo_lookup(struct req *r, struct ident_repo *out)
{
  int rc = ident_repo_get(r->app->meta, r->pool, out, req_param(r, "repository"));
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL), -1;
  if (rc)
    return api_internal(r, rc, "repository lookup"), -1;
  return 0;
}

/* One tag as Quay's repository view shows it: size in bytes (null when the
 * manifest references no blob) and last_modified as an RFC 2822 date. */
static json_t *tag_entry(const struct meta_tag_info *t)
{
  return json_pack("{s:s, s:o, s:o, s:s}", "name", t->name, "size",
                   t->size >= 0 ? json_integer(t->size) : json_null(), "last_modified",
                   api_date(t->updated_at), "manifest_digest", t->digest);
}

/* {"<tag>": {name, size, last_modified, manifest_digest}} for the first
 * TAGS_MAX tags, read in one store query. */
static int repo_tags(struct req *r, json_t **out, int64_t repo_id)
{
  struct meta_tag_info *info = NULL;
  size_t n = 0;
  int more = 0;
  int rc = meta_tag_list_info(r->app->meta, r->pool, &info, &n, &more, repo_id, NULL, TAGS_MAX);
  json_t *tags = rc ? NULL : json_object();
  for (size_t i = 0; tags && i < n; i++) {
    json_t *e = tag_entry(&info[i]);
    if (!e || json_object_set_new(tags, info[i].name, e) != 0) {
      json_decref(tags);
      tags = NULL;
    }
  }
  if (!rc && !tags)
    rc = ERR_NOMEM;
  if (!rc)
    *out = tags;
  return rc;
}

int api_repo_get(struct req *r)
{
  struct ident_repo repo;
  struct ident_account ns;
  const char *ns_name, *name;
  unsigned acts = 0;
  json_t *tags = NULL;
  if (repo_lookup(r, &repo))
    return 0;
  int rc = api_split_repo(r->pool, &ns_name, &name, repo.name);
  if (!rc)
    rc = auth_repo_actions(&acts, r->app, &r->principal, repo.name);
  if (!rc)
    rc = ident_account_by_name(r->app->meta, r->pool, &ns, ns_name);
  if (rc == ERR_NOTFOUND)
    ns.kind = IDENT_USER, rc = 0;
  if (!rc && api_bool_param(r, "includeTags", 1))
    rc = repo_tags(r, &tags, repo.id);
  if (rc)
    return api_internal(r, rc, "repository view");
  json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:s}",
                        "namespace", ns_name, "name", name, "description",
                        repo.description ? repo.description : "", "is_public", repo.is_public,
                        "kind", "image", "state", "NORMAL", "is_starred", 0, "is_organization",
                        ns.kind == IDENT_ORG, "can_write", (acts & ACTION_PUSH) != 0, "can_admin",
                        (acts & ACTION_ALL) != 0, "trust_enabled", 0, "is_free_account", 1,
                        "status_token", "");
  if (j && tags)
    json_object_set_new(j, "tags", tags);
  else
    json_decref(tags);
  if (!j)
    return api_internal(r, ERR_NOMEM, "repository view");
  return req_respond_json(r, 200, j);
}

int api_repo_update(struct req *r)
{
  struct ident_repo repo;
  json_t *body = NULL;
  const char *desc;
  if (repo_lookup(r, &repo) || api_json_body(r, &body, 0))
    return 0;
  if (api_json_string(r, &desc, body, "description", API_DESCRIPTION_MAX, 1) == 0) {
    int rc = ident_repo_set_description(r->app->meta, repo.id, desc);
    if (rc == ERR_NOTFOUND)
      req_error(r, 404, "not_found", "Not Found", NULL);
    else if (rc)
      api_internal(r, rc, "repository update");
    else
      req_respond_json(r, 200, json_pack("{s:b}", "success", 1));
  }
  json_decref(body);
  return 0;
}

int api_repo_visibility(struct req *r)
{
  struct ident_repo repo;
  json_t *body = NULL;
  int is_public;
  if (repo_lookup(r, &repo) || api_json_body(r, &body, 0))
    return 0;
  if (parse_visibility(r, &is_public, body) == 0) {
    int rc = ident_repo_set_public(r->app->meta, repo.id, is_public);
    if (rc == ERR_NOTFOUND)
      req_error(r, 404, "not_found", "Not Found", NULL);
    else if (rc)
      api_internal(r, rc, "repository visibility");
    else {
      req_audit_repo(r, "change_repo_visibility", repo.name,
                     json_pack("{s:s}", "visibility", is_public ? "public" : "private"));
      req_respond_json(r, 200, json_pack("{s:b}", "success", 1));
    }
  }
  json_decref(body);
  return 0;
}

int api_repo_delete(struct req *r)
{
  struct ident_repo repo;
  if (repo_lookup(r, &repo))
    return 0;
  int rc = ident_repo_delete(r->app->meta, repo.id);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL);
  if (rc)
    return api_internal(r, rc, "repository delete");
  LOG(LOG_INFO, "repository %s deleted by %s", repo.name, r->principal.name);
  req_audit_repo(r, "delete_repo", repo.name, NULL);
  return req_respond(r, 204, NULL, NULL, 0);
}
