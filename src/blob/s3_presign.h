/* SigV4 query-string signing (presigned URLs) for the S3 backend. libcurl's
 * CURLOPT_AWS_SIGV4 signs requests it sends itself and cannot presign, so
 * this one computation is written out here with OpenSSL's HMAC-SHA256.
 * Pure: no I/O, no clock, so the AWS documented example is a unit test
 * (tests/unit/test_s3_presign.c). */
#ifndef WHARF_BLOB_S3_PRESIGN_H
#define WHARF_BLOB_S3_PRESIGN_H

#include <stddef.h>
#include <stdint.h>

#define S3_PRESIGN_MAX_EXPIRES 604800L /* S3's limit: one week */

/* What a presigned request is signed over. Nothing here is copied. */
struct s3_presign {
  const char *method;        /* "GET" */
  const char *host;          /* the Host the client will send: "bucket.s3.amazonaws.com", "127.0.0.1:4568" */
  const char *path;          /* absolute path before encoding: "/bucket/key" or "/key" */
  const char *region;        /* "us-east-1" */
  const char *access_key;
  const char *secret_key;    /* never copied into the result */
  const char *session_token; /* NULL or "": none */
  int64_t now;               /* signing time, unix seconds */
  long expires;              /* seconds the URL stays valid, 1..S3_PRESIGN_MAX_EXPIRES */
};

/* Writes "<encoded path>?X-Amz-Algorithm=…&X-Amz-Signature=<hex>" — the
 * part of the presigned URL after the scheme and host — into out.
 * ERR_INVALID for a missing field or an expiry out of range, ERR_TOOBIG
 * when out is too small, ERR_INTERNAL if OpenSSL fails. */
int s3_presign_target(char *out, size_t outlen, const struct s3_presign *p);

#endif
