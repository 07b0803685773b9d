#include "registry/registry.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "server/req_audit.h"
#include "store/ident.h"
#include "store/meta.h"
#include "util/err.h"
#include "util/log.h"
#include "util/utf8.h"
#include "util/pool.h"

static int is_lower_alnum(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)* */
int reg_name_valid(const char *name)
{
  size_t n = strlen(name);
  if (n == 0 || n > 255)
    return 0;
  size_t i = 0;
  for (;;) {
    /* one path component */
    if (!is_lower_alnum(name[i]))
      return 0;
    while (is_lower_alnum(name[i]))
      i++;
    while (name[i] == '.' || name[i] == '_' || name[i] == '-') {
      if (name[i] == '.') {
        i++;
      } else if (name[i] == '_') {
        i++;
        if (name[i] == '_')
          i++;
      } else {
        while (name[i] == '-')
          i++;
      }
      if (!is_lower_alnum(name[i]))
        return 0;
      while (is_lower_alnum(name[i]))
        i++;
    }
    if (name[i] == '\0')
      return 1;
    if (name[i] != '/')
      return 0;
    i++;
  }
}

int reg_tag_valid(const char *tag)
{
  size_t n = strlen(tag);
  if (n == 0 || n > 128)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = tag[i];
    int w = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!(w || (i > 0 && (c == '.' || c == '-'))))
      return 0;
  }
  return 1;
}

int reg_parse_content_range(const char *h, int64_t *out_start, int64_t *out_end)
{
  const char *p = h;
  if (strncmp(p, "bytes", 5) == 0) {
    p += 5;
    if (*p == '=' || *p == ' ')
      p++;
  }
  char *e;
  errno = 0;
  long long a = strtoll(p, &e, 10);
  if (errno || e == p || *e != '-' || a < 0)
    return ERR_INVALID;
  const char *q = e + 1;
  long long b = strtoll(q, &e, 10);
  /* b < LLONG_MAX keeps the chunk length b - a + 1 representable */
  if (errno || e == q || b < a || b == LLONG_MAX || (*e && *e != '/'))
    return ERR_INVALID;
  *out_start = a;
  *out_end = b;
  return 0;
}

/* What follows the creation of repository `name` by a push: Quay gives the
 * creator admin on it, then the namespace org's default permissions
 * (prototypes) apply; Quay skips the latter on push, wharf does not. A
 * failure is logged, not fatal: the push itself goes on, and what is
 * missing is access, never more of it. */
static void repo_created(struct req *r, int64_t repo_id, const char *name)
{
  const struct principal *p = &r->principal;
  struct ident_account ns;
  int rc;
  if (!p->is_superuser && (p->kind == PRINCIPAL_ROBOT || p->kind == PRINCIPAL_USER ||
                           p->kind == PRINCIPAL_TOKEN)) {
    rc = ident_perm_set(r->app->meta, repo_id, p->id, ROLE_ADMIN);
    if (rc)
      LOG(LOG_WARN, "creator permission on %s not recorded: %s", name, err_str(rc));
  }
  const char *slash = strchr(name, '/');
  char *ns_name = slash ? pool_strndup(r->pool, name, (size_t)(slash - name)) : NULL;
  if (!ns_name || ident_account_by_name(r->app->meta, r->pool, &ns, ns_name) != 0 ||
      ns.kind != IDENT_ORG)
    return;
  rc = ident_proto_apply(r->app->meta, repo_id, ns.id,
                         p->kind == PRINCIPAL_ANONYMOUS ? 0 : p->id);
  if (rc)
    LOG(LOG_WARN, "default permissions of %s not applied to %s: %s", ns_name, name,
        err_str(rc));
}

static int repo_resolve(struct req *r, int64_t *out_id, int create)
{
  const char *name = req_param(r, "name");
  if (!name || !reg_name_valid(name)) {
    req_error(r, 400, OCI_NAME_INVALID, "invalid repository name",
              "repository names match [a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)* and are at most 255 characters");
    return -1;
  }
  int rc = meta_repo_lookup(r->app->meta, out_id, name);
  if (rc == ERR_NOTFOUND && create) {
    int created = 0;
    rc = meta_repo_ensure(r->app->meta, out_id, &created, name);
    if (rc == 0 && created) { /* one creator applies defaults and logs it */
      repo_created(r, *out_id, name);
      req_audit_repo(r, "create_repo", name, NULL); /* as the API's repository create */
    }
  }
  if (rc == ERR_NOTFOUND) {
    req_error(r, 404, OCI_NAME_UNKNOWN, "repository name not known to registry", name);
    return -1;
  }
  if (rc != 0) {
    reg_internal(r, rc, "repository lookup");
    return -1;
  }
  return 0;
}

int reg_repo_lookup(struct req *r, int64_t *out_id)
{
  return repo_resolve(r, out_id, 0);
}

int reg_repo_ensure(struct req *r, int64_t *out_id)
{
  return repo_resolve(r, out_id, 1);
}

int reg_page_params(struct req *r, size_t *out_n, const char **out_last)
{
  const char *n = req_query(r, "n");
  const char *last = req_query(r, "last");
  size_t v = r->app->page_max;
  if (n && *n) {
    char *end;
    errno = 0;
    long long x = strtoll(n, &end, 10);
    if (errno || *end || x < 0) {
      req_error(r, 400, OCI_UNSUPPORTED, "invalid n: a non-negative integer is required", n);
      return -1;
    }
    v = (size_t)x < r->app->page_max ? (size_t)x : r->app->page_max;
  }
  /* names and tags are ASCII; a `last` that is not even UTF-8 is refused
   * here so both metadata engines answer alike (PostgreSQL rejects it) */
  if (last && (strlen(last) > 1024 || !utf8_valid(last, strlen(last)))) {
    req_error(r, 400, OCI_UNSUPPORTED, "invalid last: a repository or tag name is required",
              NULL);
    return -1;
  }
  *out_n = v;
  *out_last = (last && *last) ? last : NULL;
  return 0;
}

int reg_internal(struct req *r, int rc, const char *what)
{
  LOG(LOG_ERROR, "%s failed: %s", what, err_str(rc));
  if (rc == ERR_IO)
    req_error(r, 503, "UNAVAILABLE", "storage unavailable, retry later", what);
  else
    req_error(r, 500, "UNKNOWN", "internal error", what);
  return rc;
}
