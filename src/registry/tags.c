#include "registry/registry.h"

#include "store/meta.h"
#include "util/err.h"
#include "util/pool.h"

/* GET /v2/<name>/tags/list[?n=&last=] (end-8a/8b). */

int reg_tags_list(struct req *r)
{
  int64_t repo_id;
  size_t n;
  const char *last;
  if (reg_repo_lookup(r, &repo_id) != 0 || reg_page_params(r, &n, &last) != 0)
    return 0;
  const char *name = req_param(r, "name");
  char **tags = NULL;
  size_t count = 0;
  int more = 0;
  /* n=0 must give an empty list and no Link header. */
  if (n > 0) {
    int rc = meta_tag_list(r->app->meta, r->pool, &tags, &count, &more, repo_id, last, n);
    if (rc != 0)
      return reg_internal(r, rc, "tag list");
  }
  json_t *arr = json_array();
  json_t *root = json_pack("{s:s, s:o}", "name", name, "tags", arr);
  if (!root)
    return reg_internal(r, ERR_NOMEM, "tag list");
  for (size_t i = 0; i < count; i++) {
    if (json_array_append_new(arr, json_string(tags[i])) != 0) {
      json_decref(root);
      return reg_internal(r, ERR_NOMEM, "tag list");
    }
  }
  /* Tags are [A-Za-z0-9_.-]: nothing to escape in the query. */
  if (more && count > 0)
    req_set_headerf(r, "Link", "</v2/%s/tags/list?n=%zu&last=%s>; rel=\"next\"", name, n,
                    tags[count - 1]);
  return req_respond_json(r, 200, root);
}
