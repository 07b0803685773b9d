#include "auth/token.h"

#include <string.h>

#include <openssl/crypto.h>

#include "util/err.h"
#include "util/rand.h"

static const char TOKEN_ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/* No 0/O, 1/l/I: bootstrap passwords get read off a terminal and typed. */
static const char PASSWORD_ALPHABET[] =
  "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/* Fills out[0..n) from alphabet[0..alen) uniformly: a random byte b is used
 * only when b < alen * floor(256 / alen), so b % alen has no bias. */
static int pick(char *out, size_t n, const char *alphabet, size_t alen)
{
  unsigned char pool[128];
  size_t avail = 0, pos = 0;
  const unsigned limit = (unsigned)(256 / alen * alen);
  int rc = 0;
  for (size_t i = 0; i < n;) {
    if (pos == avail) {
      if ((rc = rand_bytes(pool, sizeof(pool))) != 0)
        goto out;
      avail = sizeof(pool);
      pos = 0;
    }
    unsigned b = pool[pos++];
    if (b < limit)
      out[i++] = alphabet[b % alen];
  }
out:
  OPENSSL_cleanse(pool, sizeof(pool));
  return rc;
}

int token_generate(char out[TOKEN_LEN + 1])
{
  char t[TOKEN_LEN];
  int rc = pick(t, sizeof(t), TOKEN_ALPHABET, sizeof(TOKEN_ALPHABET) - 1);
  if (rc == 0) {
    memcpy(out, t, sizeof(t));
    out[TOKEN_LEN] = '\0';
  }
  OPENSSL_cleanse(t, sizeof(t));
  return rc;
}

int token_equal(const char *a, const char *b)
{
  if (!a || !b)
    return 0;
  size_t n = strlen(a);
  if (strlen(b) != n)
    return 0;
  return CRYPTO_memcmp(a, b, n) == 0;
}

int password_generate(char *out, size_t len)
{
  if (!out || len < 17 || len > 1025)
    return ERR_INVALID;
  char t[1024];
  int rc = pick(t, len - 1, PASSWORD_ALPHABET, sizeof(PASSWORD_ALPHABET) - 1);
  if (rc == 0) {
    memcpy(out, t, len - 1);
    out[len - 1] = '\0';
  }
  OPENSSL_cleanse(t, sizeof(t));
  return rc;
}
