#ifndef WHARF_API_ROBOT_AUDIT_H
#define WHARF_API_ROBOT_AUDIT_H

#include <stdint.h>

#include "server/req.h"
#include "store/ident.h"

/* Audit entries of the robot token lifecycle (wharf's kinds, docs/audit.md):
 * in the log of the robot's owner, with "robot" = its short name as Quay's
 * robot kinds have it. Never a token: ids, labels and times only. A failure
 * to record is logged by req_audit(), never an error response. */

/* After a change of enabled / allowed_ips: enable_robot or disable_robot
 * when robot->enabled differs from was_enabled, change_robot_allowed_ips
 * when robot->allowed_cidrs differs from was_allowed (NULL and "" are none). */
void robot_audit_access(struct req *r, const struct ident_account *robot, int was_enabled,
                        const char *was_allowed);
/* create_robot_token or revoke_robot_token (kind) of token token_id with its
 * label (NULL: none) and expiry (0: never). */
void robot_audit_token(struct req *r, const struct ident_account *robot, const char *kind,
                       int64_t token_id, const char *label, int64_t expires_at);
/* regenerate_robot_token; with a grace period (prev_until > 0, the time the
 * previous tokens stop) adds grace_period (seconds) and
 * previous_token_expires_at. */
void robot_audit_regenerate(struct req *r, const struct ident_account *robot, int64_t prev_until);

#endif
