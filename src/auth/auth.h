#ifndef WHARF_AUTH_AUTH_H
#define WHARF_AUTH_AUTH_H

#include <stdint.h>

/* Who is asking and may they. Nothing here knows about HTTP: the server
 * hands over the credential string and gets a principal back; every route
 * is checked through auth_authorize() before its handler runs. */

enum principal_kind {
  PRINCIPAL_ANONYMOUS = 0,
  PRINCIPAL_USER,
  PRINCIPAL_ROBOT,
  PRINCIPAL_TOKEN
};

struct principal {
  enum principal_kind kind;
  int64_t id;
  const char *name;   /* "anonymous", a user name, or "org+robot" */
};

/* What a route needs on its repository (or globally for PERM_CATALOG). */
enum perm {
  PERM_NONE = 0,      /* anyone (the /v2/ base check) */
  PERM_PULL,          /* read the repository */
  PERM_PUSH,          /* write the repository */
  PERM_DELETE,        /* delete in the repository */
  PERM_CATALOG        /* list every repository */
};

struct app;

/* Resolves the Authorization header value (NULL: none) to a principal.
 * Authentication is not enabled yet: everyone is anonymous. */
int auth_authenticate(struct principal *out, struct app *app, const char *authorization);
/* 0 if p may do perm on repository repo (NULL for global perms), else ERR_DENIED.
 * Allows everything until identity lands; every route already calls it. */
int auth_authorize(struct app *app, const struct principal *p, enum perm perm, const char *repo);
/* Stable name of a permission ("pull", "push", ...). */
const char *perm_name(enum perm perm);

#endif
