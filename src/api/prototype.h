#ifndef WHARF_API_PROTOTYPE_H
#define WHARF_API_PROTOTYPE_H

#include "server/req.h"

/* Default permissions of an organization (Quay's prototypes, spec §4.4),
 * one handler per row of the route table; each responds once. */

int api_proto_list(struct req *r);            /* GET organization/{orgname}/prototypes */
int api_proto_create(struct req *r);          /* POST organization/{orgname}/prototypes */
int api_proto_update(struct req *r);          /* PUT .../prototypes/{prototypeid} */
int api_proto_delete(struct req *r);          /* DELETE .../prototypes/{prototypeid} */

#endif
