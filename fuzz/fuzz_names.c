/* Repository names, tags and manifest references (registry/common.c
 * reg_name_valid, reg_tag_valid; registry/manifest.c's digest-or-tag rule),
 * and the /api/v1 account and repository name rules (api/common.c), each
 * compared with the POSIX regular expression it implements; and the UTF-8
 * check names pass before they are quoted in a JSON error (util/utf8.h),
 * compared with jansson's. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "helpers.h"
#include "registry/registry.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/pool.h"
#include "util/utf8.h"

/* The grammars as extended regular expressions (distribution spec, Quay). */
static const char *const patterns[] = {
  "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*$",
  "^[a-zA-Z0-9_][a-zA-Z0-9._-]*$",
  "^[a-z0-9]+([._-][a-z0-9]+)*$",
  "^[a-z0-9][.a-z0-9_-]*(/[a-z0-9][.a-z0-9_-]*)*$",
};
enum { RE_NAME, RE_TAG, RE_ACCOUNT, RE_REPO_PART, RE_COUNT };
static regex_t re[RE_COUNT];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc, (void)argv;
  for (int i = 0; i < RE_COUNT; i++)
    if (regcomp(&re[i], patterns[i], REG_EXTENDED | REG_NOSUB) != 0)
      abort();
  return 0;
}

static int matches(int which, const char *s)
{
  return regexec(&re[which], s, 0, NULL, 0) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 1024) /* longer than any cap; keeps the regex oracle fast */
    return 0;
  char *s = fuzz_cstr(data, size);
  size_t n = strlen(s);
  struct pool *p = pool_new();
  FUZZ_CHECK(p != NULL);

  int name = reg_name_valid(s);
  FUZZ_CHECK(name == (n <= 255 && matches(RE_NAME, s)));

  int tag = reg_tag_valid(s);
  FUZZ_CHECK(tag == (n <= 128 && matches(RE_TAG, s)));

  /* {reference}: a digest when it has a ':', else a tag */
  if (strchr(s, ':'))
    FUZZ_CHECK(!tag);

  const char *problem = api_name_problem(p, s);
  int account_ok = matches(RE_ACCOUNT, s);
  if (!account_ok)
    FUZZ_CHECK(problem && strstr(problem, "must match expression"));
  else if (n < 2 || n > 255)
    FUZZ_CHECK(problem && strstr(problem, "length"));
  else
    FUZZ_CHECK(problem == NULL);

  int repo = api_repo_name_valid(s);
  FUZZ_CHECK(repo == (n <= 255 && matches(RE_REPO_PART, s)));
  /* every name the registry accepts, the API accepts */
  if (name)
    FUZZ_CHECK(repo);

  /* the raw bytes, as a path segment or query value may carry them */
  int valid = utf8_valid((const char *)data, size);
  json_t *j = json_stringn((const char *)data, size);
  FUZZ_CHECK(valid == (j != NULL));
  json_decref(j);
  size_t max = size ? data[0] % 64 : 0;
  const char *clean = utf8_clean(p, s, max);
  FUZZ_CHECK(clean && strlen(clean) <= (strlen(s) < max ? strlen(s) : max));
  FUZZ_CHECK(utf8_valid(clean, strlen(clean)));
  if (utf8_valid(s, n) && n <= max)
    FUZZ_CHECK(clean == s);

  pool_free(p);
  free(s);
  return 0;
}
