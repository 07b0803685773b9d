/* Tests for the filesystem blob backend (src/blob/fs.c), in a mkdtemp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob/blob.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/log.h"
#include "util/rand.h"

struct ctx {
  char dir[512];  /* the mkdtemp dir */
  char root[600]; /* the store root inside it */
  char url[700];
  struct blob_store *bs;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static int setup(void **state)
{
  struct ctx *c = calloc(1, sizeof(*c));
  if (!c)
    return -1;
  const char *tmp = getenv("TMPDIR");
  int n = snprintf(c->dir, sizeof(c->dir), "%s/wharf-blobfs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (n < 0 || (size_t)n >= sizeof(c->dir) || !mkdtemp(c->dir))
    return -1;
  snprintf(c->root, sizeof(c->root), "%s/store", c->dir);
  snprintf(c->url, sizeof(c->url), "file://%s", c->root);
  if (blob_store_open(&c->bs, c->url) != 0)
    return -1;
  *state = c;
  return 0;
}

static int teardown(void **state)
{
  struct ctx *c = *state;
  blob_store_close(c->bs);
  nftw(c->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(c);
  return 0;
}

static void new_uuid(char out[37])
{
  assert_int_equal(rand_uuid(out), 0);
}

static void digest_of(char out[DIGEST_MAX], enum digest_algo algo, const void *p, size_t n)
{
  assert_int_equal(digest_buffer(out, algo, p, n), 0);
}

/* Opens a writer at offset, appends data, closes with keep_hash. */
static void write_at(struct blob_store *bs, const char *uuid, int64_t offset, const void *data,
                     size_t len, int keep_hash)
{
  struct blob_writer *w = NULL;
  assert_int_equal(blob_writer_open(&w, bs, uuid, offset), 0);
  assert_int_equal(blob_writer_size(w), offset);
  assert_int_equal(blob_writer_write(w, data, len), 0);
  assert_int_equal(blob_writer_size(w), offset + (int64_t)len);
  assert_int_equal(blob_writer_close(w, keep_hash), 0);
}

static off_t upload_file_size(const struct ctx *c, const char *uuid)
{
  char p[PATH_MAX + 64];
  struct stat st;
  snprintf(p, sizeof(p), "%s/uploads/%s", c->root, uuid);
  if (stat(p, &st) != 0)
    return -1;
  return st.st_size;
}

/* Checks digest is stored with exactly data[0..len). */
static void assert_blob(struct blob_store *bs, const char *digest, const void *data, size_t len)
{
  int64_t size = -1;
  assert_int_equal(blob_stat(bs, &size, digest), 0);
  assert_int_equal(size, (int64_t)len);
  char buf[256];
  size_t n = 0;
  assert_true(len <= sizeof(buf));
  assert_int_equal(blob_read(bs, &n, digest, 0, buf, sizeof(buf)), 0);
  assert_int_equal(n, len);
  assert_memory_equal(buf, data, len);
}

/* Log capture: stderr goes to an unlinked temp file at debug level. */
struct capture {
  int fd;
  int saved;
  enum log_level level;
};

static void capture_begin(struct capture *cap)
{
  char path[] = "/tmp/wharf-blobfs-log-XXXXXX";
  cap->fd = mkstemp(path);
  assert_true(cap->fd >= 0);
  unlink(path);
  fflush(stderr);
  cap->saved = dup(2);
  assert_true(cap->saved >= 0);
  assert_true(dup2(cap->fd, 2) >= 0);
  cap->level = log_min_level;
  log_min_level = LOG_DEBUG;
}

/* Restores stderr; 1 if the captured text contains needle. */
static int capture_end(struct capture *cap, const char *needle)
{
  log_min_level = cap->level;
  fflush(stderr);
  dup2(cap->saved, 2);
  close(cap->saved);
  char buf[4096] = { 0 };
  ssize_t n = pread(cap->fd, buf, sizeof(buf) - 1, 0);
  close(cap->fd);
  return n > 0 && strstr(buf, needle) != NULL;
}

/* Runs commit; *out_hit says whether it used the cached hash state. */
static int commit_capture(struct blob_store *bs, const char *uuid, int64_t size,
                          const char *digest, int *out_hit)
{
  struct capture cap;
  capture_begin(&cap);
  int rc = blob_upload_commit(bs, uuid, size, digest);
  *out_hit = capture_end(&cap, "uses the cached hash");
  return rc;
}

static void test_open_layout(void **state)
{
  struct ctx *c = *state;
  const char *subs[] = { "", "/blobs", "/uploads" };
  for (int i = 0; i < 3; i++) {
    char p[PATH_MAX + 16];
    struct stat st;
    snprintf(p, sizeof(p), "%s%s", c->root, subs[i]);
    assert_int_equal(stat(p, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
  }
  /* reopening an existing store is fine */
  struct blob_store *bs2 = NULL;
  assert_int_equal(blob_store_open(&bs2, c->url), 0);
  blob_store_close(bs2);

  /* relative roots, resolved against the cwd at open */
  char cwd[PATH_MAX];
  assert_non_null(getcwd(cwd, sizeof(cwd)));
  assert_int_equal(chdir(c->dir), 0);
  struct blob_store *r1 = NULL, *r2 = NULL;
  assert_int_equal(blob_store_open(&r1, "file://./rel/one"), 0);
  assert_int_equal(blob_store_open(&r2, "file://rel2"), 0);
  assert_int_equal(chdir(cwd), 0);
  char p[PATH_MAX + 32];
  struct stat st;
  snprintf(p, sizeof(p), "%s/rel/one/uploads", c->dir);
  assert_int_equal(stat(p, &st), 0);
  snprintf(p, sizeof(p), "%s/rel2/blobs", c->dir);
  assert_int_equal(stat(p, &st), 0);
  /* the store keeps working after the cwd moved */
  char uuid[37];
  new_uuid(uuid);
  assert_int_equal(blob_upload_create(r1, uuid), 0);
  snprintf(p, sizeof(p), "%s/rel/one/uploads/%s", c->dir, uuid);
  assert_int_equal(stat(p, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  blob_store_close(r1);
  blob_store_close(r2);

  struct blob_store *bad = NULL;
  assert_int_equal(blob_store_open(&bad, "file://"), ERR_INVALID);
  /* a root below a regular file cannot be created: a storage error */
  char url[PATH_MAX + 32];
  snprintf(p, sizeof(p), "%s/plainfile", c->dir);
  int fd = open(p, O_WRONLY | O_CREAT, 0600);
  assert_true(fd >= 0);
  close(fd);
  snprintf(url, sizeof(url), "file://%s/plainfile/store", c->dir);
  struct capture cap;
  capture_begin(&cap);
  assert_int_equal(blob_store_open(&bad, url), ERR_IO);
  assert_true(capture_end(&cap, "plainfile/store: Not a directory")); /* with strerror */
  assert_int_equal(blob_store_open(&bad, "nosuch:///x"), ERR_UNSUPPORTED);
  assert_null(bad);
  blob_store_close(NULL);
}

static void test_commit_ok(void **state)
{
  struct ctx *c = *state;
  char uuid[37], dg[DIGEST_MAX];
  const char data[] = "hello, blob";
  new_uuid(uuid);
  digest_of(dg, DIGEST_SHA256, data, sizeof(data) - 1);
  assert_int_equal(blob_upload_create(c->bs, uuid), 0);
  assert_int_equal(blob_upload_create(c->bs, uuid), ERR_EXISTS);
  write_at(c->bs, uuid, 0, data, sizeof(data) - 1, 1);
  int hit = 0;
  assert_int_equal(commit_capture(c->bs, uuid, sizeof(data) - 1, dg, &hit), 0);
  assert_true(hit); /* the writer's hash state was reused, no re-read */
  assert_blob(c->bs, dg, data, sizeof(data) - 1);
  assert_int_equal(upload_file_size(c, uuid), -1);

  /* layout: blobs/sha256/<2 hex>/<hex>, read-only for others */
  char p[PATH_MAX + 200];
  struct stat st;
  snprintf(p, sizeof(p), "%s/blobs/sha256/%.2s/%s", c->root, dg + 7, dg + 7);
  assert_int_equal(stat(p, &st), 0);
  assert_int_equal(st.st_size, (off_t)(sizeof(data) - 1));

  /* the upload is gone */
  struct blob_writer *w = NULL;
  assert_int_equal(blob_writer_open(&w, c->bs, uuid, 0), ERR_NOTFOUND);
  assert_int_equal(blob_upload_commit(c->bs, uuid, sizeof(data) - 1, dg), ERR_NOTFOUND);
  assert_int_equal(blob_upload_abort(c->bs, uuid), ERR_NOTFOUND);

  /* an empty blob */
  char empty[DIGEST_MAX];
  new_uuid(uuid);
  digest_of(empty, DIGEST_SHA256, "", 0);
  assert_int_equal(blob_upload_create(c->bs, uuid), 0);
  assert_int_equal(blob_upload_commit(c->bs, uuid, 0, empty), 0);
  assert_blob(c->bs, empty, "", 0);
}

static void test_wrong_digest(void **state)
{
  struct ctx *c = *state;
  char uuid[37], good[DIGEST_MAX], bad[DIGEST_MAX];
  const char data[] = "some layer bytes";
  size_t n = sizeof(data) - 1;
  new_uuid(uuid);
  digest_of(good, DIGEST_SHA256, data, n);
  digest_of(bad, DIGEST_SHA256, "other", 5);
  assert_int_equal(blob_upload_create(c->bs, uuid), 0);
  write_at(c->bs, uuid, 0, data, n, 1);
  assert_int_equal(blob_upload_commit(c->bs, uuid, (int64_t)n, bad), ERR_DIGEST);
  assert_int_equal(upload_file_size(c, uuid), (off_t)n);
  int64_t size;
  assert_int_equal(blob_stat(c->bs, &size, bad), ERR_NOTFOUND);
  /* without the cache too */
  struct blob_store *bs2 = NULL;
  assert_int_equal(blob_store_open(&bs2, c->url), 0);
  assert_int_equal(blob_upload_commit(bs2, uuid, (int64_t)n, bad), ERR_DIGEST);
  assert_int_equal(upload_file_size(c, uuid), (off_t)n);
  /* the right digest still commits, and still from the cache */
  int hit = 0;
  assert_int_equal(commit_capture(c->bs, uuid, (int64_t)n, good, &hit), 0);
  assert_true(hit);
  assert_blob(bs2, good, data, n);
  blob_store_close(bs2);
}

/* Writes data in pieces of `piece` bytes, one writer session each, with
 * keep_hash as given, then commits from `commit_bs`. */
static void chunked(struct ctx *c, int keep_hash, int commit_elsewhere, int expect_hit)
{
  char uuid[37], dg[DIGEST_MAX];
  unsigned char data[1000];
  for (size_t i = 0; i < sizeof(data); i++)
    data[i] = (unsigned char)(i * 7 + (size_t)keep_hash + (size_t)commit_elsewhere);
  digest_of(dg, DIGEST_SHA256, data, sizeof(data));
  new_uuid(uuid);
  assert_int_equal(blob_upload_create(c->bs, uuid), 0);
  size_t pieces[] = { 1, 99, 300, 0, 250, 350 };
  int64_t off = 0;
  for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
    write_at(c->bs, uuid, off, data + off, pieces[i], keep_hash);
    off += (int64_t)pieces[i];
  }
  assert_int_equal(off, (int64_t)sizeof(data));
  struct blob_store *bs = c->bs, *bs2 = NULL;
  if (commit_elsewhere) {
    assert_int_equal(blob_store_open(&bs2, c->url), 0);
    bs = bs2;
  }
  int hit = -1;
  assert_int_equal(commit_capture(bs, uuid, off, dg, &hit), 0);
  assert_int_equal(hit, expect_hit);
  int64_t size;
  assert_int_equal(blob_stat(c->bs, &size, dg), 0);
  assert_int_equal(size, off);
  blob_store_close(bs2);
}

static void test_chunked_writes(void **state)
{
  struct ctx *c = *state;
  chunked(c, 1, 0, 1); /* cache all along */
  chunked(c, 0, 0, 0); /* re-hash at every open and at commit */
  chunked(c, 1, 1, 0); /* a second store instance has an empty cache */
  chunked(c, 0, 1, 0);
}

/* The cache must not be trusted once someone else has written the upload. */
static void test_stale_cache(void **state)
{
  struct ctx *c = *state;
  char uuid[37], dg_a[DIGEST_MAX], dg_b[DIGEST_MAX];
  unsigned char a[100], b[100];
  memset(a, 'a', sizeof(a));
  memcpy(b, a, 50);
  memset(b + 50, 'b', 50);
  digest_of(dg_a, DIGEST_SHA256, a, sizeof(a));
  digest_of(dg_b, DIGEST_SHA256, b, sizeof(b));
  new_uuid(uuid);
  assert_int_equal(blob_upload_create(c->bs, uuid), 0);
  write_at(c->bs, uuid, 0, a, sizeof(a), 1); /* c->bs caches (uuid, 100, H(a)) */

  /* another "process" redoes the second half with the same length */
  struct blob_store *other = NULL;
  assert_int_equal(blob_store_open(&other, c->url), 0);
  write_at(other, uuid, 50, b + 50, 50, 1);
  blob_store_close(other);

  int hit = 1;
  assert_int_equal(commit_capture(c->bs, uuid, 100, dg_a, &hit), ERR_DIGEST);
  assert_false(hit);
  assert_int_equal(blob_upload_commit(c->bs, uuid, 100, dg_b), 0);
  assert_blob(c->bs, dg_b, b, sizeof(b));

  /* and a writer resuming from the stale state would hash the wrong bytes */
  new_uuid(uuid);
  assert_int_equal(blob_upload_create(c->bs, uuid), 0);
  write_at(c->bs, uuid, 0, a, 60, 1);
  assert_int_equal(blob_store_open(&other, c->url), 0);
  write_at(other, uuid, 50, b + 50, 10, 0); /* same size 60, bytes differ */
  blob_store_close(other);
  write_at(c->bs, uuid, 60, b + 60, 40, 1);
  assert_int_equal(blob_upload_commit(c->bs, uuid, 100, dg_b), 0);
}

static void test_truncate_and_range(void **state)
{
  struct ctx *c = *state;
  char uuid[37], dg[DIGEST_MAX];
  unsigned char good[100], junk[100];
  for (size_t i = 0; i < sizeof(good); i++) {
    good[i] = (unsigned char)i;
    junk[i] = 0xee;
  }
  new_uuid(uuid);
  assert_int_equal(blob_upload_create(c->bs, uuid), 0);
  write_at(c->bs, uuid, 0, good, 60, 1);
  /* a request that failed midway: 40 bytes of junk were never acknowledged */
  write_at(c->bs, uuid, 60, junk, 40, 1);
  assert_int_equal(upload_file_size(c, uuid), 100);

  struct blob_writer *w = NULL;
  assert_int_equal(blob_writer_open(&w, c->bs, uuid, 101), ERR_RANGE);
  assert_null(w);
  assert_int_equal(blob_writer_open(&w, c->bs, uuid, -1), ERR_RANGE);
  assert_int_equal(blob_writer_open(&w, c->bs, uuid, 60), 0);
  assert_int_equal(upload_file_size(c, uuid), 60); /* junk cut off at open */
  assert_int_equal(blob_writer_size(w), 60);
  assert_int_equal(blob_writer_write(w, good + 60, 40), 0);
  assert_int_equal(blob_writer_close(w, 1), 0);

  digest_of(dg, DIGEST_SHA256, good, sizeof(good));
  assert_int_equal(blob_upload_commit(c->bs, uuid, 101, dg), ERR_RANGE);
  assert_int_equal(blob_upload_commit(c->bs, uuid, -1, dg), ERR_INVALID);
  assert_int_equal(blob_upload_commit(c->bs, uuid, 100, dg), 0);
  assert_blob(c->bs, dg, good, sizeof(good));

  /* commit of a prefix: the tail past size is dropped */
  new_uuid(uuid);
  assert_int_equal(blob_upload_create(c->bs, uuid), 0);
  write_at(c->bs, uuid, 0, junk, 100, 1);
  digest_of(dg, DIGEST_SHA256, junk, 30);
  assert_int_equal(blob_upload_commit(c->bs, uuid, 30, dg), 0);
  assert_blob(c->bs, dg, junk, 30);
}

static void test_sha512(void **state)
{
  struct ctx *c = *state;
  char uuid[37], dg[DIGEST_MAX], dg256[DIGEST_MAX];
  const char data[] = "sha512 content";
  size_t n = sizeof(data) - 1;
  digest_of(dg, DIGEST_SHA512, data, n);
  digest_of(dg256, DIGEST_SHA256, data, n);
  for (int keep = 0; keep <= 1; keep++) {
    new_uuid(uuid);
    assert_int_equal(blob_upload_create(c->bs, uuid), 0);
    write_at(c->bs, uuid, 0, data, 5, keep);
    write_at(c->bs, uuid, 5, data + 5, n - 5, keep);
    /* the cached state is SHA-256: it cannot stand in for SHA-512 */
    int hit = 1;
    assert_int_equal(commit_capture(c->bs, uuid, (int64_t)n, dg, &hit), 0);
    assert_false(hit);
  }
  assert_blob(c->bs, dg, data, n);
  int64_t size;
  assert_int_equal(blob_stat(c->bs, &size, dg256), ERR_NOTFOUND);
  char p[PATH_MAX + 200];
  struct stat st;
  snprintf(p, sizeof(p), "%s/blobs/sha512/%.2s/%s", c->root, dg + 7, dg + 7);
  assert_int_equal(stat(p, &st), 0);
  /* an unknown algorithm is not hashed */
  new_uuid(uuid);
  assert_int_equal(blob_upload_create(c->bs, uuid), 0);
  assert_int_equal(blob_upload_commit(c->bs, uuid, 0, "md5:d41d8cd98f00b204e9800998ecf8427e"),
                   ERR_UNSUPPORTED);
}

static void test_dedupe(void **state)
{
  struct ctx *c = *state;
  char u1[37], u2[37], dg[DIGEST_MAX];
  const char data[] = "same bytes twice";
  size_t n = sizeof(data) - 1;
  digest_of(dg, DIGEST_SHA256, data, n);
  new_uuid(u1);
  new_uuid(u2);
  assert_int_equal(blob_upload_create(c->bs, u1), 0);
  assert_int_equal(blob_upload_create(c->bs, u2), 0);
  write_at(c->bs, u1, 0, data, n, 1);
  write_at(c->bs, u2, 0, data, n, 0);
  assert_int_equal(blob_upload_commit(c->bs, u1, (int64_t)n, dg), 0);
  struct stat before, after;
  char p[PATH_MAX + 200];
  snprintf(p, sizeof(p), "%s/blobs/sha256/%.2s/%s", c->root, dg + 7, dg + 7);
  assert_int_equal(stat(p, &before), 0);
  assert_int_equal(blob_upload_commit(c->bs, u2, (int64_t)n, dg), 0);
  assert_int_equal(stat(p, &after), 0);
  assert_int_equal(before.st_ino, after.st_ino); /* the stored blob was kept */
  assert_int_equal(upload_file_size(c, u2), -1);
  assert_blob(c->bs, dg, data, n);
}

static void test_read_stat_delete(void **state)
{
  struct ctx *c = *state;
  char uuid[37], dg[DIGEST_MAX];
  const char data[] = "0123456789abcdef";
  size_t n = sizeof(data) - 1;
  digest_of(dg, DIGEST_SHA256, data, n);
  new_uuid(uuid);
  assert_int_equal(blob_upload_create(c->bs, uuid), 0);
  write_at(c->bs, uuid, 0, data, n, 0);
  assert_int_equal(blob_upload_commit(c->bs, uuid, (int64_t)n, dg), 0);

  int fd = -1;
  int64_t size = -1;
  assert_int_equal(blob_open_fd(c->bs, &fd, &size, dg), 0);
  assert_true(fd >= 0);
  assert_int_equal(size, (int64_t)n);
  char buf[32];
  assert_int_equal(pread(fd, buf, sizeof(buf), 0), (ssize_t)n);
  assert_memory_equal(buf, data, n);
  assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
  close(fd);

  size_t got = 99;
  assert_int_equal(blob_read(c->bs, &got, dg, 10, buf, 4), 0);
  assert_int_equal(got, 4);
  assert_memory_equal(buf, "abcd", 4);
  assert_int_equal(blob_read(c->bs, &got, dg, 12, buf, sizeof(buf)), 0);
  assert_int_equal(got, 4);
  assert_memory_equal(buf, "cdef", 4);
  assert_int_equal(blob_read(c->bs, &got, dg, (int64_t)n, buf, sizeof(buf)), 0);
  assert_int_equal(got, 0);
  assert_int_equal(blob_read(c->bs, &got, dg, 1000, buf, sizeof(buf)), 0);
  assert_int_equal(got, 0);
  assert_int_equal(blob_read(c->bs, &got, dg, -1, buf, sizeof(buf)), ERR_INVALID);

  assert_int_equal(blob_delete(c->bs, dg), 0);
  assert_int_equal(blob_stat(c->bs, &size, dg), ERR_NOTFOUND);
  assert_int_equal(blob_open_fd(c->bs, &fd, &size, dg), ERR_NOTFOUND);
  assert_int_equal(blob_read(c->bs, &got, dg, 0, buf, sizeof(buf)), ERR_NOTFOUND);
  assert_int_equal(blob_delete(c->bs, dg), ERR_NOTFOUND);
  /* a never-stored digest of another algorithm */
  digest_of(dg, DIGEST_SHA512, "nothing", 7);
  assert_int_equal(blob_stat(c->bs, &size, dg), ERR_NOTFOUND);
}

static void test_path_traversal(void **state)
{
  struct ctx *c = *state;
  /* something a traversal would reach if it worked */
  char victim[PATH_MAX + 16];
  snprintf(victim, sizeof(victim), "%s/x", c->dir);
  int vfd = open(victim, O_WRONLY | O_CREAT, 0600);
  assert_true(vfd >= 0);
  assert_int_equal(write(vfd, "keep", 4), 4);
  close(vfd);

  static const char *digests[] = {
    "sha256:../../x", "sha256:../../../x", "../x", "sha256/../../x", "",
    "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
  };
  int fd;
  int64_t size;
  size_t got;
  char buf[8];
  for (size_t i = 0; i < sizeof(digests) / sizeof(digests[0]); i++) {
    const char *d = digests[i];
    assert_int_equal(blob_stat(c->bs, &size, d), ERR_INVALID);
    assert_int_equal(blob_open_fd(c->bs, &fd, &size, d), ERR_INVALID);
    assert_int_equal(blob_read(c->bs, &got, d, 0, buf, sizeof(buf)), ERR_INVALID);
    assert_int_equal(blob_delete(c->bs, d), ERR_INVALID);
  }
  /* a digest longer than any valid one is not even scanned to the end */
  char longd[4096];
  memset(longd, 'a', sizeof(longd) - 1);
  memcpy(longd, "sha256:", 7);
  longd[sizeof(longd) - 1] = '\0';
  assert_int_equal(blob_stat(c->bs, &size, longd), ERR_INVALID);

  char good_uuid[37];
  new_uuid(good_uuid);
  assert_int_equal(blob_upload_create(c->bs, good_uuid), 0);
  assert_int_equal(blob_upload_commit(c->bs, good_uuid, 0, "sha256:../../x"), ERR_INVALID);

  static const char *uuids[] = {
    "../x", "", "..", "/etc/passwd",
    "01234567/def0-1234-5678-9abcdef01234",  /* a slash */
    "../../../../../../../../../../../../",  /* 36 chars of traversal */
    "0123ABCD-def0-1234-5678-9abcdef01234",  /* uppercase */
    "01234567-def0-1234-5678-9abcdef012345", /* 37 chars */
    "01234567-def0-1234-5678-9abcdef0123",   /* 35 chars */
  };
  char dg[DIGEST_MAX];
  digest_of(dg, DIGEST_SHA256, "", 0);
  struct blob_writer *w = NULL;
  for (size_t i = 0; i < sizeof(uuids) / sizeof(uuids[0]); i++) {
    const char *u = uuids[i];
    assert_int_equal(blob_upload_create(c->bs, u), ERR_INVALID);
    assert_int_equal(blob_writer_open(&w, c->bs, u, 0), ERR_INVALID);
    assert_int_equal(blob_upload_commit(c->bs, u, 0, dg), ERR_INVALID);
    assert_int_equal(blob_upload_abort(c->bs, u), ERR_INVALID);
  }
  assert_null(w);
  assert_int_equal(blob_upload_create(c->bs, NULL), ERR_INVALID);
  struct stat st;
  assert_int_equal(stat(victim, &st), 0);
  assert_int_equal(st.st_size, 4);
}

static void test_locking_and_abort(void **state)
{
  struct ctx *c = *state;
  char uuid[37], dg[DIGEST_MAX];
  new_uuid(uuid);
  digest_of(dg, DIGEST_SHA256, "ab", 2);
  assert_int_equal(blob_upload_create(c->bs, uuid), 0);
  struct blob_writer *w = NULL, *w2 = NULL;
  assert_int_equal(blob_writer_open(&w, c->bs, uuid, 0), 0);
  assert_int_equal(blob_writer_write(w, "ab", 2), 0);
  /* one writer at a time, and no commit under a writer, in any store */
  struct blob_store *other = NULL;
  assert_int_equal(blob_store_open(&other, c->url), 0);
  assert_int_equal(blob_writer_open(&w2, other, uuid, 0), ERR_CONFLICT);
  assert_int_equal(blob_writer_open(&w2, c->bs, uuid, 0), ERR_CONFLICT);
  assert_int_equal(blob_upload_commit(other, uuid, 2, dg), ERR_CONFLICT);
  assert_null(w2);
  assert_int_equal(blob_writer_close(w, 1), 0);
  assert_int_equal(blob_writer_close(NULL, 1), 0);

  assert_int_equal(blob_upload_abort(c->bs, uuid), 0);
  assert_int_equal(blob_upload_abort(c->bs, uuid), ERR_NOTFOUND);
  assert_int_equal(blob_writer_open(&w, c->bs, uuid, 0), ERR_NOTFOUND);
  assert_int_equal(blob_upload_commit(c->bs, uuid, 2, dg), ERR_NOTFOUND);
  /* the uuid can be reused from scratch; the old cache entry is gone */
  assert_int_equal(blob_upload_create(c->bs, uuid), 0);
  assert_int_equal(blob_writer_open(&w, c->bs, uuid, 2), ERR_RANGE);
  blob_store_close(other);
}

/* Large uploads go through staged blocks, worker threads and (where the
 * filesystem takes it) O_DIRECT: odd write sizes, sessions that start and
 * end at unaligned offsets, a session whose tail is abandoned and cut back
 * by the next one; the stored blob must be exactly the bytes acknowledged. */
static void test_staged_unaligned(void **state)
{
  struct ctx *c = *state;
  enum { TOTAL = 21 * 1024 * 1024 + 4321 };
  static const size_t sizes[] = { 31900, 7, 1048577, 4096, 65536 + 3, 262144, 1 };
  unsigned char *data = malloc(TOTAL);
  assert_non_null(data);
  for (size_t i = 0; i < TOTAL; i++)
    data[i] = (unsigned char)(i * 2654435761u >> 13);
  char uuid[37], dg[DIGEST_MAX];
  new_uuid(uuid);
  assert_int_equal(blob_upload_create(c->bs, uuid), 0);
  /* sessions end at these offsets; the third writes 3 MiB more than it
   * acknowledges (a failed request) and the next resumes before them */
  const int64_t ends[] = { 4 * 1024 * 1024 - 1, 9 * 1024 * 1024 + 77, 15 * 1024 * 1024 + 5,
                           TOTAL };
  int64_t off = 0;
  size_t k = 0;
  for (int s = 0; s < 4; s++) {
    struct blob_writer *w = NULL;
    assert_int_equal(blob_writer_open(&w, c->bs, uuid, off), 0);
    int64_t stop = s == 2 ? ends[s] + 3 * 1024 * 1024 : ends[s];
    int64_t pos = off;
    while (pos < stop) {
      size_t n = sizes[k++ % (sizeof(sizes) / sizeof(sizes[0]))];
      if ((int64_t)n > stop - pos)
        n = (size_t)(stop - pos);
      assert_int_equal(blob_writer_write(w, data + pos, n), 0);
      pos += (int64_t)n;
      assert_int_equal(blob_writer_size(w), pos);
    }
    assert_int_equal(blob_writer_close(w, s == 3), 0);
    assert_int_equal(upload_file_size(c, uuid), stop);
    off = ends[s];
  }
  digest_of(dg, DIGEST_SHA256, data, TOTAL);
  int hit = 0;
  assert_int_equal(commit_capture(c->bs, uuid, TOTAL, dg, &hit), 0);
  assert_true(hit); /* the staged hash described the file */
  /* read it all back */
  unsigned char *back = malloc(TOTAL);
  assert_non_null(back);
  int64_t got = 0;
  while (got < TOTAL) {
    size_t n = 0;
    assert_int_equal(blob_read(c->bs, &n, dg, got, back + got, (size_t)(TOTAL - got)), 0);
    assert_true(n > 0);
    got += (int64_t)n;
  }
  assert_memory_equal(back, data, TOTAL);
  free(back);
  free(data);
}

static void test_64mib(void **state)
{
  struct ctx *c = *state;
  enum { MIB = 1 << 20, PIECES = 64, SPLIT = 40 };
  unsigned char *piece = malloc(MIB);
  assert_non_null(piece);
  char uuid[37], dg[DIGEST_MAX];
  new_uuid(uuid);
  assert_int_equal(blob_upload_create(c->bs, uuid), 0);
  struct hasher *h = hasher_new(DIGEST_SHA256);
  assert_non_null(h);
  struct blob_writer *w = NULL;
  /* two writer sessions; the second re-hashes the first 40 MiB at open */
  for (int i = 0; i < PIECES; i++) {
    if (i == 0 || i == SPLIT)
      assert_int_equal(blob_writer_open(&w, c->bs, uuid, (int64_t)i * MIB), 0);
    memset(piece, i * 3 + 1, MIB);
    piece[i] = (unsigned char)i;
    assert_int_equal(hasher_update(h, piece, MIB), 0);
    assert_int_equal(blob_writer_write(w, piece, MIB), 0);
    if (i == SPLIT - 1 || i == PIECES - 1) {
      assert_int_equal(blob_writer_close(w, i == PIECES - 1), 0);
      w = NULL;
    }
  }
  assert_int_equal(hasher_final(h, dg), 0);
  hasher_free(h);
  int hit = 0;
  assert_int_equal(commit_capture(c->bs, uuid, (int64_t)PIECES * MIB, dg, &hit), 0);
  assert_true(hit);
  int64_t size;
  assert_int_equal(blob_stat(c->bs, &size, dg), 0);
  assert_int_equal(size, (int64_t)PIECES * MIB);
  size_t got;
  unsigned char b[4];
  assert_int_equal(blob_read(c->bs, &got, dg, (int64_t)63 * MIB + 62, b, sizeof(b)), 0);
  assert_int_equal(got, 4);
  assert_int_equal(b[0], 63 * 3 + 1);
  assert_int_equal(b[1], 63);
  assert_int_equal(b[2], 63 * 3 + 1);
  free(piece);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_open_layout, setup, teardown),
    cmocka_unit_test_setup_teardown(test_commit_ok, setup, teardown),
    cmocka_unit_test_setup_teardown(test_wrong_digest, setup, teardown),
    cmocka_unit_test_setup_teardown(test_chunked_writes, setup, teardown),
    cmocka_unit_test_setup_teardown(test_stale_cache, setup, teardown),
    cmocka_unit_test_setup_teardown(test_truncate_and_range, setup, teardown),
    cmocka_unit_test_setup_teardown(test_sha512, setup, teardown),
    cmocka_unit_test_setup_teardown(test_dedupe, setup, teardown),
    cmocka_unit_test_setup_teardown(test_read_stat_delete, setup, teardown),
    cmocka_unit_test_setup_teardown(test_path_traversal, setup, teardown),
    cmocka_unit_test_setup_teardown(test_locking_and_abort, setup, teardown),
    cmocka_unit_test_setup_teardown(test_64mib, setup, teardown),
    cmocka_unit_test_setup_teardown(test_staged_unaligned, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
