#include "registry/manifest_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "util/digest.h"
#include "util/err.h"
#include "util/pool.h"

#define MT_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define MT_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define MT_FOREIGN_DOCKER "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define MT_NONDIST_PREFIX "application/vnd.oci.image.layer.nondistributable."

static const char *const known_types[] = { MT_OCI_MANIFEST, MT_OCI_INDEX, MT_DOCKER_MANIFEST,
                                           MT_DOCKER_LIST };

static const char schema1_msg[] =
  "Docker schema1 manifests are not supported; push a schema2 or OCI manifest";

struct parse_ctx {
  struct pool *p;
  char *err;
  size_t errlen;
  struct meta_ref *refs;
  size_t nrefs;
};

__attribute__((format(printf, 2, 3)))
static void set_err(struct parse_ctx *c, const char *fmt, ...)
{
  if (c->errlen == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err, c->errlen, fmt, ap);
  va_end(ap);
}

int manifest_type_known(const char *mt)
{
  for (size_t i = 0; i < sizeof(known_types) / sizeof(known_types[0]); i++)
    if (strcmp(mt, known_types[i]) == 0)
      return 1;
  return 0;
}

static int is_schema1(const char *mt, size_t n)
{
  return (n == strlen(MT_SCHEMA1) && strncasecmp(mt, MT_SCHEMA1, n) == 0) ||
         (n == strlen(MT_SCHEMA1_SIGNED) && strncasecmp(mt, MT_SCHEMA1_SIGNED, n) == 0);
}

/* The canonical known type a Content-Type value names (parameters and case
 * ignored), or NULL. Sets *schema1 when it names Docker schema1. */
static const char *content_type_known(const char *ct, int *schema1)
{
  *schema1 = 0;
  if (!ct)
    return NULL;
  while (*ct == ' ' || *ct == '\t')
    ct++;
  size_t n = strcspn(ct, "; \t");
  if (is_schema1(ct, n)) {
    *schema1 = 1;
    return NULL;
  }
  for (size_t i = 0; i < sizeof(known_types) / sizeof(known_types[0]); i++)
    if (n == strlen(known_types[i]) && strncasecmp(ct, known_types[i], n) == 0)
      return known_types[i];
  return NULL;
}

/* Content-Types that say nothing about the manifest kind, sent by some
 * clients: the body's mediaType decides then. */
static int content_type_generic(const char *ct)
{
  while (*ct == ' ' || *ct == '\t')
    ct++;
  size_t n = strcspn(ct, "; \t");
  return n == 0 || (n == 16 && strncasecmp(ct, "application/json", n) == 0) ||
         (n == 24 && strncasecmp(ct, "application/octet-stream", n) == 0);
}

/* RFC 6838 restricted-name: 1-127 of [A-Za-z0-9!#$&^_.+-], starting alphanumeric. */
static size_t restricted_name(const char *s)
{
  size_t i = 0;
  for (; s[i]; i++) {
    char ch = s[i];
    int alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    if (!(alnum || (i > 0 && strchr("!#$&^_.+-", ch))))
      break;
  }
  return i <= 127 ? i : 0;
}

/* type "/" subtype per RFC 6838 (no parameters). */
static int media_type_valid(const char *s)
{
  size_t t = restricted_name(s);
  if (t == 0 || s[t] != '/')
    return 0;
  size_t st = restricted_name(s + t + 1);
  return st > 0 && s[t + 1 + st] == '\0';
}

/* Optional string field: 0 if absent or a string (*out set, NULL if absent). */
static int opt_string(struct parse_ctx *c, json_t *obj, const char *key, const char *where,
                      const char **out)
{
  json_t *v = json_object_get(obj, key);
  *out = NULL;
  if (!v)
    return 0;
  if (!json_is_string(v)) {
    set_err(c, "%s%s: must be a string", where, key);
    return ERR_INVALID;
  }
  *out = json_string_value(v);
  return 0;
}

/* annotations, if present, must map strings to strings. */
static int check_annotations(struct parse_ctx *c, json_t *obj, const char *where)
{
  json_t *a = json_object_get(obj, "annotations");
  if (!a)
    return 0;
  if (!json_is_object(a)) {
    set_err(c, "%sannotations: must be an object", where);
    return ERR_INVALID;
  }
  const char *k;
  json_t *v;
  json_object_foreach(a, k, v) {
    if (!json_is_string(v)) {
      set_err(c, "%sannotations.%.100s: must be a string", where, k);
      return ERR_INVALID;
    }
  }
  return 0;
}

static int check_urls(struct parse_ctx *c, json_t *d, const char *where, int *out_has)
{
  json_t *u = json_object_get(d, "urls");
  *out_has = 0;
  if (!u)
    return 0;
  if (!json_is_array(u)) {
    set_err(c, "%surls: must be an array of strings", where);
    return ERR_INVALID;
  }
  size_t i;
  json_t *v;
  json_array_foreach(u, i, v) {
    if (!json_is_string(v) || json_string_length(v) == 0) {
      set_err(c, "%surls[%zu]: must be a non-empty string", where, i);
      return ERR_INVALID;
    }
  }
  *out_has = json_array_size(u) > 0;
  return 0;
}

/* Validates one descriptor (image-spec descriptor.md). `where` prefixes error
 * messages ("layers[2]."). Writes its media type and digest (both owned by
 * the JSON tree) and whether it carries urls. */
static int check_descriptor(struct parse_ctx *c, json_t *d, const char *where,
                            const char **out_mt, const char **out_digest, int *out_has_urls)
{
  if (!json_is_object(d)) {
    set_err(c, "%.*s: must be a descriptor object", (int)(strlen(where) - 1), where);
    return ERR_INVALID;
  }
  json_t *mt = json_object_get(d, "mediaType");
  if (!json_is_string(mt) || !media_type_valid(json_string_value(mt))) {
    set_err(c, "%smediaType: a media type string (type/subtype) is required", where);
    return ERR_INVALID;
  }
  json_t *dg = json_object_get(d, "digest");
  if (!json_is_string(dg)) {
    set_err(c, "%sdigest: a digest string is required", where);
    return ERR_INVALID;
  }
  int rc = digest_parse(NULL, json_string_value(dg), json_string_length(dg));
  if (rc != 0) {
    set_err(c, "%sdigest: %s digest \"%.140s\"", where,
            rc == ERR_UNSUPPORTED ? "unsupported algorithm in" : "malformed", json_string_value(dg));
    return ERR_INVALID;
  }
  json_t *sz = json_object_get(d, "size");
  if (!json_is_integer(sz) || json_integer_value(sz) < 0) {
    set_err(c, "%ssize: a non-negative integer is required", where);
    return ERR_INVALID;
  }
  const char *ignored;
  if ((rc = opt_string(c, d, "artifactType", where, &ignored)) != 0 ||
      (rc = opt_string(c, d, "data", where, &ignored)) != 0 ||
      (rc = check_annotations(c, d, where)) != 0 ||
      (rc = check_urls(c, d, where, out_has_urls)) != 0)
    return rc;
  *out_mt = json_string_value(mt);
  *out_digest = json_string_value(dg);
  return 0;
}

static int add_ref(struct parse_ctx *c, const char *digest, int is_manifest)
{
  char *d = pool_strdup(c->p, digest);
  if (!d)
    return ERR_NOMEM;
  c->refs[c->nrefs].digest = d;
  c->refs[c->nrefs].is_manifest = is_manifest;
  c->nrefs++;
  return 0;
}

/* Layers that live outside the registry need not be pushed. */
static int layer_external(const char *mt, int has_urls)
{
  return has_urls || strcmp(mt, MT_FOREIGN_DOCKER) == 0 ||
         strncmp(mt, MT_NONDIST_PREFIX, strlen(MT_NONDIST_PREFIX)) == 0;
}

static int parse_image(struct parse_ctx *c, json_t *root, struct manifest_info *info)
{
  if (json_object_get(root, "manifests")) {
    set_err(c, "an image manifest must not have a \"manifests\" field");
    return ERR_INVALID;
  }
  json_t *config = json_object_get(root, "config");
  json_t *layers = json_object_get(root, "layers");
  if (!config) {
    set_err(c, "config: a descriptor is required in an image manifest");
    return ERR_INVALID;
  }
  if (!json_is_array(layers)) {
    set_err(c, "layers: an array is required in an image manifest");
    return ERR_INVALID;
  }
  c->refs = pool_calloc(c->p, json_array_size(layers) + 1, sizeof(*c->refs));
  if (!c->refs)
    return ERR_NOMEM;
  const char *config_mt, *digest;
  int has_urls, rc;
  if ((rc = check_descriptor(c, config, "config.", &config_mt, &digest, &has_urls)) != 0 ||
      (rc = add_ref(c, digest, 0)) != 0)
    return rc;
  size_t i;
  json_t *l;
  json_array_foreach(layers, i, l) {
    char where[40];
    const char *mt;
    snprintf(where, sizeof(where), "layers[%zu].", i);
    if ((rc = check_descriptor(c, l, where, &mt, &digest, &has_urls)) != 0)
      return rc;
    if (!layer_external(mt, has_urls) && (rc = add_ref(c, digest, 0)) != 0)
      return rc;
  }
  const char *at;
  if ((rc = opt_string(c, root, "artifactType", "", &at)) != 0)
    return rc;
  /* Referrers rule: artifactType, else the config's media type. */
  info->artifact_type = pool_strdup(c->p, (at && *at) ? at : config_mt);
  return info->artifact_type ? 0 : ERR_NOMEM;
}

static int parse_index(struct parse_ctx *c, json_t *root, struct manifest_info *info)
{
  if (json_object_get(root, "config") || json_object_get(root, "layers")) {
    set_err(c, "an index must not have \"config\" or \"layers\" fields");
    return ERR_INVALID;
  }
  json_t *children = json_object_get(root, "manifests");
  if (!json_is_array(children)) {
    set_err(c, "manifests: an array is required in an index");
    return ERR_INVALID;
  }
  c->refs = pool_calloc(c->p, json_array_size(children) + 1, sizeof(*c->refs));
  if (!c->refs)
    return ERR_NOMEM;
  size_t i;
  json_t *m;
  int rc;
  json_array_foreach(children, i, m) {
    char where[40];
    const char *mt, *digest;
    int has_urls;
    snprintf(where, sizeof(where), "manifests[%zu].", i);
    if ((rc = check_descriptor(c, m, where, &mt, &digest, &has_urls)) != 0)
      return rc;
    json_t *plat = json_object_get(m, "platform");
    if (plat && !json_is_object(plat)) {
      set_err(c, "%splatform: must be an object", where);
      return ERR_INVALID;
    }
    if ((rc = add_ref(c, digest, 1)) != 0)
      return rc;
  }
  const char *at;
  if ((rc = opt_string(c, root, "artifactType", "", &at)) != 0)
    return rc;
  if (at && *at && !(info->artifact_type = pool_strdup(c->p, at)))
    return ERR_NOMEM;
  return 0;
}

struct ref_slot {
  const struct meta_ref *ref;
  size_t idx;
};

static int ref_slot_cmp(const void *a, const void *b)
{
  const struct ref_slot *x = a, *y = b;
  int d = strcmp(x->ref->digest, y->ref->digest);
  if (d)
    return d;
  if (x->ref->is_manifest != y->ref->is_manifest)
    return x->ref->is_manifest - y->ref->is_manifest;
  return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Drops repeated refs (a blob used as config and layer, a child listed
 * twice), keeping first occurrences in order; O(n log n). */
static int refs_dedup(struct parse_ctx *c)
{
  if (c->nrefs < 2)
    return 0;
  struct ref_slot *s = malloc(c->nrefs * sizeof(*s));
  unsigned char *dup = calloc(c->nrefs, 1);
  int rc = ERR_NOMEM;
  if (!s || !dup)
    goto out;
  for (size_t i = 0; i < c->nrefs; i++) {
    s[i].ref = &c->refs[i];
    s[i].idx = i;
  }
  qsort(s, c->nrefs, sizeof(*s), ref_slot_cmp);
  for (size_t i = 1; i < c->nrefs; i++)
    if (strcmp(s[i].ref->digest, s[i - 1].ref->digest) == 0 &&
        s[i].ref->is_manifest == s[i - 1].ref->is_manifest)
      dup[s[i].idx] = 1;
  size_t n = 0;
  for (size_t i = 0; i < c->nrefs; i++)
    if (!dup[i])
      c->refs[n++] = c->refs[i];
  c->nrefs = n;
  rc = 0;
out:
  free(s);
  free(dup);
  return rc;
}

/* Decides the manifest's media type from the header and the body. */
static int resolve_type(struct parse_ctx *c, json_t *root, const char *content_type,
                        const char **out)
{
  int ct_schema1;
  const char *ct = content_type_known(content_type, &ct_schema1);
  if (ct_schema1) {
    set_err(c, "%s", schema1_msg);
    return ERR_UNSUPPORTED;
  }
  if (!ct && content_type && !content_type_generic(content_type)) {
    /* a specific type we do not store: refuse rather than guess from the body */
    set_err(c, "unsupported manifest Content-Type %.200s", content_type);
    return ERR_UNSUPPORTED;
  }
  json_t *bmt = json_object_get(root, "mediaType");
  if (bmt && !json_is_string(bmt)) {
    set_err(c, "mediaType: must be a string");
    return ERR_INVALID;
  }
  const char *body_mt = bmt ? json_string_value(bmt) : NULL;
  if (body_mt && is_schema1(body_mt, strlen(body_mt))) {
    set_err(c, "%s", schema1_msg);
    return ERR_UNSUPPORTED;
  }
  if (ct && body_mt && strcmp(ct, body_mt) != 0) {
    set_err(c, "Content-Type %s does not match the manifest's mediaType %.200s", ct, body_mt);
    return ERR_INVALID;
  }
  if (ct) {
    *out = ct;
    return 0;
  }
  if (!body_mt) {
    set_err(c, "manifest media type unknown: send it as Content-Type or set mediaType");
    return ERR_INVALID;
  }
  for (size_t i = 0; i < sizeof(known_types) / sizeof(known_types[0]); i++) {
    if (strcmp(body_mt, known_types[i]) == 0) {
      *out = known_types[i]; /* static, outlives the JSON tree */
      return 0;
    }
  }
  set_err(c, "unsupported manifest media type %.200s", body_mt);
  return ERR_UNSUPPORTED;
}

/* subject (a descriptor) and top-level annotations, common to both kinds. */
static int parse_common(struct parse_ctx *c, json_t *root, struct manifest_info *info)
{
  int rc;
  json_t *subject = json_object_get(root, "subject");
  if (subject) {
    const char *mt, *digest;
    int has_urls;
    if ((rc = check_descriptor(c, subject, "subject.", &mt, &digest, &has_urls)) != 0)
      return rc;
    if (!(info->subject = pool_strdup(c->p, digest)))
      return ERR_NOMEM;
  }
  if ((rc = check_annotations(c, root, "")) != 0)
    return rc;
  json_t *ann = json_object_get(root, "annotations");
  if (ann) {
    char *s = json_dumps(ann, JSON_COMPACT);
    if (!s)
      return ERR_NOMEM;
    info->annotations_json = pool_strdup(c->p, s);
    free(s);
    if (!info->annotations_json)
      return ERR_NOMEM;
  }
  return 0;
}

int manifest_parse(struct manifest_info *out, struct pool *p, const char *content_type,
                   const void *body, size_t len, char *err, size_t errlen)
{
  struct parse_ctx c = { .p = p, .err = err, .errlen = errlen };
  struct manifest_info info = { 0 };
  json_error_t jerr;
  int rc;
  if (errlen)
    err[0] = '\0';
  /* Duplicate keys would let two readers see two different manifests. */
  json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root) {
    set_err(&c, "manifest is not valid JSON: %s (at byte %d)", jerr.text, jerr.position);
    return ERR_INVALID;
  }
  if (!json_is_object(root)) {
    set_err(&c, "manifest must be a JSON object");
    rc = ERR_INVALID;
    goto out;
  }
  json_t *sv = json_object_get(root, "schemaVersion");
  if (json_is_integer(sv) && json_integer_value(sv) == 1) {
    set_err(&c, "%s", schema1_msg);
    rc = ERR_UNSUPPORTED;
    goto out;
  }
  if (!json_is_integer(sv) || json_integer_value(sv) != 2) {
    set_err(&c, "schemaVersion: must be the integer 2");
    rc = ERR_INVALID;
    goto out;
  }
  if ((rc = resolve_type(&c, root, content_type, &info.media_type)) != 0)
    goto out;
  info.is_index = strcmp(info.media_type, MT_OCI_INDEX) == 0 ||
                  strcmp(info.media_type, MT_DOCKER_LIST) == 0;
  rc = info.is_index ? parse_index(&c, root, &info) : parse_image(&c, root, &info);
  if (rc == 0)
    rc = parse_common(&c, root, &info);
  if (rc == 0)
    rc = refs_dedup(&c);
  if (rc != 0)
    goto out;
  info.refs = c.refs;
  info.nrefs = c.nrefs;
  *out = info;
out:
  if (rc == ERR_NOMEM)
    set_err(&c, "out of memory");
  json_decref(root);
  return rc;
}
