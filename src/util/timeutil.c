#include "util/timeutil.h"

#include <time.h>

int64_t time_now(void)
{
  return (int64_t)time(NULL);
}

int64_t time_mono_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
