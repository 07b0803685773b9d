/* The SQL of every identity statement (store/ident.h): accounts,
 * credentials, permissions, teams, prototypes, OAuth apps, tokens and
 * sessions, indexed by enum sq_stmt from SQ_IDENT_FIRST. The operations are
 * in sqlite_ident.c, sqlite_team.c, sqlite_apicred.c and sqlite_robotcred.c.
 * Every statement runs on SQLite and on PostgreSQL (see sqlite_ident.c's
 * header for the dialect rules). */
#include "store/sqlite_int.h"
#define ACCOUNT_COLS                                                                     \
  "id, kind, name, email, password_hash, is_superuser, enabled, owner_id, description, " \
  "metadata_json, created_at, last_accessed, allowed_cidrs"
#define CRED_COLS "id, account_id, kind, idx, secret_enc, scopes, name, created_at, expires_at"
#define REPO_COLS "id, name, is_public, description"
#define PERM_SELECT                                                                \
  "SELECT p.repo_id, r.name, r.is_public, a.id, a.name, a.kind, p.role "           \
  "FROM repo_perm p JOIN repo r ON r.id = p.repo_id JOIN account a ON a.id = p.account_id "
#define TEAM_SELECT                                                                      \
  "SELECT t.id, t.org_id, t.name, t.role, t.description, "                               \
  "(SELECT COUNT(*) FROM team_member m WHERE m.team_id = t.id), "                        \
  "(SELECT COUNT(*) FROM repo_perm p WHERE p.team_id = t.id) FROM team t "
#define TEAM_PERM_SELECT                                                                 \
  "SELECT p.repo_id, r.name, r.is_public, t.id, t.name, p.role "                         \
  "FROM repo_perm p JOIN repo r ON r.id = p.repo_id JOIN team t ON t.id = p.team_id "
#define PROTO_SELECT                                                                     \
  "SELECT pr.id, pr.org_id, pr.activating_account_id, act.name, act.kind, "              \
  "pr.delegate_account_id, del.name, del.kind, pr.delegate_team_id, t.name, pr.role "    \
  "FROM prototype pr LEFT JOIN account act ON act.id = pr.activating_account_id "        \
  "LEFT JOIN account del ON del.id = pr.delegate_account_id "                            \
  "LEFT JOIN team t ON t.id = pr.delegate_team_id "

#define APP_COLS                                                                          \
  "id, org_id, client_id, secret_enc, name, description, redirect_uri, application_uri, " \
  "avatar_email, created_at"

const char *const sq_ident_sql[SQ__COUNT - SQ_IDENT_FIRST] = {
#define S(id) [id - SQ_IDENT_FIRST]
  /* owner_id 0 stores NULL (not a robot) */
  S(SQ_ACCOUNT_INSERT) = "INSERT INTO account(kind, name, email, password_hash, is_superuser, "
                         "enabled, owner_id, description, metadata_json, created_at, "
                         "last_accessed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULLIF(?7, 0), ?8, ?9, "
                         "?10, ?11) RETURNING id",
  S(SQ_ACCOUNT_GET) = "SELECT " ACCOUNT_COLS " FROM account WHERE id = ?1",
  S(SQ_ACCOUNT_BY_NAME) = "SELECT " ACCOUNT_COLS " FROM account WHERE name = ?1",
  S(SQ_ACCOUNT_KIND) = "SELECT kind FROM account WHERE id = ?1",
  S(SQ_ROBOT_UPDATE) = "UPDATE account SET description = COALESCE(?2, description), "
                       "metadata_json = COALESCE(?3, metadata_json) WHERE id = ?1 AND kind = 3",
  S(SQ_USER_SET_PASSWORD) = "UPDATE account SET password_hash = ?2 WHERE id = ?1 AND kind = 1",
  /* never moves backwards when two requests race */
  S(SQ_ACCOUNT_TOUCH) = "UPDATE account SET last_accessed = CASE WHEN last_accessed < ?2 "
                        "THEN ?2 ELSE last_accessed END WHERE id = ?1",
  S(SQ_ACCOUNT_DELETE) = "DELETE FROM account WHERE id = ?1",
  S(SQ_USER_COUNT) = "SELECT COUNT(*) FROM account WHERE kind = 1",
  S(SQ_ROBOT_LIST) = "SELECT " ACCOUNT_COLS " FROM account WHERE owner_id = ?1 AND kind = 3 "
                     "ORDER BY name LIMIT ?2",
  S(SQ_ACCOUNT_SEARCH) = "SELECT " ACCOUNT_COLS " FROM account WHERE name >= ?1 AND name < ?2 "
                         "ORDER BY name LIMIT ?3",
  S(SQ_ACCOUNT_SEARCH_OPEN) = "SELECT " ACCOUNT_COLS " FROM account WHERE name >= ?1 "
                              "ORDER BY name LIMIT ?2",
  S(SQ_CRED_INSERT) = "INSERT INTO credential(account_id, kind, idx, secret_enc, scopes, name, "
                      "created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                      "RETURNING id",
  S(SQ_CRED_BY_INDEX) = "SELECT " CRED_COLS " FROM credential WHERE idx = ?1",
  S(SQ_CRED_GET) = "SELECT " CRED_COLS " FROM credential WHERE id = ?1",
  S(SQ_CRED_LATEST) = "SELECT " CRED_COLS " FROM credential WHERE account_id = ?1 AND kind = ?2 "
                      "ORDER BY created_at DESC, id DESC LIMIT 1",
  S(SQ_CRED_DELETE_KIND) = "DELETE FROM credential WHERE account_id = ?1 AND kind = ?2",
  S(SQ_CRED_DELETE) = "DELETE FROM credential WHERE id = ?1",
  S(SQ_IREPO_GET) = "SELECT " REPO_COLS " FROM repo WHERE name = ?1",
  S(SQ_IREPO_SET_PUBLIC) = "UPDATE repo SET is_public = ?2 WHERE id = ?1",
  S(SQ_IREPO_SET_DESCRIPTION) = "UPDATE repo SET description = ?2 WHERE id = ?1",
  S(SQ_IREPO_LIST_RANGE) = "SELECT " REPO_COLS " FROM repo WHERE name > ?1 AND name < ?2 "
                           "ORDER BY name LIMIT ?3",
  /* tags, manifests (and their refs), blob links, uploads and permissions
   * all reference repo(id) ON DELETE CASCADE */
  S(SQ_IREPO_DELETE) = "DELETE FROM repo WHERE id = ?1",
  S(SQ_PERM_UPSERT) = "INSERT INTO repo_perm(repo_id, account_id, team_id, role) "
                      "VALUES (?1, ?2, NULL, ?3) ON CONFLICT (repo_id, account_id) "
                      "DO UPDATE SET role = excluded.role",
  S(SQ_PERM_DELETE) = "DELETE FROM repo_perm WHERE repo_id = ?1 AND account_id = ?2",
  S(SQ_PERM_GET) = "SELECT role FROM repo_perm WHERE repo_id = ?1 AND account_id = ?2",
  S(SQ_PERM_LIST_REPO) = PERM_SELECT "WHERE p.repo_id = ?1 ORDER BY a.name",
  S(SQ_PERM_LIST_ACCOUNT) = PERM_SELECT "WHERE p.account_id = ?1 ORDER BY r.name",
  /* RETURNING yields the row whether it was inserted or updated */
  S(SQ_TEAM_UPSERT) = "INSERT INTO team(org_id, name, role, description) "
                      "VALUES (?1, ?2, ?3, COALESCE(?4, '')) ON CONFLICT (org_id, name) "
                      "DO UPDATE SET role = excluded.role, "
                      "description = COALESCE(?4, team.description) RETURNING id",
  S(SQ_TEAM_MEMBER_INSERT) = "INSERT INTO team_member(team_id, account_id) VALUES (?1, ?2)",
  S(SQ_TEAM_MEMBER_DELETE) = "DELETE FROM team_member WHERE team_id = ?1 AND account_id = ?2",
  /* One indexed query per registry request. Branches: direct permission;
   * permissions of the account's teams; admin teams of the org owning the
   * repository; a user's own namespace. The namespace test is a range on
   * the repository name (account names hold no '/'), so every branch starts
   * from a primary key or the team_member(account_id) index. */
  S(SQ_EFFECTIVE_ROLE) =
    "SELECT COALESCE(MAX(x.role), 0) FROM ("
    " SELECT p.role AS role FROM repo_perm p WHERE p.repo_id = ?2 AND p.account_id = ?1"
    " UNION ALL"
    " SELECT p.role FROM team_member tm JOIN repo_perm p ON p.team_id = tm.team_id"
    "  WHERE tm.account_id = ?1 AND p.repo_id = ?2"
    " UNION ALL"
    " SELECT 3 FROM team_member tm JOIN team t ON t.id = tm.team_id"
    "  JOIN account o ON o.id = t.org_id JOIN repo r ON r.id = ?2"
    "  WHERE tm.account_id = ?1 AND t.role = 3"
    "  AND r.name > (o.name || '/') AND r.name < (o.name || '0')"
    " UNION ALL"
    " SELECT 3 FROM account a JOIN repo r ON r.id = ?2"
    "  WHERE a.id = ?1 AND a.kind = 1"
    "  AND r.name > (a.name || '/') AND r.name < (a.name || '0')"
    ") AS x",
  S(SQ_ORG_ROLE) = "SELECT COALESCE(MAX(t.role), 0) FROM team_member tm "
                   "JOIN team t ON t.id = tm.team_id WHERE tm.account_id = ?1 AND t.org_id = ?2",
  /* --- teams and prototypes: sqlite_team.c --- */
  S(SQ_TEAM_GET) = TEAM_SELECT "WHERE t.org_id = ?1 AND t.name = ?2",
  S(SQ_TEAM_LIST) = TEAM_SELECT "WHERE t.org_id = ?1 ORDER BY t.name",
  /* memberships, team permissions and prototypes cascade */
  S(SQ_TEAM_DELETE) = "DELETE FROM team WHERE id = ?1",
  S(SQ_TEAM_MEMBERS) = "SELECT " ACCOUNT_COLS " FROM account WHERE id IN "
                       "(SELECT account_id FROM team_member WHERE team_id = ?1) ORDER BY name",
  S(SQ_TEAM_LIST_MEMBER) = TEAM_SELECT "JOIN team_member tm ON tm.team_id = t.id "
                           "WHERE t.org_id = ?1 AND tm.account_id = ?2 ORDER BY t.name",
  S(SQ_TEAM_ORG) = "SELECT org_id FROM team WHERE id = ?1",
  /* 1 if account ?1 may act inside org ?2: a user, or a robot the org owns */
  S(SQ_ACCOUNT_IN_ORG) = "SELECT CASE WHEN kind = 1 OR (kind = 3 AND owner_id = ?2) THEN 1 "
                         "ELSE 0 END FROM account WHERE id = ?1",
  /* 1 if repository ?2 is in the namespace of team ?1's org */
  S(SQ_TEAM_REPO_CHECK) = "SELECT CASE WHEN r.name > (o.name || '/') AND r.name < (o.name || '0') "
                          "THEN 1 ELSE 0 END FROM team t JOIN account o ON o.id = t.org_id "
                          "JOIN repo r ON r.id = ?2 WHERE t.id = ?1",
  S(SQ_TEAM_PERM_UPSERT) = "INSERT INTO repo_perm(repo_id, account_id, team_id, role) "
                           "VALUES (?1, NULL, ?2, ?3) ON CONFLICT (repo_id, team_id) "
                           "DO UPDATE SET role = excluded.role",
  S(SQ_TEAM_PERM_DELETE) = "DELETE FROM repo_perm WHERE repo_id = ?1 AND team_id = ?2",
  S(SQ_TEAM_PERM_LIST_REPO) = TEAM_PERM_SELECT "WHERE p.repo_id = ?1 ORDER BY t.name",
  S(SQ_TEAM_PERM_LIST_TEAM) = TEAM_PERM_SELECT "WHERE p.team_id = ?1 ORDER BY r.name",
  S(SQ_PROTO_INSERT) = "INSERT INTO prototype(org_id, activating_account_id, "
                       "delegate_account_id, delegate_team_id, role) VALUES (?1, NULLIF(?2, 0), "
                       "NULLIF(?3, 0), NULLIF(?4, 0), ?5) RETURNING id",
  S(SQ_PROTO_LIST) = PROTO_SELECT "WHERE pr.org_id = ?1 ORDER BY pr.id",
  S(SQ_PROTO_GET) = PROTO_SELECT "WHERE pr.org_id = ?1 AND pr.id = ?2",
  S(SQ_PROTO_SET_ROLE) = "UPDATE prototype SET role = ?3 WHERE org_id = ?1 AND id = ?2",
  S(SQ_PROTO_DELETE) = "DELETE FROM prototype WHERE org_id = ?1 AND id = ?2",
  /* 1 if repository ?1 is in the namespace of org ?2 */
  S(SQ_PROTO_REPO_CHECK) = "SELECT CASE WHEN o.kind = 2 AND r.name > (o.name || '/') "
                           "AND r.name < (o.name || '0') THEN 1 ELSE 0 END "
                           "FROM repo r JOIN account o ON o.id = ?2 WHERE r.id = ?1",
  /* One row per delegate (GROUP BY: PostgreSQL refuses to upsert a row
   * twice in one statement); an existing permission is never lowered. */
  S(SQ_PROTO_APPLY_ACCOUNTS) =
    "INSERT INTO repo_perm(repo_id, account_id, team_id, role) "
    "SELECT ?1, pr.delegate_account_id, NULL, MAX(pr.role) FROM prototype pr "
    "WHERE pr.org_id = ?2 AND pr.delegate_account_id IS NOT NULL "
    "AND (pr.activating_account_id IS NULL OR pr.activating_account_id = ?3) "
    "GROUP BY pr.delegate_account_id ON CONFLICT (repo_id, account_id) DO UPDATE SET role = "
    "CASE WHEN excluded.role > repo_perm.role THEN excluded.role ELSE repo_perm.role END",
  S(SQ_PROTO_APPLY_TEAMS) =
    "INSERT INTO repo_perm(repo_id, account_id, team_id, role) "
    "SELECT ?1, NULL, pr.delegate_team_id, MAX(pr.role) FROM prototype pr "
    "WHERE pr.org_id = ?2 AND pr.delegate_team_id IS NOT NULL "
    "AND (pr.activating_account_id IS NULL OR pr.activating_account_id = ?3) "
    "GROUP BY pr.delegate_team_id ON CONFLICT (repo_id, team_id) DO UPDATE SET role = "
    "CASE WHEN excluded.role > repo_perm.role THEN excluded.role ELSE repo_perm.role END",
  /* --- OAuth apps, API tokens, sessions, user administration:
   * sqlite_apicred.c --- */
  S(SQ_APP_INSERT) = "INSERT INTO oauth_app(org_id, client_id, secret_enc, name, description, "
                     "redirect_uri, application_uri, avatar_email, created_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
  S(SQ_APP_GET) = "SELECT " APP_COLS " FROM oauth_app WHERE org_id = ?1 AND client_id = ?2",
  S(SQ_APP_LIST) = "SELECT " APP_COLS " FROM oauth_app WHERE org_id = ?1 ORDER BY id",
  /* the app's credentials cascade */
  S(SQ_APP_DELETE) = "DELETE FROM oauth_app WHERE id = ?1",
  S(SQ_TOKEN_COUNT_LIVE) = "SELECT COUNT(*) FROM credential WHERE app_id = ?1 "
                           "AND (expires_at = 0 OR expires_at > ?2)",
  S(SQ_TOKEN_INSERT) = "INSERT INTO credential(account_id, kind, idx, secret_enc, scopes, name, "
                       "created_at, expires_at, uuid, app_id) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULLIF(?10, 0)) RETURNING id",
  S(SQ_TOKEN_LIST) = "SELECT c.id, c.account_id, a.name, c.app_id, c.uuid, c.name, c.scopes, "
                     "c.created_at, c.expires_at, c.last_accessed "
                     "FROM credential c JOIN account a ON a.id = c.account_id "
                     "WHERE c.app_id = ?1 AND c.kind = 2 AND (c.expires_at = 0 "
                     "OR c.expires_at > ?2) AND c.id > ?3 ORDER BY c.id LIMIT ?4",
  S(SQ_TOKEN_DELETE) = "DELETE FROM credential WHERE app_id = ?1 AND uuid = ?2 AND kind = 2",
  S(SQ_TOKEN_LAST_USED) = "SELECT last_accessed FROM credential WHERE id = ?1",
  /* never moves backwards when two requests race */
  S(SQ_TOKEN_TOUCH) = "UPDATE credential SET last_accessed = ?2 "
                      "WHERE id = ?1 AND last_accessed < ?2",
  S(SQ_RCRED_LIST) = "SELECT " CRED_COLS ", last_accessed FROM credential "
                     "WHERE account_id = ?1 AND kind = ?2 ORDER BY id LIMIT 1000",
  S(SQ_RCRED_CAP) = "UPDATE credential SET expires_at = ?4 WHERE account_id = ?1 AND kind = ?2 "
                    "AND id <> ?3 AND (expires_at = 0 OR expires_at > ?4)",
  S(SQ_ROBOT_SET_ACCESS) = "UPDATE account SET enabled = CASE WHEN ?2 < 0 THEN enabled ELSE ?2 "
                           "END, allowed_cidrs = COALESCE(?3, allowed_cidrs) "
                           "WHERE id = ?1 AND kind = 3",
  S(SQ_ROBOT_FED_GET) = "SELECT federation FROM account WHERE id = ?1 AND kind = 3",
  S(SQ_ROBOT_FED_SET) = "UPDATE account SET federation = ?2 WHERE id = ?1 AND kind = 3",
  S(SQ_RCRED_EXPIRING) = "SELECT COUNT(*) FROM credential WHERE kind = ?1 AND expires_at > ?2 "
                         "AND expires_at <= ?3",
  S(SQ_LIFETIME_GET) = "SELECT max_token_lifetime FROM account WHERE id = ?1",
  S(SQ_ORG_UPDATE) = "UPDATE account SET email = COALESCE(?2, email), max_token_lifetime = "
                     "CASE WHEN ?3 < 0 THEN max_token_lifetime ELSE ?3 END "
                     "WHERE id = ?1 AND kind = 2",
  S(SQ_SESSION_PURGE) = "DELETE FROM web_session WHERE expires_at <= ?1",
  S(SQ_SESSION_INSERT) = "INSERT INTO web_session(idx, account_id, pwv, created_at, expires_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5)",
  S(SQ_SESSION_GET) = "SELECT idx, account_id, pwv, created_at, expires_at FROM web_session "
                      "WHERE idx = ?1",
  S(SQ_SESSION_DELETE_ACCOUNT) = "DELETE FROM web_session WHERE account_id = ?1",
  S(SQ_ACCOUNT_SEARCH_KIND) = "SELECT " ACCOUNT_COLS " FROM account WHERE name >= ?2 "
                              "AND name < ?3 AND kind = ?1 ORDER BY name LIMIT ?4",
  S(SQ_ACCOUNT_SEARCH_KIND_OPEN) = "SELECT " ACCOUNT_COLS " FROM account WHERE name >= ?2 "
                                   "AND kind = ?1 ORDER BY name LIMIT ?3",
  S(SQ_USER_UPDATE) = "UPDATE account SET email = COALESCE(?2, email), "
                      "enabled = CASE WHEN ?3 < 0 THEN enabled ELSE ?3 END, "
                      "is_superuser = CASE WHEN ?4 < 0 THEN is_superuser ELSE ?4 END "
                      "WHERE id = ?1 AND kind = 1",
#undef S
};
