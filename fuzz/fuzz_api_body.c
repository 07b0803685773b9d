/* The JSON bodies of /api/v1 (api/common.c api_json_body, api_json_string
 * and the validators of api/{organization,robot,permission,repository}.c),
 * run on a request without a server or store. The first input byte picks
 * the body kind and the size cap; the rest is the body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "api/api.h"
#include "auth/apitoken.h"
#include "helpers.h"
#include "util/err.h"
#include "util/pool.h"

/* Fields of the bodies whose checks live inside their handlers, as those
 * handlers read them: team.c, prototype.c, application.c, superuser.c,
 * signin.c. A NULL key ends a body; "a.b" is member b of object a. */
struct field {
  const char *key;
  size_t max;
  int required;
  enum { F_PLAIN, F_NAME, F_ROLE, F_SCOPE } check;
};
static const struct field generic[][6] = {
  { { "role", 16, 1, F_PLAIN }, { "description", API_DESCRIPTION_MAX, 0, F_PLAIN } },
  { { "role", 16, 1, F_ROLE }, { "delegate.kind", 16, 1, F_PLAIN },
    { "delegate.name", 255, 1, F_PLAIN }, { "activating_user.name", 255, 0, F_PLAIN } },
  { { "name", 255, 1, F_PLAIN }, { "redirect_uri", 2048, 0, F_PLAIN },
    { "application_uri", 2048, 0, F_PLAIN }, { "description", 4096, 0, F_PLAIN },
    { "avatar_email", 254, 0, F_PLAIN } },
  { { "name", 255, 1, F_PLAIN }, { "scope", 1024, 1, F_SCOPE } },
  { { "username", 255, 1, F_NAME }, { "email", 254, 0, F_PLAIN },
    { "password", 1024, 0, F_PLAIN } },
  { { "username", 255, 1, F_PLAIN }, { "password", 1024, 1, F_PLAIN } },
};
#define NGENERIC (sizeof(generic) / sizeof(generic[0]))
enum { K_ORG, K_ROBOT, K_PERM, K_REPO, K_GENERIC };

static size_t utf8_chars(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xc0) != 0x80;
  return n;
}

/* One body of the generic table; 0 when every field passed. */
static int generic_body(struct req *r, json_t *body, const struct field *f)
{
  for (; f->key; f++) {
    const char *dot = strchr(f->key, '.'), *key = dot ? dot + 1 : f->key;
    json_t *obj = body;
    if (dot) {
      char parent[32];
      snprintf(parent, sizeof(parent), "%.*s", (int)(dot - f->key), f->key);
      obj = json_object_get(body, parent);
      if (obj && !json_is_object(obj))
        return req_error(r, 400, "invalid_request", "must be an object", NULL), -1;
    }
    const char *v = (const char *)1;
    if (api_json_string(r, &v, obj, key, f->max, f->required))
      return -1;
    FUZZ_CHECK(v != (const char *)1);
    FUZZ_CHECK(v || !f->required);
    if (v)
      FUZZ_CHECK(utf8_chars(v) <= f->max);
    enum ident_role role;
    unsigned bits;
    const char *norm, *bad;
    if (v && f->check == F_ROLE && api_role_parse(&role, v) != 0)
      return req_error(r, 400, "invalid_request", "role", NULL), -1;
    if (v && f->check == F_NAME && api_name_problem(r->pool, v))
      return api_message(r, "name"), -1;
    if (v && f->check == F_SCOPE && apitoken_scope_normalize(&norm, &bits, &bad, r->pool, v))
      return api_message(r, "scope"), -1;
  }
  return 0;
}

static int run(struct req *r, unsigned kind)
{
  json_t *body = NULL;
  int rc;
  switch (kind) {
  case K_ORG: {
    const char *name = NULL, *email = NULL;
    rc = api_org_body(r, &name, &email);
    if (rc == 0) {
      FUZZ_CHECK(name && api_name_problem(r->pool, name) == NULL);
      FUZZ_CHECK(!email || (*email && strchr(email, '@')));
    }
    return rc;
  }
  case K_ROBOT: {
    const char *desc = NULL;
    char *md = NULL;
    rc = api_robot_body(r, &desc, &md);
    if (rc == 0 && md) {
      json_t *j = json_loads(md, 0, NULL);
      FUZZ_CHECK(json_is_object(j));
      json_decref(j);
    }
    if (rc == 0 && desc)
      FUZZ_CHECK(utf8_chars(desc) <= 255);
    return rc;
  }
  case K_PERM: {
    enum ident_role role = ROLE_NONE;
    rc = api_perm_body(r, &role);
    if (rc == 0)
      FUZZ_CHECK(api_role_name(role) != NULL);
    return rc;
  }
  case K_REPO: {
    struct api_repo_new n;
    if (api_json_body(r, &body, 0))
      return -1;
    rc = api_repo_new_body(r, &n, body);
    if (rc == 0) {
      FUZZ_CHECK(n.name && n.ns && n.description);
      FUZZ_CHECK(n.is_public == 0 || n.is_public == 1);
    }
    json_decref(body);
    return rc;
  }
  default: {
    const struct field *f = generic[(kind - K_GENERIC) % NGENERIC];
    if (api_json_body(r, &body, 0))
      return -1;
    FUZZ_CHECK(json_is_object(body));
    rc = generic_body(r, body, f);
    json_decref(body);
    return rc;
  }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  struct app app = { .json_max = (data[0] & 0x80) ? 64 : 1 << 20 };
  struct req r;
  memset(&r, 0, sizeof(r));
  r.pool = pool_new();
  FUZZ_CHECK(r.pool != NULL);
  r.app = &app;
  r.method = "PUT";
  r.path = "/api/v1/fuzz";
  r.principal.kind = PRINCIPAL_USER;
  r.principal.name = "fuzzer";
  /* r->body as the server fills it: exact length, NUL after it */
  size_t len = size - 1;
  r.body.data = fuzz_cstr(data + 1, len);
  r.body.len = len;
  r.body.alloc = len + 1;
  r.body.cap = app.json_max;
  r.content_length = (int64_t)len;

  unsigned kind = (data[0] & 0x7f) % (K_GENERIC + NGENERIC);
  int rc = run(&r, kind);
  /* a validator answers exactly when it fails, with a client error */
  if (rc == 0) {
    FUZZ_CHECK(r.resp == NULL);
  } else {
    FUZZ_CHECK(r.resp != NULL);
    FUZZ_CHECK(r.status == 400 || r.status == 403 || r.status == 413);
  }
  if (r.resp)
    MHD_destroy_response(r.resp);
  free(r.body.data);
  pool_free(r.pool);
  return 0;
}
