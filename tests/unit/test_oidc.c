/* Tests for auth/oidc.c and oidc_key.c without a network: which issuer URLs
 * may be fetched, JWK-to-key refusals, ES256 signature form, and that a
 * token whose header is refused never reaches the key cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "auth/oidc.h"
#include "util/base64.h"
#include "util/err.h"
#include "util/pool.h"

static void test_url_ok(void **state)
{
  (void)state;
  assert_int_equal(oidc_url_ok("https://token.actions.githubusercontent.com", 0), 0);
  assert_int_equal(oidc_url_ok("http://127.0.0.1:8080/issuer", 0), 0);
  assert_int_equal(oidc_url_ok("http://localhost:9000", 0), 0);
  assert_int_equal(oidc_url_ok("http://[::1]:9000", 0), 0);
  assert_int_equal(oidc_url_ok("http://10.0.0.1", 0), ERR_INVALID);
  assert_int_equal(oidc_url_ok("http://10.0.0.1", 1), 0);
  assert_int_equal(oidc_url_ok("http://127.0.0.1@evil.example", 0), ERR_INVALID);
  assert_int_equal(oidc_url_ok("https://user:pw@issuer.example", 0), ERR_INVALID);
  assert_int_equal(oidc_url_ok("http://127.evil.example", 0), ERR_INVALID);
  assert_int_equal(oidc_url_ok("ftp://127.0.0.1/", 1), ERR_INVALID);
  assert_int_equal(oidc_url_ok("file:///etc/passwd", 1), ERR_INVALID);
  assert_int_equal(oidc_url_ok("https://a b", 0), ERR_INVALID);
  assert_int_equal(oidc_url_ok(NULL, 0), ERR_INVALID);
}

static void test_jwk_refusals(void **state)
{
  (void)state;
  EVP_PKEY *pk = NULL;
  /* a too-small RSA modulus, a wrong kty/alg pairing, a JWK for another alg */
  json_t *small = json_pack("{s:s, s:s, s:s}", "kty", "RSA", "n", "AQAB", "e", "AQAB");
  assert_int_equal(oidc_jwk_key(&pk, small, "RS256"), ERR_INVALID);
  assert_int_equal(oidc_jwk_key(&pk, small, "ES256"), ERR_INVALID);
  assert_int_equal(oidc_jwk_key(&pk, small, "HS256"), ERR_INVALID);
  json_object_set_new(small, "alg", json_string("RS384"));
  assert_int_equal(oidc_jwk_key(&pk, small, "RS256"), ERR_INVALID);
  json_decref(small);
  json_t *ec = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-384", "x", "AA", "y", "AA");
  assert_int_equal(oidc_jwk_key(&pk, ec, "ES256"), ERR_INVALID);
  json_decref(ec);
  assert_null(pk);
}

/* An EC P-256 key as a JWK, signing with it, verifying raw r||s. */
static void test_es256_roundtrip(void **state)
{
  (void)state;
  EVP_PKEY *key = EVP_EC_gen("P-256"), *pub = NULL;
  assert_non_null(key);
  unsigned char pt[65];
  size_t ptlen = 0;
  assert_int_equal(EVP_PKEY_get_octet_string_param(key, "pub", pt, sizeof(pt), &ptlen), 1);
  assert_int_equal(ptlen, 65);
  char *x = NULL, *y = NULL;
  assert_int_equal(base64_encode(&x, pt + 1, 32, BASE64_URL), 0);
  assert_int_equal(base64_encode(&y, pt + 33, 32, BASE64_URL), 0);
  json_t *jwk = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "x", x, "y", y);
  assert_int_equal(oidc_jwk_key(&pub, jwk, "ES256"), 0);
  assert_int_equal(oidc_jwk_key(&pub, jwk, "RS256"), ERR_INVALID);

  const char *msg = "header.payload";
  unsigned char der[128];
  size_t dlen = sizeof(der);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
  assert_int_equal(EVP_DigestSign(md, der, &dlen, (const unsigned char *)msg, strlen(msg)), 1);
  EVP_MD_CTX_free(md);
  const unsigned char *dp = der;
  ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &dp, (long)dlen);
  unsigned char raw[64];
  assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32), 32);
  assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32), 32);
  ECDSA_SIG_free(es);
  assert_int_equal(oidc_sig_verify(pub, "ES256", raw, 64, msg, strlen(msg)), 0);
  raw[5] ^= 1;
  assert_int_equal(oidc_sig_verify(pub, "ES256", raw, 64, msg, strlen(msg)), ERR_DENIED);
  assert_int_equal(oidc_sig_verify(pub, "ES256", der, dlen, msg, strlen(msg)), ERR_DENIED);
  assert_int_equal(oidc_sig_verify(pub, "RS256", raw, 64, msg, strlen(msg)), ERR_DENIED);
  EVP_PKEY_free(pub);
  EVP_PKEY_free(key);
  json_decref(jwk);
  free(x);
  free(y);
}

/* alg none / HS256 / missing kid are refused before any key lookup (the
 * issuer below does not exist: a fetch would fail with ERR_IO instead). */
static void test_header_refusals(void **state)
{
  (void)state;
  struct oidc *o = NULL;
  struct pool *p = pool_new();
  assert_int_equal(oidc_new(&o, NULL), 0);
  const char *iss = "https://issuer.invalid";
  const char *headers[] = { "{\"alg\":\"none\",\"kid\":\"k\"}", "{\"alg\":\"HS256\",\"kid\":\"k\"}",
                            "{\"alg\":\"RS256\"}",
                            "{\"alg\":\"RS256\",\"kid\":\"k\",\"crit\":[\"b64\"]}" };
  char *claims = NULL;
  const char *cj = "{\"iss\":\"https://issuer.invalid\",\"sub\":\"s\",\"exp\":99999999999}";
  assert_int_equal(base64_encode(&claims, cj, strlen(cj), BASE64_URL), 0);
  for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
    char *h = NULL;
    assert_int_equal(base64_encode(&h, headers[i], strlen(headers[i]), BASE64_URL), 0);
    const char *tok = pool_printf(p, "%s.%s.c2ln", h, claims);
    json_t *out = NULL;
    const char *reason = NULL;
    assert_int_equal(oidc_verify(&out, &reason, p, o, tok, strlen(tok), iss, NULL, 1000),
                     ERR_DENIED);
    assert_non_null(reason);
    assert_null(out);
    free(h);
  }
  const char *got = NULL;
  const char *tok = pool_printf(p, "e30.%s.c2ln", claims);
  assert_int_equal(oidc_peek_issuer(&got, p, tok, strlen(tok)), 0);
  assert_string_equal(got, iss);
  assert_int_equal(oidc_peek_issuer(&got, p, "garbage", 7), ERR_INVALID);
  free(claims);
  oidc_free(o);
  pool_free(p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_url_ok),
    cmocka_unit_test(test_jwk_refusals),
    cmocka_unit_test(test_es256_roundtrip),
    cmocka_unit_test(test_header_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
