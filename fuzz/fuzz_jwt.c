/* Registry bearer tokens (auth/jwt.h jwt_verify), with keys generated into
 * temporary files at start-up. The first input byte picks the mode:
 *   0: the rest is a token from a client; it can never verify (no forgery);
 *   1: the rest is a claims object, signed and verified: the
 *      outcome must follow the documented exp/nbf/iat/aud rules exactly;
 *   2: a valid token is edited at the positions the rest names: any
 *      change must fail verification, no change must pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "auth/jwt.h"
#include "auth/keys.h"
#include "helpers.h"
#include "util/err.h"

#define NOW 1700000000
#define AUD "registry.example"

/* Mode 0 verifies with `key`, modes 1 and 2 sign and verify with `own`:
 * libFuzzer learns the operands of compares and must not be able to replay
 * a token of theirs as a client token. */
static struct keys *key, *own;
static char *good_token; /* mode 2's starting point */

static struct keys *new_key(void)
{
  char dir[] = "/tmp/wharf-fuzz-jwt-XXXXXX", path[64], err[256];
  struct keys *k = NULL;
  if (!mkdtemp(dir))
    abort();
  snprintf(path, sizeof(path), "%s/wharf.key", dir);
  if (keys_load_or_create(&k, path, err, sizeof(err)) != 0) {
    fprintf(stderr, "fuzz_jwt: %s\n", err);
    abort();
  }
  /* the key lives on in memory only */
  unlink(path);
  rmdir(dir);
  return k;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc, (void)argv;
  key = new_key();
  own = new_key();
  json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:[{s:s, s:s, s:[s]}]}", "iss",
                             "quay", "aud", AUD, "sub", "org+bot", "iat", (json_int_t)NOW,
                             "nbf", (json_int_t)NOW, "exp", (json_int_t)NOW + 3600, "access",
                             "type", "repository", "name", "org/repo", "actions", "pull");
  if (!claims || jwt_sign(&good_token, own, claims) != 0)
    abort();
  json_decref(claims);
  return 0;
}

/* jwt.h's rules, written out independently. */
static int expected(json_t *c, const char *aud, int64_t now, int64_t leeway)
{
  if (leeway < 0)
    leeway = 0;
  if (leeway > 3600) /* jwt.c clamps the skew it allows */
    leeway = 3600;
  json_t *exp = json_object_get(c, "exp"), *nbf = json_object_get(c, "nbf");
  json_t *iat = json_object_get(c, "iat"), *a = json_object_get(c, "aud");
  if (!json_is_integer(exp) || json_integer_value(exp) <= now - leeway)
    return ERR_DENIED;
  if (nbf && (!json_is_integer(nbf) || json_integer_value(nbf) > now + leeway))
    return ERR_DENIED;
  if (iat && (!json_is_integer(iat) || json_integer_value(iat) > now + leeway))
    return ERR_DENIED;
  if (!aud)
    return 0;
  if (json_is_string(a))
    return strcmp(json_string_value(a), aud) == 0 ? 0 : ERR_DENIED;
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) {
    if (json_is_string(v) && strcmp(json_string_value(v), aud) == 0)
      return 0;
  }
  return ERR_DENIED;
}

static void client_token(const uint8_t *data, size_t size)
{
  json_t *claims = NULL;
  int rc = jwt_verify(&claims, key, (const char *)data, size, AUD, NOW, 30);
  FUZZ_CHECK(rc == ERR_INVALID || rc == ERR_DENIED);
  FUZZ_CHECK(claims == NULL);
  rc = jwt_verify(&claims, key, (const char *)data, size, NULL, NOW, 30);
  FUZZ_CHECK(rc == ERR_INVALID || rc == ERR_DENIED);
}

static void signed_claims(uint8_t knobs, const uint8_t *data, size_t size)
{
  static const int64_t leeways[] = { 0, 30, -5, 3600, 86400 };
  json_t *in = json_loadb((const char *)data, size, 0, NULL);
  char *tok = NULL;
  if (!json_is_object(in)) {
    FUZZ_CHECK(jwt_sign(&tok, own, in) == ERR_INVALID);
    goto out;
  }
  int rc = jwt_sign(&tok, own, in);
  FUZZ_CHECK(rc == 0 || rc == ERR_TOOBIG);
  if (rc)
    goto out;
  FUZZ_CHECK(strlen(tok) <= JWT_MAX_LEN);
  const char *aud = (knobs & 8) ? AUD : NULL;
  int64_t now = NOW + ((knobs & 16) ? 4000 : 0), leeway = leeways[(knobs >> 5) % 5];
  json_t *out = NULL;
  rc = jwt_verify(&out, own, tok, strlen(tok), aud, now, leeway);
  FUZZ_CHECK(rc == expected(in, aud, now, leeway));
  if (rc == 0)
    FUZZ_CHECK(json_equal(in, out));
  json_decref(out);
out:
  free(tok);
  json_decref(in);
}

static void edited_token(const uint8_t *data, size_t size)
{
  size_t n = strlen(good_token);
  char *t = malloc(n + 1);
  FUZZ_CHECK(t != NULL);
  memcpy(t, good_token, n + 1);
  /* (position, byte) pairs; a final odd byte truncates there */
  for (size_t i = 0; i + 1 < size; i += 2)
    t[(data[i] * 31u + i) % n] = (char)data[i + 1];
  size_t len = size % 2 ? (size_t)data[size - 1] * 37u % (n + 1) : n;
  json_t *out = NULL;
  int rc = jwt_verify(&out, own, t, len, AUD, NOW, 30);
  /* CRYPTO_memcmp: no need to show libFuzzer the valid token either */
  if (len == n && CRYPTO_memcmp(t, good_token, n) == 0)
    FUZZ_CHECK(rc == 0);
  else
    FUZZ_CHECK(rc == ERR_INVALID || rc == ERR_DENIED);
  json_decref(out);
  free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  switch (data[0] % 3) {
  case 0:
    client_token(data + 1, size - 1);
    break;
  case 1:
    signed_claims(data[0], data + 1, size - 1);
    break;
  default:
    edited_token(data + 1, size - 1);
  }
  return 0;
}
