/* Filesystem blob backend.
 *
 * Layout under the root given by the URL:
 *   blobs/<algo>/<first 2 hex>/<hex>   content-addressed, immutable
 *   uploads/<uuid>                     in-progress uploads
 * Both live on one filesystem, so publishing a blob is one atomic rename.
 * Every name that reaches the filesystem is built from a digest that passed
 * digest_parse() or a uuid of 36 [0-9a-f-] characters, and is resolved
 * relative to directory fds opened once, so no caller string can walk out
 * of the root.
 *
 * Writers and commits take flock(LOCK_EX) on the upload, so two requests
 * (in any process) cannot write the same upload at once, and bytes cannot
 * change between verifying a digest and publishing the blob.
 *
 * The SHA-256 state of an upload is cached in process after a writer
 * closes, so resuming it or committing it need not re-read the bytes. The
 * cache is only trusted when the file still carries the fingerprint taken
 * when the entry was stored: same inode, size, ctime and an mtime we
 * stamped with random nanoseconds (any write by anyone else moves them). */
#include "blob/blob.h"
#include "blob/fs_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "util/digest.h"
#include "util/err.h"
#include "util/log.h"
#include "util/rand.h"

/* Content address of one digest, relative to blobs/. */
struct fs_target {
  enum digest_algo algo;
  char top[FS_REL_MAX]; /* "<algo>" */
  char dir[FS_REL_MAX]; /* "<algo>/<hh>" */
  char rel[FS_REL_MAX]; /* "<algo>/<hh>/<hex>" */
};

/* --- helpers -------------------------------------------------------------- */

/* Maps errno to an error code; anything but ENOENT is logged. */
int fs_errno(int e, const char *op, const char *what)
{
  if (e == ENOENT)
    return ERR_NOTFOUND;
  char msg[128];
  LOG(LOG_ERROR, "blob fs: %s %s: %s", op, what, strerror_r(e, msg, sizeof(msg)));
  return ERR_IO;
}

static int fs_valid_uuid(const char *uuid)
{
  if (!uuid)
    return 0;
  size_t i;
  for (i = 0; i < FS_UUID_LEN; i++) {
    char c = uuid[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-'))
      return 0;
  }
  return uuid[i] == '\0';
}

/* Validates digest and builds its paths. Codes of digest_parse(). */
static int fs_target(struct fs_target *out, const char *digest)
{
  if (!digest)
    return ERR_INVALID;
  size_t n = strnlen(digest, DIGEST_MAX);
  if (n >= DIGEST_MAX)
    return ERR_INVALID;
  enum digest_algo algo;
  int rc = digest_parse(&algo, digest, n);
  if (rc != 0)
    return rc;
  const char *colon = strchr(digest, ':');
  int alen = (int)(colon - digest);
  const char *hex = colon + 1;
  int a = snprintf(out->top, sizeof(out->top), "%.*s", alen, digest);
  int b = snprintf(out->dir, sizeof(out->dir), "%.*s/%.2s", alen, digest, hex);
  int c = snprintf(out->rel, sizeof(out->rel), "%.*s/%.2s/%s", alen, digest, hex, hex);
  if (a < 0 || b < 0 || c < 0 || (size_t)c >= sizeof(out->rel))
    return ERR_INVALID;
  out->algo = algo;
  return 0;
}

/* fsyncs directory rel under dirfd, or dirfd itself when rel is NULL. */
static int fs_fsync_dir(int dirfd, const char *rel)
{
  int fd = dirfd, rc = 0;
  if (rel) {
    fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return fs_errno(errno, "open dir", rel);
  }
  if (fsync(fd) != 0)
    rc = fs_errno(errno, "fsync dir", rel ? rel : ".");
  if (rel)
    close(fd);
  return rc;
}

/* mkdir rel under dirfd if missing; when created, fsyncs its parent
 * (parent_rel under dirfd, or dirfd itself when NULL). */
static int fs_mkdir_at(int dirfd, const char *rel, const char *parent_rel)
{
  if (mkdirat(dirfd, rel, 0700) == 0)
    return fs_fsync_dir(dirfd, parent_rel);
  if (errno == EEXIST)
    return 0;
  return fs_errno(errno, "mkdir", rel);
}

/* Feeds the first len bytes of fd to h; ERR_RANGE if the file is shorter. */
static int fs_hash_prefix(struct hasher *h, int fd, int64_t len, const char *what)
{
  unsigned char *buf = malloc(FS_CHUNK);
  if (!buf)
    return ERR_NOMEM;
  int rc = 0;
  int64_t off = 0;
  while (off < len) {
    size_t want = (uint64_t)(len - off) < FS_CHUNK ? (size_t)(len - off) : FS_CHUNK;
    ssize_t n = pread(fd, buf, want, (off_t)off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      rc = fs_errno(errno, "read", what);
      break;
    }
    if (n == 0) {
      rc = ERR_RANGE;
      break;
    }
    if ((rc = hasher_update(h, buf, (size_t)n)) != 0)
      break;
    off += n;
  }
  free(buf);
  return rc;
}

/* --- hash-state cache ----------------------------------------------------- */

static void fp_set(struct fs_fp *fp, const struct stat *st)
{
  fp->dev = st->st_dev;
  fp->ino = st->st_ino;
  fp->size = st->st_size;
  fp->mtime = st->st_mtim;
  fp->ctime = st->st_ctim;
}

static int fp_matches(const struct fs_fp *fp, const struct stat *st)
{
  return fp->dev == st->st_dev && fp->ino == st->st_ino && fp->size == st->st_size &&
         fp->mtime.tv_sec == st->st_mtim.tv_sec && fp->mtime.tv_nsec == st->st_mtim.tv_nsec &&
         fp->ctime.tv_sec == st->st_ctim.tv_sec && fp->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* Removes uuid's entry into *out (caller then owns out->h); 0 if none. */
static int cache_take(struct fs_store *fs, struct fs_cached *out, const char *uuid)
{
  int found = 0;
  pthread_mutex_lock(&fs->mu);
  for (size_t i = 0; i < fs->ncache; i++) {
    if (strcmp(fs->cache[i].uuid, uuid) == 0) {
      *out = fs->cache[i];
      fs->cache[i] = fs->cache[--fs->ncache];
      found = 1;
      break;
    }
  }
  pthread_mutex_unlock(&fs->mu);
  return found;
}

/* Stores *e, taking its hasher; replaces uuid's entry or, when full,
 * evicts the oldest. */
static void cache_put(struct fs_store *fs, struct fs_cached *e)
{
  struct hasher *old = NULL;
  pthread_mutex_lock(&fs->mu);
  size_t slot = fs->ncache;
  for (size_t i = 0; i < fs->ncache; i++) {
    if (strcmp(fs->cache[i].uuid, e->uuid) == 0) {
      slot = i;
      break;
    }
  }
  if (slot == fs->ncache && fs->ncache == FS_CACHE_MAX) {
    slot = 0;
    for (size_t i = 1; i < fs->ncache; i++)
      if (fs->cache[i].seq < fs->cache[slot].seq)
        slot = i;
  }
  if (slot < fs->ncache)
    old = fs->cache[slot].h;
  else
    fs->ncache++;
  e->seq = ++fs->seq;
  fs->cache[slot] = *e;
  pthread_mutex_unlock(&fs->mu);
  e->h = NULL;
  hasher_free(old);
}

static void cache_drop(struct fs_store *fs, const char *uuid)
{
  struct fs_cached e;
  if (cache_take(fs, &e, uuid))
    hasher_free(e.h);
}

/* --- store ---------------------------------------------------------------- */

/* mkdir -p path (0700 for what it creates). */
static int fs_mkdir_p(const char *path)
{
  char buf[PATH_MAX];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof(buf))
    return ERR_INVALID;
  memcpy(buf, path, n + 1);
  for (char *p = buf + 1;; p++) {
    if (*p != '/' && *p != '\0')
      continue;
    char c = *p;
    *p = '\0';
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
      return fs_errno(errno, "mkdir", buf);
    *p = c;
    if (c == '\0')
      return 0;
  }
}

/* Creates (if missing) and opens directory name under the root. */
static int fs_open_subdir(int *out_fd, int root_fd, const char *name)
{
  int rc = fs_mkdir_at(root_fd, name, NULL);
  if (rc != 0)
    return rc;
  int fd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return fs_errno(errno, "open dir", name);
  *out_fd = fd;
  return 0;
}

static void fs_close(struct blob_store *bs)
{
  struct fs_store *fs = (struct fs_store *)bs;
  if (!fs)
    return;
  offload_stop(fs->workers); /* no writer is open when the store closes */
  for (size_t i = 0; i < fs->ncache; i++)
    hasher_free(fs->cache[i].h);
  if (fs->uploads_fd >= 0)
    close(fs->uploads_fd);
  if (fs->blobs_fd >= 0)
    close(fs->blobs_fd);
  if (fs->root_fd >= 0)
    close(fs->root_fd);
  pthread_mutex_destroy(&fs->mu);
  free(fs);
}

static int fs_open(struct blob_store **out, const char *url)
{
  size_t plen = strlen(FS_SCHEME_PREFIX);
  if (!url || strncmp(url, FS_SCHEME_PREFIX, plen) != 0)
    return ERR_UNSUPPORTED;
  const char *path = url + plen;
  if (*path == '\0')
    return ERR_INVALID;
  struct fs_store *fs = calloc(1, sizeof(*fs));
  if (!fs)
    return ERR_NOMEM;
  fs->root_fd = fs->blobs_fd = fs->uploads_fd = -1;
  if (pthread_mutex_init(&fs->mu, NULL) != 0) {
    free(fs);
    return ERR_INTERNAL;
  }
  int rc = fs_mkdir_p(path);
  if (rc != 0)
    goto out;
  /* the fds pin the directories, so a later chdir does not move the store */
  fs->root_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fs->root_fd < 0) {
    rc = fs_errno(errno, "open", path);
    goto out;
  }
  if ((rc = fs_open_subdir(&fs->blobs_fd, fs->root_fd, "blobs")) != 0 ||
      (rc = fs_open_subdir(&fs->uploads_fd, fs->root_fd, "uploads")) != 0)
    goto out;
  fs->base.ops = &blob_fs_ops;
  *out = &fs->base;
  fs = NULL;
out:
  fs_close(fs ? &fs->base : NULL);
  return rc;
}

/* --- blobs ---------------------------------------------------------------- */

static int fs_stat(struct blob_store *bs, int64_t *out_size, const char *digest)
{
  struct fs_store *fs = (struct fs_store *)bs;
  struct fs_target t;
  int rc = fs_target(&t, digest);
  if (rc != 0)
    return rc;
  struct stat st;
  if (fstatat(fs->blobs_fd, t.rel, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return fs_errno(errno, "stat", t.rel);
  if (!S_ISREG(st.st_mode))
    return ERR_NOTFOUND;
  *out_size = (int64_t)st.st_size;
  return 0;
}

/* Opens blob t for reading; *out_st describes it. */
static int fs_open_blob(struct fs_store *fs, int *out_fd, struct stat *out_st,
                        const struct fs_target *t)
{
  int fd = openat(fs->blobs_fd, t->rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return fs_errno(errno, "open", t->rel);
  if (fstat(fd, out_st) != 0) {
    int rc = fs_errno(errno, "fstat", t->rel);
    close(fd);
    return rc;
  }
  if (!S_ISREG(out_st->st_mode)) {
    close(fd);
    return ERR_NOTFOUND;
  }
  *out_fd = fd;
  return 0;
}

static int fs_open_fd(struct blob_store *bs, int *out_fd, int64_t *out_size, const char *digest)
{
  struct fs_target t;
  int rc = fs_target(&t, digest);
  if (rc != 0)
    return rc;
  struct stat st;
  int fd;
  rc = fs_open_blob((struct fs_store *)bs, &fd, &st, &t);
  if (rc != 0)
    return rc;
  *out_fd = fd;
  *out_size = (int64_t)st.st_size;
  return 0;
}

static int fs_read(struct blob_store *bs, size_t *out_n, const char *digest, int64_t offset,
                   void *buf, size_t len)
{
  struct fs_target t;
  if (offset < 0)
    return ERR_INVALID;
  int rc = fs_target(&t, digest);
  if (rc != 0)
    return rc;
  struct stat st;
  int fd;
  if ((rc = fs_open_blob((struct fs_store *)bs, &fd, &st, &t)) != 0)
    return rc;
  size_t got = 0;
  while (got < len && offset + (int64_t)got < (int64_t)st.st_size) {
    size_t want = len - got < FS_IO_MAX ? len - got : FS_IO_MAX;
    ssize_t n = pread(fd, (char *)buf + got, want, (off_t)(offset + (int64_t)got));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      rc = fs_errno(errno, "read", t.rel);
      break;
    }
    if (n == 0)
      break;
    got += (size_t)n;
  }
  close(fd);
  if (rc == 0)
    *out_n = got;
  return rc;
}

static int fs_del(struct blob_store *bs, const char *digest)
{
  struct fs_store *fs = (struct fs_store *)bs;
  struct fs_target t;
  int rc = fs_target(&t, digest);
  if (rc != 0)
    return rc;
  if (unlinkat(fs->blobs_fd, t.rel, 0) != 0)
    return fs_errno(errno, "unlink", t.rel);
  return fs_fsync_dir(fs->blobs_fd, t.dir);
}

/* --- uploads -------------------------------------------------------------- */

static int fs_upload_create(struct blob_store *bs, const char *uuid)
{
  struct fs_store *fs = (struct fs_store *)bs;
  if (!fs_valid_uuid(uuid))
    return ERR_INVALID;
  int fd = openat(fs->uploads_fd, uuid, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                  0600);
  if (fd < 0)
    return errno == EEXIST ? ERR_EXISTS : fs_errno(errno, "create upload", uuid);
  if (close(fd) != 0)
    return fs_errno(errno, "close upload", uuid);
  cache_drop(fs, uuid);
  /* No directory fsync: an upload is only durable once committed (file
   * fsync, rename, fsync of the blob's directory); a session whose file a
   * crash took is answered BLOB_UPLOAD_UNKNOWN and restarted by the client,
   * as one whose unsynced bytes were lost. Issue 5: one fsync per push. */
  return 0;
}

static int fs_upload_abort(struct blob_store *bs, const char *uuid)
{
  struct fs_store *fs = (struct fs_store *)bs;
  if (!fs_valid_uuid(uuid))
    return ERR_INVALID;
  cache_drop(fs, uuid);
  if (unlinkat(fs->uploads_fd, uuid, 0) != 0)
    return fs_errno(errno, "unlink upload", uuid);
  return 0;
}

static int fs_upload_each_stale(struct blob_store *bs, int64_t before,
                                int (*fn)(void *ctx, const char *uuid), void *ctx)
{
  struct fs_store *fs = (struct fs_store *)bs;
  int dfd = dup(fs->uploads_fd);
  if (dfd < 0)
    return fs_errno(errno, "scan uploads", "uploads");
  DIR *d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    return fs_errno(errno, "scan uploads", "uploads");
  }
  rewinddir(d); /* the dup shares the offset of earlier scans */
  struct dirent *de;
  struct stat st;
  int rc = 0;
  while (!rc && (de = readdir(d)) != NULL) {
    if (!fs_valid_uuid(de->d_name))
      continue;
    if (fstatat(fs->uploads_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
      continue; /* removed meanwhile */
    if (S_ISREG(st.st_mode) && (int64_t)st.st_mtime < before)
      rc = fn(ctx, de->d_name);
  }
  closedir(d);
  return 0;
}

/* Opens upload uuid read-write holding flock(LOCK_EX), so no other writer
 * or commit in any process touches it meanwhile. ERR_CONFLICT if one does. */
static int fs_upload_lock(struct fs_store *fs, int *out_fd, struct stat *out_st, const char *uuid)
{
  int rc = 0;
  int fd = openat(fs->uploads_fd, uuid, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return fs_errno(errno, "open upload", uuid);
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR)
      continue;
    rc = errno == EWOULDBLOCK ? ERR_CONFLICT : fs_errno(errno, "lock upload", uuid);
    goto out;
  }
  /* A commit or abort may have taken the name away between our open and
   * our lock; then the inode we hold is no longer the upload. */
  struct stat st, named;
  if (fstat(fd, &st) != 0) {
    rc = fs_errno(errno, "fstat upload", uuid);
    goto out;
  }
  if (fstatat(fs->uploads_fd, uuid, &named, AT_SYMLINK_NOFOLLOW) != 0) {
    rc = fs_errno(errno, "stat upload", uuid);
    goto out;
  }
  if (!S_ISREG(st.st_mode) || st.st_dev != named.st_dev || st.st_ino != named.st_ino) {
    rc = ERR_NOTFOUND;
    goto out;
  }
  *out_fd = fd;
  *out_st = st;
  fd = -1;
out:
  if (fd >= 0)
    close(fd);
  return rc;
}

/* Brings w's hash to the first `offset` bytes of the file (from the cache
 * when it provably still describes the file, else by re-reading), and cuts
 * off anything past offset. */
static int fs_writer_seek(struct fs_writer *w, const struct stat *st, int64_t offset)
{
  struct fs_cached c;
  int cached = cache_take(w->fs, &c, w->uuid);
  int rc = 0;
  if ((int64_t)st->st_size < offset) {
    rc = ERR_RANGE;
    goto out;
  }
  if (cached && c.offset == offset && fp_matches(&c.fp, st)) {
    w->h = c.h;
    c.h = NULL;
    goto out;
  }
  if ((int64_t)st->st_size > offset && ftruncate(w->fd, (off_t)offset) != 0) {
    rc = fs_errno(errno, "truncate upload", w->uuid);
    goto out;
  }
  if (!(w->h = hasher_new(DIGEST_SHA256))) {
    rc = ERR_NOMEM;
    goto out;
  }
  rc = fs_hash_prefix(w->h, w->fd, offset, w->uuid);
out:
  if (cached)
    hasher_free(c.h);
  return rc;
}

static int fs_writer_open(struct blob_writer **out, struct blob_store *bs, const char *uuid,
                          int64_t offset)
{
  if (!fs_valid_uuid(uuid))
    return ERR_INVALID;
  if (offset < 0)
    return ERR_RANGE;
  struct fs_writer *w = calloc(1, sizeof(*w));
  if (!w)
    return ERR_NOMEM;
  w->base.ops = &blob_fs_ops;
  w->fs = (struct fs_store *)bs;
  w->fd = w->dfd = -1;
  memcpy(w->uuid, uuid, FS_UUID_LEN + 1);
  struct stat st;
  int rc = fs_upload_lock(w->fs, &w->fd, &st, uuid);
  if (rc == 0)
    rc = fs_writer_seek(w, &st, offset);
  if (rc != 0) {
    if (w->fd >= 0)
      close(w->fd);
    hasher_free(w->h);
    free(w);
    return rc;
  }
  w->size = offset;
  *out = &w->base;
  return 0;
}

/* Unstaged write: p[0..len) at the end of the file, hashed as written. */
static int fs_append(struct fs_writer *w, const unsigned char *p, size_t len)
{
  size_t n = 0;
  int rc = fs_pwrite_all(w->fd, p, len, w->size, &n, w->uuid, 0);
  w->size += (int64_t)n; /* the bytes are in the file: count them even if hashing fails */
  if (n > 0 && hasher_update(w->h, p, n) != 0)
    rc = ERR_INTERNAL;
  if (rc)
    w->broken = 1;
  return rc;
}

static int fs_writer_write(struct blob_writer *bw, const void *data, size_t len)
{
  struct fs_writer *w = (struct fs_writer *)bw;
  const unsigned char *p = data;
  if (w->broken)
    return w->err ? w->err : ERR_INTERNAL;
  if (len > (uint64_t)(INT64_MAX - w->size - (int64_t)w->fill))
    return ERR_TOOBIG;
  if (!w->blk[0].data && w->size + (int64_t)len >= FS_STAGE_AFTER)
    fs_stage_begin(w); /* large upload (fs_stage.c); stays unstaged if it cannot */
  return w->blk[0].data ? fs_stage_write(w, p, len) : fs_append(w, p, len);
}

static int64_t fs_writer_size(const struct blob_writer *bw)
{
  const struct fs_writer *w = (const struct fs_writer *)bw;
  return w->size + (int64_t)w->fill; /* staged bytes are written at close */
}

/* While w still holds the lock: stamps the file's mtime with random
 * nanoseconds and fingerprints it into *e, taking w's hash. 0 if the
 * filesystem does not keep the stamp (then nothing is cached). */
static int fs_writer_fingerprint(struct fs_writer *w, struct fs_cached *e)
{
  struct timespec now, ts[2];
  uint32_t r;
  struct stat st;
  if (clock_gettime(CLOCK_REALTIME, &now) != 0 || rand_bytes(&r, sizeof(r)) != 0)
    return 0;
  ts[0].tv_sec = 0;
  ts[0].tv_nsec = UTIME_OMIT;
  ts[1].tv_sec = now.tv_sec;
  ts[1].tv_nsec = (long)(r % 1000000000u);
  if (futimens(w->fd, ts) != 0 || fstat(w->fd, &st) != 0)
    return 0;
  if (st.st_mtim.tv_sec != ts[1].tv_sec || st.st_mtim.tv_nsec != ts[1].tv_nsec ||
      (int64_t)st.st_size != w->size)
    return 0;
  memcpy(e->uuid, w->uuid, sizeof(e->uuid));
  e->offset = w->size;
  fp_set(&e->fp, &st);
  e->h = w->h;
  w->h = NULL;
  return 1;
}

static int fs_writer_close(struct blob_writer *bw, int keep_hash)
{
  struct fs_writer *w = (struct fs_writer *)bw;
  struct fs_cached e = { .h = NULL };
  int rc = fs_stage_end(w); /* writes and waits for what is staged, if anything */
  int keep = keep_hash && !rc && !w->broken && fs_writer_fingerprint(w, &e);
  if (close(w->fd) != 0 && !rc) {
    rc = fs_errno(errno, "close upload", w->uuid);
    keep = 0;
  }
  if (keep)
    cache_put(w->fs, &e);
  hasher_free(e.h);
  hasher_free(w->h);
  free(w);
  return rc;
}

/* Checks that the first size bytes of the locked upload fd hash to digest. */
static int fs_verify(struct fs_store *fs, int fd, const struct stat *st, const char *uuid,
                     int64_t size, const char *digest, enum digest_algo algo)
{
  char got[DIGEST_MAX];
  struct fs_cached c;
  struct hasher *h = NULL;
  int rc = 0;
  int cached = algo == DIGEST_SHA256 && cache_take(fs, &c, uuid);
  int hit = cached && c.offset == size && fp_matches(&c.fp, st);
  if (hit) {
    LOG(LOG_DEBUG, "blob fs: commit %s uses the cached hash", uuid);
    h = hasher_dup(c.h);
  } else {
    h = hasher_new(algo);
  }
  if (!h) {
    rc = ERR_NOMEM;
    goto out;
  }
  if (!hit && (rc = fs_hash_prefix(h, fd, size, uuid)) != 0)
    goto out;
  if ((rc = hasher_final(h, got)) != 0)
    goto out;
  if (strcmp(got, digest) != 0)
    rc = ERR_DIGEST;
out:
  hasher_free(h);
  if (hit)
    cache_put(fs, &c); /* still valid; dropped once the commit succeeds */
  else if (cached)
    hasher_free(c.h);
  return rc;
}

/* Moves the verified, fsynced upload to its content address, durably. */
static int fs_publish(struct fs_store *fs, const struct fs_target *t, const char *uuid,
                      int64_t size)
{
  struct stat st;
  int rc;
  if (fstatat(fs->blobs_fd, t->rel, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISREG(st.st_mode) && (int64_t)st.st_size == size) {
      /* already stored (verified when it was): keep it, drop ours; the
       * fresh mtime tells a concurrent GC the bytes are wanted again */
      if (unlinkat(fs->uploads_fd, uuid, 0) != 0)
        return fs_errno(errno, "unlink upload", uuid);
      (void)utimensat(fs->blobs_fd, t->rel, NULL, AT_SYMLINK_NOFOLLOW);
      /* the entry may come from a commit still fsyncing: don't ack before */
      return fs_fsync_dir(fs->blobs_fd, t->dir);
    }
    LOG(LOG_WARN, "blob fs: %s has the wrong size, replacing it", t->rel);
  } else if (errno != ENOENT) {
    return fs_errno(errno, "stat", t->rel);
  }
  if ((rc = fs_mkdir_at(fs->blobs_fd, t->top, NULL)) != 0 ||
      (rc = fs_mkdir_at(fs->blobs_fd, t->dir, t->top)) != 0)
    return rc;
  if (renameat(fs->uploads_fd, uuid, fs->blobs_fd, t->rel) != 0)
    return fs_errno(errno, "rename upload to", t->rel);
  /* mtime = publish time: GC keeps bytes published within its grace period */
  (void)utimensat(fs->blobs_fd, t->rel, NULL, AT_SYMLINK_NOFOLLOW);
  return fs_fsync_dir(fs->blobs_fd, t->dir);
}

static int fs_upload_commit(struct blob_store *bs, const char *uuid, int64_t size,
                            const char *digest)
{
  struct fs_store *fs = (struct fs_store *)bs;
  struct fs_target t;
  if (!fs_valid_uuid(uuid) || size < 0)
    return ERR_INVALID;
  int rc = fs_target(&t, digest);
  if (rc != 0)
    return rc;
  int fd = -1;
  struct stat st;
  if ((rc = fs_upload_lock(fs, &fd, &st, uuid)) != 0)
    return rc;
  if ((int64_t)st.st_size < size) {
    rc = ERR_RANGE;
    goto out;
  }
  if ((rc = fs_verify(fs, fd, &st, uuid, size, digest, t.algo)) != 0)
    goto out;
  if ((int64_t)st.st_size > size && ftruncate(fd, (off_t)size) != 0) {
    rc = fs_errno(errno, "truncate upload", uuid);
    goto out;
  }
  if (fsync(fd) != 0) {
    rc = fs_errno(errno, "fsync upload", uuid);
    goto out;
  }
  if ((rc = fs_publish(fs, &t, uuid, size)) == 0)
    cache_drop(fs, uuid);
out:
  close(fd); /* releases the lock only after the rename */
  return rc;
}

const struct blob_ops blob_fs_ops = {
  .scheme = "file",
  .open = fs_open,
  .close = fs_close,
  .stat = fs_stat,
  .open_fd = fs_open_fd,
  .read = fs_read,
  .del = fs_del,
  .upload_create = fs_upload_create,
  .writer_open = fs_writer_open,
  .writer_write = fs_writer_write,
  .writer_size = fs_writer_size,
  .writer_close = fs_writer_close,
  .upload_commit = fs_upload_commit,
  .upload_abort = fs_upload_abort,
  .upload_each_stale = fs_upload_each_stale,
  .each = blob_fs_each,
  .info = blob_fs_info,
  .quarantine = blob_fs_quarantine,
};
