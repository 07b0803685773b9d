#include "util/histo.h"

#include <stddef.h>

#include "util/timeutil.h"

const int64_t histo_bounds_us[HISTO_BUCKETS] = { 100,    250,    500,     1000,    2500,   5000,
                                                 10000,  25000,  50000,   100000,  250000, 500000,
                                                 1000000, 2500000, 5000000, 10000000 };

int64_t histo_start(void)
{
  return time_mono_us();
}

void histo_since(struct histo *h, int64_t start)
{
  histo_observe(h, time_mono_us() - start);
}

void histo_observe(struct histo *h, int64_t us)
{
  if (us < 0)
    us = 0;
  size_t b = 0;
  while (b < HISTO_BUCKETS && us > histo_bounds_us[b])
    b++;
  if (b < HISTO_BUCKETS)
    atomic_fetch_add_explicit(&h->bucket[b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&h->sum_us, (unsigned long long)us, memory_order_relaxed);
}
