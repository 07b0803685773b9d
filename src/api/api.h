#ifndef WHARF_API_API_H
#define WHARF_API_API_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "server/req.h"
#include "store/ident.h"

/* Quay-compatible /api/v1 handlers, one file per resource, one function per
 * row of the route table (server/routes.c). Each responds exactly once.
 * Error bodies follow spec §0: req_error() writes Quay's ApiException shape
 * on these routes; "data-model" errors are api_message()'s {"message"}. */

/* user.c */
int api_user_get(struct req *r);              /* GET user/ (getLoggedInUser) */

/* organization.c */
int api_org_create(struct req *r);            /* POST organization/ (createOrganization) */
int api_org_get(struct req *r);               /* GET organization/{orgname} (getOrganization) */
int api_org_put(struct req *r);               /* PUT organization/{orgname}: email, max_robot_token_lifetime */
int api_org_delete(struct req *r);            /* DELETE organization/{orgname} */
/* Reads and checks the createOrganization body {"name","email",...} into a
 * valid name and email (NULL if none), both in r->pool; responds 400 and
 * returns non-zero otherwise. */
int api_org_body(struct req *r, const char **out_name, const char **out_email);

/* robot.c: with {orgname} the org's robots, without it the caller's own */
int api_robot_list(struct req *r);            /* GET .../robots (getOrgRobots, getUserRobots) */
/* ?unused_days=N (wharf extension, api/robot_unused.c): *out = the time
 * before which a robot counts as unused (0: no filter); responds 400 and
 * returns -1 for a bad N. */
int api_robot_unused_param(struct req *r, int64_t *out);
/* Keeps, in order, the robots never used or last used before `before`
 * (0: all); returns how many. */
size_t api_robot_unused_filter(struct ident_account *robots, size_t n, int64_t before);
int api_robot_get(struct req *r);             /* GET .../robots/{robot_shortname} */
int api_robot_put(struct req *r);             /* PUT: create (201) or update (200) */
int api_robot_delete(struct req *r);          /* DELETE: 204 */
int api_robot_regenerate(struct req *r);      /* POST .../regenerate */
int api_robot_permissions(struct req *r);     /* GET .../permissions */
/* robot_token.c (wharf extension, issue 8): a robot's several tokens */
int api_robot_tokens_list(struct req *r);     /* GET .../tokens: no secrets */
int api_robot_token_add(struct req *r);       /* POST .../tokens: 201, token shown once */
int api_robot_token_delete(struct req *r);    /* DELETE .../tokens/{token_id}: 204 */
/* Validates the optional robot PUT body {"description","unstructured_metadata"}
 * into description and compact metadata JSON (NULL: not given; in r->pool);
 * responds 400 and returns non-zero otherwise. */
int api_robot_body(struct req *r, const char **out_desc, char **out_md);

/* permission.c: repository user permissions (spec §3) */
int api_perm_user_list(struct req *r);        /* GET repository/{repository}/permissions/user/ */
int api_perm_user_get(struct req *r);         /* GET .../permissions/user/{username} */
int api_perm_user_put(struct req *r);         /* PUT .../permissions/user/{username} */
int api_perm_user_delete(struct req *r);      /* DELETE .../permissions/user/{username} */
/* Reads the body {"role": "read"|"write"|"admin"}; responds 400 and returns
 * non-zero otherwise. */
int api_perm_body(struct req *r, enum ident_role *out);

/* repository.c (spec §4.3) */
int api_repo_create(struct req *r);           /* POST repository (createRepo) */
int api_repo_list(struct req *r);             /* GET repository?namespace= (listRepos) */
int api_repo_get(struct req *r);              /* GET repository/{repository} (getRepo) */
int api_repo_update(struct req *r);           /* PUT repository/{repository} (updateRepo) */
int api_repo_delete(struct req *r);           /* DELETE repository/{repository} */
int api_repo_visibility(struct req *r);       /* POST .../changevisibility */
/* Body of POST repository, validated; strings point into the body or are
 * the principal's name (namespace) and "" (description) when not given. */
struct api_repo_new {
  const char *ns, *name, *description;
  int is_public;
};
/* Checks the createRepo body (an object) into *out; responds 400 and
 * returns non-zero otherwise. Names are checked on creation, not here. */
int api_repo_new_body(struct req *r, struct api_repo_new *out, json_t *body);

/* robot_federation.c: keyless federation configuration (spec §2.4) */
int api_robot_federation_get(struct req *r);    /* GET .../robots/{short}/federation */
int api_robot_federation_set(struct req *r);    /* POST: replaces the list */
int api_robot_federation_delete(struct req *r); /* DELETE: empties it */
/* robot_fedexchange.c: GET /oauth2/federation/robot/token (OIDC JWT -> 1-hour robot token) */
int api_robot_federation_exchange(struct req *r);

/* discovery.c */
int api_discovery(struct req *r);             /* GET discovery: Swagger 2.0 from the route table */
int api_error_type(struct req *r);            /* GET error/{type} */

/* --- shared helpers (common.c) ------------------------------------------ */

/* Quay's username/namespace/robot-shortname expression (spec §2.3). */
#define API_NAME_REGEX "^([a-z0-9]+(?:[._-][a-z0-9]+)*)$"
/* Longest repository description accepted (bytes). */
#define API_DESCRIPTION_MAX 65536

/* Parses r->body (at most app->json_max bytes) as JSON into *out (caller
 * decrefs). An empty body gives *out = NULL when `optional`, else a 400.
 * A present body must be an object (JSON null counts as absent when
 * optional). On failure responds 400/413 and returns non-zero. */
int api_json_body(struct req *r, json_t **out, int optional);
/* Reads an optional string member of obj (absent: *out = NULL). On a wrong
 * type, a required member missing, or more than max characters responds 400 and
 * returns non-zero. *out points into obj. */
int api_json_string(struct req *r, const char **out, json_t *obj, const char *key, size_t max,
                    int required);

/* Quay's bool query parameter (spec §0): def when absent, false for
 * "false"/"False"/"FALSE"/"0"/""/"null", true otherwise. */
int api_bool_param(const struct req *r, const char *name, int def);

/* 0 when s is a valid user/org/robot-short/team name; otherwise the Quay
 * reason ("Namespace must match expression ..." / "... length") in the pool. */
const char *api_name_problem(struct pool *p, const char *s);
/* Repository name part (without namespace) per Quay's extended-names rule. */
int api_repo_name_valid(const char *name);

/* RFC 2822 date ("Thu, 01 Dec 2016 00:00:00 -0000") of t; JSON null for 0. */
json_t *api_date(int64_t t);
/* {"name","hash","color","kind"}; kind "user"|"robot"|"team"|"org". */
json_t *api_avatar(const char *name, const char *kind);
/* Avatar kind of an account kind. */
const char *api_account_kind(enum ident_kind kind);

/* "read"/"write"/"admin" (NULL for ROLE_NONE). */
const char *api_role_name(enum ident_role role);
/* Parses a role name; 0 or ERR_INVALID. */
int api_role_parse(enum ident_role *out, const char *s);

/* Responds 400 {"message": msg} (Quay's data-model error shape). */
int api_message(struct req *r, const char *msg);
/* Logs and responds 500 (503 for ERR_IO) for an unexpected store error. */
int api_internal(struct req *r, int rc, const char *what);
/* Deletes every repository of namespace ns, in batches (blobs are left to
 * GC); 0 or ERR_*. Used when an org or a user goes. */
int api_delete_ns_repos(struct req *r, const char *ns);

/* Splits "ns/name" into its namespace (pool copy) and the rest (pointer into repo). */
int api_split_repo(struct pool *p, const char **out_ns, const char **out_name, const char *repo);
/* Whether the caller may administer org account org_id (superuser, or an
 * org-admin team member; API tokens also need org:admin). */
int api_is_org_admin(struct req *r, int64_t org_id);

/* --- robots (robot.c), shared with the user and org views ---------------- */
enum { API_ROBOT_TOKEN = 1, API_ROBOT_META = 2 };
/* Robot JSON of spec §2.2 into *out (caller decrefs): name, created,
 * last_accessed, description, plus token (decrypted from the store) and
 * unstructured_metadata as flags ask. A robot without a token gets no
 * `token` key. */
int api_robot_json(json_t **out, struct req *r, const struct ident_account *robot, unsigned flags);

/* --- credentials, sessions and users ------------------------------------ */
/* application.c: an org's OAuth applications and their API tokens (§4.5) */
int api_app_list(struct req *r);              /* GET organization/{orgname}/applications */
int api_app_create(struct req *r);            /* POST: 200 with client_id and client_secret */
int api_app_get(struct req *r);               /* GET .../applications/{client_id} */
int api_app_delete(struct req *r);            /* DELETE: 204, its tokens die with it */
int api_app_token_list(struct req *r);        /* GET .../{client_id}/tokens (50 a page) */
int api_app_token_create(struct req *r);      /* POST .../tokens: the token, shown once */
int api_app_token_delete(struct req *r);      /* DELETE .../tokens/{token_uuid}: 204 */
/* signin.c: web-UI sessions (§1) */
int api_csrf_token(struct req *r);            /* GET /csrf_token: {"csrf_token"} (+ cookie) */
int api_signin(struct req *r);                /* POST signin: session cookie, X-Next-CSRF-Token */
int api_signout(struct req *r);               /* POST signout: ends the user's sessions */
/* superuser.c: first user and user administration */
int api_user_initialize(struct req *r);       /* POST user/initialize (empty database only) */
int api_superuser_user_list(struct req *r);   /* GET superuser/users/ */
int api_superuser_user_create(struct req *r); /* POST superuser/users/: generated password */
int api_superuser_user_get(struct req *r);    /* GET superuser/users/{username} */
int api_superuser_user_put(struct req *r);    /* PUT: password, email, enabled, superuser */
int api_superuser_user_delete(struct req *r); /* DELETE: 204 (not a superuser) */
/* entities.c */
int api_entities(struct req *r);              /* GET entities/{prefix} */

#endif
