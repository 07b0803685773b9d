/* Tests for auth/jwt: ES256 compact JWS signing, legacy RS256 verification and
 * the checks on verify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "auth/jwt.h"
#include "auth/keys.h"
#include "util/base64.h"
#include "util/err.h"

#include "keys_fixture.h"

#define NOW 1700000000
#define AUD "registry.example.com"

struct fx {
  char dir[64];
  struct keys *k, *k2;
};

static int setup(void **state)
{
  struct fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  kfx_mkdir(f->dir, sizeof(f->dir), "jwt");
  f->k = kfx_key(f->dir, "one.key");
  f->k2 = kfx_key(f->dir, "two.key");
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fx *f = *state;
  keys_free(f->k);
  keys_free(f->k2);
  kfx_rmdir(f->dir);
  free(f);
  return 0;
}

/* The claims /v2/auth issues (quay-api.md §6), valid at NOW. */
static json_t *claims_at(int64_t iat)
{
  json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:[{s:s, s:s, s:[s, s]}]}", "iss", "quay",
                        "aud", AUD, "sub", "org+bot", "iat", (json_int_t)iat, "nbf",
                        (json_int_t)iat, "exp", (json_int_t)(iat + 3600), "access", "type",
                        "repository", "name", "org/repo", "actions", "push", "pull");
  assert_non_null(c);
  return c;
}

static char *sign(const struct keys *k, json_t *claims)
{
  char *t = NULL;
  assert_int_equal(jwt_sign(&t, k, claims), 0);
  json_decref(claims);
  return t;
}

static int verify(const struct keys *k, const char *t, const char *aud, int64_t now)
{
  json_t *c = (json_t *)0x1;
  int rc = jwt_verify(&c, k, t, strlen(t), aud, now, 30);
  if (rc == 0)
    json_decref(c);
  else
    assert_ptr_equal(c, (json_t *)0x1); /* untouched on failure */
  return rc;
}

static char *b64url(const char *s)
{
  char *out = NULL;
  assert_int_equal(base64_encode(&out, s, strlen(s), BASE64_URL), 0);
  return out;
}

/* header.payload.sig from raw JSON texts, signed with pk (NULL: sig as given). */
static char *forge(const char *header, const char *payload, EVP_PKEY *pk, const char *sig)
{
  char *h = b64url(header), *p = b64url(payload), *s = NULL;
  char *input = malloc(strlen(h) + strlen(p) + 2);
  assert_non_null(input);
  sprintf(input, "%s.%s", h, p);
  if (pk) {
    unsigned char raw[512];
    size_t n = sizeof(raw);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk), 1);
    assert_int_equal(EVP_DigestSign(md, raw, &n, (unsigned char *)input, strlen(input)), 1);
    EVP_MD_CTX_free(md);
    assert_int_equal(base64_encode(&s, raw, n, BASE64_URL), 0);
  } else {
    s = strdup(sig);
  }
  char *t = malloc(strlen(input) + strlen(s) + 2);
  assert_non_null(t);
  sprintf(t, "%s.%s", input, s);
  free(h);
  free(p);
  free(s);
  free(input);
  return t;
}

static void test_roundtrip(void **state)
{
  struct fx *f = *state;
  json_t *want = claims_at(NOW);
  char *t = NULL;
  assert_int_equal(jwt_sign(&t, f->k, want), 0);
  assert_int_equal(strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
                   strlen(t));
  const char *d1 = strchr(t, '.'), *d2 = strrchr(t, '.');
  assert_true(d1 && d2 && d1 != d2);
  assert_int_equal(strlen(d2 + 1), 86); /* 64-byte ES256 r || s */

  unsigned char *h = NULL;
  size_t hl = 0;
  assert_int_equal(base64_decode(&h, &hl, t, (size_t)(d1 - t), BASE64_URL), 0);
  json_t *hj = json_loads((char *)h, 0, NULL);
  assert_non_null(hj);
  assert_string_equal(json_string_value(json_object_get(hj, "alg")), "ES256");
  assert_string_equal(json_string_value(json_object_get(hj, "typ")), "JWT");
  assert_string_equal(json_string_value(json_object_get(hj, "kid")), keys_kid(f->k));
  json_decref(hj);
  free(h);

  json_t *got = NULL;
  assert_int_equal(jwt_verify(&got, f->k, t, strlen(t), AUD, NOW, 30), 0);
  assert_true(json_equal(got, want));
  json_decref(got);
  /* len bounds the token: trailing bytes are not part of it */
  char *longer = malloc(strlen(t) + 8);
  sprintf(longer, "%sXXXXXXX", t);
  assert_int_equal(jwt_verify(&got, f->k, longer, strlen(t), AUD, NOW, 30), 0);
  json_decref(got);
  free(longer);
  /* aud NULL: audience not checked */
  assert_int_equal(verify(f->k, t, NULL, NOW), 0);
  json_decref(want);
  free(t);

  json_t *arr = json_array();
  t = NULL;
  assert_int_equal(jwt_sign(&t, f->k, arr), ERR_INVALID);
  assert_null(t);
  json_decref(arr);
}

static void test_time_claims(void **state)
{
  struct fx *f = *state;
  char *t = sign(f->k, claims_at(NOW)); /* nbf = iat = NOW, exp = NOW + 3600 */
  assert_int_equal(verify(f->k, t, AUD, NOW + 3599), 0);
  assert_int_equal(verify(f->k, t, AUD, NOW + 3629), 0);        /* within leeway */
  assert_int_equal(verify(f->k, t, AUD, NOW + 3630), ERR_DENIED); /* exp + leeway */
  assert_int_equal(verify(f->k, t, AUD, NOW + 7200), ERR_DENIED);
  assert_int_equal(verify(f->k, t, AUD, NOW - 30), 0);          /* nbf within leeway */
  assert_int_equal(verify(f->k, t, AUD, NOW - 31), ERR_DENIED); /* not yet valid */
  json_t *c = NULL;
  assert_int_equal(jwt_verify(&c, f->k, t, strlen(t), AUD, NOW + 3601, 0), ERR_DENIED);
  free(t);

  /* exp missing or not an integer; nbf / iat in the future */
  json_t *claims = claims_at(NOW);
  json_object_del(claims, "exp");
  t = sign(f->k, claims);
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  free(t);
  claims = claims_at(NOW);
  json_object_set_new(claims, "exp", json_string("9999999999"));
  t = sign(f->k, claims);
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  free(t);
  claims = claims_at(NOW);
  json_object_set_new(claims, "exp", json_real(1e12));
  t = sign(f->k, claims);
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  free(t);
  claims = claims_at(NOW);
  json_object_set_new(claims, "nbf", json_integer(NOW + 100));
  t = sign(f->k, claims);
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  assert_int_equal(verify(f->k, t, AUD, NOW + 100), 0);
  free(t);
  claims = claims_at(NOW);
  json_object_set_new(claims, "iat", json_integer(NOW + 100));
  t = sign(f->k, claims);
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  free(t);
  claims = claims_at(NOW);
  json_object_del(claims, "nbf");
  json_object_del(claims, "iat");
  t = sign(f->k, claims); /* both optional */
  assert_int_equal(verify(f->k, t, AUD, NOW), 0);
  free(t);
}

static void test_audience(void **state)
{
  struct fx *f = *state;
  char *t = sign(f->k, claims_at(NOW));
  assert_int_equal(verify(f->k, t, "other.example.com", NOW), ERR_DENIED);
  assert_int_equal(verify(f->k, t, "registry.example.co", NOW), ERR_DENIED);
  assert_int_equal(verify(f->k, t, "", NOW), ERR_DENIED);
  free(t);
  json_t *claims = claims_at(NOW);
  json_object_set_new(claims, "aud", json_pack("[s, s]", "a.example", AUD));
  t = sign(f->k, claims);
  assert_int_equal(verify(f->k, t, AUD, NOW), 0);
  assert_int_equal(verify(f->k, t, "b.example", NOW), ERR_DENIED);
  free(t);
  claims = claims_at(NOW);
  json_object_del(claims, "aud");
  t = sign(f->k, claims);
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  assert_int_equal(verify(f->k, t, NULL, NOW), 0);
  free(t);
}

static void test_wrong_alg(void **state)
{
  struct fx *f = *state;
  char header[256];
  const char *payload = "{\"sub\":\"admin\",\"aud\":\"" AUD "\",\"exp\":1800000000}";

  snprintf(header, sizeof(header), "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
           keys_rsa_kid(f->k));
  char *t = forge(header, payload, NULL, "");
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  free(t);
  snprintf(header, sizeof(header), "{\"alg\":\"None\",\"kid\":\"%s\"}", keys_rsa_kid(f->k));
  t = forge(header, payload, NULL, "");
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  free(t);
  /* right key, but a header that does not say RS256 */
  static const char *algs[] = {"HS256", "RS384", "PS256", "rs256", "ES256"};
  for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
    snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"kid\":\"%s\"}", algs[i],
             keys_rsa_kid(f->k));
    t = forge(header, payload, keys_rsa_key(f->k), NULL);
    assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
    free(t);
  }
  snprintf(header, sizeof(header), "{\"kid\":\"%s\"}", keys_rsa_kid(f->k));
  t = forge(header, payload, keys_rsa_key(f->k), NULL);
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  free(t);
  /* a critical extension we do not know */
  snprintf(header, sizeof(header), "{\"alg\":\"RS256\",\"kid\":\"%s\",\"crit\":[\"x\"],\"x\":1}",
           keys_rsa_kid(f->k));
  t = forge(header, payload, keys_rsa_key(f->k), NULL);
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  free(t);
  /* control: the same construction with RS256 verifies */
  snprintf(header, sizeof(header), "{\"alg\":\"RS256\",\"kid\":\"%s\"}", keys_rsa_kid(f->k));
  t = forge(header, payload, keys_rsa_key(f->k), NULL);
  assert_int_equal(verify(f->k, t, AUD, NOW), 0);
  free(t);
}

static void test_tampered(void **state)
{
  struct fx *f = *state;
  char *t = sign(f->k, claims_at(NOW));
  char *d1 = strchr(t, '.'), *d2 = strrchr(t, '.');

  /* another payload under the original header and signature */
  json_t *evil = claims_at(NOW);
  json_object_set_new(evil, "sub", json_string("org+admin"));
  char *other = sign(f->k, evil);
  char *o1 = strchr(other, '.'), *o2 = strrchr(other, '.');
  char *mix = malloc(strlen(t) + strlen(other) + 1);
  sprintf(mix, "%.*s%.*s%s", (int)(d1 - t), t, (int)(o2 - o1), o1, d2);
  assert_int_equal(verify(f->k, mix, AUD, NOW), ERR_DENIED);
  free(mix);
  free(other);

  /* every character of header, payload and signature; a change is either
   * not canonical base64url / JSON any more (invalid) or fails the signature */
  size_t len = strlen(t);
  for (size_t i = 0; i < len; i++) {
    if (t[i] == '.')
      continue;
    char *c = strdup(t);
    c[i] = c[i] == 'A' ? 'Q' : 'A';
    int rc = verify(f->k, c, AUD, NOW);
    assert_true(rc == ERR_DENIED || rc == ERR_INVALID);
    /* inside the signature (bar its last char, which has unused bits) the
     * text stays canonical, so it is the signature check that refuses */
    if (t + i > d2 && i < len - 1)
      assert_int_equal(rc, ERR_DENIED);
    free(c);
  }
  /* signature cut, extended, emptied */
  char *c = strdup(t);
  c[len - 4] = '\0';
  assert_int_not_equal(verify(f->k, c, AUD, NOW), 0);
  free(c);
  c = malloc(len + 5);
  sprintf(c, "%sAAAA", t);
  assert_int_not_equal(verify(f->k, c, AUD, NOW), 0);
  free(c);
  c = strdup(t);
  c[d2 - t + 1] = '\0';
  assert_int_equal(verify(f->k, c, AUD, NOW), ERR_DENIED);
  free(c);
  free(t);
}

static void test_kid_mismatch(void **state)
{
  struct fx *f = *state;
  assert_string_not_equal(keys_kid(f->k), keys_kid(f->k2));
  char *t = sign(f->k2, claims_at(NOW));
  assert_int_equal(verify(f->k2, t, AUD, NOW), 0);
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  free(t);
  /* our kid in the header, but signed by the other key */
  char header[128];
  snprintf(header, sizeof(header), "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
           keys_rsa_kid(f->k));
  t = forge(header, "{\"aud\":\"" AUD "\",\"exp\":1800000000}", keys_rsa_key(f->k2), NULL);
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  free(t);
  /* no kid */
  t = forge("{\"alg\":\"RS256\"}", "{\"aud\":\"" AUD "\",\"exp\":1800000000}",
            keys_rsa_key(f->k), NULL);
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  free(t);
}

static void test_garbage(void **state)
{
  struct fx *f = *state;
  char hdr[128];
  snprintf(hdr, sizeof(hdr), "{\"alg\":\"RS256\",\"kid\":\"%s\"}", keys_rsa_kid(f->k));
  char *h = b64url(hdr), *p = b64url("{\"exp\":1800000000}"), *arr = b64url("[1]"),
       *notjson = b64url("{\"exp\":"), *dup = b64url("{\"exp\":1,\"exp\":1800000000}");
  char buf[1024];
  const char *cases[] = {"", ".", "..", "...", "abc", "a.b", "a.b.c.d", "!!.!!.!!", "a b.c.d"};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    assert_int_equal(verify(f->k, cases[i], AUD, NOW), ERR_INVALID);
  snprintf(buf, sizeof(buf), "%s.%s.", h, arr);
  assert_int_equal(verify(f->k, buf, AUD, NOW), ERR_INVALID);
  snprintf(buf, sizeof(buf), "%s.%s.", h, notjson);
  assert_int_equal(verify(f->k, buf, AUD, NOW), ERR_INVALID);
  snprintf(buf, sizeof(buf), "%s.%s.", h, dup);
  assert_int_equal(verify(f->k, buf, AUD, NOW), ERR_INVALID);
  snprintf(buf, sizeof(buf), "%s=.%s.", h, p); /* padding is not base64url */
  assert_int_equal(verify(f->k, buf, AUD, NOW), ERR_INVALID);
  snprintf(buf, sizeof(buf), "%s.%s.a+b/", h, p);
  assert_int_equal(verify(f->k, buf, AUD, NOW), ERR_INVALID);
  snprintf(buf, sizeof(buf), "%s.%s.", h, p); /* well-formed, unsigned */
  assert_int_equal(verify(f->k, buf, AUD, NOW), ERR_DENIED);

  /* a NUL inside the given length */
  char *t = sign(f->k, claims_at(NOW));
  char *withnul = strdup(t);
  withnul[5] = '\0';
  json_t *c = NULL;
  assert_int_equal(jwt_verify(&c, f->k, withnul, strlen(t), AUD, NOW, 30), ERR_INVALID);
  assert_int_equal(jwt_verify(&c, f->k, NULL, 10, AUD, NOW, 30), ERR_INVALID);
  free(withnul);
  free(t);
  free(h);
  free(p);
  free(arr);
  free(notjson);
  free(dup);
}

static void test_oversize(void **state)
{
  struct fx *f = *state;
  /* claims that make a token just under and just over the cap */
  json_t *claims = claims_at(NOW);
  char *pad = malloc(JWT_MAX_LEN);
  memset(pad, 'x', JWT_MAX_LEN - 1);
  pad[JWT_MAX_LEN - 1] = '\0';
  json_object_set_new(claims, "pad", json_string(pad));
  char *t = (char *)0x1;
  assert_int_equal(jwt_sign(&t, f->k, claims), ERR_TOOBIG);
  assert_ptr_equal(t, (char *)0x1);
  /* find the largest pad that fits: the result verifies and is <= the cap */
  size_t lo = 0, hi = JWT_MAX_LEN - 1;
  while (lo < hi) {
    size_t mid = (lo + hi + 1) / 2;
    pad[mid] = '\0';
    json_object_set_new(claims, "pad", json_string(pad));
    pad[mid] = 'x';
    char *s = NULL;
    if (jwt_sign(&s, f->k, claims) == 0) {
      lo = mid;
      free(s);
    } else {
      hi = mid - 1;
    }
  }
  pad[lo] = '\0';
  json_object_set_new(claims, "pad", json_string(pad));
  assert_int_equal(jwt_sign(&t, f->k, claims), 0);
  assert_true(strlen(t) <= JWT_MAX_LEN && strlen(t) > JWT_MAX_LEN - 4);
  assert_int_equal(verify(f->k, t, AUD, NOW), 0);
  /* the same bytes one past the cap are refused before any parsing */
  char *big = malloc(JWT_MAX_LEN + 2);
  memset(big, 'A', JWT_MAX_LEN + 1);
  memcpy(big, t, strlen(t));
  big[JWT_MAX_LEN + 1] = '\0';
  json_t *c = NULL;
  assert_int_equal(jwt_verify(&c, f->k, big, JWT_MAX_LEN + 1, AUD, NOW, 30), ERR_INVALID);
  free(big);
  free(t);
  free(pad);
  json_decref(claims);
}

/* ES256 is raw r || s under the derived key and its own kid; RS256 under the
 * file's RSA key (tokens from before the switch) still verifies; neither
 * algorithm is accepted with the other key's kid or in another format. */
static void test_es256_and_legacy(void **state)
{
  struct fx *f = *state;
  const char *payload = "{\"sub\":\"x\",\"aud\":\"" AUD "\",\"exp\":1800000000}";
  char header[256];
  assert_string_not_equal(keys_kid(f->k), keys_rsa_kid(f->k));
  assert_true(EVP_PKEY_is_a(keys_signing_key(f->k), "EC"));
  /* legacy RS256 token, as an older instance issued it */
  snprintf(header, sizeof(header), "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
           keys_rsa_kid(f->k));
  char *t = forge(header, payload, keys_rsa_key(f->k), NULL);
  assert_int_equal(verify(f->k, t, AUD, NOW), 0);
  assert_int_equal(verify(f->k2, t, AUD, NOW), ERR_DENIED);
  free(t);
  /* RS256 signature under the ES256 kid, ES256 header with the RSA kid */
  snprintf(header, sizeof(header), "{\"alg\":\"RS256\",\"kid\":\"%s\"}", keys_kid(f->k));
  t = forge(header, payload, keys_rsa_key(f->k), NULL);
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  free(t);
  snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", keys_rsa_kid(f->k));
  t = forge(header, payload, keys_rsa_key(f->k), NULL);
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  free(t);
  /* right key and kid, but a DER-encoded ECDSA signature (not JWS's r || s) */
  snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", keys_kid(f->k));
  t = forge(header, payload, keys_signing_key(f->k), NULL);
  assert_int_equal(verify(f->k, t, AUD, NOW), ERR_DENIED);
  free(t);
  /* another key file derives another ES256 key */
  t = sign(f->k, claims_at(NOW));
  assert_int_equal(verify(f->k2, t, AUD, NOW), ERR_DENIED);
  free(t);
}

static void test_jwk(void **state)
{
  struct fx *f = *state;
  json_t *j = NULL;
  assert_int_equal(jwt_public_jwk(&j, f->k), 0);
  assert_string_equal(json_string_value(json_object_get(j, "kty")), "EC");
  assert_string_equal(json_string_value(json_object_get(j, "crv")), "P-256");
  assert_string_equal(json_string_value(json_object_get(j, "alg")), "ES256");
  assert_string_equal(json_string_value(json_object_get(j, "kid")), keys_kid(f->k));
  assert_int_equal(strlen(json_string_value(json_object_get(j, "x"))), 43);
  assert_int_equal(strlen(json_string_value(json_object_get(j, "y"))), 43);
  assert_null(json_object_get(j, "d")); /* nothing private */
  assert_null(json_object_get(j, "p"));
  json_decref(j);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_roundtrip),    cmocka_unit_test(test_time_claims),
    cmocka_unit_test(test_audience),     cmocka_unit_test(test_wrong_alg),
    cmocka_unit_test(test_tampered),     cmocka_unit_test(test_kid_mismatch),
    cmocka_unit_test(test_garbage),      cmocka_unit_test(test_oversize),
    cmocka_unit_test(test_jwk),          cmocka_unit_test(test_es256_and_legacy),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
