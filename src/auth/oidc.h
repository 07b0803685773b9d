#ifndef WHARF_AUTH_OIDC_H
#define WHARF_AUTH_OIDC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

/* Verifies OIDC ID tokens of external issuers (keyless robot federation,
 * issue 8): the issuer's discovery document ({iss}/.well-known/
 * openid-configuration) names its jwks_uri; both are fetched with libcurl,
 * the key set is cached per issuer and refetched when a token names an
 * unknown kid (at most once per refresh_min seconds). Only issuers the
 * caller passes are ever fetched (the caller checks them against robot
 * configuration), and http:// only for loopback hosts unless allow_http. */

struct pool;
struct oidc;

struct oidc_options {
  int allow_http;        /* 1: http:// issuers on any host */
  int64_t ttl;           /* seconds a fetched key set is used */
  int64_t refresh_min;   /* least seconds between two fetches for one issuer */
  long timeout;          /* seconds per HTTP fetch */
  int64_t leeway;        /* clock skew allowed on exp, nbf, iat */
};
#define OIDC_OPTIONS_INIT \
  { .allow_http = 0, .ttl = 600, .refresh_min = 5, .timeout = 10, .leeway = 60 }

/* Longest discovery document or key set fetched, in bytes. */
#define OIDC_DOC_MAX ((size_t)256 << 10)

/* A verifier with an empty key cache; opt NULL: OIDC_OPTIONS_INIT. Free
 * with oidc_free(). */
int oidc_new(struct oidc **out, const struct oidc_options *opt);
/* Frees o and its cache (NULL ok). */
void oidc_free(struct oidc *o);

/* 0 when url may be fetched as an issuer or key set: https://, or http://
 * to a loopback host (127.0.0.0/8, ::1, localhost) or any host with
 * allow_http; never with user info. ERR_INVALID otherwise. */
int oidc_url_ok(const char *url, int allow_http);

/* The unverified "iss" claim of token[0..len) copied into p; ERR_INVALID
 * when the token is not a JWS with a string iss. Only for picking which
 * configured issuer to verify against. */
int oidc_peek_issuer(const char **out, struct pool *p, const char *token, size_t len);

/* Verifies token[0..len) as an ID token of `issuer` at now: alg RS256 or
 * ES256 (never none or HMAC), a kid found in the issuer's key set with a
 * matching key type, a valid signature, iss equal to issuer, a string sub,
 * exp/nbf/iat within leeway, and when audience is non-NULL an aud equal to
 * it (or an array holding it). *out_claims is a new reference. ERR_DENIED
 * with *reason (static or in p, never holding the token) when refused;
 * ERR_IO when the issuer could not be reached (also with *reason). */
int oidc_verify(json_t **out_claims, const char **reason, struct pool *p, struct oidc *o,
                const char *token, size_t len, const char *issuer, const char *audience,
                int64_t now);

/* --- keys (oidc_key.c) --------------------------------------------------- */
/* The public key of one JWK for alg ("RS256": kty RSA with n, e of at least
 * 2048 bits; "ES256": kty EC, crv P-256, x, y). A JWK whose own "alg" or
 * "use" says otherwise is refused. *out is the caller's (EVP_PKEY_free).
 * ERR_INVALID when the JWK does not fit. */
int oidc_jwk_key(EVP_PKEY **out, json_t *jwk, const char *alg);
/* 0 when sig (JWS form: PKCS#1 v1.5 for RS256, raw r||s for ES256) signs
 * input[0..n) under pk with SHA-256; ERR_DENIED otherwise. */
int oidc_sig_verify(EVP_PKEY *pk, const char *alg, const unsigned char *sig, size_t siglen,
                    const char *input, size_t n);

#endif
