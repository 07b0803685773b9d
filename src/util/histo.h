#ifndef WHARF_UTIL_HISTO_H
#define WHARF_UTIL_HISTO_H

#include <stdatomic.h>
#include <stdint.h>

/* A latency histogram of relaxed atomics with fixed bucket bounds, cheap
 * enough to wrap every store and storage call: observing is two clock reads
 * and three atomic adds, no allocation, no lock. Zero-initialised statics
 * are ready to use. */
#define HISTO_BUCKETS 16

struct histo {
  atomic_ullong bucket[HISTO_BUCKETS]; /* non-cumulative; +Inf is count */
  atomic_ullong count;
  atomic_ullong sum_us;
};

/* Upper bounds of the buckets in microseconds, from 100us to 10s. */
extern const int64_t histo_bounds_us[HISTO_BUCKETS];

/* Start of a timed call: monotonic microseconds. */
int64_t histo_start(void);
/* Records the time since `start` (from histo_start) in h. */
void histo_since(struct histo *h, int64_t start);
/* Records a duration of `us` microseconds (negative counts as 0) in h. */
void histo_observe(struct histo *h, int64_t us);

#endif
