#ifndef WHARF_AUTH_AUTH_H
#define WHARF_AUTH_AUTH_H

#include <stddef.h>
#include <stdint.h>

/* Who is asking and may they. Nothing here knows about HTTP: the server
 * hands over the Authorization header value and gets a principal back;
 * every route is checked through auth_authorize() before its handler runs. */

struct app;
struct pool;

enum principal_kind {
  PRINCIPAL_ANONYMOUS = 0,
  PRINCIPAL_USER,
  PRINCIPAL_ROBOT,
  PRINCIPAL_TOKEN       /* an API (OAuth-style) token acting for its user */
};

/* Quay API scopes (spec §1), as bits. */
enum {
  SCOPE_REPO_READ = 1u << 0,
  SCOPE_REPO_WRITE = 1u << 1,
  SCOPE_REPO_ADMIN = 1u << 2,
  SCOPE_REPO_CREATE = 1u << 3,
  SCOPE_USER_READ = 1u << 4,
  SCOPE_USER_ADMIN = 1u << 5,
  SCOPE_ORG_ADMIN = 1u << 6,
  SCOPE_SUPER_USER = 1u << 7,
  SCOPE_ALL = (1u << 8) - 1
};

/* Registry actions granted by a registry JWT for one repository. */
enum { ACTION_PULL = 1, ACTION_PUSH = 2, ACTION_ALL = 4 };

struct grant {
  const char *repo;
  unsigned actions;
};

struct principal {
  enum principal_kind kind;
  int64_t id;            /* account id (the user behind a token); 0 when anonymous */
  const char *name;      /* user name, "ns+robot", or "(anonymous)" */
  int is_superuser;
  int64_t owner_id;      /* robots: the namespace account owning them */
  int64_t cred_id;       /* credential presented (robot token, API token); 0 for a password */
  const char *cred_index; /* that credential's index (HMAC of the secret), or NULL: registry
                          * JWTs carry a prefix of it, as SQLite may give a deleted row's id
                          * to the next credential */
  unsigned scopes;       /* API scopes the credential carries (SCOPE_ALL for passwords) */
  const char *pwv;       /* fingerprint of the password hash used (JWTs die with it) */
  int via_jwt;           /* authenticated by a registry JWT: only `grants` apply */
  const struct grant *grants;
  size_t ngrants;
  const char *allowed_cidrs; /* robots: CIDRs it may be used from (NULL or "": any) */
  int64_t last_accessed; /* the account's, when authenticated (for auth_touch) */
  int touch;             /* a secret was presented: auth_touch records the use */
};

/* Records a successful use of pr's account and credential (last_accessed,
 * written at most once a minute each); call only once the request is let
 * in, so a refused use (e.g. outside the allow-list) does not count. */
void auth_touch(struct app *app, const struct principal *pr);

/* 0 when pr may be used from client address ip (its allow-list, if any,
 * contains ip); otherwise ERR_DENIED with *reason (allocated in p). */
int auth_client_allowed(const char **reason, struct pool *p, const struct principal *pr,
                        const char *ip);

/* What a route needs, checked against its {name}/{repository}/{orgname}. */
enum perm {
  PERM_NONE = 0,         /* anyone */
  PERM_PULL,             /* /v2: read the repository (public repos: anyone) */
  PERM_PUSH,             /* /v2: write the repository, or create it in the namespace */
  PERM_DELETE,           /* /v2: delete in the repository (write) */
  PERM_CATALOG,          /* /v2/_catalog: any authenticated principal; the list is filtered */
  PERM_AUTHENTICATED,    /* any authenticated principal */
  PERM_USER,             /* an authenticated user (not a robot) */
  PERM_ORG_MEMBER,       /* member of {orgname} */
  PERM_ORG_ADMIN,        /* admin of {orgname} */
  PERM_REPO_READ,        /* /api/v1: read {repository} */
  PERM_REPO_WRITE,       /* /api/v1: write {repository} */
  PERM_REPO_ADMIN,       /* /api/v1: admin {repository} */
  PERM_SUPERUSER
};

/* Outcome of authentication, for the HTTP layer to pick 401 vs anonymous. */
enum {
  AUTH_OK = 0,
  AUTH_BAD = 1           /* credentials were presented and are wrong, expired or revoked */
};

/* Resolves the Authorization header value (NULL: anonymous). Returns
 * AUTH_OK with *out filled, AUTH_BAD with *reason set to a message safe to
 * show (never containing the secret), or a negative ERR_* for store
 * failures. Allocations go to p. `registry` selects what Bearer means:
 * a registry JWT (/v2) or an API token (/api/v1). */
int auth_authenticate(struct principal *out, const char **reason, struct app *app, struct pool *p,
                      const char *authorization, int registry);

/* Longest Basic credential (base64 text after "Basic ") auth_parse_basic() decodes. */
#define AUTH_BASIC_MAX 4096
/* Decodes a Basic credential, the base64 text after "Basic ", into user and
 * secret (NUL-terminated, in p; either may be empty). ERR_INVALID when it is
 * longer than AUTH_BASIC_MAX, not canonical padded base64, or not
 * "user:secret" without NUL bytes; ERR_NOMEM. */
int auth_parse_basic(const char **out_user, const char **out_secret, struct pool *p,
                     const char *b64);

/* Checks a user's password, or the encrypted form auth_password_encrypt()
 * gives, as Basic authentication does (robots and tokens are refused):
 * AUTH_OK with *out the user (allocations in p), AUTH_BAD with *reason, or
 * a negative ERR_* for store failures. */
int auth_user_password(struct principal *out, const char **reason, struct app *app,
                       struct pool *p, const char *user, const char *password);
/* Quay's "encrypted_password": password encrypted under the server key,
 * accepted wherever the password is (docker login). *out is malloc'd. */
int auth_password_encrypt(char **out, struct app *app, const char *password);

/* 0 if p may do perm on target (a repository name for repository perms, an
 * organization name for org perms, NULL otherwise); ERR_DENIED if not;
 * ERR_NOTFOUND if the target namespace does not exist; other ERR_* for
 * store failures. `scope` is the API scope the route requires (0: none). */
int auth_authorize(struct app *app, const struct principal *p, enum perm perm, const char *target,
                   unsigned scope);

/* Registry actions (ACTION_*) p may have on repository `repo`: pull needs
 * read (or a public repo), push needs write (or create rights in the
 * namespace when the repo does not exist), * needs admin. */
int auth_repo_actions(unsigned *out, struct app *app, const struct principal *p, const char *repo);

/* Whether p may create repositories in namespace ns (own user namespace,
 * org creator/admin, superuser). */
int auth_can_create(struct app *app, const struct principal *p, const char *ns);

/* Signs a registry JWT for p with the granted access; *out is malloc'd. */
int auth_registry_token(char **out, struct app *app, const struct principal *p,
                        const char *service, const struct grant *grants, size_t ngrants);

/* Parses "a b,c" scope names into SCOPE_* bits; ERR_INVALID names the bad
 * one in *bad (pointer into s, NUL-terminated copy in p). */
int auth_scopes_parse(unsigned *out, const char **bad, struct pool *p, const char *s);

/* Stable name of a permission ("pull", "push", ...). */
const char *perm_name(enum perm perm);

#endif
