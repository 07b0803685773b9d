#ifndef WHARF_AUTH_TOKENCACHE_H
#define WHARF_AUTH_TOKENCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"

/* Verified registry JWTs, per process. Verifying a bearer token (base64,
 * JSON, ECDSA or RSA) is done once per distinct token; the result is kept
 * under SHA-256 of the token until the token expires. Only the crypto and
 * parsing are cached: whether the account and credential behind the token
 * are still valid is for the caller to check on every request (DESIGN.md:
 * a revocation takes effect at once), which is why nothing here can outlive
 * a revocation. Bounded: set-associative, 8 ways per set, least recently
 * used way evicted; one mutex per set, so threads rarely meet. */
struct tokencache;
struct keys;
struct pool;

/* Default number of entries: tokens of this many concurrent clients stay
 * verified. An entry is ~100 bytes plus the token's grants. */
#define TOKENCACHE_DEFAULT 2048

/* What a request needs from a registry token's claims. */
struct regtoken {
  int64_t exp;               /* "exp" */
  int64_t acct;              /* wharf.acct: account id, 0 for anonymous */
  int64_t cred;              /* wharf.cred: credential id, 0 for a password/federated login */
  int tok;                   /* wharf.tok: minted from an API token */
  unsigned scopes;           /* wharf.scopes */
  const char *pwv;           /* wharf.pwv, or NULL */
  const char *cix;           /* wharf.cix: the credential's index prefix, or NULL */
  const struct grant *grants; /* "access" as grants */
  size_t ngrants;
};

/* New cache of about entries entries (rounded up to a multiple of 8; 0: the
 * default); free with tokencache_free(). ERR_NOMEM. */
int tokencache_new(struct tokencache **out, size_t entries);
/* Frees c and its entries. NULL ok. */
void tokencache_free(struct tokencache *c);

/* The verified claims of registry token token[0..len) at time now into *out
 * (strings and grants allocated in p): from c when this token was verified
 * before and has not expired, otherwise jwt_verify() under k with leeway
 * seconds of skew, then the registry's own checks (iss "quay", a subject,
 * iat <= exp <= iat + max_lifetime), then remembered in c. c NULL: no
 * caching. ERR_DENIED for any token that does not verify, ERR_NOMEM. */
int tokencache_verify(struct regtoken *out, struct tokencache *c, const struct keys *k,
                      struct pool *p, const char *token, size_t len, int64_t now, int64_t leeway,
                      int64_t max_lifetime);

/* Hits and misses (verifications) since c was made, for tests and metrics. */
void tokencache_stats(const struct tokencache *c, uint64_t *hits, uint64_t *misses);

#endif
