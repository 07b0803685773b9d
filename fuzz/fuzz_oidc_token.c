/* OIDC ID tokens of robot federation (auth/oidc.h oidc_verify and
 * oidc_peek_issuer) against a fixed world: two issuers whose discovery
 * documents and key sets are served once, at start-up, by a loopback HTTP
 * proxy thread (http_proxy points libcurl at it, so issuer URLs are fixed
 * strings and nothing leaves the machine; the key cache then never
 * refetches: ttl and refresh_min are huge and the clock is fixed).
 * Byte 0 mod 2:
 *   0: the rest is a client's token for issuer A, whose keys never sign
 *      anything: it must be refused (ERR_DENIED, with a reason), never
 *      verified and never cause a fetch;
 *   1: byte 1 picks alg (RS256/ES256), a right or wrong kid, an audience
 *      and a clock offset; the rest is a claims text, signed by issuer B's
 *      key: the outcome must follow oidc.h's rules (iss, sub, exp/nbf/iat
 *      with leeway, aud) exactly. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "auth/oidc.h"
#include "helpers.h"
#include "util/base64.h"
#include "util/err.h"
#include "util/pool.h"

#define NOW 1700000000
#define LEEWAY 60
#define AUD "wharf"
#define ISS_A "http://a.issuer.example"
#define ISS_B "http://b.issuer.example"

struct issuer_keys {
  EVP_PKEY *rsa, *ec;
  char *disc, *jwks; /* documents served */
};

static struct issuer_keys ka, kb;
static struct oidc *verifier;
static atomic_int requests;
static int listen_fd = -1;

static char *b64url(const void *d, size_t n)
{
  char *s = NULL;
  if (base64_encode(&s, d, n, BASE64_URL) != 0)
    abort();
  return s;
}

static char *bn_b64(EVP_PKEY *pk, const char *name)
{
  BIGNUM *bn = NULL;
  unsigned char buf[512];
  if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1)
    abort();
  int n = BN_bn2bin(bn, buf);
  BN_free(bn);
  return b64url(buf, (size_t)n);
}

/* JWKS of an issuer: its two keys plus two a verifier must refuse. */
static void make_issuer(struct issuer_keys *k, const char *iss)
{
  k->rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
  k->ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  EVP_PKEY *weak = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
  if (!k->rsa || !k->ec || !weak)
    abort();
  unsigned char pub[65];
  size_t pl = 0;
  if (EVP_PKEY_get_octet_string_param(k->ec, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &pl) != 1 ||
      pl != 65)
    abort();
  char *n = bn_b64(k->rsa, OSSL_PKEY_PARAM_RSA_N), *e = bn_b64(k->rsa, OSSL_PKEY_PARAM_RSA_E);
  char *wn = bn_b64(weak, OSSL_PKEY_PARAM_RSA_N);
  char *x = b64url(pub + 1, 32), *y = b64url(pub + 33, 32);
  json_t *jwks = json_pack(
    "{s:[{s:s,s:s,s:s,s:s,s:s,s:s}, {s:s,s:s,s:s,s:s,s:s}, {s:s,s:s,s:s,s:s}, {s:s,s:s,s:s,s:s,s:s}]}",
    "keys",
    "kty", "RSA", "kid", "rsa", "alg", "RS256", "use", "sig", "n", n, "e", e,
    "kty", "EC", "kid", "ec", "crv", "P-256", "x", x, "y", y,
    "kty", "RSA", "kid", "weak", "n", wn, "e", e,
    "kty", "RSA", "kid", "enc", "use", "enc", "n", n, "e", e);
  json_t *disc = json_pack("{s:s, s:s}", "issuer", iss, "jwks_uri",
                           strcmp(iss, ISS_A) == 0 ? ISS_A "/keys" : ISS_B "/keys");
  if (!jwks || !disc)
    abort();
  k->jwks = json_dumps(jwks, JSON_COMPACT);
  k->disc = json_dumps(disc, JSON_COMPACT);
  json_decref(jwks);
  json_decref(disc);
  free(n), free(e), free(wn), free(x), free(y);
  EVP_PKEY_free(weak);
}

/* The proxy: answers "GET http://<issuer>/<path>" from the two worlds. */
static void *serve(void *arg)
{
  (void)arg;
  for (;;) {
    int c = accept(listen_fd, NULL, NULL);
    if (c < 0)
      continue;
    char req[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof(req) - 1 && (r = read(c, req + n, sizeof(req) - 1 - n)) > 0) {
      n += (size_t)r;
      req[n] = '\0';
      if (strstr(req, "\r\n\r\n"))
        break;
    }
    req[n] = '\0';
    const char *body = NULL;
    const struct issuer_keys *k = strstr(req, ISS_A "/") ? &ka : strstr(req, ISS_B "/") ? &kb : NULL;
    if (k && strstr(req, "/.well-known/openid-configuration HTTP/"))
      body = k->disc;
    else if (k && strstr(req, "/keys HTTP/"))
      body = k->jwks;
    char head[256];
    int hl = snprintf(head, sizeof(head),
                      "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n",
                      body ? "200 OK" : "404 Not Found", body ? strlen(body) : (size_t)0);
    if (write(c, head, (size_t)hl) < 0 || (body && write(c, body, strlen(body)) < 0))
      fprintf(stderr, "fuzz_oidc_token: proxy write failed\n");
    close(c);
    atomic_fetch_add(&requests, 1);
  }
  return NULL;
}

static void start_proxy(void)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t al = sizeof(a);
  pthread_t t;
  listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
      listen(listen_fd, 8) != 0 || getsockname(listen_fd, (struct sockaddr *)&a, &al) != 0)
    abort();
  char proxy[64];
  snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", ntohs(a.sin_port));
  setenv("http_proxy", proxy, 1);
  unsetenv("no_proxy");
  unsetenv("NO_PROXY");
  if (pthread_create(&t, NULL, serve, NULL) != 0)
    abort();
  pthread_detach(t);
}

/* header.claims signed by pk (JWS: PKCS#1 v1.5, or raw r||s for ES256). */
static char *sign(EVP_PKEY *pk, int es, const char *header, const char *claims, size_t clen)
{
  char *h = b64url(header, strlen(header)), *c = b64url(claims, clen);
  size_t in_len = strlen(h) + 1 + strlen(c);
  char *in = malloc(in_len + 1);
  unsigned char sig[512], raw[64];
  size_t sl = sizeof(sig);
  if (!in)
    abort();
  snprintf(in, in_len + 1, "%s.%s", h, c);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
      EVP_DigestSign(md, sig, &sl, (unsigned char *)in, in_len) != 1)
    abort();
  EVP_MD_CTX_free(md);
  const unsigned char *sp = sig, *out = sig;
  if (es) {
    ECDSA_SIG *e = d2i_ECDSA_SIG(NULL, &sp, (long)sl);
    if (!e || BN_bn2binpad(ECDSA_SIG_get0_r(e), raw, 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(e), raw + 32, 32) != 32)
      abort();
    ECDSA_SIG_free(e);
    out = raw;
    sl = 64;
  }
  char *s = b64url(out, sl);
  char *tok = malloc(in_len + strlen(s) + 2);
  if (!tok)
    abort();
  sprintf(tok, "%s.%s", in, s);
  free(h), free(c), free(in), free(s);
  return tok;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc, (void)argv;
  make_issuer(&ka, ISS_A);
  make_issuer(&kb, ISS_B);
  start_proxy();
  struct oidc_options opt = OIDC_OPTIONS_INIT;
  opt.allow_http = 1; /* the issuers are http:// names the proxy answers */
  opt.ttl = opt.refresh_min = (int64_t)1 << 40;
  opt.leeway = LEEWAY;
  opt.timeout = 5;
  if (oidc_new(&verifier, &opt) != 0)
    abort();
  /* fill the cache: a kid that exists, a signature that does not verify */
  const char *issuers[] = { ISS_A, ISS_B };
  for (size_t i = 0; i < 2; i++) {
    char claims[128];
    int cl = snprintf(claims, sizeof(claims), "{\"iss\":\"%s\"}", issuers[i]);
    char *tok = sign(kb.ec, 1, "{\"alg\":\"RS256\",\"kid\":\"rsa\"}", claims, (size_t)cl);
    struct pool *p = pool_new();
    json_t *c = NULL;
    const char *reason = NULL;
    int rc = oidc_verify(&c, &reason, p, verifier, tok, strlen(tok), issuers[i], NULL, NOW);
    if (rc != ERR_DENIED || strcmp(reason, "token signature is invalid") != 0) {
      fprintf(stderr, "fuzz_oidc_token: cache fill for %s: %d %s\n", issuers[i], rc,
              reason ? reason : "");
      abort();
    }
    pool_free(p);
    free(tok);
  }
  if (atomic_load(&requests) != 4)
    abort();
  return 0;
}

static void client_token(const uint8_t *data, size_t size)
{
  struct pool *p = pool_new();
  json_t *claims = NULL;
  const char *reason = NULL, *iss = NULL;
  int rc = oidc_verify(&claims, &reason, p, verifier, (const char *)data, size, ISS_A, NULL, NOW);
  FUZZ_CHECK(rc == ERR_DENIED && reason != NULL && claims == NULL);
  rc = oidc_verify(&claims, &reason, p, verifier, (const char *)data, size, ISS_A, AUD, NOW);
  FUZZ_CHECK(rc == ERR_DENIED && claims == NULL);
  rc = oidc_peek_issuer(&iss, p, (const char *)data, size);
  FUZZ_CHECK(rc == 0 || rc == ERR_INVALID);
  if (rc == 0)
    FUZZ_CHECK(iss && *iss);
  FUZZ_CHECK(atomic_load(&requests) == 4);
  pool_free(p);
}

/* oidc.h's rules, written out independently. */
static int expected(json_t *c, const char *aud, int64_t now)
{
  if (!json_is_object(c))
    return ERR_DENIED;
  json_t *exp = json_object_get(c, "exp"), *nbf = json_object_get(c, "nbf");
  json_t *iat = json_object_get(c, "iat"), *a = json_object_get(c, "aud");
  json_t *iss = json_object_get(c, "iss");
  if (!json_is_string(iss) || strcmp(json_string_value(iss), ISS_B) != 0)
    return ERR_DENIED;
  if (!json_is_integer(exp) || json_integer_value(exp) <= now - LEEWAY)
    return ERR_DENIED;
  if (nbf && (!json_is_integer(nbf) || json_integer_value(nbf) > now + LEEWAY))
    return ERR_DENIED;
  if (iat && (!json_is_integer(iat) || json_integer_value(iat) > now + LEEWAY))
    return ERR_DENIED;
  if (aud) {
    int hit = json_is_string(a) && strcmp(json_string_value(a), aud) == 0;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) hit |= json_is_string(v) && strcmp(json_string_value(v), aud) == 0;
    if (!hit)
      return ERR_DENIED;
  }
  return json_is_string(json_object_get(c, "sub")) ? 0 : ERR_DENIED;
}

static void signed_claims(uint8_t knobs, const uint8_t *data, size_t size)
{
  static const int64_t shifts[] = { 0, 4000, -4000, 59 };
  int es = knobs & 1, right_kid = !(knobs & 2);
  const char *aud = (knobs & 4) ? AUD : NULL;
  int64_t now = NOW + shifts[(knobs >> 3) & 3];
  char header[80];
  snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
           es ? "ES256" : "RS256", (es == right_kid) ? "ec" : "rsa");
  char *tok = sign(es ? kb.ec : kb.rsa, es, header, (const char *)data, size);
  json_t *in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
  struct pool *p = pool_new();
  json_t *out = NULL;
  const char *reason = NULL;
  int rc = oidc_verify(&out, &reason, p, verifier, tok, strlen(tok), ISS_B, aud, now);
  int want = !right_kid || strlen(tok) > 8192 ? ERR_DENIED : expected(in, aud, now);
  if (rc != want)
    fprintf(stderr, "oidc_verify: %d (%s), expected %d\n", rc, reason ? reason : "", want);
  FUZZ_CHECK(rc == want);
  if (rc == 0)
    FUZZ_CHECK(json_equal(in, out));
  else
    FUZZ_CHECK(out == NULL && reason != NULL);
  FUZZ_CHECK(atomic_load(&requests) == 4);
  json_decref(in);
  json_decref(out);
  pool_free(p);
  free(tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  if (data[0] % 2 == 0)
    client_token(data + 1, size - 1);
  else if (size >= 2 && size <= 6000)
    signed_claims(data[1], data + 2, size - 2);
  return 0;
}
