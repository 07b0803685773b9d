#include "auth/robotfed.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auth/jwt.h"
#include "server/app.h"
#include "store/ident.h"
#include "util/err.h"
#include "util/pool.h"
#include "util/rfc3339.h"

int robotfed_mint(char **out, int64_t *out_exp, struct app *app,
                  const struct ident_account *robot, const char *aud, const char *issuer,
                  const char *subject, int64_t now)
{
  /* an organization's maximum robot token lifetime shortens these too */
  int64_t max = 0, life = ROBOTFED_LIFETIME;
  int rc = ident_token_lifetime_get(app->meta, &max, robot->owner_id);
  if (rc && rc != ERR_NOTFOUND)
    return rc;
  if (!rc && max > 0 && max < life)
    life = max;
  int64_t exp = now + life;
  json_t *claims = json_pack(
    "{s:s, s:s, s:s, s:I, s:I, s:I, s:[], s:{s:i, s:s, s:s}, s:{s:I, s:i, s:s, s:s}}", "iss",
    "quay", "aud", aud ? aud : "", "sub", robot->name, "iat", (json_int_t)now, "nbf",
    (json_int_t)now, "exp", (json_int_t)exp, "access", "context", "version", 2, "entity_kind",
    "robot", "entity_reference", robot->name, "wharf", "acct", (json_int_t)robot->id, "fed", 1,
    "fiss", issuer, "fsub", subject);
  if (!claims)
    return ERR_NOMEM;
  char *tok = NULL;
  rc = jwt_sign(&tok, app->keys, claims);
  json_decref(claims);
  if (rc)
    return rc;
  *out = tok;
  *out_exp = exp;
  return 0;
}

int robotfed_looks(const char *secret)
{
  const char *d1 = strchr(secret, '.');
  return strncmp(secret, "eyJ", 3) == 0 && d1 && strchr(d1 + 1, '.');
}

/* Whether the robot's federation configuration still holds issuer/subject. */
static int still_configured(struct app *app, struct pool *p, int64_t acct, const char *iss,
                            const char *sub)
{
  char *text = NULL;
  int rc = ident_robot_federation_get(app->meta, p, &text, acct);
  if (rc)
    return rc;
  json_t *list = json_loads(text, 0, NULL), *e;
  size_t i;
  rc = ERR_DENIED;
  json_array_foreach(list, i, e) {
    const char *ei = json_string_value(json_object_get(e, "issuer"));
    const char *es = json_string_value(json_object_get(e, "subject"));
    if (ei && es && strcmp(ei, iss) == 0 && strcmp(es, sub) == 0)
      rc = 0;
  }
  json_decref(list);
  return rc;
}

int robotfed_check(int64_t *out_acct, int64_t *out_exp, const char **reason, struct app *app,
                   struct pool *p, const char *user, const char *secret, int64_t now)
{
  json_t *claims = NULL;
  int rc = jwt_verify(&claims, app->keys, secret, strlen(secret), NULL, now, 0);
  if (rc == ERR_DENIED) {
    /* say when, if it was a well-formed token of ours that expired */
    struct jwt_parts j;
    *reason = "invalid or expired federated robot token";
    if (jwt_parse(&j, secret, strlen(secret)) == 0) {
      json_int_t exp = json_integer_value(json_object_get(j.claims, "exp"));
      char when[RFC3339_BUF];
      if (exp > 0 && exp <= now)
        *reason = pool_printf(p, "federated token of robot %.300s expired at %s", user,
                              rfc3339_format(when, (int64_t)exp));
      if (!*reason)
        *reason = "federated robot token expired";
      jwt_parts_free(&j);
    }
    return ERR_DENIED;
  }
  if (rc) {
    *reason = "invalid federated robot token";
    return rc == ERR_INVALID ? ERR_DENIED : rc;
  }
  json_t *w = json_object_get(claims, "wharf");
  const char *iss = json_string_value(json_object_get(claims, "iss"));
  const char *sub = json_string_value(json_object_get(claims, "sub"));
  const char *fiss = json_string_value(json_object_get(w, "fiss"));
  const char *fsub = json_string_value(json_object_get(w, "fsub"));
  int64_t acct = json_integer_value(json_object_get(w, "acct"));
  int64_t exp = json_integer_value(json_object_get(claims, "exp"));
  rc = ERR_DENIED;
  *reason = "invalid federated robot token";
  if (json_integer_value(json_object_get(w, "fed")) != 1 || !iss || strcmp(iss, "quay") != 0 ||
      !sub || strcmp(sub, user) != 0 || !fiss || !fsub || acct <= 0 ||
      exp - now > ROBOTFED_LIFETIME + 60)
    goto out;
  rc = still_configured(app, p, acct, fiss, fsub);
  if (rc == ERR_DENIED || rc == ERR_NOTFOUND) {
    rc = ERR_DENIED;
    *reason = "the robot's federation configuration no longer trusts this token's issuer";
    goto out;
  }
  if (rc)
    goto out;
  *out_acct = acct;
  *out_exp = exp;
out:
  json_decref(claims);
  return rc;
}
