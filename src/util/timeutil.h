#ifndef WHARF_UTIL_TIMEUTIL_H
#define WHARF_UTIL_TIMEUTIL_H

#include <stdint.h>

/* Wall-clock seconds since the epoch. */
int64_t time_now(void);
/* Monotonic microseconds, for durations. */
int64_t time_mono_us(void);

#endif
