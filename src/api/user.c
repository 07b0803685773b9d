/* The calling user (spec §4.5 end: GET user/). Clients such as the Ansible
 * collection call it first and read `username`. The dispatcher answers 401
 * for anonymous callers and 403 for robots before this runs. */
#include "api/api.h"
#include "util/err.h"
#include "util/pool.h"

#define TAG_EXPIRATION_DEFAULT 1209600 /* Quay's default, two weeks */

int api_user_get(struct req *r)
{
  struct ident_account a;
  int rc = ident_account_get(r->app->meta, r->pool, &a, r->principal.id);
  if (rc == ERR_NOTFOUND) /* deleted since authenticating */
    return req_error(r, 401, "invalid_token", "Requires authentication", NULL);
  if (rc)
    return api_internal(r, rc, "user lookup");
  /* The view Quay gives a user about itself, minus billing and the
   * `organizations` list (needs a store listing of a user's teams). */
  json_t *j = json_pack("{s:b, s:s, s:s, s:b, s:o, s:b, s:b, s:b, s:[], s:[], s:b, s:n, "
                        "s:b, s:i, s:s, s:s, s:n, s:n}",
                        "anonymous", 0, "username", a.name, "email", a.email ? a.email : "",
                        "verified", 1, "avatar", api_avatar(a.name, "user"), "super_user",
                        a.is_superuser, "can_create_repo", 1, "is_me", 1, "logins", "prompts",
                        "invoice_email", 0, "invoice_email_address", "preferred_namespace", 0,
                        "tag_expiration_s", TAG_EXPIRATION_DEFAULT, "company", "", "location", "",
                        "given_name", "family_name");
  if (!j)
    return api_internal(r, ERR_NOMEM, "user view");
  return req_respond_json(r, 200, j);
}
