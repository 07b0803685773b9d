#ifndef WHARF_UTIL_ERR_H
#define WHARF_UTIL_ERR_H

/* Every function that can fail returns 0 or one of these negative codes.
 * The HTTP layer maps them to a status and to the error body of the API
 * being served (OCI on /v2, Quay on /api/v1). */
enum {
  WH_OK = 0,
  ERR_NOTFOUND = -1,    /* the thing asked for does not exist */
  ERR_EXISTS = -2,      /* creating something that is already there */
  ERR_INVALID = -3,     /* malformed input */
  ERR_DENIED = -4,      /* not allowed */
  ERR_TOOBIG = -5,      /* a cap was exceeded */
  ERR_IO = -6,          /* storage failed */
  ERR_NOMEM = -7,       /* allocation failed */
  ERR_RANGE = -8,       /* offset or range does not match */
  ERR_DIGEST = -9,      /* content does not hash to the digest given */
  ERR_CONFLICT = -10,   /* state changed underneath, or is referenced */
  ERR_UNSUPPORTED = -11,/* valid but not supported */
  ERR_INTERNAL = -12    /* a bug or an unexpected library failure */
};

/* Short stable name of an error code ("notfound", "io", ...); never NULL. */
const char *err_str(int code);

#endif
