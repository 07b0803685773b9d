#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum log_level log_min_level = LOG_INFO;
static _Thread_local const char *cur_request_id;

void log_set_request_id(const char *id)
{
  cur_request_id = id;
}

int log_level_parse(const char *s)
{
  static const char *names[] = { "error", "warn", "info", "debug" };
  for (int i = 0; i < 4; i++)
    if (strcasecmp(s, names[i]) == 0)
      return i;
  return -1;
}

static void timestamp(char *out, size_t n)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + k, n - k, ".%03ldZ", ts.tv_nsec / 1000000);
}

void log_write(enum log_level lvl, const char *file, int line, const char *fmt, ...)
{
  static const char *names[] = { "error", "warn", "info", "debug" };
  char ts[40], msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  const char *base = strrchr(file, '/');
  timestamp(ts, sizeof(ts));
  /* one fprintf per line so concurrent threads do not interleave */
  fprintf(stderr, "%s level=%s src=%s:%d%s%s msg=\"%s\"\n", ts, names[lvl],
          base ? base + 1 : file, line, cur_request_id ? " req=" : "",
          cur_request_id ? cur_request_id : "", msg);
}

void log_access(const char *line)
{
  char ts[40];
  timestamp(ts, sizeof(ts));
  fprintf(stderr, "%s level=info access %s\n", ts, line);
}
