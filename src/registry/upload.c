/* Blob uploads (end-4a/4b/5/6/11/13 and cancel): bytes stream into the
 * blob store's upload object while hashing; metadata holds the session and
 * its acknowledged offset so another instance can continue it. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "blob/blob.h"
#include "registry/registry.h"
#include "store/meta.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/rand.h"

struct upload_ctx {
  char uuid[37];
  int64_t repo;
  int64_t offset;          /* acknowledged offset when the request began */
  int64_t range_start;     /* Content-Range, -1 if absent */
  int64_t range_end;
  struct blob_writer *w;
  int oneshot;             /* POST ?digest=: the upload object is private to this request */
  int done;                /* committed: nothing to clean up */
  struct blob_store *bs;
};

static void upload_ctx_cleanup(void *arg)
{
  struct upload_ctx *u = arg;
  blob_writer_close(u->w, 0);
  u->w = NULL;
  if (u->oneshot && !u->done)
    blob_upload_abort(u->bs, u->uuid);
}

static int sink_write(struct req *r, const char *data, size_t len)
{
  struct upload_ctx *u = r->sink_ctx;
  return blob_writer_write(u->w, data, len);
}

static const char *upload_location(struct req *r, const char *uuid)
{
  /* absolute when public_host is set: a proxy may rewrite Host */
  return pool_printf(r->pool, "%s/v2/%s/blobs/uploads/%s", req_public_base(r),
                     req_param(r, "name"), uuid);
}

static void set_upload_headers(struct req *r, const char *uuid, int64_t offset)
{
  req_set_header(r, "Location", upload_location(r, uuid));
  req_set_header(r, "Docker-Upload-UUID", uuid);
  req_set_headerf(r, "Range", "0-%" PRId64, offset > 0 ? offset - 1 : 0);
}

static int storage_error(struct req *r, int rc, const char *what)
{
  if (rc == ERR_IO)
    return req_error(r, 503, "UNAVAILABLE", "storage failed while writing; retry the upload",
                     what);
  return reg_internal(r, rc, what);
}

static struct upload_ctx *ctx_new(struct req *r)
{
  struct upload_ctx *u = pool_calloc(r->pool, 1, sizeof(*u));
  if (!u)
    return NULL;
  u->bs = r->app->blobs;
  u->range_start = u->range_end = -1;
  pool_cleanup_add(r->pool, upload_ctx_cleanup, u);
  r->sink_ctx = u;
  return u;
}

static int check_digest_param(struct req *r, const char **out)
{
  const char *d = req_query(r, "digest");
  if (!d || !*d) {
    req_error(r, 400, OCI_DIGEST_INVALID, "digest query parameter required", NULL);
    return -1;
  }
  int rc = digest_parse(NULL, d, strlen(d));
  if (rc) {
    req_error(r, 400, OCI_DIGEST_INVALID,
              rc == ERR_UNSUPPORTED ? "unsupported digest algorithm; use sha256 or sha512"
                                    : "invalid digest",
              d);
    return -1;
  }
  *out = d;
  return 0;
}

/* Commits the upload object of u under digest and links it to the repo;
 * ends the upload session (a PUT) in the same database transaction. */
static int commit_and_link(struct req *r, struct upload_ctx *u, const char *digest)
{
  int64_t size = blob_writer_size(u->w);
  int rc = blob_writer_close(u->w, 1);
  u->w = NULL;
  if (rc)
    return storage_error(r, rc, "upload flush");
  rc = blob_upload_commit(u->bs, u->uuid, size, digest);
  if (rc == ERR_DIGEST)
    return req_error(r, 400, OCI_DIGEST_INVALID, "uploaded content does not match digest",
                     digest);
  if (rc == ERR_CONFLICT)
    return req_error(r, 409, OCI_BLOB_UPLOAD_INVALID,
                     "another request is writing to this upload; retry when it has finished", NULL);
  if (rc)
    return storage_error(r, rc, "upload commit");
  rc = u->oneshot ? meta_blob_add(r->app->meta, u->repo, digest, size)
                  : meta_blob_add_upload(r->app->meta, u->repo, digest, size, u->uuid);
  if (rc == ERR_CONFLICT) { /* a GC tombstone (docs/design.md "GC and fsck"): retryable */
    req_set_header(r, "Retry-After", "1");
    return req_error(r, 503, OCI_BLOB_UPLOAD_INVALID,
                     "blob is being garbage-collected; retry", digest);
  }
  if (rc)
    return reg_internal(r, rc, "blob record");
  u->done = 1;
  req_set_header(r, "Location",
                 pool_printf(r->pool, "/v2/%s/blobs/%s", req_param(r, "name"), digest));
  req_set_header(r, "Docker-Content-Digest", digest);
  return req_respond(r, 201, NULL, NULL, 0);
}

/* Cross-repository mount: needs read on `from`, and the blob linked there. */
static int try_mount(struct req *r, int64_t repo, const char *digest, const char *from)
{
  int64_t from_id, size;
  if (!from || !reg_name_valid(from) || digest_parse(NULL, digest, strlen(digest)) != 0)
    return 0;
  if (auth_authorize(r->app, &r->principal, PERM_PULL, from, 0) != 0)
    return 0;
  if (meta_repo_lookup(r->app->meta, &from_id, from) != 0)
    return 0;
  if (meta_blob_linked(r->app->meta, &size, from_id, digest) != 0)
    return 0;
  if (meta_blob_link(r->app->meta, repo, digest) != 0)
    return 0;
  req_set_header(r, "Location",
                 pool_printf(r->pool, "/v2/%s/blobs/%s", req_param(r, "name"), digest));
  req_set_header(r, "Docker-Content-Digest", digest);
  req_respond(r, 201, NULL, NULL, 0);
  return 1;
}

int reg_upload_start_begin(struct req *r)
{
  const char *digest;
  if (!req_query(r, "digest"))
    return 0; /* session start or mount: decided in reg_upload_start */
  if (check_digest_param(r, &digest))
    return 0;
  struct upload_ctx *u = ctx_new(r);
  if (!u)
    return reg_internal(r, ERR_NOMEM, "upload");
  if (reg_repo_ensure(r, &u->repo))
    return 0;
  int rc = rand_uuid(u->uuid);
  if (!rc)
    rc = blob_upload_create(u->bs, u->uuid);
  if (rc)
    return storage_error(r, rc, "upload create");
  u->oneshot = 1;
  rc = blob_writer_open(&u->w, u->bs, u->uuid, 0);
  if (rc)
    return storage_error(r, rc, "upload open");
  r->sink = sink_write;
  return 0;
}

int reg_upload_start(struct req *r)
{
  struct upload_ctx *u = r->sink_ctx;
  if (u && u->oneshot) {
    /* single POST with ?digest= (end-4b) */
    if (r->sink_err)
      return storage_error(r, r->sink_err, "upload write");
    return commit_and_link(r, u, req_query(r, "digest"));
  }
  int64_t repo;
  if (reg_repo_ensure(r, &repo))
    return 0;
  const char *mount = req_query(r, "mount");
  if (mount && try_mount(r, repo, mount, req_query(r, "from")))
    return 0;
  char uuid[37];
  int rc = rand_uuid(uuid);
  if (!rc)
    rc = blob_upload_create(r->app->blobs, uuid);
  if (rc)
    return storage_error(r, rc, "upload create");
  rc = meta_upload_create(r->app->meta, repo, uuid);
  if (rc) {
    blob_upload_abort(r->app->blobs, uuid);
    return reg_internal(r, rc, "upload session");
  }
  set_upload_headers(r, uuid, 0);
  return req_respond(r, 202, NULL, NULL, 0);
}

/* Finds the session named in the path; responds and returns non-zero if it
 * is unknown or belongs to another repository. */
static int session_lookup(struct req *r, struct meta_upload *out, int64_t *out_repo)
{
  const char *uuid = req_param(r, "uuid");
  if (reg_repo_lookup(r, out_repo))
    return -1;
  int rc = strlen(uuid) == 36 ? meta_upload_get(r->app->meta, out, uuid) : ERR_NOTFOUND;
  if (rc == ERR_NOTFOUND || (rc == 0 && out->repo_id != *out_repo)) {
    req_error(r, 404, OCI_BLOB_UPLOAD_UNKNOWN, "blob upload unknown to registry", uuid);
    return -1;
  }
  if (rc) {
    reg_internal(r, rc, "upload lookup");
    return -1;
  }
  return 0;
}

/* PATCH and PUT share the start: session, Content-Range, writer. */
static int append_begin(struct req *r)
{
  struct meta_upload up;
  struct upload_ctx *u = ctx_new(r);
  if (!u)
    return reg_internal(r, ERR_NOMEM, "upload");
  if (session_lookup(r, &up, &u->repo))
    return 0;
  memcpy(u->uuid, up.uuid, sizeof(u->uuid));
  u->offset = up.offset;
  const char *cr = req_header(r, "Content-Range");
  if (cr) {
    if (reg_parse_content_range(cr, &u->range_start, &u->range_end))
      return req_error(r, 400, OCI_BLOB_UPLOAD_INVALID, "malformed Content-Range; use start-end",
                       cr);
    if (u->range_start != up.offset) {
      set_upload_headers(r, u->uuid, up.offset);
      return req_error(r, 416, OCI_BLOB_UPLOAD_INVALID,
                       "chunk out of order: Content-Range must start at the current upload offset",
                       cr);
    }
    if (r->content_length >= 0 && r->content_length != u->range_end - u->range_start + 1)
      return req_error(r, 400, OCI_BLOB_UPLOAD_INVALID,
                       "Content-Range length does not match Content-Length", cr);
  }
  int rc = blob_writer_open(&u->w, u->bs, u->uuid, up.offset);
  if (rc == ERR_CONFLICT)
    return req_error(r, 409, OCI_BLOB_UPLOAD_INVALID,
                     "another request is writing to this upload; retry when it has finished", NULL);
  if (rc == ERR_NOTFOUND || rc == ERR_RANGE) {
    /* the bytes went (a crash between publish and the row's removal): drop the
     * row too, so GET on the upload says gone as PATCH and PUT do */
    meta_upload_delete(r->app->meta, u->uuid);
    return req_error(r, 404, OCI_BLOB_UPLOAD_UNKNOWN, "blob upload data is gone; start again",
                     u->uuid);
  }
  if (rc)
    return storage_error(r, rc, "upload open");
  r->sink = sink_write;
  return 0;
}

int reg_upload_patch_begin(struct req *r)
{
  return append_begin(r);
}

/* Checks the body against Content-Range after it has arrived. */
static int body_complete(struct req *r, struct upload_ctx *u)
{
  if (r->sink_err) {
    storage_error(r, r->sink_err, "upload write");
    return -1;
  }
  int64_t got = blob_writer_size(u->w) - u->offset;
  if (u->range_start >= 0 && got != u->range_end - u->range_start + 1) {
    req_error(r, 400, OCI_BLOB_UPLOAD_INVALID, "body length does not match Content-Range", NULL);
    return -1;
  }
  return 0;
}

int reg_upload_patch(struct req *r)
{
  struct upload_ctx *u = r->sink_ctx;
  if (body_complete(r, u))
    return 0;
  int64_t size = blob_writer_size(u->w);
  int rc = blob_writer_close(u->w, 1);
  u->w = NULL;
  if (rc)
    return storage_error(r, rc, "upload flush");
  rc = meta_upload_set_offset(r->app->meta, u->uuid, u->offset, size);
  if (rc == ERR_CONFLICT)
    return req_error(r, 416, OCI_BLOB_UPLOAD_INVALID, "upload moved on concurrently", u->uuid);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, OCI_BLOB_UPLOAD_UNKNOWN, "blob upload unknown to registry", u->uuid);
  if (rc)
    return reg_internal(r, rc, "upload offset");
  set_upload_headers(r, u->uuid, size);
  return req_respond(r, 202, NULL, NULL, 0);
}

int reg_upload_put_begin(struct req *r)
{
  const char *digest;
  if (check_digest_param(r, &digest))
    return 0;
  return append_begin(r);
}

int reg_upload_put(struct req *r)
{
  struct upload_ctx *u = r->sink_ctx;
  if (body_complete(r, u))
    return 0;
  const char *digest = req_query(r, "digest");
  commit_and_link(r, u, digest); /* ends the session too */
  return 0;
}

int reg_upload_status(struct req *r)
{
  struct meta_upload up;
  int64_t repo;
  if (session_lookup(r, &up, &repo))
    return 0;
  set_upload_headers(r, up.uuid, up.offset);
  return req_respond(r, 204, NULL, NULL, 0);
}

int reg_upload_cancel(struct req *r)
{
  struct meta_upload up;
  int64_t repo;
  if (session_lookup(r, &up, &repo))
    return 0;
  int rc = meta_upload_delete(r->app->meta, up.uuid);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, OCI_BLOB_UPLOAD_UNKNOWN, "blob upload unknown to registry", up.uuid);
  if (rc)
    return reg_internal(r, rc, "upload cancel");
  rc = blob_upload_abort(r->app->blobs, up.uuid);
  if (rc && rc != ERR_NOTFOUND)
    LOG(LOG_WARN, "upload object %s not removed: %s", up.uuid, err_str(rc));
  return req_respond(r, 204, NULL, NULL, 0);
}
