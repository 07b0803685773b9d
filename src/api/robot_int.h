#ifndef WHARF_API_ROBOT_INT_H
#define WHARF_API_ROBOT_INT_H

/* Shared between robot.c (Quay's robot endpoints) and robot_token.c (the
 * wharf token lifecycle of issue 8). Functions taking a req respond on
 * failure and return -1 then. */

#include <stdint.h>

#include "api/api.h"
#include "auth/token.h"

/* The namespace owning the robots of this route. */
int robot_ns(struct req *r, struct ident_account *ns, int *is_admin);
/* Looks up {robot_shortname} of ns; 400 {"message"} when there is none. */
int robot_find(struct req *r, struct ident_account *out, const struct ident_account *ns);

/* The robot PUT body's wharf extensions. */
struct robot_ext {
  int enabled;             /* -1: not given */
  const char *allowed;     /* normalized comma-separated CIDRs ("" none); NULL: not given */
  int64_t expires_at;      /* token_expiration as a time; 0: none */
};
/* Parses enabled, allowed_ips and token_expiration of the request body. */
int robot_ext_body(struct req *r, struct robot_ext *out);
/* The owner's maximum token lifetime (organization setting, 0: none) on
 * *exp: no expiry asked (0) becomes the maximum, a later one is refused
 * with 400 (returns -1 then, having responded). */
int robot_expiry_policy(struct req *r, int64_t *exp, int64_t owner_id);
/* Stores enabled/allowed_ips when given; 0 or ERR_*, robot re-read on change. */
int robot_ext_apply(struct req *r, struct ident_account *robot, const struct robot_ext *ext);

/* Whether robot tokens are shown only once (config robot_tokens: show_once):
 * then only their HMAC index is stored, never an encrypted copy. */
int robot_show_once(const struct app *app);
/* Draws a fresh token for robot_id (label NULL: none; expires_at 0: never);
 * with replace it becomes the robot's only token. *out_id (may be NULL) and,
 * when out_token is not NULL, the token in clear (caller cleanses). */
int robot_token_make(struct app *app, int64_t *out_id, char *out_token, int64_t robot_id,
                     const char *label, int64_t expires_at, int replace);
/* The robot's newest token that has not expired; ERR_NOTFOUND. */
int robot_cred_current(struct ident_cred *out, struct req *r, int64_t robot_id);
/* Adds enabled, allowed_ips, expires_at and expires_soon to robot JSON j. */
int robot_json_ext(json_t *j, struct req *r, const struct ident_account *robot);
/* The new token of a regenerate, in clear into out_token[TOKEN_LEN + 1]
 * (caller cleanses): with grace_period (body or query, seconds) the
 * previous tokens keep working until *out_until (0 without grace).
 * 0, 1 when it responded (bad input), or ERR_*. */
int robot_rotate(struct req *r, int64_t *out_until, char *out_token,
                 const struct ident_account *robot);
/* 200 with robot JSON, the fresh token and previous_token_expires_at. */
int robot_respond_rotated(struct req *r, const struct ident_account *robot, int64_t until,
                          const char *token);

#endif
