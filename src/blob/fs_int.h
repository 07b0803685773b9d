/* Internals of the filesystem blob backend shared by fs.c (the store,
 * uploads, commits), fs_stage.c (large uploads: staged blocks on worker
 * threads) and fs_walk.c (enumeration and quarantine for GC and fsck). Not a public interface: everyone else sees blob.h. */
#ifndef WHARF_BLOB_FS_INT_H
#define WHARF_BLOB_FS_INT_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "blob/blob.h"
#include "util/digest.h"
#include "util/offload.h"

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
  pthread_mutex_t mu; /* guards cache, ncache, seq, workers */
  struct offload *workers; /* fs_stage.c's, started by the first large upload */
  int workers_failed;
  size_t ncache;
  uint64_t seq;
  struct fs_cached cache[FS_CACHE_MAX];
};

/* --- writers (fs.c) and their staging for large uploads (fs_stage.c) ----- */
#define FS_STAGE ((size_t)256 * 1024)
#define FS_ALIGN 4096
#define FS_STAGE_AFTER ((int64_t)4 << 20)
#define FS_SYNC_AHEAD ((int64_t)8 << 20)

struct fs_writer;

/* One job on a staged block: its hash or its write. */
struct fs_job {
  struct offload_job job; /* first: fn gets a pointer to it */
  struct fs_writer *w;
  const unsigned char *data;
  size_t len;
  int64_t at;             /* write: file offset */
  int direct;             /* write: through w->dfd */
  int sync_from_set;      /* write: then start writeback of [sync_from, at + len) */
  int64_t sync_from;
  int rc;                 /* result, read after waiting */
  int direct_refused;     /* write: O_DIRECT was refused, the page cache took it */
};

struct fs_block {
  unsigned char *data;
  struct fs_job hash, write;
};

struct fs_writer {
  struct blob_writer base;
  struct fs_store *fs;
  int fd;
  int dfd;          /* O_DIRECT descriptor of the same file; -1: none */
  int direct_off;   /* the filesystem refused an O_DIRECT write: page cache only */
  int broken; /* the hash no longer matches the file: refuse writes, never cache */
  int err;          /* first error of a block job; the writer is broken */
  int64_t size;     /* bytes written or handed to a write job */
  struct hasher *h;
  /* staging (FS_STAGE_AFTER) */
  struct fs_block blk[2];
  size_t fill;      /* bytes waiting in blk[cur] */
  int cur;
  int64_t synced;   /* writeback requested up to here */
  struct offload *pool; /* where jobs go; NULL: run in this thread */
  char uuid[FS_UUID_LEN + 1];
};

/* Maps errno to an error code; anything but ENOENT is logged. */
int fs_errno(int e, const char *op, const char *what);
/* pwrite()s all of p[0..len) at `at`; *out_n: how much got there. With
 * quiet_einval, an EINVAL before any byte is ERR_INVALID and not logged. */
int fs_pwrite_all(int fd, const unsigned char *p, size_t len, int64_t at, size_t *out_n,
                  const char *uuid, int quiet_einval);
/* Turns staging on for w (blocks, O_DIRECT descriptor); w stays unstaged
 * (w->blk[0].data NULL) if the blocks cannot be had. */
void fs_stage_begin(struct fs_writer *w);
/* Appends through the staged blocks. */
int fs_stage_write(struct fs_writer *w, const unsigned char *p, size_t len);
/* Writes what is staged (unless w is broken), waits for every job, frees
 * the blocks: afterwards the file and w->h agree. 0 for an unstaged w. */
int fs_stage_end(struct fs_writer *w);

#endif
