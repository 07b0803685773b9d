/* Client addresses behind trusted proxies (server/clientip.h). Each proxy
 * appends the address it received the request from to X-Forwarded-For, so
 * reading the chain from the right, every hop added by a trusted proxy can
 * be believed until the first one that is not trusted: that is the client.
 * Anything left of it was written by the client and may be forged. */
#include "server/clientip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "util/cidr.h"
#include "util/err.h"

static int blank(char c)
{
  return c == ' ' || c == '\t';
}

/* s[0..n) without leading and trailing blanks. */
static void trim(const char **s, size_t *n)
{
  while (*n && blank(**s))
    (*s)++, (*n)--;
  while (*n && blank((*s)[*n - 1]))
    (*n)--;
}

int clientip_list_parse(char *out, size_t len, const char *spec)
{
  char buf[CLIENTIP_LIST_MAX];
  size_t o = 0;
  if (len == 0)
    return ERR_TOOBIG;
  for (const char *p = spec ? spec : ""; *p;) {
    size_t n = strcspn(p, ",");
    const char *item = p;
    size_t k = n;
    trim(&item, &k);
    if (k == 0 || cidr_valid(item, k) != 0)
      return ERR_INVALID;
    if (o + (o ? 1 : 0) + k >= sizeof(buf) || o + (o ? 1 : 0) + k >= len)
      return ERR_TOOBIG;
    if (o)
      buf[o++] = ',';
    memcpy(buf + o, item, k);
    o += k;
    p += n;
    if (*p == ',' && !*++p)
      return ERR_INVALID; /* a trailing comma: an empty entry */
  }
  buf[o] = '\0';
  memcpy(out, buf, o + 1);
  return 0;
}

/* Copies hop s[0..n) to out if it is an IPv4 or IPv6 address; 0 if so. */
static int hop_addr(char *out, size_t len, const char *s, size_t n)
{
  char text[INET6_ADDRSTRLEN];
  unsigned char b[16];
  trim(&s, &n);
  if (n == 0 || n >= sizeof(text) || n >= len)
    return -1;
  memcpy(text, s, n);
  text[n] = '\0';
  if (inet_pton(AF_INET, text, b) != 1 && inet_pton(AF_INET6, text, b) != 1)
    return -1;
  memcpy(out, text, n + 1);
  return 0;
}

void clientip_resolve(char *out, size_t len, const char *peer, const char *xff,
                      const char *trusted)
{
  if (len == 0)
    return;
  snprintf(out, len, "%s", peer ? peer : "-");
  if (!peer || !xff || !trusted || !*trusted || !cidr_list_match(trusted, peer))
    return;
  /* out holds the last trusted hop; walk left while hops are trusted */
  size_t end = strlen(xff);
  while (end > 0) {
    size_t start = end;
    while (start > 0 && xff[start - 1] != ',')
      start--;
    char hop[INET6_ADDRSTRLEN];
    if (hop_addr(hop, sizeof(hop), xff + start, end - start) != 0)
      return;
    snprintf(out, len, "%s", hop);
    if (!cidr_list_match(trusted, hop))
      return;
    end = start ? start - 1 : 0;
  }
}
