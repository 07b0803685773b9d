/* Large uploads on the filesystem backend (docs/PERFORMANCE.md "Push"),
 * fs_writer_write()'s path past FS_STAGE_AFTER bytes: a
 * writer gathers what the request hands it into one of two FS_STAGE
 * blocks. A full block becomes two jobs on the store's worker threads —
 * hash it, write it — while the request thread goes on receiving into the
 * other block; before a block is filled again both its jobs are waited
 * for, and a block's hash job is queued only after the previous block's
 * has finished, so the hash sees the bytes in order. Receiving, SHA-256
 * and the write run side by side instead of one after the other, a write
 * is a block instead of each ~32 KiB libmicrohttpd read, and memory stays
 * two blocks per upload.
 *
 * Blocks go out through a second, O_DIRECT descriptor of the upload file
 * where the filesystem takes it: straight from the block to the device,
 * without filling the page cache with a gigabyte nobody reads soon (and
 * paying to allocate it: on a VM that returns freed memory to its host,
 * fresh page-cache pages cost more than the copy). The first block is cut
 * short so the next ones start FS_ALIGN-aligned; the tail, and everything
 * on a filesystem without O_DIRECT, is written through the page cache, and
 * every FS_SYNC_AHEAD bytes of that the kernel is told to start writing
 * back (sync_file_range). The commit's fsync still makes it all durable.
 * A failed block write breaks the writer: the request fails and its bytes
 * are never acknowledged (the next writer cuts the file back to the
 * acknowledged offset). Small uploads never pay for any of it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob/fs_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/offload.h"

/* pwrite()s all of p[0..len) at `at`; *out_n: how much got there. */
int fs_pwrite_all(int fd, const unsigned char *p, size_t len, int64_t at, size_t *out_n,
                  const char *uuid, int quiet_einval)
{
  size_t done = 0;
  while (done < len) {
    size_t want = len - done < FS_IO_MAX ? len - done : FS_IO_MAX;
    ssize_t n = pwrite(fd, p + done, want, (off_t)(at + (int64_t)done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      *out_n = done;
      if (n < 0 && errno == EINVAL && quiet_einval && done == 0)
        return ERR_INVALID;
      return n < 0 ? fs_errno(errno, "write upload", uuid) : ERR_IO;
    }
    done += (size_t)n;
  }
  *out_n = done;
  return 0;
}

/* The store's worker threads, started on first use; NULL if they cannot
 * be (then blocks are hashed and written in the request thread). */
static struct offload *fs_workers(struct fs_store *fs)
{
  pthread_mutex_lock(&fs->mu);
  if (!fs->workers && !fs->workers_failed) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (offload_start(&fs->workers, n >= 2 && n < 64 ? (unsigned)n : 2, "wharf-upload") != 0) {
      fs->workers_failed = 1;
      LOG(LOG_WARN, "blob fs: cannot start upload worker threads; hashing in the request thread");
    }
  }
  struct offload *o = fs->workers;
  pthread_mutex_unlock(&fs->mu);
  return o;
}

static void fs_hash_run(struct offload_job *job)
{
  struct fs_job *j = (struct fs_job *)job;
  j->rc = hasher_update(j->w->h, j->data, j->len) != 0 ? ERR_INTERNAL : 0;
}

static void fs_write_run(struct offload_job *job)
{
  struct fs_job *j = (struct fs_job *)job;
  const struct fs_writer *w = j->w;
  size_t n = 0;
  j->direct_refused = 0;
  if (j->direct) {
    j->rc = fs_pwrite_all(w->dfd, j->data, j->len, j->at, &n, w->uuid, 1);
    if (j->rc != ERR_INVALID)
      return;
    j->direct_refused = 1; /* this filesystem's alignment: the page cache from now on */
  }
  j->rc = fs_pwrite_all(w->fd, j->data, j->len, j->at, &n, w->uuid, 0);
  if (!j->rc && j->sync_from_set)
    /* only a hint: the commit's fsync is what makes the bytes durable */
    (void)sync_file_range(w->fd, (off_t)j->sync_from, (off_t)(j->at + (int64_t)j->len - j->sync_from),
                          SYNC_FILE_RANGE_WRITE);
}

static void fs_job_start(struct fs_writer *w, struct fs_job *j)
{
  if (w->pool)
    offload_submit(w->pool, &j->job);
  else
    j->job.fn(&j->job);
}

/* Waits for job j (if it was queued) and folds its result into w. */
static void fs_job_wait(struct fs_writer *w, struct fs_job *j)
{
  if (!j->job.fn)
    return; /* never started */
  if (w->pool)
    offload_wait(w->pool, &j->job);
  /* the other block's write may still be using dfd: stop choosing it for
   * new blocks, close it with the writer */
  if (j->direct_refused)
    w->direct_off = 1;
  if (j->rc && !w->err)
    w->err = j->rc;
  if (w->err)
    w->broken = 1;
  j->job.fn = NULL;
}

/* Waits for every job of every block. */
static int fs_jobs_wait(struct fs_writer *w)
{
  for (int i = 0; i < 2; i++) {
    fs_job_wait(w, &w->blk[i].hash);
    fs_job_wait(w, &w->blk[i].write);
  }
  return w->err;
}

/* Hands the staged block to a hash job and a write job, then makes the
 * other block ready to fill (its jobs done). */
static int fs_stage_flush(struct fs_writer *w)
{
  if (w->fill == 0)
    return 0;
  struct fs_block *b = &w->blk[w->cur];
  /* the previous block's hash first: one hasher, bytes in order */
  fs_job_wait(w, &w->blk[w->cur ^ 1].hash);
  if (w->err)
    return w->err;
  if (!w->pool)
    w->pool = fs_workers(w->fs);
  b->hash = (struct fs_job){ .job.fn = fs_hash_run, .w = w, .data = b->data, .len = w->fill };
  b->write = (struct fs_job){ .job.fn = fs_write_run, .w = w, .data = b->data, .len = w->fill,
                              .at = w->size };
  b->write.direct = w->dfd >= 0 && !w->direct_off && w->size % FS_ALIGN == 0 &&
                    w->fill % FS_ALIGN == 0;
  w->size += (int64_t)w->fill;
  if (!b->write.direct && w->size - w->synced >= FS_SYNC_AHEAD) {
    b->write.sync_from_set = 1;
    b->write.sync_from = w->synced;
    w->synced = w->size;
  }
  fs_job_start(w, &b->hash);
  fs_job_start(w, &b->write);
  w->fill = 0;
  w->cur ^= 1;
  b = &w->blk[w->cur];
  fs_job_wait(w, &b->hash);
  fs_job_wait(w, &b->write);
  return w->err;
}

void fs_stage_begin(struct fs_writer *w)
{
  void *a = NULL, *b = NULL;
  if (posix_memalign(&a, FS_ALIGN, FS_STAGE) == 0 &&
      posix_memalign(&b, FS_ALIGN, FS_STAGE) == 0) {
    w->blk[0].data = a, w->blk[1].data = b;
    w->dfd = openat(w->fs->uploads_fd, w->uuid, O_WRONLY | O_DIRECT | O_CLOEXEC | O_NOFOLLOW);
  } else { /* no staging then */
    free(a);
  }
  w->synced = w->size;
}

int fs_stage_write(struct fs_writer *w, const unsigned char *p, size_t len)
{
  while (len > 0) {
    /* the block being filled starts at w->size: the first one ends aligned */
    size_t cap = FS_STAGE - (size_t)(w->size % FS_ALIGN);
    size_t n = cap - w->fill < len ? cap - w->fill : len;
    memcpy(w->blk[w->cur].data + w->fill, p, n);
    w->fill += n;
    p += n;
    len -= n;
    if (w->fill == cap) {
      int rc = fs_stage_flush(w);
      if (rc)
        return rc;
    }
  }
  return 0;
}

int fs_stage_end(struct fs_writer *w)
{
  /* staged bytes were accepted by write(): they go to the file either way
   * (a failed request's extra bytes are cut off by the next writer) */
  int rc = w->broken ? 0 : fs_stage_flush(w);
  int jrc = fs_jobs_wait(w); /* no job may outlive the writer */
  if (!rc)
    rc = jrc;
  free(w->blk[0].data);
  free(w->blk[1].data);
  w->blk[0].data = w->blk[1].data = NULL;
  if (w->dfd >= 0)
    close(w->dfd);
  w->dfd = -1;
  return rc;
}
