/* SigV4 query-string authentication ("presigned URLs"), as AWS documents it
 * in "Authenticating Requests: Using Query Parameters (AWS Signature Version
 * 4)": the canonical request signs only the host header, the payload is
 * UNSIGNED-PAYLOAD, and the X-Amz-* parameters (sorted) are the canonical
 * query. The signature is the last parameter and is not part of it. */
#include "blob/s3_presign.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "util/err.h"

#define PS_FIELD_MAX 4096 /* longest encoded parameter value or path we build */

/* RFC 3986 percent-encoding as SigV4 wants it: unreserved kept, '/' kept
 * when keep_slash, everything else %XX with upper-case hex. */
static int uri_encode(char *out, size_t outlen, const char *src, int keep_slash)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
    int keep = isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~' ||
               (keep_slash && *p == '/');
    if (o + (keep ? 1 : 3) >= outlen)
      return ERR_TOOBIG;
    if (keep) {
      out[o++] = (char)*p;
    } else {
      out[o++] = '%';
      out[o++] = hex[*p >> 4];
      out[o++] = hex[*p & 15];
    }
  }
  out[o] = '\0';
  return 0;
}

static void to_hex(char *out, const unsigned char *b, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hex[b[i] >> 4];
    out[2 * i + 1] = hex[b[i] & 15];
  }
  out[2 * n] = '\0';
}

static int hmac(unsigned char out[32], const void *key, size_t klen, const char *msg)
{
  unsigned int n = 0;
  if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &n) ||
      n != 32)
    return ERR_INTERNAL;
  return 0;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), "s3"), "aws4_request") */
static int signing_key(unsigned char out[32], const char *secret, const char *date,
                       const char *region)
{
  char k0[256];
  unsigned char k[32];
  int n = snprintf(k0, sizeof(k0), "AWS4%s", secret);
  int rc = n < 0 || (size_t)n >= sizeof(k0) ? ERR_INVALID : 0;
  if (rc == 0)
    rc = hmac(k, k0, (size_t)n, date);
  if (rc == 0)
    rc = hmac(k, k, 32, region);
  if (rc == 0)
    rc = hmac(k, k, 32, "s3");
  if (rc == 0)
    rc = hmac(out, k, 32, "aws4_request");
  OPENSSL_cleanse(k0, sizeof(k0));
  OPENSSL_cleanse(k, sizeof(k));
  return rc;
}

/* The sorted X-Amz-* parameters without the signature. */
static int canonical_query(char *out, size_t outlen, const struct s3_presign *p,
                           const char *amzdate, const char *scope)
{
  char cred[PS_FIELD_MAX], raw[PS_FIELD_MAX], tok[PS_FIELD_MAX] = "";
  int n = snprintf(raw, sizeof(raw), "%s/%s", p->access_key, scope);
  if (n < 0 || (size_t)n >= sizeof(raw) || uri_encode(cred, sizeof(cred), raw, 0) != 0)
    return ERR_TOOBIG;
  int has_tok = p->session_token && *p->session_token;
  if (has_tok && uri_encode(tok, sizeof(tok), p->session_token, 0) != 0)
    return ERR_TOOBIG;
  n = snprintf(out, outlen,
               "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s&X-Amz-Date=%s"
               "&X-Amz-Expires=%ld%s%s&X-Amz-SignedHeaders=host",
               cred, amzdate, p->expires, has_tok ? "&X-Amz-Security-Token=" : "", tok);
  return n < 0 || (size_t)n >= outlen ? ERR_TOOBIG : 0;
}

int s3_presign_target(char *out, size_t outlen, const struct s3_presign *p)
{
  if (!p->method || !p->host || !p->path || p->path[0] != '/' || !p->region || !p->access_key ||
      !p->secret_key || p->expires < 1 || p->expires > S3_PRESIGN_MAX_EXPIRES)
    return ERR_INVALID;
  time_t t = (time_t)p->now;
  struct tm tm;
  char date[16], amzdate[32], scope[256], path[PS_FIELD_MAX], query[3 * PS_FIELD_MAX];
  char creq[5 * PS_FIELD_MAX], sts[512], hex[2 * SHA256_DIGEST_LENGTH + 1];
  unsigned char h[SHA256_DIGEST_LENGTH], key[32], sig[32];
  if (!gmtime_r(&t, &tm) || strftime(date, sizeof(date), "%Y%m%d", &tm) == 0 ||
      strftime(amzdate, sizeof(amzdate), "%Y%m%dT%H%M%SZ", &tm) == 0)
    return ERR_INVALID;
  int n = snprintf(scope, sizeof(scope), "%s/%s/s3/aws4_request", date, p->region);
  if (n < 0 || (size_t)n >= sizeof(scope))
    return ERR_INVALID;
  int rc = uri_encode(path, sizeof(path), p->path, 1);
  if (rc == 0)
    rc = canonical_query(query, sizeof(query), p, amzdate, scope);
  if (rc != 0)
    return rc;
  n = snprintf(creq, sizeof(creq), "%s\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD", p->method,
               path, query, p->host);
  if (n < 0 || (size_t)n >= sizeof(creq))
    return ERR_TOOBIG;
  SHA256((const unsigned char *)creq, (size_t)n, h);
  to_hex(hex, h, sizeof(h));
  n = snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s\n%s", amzdate, scope, hex);
  if (n < 0 || (size_t)n >= sizeof(sts))
    return ERR_INVALID;
  rc = signing_key(key, p->secret_key, date, p->region);
  if (rc == 0)
    rc = hmac(sig, key, sizeof(key), sts);
  OPENSSL_cleanse(key, sizeof(key));
  if (rc != 0)
    return rc;
  to_hex(hex, sig, sizeof(sig));
  n = snprintf(out, outlen, "%s?%s&X-Amz-Signature=%s", path, query, hex);
  return n < 0 || (size_t)n >= outlen ? ERR_TOOBIG : 0;
}
