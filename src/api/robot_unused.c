/* The unused_days=N filter of robot lists (wharf extension, issue 7):
 * robots never used, or whose last_accessed is more than N days ago.
 * last_accessed is written on authentication at most every couple of
 * minutes (auth.c), which is far finer than a day. */
#include <stdlib.h>

#include "api/api.h"
#include "util/timeutil.h"

#define DAY 86400
#define UNUSED_DAYS_MAX 36500

int api_robot_unused_param(struct req *r, int64_t *out)
{
  const char *s = req_query(r, "unused_days");
  *out = 0;
  if (!s)
    return 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (!*s || *end || v < 0 || v > UNUSED_DAYS_MAX)
    return req_error(r, 400, "invalid_request",
                     "unused_days must be an integer from 0 to 36500", NULL),
           -1;
  if (v == 0)
    return 0; /* unused for 0 days: every robot, no filter */
  *out = time_now() - (int64_t)v * DAY;
  if (*out <= 0)
    *out = 1; /* still a filter: only robots never used */
  return 0;
}

size_t api_robot_unused_filter(struct ident_account *robots, size_t n, int64_t before)
{
  if (!before)
    return n;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (robots[i].last_accessed == 0 || robots[i].last_accessed < before)
      robots[k++] = robots[i];
  return k;
}
