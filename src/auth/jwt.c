#include "auth/jwt.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ec.h>

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

/* Bytes of an ES256 signature: r || s, 32 bytes each, big-endian (RFC 7518 3.4). */
#define ES256_SIGLEN 64

/* The algorithms we accept; ALG_NONE for anything else. */
enum alg { ALG_NONE, ALG_ES256, ALG_RS256 };

/* One DigestSign/DigestVerify over SHA-256 with pk: verify when sig is const
 * input (sign_out NULL), sign into *sign_out (DER for ECDSA) otherwise. */
static int digest_op(EVP_PKEY *pk, unsigned char **sign_out, size_t *sign_len,
                     const unsigned char *sig, size_t siglen, const char *input, size_t n)
{
  int rc = sign_out ? ERR_INTERNAL : ERR_DENIED;
  unsigned char *s = NULL;
  size_t len = 0;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md) {
    rc = ERR_NOMEM;
    goto out;
  }
  if (!sign_out) {
    if (EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pk, NULL) == 1 &&
        EVP_DigestVerify(md, sig, siglen, (const unsigned char *)input, n) == 1)
      rc = 0;
    goto out;
  }
  if (EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, pk, NULL) != 1 ||
      EVP_DigestSign(md, NULL, &len, (const unsigned char *)input, n) != 1)
    goto out;
  if (!(s = malloc(len))) {
    rc = ERR_NOMEM;
    goto out;
  }
  if (EVP_DigestSign(md, s, &len, (const unsigned char *)input, n) != 1)
    goto out;
  *sign_out = s;
  *sign_len = len;
  s = NULL;
  rc = 0;
out:
  free(s);
  EVP_MD_CTX_free(md);
  ERR_clear_error();
  return rc;
}

/* ES256 signature of input[0..n) into out as raw r || s. */
static int es256_sign(unsigned char out[ES256_SIGLEN], EVP_PKEY *pk, const char *input, size_t n)
{
  unsigned char *der = NULL;
  size_t derlen = 0;
  int rc = digest_op(pk, &der, &derlen, NULL, 0, input, n);
  if (rc)
    return rc;
  const unsigned char *p = der;
  ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
  rc = ERR_INTERNAL;
  if (es && BN_bn2binpad(ECDSA_SIG_get0_r(es), out, 32) == 32 &&
      BN_bn2binpad(ECDSA_SIG_get0_s(es), out + 32, 32) == 32)
    rc = 0;
  ECDSA_SIG_free(es);
  free(der);
  ERR_clear_error();
  return rc;
}

/* 0 when sig (raw r || s, exactly 64 bytes) signs input[0..n) under pk. */
static int es256_verify(EVP_PKEY *pk, const unsigned char *sig, size_t siglen, const char *input,
                        size_t n)
{
  if (siglen != ES256_SIGLEN)
    return ERR_DENIED;
  int rc = ERR_NOMEM;
  unsigned char *der = NULL;
  ECDSA_SIG *es = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
  if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1)
    goto out;
  r = s = NULL; /* owned by es */
  int derlen = i2d_ECDSA_SIG(es, &der);
  if (derlen <= 0)
    goto out;
  rc = digest_op(pk, NULL, NULL, der, (size_t)derlen, input, n);
out:
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(es);
  OPENSSL_free(der);
  ERR_clear_error();
  return rc;
}

/* RS256 = RSASSA-PKCS1-v1_5 over SHA-256 (the RSA key's default padding). */
static int rs256_verify(EVP_PKEY *pk, const unsigned char *sig, size_t siglen, const char *input,
                        size_t n)
{
  return digest_op(pk, NULL, NULL, sig, siglen, input, n);
}

int jwt_sign(char **out, const struct keys *k, json_t *claims)
{
  if (!json_is_object(claims))
    return ERR_INVALID;
  int rc = ERR_NOMEM;
  char *h64 = NULL, *p64 = NULL, *s64 = NULL, *tok = NULL;
  unsigned char sig[ES256_SIGLEN];
  json_t *header = json_pack("{s:s, s:s, s:s}", "alg", "ES256", "typ", "JWT", "kid", keys_kid(k));
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
  if ((rc = es256_sign(sig, keys_signing_key(k), tok, hl + 1 + pl)) != 0 ||
      (rc = base64_encode(&s64, sig, sizeof(sig), BASE64_URL)) != 0)
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

/* Only our own algorithms, each with its own key: ES256 with the signing
 * key's kid, or RS256 with the legacy RSA key's kid (tokens issued before
 * the switch, valid until they expire). No "none", no HS256-with-the-public-
 * key, no extensions we would have to understand. */
static enum alg check_header(json_t *h, const struct keys *k)
{
  const char *alg = json_string_value(json_object_get(h, "alg"));
  const char *kid = json_string_value(json_object_get(h, "kid"));
  if (!alg || !kid || json_object_get(h, "crit"))
    return ALG_NONE;
  if (strcmp(alg, "ES256") == 0 && strcmp(kid, keys_kid(k)) == 0)
    return ALG_ES256;
  if (strcmp(alg, "RS256") == 0 && strcmp(kid, keys_rsa_kid(k)) == 0)
    return ALG_RS256;
  return ALG_NONE;
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

int jwt_check_claims(json_t *claims, const char *aud, int64_t now, int64_t leeway)
{
  return check_claims(claims, aud, now, leeway);
}

int jwt_parse(struct jwt_parts *out, const char *token, size_t len)
{
  if (!token || len == 0 || len > JWT_MAX_LEN || memchr(token, '\0', len))
    return ERR_INVALID;
  const char *d1 = memchr(token, '.', len);
  const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
  if (!d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
    return ERR_INVALID;
  struct jwt_parts j = { 0 };
  int rc;
  if ((rc = decode_object(&j.header, token, (size_t)(d1 - token))) != 0 ||
      (rc = decode_object(&j.claims, d1 + 1, (size_t)(d2 - d1 - 1))) != 0)
    goto fail;
  if ((rc = base64_decode(&j.sig, &j.siglen, d2 + 1, len - (size_t)(d2 + 1 - token),
                          BASE64_URL)) != 0) {
    rc = rc == ERR_NOMEM ? rc : ERR_INVALID;
    goto fail;
  }
  j.signed_len = (size_t)(d2 - token);
  *out = j;
  return 0;
fail:
  jwt_parts_free(&j);
  return rc;
}

void jwt_parts_free(struct jwt_parts *j)
{
  json_decref(j->header);
  json_decref(j->claims);
  free(j->sig);
  memset(j, 0, sizeof(*j));
}

int jwt_verify(json_t **out_claims, const struct keys *k, const char *token, size_t len,
               const char *aud, int64_t now, int64_t leeway)
{
  struct jwt_parts j;
  int rc = jwt_parse(&j, token, len);
  if (rc)
    return rc;
  enum alg alg = check_header(j.header, k);
  rc = ERR_DENIED;
  if (alg == ALG_NONE)
    goto out;
  if (alg == ALG_ES256)
    rc = es256_verify(keys_signing_key(k), j.sig, j.siglen, token, j.signed_len);
  else
    rc = rs256_verify(keys_rsa_key(k), j.sig, j.siglen, token, j.signed_len);
  if (rc != 0 || (rc = check_claims(j.claims, aud, now, leeway)) != 0)
    goto out;
  *out_claims = j.claims;
  j.claims = NULL;
out:
  jwt_parts_free(&j);
  return rc;
}

/* base64url of one parameter of pk, big-endian, left-padded to pad bytes. */
static int bn_param(char **out, EVP_PKEY *pk, const char *name, int pad)
{
  BIGNUM *bn = NULL;
  unsigned char bytes[32];
  int rc = ERR_INTERNAL;
  if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1 || BN_bn2binpad(bn, bytes, pad) != pad)
    goto out;
  rc = base64_encode(out, bytes, (size_t)pad, BASE64_URL);
out:
  BN_free(bn);
  ERR_clear_error();
  return rc;
}

int jwt_public_jwk(json_t **out, const struct keys *k)
{
  char *x = NULL, *y = NULL;
  int rc;
  if ((rc = bn_param(&x, keys_signing_key(k), OSSL_PKEY_PARAM_EC_PUB_X, 32)) != 0 ||
      (rc = bn_param(&y, keys_signing_key(k), OSSL_PKEY_PARAM_EC_PUB_Y, 32)) != 0)
    goto out;
  json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "alg",
                        "ES256", "use", "sig", "kid", keys_kid(k), "x", x, "y", y);
  rc = ERR_NOMEM;
  if (!j)
    goto out;
  *out = j;
  rc = 0;
out:
  free(x);
  free(y);
  return rc;
}
