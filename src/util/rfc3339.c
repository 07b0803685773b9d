/* RFC 3339 date-times, parsed by hand (no locale, no timezone state):
 * civil date to days after Howard Hinnant's days_from_civil. */
#include "util/rfc3339.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"

/* n decimal digits at s into *out; 0 or ERR_INVALID. */
static int digits(int *out, const char *s, int n)
{
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return ERR_INVALID;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int month_days(int y, int m)
{
  static const int len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return len[m - 1] + (m == 2 && leap);
}

int rfc3339_parse(int64_t *out, const char *s)
{
  int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
  if (!s || strlen(s) < 20 || strlen(s) > 40)
    return ERR_INVALID;
  if (digits(&y, s, 4) || s[4] != '-' || digits(&mo, s + 5, 2) || s[7] != '-' ||
      digits(&d, s + 8, 2) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      digits(&h, s + 11, 2) || s[13] != ':' || digits(&mi, s + 14, 2) || s[16] != ':' ||
      digits(&se, s + 17, 2))
    return ERR_INVALID;
  const char *p = s + 19;
  if (*p == '.') {
    p++;
    if (*p < '0' || *p > '9')
      return ERR_INVALID;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
    sign = 0;
  } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && !digits(&oh, p + 1, 2) &&
             p[3] == ':' && !digits(&om, p + 4, 2)) {
    sign = *p == '+' ? 1 : -1;
  } else {
    return ERR_INVALID;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || se > 60 ||
      oh > 23 || om > 59)
    return ERR_INVALID;
  int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + (se == 60 ? 59 : se);
  t -= sign * (oh * 3600 + om * 60);
  *out = t;
  return 0;
}

char *rfc3339_format(char *buf, int64_t t)
{
  int64_t z = (t >= 0 ? t : t - 86399) / 86400, secs = t - z * 86400;
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = (int)(doy - (153 * mp + 2) / 5 + 1);
  int m = (int)(mp < 10 ? mp + 3 : mp - 9);
  int64_t y = yoe + era * 400 + (m <= 2);
  snprintf(buf, RFC3339_BUF, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)(y % 10000), m, d,
           (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
  return buf;
}
