#ifndef WHARF_AUTH_JWT_H
#define WHARF_AUTH_JWT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Registry bearer tokens: compact JWS signed ES256 (P-256, raw r || s) with
 * the server key's derived signing key, header
 * {"alg":"ES256","typ":"JWT","kid":<keys_kid()>}; RS256 tokens under the key
 * file's RSA key (issued before the switch) still verify until they expire. Which claims a
 * token must carry (iss, sub, access, lifetime) is the caller's policy;
 * this module checks the signature and the time and audience claims. */

struct keys;

/* Longest token jwt_sign() makes and jwt_verify() looks at, in bytes. */
#define JWT_MAX_LEN 8192

/* Signs claims (borrowed, not modified) into *out, a malloc'd NUL-terminated
 * compact JWS the caller frees. ERR_TOOBIG when the token would exceed
 * JWT_MAX_LEN, ERR_INVALID when claims is not an object. */
int jwt_sign(char **out, const struct keys *k, json_t *claims);
/* Verifies token[0..len) against k at time now (seconds since the epoch),
 * allowing leeway seconds of clock skew: requires alg ES256 with kid
 * keys_kid(k) or alg RS256 with kid keys_rsa_kid(k), a valid signature, an integer exp with now - leeway < exp, nbf
 * (if present) <= now + leeway, iat (if present) <= now + leeway, and, when
 * aud is non-NULL, an aud claim equal to it (or an array containing it).
 * On success *out_claims is a new reference the caller json_decref()s.
 * ERR_INVALID for garbage (not three base64url parts of JSON objects, NUL
 * bytes, over JWT_MAX_LEN); ERR_DENIED for a well-formed token that fails
 * any check. */
int jwt_verify(json_t **out_claims, const struct keys *k, const char *token, size_t len,
               const char *aud, int64_t now, int64_t leeway);
/* A compact JWS split and decoded, not verified: header and claims are JSON
 * objects, sig the raw signature, and the signing input is the token's
 * first signed_len bytes. Release with jwt_parts_free(). */
struct jwt_parts {
  json_t *header;
  json_t *claims;
  unsigned char *sig;
  size_t siglen;
  size_t signed_len;
};
/* Splits and decodes token[0..len) into *out (nothing verified). ERR_INVALID
 * for garbage (as jwt_verify()), ERR_NOMEM. */
int jwt_parse(struct jwt_parts *out, const char *token, size_t len);
/* Releases what jwt_parse() filled in and zeroes j. */
void jwt_parts_free(struct jwt_parts *j);
/* jwt_verify()'s claim checks alone (exp required, nbf, iat, aud when
 * non-NULL) at now with leeway seconds of skew: 0 or ERR_DENIED. */
int jwt_check_claims(json_t *claims, const char *aud, int64_t now, int64_t leeway);
/* The public signing key as a JWK {"kty":"EC","crv":"P-256","alg":"ES256",
 * "use":"sig","kid","x","y"} for key discovery endpoints; *out is a new
 * reference. */
int jwt_public_jwk(json_t **out, const struct keys *k);

#endif
