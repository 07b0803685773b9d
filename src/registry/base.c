#include "registry/registry.h"

int reg_base(struct req *r)
{
  /* Clients learn where to log in from this 401's challenge (added by the
   * server to every /v2 401). */
  if (r->principal.kind == PRINCIPAL_ANONYMOUS)
    return req_error(r, 401, OCI_UNAUTHORIZED, "authentication required", NULL);
  return req_respond(r, 200, "application/json", "{}", 2);
}
