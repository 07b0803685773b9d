/* Request paths and query values (server/router.h): percent-decoding and
 * matching against every row of the route table.
 * Input: the first byte picks the method, the rest is the raw path; a '?'
 * in it starts a query value, decoded on its own. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "server/router.h"
#include "util/pool.h"

static const char *const methods[] = { "GET", "HEAD", "PUT", "POST", "PATCH", "DELETE",
                                       "OPTIONS" };

static size_t count_char(const char *s, char c)
{
  size_t n = 0;
  for (; *s; s++)
    n += *s == c;
  return n;
}

/* The pattern with every {param} replaced by its value must give back the
 * path (or the path plus the optional trailing slash). */
static void check_rebuild(struct pool *p, const char *pattern, const char *path,
                          const char **names, const char **values, int n)
{
  char *out = pool_alloc(p, strlen(pattern) + strlen(path) + 2);
  FUZZ_CHECK(out != NULL);
  size_t k = 0;
  int used = 0;
  for (const char *c = pattern; *c;) {
    if (*c != '{') {
      out[k++] = *c++;
      continue;
    }
    const char *close = strchr(c, '}');
    FUZZ_CHECK(close && used < n);
    FUZZ_CHECK(strlen(names[used]) == (size_t)(close - c - 1) &&
               memcmp(names[used], c + 1, (size_t)(close - c - 1)) == 0);
    const char *v = values[used++];
    FUZZ_CHECK(*v); /* no empty parameter */
    int multi = strcmp(names[used - 1], "name") == 0 || strcmp(names[used - 1], "repository") == 0;
    if (!multi) /* {name} may span segments (and is checked by reg_name_valid) */
      FUZZ_CHECK(!strchr(v, '/'));
    memcpy(out + k, v, strlen(v));
    k += strlen(v);
    c = close + 1;
  }
  out[k] = '\0';
  FUZZ_CHECK(used == n);
  size_t pl = strlen(path);
  FUZZ_CHECK(strcmp(out, path) == 0 ||
             (k == pl + 1 && out[pl] == '/' && memcmp(out, path, pl) == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  const char *method = methods[data[0] % (sizeof(methods) / sizeof(methods[0]))];
  char *raw = fuzz_cstr(data + 1, size - 1);
  char *q = strchr(raw, '?');
  if (q)
    *q++ = '\0';
  struct pool *p = pool_new();
  FUZZ_CHECK(p != NULL);

  if (q) {
    char *v = router_decode_query(p, q);
    if (v) {
      FUZZ_CHECK(strlen(v) <= strlen(q));
      for (const char *c = v; *c; c++)
        FUZZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
    }
  }

  char *path = router_decode_path(p, raw);
  if (!path)
    goto out;
  FUZZ_CHECK(strlen(path) <= strlen(raw));
  /* an encoded '/' never becomes a separator */
  FUZZ_CHECK(count_char(path, '/') == count_char(raw, '/'));
  for (const char *c = path; *c; c++)
    FUZZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);

  struct req r;
  memset(&r, 0, sizeof(r));
  r.pool = p;
  enum router_result res = router_match(&r, method, path);
  FUZZ_CHECK(res == ROUTE_FOUND || res == ROUTE_NO_PATH || res == ROUTE_NO_METHOD);
  if (res == ROUTE_FOUND) {
    FUZZ_CHECK(strcmp(r.route->method, method) == 0);
    FUZZ_CHECK(r.nparams >= 0 && r.nparams <= REQ_MAX_PARAMS);
    check_rebuild(p, r.route->pattern, path, r.param_names, r.param_values, r.nparams);
  }
  /* each row on its own, as router_match tries them */
  const struct route *rt = &router_table[data[0] % router_table_len];
  const char *names[REQ_MAX_PARAMS], *values[REQ_MAX_PARAMS];
  int n = router_match_pattern(p, rt->pattern, path, names, values, REQ_MAX_PARAMS);
  FUZZ_CHECK(n >= -1 && n <= REQ_MAX_PARAMS);
  if (n >= 0)
    check_rebuild(p, rt->pattern, path, names, values, n);
out:
  pool_free(p);
  free(raw);
  return 0;
}
