/* CIDR parsing and matching on byte strings: addresses are parsed with
 * inet_pton into 4 or 16 bytes and compared under a prefix mask. */
#include "util/cidr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

struct addr {
  int family;              /* AF_INET or AF_INET6 */
  unsigned char b[16];
};

/* The first 96 bits of an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
static const unsigned char v4_mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Parses an address; IPv4-mapped IPv6 becomes IPv4. */
static int addr_parse(struct addr *out, const char *s)
{
  struct addr a = { 0 };
  if (inet_pton(AF_INET, s, a.b) == 1) {
    a.family = AF_INET;
  } else if (inet_pton(AF_INET6, s, a.b) == 1) {
    a.family = AF_INET6;
    if (memcmp(a.b, v4_mapped, 12) == 0) {
      memmove(a.b, a.b + 12, 4);
      memset(a.b + 4, 0, 12);
      a.family = AF_INET;
    }
  } else {
    return ERR_INVALID;
  }
  *out = a;
  return 0;
}

/* Parses "addr[/bits]" (len bytes) into a network and prefix length. */
static int cidr_parse(struct addr *out, int *out_bits, const char *s, size_t len)
{
  char text[INET6_ADDRSTRLEN + 5];
  if (len == 0 || len >= sizeof(text))
    return ERR_INVALID;
  memcpy(text, s, len);
  text[len] = '\0';
  char *slash = strchr(text, '/');
  int bits = -1;
  if (slash) {
    *slash = '\0';
    const char *d = slash + 1;
    if (!*d || strlen(d) > 3 || strspn(d, "0123456789") != strlen(d))
      return ERR_INVALID;
    bits = atoi(d);
  }
  struct addr a;
  if (inet_pton(AF_INET, text, a.b) == 1)
    a.family = AF_INET;
  else if (inet_pton(AF_INET6, text, a.b) == 1)
    a.family = AF_INET6;
  else
    return ERR_INVALID;
  int max = a.family == AF_INET ? 32 : 128;
  if (bits < 0)
    bits = max;
  if (bits > max)
    return ERR_INVALID;
  /* Client addresses in the mapped range are compared as IPv4 (addr_parse),
   * so an entry inside it ("::ffff:10.0.0.0/104") is made IPv4 the same way,
   * its prefix counted from bit 96; otherwise it would never match. */
  if (a.family == AF_INET6 && bits >= 96 && memcmp(a.b, v4_mapped, 12) == 0) {
    memmove(a.b, a.b + 12, 4);
    memset(a.b + 4, 0, 12);
    a.family = AF_INET;
    bits -= 96;
  }
  *out = a;
  *out_bits = bits;
  return 0;
}

int cidr_valid(const char *s, size_t len)
{
  struct addr a;
  int bits;
  return cidr_parse(&a, &bits, s, len);
}

static int prefix_equal(const unsigned char *x, const unsigned char *y, int bits)
{
  int whole = bits / 8, rest = bits % 8;
  if (memcmp(x, y, (size_t)whole) != 0)
    return 0;
  if (!rest)
    return 1;
  unsigned char mask = (unsigned char)(0xff << (8 - rest));
  return (x[whole] & mask) == (y[whole] & mask);
}

int cidr_list_match(const char *list, const char *ip)
{
  struct addr a;
  if (!list || !ip || addr_parse(&a, ip) != 0)
    return 0;
  for (const char *p = list; *p;) {
    size_t n = strcspn(p, ",");
    struct addr net;
    int bits;
    if (cidr_parse(&net, &bits, p, n) == 0) {
      if (net.family == a.family && prefix_equal(net.b, a.b, bits))
        return 1;
      /* an IPv6 block wider than the mapped range ("::/0") holds all of IPv4 */
      if (a.family == AF_INET && net.family == AF_INET6 && bits < 96 &&
          prefix_equal(net.b, v4_mapped, bits))
        return 1;
    }
    p += n;
    if (*p == ',')
      p++;
  }
  return 0;
}
