#include "auth/jwt.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "auth/keys.h"
#include "util/base64.h"
#include "util/err.h"

/* Longest clock skew we accept as a parameter (larger values are clamped). */
#define LEEWAY_MAX 3600

/* base64url(compact JSON of j) into *out (malloc'd). */
static int encode_json(char **out, json_t *j)
{
  char *s = json_dumps(j, JSON_COMPACT);
  if (!s)
    return ERR_NOMEM;
  int rc = base64_encode(out, s, strlen(s), BASE64_URL);
  free(s);
  return rc;
}

/* RS256 = RSASSA-PKCS1-v1_5 over SHA-256. verify: 0 when sig matches. */
static int rs256(EVP_PKEY *pk, int verify, unsigned char **sig, size_t *siglen,
                 const char *input, size_t n)
{
  int rc = verify ? ERR_DENIED : ERR_INTERNAL;
  unsigned char *s = NULL;
  EVP_PKEY_CTX *pctx = NULL; /* owned by md */
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md) {
    rc = ERR_NOMEM;
    goto out;
  }
  if (verify) {
    if (EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pk) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1 ||
        EVP_DigestVerify(md, *sig, *siglen, (const unsigned char *)input, n) != 1)
      goto out;
    rc = 0;
    goto out;
  }
  size_t len = 0;
  if (EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, pk) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1 ||
      EVP_DigestSign(md, NULL, &len, (const unsigned char *)input, n) != 1)
    goto out;
  if (!(s = malloc(len))) {
    rc = ERR_NOMEM;
    goto out;
  }
  if (EVP_DigestSign(md, s, &len, (const unsigned char *)input, n) != 1)
    goto out;
  *sig = s;
  *siglen = len;
  s = NULL;
  rc = 0;
out:
  free(s);
  EVP_MD_CTX_free(md);
  ERR_clear_error();
  return rc;
}

int jwt_sign(char **out, const struct keys *k, json_t *claims)
{
  if (!json_is_object(claims))
    return ERR_INVALID;
  int rc = ERR_NOMEM;
  char *h64 = NULL, *p64 = NULL, *s64 = NULL, *tok = NULL;
  unsigned char *sig = NULL;
  size_t siglen = 0;
  json_t *header = json_pack("{s:s, s:s, s:s}", "alg", "RS256", "typ", "JWT", "kid", keys_kid(k));
  if (!header)
    goto out;
  if ((rc = encode_json(&h64, header)) != 0 || (rc = encode_json(&p64, claims)) != 0)
    goto out;
  size_t hl = strlen(h64), pl = strlen(p64);
  rc = ERR_TOOBIG;
  if (hl + pl + 2 > JWT_MAX_LEN)
    goto out;
  rc = ERR_NOMEM;
  if (!(tok = malloc(JWT_MAX_LEN + 1)))
    goto out;
  memcpy(tok, h64, hl);
  tok[hl] = '.';
  memcpy(tok + hl + 1, p64, pl);
  if ((rc = rs256(keys_signing_key(k), 0, &sig, &siglen, tok, hl + 1 + pl)) != 0 ||
      (rc = base64_encode(&s64, sig, siglen, BASE64_URL)) != 0)
    goto out;
  size_t sl = strlen(s64);
  rc = ERR_TOOBIG;
  if (hl + pl + sl + 2 > JWT_MAX_LEN)
    goto out;
  tok[hl + 1 + pl] = '.';
  memcpy(tok + hl + pl + 2, s64, sl + 1);
  *out = tok;
  tok = NULL;
  rc = 0;
out:
  json_decref(header);
  free(h64);
  free(p64);
  free(s64);
  free(sig);
  free(tok);
  return rc;
}

/* Decodes one base64url part holding a JSON object into *out. */
static int decode_object(json_t **out, const char *s, size_t n)
{
  unsigned char *raw = NULL;
  size_t len = 0;
  int rc = base64_decode(&raw, &len, s, n, BASE64_URL);
  if (rc != 0)
    return rc == ERR_NOMEM ? rc : ERR_INVALID;
  json_t *j = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
  free(raw);
  if (!json_is_object(j)) {
    json_decref(j);
    return ERR_INVALID;
  }
  *out = j;
  return 0;
}

/* Only our own algorithm and key: no "none", no HS256-with-the-public-key,
 * no extensions we would have to understand. */
static int check_header(json_t *h, const struct keys *k)
{
  json_t *alg = json_object_get(h, "alg"), *kid = json_object_get(h, "kid");
  if (!json_is_string(alg) || strcmp(json_string_value(alg), "RS256") != 0)
    return ERR_DENIED;
  if (!json_is_string(kid) || strcmp(json_string_value(kid), keys_kid(k)) != 0)
    return ERR_DENIED;
  if (json_object_get(h, "crit"))
    return ERR_DENIED;
  return 0;
}

/* Optional integer time claim: 0 absent, 1 present (in *v), -1 wrong type. */
static int time_claim(json_t *c, const char *name, int64_t *v)
{
  json_t *j = json_object_get(c, name);
  if (!j)
    return 0;
  if (!json_is_integer(j))
    return -1;
  *v = (int64_t)json_integer_value(j);
  return 1;
}

static int aud_matches(json_t *claim, const char *aud)
{
  if (json_is_string(claim))
    return strcmp(json_string_value(claim), aud) == 0;
  if (!json_is_array(claim))
    return 0;
  size_t i;
  json_t *v;
  json_array_foreach(claim, i, v) {
    if (json_is_string(v) && strcmp(json_string_value(v), aud) == 0)
      return 1;
  }
  return 0;
}

static int check_claims(json_t *c, const char *aud, int64_t now, int64_t leeway)
{
  int64_t exp = 0, nbf = 0, iat = 0;
  if (leeway < 0)
    leeway = 0;
  if (leeway > LEEWAY_MAX)
    leeway = LEEWAY_MAX;
  if (time_claim(c, "exp", &exp) != 1 || exp <= now - leeway)
    return ERR_DENIED;
  int r = time_claim(c, "nbf", &nbf);
  if (r < 0 || (r == 1 && nbf > now + leeway))
    return ERR_DENIED;
  r = time_claim(c, "iat", &iat);
  if (r < 0 || (r == 1 && iat > now + leeway))
    return ERR_DENIED;
  if (aud && !aud_matches(json_object_get(c, "aud"), aud))
    return ERR_DENIED;
  return 0;
}

int jwt_verify(json_t **out_claims, const struct keys *k, const char *token, size_t len,
               const char *aud, int64_t now, int64_t leeway)
{
  if (!token || len == 0 || len > JWT_MAX_LEN || memchr(token, '\0', len))
    return ERR_INVALID;
  const char *d1 = memchr(token, '.', len);
  const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
  if (!d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
    return ERR_INVALID;

  json_t *header = NULL, *claims = NULL;
  unsigned char *sig = NULL;
  size_t siglen = 0;
  int rc;
  if ((rc = decode_object(&header, token, (size_t)(d1 - token))) != 0 ||
      (rc = decode_object(&claims, d1 + 1, (size_t)(d2 - d1 - 1))) != 0)
    goto out;
  if ((rc = base64_decode(&sig, &siglen, d2 + 1, len - (size_t)(d2 + 1 - token), BASE64_URL)) !=
      0) {
    rc = rc == ERR_NOMEM ? rc : ERR_INVALID;
    goto out;
  }
  if ((rc = check_header(header, k)) != 0 ||
      (rc = rs256(keys_signing_key(k), 1, &sig, &siglen, token, (size_t)(d2 - token))) != 0 ||
      (rc = check_claims(claims, aud, now, leeway)) != 0)
    goto out;
  *out_claims = claims;
  claims = NULL;
out:
  json_decref(header);
  json_decref(claims);
  free(sig);
  return rc;
}

/* base64url of the big-endian bytes of one RSA parameter. */
static int bn_param(char **out, EVP_PKEY *pk, const char *name)
{
  BIGNUM *bn = NULL;
  unsigned char *bytes = NULL;
  int rc = ERR_INTERNAL;
  if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1)
    goto out;
  int n = BN_num_bytes(bn);
  rc = ERR_NOMEM;
  if (n <= 0 || !(bytes = malloc((size_t)n)))
    goto out;
  BN_bn2bin(bn, bytes);
  rc = base64_encode(out, bytes, (size_t)n, BASE64_URL);
out:
  BN_free(bn);
  free(bytes);
  ERR_clear_error();
  return rc;
}

int jwt_public_jwk(json_t **out, const struct keys *k)
{
  char *n = NULL, *e = NULL;
  int rc;
  if ((rc = bn_param(&n, keys_signing_key(k), OSSL_PKEY_PARAM_RSA_N)) != 0 ||
      (rc = bn_param(&e, keys_signing_key(k), OSSL_PKEY_PARAM_RSA_E)) != 0)
    goto out;
  json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "alg", "RS256", "use",
                        "sig", "kid", keys_kid(k), "n", n, "e", e);
  rc = ERR_NOMEM;
  if (!j)
    goto out;
  *out = j;
  rc = 0;
out:
  free(n);
  free(e);
  return rc;
}
