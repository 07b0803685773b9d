#include "util/err.h"

const char *err_str(int code)
{
  switch (code) {
  case WH_OK: return "ok";
  case ERR_NOTFOUND: return "notfound";
  case ERR_EXISTS: return "exists";
  case ERR_INVALID: return "invalid";
  case ERR_DENIED: return "denied";
  case ERR_TOOBIG: return "toobig";
  case ERR_IO: return "io";
  case ERR_NOMEM: return "nomem";
  case ERR_RANGE: return "range";
  case ERR_DIGEST: return "digest";
  case ERR_CONFLICT: return "conflict";
  case ERR_UNSUPPORTED: return "unsupported";
  case ERR_INTERNAL: return "internal";
  default: return "unknown";
  }
}
