/* GET .../robots/{robot_shortname}/secret?format=F[&namespace=NS]: a
 * robot's credentials in the form each consumer pastes (a wharf extension,
 * docs/api.md). The token is read back as getOrgRobot does (decrypted with
 * the server key), so the route needs the same rights: org admin (scope
 * org:admin) or, under user/robots, the caller's own robot. In show-once
 * mode there is nothing to read back: 400 saying so.
 *
 * Body: {"format","robot","registry","filename","content"} where content is
 * the file itself; CI formats also carry {"secret_name","token"}: their
 * snippet reads the token from the CI system's secret store and logs in
 * with --password-stdin, so the token never sits in a pipeline file. The
 * registry host is the Host the caller addressed. Responses are no-store. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/api.h"
#include "api/health.h"
#include "api/robot_int.h"
#include "util/base64.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"

#define K8S_NAME_MAX 63
#define CI_SECRET "WHARF_ROBOT_TOKEN"
#define JENKINS_CRED "wharf-robot-token"

enum fmt { F_K8S, F_DOCKER, F_ENV, F_GITLAB, F_GITHUB, F_JENKINS };
static const char *const fmt_names[] = { "kubernetes", "dockerconfig", "env",
                                         "gitlab",     "github",       "jenkins" };
#define NFMT (sizeof(fmt_names) / sizeof(fmt_names[0]))

struct cred {
  const char *host, *user, *token;
};

/* A Kubernetes object name / namespace (RFC 1123 label). */
static int k8s_label_valid(const char *s)
{
  size_t n = strlen(s);
  if (n == 0 || n > K8S_NAME_MAX || s[0] == '-' || s[n - 1] == '-')
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
      return 0;
  return 1;
}

/* "acme+ci_bot" -> "acme-ci-bot-pull-secret" (a valid Secret name). */
static const char *k8s_secret_name(struct pool *p, const char *robot)
{
  char *s = pool_printf(p, "%s-pull-secret", robot);
  if (!s)
    return NULL;
  for (char *c = s; *c; c++)
    if (*c == '+' || *c == '_')
      *c = '-';
  return s;
}

/* {"auths":{host:{username,password,auth}}}, indented; in the pool. */
static const char *docker_config(struct pool *p, const struct cred *c)
{
  char *basic = NULL, *text = NULL;
  const char *out = NULL;
  const char *pair = pool_printf(p, "%s:%s", c->user, c->token);
  if (!pair || base64_encode(&basic, pair, strlen(pair), BASE64_STD))
    return NULL;
  json_t *j = json_pack("{s:{s:{s:s, s:s, s:s}}}", "auths", c->host, "username", c->user,
                        "password", c->token, "auth", basic);
  if (j)
    text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
  if (text)
    out = pool_printf(p, "%s\n", text);
  json_decref(j);
  if (text) {
    OPENSSL_cleanse(text, strlen(text));
    free(text);
  }
  OPENSSL_cleanse(basic, strlen(basic));
  free(basic);
  return out;
}

static const char *k8s_secret(struct pool *p, const struct cred *c, const char *name,
                              const char *ns)
{
  const char *cfg = docker_config(p, c);
  char *b64 = NULL;
  if (!cfg || base64_encode(&b64, cfg, strlen(cfg), BASE64_STD))
    return NULL;
  const char *out = pool_printf(p,
                                "apiVersion: v1\n"
                                "kind: Secret\n"
                                "metadata:\n"
                                "  name: %s\n"
                                "%s%s%s"
                                "type: kubernetes.io/dockerconfigjson\n"
                                "data:\n"
                                "  .dockerconfigjson: %s\n",
                                name, ns ? "  namespace: " : "", ns ? ns : "", ns ? "\n" : "",
                                b64);
  free(b64);
  return out;
}

/* The snippet for a CI system; the token comes from its secret store. */
static const char *ci_snippet(struct pool *p, enum fmt f, const struct cred *c)
{
  switch (f) {
  case F_GITLAB:
    return pool_printf(p,
      "# .gitlab-ci.yml -- first add a masked, protected CI/CD variable\n"
      "# " CI_SECRET " (Settings > CI/CD > Variables) holding the robot token.\n"
      "variables:\n"
      "  WHARF_REGISTRY: \"%s\"\n"
      "  WHARF_USERNAME: \"%s\"\n"
      "before_script:\n"
      "  - echo \"$" CI_SECRET "\" | docker login \"$WHARF_REGISTRY\""
      " --username \"$WHARF_USERNAME\" --password-stdin\n",
      c->host, c->user);
  case F_GITHUB:
    return pool_printf(p,
      "# GitHub Actions step -- first add the repository secret " CI_SECRET "\n"
      "# (Settings > Secrets and variables > Actions) holding the robot token.\n"
      "- name: Log in to %s\n"
      "  env:\n"
      "    " CI_SECRET ": ${{ secrets." CI_SECRET " }}\n"
      "  run: echo \"$" CI_SECRET "\" | docker login \"%s\" --username \"%s\" --password-stdin\n",
      c->host, c->host, c->user);
  case F_JENKINS:
    return pool_printf(p,
      "// Jenkinsfile stage -- first add a \"Secret text\" credential with ID\n"
      "// " JENKINS_CRED " (Manage Jenkins > Credentials) holding the robot token.\n"
      "stage('Log in to %s') {\n"
      "  steps {\n"
      "    withCredentials([string(credentialsId: '" JENKINS_CRED "',"
      " variable: '" CI_SECRET "')]) {\n"
      "      sh 'echo \"$" CI_SECRET "\" | docker login \"%s\""
      " --username \"%s\" --password-stdin'\n"
      "    }\n"
      "  }\n"
      "}\n",
      c->host, c->host, c->user);
  default:
    return NULL;
  }
}

/* The robot named by the route, with its token (in the pool); responds on failure. */
static int secret_robot(struct req *r, struct ident_account *robot, const char **token)
{
  struct ident_account ns;
  const char *org = req_param(r, "orgname");
  int rc = org ? ident_account_by_name(r->app->meta, r->pool, &ns, org)
               : ident_account_get(r->app->meta, r->pool, &ns, r->principal.id);
  if (rc == 0 && ns.kind != (org ? IDENT_ORG : IDENT_USER))
    rc = ERR_NOTFOUND;
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL), -1;
  if (rc)
    return api_internal(r, rc, "namespace lookup"), -1;
  const char *full = pool_printf(r->pool, "%s+%s", ns.name, req_param(r, "robot_shortname"));
  rc = full ? ident_account_by_name(r->app->meta, r->pool, robot, full) : ERR_NOMEM;
  if (rc == 0 && (robot->kind != IDENT_ROBOT || robot->owner_id != ns.id))
    rc = ERR_NOTFOUND;
  if (rc == ERR_NOTFOUND)
    return api_message(r, "Could not find robot with specified username"), -1;
  if (rc)
    return api_internal(r, rc, "robot lookup"), -1;
  if (robot_show_once(r->app))
    return req_error(r, 400, "invalid_request",
                     "This server shows robot tokens only once, in the response that creates "
                     "them (robot_tokens: show_once), so it cannot build credentials for an "
                     "existing token: regenerate the token (or add one with POST .../tokens) "
                     "and use the token from that response", NULL), -1;
  json_t *j = NULL;
  rc = api_robot_json(&j, r, robot, API_ROBOT_TOKEN);
  if (rc)
    return api_internal(r, rc, "robot token"), -1;
  const char *t = json_string_value(json_object_get(j, "token"));
  *token = t ? pool_strdup(r->pool, t) : NULL;
  json_decref(j);
  if (!*token)
    return api_message(r, "The robot has no retrievable token (made under another server key, "
                          "or shown once): regenerate it"), -1;
  return 0;
}

/* ?format= and ?namespace=; responds 400 on bad values. */
static int secret_params(struct req *r, enum fmt *out, const char **out_ns)
{
  const char *f = req_query(r, "format");
  const char *ns = req_query(r, "namespace");
  size_t i = 0;
  while (f && i < NFMT && strcmp(f, fmt_names[i]) != 0)
    i++;
  if (!f || i == NFMT)
    return req_error(r, 400, "invalid_request",
                     "format must be one of kubernetes, dockerconfig, env, gitlab, github, "
                     "jenkins", NULL), -1;
  if (ns && !k8s_label_valid(ns))
    return req_error(r, 400, "invalid_request",
                     "namespace must be a Kubernetes namespace name (lowercase letters, digits "
                     "and '-', at most 63)", NULL), -1;
  *out = (enum fmt)i;
  *out_ns = ns;
  return 0;
}

int api_robot_secret(struct req *r)
{
  struct ident_account robot;
  enum fmt f;
  const char *ns = NULL, *token = NULL, *content = NULL, *file = NULL;
  if (secret_params(r, &f, &ns) || secret_robot(r, &robot, &token))
    return 0;
  struct cred c = { req_host(r), robot.name, token };
  const char *k8s_name = k8s_secret_name(r->pool, robot.name);
  switch (f) {
  case F_K8S:
    content = k8s_name ? k8s_secret(r->pool, &c, k8s_name, ns) : NULL;
    file = pool_printf(r->pool, "%s.yaml", k8s_name ? k8s_name : "secret");
    break;
  case F_DOCKER:
    content = docker_config(r->pool, &c);
    file = "config.json";
    break;
  case F_ENV:
    content = pool_printf(r->pool, "WHARF_REGISTRY=%s\nWHARF_USERNAME=%s\nWHARF_PASSWORD=%s\n",
                          c.host, c.user, c.token);
    file = "wharf.env";
    break;
  case F_GITLAB:
  case F_GITHUB:
  case F_JENKINS:
    content = ci_snippet(r->pool, f, &c);
    file = f == F_GITLAB ? ".gitlab-ci.yml" : f == F_GITHUB ? "workflow-step.yml" : "Jenkinsfile";
    break;
  }
  json_t *j = content && file
                ? json_pack("{s:s, s:s, s:s, s:s, s:s}", "format", fmt_names[f], "robot",
                            robot.name, "registry", c.host, "filename", file, "content", content)
                : NULL;
  if (j && f >= F_GITLAB) {
    json_object_set_new(j, "secret_name", json_string(f == F_JENKINS ? JENKINS_CRED : CI_SECRET));
    json_object_set_new(j, "token", json_string(token));
  }
  if (!j)
    return api_internal(r, ERR_NOMEM, "robot secret");
  LOG(LOG_INFO, "robot %s credentials (%s) read by %s", robot.name, fmt_names[f],
      r->principal.name);
  req_set_header(r, "Cache-Control", "no-store");
  return req_respond_json(r, 200, j);
}
