/* wharf robot secret NS+NAME --format F [--namespace NS] [--json]: prints a
 * robot's credentials in the form a consumer needs, fetched from a running
 * server's API (GET .../robots/{name}/secret, docs/api.md) through the
 * shared client (cli/client.h: --url/--token, WHARF_URL/WHARF_TOKEN or the
 * saved `wharf login`). The file itself goes to stdout so it pipes straight
 * into `kubectl apply -f -` or a file; CI snippets never contain the token
 * (the note on stderr names the CI secret to create, and --json carries it).
 *
 * Exit status as every API command (docs/cli.md): 0 done, 1 the server
 * refused or failed (unknown robot: 404), 2 usage, 3 cannot connect, no
 * credentials, or credentials refused (401/403). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/apicmd.h"
#include "cli/cli.h"
#include "cli/client.h"

/* Prints the answer: the content itself, or the whole object with --json. */
static int secret_print(const struct cli_call *x, const json_t *j, const char *robot)
{
  if (x->json) {
    cli_print_json(j);
    return CLI_EXIT_OK;
  }
  const char *content = json_string_value(json_object_get(j, "content"));
  const char *secret = json_string_value(json_object_get(j, "secret_name"));
  if (!content) {
    cli_error("the server's answer has no content; is %s a wharf server?", client_url(x->c));
    return CLI_EXIT_API;
  }
  fputs(content, stdout);
  if (secret)
    fprintf(stderr, "wharf: store the robot token in your CI system as the secret '%s' "
            "(print it with: wharf robot secret %s --format env)\n", secret, robot);
  return CLI_EXIT_OK;
}

/* Wipes the token strings of an answer before it is freed. */
static void wipe_token(json_t *j)
{
  json_t *t = json_object_get(j, "token");
  const char *s = json_string_value(t);
  if (s)
    memset((char *)(uintptr_t)s, 0, strlen(s));
}

int cli_robot_secret(struct cli_call *x)
{
  const char *robot = x->argv[0], *format = cli_opt(x, "format"), *ns = cli_opt(x, "namespace");
  const char *plus = strchr(robot, '+');
  if (!plus || plus == robot || !plus[1] || strchr(plus + 1, '+') || strchr(robot, '/'))
    return cli_usage_error(x, "give the robot as ORG+NAME (e.g. acme+ci_bot)");
  if (!format)
    return cli_usage_error(x, "--format is required (kubernetes, dockerconfig, env, gitlab, "
                              "github or jenkins)");
  char base[1024], query[512], path[1600];
  int rc = cli_robot_path(base, sizeof(base), x, robot);
  if (rc)
    return rc;
  if (client_pathf(query, sizeof(query), ns ? "?format=%s&namespace=%s" : "?format=%s", format,
                   ns) != 0)
    return cli_usage_error(x, "--format or --namespace too long");
  snprintf(path, sizeof(path), "%s/secret%s", base, query);
  long status = 0;
  json_t *j = NULL;
  if ((rc = client_request(&status, &j, x->c, "GET", path, NULL)) != 0)
    return rc;
  int org_len = (int)(plus - robot);
  if (status == 403) {
    cli_error("not allowed to read the tokens of %.*s's robots (403): use the token of an "
              "admin of %.*s with scope org:admin", org_len, robot, org_len, robot);
    rc = CLI_EXIT_AUTH;
  } else if (status != 200 || !json_is_object(j)) {
    char what[300];
    snprintf(what, sizeof(what), "robot %.200s", robot);
    rc = client_fail(status, j, what);
  } else {
    rc = secret_print(x, j, robot);
  }
  wipe_token(j);
  json_decref(j);
  return rc;
}

int cmd_robot(int argc, char **argv)
{
  /* every subcommand, `secret` included, is a row of cmd_robot_api.c's table */
  return cmd_robot_api(argc, argv);
}
