#include "util/digest.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/err.h"

struct hasher {
  EVP_MD_CTX *ctx;
  enum digest_algo algo;
};

/* Grammar from the OCI image spec:
 *   algorithm ::= component (separator component)*, component ::= [a-z0-9]+,
 *   separator ::= [+._-], encoded ::= [a-zA-Z0-9=_-]+
 * and for the registered algorithms, lowercase hex of the exact length. */
int digest_parse(enum digest_algo *out, const char *s, size_t n)
{
  const char *colon = memchr(s, ':', n);
  if (!colon || colon == s || (size_t)(colon - s) + 1 >= n)
    return ERR_INVALID;
  size_t alen = (size_t)(colon - s), elen = n - alen - 1;
  const char *enc = colon + 1;
  int prev_sep = 1;
  for (size_t i = 0; i < alen; i++) {
    char c = s[i];
    int comp = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    int sep = c == '+' || c == '.' || c == '_' || c == '-';
    if (!comp && !(sep && !prev_sep))
      return ERR_INVALID;
    prev_sep = sep;
  }
  if (prev_sep)
    return ERR_INVALID;
  for (size_t i = 0; i < elen; i++) {
    char c = enc[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '=' || c == '_' || c == '-'))
      return ERR_INVALID;
  }
  enum digest_algo algo;
  size_t want;
  if (alen == 6 && memcmp(s, "sha256", 6) == 0) {
    algo = DIGEST_SHA256;
    want = 64;
  } else if (alen == 6 && memcmp(s, "sha512", 6) == 0) {
    algo = DIGEST_SHA512;
    want = 128;
  } else {
    return ERR_UNSUPPORTED;
  }
  if (elen != want)
    return ERR_INVALID;
  for (size_t i = 0; i < elen; i++) {
    char c = enc[i];
    if (!((c >= 'a' && c <= 'f') || (c >= '0' && c <= '9')))
      return ERR_INVALID;
  }
  if (out)
    *out = algo;
  return 0;
}

struct hasher *hasher_new(enum digest_algo algo)
{
  struct hasher *h = calloc(1, sizeof(*h));
  if (!h)
    return NULL;
  h->algo = algo;
  h->ctx = EVP_MD_CTX_new();
  const EVP_MD *md = algo == DIGEST_SHA512 ? EVP_sha512() : EVP_sha256();
  if (!h->ctx || EVP_DigestInit_ex(h->ctx, md, NULL) != 1) {
    hasher_free(h);
    return NULL;
  }
  return h;
}

struct hasher *hasher_dup(const struct hasher *src)
{
  struct hasher *h = calloc(1, sizeof(*h));
  if (!h)
    return NULL;
  h->algo = src->algo;
  h->ctx = EVP_MD_CTX_new();
  if (!h->ctx || EVP_MD_CTX_copy_ex(h->ctx, src->ctx) != 1) {
    hasher_free(h);
    return NULL;
  }
  return h;
}

int hasher_update(struct hasher *h, const void *data, size_t len)
{
  return EVP_DigestUpdate(h->ctx, data, len) == 1 ? 0 : ERR_INTERNAL;
}

int hasher_final(struct hasher *h, char out[DIGEST_MAX])
{
  static const char hex[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if (EVP_DigestFinal_ex(h->ctx, md, &mdlen) != 1)
    return ERR_INTERNAL;
  const char *name = h->algo == DIGEST_SHA512 ? "sha512:" : "sha256:";
  size_t k = strlen(name);
  memcpy(out, name, k);
  for (unsigned int i = 0; i < mdlen; i++) {
    out[k++] = hex[md[i] >> 4];
    out[k++] = hex[md[i] & 15];
  }
  out[k] = '\0';
  return 0;
}

void hasher_free(struct hasher *h)
{
  if (!h)
    return;
  EVP_MD_CTX_free(h->ctx);
  free(h);
}

int digest_buffer(char out[DIGEST_MAX], enum digest_algo algo, const void *data, size_t len)
{
  struct hasher *h = hasher_new(algo);
  if (!h)
    return ERR_NOMEM;
  int rc = hasher_update(h, data, len);
  if (rc == 0)
    rc = hasher_final(h, out);
  hasher_free(h);
  return rc;
}
