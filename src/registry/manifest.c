#include "registry/registry.h"

#include <string.h>
#include <strings.h>

#include "audit/pulltag.h"
#include "registry/manifest_parse.h"
#include "server/req_audit.h"
#include "store/meta.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/pool.h"
#include "util/timeutil.h"

/* /v2/<name>/manifests/<reference> (end-3, end-7, end-9). */

struct manifest_ref {
  const char *ref;        /* the {reference} as given */
  int is_digest;          /* 1: a digest of algorithm `algo`; 0: a tag */
  enum digest_algo algo;
};

/* Classifies {reference} as a tag or a digest. On failure responds (400 for
 * an unsupported digest algorithm; for anything else 400 MANIFEST_INVALID on
 * a push, 404 MANIFEST_UNKNOWN otherwise since such a manifest cannot exist)
 * and returns -1. */
static int ref_classify(struct req *r, struct manifest_ref *out, int is_put)
{
  const char *ref = req_param(r, "reference");
  if (ref && strchr(ref, ':')) {
    enum digest_algo algo;
    int rc = digest_parse(&algo, ref, strlen(ref));
    if (rc == 0) {
      out->ref = ref;
      out->is_digest = 1;
      out->algo = algo;
      return 0;
    }
    if (rc == ERR_UNSUPPORTED) {
      req_error(r, 400, OCI_DIGEST_INVALID, "unsupported digest algorithm: use sha256 or sha512",
                ref);
      return -1;
    }
  } else if (ref && reg_tag_valid(ref)) {
    out->ref = ref;
    out->is_digest = 0;
    return 0;
  }
  if (is_put)
    req_error(r, 400, OCI_MANIFEST_INVALID,
              "reference must be a tag ([a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}) or a digest", ref);
  else
    req_error(r, 404, OCI_MANIFEST_UNKNOWN, "manifest unknown", ref);
  return -1;
}

struct accept_ctx {
  const char *media_type;
  int seen;       /* at least one non-empty Accept value */
  int ok;         /* one of them accepts media_type */
};

static int accept_match(const char *tok, size_t n, const char *media_type)
{
  return (n == strlen(media_type) && strncasecmp(tok, media_type, n) == 0) ||
         (n == 3 && memcmp(tok, "*/*", 3) == 0) ||
         (n == 13 && strncasecmp(tok, "application/*", 13) == 0);
}

/* One Accept header value: a comma-separated list of media ranges, each
 * possibly with ;parameters (q= included), which are ignored. */
static int accept_each(void *ctx, const char *value)
{
  struct accept_ctx *a = ctx;
  const char *s = value;
  while (*s) {
    while (*s == ' ' || *s == '\t' || *s == ',')
      s++;
    size_t n = strcspn(s, ",;");
    size_t end = n;
    while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
      end--;
    if (end > 0) {
      a->seen = 1;
      if (accept_match(s, end, a->media_type)) {
        a->ok = 1;
        return 1;
      }
    }
    s += n;
    if (*s == ';')
      s += strcspn(s, ",");
  }
  return 0;
}

/* Resolves the reference to a stored manifest; responds 404 and returns -1
 * when there is none. */
static int manifest_load(struct req *r, struct meta_manifest *out, int64_t repo_id,
                         const struct manifest_ref *mr)
{
  const char *digest = mr->ref;
  int rc = 0;
  if (!mr->is_digest) {
    char *d = NULL;
    rc = meta_tag_resolve(r->app->meta, r->pool, &d, repo_id, mr->ref);
    digest = d;
  }
  if (rc == 0)
    rc = meta_manifest_get(r->app->meta, r->pool, out, repo_id, digest);
  if (rc == ERR_NOTFOUND) {
    req_error(r, 404, OCI_MANIFEST_UNKNOWN, "manifest unknown", mr->ref);
    return -1;
  }
  if (rc != 0) {
    reg_internal(r, rc, "manifest lookup");
    return -1;
  }
  return 0;
}

/* The performer key of audit/pulltag.h: NULL for anonymous callers. */
static const char *pull_performer(const struct req *r)
{
  return r->principal.kind == PRINCIPAL_ANONYMOUS ? NULL : r->principal.name;
}

/* The tag for pull_repo: the reference, or for a GET by digest the tag the
 * same caller resolved to that digest with a HEAD just before (NULL: none). */
static const char *pulled_tag(struct req *r, const struct manifest_ref *mr, const char *digest)
{
  char tag[AUDIT_PULLTAG_TAG_MAX];
  if (!mr->is_digest)
    return mr->ref;
  if (audit_pulltag_recall(tag, sizeof(tag), req_param(r, "name"), digest, pull_performer(r),
                           r->client_ip, time_now()) != 0)
    return NULL;
  return pool_strdup(r->pool, tag);
}

/* GET and HEAD: the stored bytes with their media type, if acceptable. */
static int manifest_fetch(struct req *r)
{
  struct manifest_ref mr;
  struct meta_manifest m;
  int64_t repo_id;
  if (ref_classify(r, &mr, 0) != 0 || reg_repo_lookup(r, &repo_id) != 0 ||
      manifest_load(r, &m, repo_id, &mr) != 0)
    return 0;
  struct accept_ctx a = { .media_type = m.media_type };
  req_header_each(r, "Accept", accept_each, &a);
  if (a.seen && !a.ok) {
    const char *detail = pool_printf(r->pool, "manifest media type %s is not in Accept",
                                     m.media_type);
    return req_error(r, 404, OCI_MANIFEST_UNKNOWN,
                     "manifest unknown: its media type is not acceptable to the client", detail);
  }
  if (!r->is_head) /* one pull_repo per manifest pulled; HEAD only resolves */
    req_audit_registry(r, "pull_repo", pulled_tag(r, &mr, m.digest), m.digest, m.media_type);
  else if (!mr.is_digest) /* containerd: HEAD by tag, then GET by digest */
    audit_pulltag_remember(req_param(r, "name"), m.digest, pull_performer(r), r->client_ip,
                           mr.ref, time_now());
  req_set_header(r, "Docker-Content-Digest", m.digest);
  return req_respond(r, 200, m.media_type, m.body, m.body_len);
}

int reg_manifest_get(struct req *r)
{
  return manifest_fetch(r);
}

int reg_manifest_head(struct req *r)
{
  return manifest_fetch(r);
}

/* Responds to a failed meta_manifest_put. */
static int put_failed(struct req *r, int rc, const struct manifest_info *info,
                      const char *missing)
{
  if (rc != ERR_NOTFOUND)
    return reg_internal(r, rc, "manifest store");
  if (!*missing) /* the repository itself vanished underneath */
    return req_error(r, 404, OCI_NAME_UNKNOWN, "repository name not known to registry",
                     req_param(r, "name"));
  int child = 0;
  for (size_t i = 0; i < info->nrefs; i++)
    if (info->refs[i].is_manifest && strcmp(info->refs[i].digest, missing) == 0)
      child = 1;
  return req_error(r, 400, OCI_MANIFEST_BLOB_UNKNOWN,
                   child ? "manifest references a child manifest unknown to this repository"
                         : "manifest references a blob unknown to this repository",
                   missing);
}

int reg_manifest_put(struct req *r)
{
  struct manifest_ref mr;
  struct manifest_info info;
  char err[256], digest[DIGEST_MAX], missing[DIGEST_MAX] = "";
  int64_t repo_id;
  if (ref_classify(r, &mr, 1) != 0)
    return 0;
  const char *body = r->body.data ? r->body.data : "";
  int rc = manifest_parse(&info, r->pool, req_header(r, "Content-Type"), body, r->body.len, err,
                          sizeof(err));
  if (rc == ERR_NOMEM)
    return reg_internal(r, rc, "manifest parse");
  if (rc != 0)
    return req_error(r, 400, OCI_MANIFEST_INVALID, "manifest invalid", err);
  rc = digest_buffer(digest, mr.is_digest ? mr.algo : DIGEST_SHA256, body, r->body.len);
  if (rc != 0)
    return reg_internal(r, rc, "manifest digest");
  if (mr.is_digest && strcmp(digest, mr.ref) != 0)
    return req_error(r, 400, OCI_DIGEST_INVALID,
                     "manifest content does not match the digest in the URL", digest);
  if (reg_repo_ensure(r, &repo_id) != 0)
    return 0;
  struct meta_manifest_put mp = {
    .repo_id = repo_id,
    .digest = digest,
    .media_type = info.media_type,
    .artifact_type = info.artifact_type,
    .subject = info.subject,
    .annotations_json = info.annotations_json,
    .body = body,
    .body_len = r->body.len,
    .refs = info.refs,
    .nrefs = info.nrefs,
    .tag = mr.is_digest ? NULL : mr.ref,
  };
  rc = meta_manifest_put(r->app->meta, &mp, missing);
  if (rc != 0)
    return put_failed(r, rc, &info, missing);
  req_audit_registry(r, "push_repo", mr.is_digest ? NULL : mr.ref, digest, info.media_type);
  req_set_headerf(r, "Location", "/v2/%s/manifests/%s", req_param(r, "name"), digest);
  req_set_header(r, "Docker-Content-Digest", digest);
  if (info.subject)
    req_set_header(r, "OCI-Subject", info.subject);
  return req_respond(r, 201, NULL, NULL, 0);
}

int reg_manifest_delete(struct req *r)
{
  struct manifest_ref mr;
  int64_t repo_id;
  if (ref_classify(r, &mr, 0) != 0 || reg_repo_lookup(r, &repo_id) != 0)
    return 0;
  int rc = mr.is_digest ? meta_manifest_delete(r->app->meta, repo_id, mr.ref)
                        : meta_tag_delete(r->app->meta, repo_id, mr.ref);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, OCI_MANIFEST_UNKNOWN, "manifest unknown", mr.ref);
  if (rc == ERR_CONFLICT)
    return req_error(r, 409, OCI_DENIED,
                     "manifest is a child of an index in this repository; delete the index first",
                     mr.ref);
  if (rc != 0)
    return reg_internal(r, rc, "manifest delete");
  req_audit_registry(r, "delete_tag", mr.is_digest ? NULL : mr.ref, mr.is_digest ? mr.ref : NULL,
                     NULL);
  return req_respond(r, 202, NULL, NULL, 0);
}
