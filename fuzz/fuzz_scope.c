/* Token scope strings: the scope parameter of GET /v2/auth (registry/token.c
 * reg_scope_parse; one parameter holds several scopes separated by spaces)
 * and the scope of API tokens (auth/authz.c auth_scopes_parse). */
#include <stdlib.h>
#include <string.h>

#include "auth/apitoken.h"
#include "auth/auth.h"
#include "helpers.h"
#include "registry/registry.h"
#include "util/err.h"
#include "util/pool.h"

static void check_registry_scope(struct pool *p, const char *s, size_t len)
{
  struct reg_scope sc = { (const char *)1, 99 };
  int rc = reg_scope_parse(&sc, p, s, len);
  FUZZ_CHECK(rc == REG_SCOPE_OK || rc == REG_SCOPE_OTHER || rc == REG_SCOPE_BAD ||
             rc == REG_SCOPE_BAD_NAME);
  if (rc == REG_SCOPE_OK) {
    FUZZ_CHECK(len > 11 && memcmp(s, "repository:", 11) == 0);
    FUZZ_CHECK(reg_name_valid(sc.name));
    FUZZ_CHECK((sc.actions & ~(unsigned)(ACTION_PULL | ACTION_PUSH | ACTION_ALL)) == 0);
    /* the name is the text between the first and the last ':' */
    FUZZ_CHECK(memcmp(s + 11, sc.name, strlen(sc.name)) == 0 && s[11 + strlen(sc.name)] == ':');
  } else {
    FUZZ_CHECK(sc.name == (const char *)1 && sc.actions == 99);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct pool *p = pool_new();
  FUZZ_CHECK(p != NULL);
  char *s = fuzz_cstr(data, size);

  /* as token.c walks a decoded scope parameter */
  check_registry_scope(p, s, strlen(s));
  for (const char *v = s; *v;) {
    size_t n = strcspn(v, " ");
    if (n)
      check_registry_scope(p, v, n);
    v += n;
    v += strspn(v, " ");
  }

  unsigned bits = 12345;
  const char *bad = NULL;
  int rc = auth_scopes_parse(&bits, &bad, p, s);
  FUZZ_CHECK(rc == 0 || rc == ERR_INVALID);
  if (rc == 0) {
    FUZZ_CHECK((bits & ~(unsigned)SCOPE_ALL) == 0);
    FUZZ_CHECK(bad == NULL);
  } else {
    FUZZ_CHECK(bits == 12345);
    FUZZ_CHECK(bad && *bad && !strpbrk(bad, " ,") && strstr(s, bad));
  }

  /* API token scopes as stored: normalized, each name once */
  const char *norm = NULL;
  unsigned nbits = 777;
  bad = NULL;
  int nrc = apitoken_scope_normalize(&norm, &nbits, &bad, p, s);
  FUZZ_CHECK(nrc == 0 || nrc == ERR_INVALID);
  if (nrc == 0) {
    FUZZ_CHECK(rc == 0 && nbits == bits);
    FUZZ_CHECK(*norm && norm[0] != ' ' && norm[strlen(norm) - 1] != ' ');
    FUZZ_CHECK(!strchr(norm, ',') && !strstr(norm, "  "));
    unsigned again = 0;
    FUZZ_CHECK(auth_scopes_parse(&again, &bad, p, norm) == 0 && again == bits);
    const char *renorm = NULL;
    FUZZ_CHECK(apitoken_scope_normalize(&renorm, &again, &bad, p, norm) == 0);
    FUZZ_CHECK(strcmp(renorm, norm) == 0); /* idempotent: no duplicates left */
  } else {
    FUZZ_CHECK(bad != NULL && nbits == 777);
    FUZZ_CHECK(rc != 0 || *bad == '\0'); /* only an empty list fails both ways */
  }
  free(s);
  pool_free(p);
  return 0;
}
