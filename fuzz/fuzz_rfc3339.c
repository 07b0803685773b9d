/* RFC 3339 date-times clients send (util/rfc3339.h rfc3339_parse), e.g. a
 * robot token's token_expiration, checked against the C library. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "util/err.h"
#include "util/rfc3339.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = fuzz_cstr(data, size);
  int64_t t = 12345;
  int rc = rfc3339_parse(&t, s);
  FUZZ_CHECK(rc == 0 || rc == ERR_INVALID);
  if (rc != 0) {
    FUZZ_CHECK(t == 12345);
    goto out;
  }
  /* years 0000-9999 with an offset of less than a day */
  FUZZ_CHECK(t >= -62167219200LL - 86400 && t < 253402300800LL + 86400);
  /* the date and time fields, read by strptime and timegm, give the same
   * instant before the offset (leap second 60 counts as 59) */
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  char head[20];
  memcpy(head, s, 19);
  head[19] = '\0';
  head[10] = 'T';
  if (head[17] == '6' && head[18] == '0')
    head[18] = '9', head[17] = '5';
  if (strptime(head, "%Y-%m-%dT%H:%M:%S", &tm)) {
    int64_t civil = (int64_t)timegm(&tm);
    const char *z = s + 19;
    while (*z == '.' || (*z >= '0' && *z <= '9'))
      z++;
    int64_t off = 0;
    if (*z == '+' || *z == '-')
      off = (*z == '+' ? 1 : -1) * (((z[1] - '0') * 10 + (z[2] - '0')) * 3600 +
                                    ((z[4] - '0') * 10 + (z[5] - '0')) * 60);
    FUZZ_CHECK(t == civil - off);
  }
  /* what we format parses back to the same instant (years 0000-9999) */
  if (t >= -62167219200LL && t < 253402300800LL) {
    char buf[RFC3339_BUF];
    int64_t back = 0;
    FUZZ_CHECK(rfc3339_parse(&back, rfc3339_format(buf, t)) == 0 && back == t);
  }
out:
  free(s);
  return 0;
}
