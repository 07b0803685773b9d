/* wharf robot rotate NS+NAME [--grace DURATION] [--namespace K8SNS] [--json]:
 * zero-downtime rotation in one step (issue 8). Regenerates the robot's
 * token with a grace period (POST …/regenerate {"grace_period"}), then
 * prints the new token, until when the previous one keeps working, and the
 * updated Kubernetes pull Secret (GET …/secret?format=kubernetes).
 *
 * Text output is a YAML document whose notes are comments, so
 * `wharf robot rotate acme+ci | kubectl apply -f -` updates the cluster and
 * still shows the token. When the server runs robot_tokens: show_once it
 * cannot read the token back for …/secret; the Secret is then built here
 * from the token the regenerate answered, in the same form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli/apicmd.h"
#include "cli/cli.h"
#include "util/base64.h"

#define DEFAULT_GRACE 3600
#define HOST_MAX 256

/* The registry host of the client's base URL ("https://r.example:5000/x" ->
 * "r.example:5000"), as the server names it in Secrets. */
static void url_host(char *out, size_t len, const char *url)
{
  const char *s = strstr(url, "://");
  s = s ? s + 3 : url;
  size_t n = strcspn(s, "/");
  snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), s);
}

/* The Secret …/secret would answer, for a token the server will not show again. */
static char *local_secret(const char *host, const char *robot, const char *token,
                          const char *k8s_ns)
{
  char *basic = NULL, *cfg = NULL, *b64 = NULL, *out = NULL, name[320], pair[512];
  snprintf(pair, sizeof(pair), "%s:%s", robot, token);
  json_t *j = NULL;
  if (base64_encode(&basic, pair, strlen(pair), BASE64_STD) != 0)
    goto out;
  j = json_pack("{s:{s:{s:s, s:s, s:s}}}", "auths", host, "username", robot, "password", token,
                "auth", basic);
  cfg = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
  size_t n = cfg ? strlen(cfg) : 0;
  char *nl = cfg ? realloc(cfg, n + 2) : NULL;
  if (!nl)
    goto out;
  cfg = nl;
  memcpy(cfg + n, "\n", 2);
  if (base64_encode(&b64, cfg, n + 1, BASE64_STD) != 0)
    goto out;
  snprintf(name, sizeof(name), "%s-pull-secret", robot);
  for (char *c = name; *c; c++)
    if (*c == '+' || *c == '_')
      *c = '-';
  size_t cap = strlen(b64) + strlen(name) + (k8s_ns ? strlen(k8s_ns) : 0) + 200;
  out = malloc(cap);
  if (out)
    snprintf(out, cap,
             "apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n%s%s%s"
             "type: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: %s\n",
             name, k8s_ns ? "  namespace: " : "", k8s_ns ? k8s_ns : "", k8s_ns ? "\n" : "", b64);
out:
  OPENSSL_cleanse(pair, sizeof(pair));
  if (basic)
    OPENSSL_cleanse(basic, strlen(basic));
  if (cfg)
    OPENSSL_cleanse(cfg, strlen(cfg));
  free(basic);
  free(cfg);
  free(b64);
  json_decref(j);
  return out;
}

/* The updated Secret: from the server, or built here in show-once mode. */
static int fetch_secret(char **out, struct cli_call *x, const char *path, const char *k8s_ns,
                        const char *robot, const char *token)
{
  char spath[1400], q[200] = "";
  if (k8s_ns && client_pathf(q, sizeof(q), "&namespace=%s", k8s_ns) != 0)
    return cli_usage_error(x, "--namespace is too long");
  snprintf(spath, sizeof(spath), "%s/secret?format=kubernetes%s", path, q);
  long status = 0;
  json_t *j = NULL;
  int rc = client_request(&status, &j, x->c, "GET", spath, NULL);
  if (rc)
    return rc;
  const char *content = json_string_value(json_object_get(j, "content"));
  const char *msg = client_error_text(j);
  if (status == 200 && content) {
    *out = strdup(content);
  } else if (status == 400 && msg && strstr(msg, "only once")) {
    char host[HOST_MAX];
    url_host(host, sizeof(host), client_url(x->c));
    *out = local_secret(host, robot, token, k8s_ns);
  } else {
    rc = client_fail(status, j, "the robot's Kubernetes Secret");
  }
  json_decref(j);
  if (!rc && !*out)
    cli_error("out of memory"), rc = CLI_EXIT_API;
  return rc;
}

static void print_rotated(const char *robot, const char *token, const char *prev,
                          const char *secret)
{
  printf("# Rotated the token of %s.\n", robot);
  printf("# New token (the password for '%s'): %s\n", robot, token);
  if (prev)
    printf("# The previous token keeps working until %s: update your CI variables and\n"
           "# clusters before then (this Secret: pipe this output to 'kubectl apply -f -').\n",
           prev);
  else
    printf("# The previous token stopped working now.\n");
  printf("%s", secret);
}

int cli_robot_rotate(struct cli_call *x)
{
  char path[1024], rpath[1100], what[600];
  const char *grace = cli_opt(x, "grace"), *k8s_ns = cli_opt(x, "namespace");
  int64_t secs = DEFAULT_GRACE;
  if (grace && cli_duration(&secs, grace) != 0)
    return cli_usage_error(x, "--grace takes a duration such as 600, 1h or 7d");
  int rc = cli_robot_path(path, sizeof(path), x, x->argv[0]);
  if (rc)
    return rc;
  snprintf(rpath, sizeof(rpath), "%s/regenerate", path);
  snprintf(what, sizeof(what), "robot %s", x->argv[0]);
  json_t *body = json_pack("{s:I}", "grace_period", (json_int_t)secs), *r = NULL;
  char *secret = NULL;
  if ((rc = client_call(&r, x->c, "POST", rpath, body, what)) != 0)
    goto out;
  const char *token = json_string_value(json_object_get(r, "token"));
  const char *prev = json_string_value(json_object_get(r, "previous_token_expires_at"));
  if (!token) {
    cli_error("the server answered the regenerate of %s without a token", x->argv[0]);
    rc = CLI_EXIT_API;
    goto out;
  }
  rc = fetch_secret(&secret, x, path, k8s_ns, cli_str(r, "name"), token);
  if (rc) {
    /* the rotation happened: never lose the only copy of the new token */
    fprintf(stderr, "wharf: the new token of %s is %s\n", x->argv[0], token);
    goto out;
  }
  if (x->json) {
    json_t *j = json_pack("{s:s, s:s, s:o, s:s}", "name", cli_str(r, "name"), "token", token,
                          "previous_token_expires_at", prev ? json_string(prev) : json_null(),
                          "kubernetes_secret", secret);
    cli_print_json(j);
    json_decref(j);
  } else {
    print_rotated(cli_str(r, "name"), token, prev, secret);
  }
out:
  if (secret) {
    OPENSSL_cleanse(secret, strlen(secret));
    free(secret);
  }
  json_decref(body);
  json_decref(r);
  return rc;
}
