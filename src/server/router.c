#include "server/router.h"

#include <string.h>

#include "auth/auth.h"
#include "util/pool.h"

static int hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static char *decode(struct pool *pool, const char *raw, int is_path)
{
  size_t n = strlen(raw);
  char *out = pool_alloc(pool, n + 1);
  if (!out)
    return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)raw[i];
    if (c == '%') {
      if (i + 2 >= n)
        return NULL;
      int hi = hexval(raw[i + 1]), lo = hexval(raw[i + 2]);
      if (hi < 0 || lo < 0)
        return NULL;
      c = (unsigned char)(hi * 16 + lo);
      i += 2;
      /* an encoded slash would let one repository name reach another */
      if (is_path && c == '/')
        return NULL;
    }
    if (c < 0x20 || c == 0x7f)
      return NULL;
    out[k++] = (char)c;
  }
  out[k] = '\0';
  return out;
}

char *router_decode_path(struct pool *pool, const char *raw)
{
  return decode(pool, raw, 1);
}

char *router_decode_query(struct pool *pool, const char *raw)
{
  return decode(pool, raw, 0);
}

/* Pattern segments are literal or {param}; {name} may span several path
 * segments (nested repository names), longest first like the regexes of
 * the reference implementation. */
static int match_from(struct pool *pool, const char *pat, const char *path, const char **names,
                      const char **values, int count, int max)
{
  while (*pat) {
    if (*pat != '{') {
      if (*pat != *path)
        return -1;
      pat++;
      path++;
      continue;
    }
    const char *close = strchr(pat, '}');
    if (!close || count >= max)
      return -1;
    size_t nlen = (size_t)(close - pat - 1);
    const char *rest = close + 1;
    int multi = (nlen == 4 && memcmp(pat + 1, "name", 4) == 0) ||
                (nlen == 10 && memcmp(pat + 1, "repository", 10) == 0);
    /* candidate ends of this parameter's value */
    size_t seg = strcspn(path, "/");
    size_t maxlen = multi ? strlen(path) : seg;
    for (size_t len = maxlen; len >= 1; len--) {
      if (multi && path[len] != '\0' && path[len] != '/')
        continue;
      if (!multi && len != seg)
        continue;
      int r = match_from(pool, rest, path + len, names, values, count + 1, max);
      if (r >= 0) {
        names[count] = pool_strndup(pool, pat + 1, nlen);
        values[count] = pool_strndup(pool, path, len);
        if (!names[count] || !values[count])
          return -1;
        return r;
      }
    }
    return -1;
  }
  return *path == '\0' ? count : -1;
}

int router_match_pattern(struct pool *pool, const char *pattern, const char *path,
                         const char **names, const char **values, int max)
{
  int n = match_from(pool, pattern, path, names, values, 0, max);
  if (n < 0) {
    /* a trailing slash on a collection route is optional ("/uploads/") */
    size_t pl = strlen(pattern), ql = strlen(path);
    if (pl > 1 && pattern[pl - 1] == '/' && (ql == 0 || path[ql - 1] != '/')) {
      char *withslash = pool_printf(pool, "%s/", path);
      if (withslash)
        n = match_from(pool, pattern, withslash, names, values, 0, max);
    }
  }
  return n;
}

enum router_result router_match(struct req *r, const char *method, const char *path)
{
  enum router_result res = ROUTE_NO_PATH;
  for (size_t i = 0; i < router_table_len; i++) {
    const struct route *rt = &router_table[i];
    const char *names[REQ_MAX_PARAMS], *values[REQ_MAX_PARAMS];
    int n = router_match_pattern(r->pool, rt->pattern, path, names, values, REQ_MAX_PARAMS);
    if (n < 0)
      continue;
    if (strcmp(rt->method, method) != 0) {
      res = ROUTE_NO_METHOD;
      continue;
    }
    r->route = rt;
    r->nparams = n;
    for (int k = 0; k < n; k++) {
      r->param_names[k] = names[k];
      r->param_values[k] = values[k];
    }
    return ROUTE_FOUND;
  }
  return res;
}

void router_print_markdown(FILE *f)
{
  static const char *api_names[] = { "OCI", "Quay", "plain" };
  fprintf(f, "| method | path | permission | operation | API |\n");
  fprintf(f, "|---|---|---|---|---|\n");
  for (size_t i = 0; i < router_table_len; i++) {
    const struct route *rt = &router_table[i];
    fprintf(f, "| %s | `%s` | %s | %s | %s |\n", rt->method, rt->pattern, perm_name(rt->perm),
            rt->op_id, api_names[rt->api]);
  }
}
