/* Progress display and small formatting helpers of the admin commands. */
#include "cli/progress.h"

#include <stdlib.h>
#include <unistd.h>

#include "util/timeutil.h"

#define PROGRESS_TTY_US 100000     /* redraw the bar at most 10 times a second */
#define PROGRESS_LINE_US 5000000   /* a plain line every 5 s */

void progress_init(struct progress *p, int quiet)
{
  p->tty = isatty(STDERR_FILENO);
  p->quiet = quiet;
  p->last_us = 0;
  p->drawn = 0;
}

void progress_update(struct progress *p, const char *phase, int64_t done, int64_t total,
                     int64_t bytes)
{
  if (p->quiet)
    return;
  int64_t now = time_mono_us();
  int final = total > 0 && done >= total;
  if (!final && now - p->last_us < (p->tty ? PROGRESS_TTY_US : PROGRESS_LINE_US))
    return;
  p->last_us = now;
  char size[32] = "";
  if (bytes >= 0)
    cli_human_bytes(size, sizeof(size), bytes);
  if (p->tty && total > 0) {
    char bar[31];
    int fill = (int)(done * 30 / total);
    for (int i = 0; i < 30; i++)
      bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r%-10s [%s] %3d%% %lld/%lld %s\033[K", phase, bar,
            (int)(done * 100 / total), (long long)done, (long long)total, size);
    p->drawn = 1;
  } else if (p->tty) {
    fprintf(stderr, "\r%-10s %lld %s\033[K", phase, (long long)done, size);
    p->drawn = 1;
  } else if (total > 0) {
    fprintf(stderr, "%s: %lld/%lld (%d%%) %s\n", phase, (long long)done, (long long)total,
            (int)(done * 100 / total), size);
  } else {
    fprintf(stderr, "%s: %lld %s\n", phase, (long long)done, size);
  }
  fflush(stderr);
}

void progress_end(struct progress *p)
{
  if (p->drawn)
    fputc('\n', stderr);
  p->drawn = 0;
}

int cli_parse_duration(int64_t *out, const char *s)
{
  char *end;
  if (!s || !*s)
    return -1;
  long long v = strtoll(s, &end, 10);
  if (end == s || v < 0)
    return -1;
  int64_t mul = 1;
  if (*end == 's' || *end == '\0')
    mul = 1;
  else if (*end == 'm')
    mul = 60;
  else if (*end == 'h')
    mul = 3600;
  else if (*end == 'd')
    mul = 86400;
  else
    return -1;
  if (*end && end[1])
    return -1;
  if (v > INT64_MAX / mul)
    return -1;
  *out = (int64_t)v * mul;
  return 0;
}

const char *cli_human_bytes(char *out, size_t len, int64_t bytes)
{
  static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  double v = (double)bytes;
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    u++;
  }
  if (u == 0)
    snprintf(out, len, "%lld B", (long long)bytes);
  else
    snprintf(out, len, "%.1f %s", v, unit[u]);
  return out;
}
