#ifndef WHARF_AUTH_APITOKEN_H
#define WHARF_AUTH_APITOKEN_H

#include <stddef.h>
#include <stdint.h>

/* API (OAuth-style) tokens (spec §1, §4.5): 40 random characters that act
 * for their user, capped by their scopes. Show-once: the store keeps only
 * keys_index() of the token, so checking one is a single indexed lookup and
 * nobody can read it back. Minted by the org application API, by
 * user/initialize and by `wharf token create`. */

struct keys;
struct meta;
struct pool;

/* Length of a token. */
#define APITOKEN_LEN 40
/* Longest lifetime a token gets, and the default: ten years (Quay's). */
#define APITOKEN_MAX_LIFETIME ((int64_t)315576000)

/* Normalizes a scope string as Quay does: commas become spaces, duplicates
 * go, order stays. *out (pool) is the space-separated result and *out_bits
 * its SCOPE_* bits with implied scopes. ERR_INVALID when empty or a name is
 * unknown; *bad then names it (pool copy, "" when empty). */
int apitoken_scope_normalize(const char **out, unsigned *out_bits, const char **bad,
                             struct pool *p, const char *s);

/* What to mint. */
struct apitoken_req {
  int64_t account_id;    /* the user the token acts for */
  const char *scopes;    /* normalized scope string */
  const char *name;      /* label; NULL for none */
  int64_t app_id;        /* OAuth app it belongs to; 0: none */
  int64_t expires_at;    /* 0: never */
  size_t max_live;       /* refuse (ERR_TOOBIG) when the app has this many live tokens */
};

/* Mints and stores a token: writes it to out (the only copy: show it once,
 * never log it) and its uuid to out_uuid; *out_cred_id (may be NULL) gets
 * the credential id. ERR_TOOBIG over max_live, ERR_NOTFOUND for an unknown
 * account or app, other ERR_* from the store. */
int apitoken_mint(char out[APITOKEN_LEN + 1], char out_uuid[37], int64_t *out_cred_id,
                  struct meta *m, const struct keys *k, const struct apitoken_req *rq);

#endif
