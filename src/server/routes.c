/* Every route wharf serves. The dispatcher authorizes each request against
 * the row's permission before the handler runs, so a route cannot exist
 * unchecked. Order matters only where patterns overlap: first match wins. */
#include "api/api.h"
#include "api/logs.h"
#include "api/health.h"
#include "api/prototype.h"
#include "api/team.h"
#include "registry/registry.h"
#include "server/metrics.h"
#include "server/router.h"
#include "server/ui.h"

#define MANIFEST_CAP ((size_t)4 << 20)

const struct route router_table[] = {
  /* OCI Distribution 1.1; op ids are the spec's endpoint ids */
  { "GET", "/v2/", PERM_NONE, BODY_NONE, 0, NULL, reg_base, "end-1", API_OCI, 0 },
  { "GET", "/v2/auth", PERM_NONE, BODY_NONE, 0, NULL, reg_token, "registry-token", API_OCI, 0 },
  { "GET", "/v2/_catalog", PERM_CATALOG, BODY_NONE, 0, NULL, reg_catalog, "catalog", API_OCI, 0 },
  { "GET", "/v2/{name}/tags/list", PERM_PULL, BODY_NONE, 0, NULL, reg_tags_list, "end-8", API_OCI, 0 },
  { "GET", "/v2/{name}/manifests/{reference}", PERM_PULL, BODY_NONE, 0, NULL, reg_manifest_get, "end-3", API_OCI, 0 },
  { "HEAD", "/v2/{name}/manifests/{reference}", PERM_PULL, BODY_NONE, 0, NULL, reg_manifest_head, "end-3", API_OCI, 0 },
  { "PUT", "/v2/{name}/manifests/{reference}", PERM_PUSH, BODY_BUFFER, MANIFEST_CAP, NULL, reg_manifest_put, "end-7", API_OCI, 0 },
  { "DELETE", "/v2/{name}/manifests/{reference}", PERM_DELETE, BODY_NONE, 0, NULL, reg_manifest_delete, "end-9", API_OCI, 0 },
  { "POST", "/v2/{name}/blobs/uploads/", PERM_PUSH, BODY_STREAM, 0, reg_upload_start_begin, reg_upload_start, "end-4", API_OCI, 0 },
  { "GET", "/v2/{name}/blobs/uploads/{uuid}", PERM_PUSH, BODY_NONE, 0, NULL, reg_upload_status, "end-13", API_OCI, 0 },
  { "PATCH", "/v2/{name}/blobs/uploads/{uuid}", PERM_PUSH, BODY_STREAM, 0, reg_upload_patch_begin, reg_upload_patch, "end-5", API_OCI, 0 },
  { "PUT", "/v2/{name}/blobs/uploads/{uuid}", PERM_PUSH, BODY_STREAM, 0, reg_upload_put_begin, reg_upload_put, "end-6", API_OCI, 0 },
  { "DELETE", "/v2/{name}/blobs/uploads/{uuid}", PERM_PUSH, BODY_NONE, 0, NULL, reg_upload_cancel, "cancel-upload", API_OCI, 0 },
  { "GET", "/v2/{name}/blobs/{digest}", PERM_PULL, BODY_NONE, 0, NULL, reg_blob_get, "end-2", API_OCI, 0 },
  { "HEAD", "/v2/{name}/blobs/{digest}", PERM_PULL, BODY_NONE, 0, NULL, reg_blob_head, "end-2", API_OCI, 0 },
  { "DELETE", "/v2/{name}/blobs/{digest}", PERM_DELETE, BODY_NONE, 0, NULL, reg_blob_delete, "end-10", API_OCI, 0 },
  { "GET", "/v2/{name}/referrers/{digest}", PERM_PULL, BODY_NONE, 0, NULL, reg_referrers, "end-12", API_OCI, 0 },
  /* Quay-compatible /api/v1; op ids are Quay's nicknames. {repository}
   * spans segments, so the rows with a suffix after it come before
   * repository/{repository} itself. */
#define Q(m, pat, perm, body, fn, op, scope) { m, pat, perm, body, 0, NULL, fn, op, API_QUAY, scope }
  Q("GET", "/api/v1/user/", PERM_USER, BODY_NONE, api_user_get, "getLoggedInUser", SCOPE_USER_READ),
  Q("GET", "/api/v1/user/robots", PERM_USER, BODY_NONE, api_robot_list, "getUserRobots", SCOPE_USER_ADMIN),
  Q("GET", "/api/v1/user/robots/{robot_shortname}", PERM_USER, BODY_NONE, api_robot_get, "getUserRobot", SCOPE_USER_ADMIN),
  Q("PUT", "/api/v1/user/robots/{robot_shortname}", PERM_USER, BODY_BUFFER, api_robot_put, "createUserRobot", SCOPE_USER_ADMIN),
  Q("DELETE", "/api/v1/user/robots/{robot_shortname}", PERM_USER, BODY_NONE, api_robot_delete, "deleteUserRobot", SCOPE_USER_ADMIN),
  Q("POST", "/api/v1/user/robots/{robot_shortname}/regenerate", PERM_USER, BODY_BUFFER, api_robot_regenerate, "regenerateUserRobotToken", SCOPE_USER_ADMIN),
  Q("GET", "/api/v1/user/robots/{robot_shortname}/permissions", PERM_USER, BODY_NONE, api_robot_permissions, "getUserRobotPermissions", SCOPE_USER_ADMIN),
  Q("GET", "/api/v1/user/robots/{robot_shortname}/federation", PERM_USER, BODY_NONE, api_robot_federation_get, "getUserRobotFederation", SCOPE_USER_ADMIN),
  Q("POST", "/api/v1/user/robots/{robot_shortname}/federation", PERM_USER, BODY_BUFFER, api_robot_federation_set, "createUserRobotFederation", SCOPE_USER_ADMIN),
  Q("DELETE", "/api/v1/user/robots/{robot_shortname}/federation", PERM_USER, BODY_NONE, api_robot_federation_delete, "deleteUserRobotFederation", SCOPE_USER_ADMIN),
  Q("POST", "/api/v1/organization/", PERM_USER, BODY_BUFFER, api_org_create, "createOrganization", SCOPE_USER_ADMIN),
  Q("GET", "/api/v1/organization/{orgname}", PERM_NONE, BODY_NONE, api_org_get, "getOrganization", 0),
  Q("PUT", "/api/v1/organization/{orgname}", PERM_ORG_ADMIN, BODY_BUFFER, api_org_put, "changeOrganizationDetails", SCOPE_ORG_ADMIN),
  Q("DELETE", "/api/v1/organization/{orgname}", PERM_ORG_ADMIN, BODY_NONE, api_org_delete, "deleteAdminedOrganization", SCOPE_ORG_ADMIN),
  Q("GET", "/api/v1/organization/{orgname}/robots", PERM_ORG_MEMBER, BODY_NONE, api_robot_list, "getOrgRobots", SCOPE_ORG_ADMIN),
  Q("GET", "/api/v1/organization/{orgname}/robots/{robot_shortname}", PERM_ORG_ADMIN, BODY_NONE, api_robot_get, "getOrgRobot", SCOPE_ORG_ADMIN),
  Q("PUT", "/api/v1/organization/{orgname}/robots/{robot_shortname}", PERM_ORG_ADMIN, BODY_BUFFER, api_robot_put, "createOrgRobot", SCOPE_ORG_ADMIN),
  Q("DELETE", "/api/v1/organization/{orgname}/robots/{robot_shortname}", PERM_ORG_ADMIN, BODY_NONE, api_robot_delete, "deleteOrgRobot", SCOPE_ORG_ADMIN),
  Q("POST", "/api/v1/organization/{orgname}/robots/{robot_shortname}/regenerate", PERM_ORG_ADMIN, BODY_BUFFER, api_robot_regenerate, "regenerateOrgRobotToken", SCOPE_ORG_ADMIN),
  Q("GET", "/api/v1/organization/{orgname}/robots/{robot_shortname}/permissions", PERM_ORG_ADMIN, BODY_NONE, api_robot_permissions, "getOrgRobotPermissions", SCOPE_ORG_ADMIN | SCOPE_USER_ADMIN),
  Q("GET", "/api/v1/organization/{orgname}/robots/{robot_shortname}/federation", PERM_ORG_ADMIN, BODY_NONE, api_robot_federation_get, "getOrgRobotFederation", SCOPE_ORG_ADMIN),
  Q("POST", "/api/v1/organization/{orgname}/robots/{robot_shortname}/federation", PERM_ORG_ADMIN, BODY_BUFFER, api_robot_federation_set, "createOrgRobotFederation", SCOPE_ORG_ADMIN),
  Q("DELETE", "/api/v1/organization/{orgname}/robots/{robot_shortname}/federation", PERM_ORG_ADMIN, BODY_NONE, api_robot_federation_delete, "deleteOrgRobotFederation", SCOPE_ORG_ADMIN),
  Q("GET", "/api/v1/repository/{repository}/permissions/user/", PERM_REPO_ADMIN, BODY_NONE, api_perm_user_list, "listRepoUserPermissions", SCOPE_REPO_ADMIN),
  Q("GET", "/api/v1/repository/{repository}/permissions/user/{username}", PERM_REPO_ADMIN, BODY_NONE, api_perm_user_get, "getUserPermissions", SCOPE_REPO_ADMIN),
  Q("PUT", "/api/v1/repository/{repository}/permissions/user/{username}", PERM_REPO_ADMIN, BODY_BUFFER, api_perm_user_put, "changeUserPermissions", SCOPE_REPO_ADMIN),
  Q("DELETE", "/api/v1/repository/{repository}/permissions/user/{username}", PERM_REPO_ADMIN, BODY_NONE, api_perm_user_delete, "deleteUserPermissions", SCOPE_REPO_ADMIN),
  /* teams and prototypes */
  Q("PUT", "/api/v1/organization/{orgname}/team/{teamname}", PERM_ORG_ADMIN, BODY_BUFFER, api_team_put, "updateOrganizationTeam", SCOPE_ORG_ADMIN),
  Q("DELETE", "/api/v1/organization/{orgname}/team/{teamname}", PERM_ORG_ADMIN, BODY_NONE, api_team_delete, "deleteOrganizationTeam", SCOPE_ORG_ADMIN),
  Q("GET", "/api/v1/organization/{orgname}/team/{teamname}/members", PERM_ORG_MEMBER, BODY_NONE, api_team_members, "getOrganizationTeamMembers", SCOPE_ORG_ADMIN),
  Q("PUT", "/api/v1/organization/{orgname}/team/{teamname}/members/{membername}", PERM_ORG_ADMIN, BODY_NONE, api_team_member_put, "updateOrganizationTeamMember", SCOPE_ORG_ADMIN),
  Q("DELETE", "/api/v1/organization/{orgname}/team/{teamname}/members/{membername}", PERM_ORG_ADMIN, BODY_NONE, api_team_member_delete, "deleteOrganizationTeamMember", SCOPE_ORG_ADMIN),
  Q("GET", "/api/v1/organization/{orgname}/team/{teamname}/permissions", PERM_ORG_MEMBER, BODY_NONE, api_team_permissions, "getOrganizationTeamPermissions", SCOPE_ORG_ADMIN),
  Q("GET", "/api/v1/organization/{orgname}/prototypes", PERM_ORG_ADMIN, BODY_NONE, api_proto_list, "getOrganizationPrototypePermissions", SCOPE_ORG_ADMIN),
  Q("POST", "/api/v1/organization/{orgname}/prototypes", PERM_ORG_ADMIN, BODY_BUFFER, api_proto_create, "createOrganizationPrototypePermission", SCOPE_ORG_ADMIN),
  Q("PUT", "/api/v1/organization/{orgname}/prototypes/{prototypeid}", PERM_ORG_ADMIN, BODY_BUFFER, api_proto_update, "updateOrganizationPrototypePermission", SCOPE_ORG_ADMIN),
  Q("DELETE", "/api/v1/organization/{orgname}/prototypes/{prototypeid}", PERM_ORG_ADMIN, BODY_NONE, api_proto_delete, "deleteOrganizationPrototypePermission", SCOPE_ORG_ADMIN),
  Q("GET", "/api/v1/repository/{repository}/permissions/team/", PERM_REPO_ADMIN, BODY_NONE, api_perm_team_list, "listRepoTeamPermissions", SCOPE_REPO_ADMIN),
  Q("GET", "/api/v1/repository/{repository}/permissions/team/{teamname}", PERM_REPO_ADMIN, BODY_NONE, api_perm_team_get, "getTeamPermissions", SCOPE_REPO_ADMIN),
  Q("PUT", "/api/v1/repository/{repository}/permissions/team/{teamname}", PERM_REPO_ADMIN, BODY_BUFFER, api_perm_team_put, "changeTeamPermissions", SCOPE_REPO_ADMIN),
  Q("DELETE", "/api/v1/repository/{repository}/permissions/team/{teamname}", PERM_REPO_ADMIN, BODY_NONE, api_perm_team_delete, "deleteTeamPermissions", SCOPE_REPO_ADMIN),
  /* end of teams and prototypes */
  /* audit logs (spec §5); before repository/{repository}, which would take
   * "ns/name/logs" as a repository name */
  Q("GET", "/api/v1/organization/{orgname}/logs", PERM_ORG_ADMIN, BODY_NONE, api_logs_org, "listOrgLogs", SCOPE_ORG_ADMIN),
  Q("GET", "/api/v1/organization/{orgname}/aggregatelogs", PERM_ORG_ADMIN, BODY_NONE, api_logs_org_aggregate, "getAggregateOrgLogs", SCOPE_ORG_ADMIN),
  Q("GET", "/api/v1/repository/{repository}/logs", PERM_REPO_ADMIN, BODY_NONE, api_logs_repo, "listRepoLogs", SCOPE_REPO_ADMIN),
  Q("GET", "/api/v1/repository/{repository}/aggregatelogs", PERM_REPO_ADMIN, BODY_NONE, api_logs_repo_aggregate, "getAggregateRepoLogs", SCOPE_REPO_ADMIN),
  Q("GET", "/api/v1/user/logs", PERM_USER, BODY_NONE, api_logs_user, "listUserLogs", SCOPE_USER_ADMIN),
  Q("GET", "/api/v1/user/aggregatelogs", PERM_USER, BODY_NONE, api_logs_user_aggregate, "getAggregateUserLogs", SCOPE_USER_ADMIN),
  Q("POST", "/api/v1/organization/{orgname}/exportlogs", PERM_ORG_ADMIN, BODY_BUFFER, api_logs_org_export, "exportOrgLogs", SCOPE_ORG_ADMIN),
  Q("POST", "/api/v1/repository/{repository}/exportlogs", PERM_REPO_ADMIN, BODY_BUFFER, api_logs_repo_export, "exportRepoLogs", SCOPE_REPO_ADMIN),
  Q("POST", "/api/v1/user/exportlogs", PERM_USER, BODY_BUFFER, api_logs_user_export, "exportUserLogs", SCOPE_USER_ADMIN),
  /* wharf: the export's file, for the account that asked (checked by the handler) */
  Q("GET", "/api/v1/exportedlogs/{exportid}", PERM_AUTHENTICATED, BODY_NONE, api_logs_export_get, "getExportedLogs", 0),
  /* end of audit logs */
  Q("POST", "/api/v1/repository/{repository}/changevisibility", PERM_REPO_ADMIN, BODY_BUFFER, api_repo_visibility, "changeRepoVisibility", SCOPE_REPO_ADMIN),
  Q("POST", "/api/v1/repository", PERM_USER, BODY_BUFFER, api_repo_create, "createRepo", SCOPE_REPO_CREATE),
  Q("GET", "/api/v1/repository", PERM_AUTHENTICATED, BODY_NONE, api_repo_list, "listRepos", SCOPE_REPO_READ),
  Q("GET", "/api/v1/repository/{repository}", PERM_REPO_READ, BODY_NONE, api_repo_get, "getRepo", SCOPE_REPO_READ),
  Q("PUT", "/api/v1/repository/{repository}", PERM_REPO_WRITE, BODY_BUFFER, api_repo_update, "updateRepo", SCOPE_REPO_WRITE),
  Q("DELETE", "/api/v1/repository/{repository}", PERM_REPO_ADMIN, BODY_NONE, api_repo_delete, "deleteRepository", SCOPE_REPO_ADMIN),
  /* credentials, sessions and users */
  Q("GET", "/api/v1/organization/{orgname}/applications", PERM_ORG_ADMIN, BODY_NONE, api_app_list, "getOrganizationApplications", SCOPE_ORG_ADMIN),
  Q("POST", "/api/v1/organization/{orgname}/applications", PERM_ORG_ADMIN, BODY_BUFFER, api_app_create, "createOrganizationApplication", SCOPE_ORG_ADMIN),
  Q("GET", "/api/v1/organization/{orgname}/applications/{client_id}/tokens", PERM_ORG_ADMIN, BODY_NONE, api_app_token_list, "listOrganizationApplicationTokens", SCOPE_ORG_ADMIN),
  Q("POST", "/api/v1/organization/{orgname}/applications/{client_id}/tokens", PERM_ORG_ADMIN, BODY_BUFFER, api_app_token_create, "createOrganizationApplicationToken", SCOPE_ORG_ADMIN),
  Q("DELETE", "/api/v1/organization/{orgname}/applications/{client_id}/tokens/{token_uuid}", PERM_ORG_ADMIN, BODY_NONE, api_app_token_delete, "deleteOrganizationApplicationToken", SCOPE_ORG_ADMIN),
  Q("GET", "/api/v1/organization/{orgname}/applications/{client_id}", PERM_ORG_ADMIN, BODY_NONE, api_app_get, "getOrganizationApplication", SCOPE_ORG_ADMIN),
  Q("DELETE", "/api/v1/organization/{orgname}/applications/{client_id}", PERM_ORG_ADMIN, BODY_NONE, api_app_delete, "deleteOrganizationApplication", SCOPE_ORG_ADMIN),
  { "GET", "/csrf_token", PERM_NONE, BODY_NONE, 0, NULL, api_csrf_token, "getCsrfToken", API_PLAIN, 0 },
  Q("POST", "/api/v1/signin", PERM_NONE, BODY_BUFFER, api_signin, "signinUser", 0),
  Q("POST", "/api/v1/signout", PERM_USER, BODY_NONE, api_signout, "logout", 0),
  Q("POST", "/api/v1/user/initialize", PERM_NONE, BODY_BUFFER, api_user_initialize, "initializeUser", 0),
  Q("GET", "/api/v1/superuser/users/", PERM_SUPERUSER, BODY_NONE, api_superuser_user_list, "listAllUsers", SCOPE_SUPER_USER),
  Q("POST", "/api/v1/superuser/users/", PERM_SUPERUSER, BODY_BUFFER, api_superuser_user_create, "createInstallUser", SCOPE_SUPER_USER),
  Q("GET", "/api/v1/superuser/users/{username}", PERM_SUPERUSER, BODY_NONE, api_superuser_user_get, "getInstallUser", SCOPE_SUPER_USER),
  Q("PUT", "/api/v1/superuser/users/{username}", PERM_SUPERUSER, BODY_BUFFER, api_superuser_user_put, "changeInstallUser", SCOPE_SUPER_USER),
  Q("DELETE", "/api/v1/superuser/users/{username}", PERM_SUPERUSER, BODY_NONE, api_superuser_user_delete, "deleteInstallUser", SCOPE_SUPER_USER),
  Q("GET", "/api/v1/entities/{prefix}", PERM_USER, BODY_NONE, api_entities, "getMatchingEntities", 0),
  /* discovery and error descriptions (open to anyone, as in Quay) */
  Q("GET", "/api/v1/discovery", PERM_NONE, BODY_NONE, api_discovery, "discovery", 0),
  Q("GET", "/api/v1/error/{type}", PERM_NONE, BODY_NONE, api_error_type, "getErrorDescription", 0),
  /* health, metrics, secrets: health is open to anyone (as in Quay); /metrics
   * answers loopback peers and superusers (server/metrics.c); robot secrets
   * are a wharf extension with getOrgRobot's rights */
#define P(pat, fn, op) { "GET", pat, PERM_NONE, BODY_NONE, 0, NULL, fn, op, API_PLAIN, 0 }
  P("/health/instance", api_health_instance, "healthInstance"),
  P("/health", api_health_instance, "healthInstance"),
  P("/health/endtoend", api_health_endtoend, "healthEndtoend"),
  P("/status", api_health_endtoend, "healthEndtoend"),
  P("/_internal_ping", api_internal_ping, "internalPing"),
  P("/metrics", metrics_handler, "metrics"),
  /* keyless robot federation (spec §2.4): Basic "ns+short:<OIDC JWT>", checked by the handler */
  P("/oauth2/federation/robot/token", api_robot_federation_exchange, "exchangeRobotFederationToken"),
#undef P
  Q("GET", "/api/v1/organization/{orgname}/robots/{robot_shortname}/secret", PERM_ORG_ADMIN, BODY_NONE, api_robot_secret, "getOrgRobotSecret", SCOPE_ORG_ADMIN),
  Q("GET", "/api/v1/user/robots/{robot_shortname}/secret", PERM_USER, BODY_NONE, api_robot_secret, "getUserRobotSecret", SCOPE_USER_ADMIN),
  /* end of health, metrics, secrets */
  /* robot tokens (wharf extension) */
  Q("GET", "/api/v1/organization/{orgname}/robots/{robot_shortname}/tokens", PERM_ORG_ADMIN, BODY_NONE, api_robot_tokens_list, "listOrgRobotTokens", SCOPE_ORG_ADMIN),
  Q("POST", "/api/v1/organization/{orgname}/robots/{robot_shortname}/tokens", PERM_ORG_ADMIN, BODY_BUFFER, api_robot_token_add, "createOrgRobotToken", SCOPE_ORG_ADMIN),
  Q("DELETE", "/api/v1/organization/{orgname}/robots/{robot_shortname}/tokens/{token_id}", PERM_ORG_ADMIN, BODY_NONE, api_robot_token_delete, "deleteOrgRobotToken", SCOPE_ORG_ADMIN),
  Q("GET", "/api/v1/user/robots/{robot_shortname}/tokens", PERM_USER, BODY_NONE, api_robot_tokens_list, "listUserRobotTokens", SCOPE_USER_ADMIN),
  Q("POST", "/api/v1/user/robots/{robot_shortname}/tokens", PERM_USER, BODY_BUFFER, api_robot_token_add, "createUserRobotToken", SCOPE_USER_ADMIN),
  Q("DELETE", "/api/v1/user/robots/{robot_shortname}/tokens/{token_id}", PERM_USER, BODY_NONE, api_robot_token_delete, "deleteUserRobotToken", SCOPE_USER_ADMIN),
  /* end of robot tokens */
  /* web UI (issue 10): embedded static files, open to anyone; the UI signs
   * in and calls /api/v1 like any client (server/ui.c) */
  { "GET", "/", PERM_NONE, BODY_NONE, 0, NULL, ui_index, "webUi", API_PLAIN, 0 },
  { "GET", "/ui/{asset}", PERM_NONE, BODY_NONE, 0, NULL, ui_file, "webUiAsset", API_PLAIN, 0 },
  { "HEAD", "/", PERM_NONE, BODY_NONE, 0, NULL, ui_index, "webUi", API_PLAIN, 0 },
  { "HEAD", "/ui/{asset}", PERM_NONE, BODY_NONE, 0, NULL, ui_file, "webUiAsset", API_PLAIN, 0 },
  /* end of web UI */
#undef Q
};

const size_t router_table_len = sizeof(router_table) / sizeof(router_table[0]);
