#ifndef WHARF_STORE_IDENT_H
#define WHARF_STORE_IDENT_H

#include <stddef.h>
#include <stdint.h>

#include "store/meta.h"

/* Identity half of the metadata store: accounts (users, organizations,
 * robots), credentials, teams and repository permissions. Same conventions
 * as meta.h: 0 or ERR_*, out-params first and written only on success,
 * strings and arrays returned through a pool belong to that pool, and every
 * function is safe from any thread. Secrets never reach this layer in
 * clear: credentials are stored as an HMAC index plus an encrypted blob
 * produced by auth/. */

enum ident_kind { IDENT_USER = 1, IDENT_ORG = 2, IDENT_ROBOT = 3 };

/* Repository roles, ordered: a higher role includes the lower ones. */
enum ident_role { ROLE_NONE = 0, ROLE_READ = 1, ROLE_WRITE = 2, ROLE_ADMIN = 3 };

/* Organization roles held through teams (Quay: member, creator, admin). */
enum ident_org_role { ORG_NONE = 0, ORG_MEMBER = 1, ORG_CREATOR = 2, ORG_ADMIN = 3 };

struct ident_account {
  int64_t id;
  enum ident_kind kind;
  char *name;            /* user/org name, or "ns+short" for a robot */
  char *email;           /* users and orgs; NULL if none */
  char *password_hash;   /* users: argon2id encoded hash; NULL otherwise */
  int is_superuser;
  int enabled;
  int64_t owner_id;      /* robots: the user or org owning it; 0 otherwise */
  char *description;     /* robots: "" by default */
  char *metadata_json;   /* robots: unstructured_metadata object text, "{}" by default */
  int64_t created_at;
  int64_t last_accessed; /* 0: never */
  char *allowed_cidrs;   /* robots: comma-separated CIDRs it may be used from; "" any */
};

/* Creates an account from a (id, created_at ignored; set enabled = 1, a
 * zeroed struct creates a disabled account); ERR_EXISTS when the name is
 * taken by any kind of account. */
int ident_account_create(struct meta *m, int64_t *out_id, const struct ident_account *a);
int ident_account_get(struct meta *m, struct pool *p, struct ident_account *out, int64_t id);
int ident_account_by_name(struct meta *m, struct pool *p, struct ident_account *out,
                          const char *name);
/* Updates description and metadata_json of a robot (NULL: leave as is). */
int ident_robot_update(struct meta *m, int64_t id, const char *description,
                       const char *metadata_json);
/* Replaces a user's password hash. */
int ident_user_set_password(struct meta *m, int64_t id, const char *password_hash);
/* Records use of an account now (robots' last_accessed); cheap, best effort. */
int ident_account_touch(struct meta *m, int64_t id, int64_t now);
/* Deletes an account and everything hanging off it: its credentials, repo
 * permissions, team memberships, and for an org its robots and teams. The
 * repositories of its namespace stay: callers delete them first
 * (ident_repo_list_ns + ident_repo_delete). */
int ident_account_delete(struct meta *m, int64_t id);
/* Number of user accounts (for first-run initialization). */
int ident_user_count(struct meta *m, int64_t *out);
/* Robots owned by owner_id, sorted by name, at most limit. */
int ident_robot_list(struct meta *m, struct pool *p, struct ident_account **out, size_t *out_n,
                     int64_t owner_id, size_t limit);
/* Accounts (users, orgs, robots) whose name starts with prefix, at most limit. */
int ident_account_search(struct meta *m, struct pool *p, struct ident_account **out,
                         size_t *out_n, const char *prefix, size_t limit);

/* --- credentials --------------------------------------------------------- */
enum ident_cred_kind { CRED_ROBOT = 1, CRED_API = 2 };

struct ident_cred {
  int64_t id;
  int64_t account_id;
  enum ident_cred_kind kind;
  char *index;           /* hex HMAC-SHA256(server key, secret); unique */
  char *secret_enc;      /* the secret encrypted by auth/ (for robots: readable again) */
  char *scopes;          /* API tokens: space-separated scopes; NULL for robots */
  char *name;            /* label; NULL if none */
  int64_t created_at;
  int64_t expires_at;    /* 0: never */
  int64_t last_accessed; /* 0: never; filled by ident_cred_list only */
};

/* Stores a credential (id and created_at ignored). ERR_EXISTS on an index clash. */
int ident_cred_add(struct meta *m, int64_t *out_id, const struct ident_cred *c);
/* The credential with that HMAC index; ERR_NOTFOUND. One indexed lookup. */
int ident_cred_by_index(struct meta *m, struct pool *p, struct ident_cred *out, const char *index);
/* Credential by id; ERR_NOTFOUND once deleted (used to refuse JWTs minted from it). */
int ident_cred_get(struct meta *m, struct pool *p, struct ident_cred *out, int64_t id);
/* Newest credential of that kind for an account; ERR_NOTFOUND. */
int ident_cred_latest(struct meta *m, struct pool *p, struct ident_cred *out, int64_t account_id,
                      enum ident_cred_kind kind);
/* In one transaction: deletes every credential of that kind of the account
 * and adds c (robot token regeneration: the old token stops at once). */
int ident_cred_replace(struct meta *m, int64_t *out_id, const struct ident_cred *c);
int ident_cred_delete(struct meta *m, int64_t id);
/* Every credential of that kind of an account, oldest first, expired ones
 * included (at most 1000); last_accessed filled. */
int ident_cred_list(struct meta *m, struct pool *p, struct ident_cred **out, size_t *out_n,
                    int64_t account_id, enum ident_cred_kind kind);
/* Makes every credential of that kind of the account except keep_id expire
 * at `until` at the latest (rotation with a grace period). */
int ident_cred_cap_expiry(struct meta *m, int64_t account_id, enum ident_cred_kind kind,
                          int64_t keep_id, int64_t until);
/* Sets a robot's enabled flag (-1: unchanged) and allowed_cidrs (NULL:
 * unchanged); ERR_NOTFOUND unless id is a robot. */
int ident_robot_set_access(struct meta *m, int64_t id, int enabled, const char *allowed_cidrs);
/* A robot's federation configuration, JSON array text ("[]" when none); ERR_NOTFOUND. */
int ident_robot_federation_get(struct meta *m, struct pool *p, char **out, int64_t id);
/* Replaces a robot's federation configuration (JSON array text); ERR_NOTFOUND. */
int ident_robot_federation_set(struct meta *m, int64_t id, const char *json);
/* How many credentials of that kind expire in (now, until] (metrics). */
int ident_cred_expiring(struct meta *m, int64_t *out, enum ident_cred_kind kind, int64_t now,
                        int64_t until);
/* The longest lifetime in seconds a robot token of namespace account id may
 * have (0: no maximum; only organizations set one); ERR_NOTFOUND. */
int ident_token_lifetime_get(struct meta *m, int64_t *out, int64_t id);
/* Changes an organization's email (NULL: unchanged) and maximum robot token
 * lifetime in seconds (0: none; -1: unchanged); ERR_NOTFOUND unless org_id
 * is an organization. */
int ident_org_update(struct meta *m, int64_t org_id, const char *email, int64_t max_lifetime);

/* --- repositories as seen by identity ------------------------------------ */
struct ident_repo {
  int64_t id;
  char *name;            /* full "ns/name" */
  int is_public;
  char *description;
};
int ident_repo_get(struct meta *m, struct pool *p, struct ident_repo *out, const char *name);
int ident_repo_set_public(struct meta *m, int64_t repo_id, int is_public);
int ident_repo_set_description(struct meta *m, int64_t repo_id, const char *description);
/* Repositories whose name starts with "<ns>/", sorted, after `last`, at most limit. */
int ident_repo_list_ns(struct meta *m, struct pool *p, struct ident_repo **out, size_t *out_n,
                       int *out_more, const char *ns, const char *last, size_t limit);
/* Deletes a repository with its tags, manifests, blob links, uploads and permissions. */
int ident_repo_delete(struct meta *m, int64_t repo_id);

/* --- permissions --------------------------------------------------------- */
struct ident_perm {
  int64_t repo_id;
  char *repo_name;       /* full name */
  int repo_public;
  int64_t account_id;    /* user or robot; 0 for a team permission */
  char *account_name;
  enum ident_kind account_kind;
  int64_t team_id;       /* 0 for a user/robot permission */
  char *team_name;
  enum ident_role role;
};
/* Creates or changes a direct permission of a user or robot on a repo. */
int ident_perm_set(struct meta *m, int64_t repo_id, int64_t account_id, enum ident_role role);
/* ERR_NOTFOUND if there was none. */
int ident_perm_delete(struct meta *m, int64_t repo_id, int64_t account_id);
/* Direct permission of an account on a repo; ERR_NOTFOUND. */
int ident_perm_get(struct meta *m, enum ident_role *out, int64_t repo_id, int64_t account_id);
/* Every direct user/robot permission on a repo (sorted by account name). */
int ident_perm_list_repo(struct meta *m, struct pool *p, struct ident_perm **out, size_t *out_n,
                         int64_t repo_id);
/* Every direct permission an account holds (sorted by repo name). */
int ident_perm_list_account(struct meta *m, struct pool *p, struct ident_perm **out,
                            size_t *out_n, int64_t account_id);

/* --- teams --------------------------------------------------------------- */
/* Creates team `name` of org org_id or changes its role (description NULL:
 * "" for a new team, unchanged for an existing one); *out_id either way. */
int ident_team_set(struct meta *m, int64_t *out_id, int64_t org_id, const char *name,
                   enum ident_org_role role, const char *description);
/* Adds a user, or a robot owned by the team's org (ERR_INVALID for any
 * other robot or an org); ERR_EXISTS if already a member. */
int ident_team_add_member(struct meta *m, int64_t team_id, int64_t account_id);
/* ERR_NOTFOUND if the account was not a member. */
int ident_team_remove_member(struct meta *m, int64_t team_id, int64_t account_id);

struct ident_team {
  int64_t id, org_id;
  char *name;
  enum ident_org_role role;
  char *description;
  int64_t member_count;
  int64_t repo_count;
};
/* Team `name` of the org; ERR_NOTFOUND. */
int ident_team_get(struct meta *m, struct pool *p, struct ident_team *out, int64_t org_id,
                   const char *name);
/* Teams of an org sorted by name. */
int ident_team_list(struct meta *m, struct pool *p, struct ident_team **out, size_t *out_n,
                    int64_t org_id);
/* Deletes a team with its memberships and permissions. */
int ident_team_delete(struct meta *m, int64_t team_id);
/* Members (users and robots) of a team sorted by name. */
int ident_team_members(struct meta *m, struct pool *p, struct ident_account **out, size_t *out_n,
                       int64_t team_id);
/* Creates or changes a team's permission on a repo of the team's org
 * (ERR_INVALID for a repo of another namespace; ERR_NOTFOUND). */
int ident_team_perm_set(struct meta *m, int64_t repo_id, int64_t team_id, enum ident_role role);
/* ERR_NOTFOUND if there was none. */
int ident_team_perm_delete(struct meta *m, int64_t repo_id, int64_t team_id);
/* Team permissions on a repo (sorted by team name). */
int ident_team_perm_list_repo(struct meta *m, struct pool *p, struct ident_perm **out,
                              size_t *out_n, int64_t repo_id);
/* Permissions held by a team (sorted by repo name). */
int ident_team_perm_list_team(struct meta *m, struct pool *p, struct ident_perm **out,
                              size_t *out_n, int64_t team_id);
/* Teams of the org an account belongs to, sorted by name. */
int ident_team_list_member(struct meta *m, struct pool *p, struct ident_team **out, size_t *out_n,
                           int64_t org_id, int64_t account_id);

/* --- default permissions (prototypes) ------------------------------------ */
/* A default permission of an org: when the activating account (0: anyone)
 * creates a repository in the org, the delegate (a user or robot, or a team
 * of the org) gets `role` on it. Reads fill the names and kinds;
 * ident_proto_add ignores them. */
struct ident_proto {
  int64_t id, org_id;
  int64_t activating_id;              /* user or robot; 0: any creator */
  char *activating_name;
  enum ident_kind activating_kind;
  int64_t delegate_account_id;        /* user or robot; 0 for a team delegate */
  char *delegate_account_name;
  enum ident_kind delegate_account_kind;
  int64_t delegate_team_id;           /* team of org_id; 0 for an account delegate */
  char *delegate_team_name;
  enum ident_role role;
};
/* Adds a prototype (id and names ignored). Exactly one delegate; a team
 * delegate must be a team of org_id and a robot delegate owned by org_id,
 * orgs are never activating or delegate (all ERR_INVALID); ERR_NOTFOUND for
 * an unknown id. */
int ident_proto_add(struct meta *m, int64_t *out_id, const struct ident_proto *pr);
/* Prototypes of an org, oldest first. */
int ident_proto_list(struct meta *m, struct pool *p, struct ident_proto **out, size_t *out_n,
                     int64_t org_id);
/* Prototype id of org org_id; ERR_NOTFOUND (also for another org's id). */
int ident_proto_get(struct meta *m, struct pool *p, struct ident_proto *out, int64_t org_id,
                    int64_t id);
/* Changes the role of prototype id of org_id; ERR_NOTFOUND. */
int ident_proto_set_role(struct meta *m, int64_t org_id, int64_t id, enum ident_role role);
/* Deletes prototype id of org_id; ERR_NOTFOUND. */
int ident_proto_delete(struct meta *m, int64_t org_id, int64_t id);
/* Grants, in one transaction, the role of every prototype of org_id whose
 * activating account is creator_id or unset on the newly created repo_id;
 * the highest role wins and no existing permission is lowered. ERR_INVALID
 * when repo_id is not in org_id's namespace, ERR_NOTFOUND when missing. */
int ident_proto_apply(struct meta *m, int64_t repo_id, int64_t org_id, int64_t creator_id);

/* --- effective rights (what auth/ decides with) -------------------------- */
/* Highest role account_id holds on repo_id: direct permission, its teams'
 * permissions, and its teams' org role (org admin => ROLE_ADMIN). */
int ident_effective_role(struct meta *m, enum ident_role *out, int64_t account_id, int64_t repo_id);
/* Highest org role account_id holds in org_id through its teams. */
int ident_org_role(struct meta *m, enum ident_org_role *out, int64_t account_id, int64_t org_id);

/* --- OAuth applications, API tokens, web sessions (spec §1, §4.5) ------- */
/* An organization's OAuth application. Tokens minted for it go with it. */
struct ident_app {
  int64_t id, org_id;
  char *client_id;       /* 20 characters, unique across orgs */
  char *secret_enc;      /* client secret, encrypted by auth/ */
  char *name;
  char *description;     /* "" when unset, as the three below */
  char *redirect_uri;
  char *application_uri;
  char *avatar_email;
  int64_t created_at;
};
/* Creates an app of a->org_id (id, created_at ignored; NULL strings store
 * ""); ERR_EXISTS on a client_id clash, ERR_INVALID unless org_id is an org. */
int ident_app_create(struct meta *m, int64_t *out_id, const struct ident_app *a);
/* App client_id of org org_id; ERR_NOTFOUND (also for another org's app). */
int ident_app_get(struct meta *m, struct pool *p, struct ident_app *out, int64_t org_id,
                  const char *client_id);
/* Apps of an org, oldest first. */
int ident_app_list(struct meta *m, struct pool *p, struct ident_app **out, size_t *out_n,
                   int64_t org_id);
/* Deletes an app and every token minted for it (they stop at once); ERR_NOTFOUND. */
int ident_app_delete(struct meta *m, int64_t id);

/* An API token as listed: a CRED_API credential with its uuid, app and use. */
struct ident_token {
  int64_t cred_id;
  int64_t account_id;    /* the user it acts for (Quay's created_by) */
  char *account_name;
  int64_t app_id;        /* 0: minted outside an app (CLI, user/initialize) */
  char *uuid;
  char *name;            /* NULL if none */
  char *scopes;          /* space-separated */
  int64_t created_at;
  int64_t expires_at;    /* 0: never */
  int64_t last_accessed; /* 0: never */
};
/* Stores c (kind CRED_API; id and created_at ignored) as token `uuid` of
 * app_id (0: none) created at now, in one transaction that refuses with
 * ERR_TOOBIG when app_id already has max_live tokens unexpired at now.
 * ERR_EXISTS on an index or uuid clash, ERR_NOTFOUND for an unknown account
 * or app. */
int ident_token_add(struct meta *m, int64_t *out_cred_id, const struct ident_cred *c,
                    const char *uuid, int64_t app_id, size_t max_live, int64_t now);
/* Tokens of app_id unexpired at now with a credential id above `after`,
 * oldest first, at most limit; *out_more (may be NULL) set when more follow. */
int ident_token_list(struct meta *m, struct pool *p, struct ident_token **out, size_t *out_n,
                     int *out_more, int64_t app_id, int64_t now, int64_t after, size_t limit);
/* Deletes token `uuid` of app_id (it stops working at once); ERR_NOTFOUND. */
int ident_token_delete(struct meta *m, int64_t app_id, const char *uuid);
/* Records use of token cred_id at now unless one was recorded less than
 * `every` seconds ago (a read, and a write only then); ERR_NOTFOUND. */
int ident_token_touch(struct meta *m, int64_t cred_id, int64_t now, int64_t every);

/* A signed-in web session, stored under a keyed hash of its id (the id
 * itself never reaches the store). */
struct ident_session {
  char *index;           /* hex HMAC(server key, session id) */
  int64_t account_id;
  char *pwv;             /* fingerprint of the password hash at sign-in */
  int64_t created_at;
  int64_t expires_at;
};
/* Stores s created at now (created_at ignored; expires_at must be later),
 * dropping every session expired by now. ERR_EXISTS, ERR_NOTFOUND for an
 * unknown account. */
int ident_session_add(struct meta *m, const struct ident_session *s, int64_t now);
/* The session with that index, expired or not; ERR_NOTFOUND. */
int ident_session_get(struct meta *m, struct pool *p, struct ident_session *out,
                      const char *index);
/* Ends every session of an account (0 when there were none). */
int ident_session_delete_account(struct meta *m, int64_t account_id);

/* --- user administration ------------------------------------------------ */
/* Accounts of one kind whose name starts with prefix ("" for all), sorted by
 * name, at most limit; *out_more (may be NULL) set when more follow. */
int ident_account_search_kind(struct meta *m, struct pool *p, struct ident_account **out,
                              size_t *out_n, int *out_more, enum ident_kind kind,
                              const char *prefix, size_t limit);
/* Creates user a (kind IDENT_USER, as ident_account_create) only while no
 * user exists, atomically: ERR_EXISTS once any user does. */
int ident_user_create_first(struct meta *m, int64_t *out_id, const struct ident_account *a);
/* Changes a user's email (NULL: unchanged), enabled and is_superuser (-1:
 * unchanged); ERR_NOTFOUND unless id is a user. */
int ident_user_update(struct meta *m, int64_t id, const char *email, int enabled,
                      int is_superuser);

/* Backend table; struct meta_ops points at one (meta_ops.ident). */
struct ident_ops {
  int (*account_create)(struct meta *m, int64_t *out_id, const struct ident_account *a);
  int (*account_get)(struct meta *m, struct pool *p, struct ident_account *out, int64_t id);
  int (*account_by_name)(struct meta *m, struct pool *p, struct ident_account *out,
                         const char *name);
  int (*robot_update)(struct meta *m, int64_t id, const char *description,
                      const char *metadata_json);
  int (*user_set_password)(struct meta *m, int64_t id, const char *password_hash);
  int (*account_touch)(struct meta *m, int64_t id, int64_t now);
  int (*account_delete)(struct meta *m, int64_t id);
  int (*user_count)(struct meta *m, int64_t *out);
  int (*robot_list)(struct meta *m, struct pool *p, struct ident_account **out, size_t *out_n,
                    int64_t owner_id, size_t limit);
  int (*account_search)(struct meta *m, struct pool *p, struct ident_account **out,
                        size_t *out_n, const char *prefix, size_t limit);
  int (*cred_add)(struct meta *m, int64_t *out_id, const struct ident_cred *c);
  int (*cred_by_index)(struct meta *m, struct pool *p, struct ident_cred *out, const char *index);
  int (*cred_get)(struct meta *m, struct pool *p, struct ident_cred *out, int64_t id);
  int (*cred_latest)(struct meta *m, struct pool *p, struct ident_cred *out, int64_t account_id,
                     enum ident_cred_kind kind);
  int (*cred_replace)(struct meta *m, int64_t *out_id, const struct ident_cred *c);
  int (*cred_delete)(struct meta *m, int64_t id);
  int (*repo_get)(struct meta *m, struct pool *p, struct ident_repo *out, const char *name);
  int (*repo_set_public)(struct meta *m, int64_t repo_id, int is_public);
  int (*repo_set_description)(struct meta *m, int64_t repo_id, const char *description);
  int (*repo_list_ns)(struct meta *m, struct pool *p, struct ident_repo **out, size_t *out_n,
                      int *out_more, const char *ns, const char *last, size_t limit);
  int (*repo_delete)(struct meta *m, int64_t repo_id);
  int (*perm_set)(struct meta *m, int64_t repo_id, int64_t account_id, enum ident_role role);
  int (*perm_delete)(struct meta *m, int64_t repo_id, int64_t account_id);
  int (*perm_get)(struct meta *m, enum ident_role *out, int64_t repo_id, int64_t account_id);
  int (*perm_list_repo)(struct meta *m, struct pool *p, struct ident_perm **out, size_t *out_n,
                        int64_t repo_id);
  int (*perm_list_account)(struct meta *m, struct pool *p, struct ident_perm **out,
                           size_t *out_n, int64_t account_id);
  int (*team_set)(struct meta *m, int64_t *out_id, int64_t org_id, const char *name,
                  enum ident_org_role role, const char *description);
  int (*team_add_member)(struct meta *m, int64_t team_id, int64_t account_id);
  int (*team_remove_member)(struct meta *m, int64_t team_id, int64_t account_id);
  int (*team_get)(struct meta *m, struct pool *p, struct ident_team *out, int64_t org_id,
                  const char *name);
  int (*team_list)(struct meta *m, struct pool *p, struct ident_team **out, size_t *out_n,
                   int64_t org_id);
  int (*team_delete)(struct meta *m, int64_t team_id);
  int (*team_members)(struct meta *m, struct pool *p, struct ident_account **out, size_t *out_n,
                      int64_t team_id);
  int (*team_perm_set)(struct meta *m, int64_t repo_id, int64_t team_id, enum ident_role role);
  int (*team_perm_delete)(struct meta *m, int64_t repo_id, int64_t team_id);
  int (*team_perm_list_repo)(struct meta *m, struct pool *p, struct ident_perm **out,
                             size_t *out_n, int64_t repo_id);
  int (*team_perm_list_team)(struct meta *m, struct pool *p, struct ident_perm **out,
                             size_t *out_n, int64_t team_id);
  int (*team_list_member)(struct meta *m, struct pool *p, struct ident_team **out, size_t *out_n,
                          int64_t org_id, int64_t account_id);
  int (*proto_add)(struct meta *m, int64_t *out_id, const struct ident_proto *pr);
  int (*proto_list)(struct meta *m, struct pool *p, struct ident_proto **out, size_t *out_n,
                    int64_t org_id);
  int (*proto_get)(struct meta *m, struct pool *p, struct ident_proto *out, int64_t org_id,
                   int64_t id);
  int (*proto_set_role)(struct meta *m, int64_t org_id, int64_t id, enum ident_role role);
  int (*proto_delete)(struct meta *m, int64_t org_id, int64_t id);
  int (*proto_apply)(struct meta *m, int64_t repo_id, int64_t org_id, int64_t creator_id);
  int (*effective_role)(struct meta *m, enum ident_role *out, int64_t account_id, int64_t repo_id);
  int (*org_role)(struct meta *m, enum ident_org_role *out, int64_t account_id, int64_t org_id);
  /* OAuth apps, API tokens, web sessions, user administration */
  int (*app_create)(struct meta *m, int64_t *out_id, const struct ident_app *a);
  int (*app_get)(struct meta *m, struct pool *p, struct ident_app *out, int64_t org_id,
                 const char *client_id);
  int (*app_list)(struct meta *m, struct pool *p, struct ident_app **out, size_t *out_n,
                  int64_t org_id);
  int (*app_delete)(struct meta *m, int64_t id);
  int (*token_add)(struct meta *m, int64_t *out_cred_id, const struct ident_cred *c,
                   const char *uuid, int64_t app_id, size_t max_live, int64_t now);
  int (*token_list)(struct meta *m, struct pool *p, struct ident_token **out, size_t *out_n,
                    int *out_more, int64_t app_id, int64_t now, int64_t after, size_t limit);
  int (*token_delete)(struct meta *m, int64_t app_id, const char *uuid);
  int (*token_touch)(struct meta *m, int64_t cred_id, int64_t now, int64_t every);
  int (*session_add)(struct meta *m, const struct ident_session *s, int64_t now);
  int (*session_get)(struct meta *m, struct pool *p, struct ident_session *out,
                     const char *index);
  int (*session_delete_account)(struct meta *m, int64_t account_id);
  int (*account_search_kind)(struct meta *m, struct pool *p, struct ident_account **out,
                             size_t *out_n, int *out_more, enum ident_kind kind,
                             const char *prefix, size_t limit);
  int (*user_create_first)(struct meta *m, int64_t *out_id, const struct ident_account *a);
  int (*user_update)(struct meta *m, int64_t id, const char *email, int enabled,
                     int is_superuser);
  /* robot token lifecycle (wharf extension, issue 8) */
  int (*cred_list)(struct meta *m, struct pool *p, struct ident_cred **out, size_t *out_n,
                   int64_t account_id, enum ident_cred_kind kind);
  int (*cred_cap_expiry)(struct meta *m, int64_t account_id, enum ident_cred_kind kind,
                         int64_t keep_id, int64_t until);
  int (*robot_set_access)(struct meta *m, int64_t id, int enabled, const char *allowed_cidrs);
  int (*robot_federation_get)(struct meta *m, struct pool *p, char **out, int64_t id);
  int (*robot_federation_set)(struct meta *m, int64_t id, const char *json);
  int (*cred_expiring)(struct meta *m, int64_t *out, enum ident_cred_kind kind, int64_t now,
                       int64_t until);
  int (*token_lifetime_get)(struct meta *m, int64_t *out, int64_t id);
  int (*org_update)(struct meta *m, int64_t org_id, const char *email, int64_t max_lifetime);
};

extern const struct ident_ops meta_sqlite_ident_ops;

#endif
