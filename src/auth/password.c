#include "auth/password.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <openssl/crypto.h>

#include "util/err.h"
#include "util/rand.h"

/* argon2id cost: 19 MiB, 2 passes, 1 lane -- OWASP's first recommended
 * setting (RFC 9106 allows trading memory for passes). About 40 ms on one
 * core here. Not RFC 9106's 64 MiB because verification runs on request
 * threads: Docker clients send Basic credentials to /v2/auth for every pull
 * and push, so N concurrent logins cost N times this memory, and 19 MiB keeps
 * a burst of 50 at under 1 GiB. Robot tokens (most CI traffic) never come here:
 * they are 64 random characters checked by HMAC lookup. */
#define T_COST 2
#define M_COST_KIB 19456
#define PARALLELISM 1
#define SALT_LEN 16
#define HASH_LEN 32
/* Bounds on hashes we agree to verify, so a damaged or hostile row cannot
 * make one login allocate gigabytes or spin for minutes. */
#define M_MAX_KIB (1024 * 1024)
#define T_MAX 16
#define P_MAX 16
#define ENCODED_MAX 512

/* Parses the parameter block of an argon2id encoded hash. */
static int parse_params(const char *encoded, unsigned *m, unsigned *t, unsigned *p)
{
  int end = 0;
  unsigned v = 0;
  if (!encoded || strnlen(encoded, ENCODED_MAX + 1) > ENCODED_MAX)
    return ERR_INVALID;
  if (sscanf(encoded, "$argon2id$v=%u$m=%u,t=%u,p=%u$%n", &v, m, t, p, &end) != 4 || end == 0 ||
      v != ARGON2_VERSION_13)
    return ERR_INVALID;
  if (*m == 0 || *m > M_MAX_KIB || *t == 0 || *t > T_MAX || *p == 0 || *p > P_MAX)
    return ERR_INVALID;
  return 0;
}

int password_hash(char **out, const char *password)
{
  if (!password || !*password)
    return ERR_INVALID;
  size_t pwlen = strnlen(password, PASSWORD_MAX + 1);
  if (pwlen > PASSWORD_MAX)
    return ERR_TOOBIG;

  unsigned char salt[SALT_LEN];
  if (rand_bytes(salt, sizeof(salt)) != 0)
    return ERR_INTERNAL;
  size_t n = argon2_encodedlen(T_COST, M_COST_KIB, PARALLELISM, SALT_LEN, HASH_LEN, Argon2_id);
  char *enc = malloc(n);
  if (!enc)
    return ERR_NOMEM;
  int a = argon2id_hash_encoded(T_COST, M_COST_KIB, PARALLELISM, password, pwlen, salt,
                                sizeof(salt), HASH_LEN, enc, n);
  if (a != ARGON2_OK) {
    free(enc);
    return a == ARGON2_MEMORY_ALLOCATION_ERROR ? ERR_NOMEM : ERR_INTERNAL;
  }
  *out = enc;
  return 0;
}

int password_verify(const char *encoded, const char *password)
{
  unsigned m, t, p;
  if (parse_params(encoded, &m, &t, &p) != 0)
    return ERR_INVALID;
  if (!password || !*password)
    return ERR_DENIED;
  size_t pwlen = strnlen(password, PASSWORD_MAX + 1);
  if (pwlen > PASSWORD_MAX)
    return ERR_DENIED;
  /* libargon2 decodes the rest (salt, hash) and compares in constant time */
  switch (argon2id_verify(encoded, password, pwlen)) {
  case ARGON2_OK:
    return 0;
  case ARGON2_VERIFY_MISMATCH:
    return ERR_DENIED;
  case ARGON2_MEMORY_ALLOCATION_ERROR:
    return ERR_NOMEM;
  default:
    return ERR_INVALID;
  }
}

int password_needs_rehash(const char *encoded)
{
  unsigned m, t, p;
  if (parse_params(encoded, &m, &t, &p) != 0)
    return 1;
  return m != M_COST_KIB || t != T_COST || p != PARALLELISM;
}
