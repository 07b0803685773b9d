#ifndef WHARF_UTIL_TICKER_H
#define WHARF_UTIL_TICKER_H

/* A background thread that calls a function every interval seconds until
 * stopped; stopping wakes it at once (no waiting out the interval). Used by
 * the upload janitor, the GC scheduler and audit retention. */

/* What a ticker runs; arg is ticker_start's. */
typedef void (*ticker_fn)(void *arg);

struct ticker;

/* Starts a thread calling fn(arg) every interval_s seconds (0 counts as 1):
 * first at once when run_first, else after the first interval. *out is
 * the caller's to ticker_stop. ERR_NOMEM, ERR_INTERNAL. */
int ticker_start(struct ticker **out, unsigned interval_s, int run_first, ticker_fn fn,
                 void *arg);
/* Wakes the thread, waits for a call in progress to return, joins and frees
 * t; NULL is a no-op. */
void ticker_stop(struct ticker *t);

#endif
