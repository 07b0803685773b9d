/* Keyless robot federation, the exchange (spec §2.4, issue 8):
 * GET /oauth2/federation/robot/token with Basic "ns+short:<OIDC JWT>". The
 * JWT's (unverified) iss picks which of the robot's configured issuers to
 * verify against, so only configured issuers are ever fetched; then
 * auth/oidc.c checks signature and claims, sub (and audience, when the
 * entry has one) must match an entry, and a 1-hour token (auth/robotfed.h)
 * comes back as {"token"}. Refusals: 401 {"error"} for bad credentials,
 * 400 {"message"} for an unknown robot or issuer, as Quay; each audited. */
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "api/api.h"
#include "auth/jwt.h"
#include "auth/oidc.h"
#include "auth/robotfed.h"
#include "config/config.h"
#include "server/req_audit.h"
#include "store/ident.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

/* One verifier (and key cache) per process, made on first use. */
static pthread_once_t oidc_once = PTHREAD_ONCE_INIT;
static struct oidc *oidc_shared;
static int oidc_allow_http;

static void oidc_make(void)
{
  struct oidc_options opt = OIDC_OPTIONS_INIT;
  opt.allow_http = oidc_allow_http;
  if (oidc_new(&oidc_shared, &opt) != 0)
    oidc_shared = NULL;
}

/* What the exchange knows so far, for the audit entry. */
struct fedx {
  const char *user;
  const char *issuer;
  const char *subject;
  const char *ns;
};

static int refuse(struct req *r, const struct fedx *x, unsigned status, const char *msg)
{
  if (!msg)
    msg = "federated login refused";
  json_t *md = json_pack("{s:s, s:s, s:s}", "type", "federation", "kind", "robot", "message", msg);
  if (md && x->user)
    json_object_set_new(md, "username", json_string(x->user));
  if (md && x->issuer)
    json_object_set_new(md, "issuer", json_string(x->issuer));
  if (md && x->subject)
    json_object_set_new(md, "subject", json_string(x->subject));
  req_audit(r, "login_failure", x->ns, NULL, md);
  LOG(LOG_INFO, "federated exchange refused for %.200s: %s", x->user ? x->user : "-", msg);
  return req_respond_json(r, status, json_pack("{s:s}", status == 401 ? "error" : "message", msg));
}

/* The matching configured entry for verified claims: sub equal and, when
 * the entry names an audience, aud holding it. */
static json_t *match_entry(json_t *config, const char *issuer, json_t *claims, int64_t now)
{
  const char *sub = json_string_value(json_object_get(claims, "sub"));
  size_t i;
  json_t *e;
  json_array_foreach(config, i, e) {
    const char *ei = json_string_value(json_object_get(e, "issuer"));
    const char *es = json_string_value(json_object_get(e, "subject"));
    const char *ea = json_string_value(json_object_get(e, "audience"));
    if (!ei || !es || strcmp(ei, issuer) != 0 || !sub || strcmp(es, sub) != 0)
      continue;
    if (ea && jwt_check_claims(claims, ea, now, 60) != 0)
      continue;
    return e;
  }
  return NULL;
}

static int issuer_configured(json_t *config, const char *issuer)
{
  size_t i;
  json_t *e;
  json_array_foreach(config, i, e) {
    const char *ei = json_string_value(json_object_get(e, "issuer"));
    if (ei && strcmp(ei, issuer) == 0)
      return 1;
  }
  return 0;
}

/* Mints, audits the success and responds. */
static int grant(struct req *r, const struct fedx *x, const struct ident_account *robot)
{
  char *tok = NULL;
  int64_t exp = 0, now = time_now();
  int rc = robotfed_mint(&tok, &exp, r->app, robot, req_host(r), x->issuer, x->subject, now);
  if (rc)
    return api_internal(r, rc, "federated token");
  r->principal.kind = PRINCIPAL_ROBOT; /* the performer of the audit entry */
  r->principal.id = robot->id;
  r->principal.name = robot->name;
  r->principal.owner_id = robot->owner_id;
  const char *plus = strchr(robot->name, '+');
  req_audit(r, "federated_robot_token_exchange", x->ns, NULL,
            json_pack("{s:s, s:s, s:s}", "subject", x->subject, "issuer", x->issuer, "robot",
                      plus ? plus + 1 : robot->name));
  json_t *body = json_pack("{s:s, s:I}", "token", tok, "expires_in",
                           (json_int_t)(exp - now));
  OPENSSL_cleanse(tok, strlen(tok));
  free(tok);
  return req_respond_json(r, 200, body);
}

/* Verifies the OIDC token against the robot's configuration and grants. */
static int exchange(struct req *r, struct fedx *x, const struct ident_account *robot,
                    const char *jwt)
{
  char *text = NULL;
  json_t *config = NULL, *claims = NULL;
  const char *reason = "";
  int rc = ident_robot_federation_get(r->app->meta, r->pool, &text, robot->id);
  if (rc)
    return api_internal(r, rc, "robot federation");
  config = json_loads(text, 0, NULL);
  if (!json_is_array(config) || json_array_size(config) == 0) {
    rc = refuse(r, x, 400, "Robot has no federation configuration");
    goto out;
  }
  if (oidc_peek_issuer(&x->issuer, r->pool, jwt, strlen(jwt)) != 0) {
    rc = refuse(r, x, 401, "The password is not an OIDC token (JWT with an iss claim)");
    goto out;
  }
  if (!issuer_configured(config, x->issuer)) {
    rc = refuse(r, x, 400, "Issuer is not configured for this robot");
    goto out;
  }
  int64_t now = time_now();
  rc = oidc_verify(&claims, &reason, r->pool, oidc_shared, jwt, strlen(jwt), x->issuer, NULL, now);
  if (rc == ERR_DENIED || rc == ERR_IO) {
    rc = refuse(r, x, 401, pool_printf(r->pool, "OIDC token refused: %s", reason ? reason : "-"));
    goto out;
  }
  if (rc) {
    rc = api_internal(r, rc, "oidc verify");
    goto out;
  }
  x->subject = pool_strdup(r->pool, json_string_value(json_object_get(claims, "sub")));
  if (!match_entry(config, x->issuer, claims, now)) {
    rc = refuse(r, x, 401, "OIDC token refused: subject or audience does not match the robot's federation configuration");
    goto out;
  }
  rc = grant(r, x, robot);
out:
  json_decref(config);
  json_decref(claims);
  return rc;
}

int api_robot_federation_exchange(struct req *r)
{
  struct fedx x = { 0 };
  struct ident_account robot;
  const char *authz = req_header(r, "Authorization"), *user = NULL, *jwt = NULL;
  oidc_allow_http = r->app->cfg ? r->app->cfg->federation_allow_http : 0;
  pthread_once(&oidc_once, oidc_make);
  if (!oidc_shared)
    return api_internal(r, ERR_INTERNAL, "oidc verifier");
  if (!authz || strncasecmp(authz, "Basic ", 6) != 0 ||
      auth_parse_basic(&user, &jwt, r->pool, authz + 6) != 0)
    return refuse(r, &x, 401, "Missing or invalid Basic authorization (robot name : OIDC token)");
  x.user = user;
  const char *plus = strchr(user, '+');
  if (!plus)
    return refuse(r, &x, 401, "Only robot accounts can use federated login");
  x.ns = pool_strndup(r->pool, user, (size_t)(plus - user));
  if (r->app->robots_disabled)
    return refuse(r, &x, 401, "Robot accounts have been disabled. Please contact your administrator.");
  int rc = ident_account_by_name(r->app->meta, r->pool, &robot, user);
  if (rc == ERR_NOTFOUND || (rc == 0 && robot.kind != IDENT_ROBOT))
    return refuse(r, &x, 400, "Could not find robot with specified username");
  if (rc)
    return api_internal(r, rc, "robot lookup");
  if (!robot.enabled)
    return refuse(r, &x, 401, pool_printf(r->pool, "Robot %.300s is disabled", user));
  struct principal pr = { .kind = PRINCIPAL_ROBOT, .name = robot.name,
                          .allowed_cidrs = robot.allowed_cidrs };
  const char *why = NULL;
  if (auth_client_allowed(&why, r->pool, &pr, r->client_ip) != 0)
    return refuse(r, &x, 401, why);
  return exchange(r, &x, &robot, jwt);
}
