/* The Basic credentials of an Authorization header (auth/auth.c
 * auth_parse_basic), before any store lookup. */
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "helpers.h"
#include "util/base64.h"
#include "util/err.h"
#include "util/pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct pool *p = pool_new();
  FUZZ_CHECK(p != NULL);
  char *s = fuzz_cstr(data, size);
  const char *user = NULL, *secret = NULL;
  int rc = auth_parse_basic(&user, &secret, p, s);
  FUZZ_CHECK(rc == 0 || rc == ERR_INVALID);
  if (rc != 0) {
    FUZZ_CHECK(user == NULL && secret == NULL);
    goto out;
  }
  FUZZ_CHECK(strlen(s) <= AUTH_BASIC_MAX);
  FUZZ_CHECK(user && secret && !strchr(user, ':'));
  /* what a client would send for that user and secret decodes the same */
  size_t ul = strlen(user), sl = strlen(secret);
  char *plain = malloc(ul + sl + 2);
  FUZZ_CHECK(plain != NULL);
  memcpy(plain, user, ul);
  plain[ul] = ':';
  memcpy(plain + ul + 1, secret, sl + 1);
  char *b64 = NULL;
  FUZZ_CHECK(base64_encode(&b64, plain, ul + 1 + sl, BASE64_STD) == 0);
  const char *u2, *s2;
  if (strlen(b64) <= AUTH_BASIC_MAX) {
    FUZZ_CHECK(auth_parse_basic(&u2, &s2, p, b64) == 0);
    FUZZ_CHECK(strcmp(u2, user) == 0 && strcmp(s2, secret) == 0);
  }
  free(b64);
  free(plain);
out:
  free(s);
  pool_free(p);
  return 0;
}
