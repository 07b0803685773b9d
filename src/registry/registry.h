#ifndef WHARF_REGISTRY_REGISTRY_H
#define WHARF_REGISTRY_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "server/req.h"

/* OCI Distribution (/v2) handlers, one per row of the route table in
 * server/routes.c. Each responds exactly once (req_respond_* / req_error). */

/* OCI error codes of the spec's table, used with req_error(). */
#define OCI_BLOB_UNKNOWN "BLOB_UNKNOWN"
#define OCI_BLOB_UPLOAD_INVALID "BLOB_UPLOAD_INVALID"
#define OCI_BLOB_UPLOAD_UNKNOWN "BLOB_UPLOAD_UNKNOWN"
#define OCI_DIGEST_INVALID "DIGEST_INVALID"
#define OCI_MANIFEST_BLOB_UNKNOWN "MANIFEST_BLOB_UNKNOWN"
#define OCI_MANIFEST_INVALID "MANIFEST_INVALID"
#define OCI_MANIFEST_UNKNOWN "MANIFEST_UNKNOWN"
#define OCI_NAME_INVALID "NAME_INVALID"
#define OCI_NAME_UNKNOWN "NAME_UNKNOWN"
#define OCI_SIZE_INVALID "SIZE_INVALID"
#define OCI_UNAUTHORIZED "UNAUTHORIZED"
#define OCI_DENIED "DENIED"
#define OCI_UNSUPPORTED "UNSUPPORTED"
#define OCI_TOOMANYREQUESTS "TOOMANYREQUESTS"

/* base.c */
int reg_base(struct req *r);                 /* GET /v2/ (end-1): 401 + challenge when anonymous */
/* token.c */
int reg_token(struct req *r);                /* GET /v2/auth: registry JWTs */
/* One scope of GET /v2/auth: "repository:<name>:<actions>", actions being
 * pull, push and * joined by ','. */
struct reg_scope {
  const char *name;      /* valid repository name, in the pool */
  unsigned actions;      /* ACTION_* bits asked for */
};
enum { REG_SCOPE_OK = 0, REG_SCOPE_OTHER = 1, REG_SCOPE_BAD = 2, REG_SCOPE_BAD_NAME = 3 };
/* Parses s[0..len) (any bytes): REG_SCOPE_OK with *out filled (strings in p),
 * REG_SCOPE_OTHER for another resource type (ignored, as registry:catalog:*),
 * REG_SCOPE_BAD for a malformed repository scope or an unknown action,
 * REG_SCOPE_BAD_NAME for an invalid repository name, or ERR_NOMEM. */
int reg_scope_parse(struct reg_scope *out, struct pool *p, const char *s, size_t len);
/* blob.c */
int reg_blob_get(struct req *r);             /* GET /v2/<name>/blobs/<digest> (end-2) */
int reg_blob_head(struct req *r);            /* HEAD (end-2) */
int reg_blob_delete(struct req *r);          /* DELETE (end-10) */
/* upload.c */
int reg_upload_start_begin(struct req *r);   /* POST /v2/<name>/blobs/uploads/ (end-4a/4b/11) */
int reg_upload_start(struct req *r);
int reg_upload_patch_begin(struct req *r);   /* PATCH .../uploads/<uuid> (end-5) */
int reg_upload_patch(struct req *r);
int reg_upload_put_begin(struct req *r);     /* PUT .../uploads/<uuid>?digest= (end-6) */
int reg_upload_put(struct req *r);
int reg_upload_status(struct req *r);        /* GET .../uploads/<uuid> (end-13) */
int reg_upload_cancel(struct req *r);        /* DELETE .../uploads/<uuid> */
/* manifest.c */
int reg_manifest_get(struct req *r);         /* GET /v2/<name>/manifests/<ref> (end-3) */
int reg_manifest_head(struct req *r);        /* HEAD (end-3) */
int reg_manifest_put(struct req *r);         /* PUT (end-7) */
int reg_manifest_delete(struct req *r);      /* DELETE (end-9) */
/* tags.c */
int reg_tags_list(struct req *r);            /* GET /v2/<name>/tags/list (end-8a/8b) */
/* catalog.c */
int reg_catalog(struct req *r);              /* GET /v2/_catalog */
/* referrers.c */
int reg_referrers(struct req *r);            /* GET /v2/<name>/referrers/<digest> (end-12a/12b) */

/* --- shared helpers (common.c) ------------------------------------------ */
/* Repository name per the spec's regex, at most 255 characters. */
int reg_name_valid(const char *name);
/* Tag per [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}. */
int reg_tag_valid(const char *tag);
/* Looks up {name}; on failure responds (NAME_INVALID 400 / NAME_UNKNOWN 404
 * / 500) and returns non-zero. */
int reg_repo_lookup(struct req *r, int64_t *out_id);
/* Like reg_repo_lookup but creates the repository (for pushes). */
int reg_repo_ensure(struct req *r, int64_t *out_id);
/* Parses ?n= and ?last= for paginated lists; on a bad n responds 400 and
 * returns non-zero. *out_n is app->page_max when n is absent. */
int reg_page_params(struct req *r, size_t *out_n, const char **out_last);
/* Parses a single "bytes=" Range header against size: 1 with the range set,
 * 0 to ignore it (absent, multi-range, other unit), -1 when unsatisfiable. */
int reg_parse_range(const char *h, int64_t size, int64_t *out_start, int64_t *out_len);
/* Parses a chunk's Content-Range "start-end" (also "bytes start-end/total"
 * and "bytes=start-end"): 0 with the inclusive bounds (end - start + 1 is
 * representable), ERR_INVALID if malformed. */
int reg_parse_content_range(const char *h, int64_t *out_start, int64_t *out_end);
/* Responds 500 (or 503 for ERR_IO) for an unexpected store error; returns rc. */
int reg_internal(struct req *r, int rc, const char *what);

#endif
