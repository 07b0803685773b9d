/* CIDR allow-lists of robot tokens and trusted proxies (util/cidr.h):
 * cidr_valid on a robot's allowed_ips entry, cidr_list_match of a client
 * address (X-Forwarded-For hop or peer) against a list.
 * Input: the address on the first line, then the list. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "util/cidr.h"
#include "util/err.h"

/* inet_pton of either family: 4 or 16 bytes, 0 when not an address. */
static int pton(const char *s, unsigned char out[16])
{
  if (inet_pton(AF_INET, s, out) == 1)
    return 4;
  return inet_pton(AF_INET6, s, out) == 1 ? 16 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *ip;
  const uint8_t *rest;
  size_t rest_len;
  fuzz_split_line(&ip, &rest, &rest_len, data, size);
  char *list = fuzz_cstr(rest, rest_len);
  unsigned char b[16];

  /* the slice exactly as given, so ASan sees reads past it; callers pass
   * C strings (NUL bytes in a slice end the text early, see README) */
  int rc = cidr_valid((const char *)rest, rest_len);
  FUZZ_CHECK(rc == 0 || rc == ERR_INVALID);
  rc = cidr_valid(list, strlen(list));
  if (rc == 0) {
    /* address[/bits] with inet_pton's address and a prefix that fits */
    char *slash = strchr(list, '/');
    if (slash)
      *slash = '\0';
    int n = pton(list, b);
    FUZZ_CHECK(n != 0);
    if (slash) {
      FUZZ_CHECK(slash[1] && atoi(slash + 1) <= 8 * n);
      *slash = '/';
    }
    /* an address matches itself; not yet for IPv4-mapped IPv6 entries
     * ("::ffff:10.0.0.1" stays IPv6 in a list but the client address
     * becomes IPv4, so such an entry never matches: reported) */
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (!slash && !(n == 16 && memcmp(b, mapped, 12) == 0))
      FUZZ_CHECK(cidr_list_match(list, list) == 1);
  }

  int m = cidr_list_match(list, ip);
  FUZZ_CHECK(m == 0 || m == 1);
  if (m)
    FUZZ_CHECK(pton(ip, b) != 0 && *list);
  FUZZ_CHECK(cidr_list_match("", ip) == 0);
  free(list);
  free(ip);
  return 0;
}
