#ifndef WHARF_REGISTRY_MANIFEST_PARSE_H
#define WHARF_REGISTRY_MANIFEST_PARSE_H

#include <stddef.h>

#include "store/meta.h"

/* Validation of pushed manifests (OCI image manifest and index, Docker
 * schema2 manifest and manifest list), without sockets or storage: the
 * handler in manifest.c feeds it the request body and stores the result. */

struct pool;

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

/* What a valid manifest says; every pointer belongs to the pool given to
 * manifest_parse(). */
struct manifest_info {
  const char *media_type;       /* one of the four MT_* strings above (static) */
  int is_index;                 /* 1 for an OCI index or Docker manifest list */
  const char *artifact_type;    /* per the referrers rules, NULL if none */
  const char *subject;          /* digest of `subject`, NULL if none */
  const char *annotations_json; /* top-level annotations as compact JSON, NULL if none */
  struct meta_ref *refs;        /* blobs (config, layers) and child manifests, deduplicated */
  size_t nrefs;
};

/* Parses and validates a manifest body of len bytes. content_type is the
 * request's Content-Type (NULL if none; parameters are ignored). On success
 * fills *out (strings and refs in p) and returns 0. Otherwise returns
 * ERR_INVALID (malformed or inconsistent), ERR_UNSUPPORTED (a manifest type we
 * do not accept, e.g. Docker schema1) or ERR_NOMEM, and writes a one-line
 * reason into err (errlen bytes, may be 0). */
int manifest_parse(struct manifest_info *out, struct pool *p, const char *content_type,
                   const void *body, size_t len, char *err, size_t errlen);

/* 1 if media type mt (no parameters) is one manifest_parse() accepts. */
int manifest_type_known(const char *mt);

#endif
