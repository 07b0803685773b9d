/* Internals of the filesystem blob backend shared by fs.c (the store,
 * uploads, commits) and fs_walk.c (enumeration and quarantine for GC and
 * fsck). Not a public interface: everyone else sees blob.h. */
#ifndef WHARF_BLOB_FS_INT_H
#define WHARF_BLOB_FS_INT_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "blob/blob.h"
#include "util/digest.h"

#define FS_SCHEME_PREFIX "file://"
#define FS_UUID_LEN 36
#define FS_CACHE_MAX 1024
#define FS_CHUNK ((size_t)1 << 20) /* re-hash read size */
#define FS_IO_MAX ((size_t)1 << 30) /* largest single pwrite/pread */
#define FS_REL_MAX (DIGEST_MAX + 8) /* "<algo>/<hh>/<hex>" */

/* What a file looked like when its hash state was cached. */
struct fs_fp {
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
  struct timespec ctime;
};

struct fs_cached {
  char uuid[FS_UUID_LEN + 1];
  int64_t offset;
  struct fs_fp fp;
  struct hasher *h; /* SHA-256 over the first offset bytes */
  uint64_t seq;     /* insertion order, for evicting the oldest */
};

struct fs_store {
  struct blob_store base;
  int root_fd;
  int blobs_fd;
  int uploads_fd;
  pthread_mutex_t mu; /* guards cache, ncache, seq, hashers */
  struct offload *hashers; /* started by the first large upload */
  int hashers_failed;
  size_t ncache;
  uint64_t seq;
  struct fs_cached cache[FS_CACHE_MAX];
};

#endif
