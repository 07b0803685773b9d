#ifndef WHARF_API_HEALTH_H
#define WHARF_API_HEALTH_H

#include "server/req.h"

/* Health endpoints in Quay's shape (spec §7), open to anyone:
 * {"data":{"services":{"database":bool,"storage":bool,"auth":bool}},
 *  "status_code":200|503}, sent with that HTTP status. */
int api_health_instance(struct req *r);   /* GET /health/instance and /health */
int api_health_endtoend(struct req *r);   /* GET /health/endtoend and /status */
int api_internal_ping(struct req *r);     /* GET /_internal_ping: true */

/* Robot credentials in the format a consumer needs (a wharf extension,
 * docs/api.md): GET .../robots/{robot_shortname}/secret?format=F
 * [&namespace=NS] under organization/{orgname} or user (robot_secret.c). */
int api_robot_secret(struct req *r);

#endif
