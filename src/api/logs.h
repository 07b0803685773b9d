#ifndef WHARF_API_LOGS_H
#define WHARF_API_LOGS_H

#include "server/req.h"

/* Usage logs (spec §5): the audit entries of an organization, a repository
 * or the calling user, newest first, 20 a page, and their counts per kind
 * and day. One handler per row of the route table; each responds once. */

int api_logs_org(struct req *r);              /* GET organization/{orgname}/logs */
int api_logs_repo(struct req *r);             /* GET repository/{repository}/logs */
int api_logs_user(struct req *r);             /* GET user/logs */
int api_logs_org_aggregate(struct req *r);    /* GET organization/{orgname}/aggregatelogs */
int api_logs_repo_aggregate(struct req *r);   /* GET repository/{repository}/aggregatelogs */
int api_logs_user_aggregate(struct req *r);   /* GET user/aggregatelogs */
int api_logs_org_export(struct req *r);       /* POST organization/{orgname}/exportlogs */
int api_logs_repo_export(struct req *r);      /* POST repository/{repository}/exportlogs */
int api_logs_user_export(struct req *r);      /* POST user/exportlogs */
int api_logs_export_get(struct req *r);       /* GET exportedlogs/{exportid}: the requester's file */

#endif
