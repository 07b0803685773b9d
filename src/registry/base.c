#include "registry/registry.h"

int reg_base(struct req *r)
{
  return req_respond(r, 200, "application/json", "{}", 2);
}
