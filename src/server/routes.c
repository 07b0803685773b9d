/* Every route wharf serves. The dispatcher authorizes each request against
 * the row's permission before the handler runs, so a route cannot exist
 * unchecked. Order matters only where patterns overlap: first match wins. */
#include "registry/registry.h"
#include "server/router.h"

#define MANIFEST_CAP ((size_t)4 << 20)

const struct route router_table[] = {
  /* OCI Distribution 1.1; op ids are the spec's endpoint ids */
  { "GET", "/v2/", PERM_NONE, BODY_NONE, 0, NULL, reg_base, "end-1", API_OCI, 0 },
  { "GET", "/v2/auth", PERM_NONE, BODY_NONE, 0, NULL, reg_token, "registry-token", API_OCI, 0 },
  { "GET", "/v2/_catalog", PERM_CATALOG, BODY_NONE, 0, NULL, reg_catalog, "catalog", API_OCI, 0 },
  { "GET", "/v2/{name}/tags/list", PERM_PULL, BODY_NONE, 0, NULL, reg_tags_list, "end-8", API_OCI, 0 },
  { "GET", "/v2/{name}/manifests/{reference}", PERM_PULL, BODY_NONE, 0, NULL, reg_manifest_get, "end-3", API_OCI, 0 },
  { "HEAD", "/v2/{name}/manifests/{reference}", PERM_PULL, BODY_NONE, 0, NULL, reg_manifest_head, "end-3", API_OCI, 0 },
  { "PUT", "/v2/{name}/manifests/{reference}", PERM_PUSH, BODY_BUFFER, MANIFEST_CAP, NULL, reg_manifest_put, "end-7", API_OCI, 0 },
  { "DELETE", "/v2/{name}/manifests/{reference}", PERM_DELETE, BODY_NONE, 0, NULL, reg_manifest_delete, "end-9", API_OCI, 0 },
  { "POST", "/v2/{name}/blobs/uploads/", PERM_PUSH, BODY_STREAM, 0, reg_upload_start_begin, reg_upload_start, "end-4", API_OCI, 0 },
  { "GET", "/v2/{name}/blobs/uploads/{uuid}", PERM_PUSH, BODY_NONE, 0, NULL, reg_upload_status, "end-13", API_OCI, 0 },
  { "PATCH", "/v2/{name}/blobs/uploads/{uuid}", PERM_PUSH, BODY_STREAM, 0, reg_upload_patch_begin, reg_upload_patch, "end-5", API_OCI, 0 },
  { "PUT", "/v2/{name}/blobs/uploads/{uuid}", PERM_PUSH, BODY_STREAM, 0, reg_upload_put_begin, reg_upload_put, "end-6", API_OCI, 0 },
  { "DELETE", "/v2/{name}/blobs/uploads/{uuid}", PERM_PUSH, BODY_NONE, 0, NULL, reg_upload_cancel, "cancel-upload", API_OCI, 0 },
  { "GET", "/v2/{name}/blobs/{digest}", PERM_PULL, BODY_NONE, 0, NULL, reg_blob_get, "end-2", API_OCI, 0 },
  { "HEAD", "/v2/{name}/blobs/{digest}", PERM_PULL, BODY_NONE, 0, NULL, reg_blob_head, "end-2", API_OCI, 0 },
  { "DELETE", "/v2/{name}/blobs/{digest}", PERM_DELETE, BODY_NONE, 0, NULL, reg_blob_delete, "end-10", API_OCI, 0 },
  { "GET", "/v2/{name}/referrers/{digest}", PERM_PULL, BODY_NONE, 0, NULL, reg_referrers, "end-12", API_OCI, 0 },
};

const size_t router_table_len = sizeof(router_table) / sizeof(router_table[0]);
