#include "registry/registry.h"

#include "store/meta.h"
#include "util/err.h"
#include "util/pool.h"

/* GET /v2/_catalog[?n=&last=]: the repositories the caller may pull, sorted,
 * paginated like the tags list (a page may hold fewer than n names when some
 * are hidden; the Link header still leads on). The route requires
 * PERM_CATALOG (any authenticated principal). */

int reg_catalog(struct req *r)
{
  size_t n;
  const char *last;
  if (reg_page_params(r, &n, &last) != 0)
    return 0;
  char **names = NULL;
  size_t count = 0;
  int more = 0;
  if (n > 0) {
    int rc = meta_repo_list(r->app->meta, r->pool, &names, &count, &more, last, n);
    if (rc != 0)
      return reg_internal(r, rc, "repository list");
  }
  json_t *arr = json_array();
  json_t *root = json_pack("{s:o}", "repositories", arr);
  if (!root)
    return reg_internal(r, ERR_NOMEM, "repository list");
  for (size_t i = 0; i < count; i++) {
    unsigned acts = 0;
    if (!r->principal.is_superuser &&
        (auth_repo_actions(&acts, r->app, &r->principal, names[i]) != 0 || !(acts & ACTION_PULL)))
      continue;
    if (json_array_append_new(arr, json_string(names[i])) != 0) {
      json_decref(root);
      return reg_internal(r, ERR_NOMEM, "repository list");
    }
  }
  /* Names are [a-z0-9._/-]: all allowed unescaped in a query. */
  if (more && count > 0)
    req_set_headerf(r, "Link", "</v2/_catalog?n=%zu&last=%s>; rel=\"next\"", n,
                    names[count - 1]);
  return req_respond_json(r, 200, root);
}
