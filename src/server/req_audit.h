#ifndef WHARF_SERVER_REQ_AUDIT_H
#define WHARF_SERVER_REQ_AUDIT_H

#include <jansson.h>

#include "server/req.h"

/* Audit events from requests (audit/audit.h, spec §5): the performer is
 * r->principal (a snapshot of its name), the address r->client_ip, the user
 * agent the request's, the time now. Handlers call these after the action
 * succeeded, before responding. A failure to record is logged, never
 * turned into an error response. Metadata never holds a secret. */

/* Records `kind` in the log of namespace ns (NULL: repo's namespace) about
 * repository repo (full "ns/name", NULL: none). md (consumed; NULL: {}) is
 * the kind's metadata; an API token performer adds oauth_token_id. */
int req_audit(struct req *r, const char *kind, const char *ns, const char *repo, json_t *md);
/* req_audit() for a repository event: md (consumed; NULL: {}) gets Quay's
 * "repo" (the name without namespace) and "namespace". */
int req_audit_repo(struct req *r, const char *kind, const char *repo, json_t *md);
/* A registry event on {name} (pull_repo, push_repo, delete_tag, their
 * _failed forms) with Quay's metadata: repo, namespace, user-agent, tag
 * and/or manifest_digest, mediaType (each NULL: left out), and the
 * performer's username (is_robot for robots). */
int req_audit_registry(struct req *r, const char *kind, const char *tag, const char *digest,
                       const char *media_type);
/* login_success of GET /v2/auth without a scope (docker login), for an
 * authenticated caller. */
int req_audit_login(struct req *r);
/* Called by the dispatcher when it refuses a request (401/403): records
 * login_failure on /v2/auth (with reason, the user name tried, never the
 * secret), pull_repo_failed on manifest GET/HEAD and push_repo_failed on
 * manifest PUT and upload start; nothing on other routes. */
void req_audit_denied(struct req *r, const char *reason);

#endif
