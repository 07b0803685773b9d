/* Filesystem blob backend, continued: enumerating the stored blobs and
 * moving corrupt ones aside, for GC and fsck (blob.h "enumeration and
 * quarantine"). Walks blobs/<algo>/<hh>/<hex> through the directory fds
 * fs.c opened; quarantined bytes go to quarantine/ beside blobs/ (same
 * filesystem, so the move is one rename). */
#include "blob/fs_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

static int walk_errno(int e, const char *op, const char *what)
{
  if (e == ENOENT)
    return ERR_NOTFOUND;
  char msg[128];
  LOG(LOG_ERROR, "blob fs: %s %s: %s", op, what, strerror_r(e, msg, sizeof(msg)));
  return ERR_IO;
}

/* Opens directory rel under dirfd as a DIR stream; ERR_NOTFOUND if missing. */
static int walk_opendir(DIR **out, int dirfd, const char *rel)
{
  int fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return walk_errno(errno, "open dir", rel);
  DIR *d = fdopendir(fd);
  if (!d) {
    int rc = walk_errno(errno, "scan", rel);
    close(fd);
    return rc;
  }
  *out = d;
  return 0;
}

/* "<algo>/<hh>/<hex>" of a valid digest into rel. */
static int walk_rel(char *rel, size_t len, const char *digest)
{
  if (!digest)
    return ERR_INVALID;
  size_t n = strnlen(digest, DIGEST_MAX);
  if (n >= DIGEST_MAX)
    return ERR_INVALID;
  int rc = digest_parse(NULL, digest, n);
  if (rc)
    return rc;
  const char *colon = strchr(digest, ':');
  int alen = (int)(colon - digest);
  int w = snprintf(rel, len, "%.*s/%.2s/%s", alen, digest, colon + 1, colon + 1);
  return w < 0 || (size_t)w >= len ? ERR_INVALID : 0;
}

/* Visits the files of blobs/<algo>/<hh>/. */
static int walk_leaf(int blobs_fd, const char *algo, const char *hh,
                     int (*fn)(void *ctx, const struct blob_info *info), void *ctx)
{
  char rel[FS_REL_MAX], digest[DIGEST_MAX];
  DIR *d = NULL;
  snprintf(rel, sizeof(rel), "%s/%s", algo, hh);
  int rc = walk_opendir(&d, blobs_fd, rel);
  if (rc)
    return rc == ERR_NOTFOUND ? 0 : rc;
  struct dirent *de;
  while (!rc && (de = readdir(d)) != NULL) {
    int w = snprintf(digest, sizeof(digest), "%s:%s", algo, de->d_name);
    if (w < 0 || (size_t)w >= sizeof(digest) || strncmp(de->d_name, hh, 2) != 0 ||
        digest_parse(NULL, digest, (size_t)w) != 0)
      continue; /* not a content address (temp files, strays) */
    struct stat st;
    if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
      continue; /* removed meanwhile */
    struct blob_info bi = { .digest = digest, .size = (int64_t)st.st_size,
                            .mtime = (int64_t)st.st_mtime };
    rc = fn(ctx, &bi);
  }
  closedir(d);
  return rc;
}

/* Visits blobs/<algo>/. */
static int walk_algo(int blobs_fd, const char *algo,
                     int (*fn)(void *ctx, const struct blob_info *info), void *ctx)
{
  DIR *d = NULL;
  int rc = walk_opendir(&d, blobs_fd, algo);
  if (rc)
    return rc == ERR_NOTFOUND ? 0 : rc;
  struct dirent *de;
  while (!rc && (de = readdir(d)) != NULL) {
    const char *h = de->d_name;
    int hex2 = strlen(h) == 2 && strspn(h, "0123456789abcdef") == 2;
    if (hex2)
      rc = walk_leaf(blobs_fd, algo, h, fn, ctx);
  }
  closedir(d);
  return rc;
}

int blob_fs_each(struct blob_store *bs, int (*fn)(void *ctx, const struct blob_info *info),
                 void *ctx)
{
  static const char *const algos[] = { "sha256", "sha512" };
  struct fs_store *fs = (struct fs_store *)bs;
  int rc = 0;
  for (size_t i = 0; !rc && i < sizeof(algos) / sizeof(algos[0]); i++)
    rc = walk_algo(fs->blobs_fd, algos[i], fn, ctx);
  return rc;
}

int blob_fs_info(struct blob_store *bs, struct blob_info *out, const char *digest)
{
  struct fs_store *fs = (struct fs_store *)bs;
  char rel[FS_REL_MAX];
  struct stat st;
  int rc = walk_rel(rel, sizeof(rel), digest);
  if (rc)
    return rc;
  if (fstatat(fs->blobs_fd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return walk_errno(errno, "stat", rel);
  if (!S_ISREG(st.st_mode))
    return ERR_NOTFOUND;
  out->digest = digest;
  out->size = (int64_t)st.st_size;
  out->mtime = (int64_t)st.st_mtime;
  return 0;
}

int blob_fs_quarantine(struct blob_store *bs, const char *digest)
{
  struct fs_store *fs = (struct fs_store *)bs;
  char rel[FS_REL_MAX], name[DIGEST_MAX + 32];
  int qfd = -1;
  int rc = walk_rel(rel, sizeof(rel), digest);
  if (rc)
    return rc;
  const char *colon = strchr(digest, ':');
  snprintf(name, sizeof(name), "%.*s-%s.%lld", (int)(colon - digest), digest, colon + 1,
           (long long)time_now());
  if (mkdirat(fs->root_fd, "quarantine", 0700) != 0 && errno != EEXIST)
    return walk_errno(errno, "mkdir", "quarantine");
  qfd = openat(fs->root_fd, "quarantine", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (qfd < 0)
    return walk_errno(errno, "open dir", "quarantine");
  if (renameat(fs->blobs_fd, rel, qfd, name) != 0) {
    rc = walk_errno(errno, "quarantine", rel);
    goto out;
  }
  /* both directory entries changed: make the move durable */
  *strrchr(rel, '/') = '\0';
  int dfd = openat(fs->blobs_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fsync(qfd) != 0 || dfd < 0 || fsync(dfd) != 0)
    rc = walk_errno(errno, "fsync dir", "quarantine");
  if (dfd >= 0)
    close(dfd);
  LOG(LOG_WARN, "blob fs: quarantined %s as quarantine/%s", digest, name);
out:
  close(qfd);
  return rc;
}
