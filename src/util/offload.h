#ifndef WHARF_UTIL_OFFLOAD_H
#define WHARF_UTIL_OFFLOAD_H

/* A few threads that run CPU-bound jobs beside the thread that queued them:
 * an upload's request thread hands a block to be hashed and writes the same
 * block to storage meanwhile, so hashing and I/O overlap on two cores
 * (docs/PERFORMANCE.md "Push"). A job is owned by its submitter, which
 * waits for it before touching its data again; jobs run in submission
 * order per pool, each on one thread. */

struct offload_job {
  void (*fn)(struct offload_job *job); /* runs on a pool thread */
  /* private */
  struct offload_job *next;
  int state;
};

struct offload;

/* Starts n (>= 1) threads named `name` (at most 15 bytes: what top -H and
 * perf show). ERR_NOMEM, ERR_INTERNAL. */
int offload_start(struct offload **out, unsigned n, const char *name);
/* Waits for queued jobs, joins the threads, frees o; NULL ok. */
void offload_stop(struct offload *o);
/* Queues job (fn set; not queued already). */
void offload_submit(struct offload *o, struct offload_job *job);
/* Returns once job's fn has returned; at once for a job never submitted
 * or already waited for. */
void offload_wait(struct offload *o, struct offload_job *job);

#endif
