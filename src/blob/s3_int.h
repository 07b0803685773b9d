/* Internals shared by the S3 backend's files (s3.c, s3_upload.c,
 * s3_commit.c, s3_api.c, s3_http.c). Not a public interface: handlers only
 * see blob.h. */
#ifndef WHARF_BLOB_S3_INT_H
#define WHARF_BLOB_S3_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "blob/blob.h"
#include "util/buf.h"
#include "util/digest.h"

#define S3_UUID_LEN 36
#define S3_KEY_MAX 512     /* longest object key we build */
#define S3_ETAG_MAX 160    /* longest ETag we keep (quotes stripped) */
#define S3_XML_MAX ((size_t)8 << 20) /* cap on an XML response we parse */
#define S3_MIN_PART ((int64_t)5 << 20)  /* S3's smallest non-last multipart part */
#define S3_COPY_MAX ((int64_t)5 << 30)  /* S3's largest single copy */
#define S3_MAX_PARTS 10000
#define S3_CACHE_MAX 256   /* in-process upload hash states kept */
#define S3_POOL_MAX 32     /* idle curl handles kept (with their connections) */
#define S3_TRIES 4         /* attempts of one request before giving up */
#define S3_ERRBODY_MAX 16384 /* cap on a kept error body */
#define S3_REDIRECT_DEFAULT 1200 /* seconds a presigned blob URL stays valid */

/* One upload's hash state kept after a writer closes (see s3_upload.c). */
struct s3_cached {
  char uuid[S3_UUID_LEN + 1];
  int64_t offset;
  struct hasher *h;  /* SHA-256 of the upload's first offset bytes */
  struct hasher *fp; /* SHA-256 over the descriptors of the segments holding them */
  uint64_t seq;
};

struct s3_store {
  struct blob_store base;
  char *base_url;    /* objects are base_url + "/" + key */
  char *copy_source; /* "/<bucket>/", the x-amz-copy-source prefix */
  char *bucket;
  char *region;
  char *prefix;      /* key prefix, "" or e.g. "wharf/" */
  char *access_key;
  char *secret_key;  /* never logged */
  char *token_hdr;   /* "x-amz-security-token: ..." or NULL; never logged */
  char sigv4[96];    /* "aws:amz:<region>:s3" */
  char *session_token; /* or NULL; for presigned URLs; never logged */
  char *redirect_host; /* Host of presigned URLs ("bucket.s3…" or "host:port") */
  char *redirect_base; /* "<scheme>://<redirect_host>" */
  char *redirect_path; /* "" or "/<bucket>" (path-style), before the key */
  long redirect_s;   /* > 0: blob GETs redirect to URLs valid this long */
  size_t seg_size;   /* bytes a writer buffers before it stores a segment */
  CURLSH *share;     /* DNS and TLS sessions across calls */
  pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
  int share_mu_ready;
  /* idle easy handles: each keeps its connections, and a handle (so a
   * connection) is used by one thread at a time; libcurl cannot share one
   * connection cache between concurrent threads */
  pthread_mutex_t pool_mu;
  CURL *pool[S3_POOL_MAX];
  size_t npool;
  CURLM *mpool[S3_POOL_MAX]; /* idle multi handles of blob streams (s3_stream.c) */
  size_t nmpool;
  atomic_int no_part_copy;    /* the server rejected UploadPartCopy: pipe parts */
  atomic_int no_multi_delete; /* DeleteObjects unsupported or failing: one by one */
  atomic_int multi_delete_fails; /* DeleteObjects failures in a row */
  pthread_mutex_t mu;      /* guards cache, ncache, seq */
  size_t ncache;
  uint64_t seq;
  struct s3_cached cache[S3_CACHE_MAX];
};

/* --- one HTTP request (s3_http.c) ------------------------------------------ */

/* Receives response body bytes of a 2xx answer; non-zero aborts the request. */
typedef int (*s3_sink_fn)(void *ctx, const char *data, size_t len);

struct s3_req {
  const char *method;  /* GET HEAD PUT POST DELETE */
  const char *key;     /* object key (URL-safe characters only); NULL: the bucket */
  const char *query;   /* canonical query: sorted, encoded, "k=v&..."; NULL: none */
  const char *hdr[4];  /* extra request headers "Name: value", NULL-terminated */
  const void *body;    /* request body of PUT/POST (may be NULL with body_len 0) */
  size_t body_len;
  s3_sink_fn sink;     /* 2xx body goes here ... */
  void *sink_ctx;
  void (*sink_reset)(void *ctx); /* ... and this rewinds it for a retry (NULL: no retry once fed) */
  struct buf *resp;    /* ... or, when sink is NULL, into this capped buffer */
  int quiet_404;       /* a 404 is an expected answer: do not log it */
  int no_retry;        /* the caller has its own fallback: fail fast */
  /* results */
  long status;
  int64_t length;      /* Content-Length of the answer, -1 if none */
  char etag[S3_ETAG_MAX];
  char code[64];       /* S3 error code from an error body, "" if none */
};

/* Performs rq with SigV4 signing, retrying transient failures. 0 on a 2xx
 * answer; ERR_NOTFOUND (404), ERR_RANGE (416), ERR_CONFLICT (409, 412),
 * ERR_UNSUPPORTED (501, NotImplemented), else ERR_IO with a log line that
 * names the method, key and S3 error code and never a credential. */
int s3_perform(struct s3_store *s, struct s3_req *rq);
/* The request URL, its headers (payload hash, session token, rq->hdr), and
 * the options every signed request sets on an easy handle. */
int s3_url(char *out, size_t outlen, const struct s3_store *s, const struct s3_req *rq);
int s3_headers(struct curl_slist **out, const struct s3_store *s, const struct s3_req *rq);
int s3_easy_common(CURL *h, struct s3_store *s, const char *url, struct curl_slist *hdrs);
/* Maps a finished answer (rq->status, rq->code) to a code, logging what an
 * operator must see (never a credential). */
int s3_status_rc(const struct s3_store *s, const struct s3_req *rq);
/* An idle easy handle from the pool (with its connections), or a new one;
 * back to the pool with its options cleared (closed when the pool is full). */
CURL *s3_handle_get(struct s3_store *s);
void s3_handle_put(struct s3_store *s, CURL *h);
/* Sets up libcurl and s's share handle. */
int s3_http_init(struct s3_store *s);
void s3_http_cleanup(struct s3_store *s);
/* Percent-encodes src for a query value (RFC 3986 unreserved kept) into out. */
int s3_query_escape(char *out, size_t outlen, const char *src);
/* Finds the text of the first <tag>…</tag> in [p, end); entities decoded
 * into out. 0, ERR_NOTFOUND, or ERR_TOOBIG when it does not fit. */
int s3_xml_text(char *out, size_t outlen, const char *p, const char *end, const char *tag);
/* Finds the next <tag>…</tag> element at or after *cur; returns its body in
 * [*out_b, *out_e) and moves *cur past it. 0 or ERR_NOTFOUND. */
int s3_xml_next(const char **out_b, const char **out_e, const char **cur, const char *end,
                const char *tag);

/* --- S3 operations (s3_api.c) ---------------------------------------------- */

struct s3_obj {
  const char *key;     /* full key, valid during the callback */
  int64_t size;
  int64_t mtime;       /* LastModified, unix seconds */
  const char *etag;    /* quotes stripped */
};

/* Calls fn for every object under prefix, in key order; stops when fn returns
 * non-zero (that value is returned). */
int s3_list(struct s3_store *s, const char *prefix, int (*fn)(void *ctx, const struct s3_obj *o),
            void *ctx);
/* HEAD: size of key. ERR_NOTFOUND. */
int s3_head(struct s3_store *s, int64_t *out_size, const char *key);
/* Reads up to len bytes of key at offset into buf; *out_n is 0 past the end. */
int s3_get_range(struct s3_store *s, size_t *out_n, const char *key, int64_t offset, void *buf,
                 size_t len);
/* Streams bytes [offset, offset+len) of key to fn; ERR_RANGE if shorter. */
int s3_get_stream(struct s3_store *s, const char *key, int64_t offset, int64_t len, s3_sink_fn fn,
                  void *ctx);
/* PUT of an in-memory body; the ETag is written to out_etag when not NULL. */
int s3_put(struct s3_store *s, char out_etag[S3_ETAG_MAX], const char *key, const void *body,
           size_t len);
/* DELETE (S3 answers 204 whether or not key existed). */
int s3_delete(struct s3_store *s, const char *key);
/* Deletes keys[0..n) in batches of 1000; best effort, first error returned. */
int s3_delete_many(struct s3_store *s, char *const *keys, size_t n);
/* Server-side copy of a whole object (≤ 5 GiB). */
int s3_copy(struct s3_store *s, const char *dst, const char *src);

/* A multipart upload being assembled. Parts may be added from several
 * threads at once (each writes only its own etags slot). */
struct s3_mpu {
  char key[S3_KEY_MAX];
  char upload_id[256]; /* already query-escaped */
  size_t max_parts;
  size_t nparts;       /* set by the caller before completing: parts 1..nparts */
  char (*etags)[S3_ETAG_MAX];
};

/* Starts a multipart upload of key for up to max_parts parts. */
int s3_mpu_begin(struct s3_store *s, struct s3_mpu *m, const char *key, size_t max_parts);
/* Uploads part partno (1-based) from memory. */
int s3_mpu_part(struct s3_store *s, struct s3_mpu *m, size_t partno, const void *data,
                size_t len);
/* Sets part partno by server-side copy of src[off, off+len); ERR_UNSUPPORTED
 * when the server has no UploadPartCopy. */
int s3_mpu_part_copy(struct s3_store *s, struct s3_mpu *m, size_t partno, const char *src,
                     int64_t off, int64_t len);
/* Completes with parts 1..m->nparts; on success the object exists. */
int s3_mpu_complete(struct s3_store *s, struct s3_mpu *m);
/* Aborts (best effort) and frees m's state; safe on a finished or empty m. */
void s3_mpu_abort(struct s3_store *s, struct s3_mpu *m);

/* --- blob GETs (s3_stream.c) ------------------------------------------------- */

/* The sequential reader entries of blob_s3_ops; contracts in blob.h. One
 * GET per range, fed through a paused libcurl multi transfer into the
 * caller's buffer, never more than a bounded stage in memory. */
int s3_reader_open(struct blob_reader **out, struct blob_store *bs, const char *digest,
                   int64_t offset, int64_t len);
int s3_reader_read(struct blob_reader *rd, size_t *out_n, void *buf, size_t max);
void s3_reader_close(struct blob_reader *rd);
/* Closes the idle multi handles (store close). */
void s3_stream_cleanup(struct s3_store *s);
/* A presigned GET URL of the blob, when redirect is on (s3.c). */
int s3_redirect_url(struct blob_store *bs, char *out, size_t outlen, const char *digest);

/* --- keys (s3.c) ----------------------------------------------------------- */

/* "<prefix>blobs/<algo>/<hh>/<hex>" for a valid digest; codes of digest_parse. */
int s3_blob_key(char out[S3_KEY_MAX], enum digest_algo *out_algo, const struct s3_store *s,
                const char *digest);
/* "<prefix>uploads/<uuid>/" followed by name ("" for the directory itself). */
int s3_upload_key(char out[S3_KEY_MAX], const struct s3_store *s, const char *uuid,
                  const char *name);
/* 1 if uuid is 36 characters of [0-9a-f-]. */
int s3_valid_uuid(const char *uuid);
/* The store an s3:// URL (plus AWS_* environment) describes, checked but
 * not yet connected (s3_open adds HTTP and a probe; fuzz_s3 stops here).
 * Free with blob_s3_ops.close. ERR_UNSUPPORTED (not s3://), ERR_INVALID. */
int s3_store_parse(struct s3_store **out, const char *url);

/* --- uploads (s3_upload.c, s3_commit.c) ------------------------------------------ */

#define S3_NAME_MAX 200

/* One object under uploads/<uuid>/. */
struct s3_seg {
  int64_t start, len; /* start -1: not a segment name (deleted with the upload) */
  char name[S3_NAME_MAX];
  char etag[S3_ETAG_MAX];
  int keep;           /* on the chosen chain */
};

/* Everything stored under uploads/<uuid>/. */
struct s3_listing {
  const char *dir;    /* "<prefix>uploads/<uuid>/" */
  size_t dirlen;
  int marker;
  int64_t newest;
  struct s3_seg *v;
  size_t n, cap;
  size_t *chain;      /* indexes into v, in order */
  size_t nchain;
};

/* Lists uploads/<uuid>/ into *l (dir receives the prefix; segments sorted by
 * start). Free with s3_listing_free(). */
int s3_listing_load(struct s3_store *s, struct s3_listing *l, char dir[S3_KEY_MAX],
                    const char *uuid);
void s3_listing_free(struct s3_listing *l);
/* Picks a chain of segments from 0 ending exactly at target, or (cover) whose
 * last segment holds byte target-1; marks it keep. ERR_RANGE if none. */
int s3_chain_find(struct s3_listing *l, int64_t target, int cover);
/* s3_listing_load + marker check + s3_chain_find(target, cover), looking a
 * second time after a pause when the upload seems gone or short (a listing
 * that lags a write on some S3-alikes); on error l is still loaded or empty,
 * for s3_listing_free. */
int s3_listing_chain(struct s3_store *s, struct s3_listing *l, char dir[S3_KEY_MAX],
                     const char *uuid, int64_t target, int cover);
/* Where the chosen chain ends (0 for none). */
int64_t s3_chain_end(const struct s3_listing *l);
/* Fingerprint of the chosen chain's names, sizes and ETags into out. */
int s3_chain_fp(char out[DIGEST_MAX], const struct s3_listing *l);
/* "sha256:…" of a copy of a running fingerprint. */
int s3_fp_peek(char out[DIGEST_MAX], const struct hasher *fp);
/* Deletes l's objects that are off the chain, or all of them (the marker too). */
int s3_listing_delete(struct s3_store *s, const struct s3_listing *l, const char *uuid,
                      int everything);
/* In-process hash states: take (caller owns the entry), put (takes its
 * hashers), drop, free one entry's hashers. */
int s3_cache_take(struct s3_store *s, struct s3_cached *out, const char *uuid);
void s3_cache_put(struct s3_store *s, struct s3_cached *e);
void s3_cache_drop(struct s3_store *s, const char *uuid);
void s3_cached_free(struct s3_cached *e);

/* The upload entries of blob_s3_ops; contracts in blob.h. */
int s3_upload_create(struct blob_store *bs, const char *uuid);
int s3_writer_open(struct blob_writer **out, struct blob_store *bs, const char *uuid,
                   int64_t offset);
int s3_writer_write(struct blob_writer *w, const void *data, size_t len);
int64_t s3_writer_size(const struct blob_writer *w);
int s3_writer_close(struct blob_writer *w, int keep_hash);
int s3_upload_commit(struct blob_store *bs, const char *uuid, int64_t size, const char *digest);
int s3_upload_abort(struct blob_store *bs, const char *uuid);
int s3_upload_each_stale(struct blob_store *bs, int64_t before,
                         int (*fn)(void *ctx, const char *uuid), void *ctx);
/* Frees the cached hash states (store close). */
void s3_cache_free(struct s3_store *s);

#endif
