#include "util/utf8.h"

#include <stdint.h>
#include <string.h>

#include "util/pool.h"

/* Length of the valid sequence starting at s (n bytes left), 0 if invalid. */
static size_t seq_len(const unsigned char *s, size_t n)
{
  unsigned c = s[0];
  size_t len;
  uint32_t min;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    len = 2, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef)
    len = 3, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4)
    len = 4, min = 0x10000;
  else
    return 0;
  if (len > n)
    return 0;
  uint32_t cp = c & (0x7fu >> len);
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = cp << 6 | (s[i] & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

int utf8_valid(const char *s, size_t n)
{
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    size_t k = seq_len(u + i, n - i);
    if (!k)
      return 0;
    i += k;
  }
  return 1;
}

const char *utf8_clean(struct pool *p, const char *s, size_t max)
{
  if (!s)
    return NULL;
  size_t n = strlen(s);
  if (n <= max && utf8_valid(s, n))
    return s;
  const unsigned char *u = (const unsigned char *)s;
  size_t cap = n < max ? n : max;
  char *out = pool_alloc(p, cap + 1);
  if (!out)
    return "?";
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    size_t k = seq_len(u + i, n - i);
    if (!k) {
      if (o + 1 > cap)
        break;
      out[o++] = '?';
      i++;
      continue;
    }
    if (o + k > cap)
      break;
    memcpy(out + o, s + i, k);
    o += k;
    i += k;
  }
  out[o] = '\0';
  return out;
}
