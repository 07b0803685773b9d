#ifndef WHARF_API_TEAM_H
#define WHARF_API_TEAM_H

#include "server/req.h"

/* Teams of an organization and their repository permissions (spec §3,
 * §4.2), one handler per row of the route table; each responds once. */

int api_team_put(struct req *r);              /* PUT organization/{orgname}/team/{teamname} */
int api_team_delete(struct req *r);           /* DELETE organization/{orgname}/team/{teamname} */
int api_team_members(struct req *r);          /* GET .../team/{teamname}/members */
int api_team_member_put(struct req *r);       /* PUT .../team/{teamname}/members/{membername} */
int api_team_member_delete(struct req *r);    /* DELETE .../members/{membername} */
int api_team_permissions(struct req *r);      /* GET .../team/{teamname}/permissions */

int api_perm_team_list(struct req *r);        /* GET repository/{repository}/permissions/team/ */
int api_perm_team_get(struct req *r);         /* GET .../permissions/team/{teamname} */
int api_perm_team_put(struct req *r);         /* PUT .../permissions/team/{teamname} */
int api_perm_team_delete(struct req *r);      /* DELETE .../permissions/team/{teamname} */

#endif
