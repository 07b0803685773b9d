/* JWK to OpenSSL public keys and JWS signature checks for OIDC tokens:
 * RS256 (RSASSA-PKCS1-v1_5) and ES256 (ECDSA P-256, signatures as raw
 * r||s which OpenSSL wants DER-encoded). */
#include "auth/oidc.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "util/base64.h"
#include "util/err.h"

#define RSA_BITS_MIN 2048
#define JWK_PARAM_MAX 1024 /* decoded bytes of n (8192 bits), x, y */

/* base64url member `name` of jwk, decoded into *out (malloc'd). */
static int jwk_bytes(unsigned char **out, size_t *out_len, json_t *jwk, const char *name)
{
  const char *s = json_string_value(json_object_get(jwk, name));
  unsigned char *b = NULL;
  size_t n = 0;
  if (!s || !*s || strlen(s) > JWK_PARAM_MAX * 2)
    return ERR_INVALID;
  int rc = base64_decode(&b, &n, s, strlen(s), BASE64_URL);
  if (rc)
    return rc == ERR_NOMEM ? rc : ERR_INVALID;
  if (n == 0 || n > JWK_PARAM_MAX) {
    free(b);
    return ERR_INVALID;
  }
  *out = b;
  *out_len = n;
  return 0;
}

static int fromdata(EVP_PKEY **out, const char *type, OSSL_PARAM_BLD *bld)
{
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
  EVP_PKEY *pk = NULL;
  int rc = ERR_INVALID;
  if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
      EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) == 1) {
    *out = pk;
    rc = 0;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return rc;
}

static int rsa_key(EVP_PKEY **out, json_t *jwk)
{
  unsigned char *n = NULL, *e = NULL;
  size_t nl = 0, el = 0;
  BIGNUM *bn = NULL, *be = NULL;
  OSSL_PARAM_BLD *bld = NULL;
  int rc;
  if ((rc = jwk_bytes(&n, &nl, jwk, "n")) != 0 || (rc = jwk_bytes(&e, &el, jwk, "e")) != 0)
    goto out;
  rc = ERR_NOMEM;
  if (!(bn = BN_bin2bn(n, (int)nl, NULL)) || !(be = BN_bin2bn(e, (int)el, NULL)) ||
      !(bld = OSSL_PARAM_BLD_new()))
    goto out;
  rc = ERR_INVALID;
  if (BN_num_bits(bn) < RSA_BITS_MIN || el > 8)
    goto out;
  if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1)
    goto out;
  rc = fromdata(out, "RSA", bld);
out:
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn);
  BN_free(be);
  free(n);
  free(e);
  return rc;
}

static int ec_key(EVP_PKEY **out, json_t *jwk)
{
  unsigned char *x = NULL, *y = NULL, pub[65];
  size_t xl = 0, yl = 0;
  OSSL_PARAM_BLD *bld = NULL;
  const char *crv = json_string_value(json_object_get(jwk, "crv"));
  int rc = ERR_INVALID;
  if (!crv || strcmp(crv, "P-256") != 0)
    goto out;
  if ((rc = jwk_bytes(&x, &xl, jwk, "x")) != 0 || (rc = jwk_bytes(&y, &yl, jwk, "y")) != 0)
    goto out;
  rc = ERR_INVALID;
  if (xl != 32 || yl != 32)
    goto out;
  pub[0] = 0x04; /* uncompressed point */
  memcpy(pub + 1, x, 32);
  memcpy(pub + 33, y, 32);
  rc = ERR_NOMEM;
  if (!(bld = OSSL_PARAM_BLD_new()))
    goto out;
  rc = ERR_INVALID;
  if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub)) != 1)
    goto out;
  rc = fromdata(out, "EC", bld); /* fromdata checks the point is on the curve */
out:
  OSSL_PARAM_BLD_free(bld);
  free(x);
  free(y);
  return rc;
}

int oidc_jwk_key(EVP_PKEY **out, json_t *jwk, const char *alg)
{
  const char *kty = json_string_value(json_object_get(jwk, "kty"));
  const char *jalg = json_string_value(json_object_get(jwk, "alg"));
  const char *use = json_string_value(json_object_get(jwk, "use"));
  EVP_PKEY *pk = NULL;
  int rc = ERR_INVALID;
  if (!json_is_object(jwk) || !kty || !alg)
    return ERR_INVALID;
  if ((jalg && strcmp(jalg, alg) != 0) || (use && strcmp(use, "sig") != 0))
    return ERR_INVALID;
  if (strcmp(alg, "RS256") == 0 && strcmp(kty, "RSA") == 0)
    rc = rsa_key(&pk, jwk);
  else if (strcmp(alg, "ES256") == 0 && strcmp(kty, "EC") == 0)
    rc = ec_key(&pk, jwk);
  ERR_clear_error();
  if (rc == 0)
    *out = pk;
  return rc;
}

/* Raw r||s (32 bytes each) to a DER ECDSA-Sig-Value in *out (malloc'd by OpenSSL). */
static int ecdsa_der(unsigned char **out, int *out_len, const unsigned char *sig, size_t siglen)
{
  if (siglen != 64)
    return ERR_DENIED;
  ECDSA_SIG *es = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
  int rc = ERR_NOMEM;
  if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1)
    goto out;
  r = s = NULL; /* owned by es */
  unsigned char *der = NULL;
  int n = i2d_ECDSA_SIG(es, &der);
  if (n <= 0)
    goto out;
  *out = der;
  *out_len = n;
  rc = 0;
out:
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(es);
  return rc;
}

int oidc_sig_verify(EVP_PKEY *pk, const char *alg, const unsigned char *sig, size_t siglen,
                    const char *input, size_t n)
{
  int rc = ERR_DENIED, es = strcmp(alg, "ES256") == 0;
  unsigned char *der = NULL;
  int derlen = 0;
  EVP_PKEY_CTX *pctx = NULL; /* owned by md */
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md)
    return ERR_NOMEM;
  if (es) {
    if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC || ecdsa_der(&der, &derlen, sig, siglen) != 0)
      goto out;
    sig = der;
    siglen = (size_t)derlen;
  } else if (strcmp(alg, "RS256") != 0 || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
    goto out;
  }
  if (EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pk) != 1)
    goto out;
  if (!es && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
    goto out;
  if (EVP_DigestVerify(md, sig, siglen, (const unsigned char *)input, n) == 1)
    rc = 0;
out:
  OPENSSL_free(der);
  EVP_MD_CTX_free(md);
  ERR_clear_error();
  return rc;
}
