#include "util/base64.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/err.h"

static int in_alphabet(char c, enum base64_variant v)
{
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
    return 1;
  if (v == BASE64_URL)
    return c == '-' || c == '_';
  return c == '+' || c == '/' || c == '=';
}

int base64_encode(char **out, const void *data, size_t len, enum base64_variant v)
{
  if (len > BASE64_MAX_INPUT)
    return ERR_TOOBIG;
  size_t olen = 4 * ((len + 2) / 3);
  char *s = malloc(olen + 1);
  if (!s)
    return ERR_NOMEM;
  int n = EVP_EncodeBlock((unsigned char *)s, data, (int)len);
  if (n < 0 || (size_t)n != olen) {
    free(s);
    return ERR_INTERNAL;
  }
  s[olen] = '\0';
  if (v == BASE64_URL) {
    while (olen > 0 && s[olen - 1] == '=')
      s[--olen] = '\0';
    for (size_t i = 0; i < olen; i++) {
      if (s[i] == '+')
        s[i] = '-';
      else if (s[i] == '/')
        s[i] = '_';
    }
  }
  *out = s;
  return 0;
}

/* Decodes without the canonical check: std holds padded standard base64. */
static int decode_raw(unsigned char **out, size_t *out_len, const char *std, size_t n)
{
  unsigned char *d = malloc(n / 4 * 3 + 1);
  if (!d)
    return ERR_NOMEM;
  int m = EVP_DecodeBlock(d, (const unsigned char *)std, (int)n);
  if (m < 0) {
    free(d);
    return ERR_INVALID;
  }
  size_t len = (size_t)m;
  /* EVP_DecodeBlock counts padding as zero bytes */
  for (size_t i = n; i > 0 && std[i - 1] == '=' && len > 0; i--)
    len--;
  d[len] = '\0';
  *out = d;
  *out_len = len;
  return 0;
}

int base64_decode(unsigned char **out, size_t *out_len, const char *s, size_t n,
                  enum base64_variant v)
{
  if (n > BASE64_MAX_INPUT)
    return ERR_TOOBIG;
  for (size_t i = 0; i < n; i++)
    if (!in_alphabet(s[i], v))
      return ERR_INVALID;
  if (v == BASE64_STD ? n % 4 != 0 : n % 4 == 1)
    return ERR_INVALID;

  int rc = ERR_NOMEM;
  size_t padded = (n + 3) / 4 * 4;
  char *std = malloc(padded + 1);
  unsigned char *d = NULL;
  char *again = NULL;
  size_t len = 0;
  if (!std)
    goto out;
  memcpy(std, s, n);
  for (size_t i = 0; i < n && v == BASE64_URL; i++) {
    if (std[i] == '-')
      std[i] = '+';
    else if (std[i] == '_')
      std[i] = '/';
  }
  memset(std + n, '=', padded - n);
  std[padded] = '\0';
  if ((rc = decode_raw(&d, &len, std, padded)) != 0)
    goto out;
  /* Canonical form only: re-encoding must give back exactly the input (this
   * rejects misplaced padding and non-zero unused bits). */
  if ((rc = base64_encode(&again, d, len, v)) != 0)
    goto out;
  if (strlen(again) != n || memcmp(again, s, n) != 0) {
    rc = ERR_INVALID;
    goto out;
  }
  *out = d;
  *out_len = len;
  d = NULL;
  rc = 0;
out:
  free(std);
  free(d);
  free(again);
  return rc;
}
