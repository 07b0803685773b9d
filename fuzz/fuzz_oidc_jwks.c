/* What an OIDC issuer serves (remote input to auth/oidc.c): byte 0 mod 4:
 *   0: the rest is a JWKS document: every member of "keys" goes through
 *      oidc_jwk_key for RS256 and ES256; a key it returns must be of the
 *      documented kind (RSA of at least 2048 bits; EC P-256), and must not
 *      verify a signature it never made (oidc_sig_verify, both algs);
 *   1: the rest is a discovery document: "jwks_uri" and "issuer" through
 *      oidc_url_ok (with and without allow_http), whose verdict must
 *      follow its rules (http(s) only, http only to loopback unless
 *      allowed, no user info, no spaces or backslashes);
 *   2: the rest is a URL for oidc_url_ok, same rules;
 *   3: the rest is a signature checked with oidc_sig_verify against keys
 *      made here (RS256 and ES256): it never verifies. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/rsa.h>

#include "auth/oidc.h"
#include "helpers.h"
#include "util/err.h"

static EVP_PKEY *rsa, *ec;
static const char input[] = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc, (void)argv;
  rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
  ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  if (!rsa || !ec)
    abort();
  return 0;
}

static void never_verifies(EVP_PKEY *pk, const unsigned char *sig, size_t n)
{
  FUZZ_CHECK(oidc_sig_verify(pk, "RS256", sig, n, input, strlen(input)) == ERR_DENIED);
  FUZZ_CHECK(oidc_sig_verify(pk, "ES256", sig, n, input, strlen(input)) == ERR_DENIED);
}

static void one_key(json_t *jwk)
{
  static const char *const algs[] = { "RS256", "ES256", "none", "HS256" };
  static const unsigned char sig[256] = { 1, 2, 3 };
  for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
    EVP_PKEY *pk = NULL;
    int rc = oidc_jwk_key(&pk, jwk, algs[i]);
    FUZZ_CHECK(rc == 0 || rc == ERR_INVALID);
    FUZZ_CHECK((rc == 0) == (pk != NULL));
    if (rc)
      continue;
    FUZZ_CHECK(i < 2);
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *alg = json_string_value(json_object_get(jwk, "alg"));
    const char *use = json_string_value(json_object_get(jwk, "use"));
    FUZZ_CHECK(!alg || strcmp(alg, algs[i]) == 0);
    FUZZ_CHECK(!use || strcmp(use, "sig") == 0);
    if (i == 0) {
      FUZZ_CHECK(strcmp(kty, "RSA") == 0 && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA);
      FUZZ_CHECK(EVP_PKEY_get_bits(pk) >= 2048);
    } else {
      FUZZ_CHECK(strcmp(kty, "EC") == 0 && EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC);
      FUZZ_CHECK(EVP_PKEY_get_bits(pk) == 256);
    }
    never_verifies(pk, sig, sizeof(sig));
    never_verifies(pk, sig, 64);
    EVP_PKEY_free(pk);
  }
}

static void jwks(const uint8_t *data, size_t size)
{
  json_t *doc = json_loadb((const char *)data, size, 0, NULL);
  json_t *keys = json_object_get(doc, "keys"), *k;
  size_t i;
  if (json_is_array(keys) && json_array_size(keys) <= 64)
    json_array_foreach(keys, i, k) one_key(k);
  else if (json_is_object(doc))
    one_key(doc); /* a bare JWK */
  json_decref(doc);
}

/* oidc_url_ok's rules for the cases it must refuse, checked on its yes. */
static void url_ok(const char *u)
{
  for (int allow = 0; allow <= 1; allow++) {
    int rc = oidc_url_ok(u, allow);
    FUZZ_CHECK(rc == 0 || rc == ERR_INVALID);
    if (rc)
      continue;
    FUZZ_CHECK(strlen(u) <= 2048);
    for (const char *c = u; *c; c++)
      FUZZ_CHECK((unsigned char)*c > ' ' && *c != '\\' && *c != 0x7f);
    /* libcurl's parser (which oidc_url_ok uses, and which then fetches)
     * takes "http:/host" and "http:host" too: the rules below are
     * checked on the usual spelling */
    FUZZ_CHECK(strncasecmp(u, "https:", 6) == 0 || strncasecmp(u, "http:", 5) == 0);
    int https = strncasecmp(u, "https://", 8) == 0, http = strncasecmp(u, "http://", 7) == 0;
    if (!https && !http)
      continue;
    const char *auth = u + (https ? 8 : 7);
    while (*auth == '/')
      auth++; /* curl reads "http:///host" as host */
    size_t alen = strcspn(auth, "/?#");
    FUZZ_CHECK(!memchr(auth, '@', alen));
    if (http && !allow) {
      /* loopback: an IPv4 address in 127/8, localhost, [::1]; maybe a port
       * (as long as the URL: "127.000…0" with 100 zeros is 127.0.0.0) */
      char host[2100] = "";
      size_t hl = auth[0] == '[' ? strcspn(auth, "]") + 1 : strcspn(auth, ":/?#");
      struct in_addr a4;
      if (hl < sizeof(host))
        memcpy(host, auth, hl), host[hl] = '\0';
      /* inet_aton: curl reads "127.1" and "127.0.0" as IPv4 too; any
       * spelling of ::1 ("[0::1]", "[0:0::1]") is the loopback address */
      struct in6_addr a6;
      char in6[64] = "";
      if (host[0] == '[' && hl >= 2 && hl - 2 < sizeof(in6))
        memcpy(in6, host + 1, hl - 2), in6[hl - 2] = '\0';
      int lb = (inet_aton(host, &a4) != 0 &&
                ((const unsigned char *)&a4.s_addr)[0] == 127) ||
               strcasecmp(host, "localhost") == 0 ||
               (inet_pton(AF_INET6, in6, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6));
      FUZZ_CHECK(lb);
    }
  }
}

static void discovery(const uint8_t *data, size_t size)
{
  json_t *doc = json_loadb((const char *)data, size, 0, NULL);
  const char *u = json_string_value(json_object_get(doc, "jwks_uri"));
  const char *iss = json_string_value(json_object_get(doc, "issuer"));
  if (u)
    url_ok(u);
  if (iss)
    url_ok(iss);
  json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  const uint8_t *d = data + 1;
  size_t n = size - 1;
  switch (data[0] % 4) {
  case 0: jwks(d, n); break;
  case 1: discovery(d, n); break;
  case 2: {
    char *u = fuzz_cstr(d, n);
    url_ok(u);
    free(u);
    break;
  }
  default:
    never_verifies(rsa, d, n);
    never_verifies(ec, d, n);
    break;
  }
  return 0;
}
