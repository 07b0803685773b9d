#include "registry/registry.h"

#include <stdlib.h>
#include <string.h>

#include "registry/manifest_parse.h"
#include "store/meta.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/pool.h"

/* GET /v2/<name>/referrers/<digest>[?artifactType=] (end-12a/12b): an image
 * index of the manifests whose subject is <digest>. Never 404 for a known
 * repository: no referrers is an empty index. */

/* Descriptor of one referrer: artifactType and annotations as stored. */
static json_t *referrer_descriptor(const struct meta_manifest *m)
{
  json_t *d = json_pack("{s:s, s:s, s:I}", "mediaType", m->media_type, "digest", m->digest,
                        "size", (json_int_t)m->body_len);
  if (!d)
    return NULL;
  if (m->artifact_type && json_object_set_new(d, "artifactType", json_string(m->artifact_type)))
    goto fail;
  if (m->annotations_json) {
    json_t *a = json_loads(m->annotations_json, 0, NULL);
    if (json_is_object(a) && json_object_size(a) > 0) {
      if (json_object_set_new(d, "annotations", a) != 0)
        goto fail;
    } else {
      json_decref(a);
    }
  }
  return d;
fail:
  json_decref(d);
  return NULL;
}

int reg_referrers(struct req *r)
{
  const char *subject = req_param(r, "digest");
  if (!subject || digest_parse(NULL, subject, strlen(subject)) != 0)
    return req_error(r, 400, OCI_DIGEST_INVALID, "invalid digest", subject);
  int64_t repo_id;
  if (reg_repo_lookup(r, &repo_id) != 0)
    return 0;
  const char *filter = req_query(r, "artifactType");
  if (filter && !*filter)
    filter = NULL;
  struct meta_manifest *list = NULL;
  size_t n = 0;
  int rc = meta_referrers(r->app->meta, r->pool, &list, &n, repo_id, subject, filter);
  if (rc != 0 && rc != ERR_NOTFOUND)
    return reg_internal(r, rc, "referrers");
  if (rc == ERR_NOTFOUND)
    n = 0;
  json_t *arr = json_array();
  json_t *root = json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType", MT_OCI_INDEX,
                           "manifests", arr);
  if (!root)
    return reg_internal(r, ERR_NOMEM, "referrers");
  for (size_t i = 0; i < n; i++) {
    if (json_array_append_new(arr, referrer_descriptor(&list[i])) != 0) {
      json_decref(root);
      return reg_internal(r, ERR_NOMEM, "referrers");
    }
  }
  char *text = json_dumps(root, JSON_COMPACT);
  json_decref(root);
  if (!text)
    return reg_internal(r, ERR_NOMEM, "referrers");
  if (filter)
    req_set_header(r, "OCI-Filters-Applied", "artifactType");
  rc = req_respond(r, 200, MT_OCI_INDEX, text, strlen(text));
  free(text);
  return rc;
}
