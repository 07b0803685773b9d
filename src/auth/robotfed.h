#ifndef WHARF_AUTH_ROBOTFED_H
#define WHARF_AUTH_ROBOTFED_H

#include <stdint.h>

/* The short-lived robot tokens of a keyless federation exchange (issue 8,
 * spec §2.4): a JWT signed with the server key, {"iss":"quay","sub":
 * "ns+short","aud":host, 1 hour, "wharf":{"acct","fed":1,"fiss","fsub"}},
 * accepted as the robot's password while it lives, the robot is enabled
 * and its federation configuration still holds {fiss, fsub}. Nothing is
 * stored per token. */

struct app;
struct pool;
struct ident_account;

/* Lifetime of a federated robot token, in seconds. */
#define ROBOTFED_LIFETIME 3600

/* Signs a token for robot issued at now because issuer/subject proved who
 * is asking, living ROBOTFED_LIFETIME or the owner organization's maximum
 * robot token lifetime if shorter; *out (malloc'd) and its expiry *out_exp. */
int robotfed_mint(char **out, int64_t *out_exp, struct app *app,
                  const struct ident_account *robot, const char *aud, const char *issuer,
                  const char *subject, int64_t now);
/* Whether secret is shaped like a JWT (and so never a 64-character robot token). */
int robotfed_looks(const char *secret);
/* Checks secret as a federated token of robot `user` at now: 0 with the
 * robot's account id and the token's expiry, or ERR_DENIED with *reason
 * (static or in p); other ERR_* for store failures. */
int robotfed_check(int64_t *out_acct, int64_t *out_exp, const char **reason, struct app *app,
                   struct pool *p, const char *user, const char *secret, int64_t now);

#endif
