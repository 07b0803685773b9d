#ifndef WHARF_STORE_META_H
#define WHARF_STORE_META_H

#include <stddef.h>
#include <stdint.h>

struct pool;
struct ident_ops;
struct audit_store_ops;
struct meta_gc_ops;

/* The metadata store: repositories, blob links, upload sessions, manifests,
 * tags. One interface, several backends (SQLite, PostgreSQL),
 * chosen by URL scheme. Every function is safe to call from any thread
 * concurrently; backends keep a connection per thread or a pool.
 *
 * Conventions: return 0 or a negative ERR_* code (util/err.h); output
 * parameters first, written only on success; strings and arrays returned
 * through a `struct pool *` belong to that pool. */
struct meta;

/* Opens the backend named by url ("sqlite:///path/to/db",
 * "sqlite://./relative.db" or "postgres://user:pass@host:port/db?..." as
 * libpq takes it) and applies pending schema migrations. ERR_UNSUPPORTED
 * for an unknown scheme. Free with meta_close(). */
int meta_open(struct meta **out, const char *url);
/* Copies url to out (len bytes) with any password masked, for log lines and
 * messages; ERR_TOOBIG if it does not fit (out is then unusable). */
int meta_url_redact(char *out, size_t len, const char *url);
/* Call only after every thread that used m is done with it (workers joined). */
void meta_close(struct meta *m);
/* Current schema version after migrations. */
int meta_schema_version(struct meta *m, int *out);

/* --- repositories ------------------------------------------------------ */
/* Id of repository `name`, creating it if missing; *out_created (may be
 * NULL) is 1 only for the one caller whose insert created it. */
int meta_repo_ensure(struct meta *m, int64_t *out_id, int *out_created, const char *name);
/* Id of repository `name`; ERR_NOTFOUND if missing. */
int meta_repo_lookup(struct meta *m, int64_t *out_id, const char *name);
/* Up to `limit` repository names sorted bytewise, strictly after `last`
 * (NULL: from the start). *out_more is set to 1 when more names follow. */
int meta_repo_list(struct meta *m, struct pool *p, char ***out_names, size_t *out_n,
                   int *out_more, const char *last, size_t limit);

/* --- blobs -------------------------------------------------------------- */
/* Records that blob `digest` of `size` bytes is stored and links it to the
 * repository (both idempotent). Called after the bytes are durable. */
int meta_blob_add(struct meta *m, int64_t repo_id, const char *digest, int64_t size);
/* meta_blob_add() and the end of upload session `uuid` (its row deleted; a
 * session already gone is fine) in one transaction: a finished push costs
 * one commit, and so one fdatasync, instead of two. */
int meta_blob_add_upload(struct meta *m, int64_t repo_id, const char *digest, int64_t size,
                         const char *uuid);
/* Size of `digest` if the repository is linked to it; ERR_NOTFOUND otherwise. */
int meta_blob_linked(struct meta *m, int64_t *out_size, int64_t repo_id, const char *digest);
/* Size of `digest` if it is stored at all (any repository); ERR_NOTFOUND otherwise. */
int meta_blob_stat(struct meta *m, int64_t *out_size, const char *digest);
/* Links an already stored blob to a repository (cross-repository mount).
 * ERR_NOTFOUND if no blob row exists. Idempotent. */
int meta_blob_link(struct meta *m, int64_t repo_id, const char *digest);
/* Removes the repository's link. ERR_NOTFOUND if not linked; ERR_CONFLICT
 * if a manifest in the repository references it. */
int meta_blob_unlink(struct meta *m, int64_t repo_id, const char *digest);

/* --- upload sessions ---------------------------------------------------- */
struct meta_upload {
  char uuid[37];
  int64_t repo_id;
  int64_t offset;      /* bytes acknowledged so far */
  int64_t created_at;  /* unix seconds */
  int64_t updated_at;
};
/* ERR_EXISTS for a uuid in use, ERR_NOTFOUND for an unknown repository,
 * ERR_INVALID for a uuid longer than 36 characters. */
int meta_upload_create(struct meta *m, int64_t repo_id, const char *uuid);
/* ERR_NOTFOUND if no such session. */
int meta_upload_get(struct meta *m, struct meta_upload *out, const char *uuid);
/* Compare-and-set of the acknowledged offset: ERR_CONFLICT if the stored
 * offset is not `expected` (another request moved it), ERR_NOTFOUND if gone. */
int meta_upload_set_offset(struct meta *m, const char *uuid, int64_t expected, int64_t offset);
/* ERR_NOTFOUND if no such session. */
int meta_upload_delete(struct meta *m, const char *uuid);
/* Up to `limit` uuids of sessions not touched since `before` (unix
 * seconds), oldest first, for expiry. */
int meta_upload_stale(struct meta *m, struct pool *p, char ***out_uuids, size_t *out_n,
                      int64_t before, size_t limit);

/* --- manifests and tags ------------------------------------------------- */
struct meta_ref {
  const char *digest;
  int is_manifest;     /* 1: child manifest of an index; 0: blob (config, layer) */
};

struct meta_manifest_put {
  int64_t repo_id;
  const char *digest;
  const char *media_type;
  const char *artifact_type;     /* NULL if none */
  const char *subject;           /* digest of `subject`, NULL if none */
  const char *annotations_json;  /* JSON object text, NULL if none */
  const void *body;
  size_t body_len;
  const struct meta_ref *refs;
  size_t nrefs;
  const char *tag;               /* tag to point at it, NULL when pushed by digest */
};

/* In one transaction: checks every ref is linked to the repository (blob) or
 * stored in it (manifest), stores the manifest (idempotent for the same
 * digest) and moves the tag. If a ref is missing returns ERR_NOTFOUND and
 * copies its digest into missing_out (DIGEST_MAX bytes, may be NULL; an
 * empty string when the repository itself is missing). */
int meta_manifest_put(struct meta *m, const struct meta_manifest_put *mp, char *missing_out);

struct meta_manifest {
  char *digest;
  char *media_type;
  char *artifact_type;     /* NULL if none */
  char *subject;           /* NULL if none */
  char *annotations_json;  /* NULL if none */
  void *body;
  size_t body_len;
  int64_t created_at;
};
/* Manifest `digest` of the repository; ERR_NOTFOUND. */
int meta_manifest_get(struct meta *m, struct pool *p, struct meta_manifest *out,
                      int64_t repo_id, const char *digest);
/* Deletes the manifest and every tag pointing at it. ERR_NOTFOUND; ERR_CONFLICT
 * if an index in the same repository lists it as a child. */
int meta_manifest_delete(struct meta *m, int64_t repo_id, const char *digest);
/* Manifests of the repository whose subject is `subject`, optionally only
 * those whose artifact type equals `artifact_type` (NULL: all). Body not
 * filled: body is NULL and body_len holds the manifest's size. */
int meta_referrers(struct meta *m, struct pool *p, struct meta_manifest **out, size_t *out_n,
                   int64_t repo_id, const char *subject, const char *artifact_type);

/* Digest the tag points at; ERR_NOTFOUND. */
int meta_tag_resolve(struct meta *m, struct pool *p, char **out_digest, int64_t repo_id,
                     const char *tag);
/* Up to `limit` tag names sorted bytewise, strictly after `last` (NULL: from
 * the start). *out_more is set to 1 when more tags follow. */
int meta_tag_list(struct meta *m, struct pool *p, char ***out_names, size_t *out_n,
                  int *out_more, int64_t repo_id, const char *last, size_t limit);
/* One tag with what a listing shows of it (meta_tag_list_info). */
struct meta_tag_info {
  char *name;
  char *digest;        /* manifest it points at */
  int64_t updated_at;  /* unix seconds of the last push or move */
  int64_t size;        /* bytes of the blobs the manifest references (an
                        * index: of its children's); -1 when none */
};
/* Like meta_tag_list, with each tag's digest, last update and size, read in
 * one query for the page. *out is a pool array of *out_n entries. */
int meta_tag_list_info(struct meta *m, struct pool *p, struct meta_tag_info **out,
                       size_t *out_n, int *out_more, int64_t repo_id, const char *last,
                       size_t limit);
/* Removes one tag; the manifest stays. ERR_NOTFOUND. */
int meta_tag_delete(struct meta *m, int64_t repo_id, const char *tag);

/* --- backend table (redis-style connection types) ---------------------- */
struct meta_ops {
  const char *scheme; /* "sqlite", "postgres" */
  int (*open)(struct meta **out, const char *url);
  void (*close)(struct meta *m);
  int (*schema_version)(struct meta *m, int *out);
  int (*repo_ensure)(struct meta *m, int64_t *out_id, int *out_created, const char *name);
  int (*repo_lookup)(struct meta *m, int64_t *out_id, const char *name);
  int (*repo_list)(struct meta *m, struct pool *p, char ***out_names, size_t *out_n,
                   int *out_more, const char *last, size_t limit);
  /* end_upload: also delete that upload session (NULL: none) */
  int (*blob_add)(struct meta *m, int64_t repo_id, const char *digest, int64_t size,
                  const char *end_upload);
  int (*blob_linked)(struct meta *m, int64_t *out_size, int64_t repo_id, const char *digest);
  int (*blob_stat)(struct meta *m, int64_t *out_size, const char *digest);
  int (*blob_link)(struct meta *m, int64_t repo_id, const char *digest);
  int (*blob_unlink)(struct meta *m, int64_t repo_id, const char *digest);
  int (*upload_create)(struct meta *m, int64_t repo_id, const char *uuid);
  int (*upload_get)(struct meta *m, struct meta_upload *out, const char *uuid);
  int (*upload_set_offset)(struct meta *m, const char *uuid, int64_t expected, int64_t offset);
  int (*upload_delete)(struct meta *m, const char *uuid);
  int (*upload_stale)(struct meta *m, struct pool *p, char ***out_uuids, size_t *out_n,
                      int64_t before, size_t limit);
  int (*manifest_put)(struct meta *m, const struct meta_manifest_put *mp, char *missing_out);
  int (*manifest_get)(struct meta *m, struct pool *p, struct meta_manifest *out,
                      int64_t repo_id, const char *digest);
  int (*manifest_delete)(struct meta *m, int64_t repo_id, const char *digest);
  int (*referrers)(struct meta *m, struct pool *p, struct meta_manifest **out, size_t *out_n,
                   int64_t repo_id, const char *subject, const char *artifact_type);
  int (*tag_resolve)(struct meta *m, struct pool *p, char **out_digest, int64_t repo_id,
                     const char *tag);
  int (*tag_list)(struct meta *m, struct pool *p, char ***out_names, size_t *out_n,
                  int *out_more, int64_t repo_id, const char *last, size_t limit);
  int (*tag_delete)(struct meta *m, int64_t repo_id, const char *tag);
  int (*tag_list_info)(struct meta *m, struct pool *p, struct meta_tag_info **out,
                       size_t *out_n, int *out_more, int64_t repo_id, const char *last,
                       size_t limit);
  const struct ident_ops *ident;  /* identity half, store/ident.h */
  const struct audit_store_ops *audit; /* audit log, store/audit_store.h (NULL: none) */
  const struct meta_gc_ops *gc; /* GC and fsck queries, store/gc_store.h (NULL: none) */
};

/* Every backend's struct starts with this header. */
struct meta {
  const struct meta_ops *ops;
};

extern const struct meta_ops meta_sqlite_ops;
/* PostgreSQL (libpq); open() is ERR_UNSUPPORTED in a build without it. */
extern const struct meta_ops meta_postgres_ops;

#endif
