/* The usage-log query parameters (api/logs_int.h). Byte 0 mod 3:
 *   0: the rest is a starttime/endtime value for logs_parse_when: a date
 *      must be a real day at midnight UTC, an exact time a real date-time,
 *      each equal to the numbers written in the text (read again here);
 *   1: the rest is a next_page token for logs_cursor_decode: the cursor is
 *      set only from a canonical base64url "<time>.<id>" with time >= 0 and
 *      id > 0, else the query is left alone;
 *   2: the rest (16 bytes) is a time and an id, encoded the way logs.c
 *      writes next_page: decoding must give them back exactly.
 * The filters kind=, robot=, repository= are string splits and joins in
 * handlers; ip= is cidr_valid (fuzz_cidr). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/logs_int.h"
#include "helpers.h"
#include "util/base64.h"

static void when(const uint8_t *data, size_t size)
{
  char *s = fuzz_cstr(data, size);
  int64_t t = -42;
  int k = logs_parse_when(&t, s);
  FUZZ_CHECK(k >= 0 && k <= 2);
  if (k == 0) {
    FUZZ_CHECK(t == -42);
    goto out;
  }
  FUZZ_CHECK(strlen(s) <= 32 && t >= 0);
  time_t tt = (time_t)t;
  struct tm tm;
  FUZZ_CHECK(gmtime_r(&tt, &tm) != NULL);
  int y, m, d, h = 0, mi = 0, sec = 0, n = 0;
  if (k == 2) {
    FUZZ_CHECK(sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &m, &d, &h, &mi, &sec, &n) == 6);
    FUZZ_CHECK(n == 20 && s[20] == '\0');
  } else if (sscanf(s, "%2d/%2d/%4d%n", &m, &d, &y, &n) == 3 && s[n] == '\0') {
    FUZZ_CHECK(n >= 8);
  } else {
    FUZZ_CHECK(sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 && s[n] == '\0');
  }
  FUZZ_CHECK(y >= 1970 && y <= 9999);
  FUZZ_CHECK(tm.tm_year + 1900 == y && tm.tm_mon + 1 == m && tm.tm_mday == d);
  FUZZ_CHECK(tm.tm_hour == h && tm.tm_min == mi && tm.tm_sec == sec);
out:
  free(s);
}

/* Reads a strict "<digits>.<digits>" as logs.c should accept it. */
static void cursor(const uint8_t *data, size_t size)
{
  char *s = fuzz_cstr(data, size);
  struct audit_query q;
  memset(&q, 0, sizeof(q));
  q.before_time = -7;
  q.before_id = -7;
  logs_cursor_decode(&q, s);
  int set = q.before_id != -7 || q.before_time != -7;
  if (set) {
    FUZZ_CHECK(q.before_time >= 0 && q.before_id > 0);
    /* it decodes canonically, and the text holds those two numbers */
    unsigned char *dec = NULL;
    size_t n = 0;
    FUZZ_CHECK(strlen(s) <= 64);
    FUZZ_CHECK(base64_decode(&dec, &n, s, strlen(s), BASE64_URL) == 0);
    long long t, id;
    int used = 0;
    FUZZ_CHECK(sscanf((const char *)dec, "%lld.%lld%n", &t, &id, &used) == 2);
    FUZZ_CHECK((size_t)used == n && t == q.before_time && id == q.before_id);
    free(dec);
  }
  free(s);
}

static void round_trip(const uint8_t *data, size_t size)
{
  if (size < 16)
    return;
  int64_t t, id;
  memcpy(&t, data, 8);
  memcpy(&id, data + 8, 8);
  if (t < 0)
    t = t == INT64_MIN ? 0 : -t;
  if (id <= 0)
    id = id == INT64_MIN ? 1 : (id == 0 ? 1 : -id);
  char text[48], *enc = NULL;
  snprintf(text, sizeof(text), "%lld.%lld", (long long)t, (long long)id);
  FUZZ_CHECK(base64_encode(&enc, text, strlen(text), BASE64_URL) == 0);
  struct audit_query q;
  memset(&q, 0, sizeof(q));
  logs_cursor_decode(&q, enc);
  FUZZ_CHECK(q.before_time == t && q.before_id == id);
  free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  switch (data[0] % 3) {
  case 0: when(data + 1, size - 1); break;
  case 1: cursor(data + 1, size - 1); break;
  default: round_trip(data + 1, size - 1); break;
  }
  return 0;
}
