#ifndef WHARF_BLOB_BLOB_H
#define WHARF_BLOB_BLOB_H

#include <stddef.h>
#include <stdint.h>

/* Blob storage: content-addressed immutable blobs plus the temporary objects
 * uploads are written to. One interface, several backends (filesystem now,
 * S3 next), chosen by URL scheme. Thread-safe.
 *
 * Durability contract of blob_upload_commit(): when it returns 0 the bytes
 * are verified against the digest and durable under their content address;
 * on any failure or crash the content address holds either nothing or the
 * complete verified blob. Nothing here buffers a whole blob in memory. */
struct blob_store;
struct blob_writer;
struct blob_reader;

/* Opens "file:///abs/path" or "file://./relative" (creates the directories),
 * or "s3://bucket?endpoint=…" (see s3.c). ERR_UNSUPPORTED for an unknown
 * scheme. Free with blob_store_close(). */
int blob_store_open(struct blob_store **out, const char *url);
void blob_store_close(struct blob_store *bs);
/* Copies a storage URL into out (outlen > 0; truncated to fit) with the values
 * of the query parameters that hold secrets (secret_key, session_token)
 * replaced by "***": the form of the URL that logs and messages may show. */
void blob_url_redact(char *out, size_t outlen, const char *url);

/* Size of a stored blob; ERR_NOTFOUND. */
int blob_stat(struct blob_store *bs, int64_t *out_size, const char *digest);
/* Opens a stored blob for reading; the caller owns and closes *out_fd.
 * ERR_UNSUPPORTED for backends without fds (then use blob_read). */
int blob_open_fd(struct blob_store *bs, int *out_fd, int64_t *out_size, const char *digest);
/* Reads up to len bytes at offset into buf; *out_n is 0 at the end. */
int blob_read(struct blob_store *bs, size_t *out_n, const char *digest, int64_t offset,
              void *buf, size_t len);
/* Opens a sequential reader of bytes [offset, offset+len) of a stored blob
 * whose one backend request streams the whole range (S3: one GET); checks
 * that the blob is there first (ERR_NOTFOUND). ERR_UNSUPPORTED for backends
 * without it (those have fds). Free with blob_reader_close(). */
int blob_reader_open(struct blob_reader **out, struct blob_store *bs, const char *digest,
                     int64_t offset, int64_t len);
/* Copies the next bytes of the range (at most max) into buf; waits for at
 * least one; *out_n is 0 at the end of the range. ERR_IO if the backend
 * fails midway (after its own retries). */
int blob_reader_read(struct blob_reader *rd, size_t *out_n, void *buf, size_t max);
/* Abandons what is left of the range. NULL ok. */
void blob_reader_close(struct blob_reader *rd);
/* Writes a URL the client may GET the blob from directly for a limited
 * time (S3: a presigned URL) into out. ERR_UNSUPPORTED when the backend
 * does not redirect (filesystem, or S3 without redirect=true). Checks
 * nothing about the caller: authorize first. */
int blob_redirect_url(struct blob_store *bs, char *out, size_t outlen, const char *digest);
/* Removes a stored blob (garbage collection). ERR_NOTFOUND. */
int blob_delete(struct blob_store *bs, const char *digest);

/* --- uploads ------------------------------------------------------------ */
/* Creates the empty temporary object of upload `uuid`. */
int blob_upload_create(struct blob_store *bs, const char *uuid);
/* Opens upload `uuid` for appending at `offset`, the acknowledged size: data
 * past it (from a request that failed midway) is discarded. ERR_NOTFOUND if
 * the upload object is gone, ERR_RANGE if it holds fewer than offset bytes,
 * ERR_CONFLICT if another writer or commit holds the upload (an exclusive
 * lock, across processes). Free with blob_writer_close(). */
int blob_writer_open(struct blob_writer **out, struct blob_store *bs, const char *uuid,
                     int64_t offset);
/* Appends and hashes as it goes. */
int blob_writer_write(struct blob_writer *w, const void *data, size_t len);
/* Bytes in the upload object so far (offset at open + written). */
int64_t blob_writer_size(const struct blob_writer *w);
/* Flushes and closes; with keep_hash=1 the running hash state is kept in
 * process so a later commit need not re-read the bytes. NULL ok. */
int blob_writer_close(struct blob_writer *w, int keep_hash);
/* Verifies the upload's first `size` bytes hash to `digest`, makes them
 * durable under the content address and removes the upload object.
 * ERR_DIGEST on mismatch (the upload object is kept), ERR_NOTFOUND,
 * ERR_CONFLICT while a writer is open on it, ERR_RANGE if it holds fewer
 * than size bytes. Functions taking a digest return ERR_UNSUPPORTED for an
 * algorithm other than sha256/sha512. */
int blob_upload_commit(struct blob_store *bs, const char *uuid, int64_t size, const char *digest);
/* Removes the upload object. ERR_NOTFOUND if already gone. */
int blob_upload_abort(struct blob_store *bs, const char *uuid);
/* Calls fn(ctx, uuid) for every upload object last written before `before`
 * (unix seconds); stops early when fn returns non-zero. For expiry. */
int blob_upload_each_stale(struct blob_store *bs, int64_t before,
                           int (*fn)(void *ctx, const char *uuid), void *ctx);

/* --- enumeration and quarantine (GC and fsck) ---------------------------- */
/* One stored blob as blob_each() and blob_info() see it. */
struct blob_info {
  const char *digest; /* "<algo>:<hex>", valid during the callback only */
  int64_t size;
  int64_t mtime;      /* unix seconds the bytes were last published (fs: mtime,
                       * S3: LastModified) */
};
/* Calls fn(ctx, info) for every stored blob (not uploads, not quarantined
 * ones), in no particular order; stops early and returns fn's value when it
 * returns non-zero. Objects whose names are not content addresses are
 * skipped. Safe while the store is written to: a blob added or removed
 * meanwhile may or may not be seen. */
int blob_each(struct blob_store *bs, int (*fn)(void *ctx, const struct blob_info *info),
              void *ctx);
/* Size and mtime of one stored blob (out->digest is set to digest). ERR_NOTFOUND. */
int blob_info(struct blob_store *bs, struct blob_info *out, const char *digest);
/* Moves a stored blob's bytes aside under "quarantine/" (fs: a directory
 * beside blobs/, S3: a key prefix), named "<algo>-<hex>.<unix time>", so a
 * corrupt blob stops being served but nothing is lost. ERR_NOTFOUND. */
int blob_quarantine(struct blob_store *bs, const char *digest);

/* --- backend table ------------------------------------------------------ */
struct blob_ops {
  const char *scheme; /* "file" */
  int (*open)(struct blob_store **out, const char *url);
  void (*close)(struct blob_store *bs);
  int (*stat)(struct blob_store *bs, int64_t *out_size, const char *digest);
  int (*open_fd)(struct blob_store *bs, int *out_fd, int64_t *out_size, const char *digest);
  int (*read)(struct blob_store *bs, size_t *out_n, const char *digest, int64_t offset,
              void *buf, size_t len);
  int (*del)(struct blob_store *bs, const char *digest);
  /* optional (NULL: ERR_UNSUPPORTED) */
  int (*reader_open)(struct blob_reader **out, struct blob_store *bs, const char *digest,
                     int64_t offset, int64_t len);
  int (*reader_read)(struct blob_reader *rd, size_t *out_n, void *buf, size_t max);
  void (*reader_close)(struct blob_reader *rd);
  int (*redirect_url)(struct blob_store *bs, char *out, size_t outlen, const char *digest);
  int (*upload_create)(struct blob_store *bs, const char *uuid);
  int (*writer_open)(struct blob_writer **out, struct blob_store *bs, const char *uuid,
                     int64_t offset);
  int (*writer_write)(struct blob_writer *w, const void *data, size_t len);
  int64_t (*writer_size)(const struct blob_writer *w);
  int (*writer_close)(struct blob_writer *w, int keep_hash);
  int (*upload_commit)(struct blob_store *bs, const char *uuid, int64_t size, const char *digest);
  int (*upload_abort)(struct blob_store *bs, const char *uuid);
  int (*upload_each_stale)(struct blob_store *bs, int64_t before,
                           int (*fn)(void *ctx, const char *uuid), void *ctx);
  /* GC and fsck (blob_each and friends above); NULL: ERR_UNSUPPORTED */
  int (*each)(struct blob_store *bs, int (*fn)(void *ctx, const struct blob_info *info),
              void *ctx);
  int (*info)(struct blob_store *bs, struct blob_info *out, const char *digest);
  int (*quarantine)(struct blob_store *bs, const char *digest);
};

/* Every backend's structs start with these headers. */
struct blob_store {
  const struct blob_ops *ops;
};
struct blob_writer {
  const struct blob_ops *ops;
};
struct blob_reader {
  const struct blob_ops *ops;
};

extern const struct blob_ops blob_fs_ops;
extern const struct blob_ops blob_s3_ops;

/* The GC/fsck entries of each backend (fs_walk.c, s3_list.c), for the
 * backends' ops tables. */
int blob_fs_each(struct blob_store *bs, int (*fn)(void *ctx, const struct blob_info *info),
                 void *ctx);
int blob_fs_info(struct blob_store *bs, struct blob_info *out, const char *digest);
int blob_fs_quarantine(struct blob_store *bs, const char *digest);
int blob_s3_each(struct blob_store *bs, int (*fn)(void *ctx, const struct blob_info *info),
                 void *ctx);
int blob_s3_info(struct blob_store *bs, struct blob_info *out, const char *digest);
int blob_s3_quarantine(struct blob_store *bs, const char *digest);

#endif
