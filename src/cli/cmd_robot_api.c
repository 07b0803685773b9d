/* wharf robot create|list|show|delete|regenerate: robot accounts through
 * the Quay API (organization/{org}/robots…, or user/robots… for the caller's
 * own namespace). `robot secret` stays in cmd_robot.c, which hands every
 * other robot command to cmd_robot_api(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/apicmd.h"
#include "cli/cli.h"

static const char *yes_no(const json_t *j, const char *key)
{
  json_t *v = json_object_get(j, key);
  return json_is_boolean(v) ? (json_is_true(v) ? "yes" : "no") : "-";
}

/* A string or null/absent value shown as "-" (or `none` when given). */
static const char *or_none(const json_t *j, const char *key, const char *none)
{
  const char *s = json_string_value(json_object_get(j, key));
  return s && *s ? s : none;
}

static void print_token_note(const json_t *r)
{
  const char *tok = json_string_value(json_object_get(r, "token"));
  if (!tok)
    return;
  printf("  token:    %s\n", tok);
  printf("Log in with username '%s' and this token as the password; "
         "'wharf robot secret %s --format kubernetes' prints a pull secret.\n",
         cli_str(r, "name"), cli_str(r, "name"));
}

static int robot_create(struct cli_call *x)
{
  char path[1024], what[600];
  const char *desc = cli_opt(x, "description"), *exp = cli_opt(x, "expires");
  int64_t secs = 0;
  if (exp && cli_duration(&secs, exp) != 0)
    return cli_usage_error(x, "--expires takes a duration such as 3600, 90d or 12w");
  int rc = cli_robot_path(path, sizeof(path), x, x->argv[0]);
  if (rc)
    return rc;
  json_t *body = json_pack("{s:s}", "description", desc ? desc : ""), *r = NULL;
  if (exp)
    json_object_set_new(body, "token_expiration", json_integer((json_int_t)secs));
  if (cli_opt(x, "disabled"))
    json_object_set_new(body, "enabled", json_false());
  snprintf(what, sizeof(what), "robot %s", x->argv[0]);
  rc = client_call(&r, x->c, "PUT", path, body, what);
  if (rc == 0 && x->json) {
    cli_print_json(r);
  } else if (rc == 0) {
    printf("Created robot %s.\n", cli_str(r, "name"));
    printf("  expires:  %s\n", or_none(r, "expires_at", "never"));
    print_token_note(r);
  }
  json_decref(body);
  json_decref(r);
  return rc;
}

static int robot_list(struct cli_call *x)
{
  json_t *resp = NULL;
  int rc = cli_robots_get(&resp, x, x->argv[0], "?token=false&permissions=true");
  if (rc)
    return rc;
  json_t *robots = json_object_get(resp, "robots");
  if (x->json) {
    cli_print_json(robots);
  } else {
    static const char *const h[] = { "NAME", "ENABLED", "EXPIRES", "LAST USED", "TEAMS",
                                     "DESCRIPTION" };
    struct cli_table *t = cli_table_new(6, h);
    size_t i, k;
    json_t *r, *tm;
    json_array_foreach(robots, i, r) {
      char teams[512] = "";
      json_array_foreach(json_object_get(r, "teams"), k, tm) {
        size_t n = strlen(teams);
        snprintf(teams + n, sizeof(teams) - n, "%s%s", n ? "," : "", cli_str(tm, "name"));
      }
      const char *row[] = { cli_str(r, "name"), yes_no(r, "enabled"),
                            or_none(r, "expires_at", "never"),
                            or_none(r, "last_accessed", "never"), *teams ? teams : "-",
                            or_none(r, "description", "-") };
      if (t)
        cli_table_add(t, row);
    }
    cli_table_print(t, stdout);
  }
  json_decref(resp);
  return 0;
}

static void print_perms(const json_t *perms)
{
  static const char *const h[] = { "REPOSITORY", "ROLE" };
  struct cli_table *t = cli_table_new(2, h);
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(perms, "permissions"), i, p) {
    json_t *repo = json_object_get(p, "repository");
    const char *row[] = { cli_str(repo, "name"), cli_str(p, "role") };
    if (t)
      cli_table_add(t, row);
  }
  printf("\ndirect repository permissions:\n");
  cli_table_print(t, stdout);
}

static int robot_show(struct cli_call *x)
{
  char path[1024], ppath[1100], what[600];
  int rc = cli_robot_path(path, sizeof(path), x, x->argv[0]);
  if (rc)
    return rc;
  snprintf(what, sizeof(what), "robot %s", x->argv[0]);
  json_t *r = NULL, *perms = NULL;
  if ((rc = client_call(&r, x->c, "GET", path, NULL, what)) != 0)
    return rc;
  snprintf(ppath, sizeof(ppath), "%s/permissions", path);
  if ((rc = client_call(&perms, x->c, "GET", ppath, NULL, what)) != 0)
    goto out;
  if (x->json) {
    json_object_set(r, "permissions", json_object_get(perms, "permissions"));
    cli_print_json(r);
    goto out;
  }
  const char *ips = NULL;
  char *ipbuf = json_dumps(json_object_get(r, "allowed_ips"), JSON_COMPACT);
  ips = ipbuf && strcmp(ipbuf, "[]") != 0 ? ipbuf : "any";
  printf("name:        %s\ndescription: %s\nenabled:     %s\ncreated:     %s\n"
         "last used:   %s\nexpires:     %s%s\nallowed ips: %s\n",
         cli_str(r, "name"), or_none(r, "description", "-"), yes_no(r, "enabled"),
         or_none(r, "created", "-"), or_none(r, "last_accessed", "never"),
         or_none(r, "expires_at", "never"),
         json_is_true(json_object_get(r, "expires_soon")) ? " (soon: regenerate it)" : "", ips);
  free(ipbuf);
  const char *tok = json_string_value(json_object_get(r, "token"));
  printf("token:       %s\n", tok ? tok : "(not retrievable: shown once when made)");
  print_perms(perms);
out:
  json_decref(r);
  json_decref(perms);
  return rc;
}

static int robot_delete(struct cli_call *x)
{
  char path[1024], what[600];
  int rc = cli_robot_path(path, sizeof(path), x, x->argv[0]);
  if (rc)
    return rc;
  snprintf(what, sizeof(what), "robot %s", x->argv[0]);
  json_t *r = NULL;
  if ((rc = client_call(&r, x->c, "DELETE", path, NULL, what)) != 0)
    return rc;
  json_decref(r);
  if (x->json) {
    json_t *j = json_pack("{s:s, s:b}", "name", x->argv[0], "deleted", 1);
    cli_print_json(j);
    json_decref(j);
  } else {
    printf("Deleted robot %s; its tokens stopped working.\n", x->argv[0]);
  }
  return 0;
}

static int robot_regenerate(struct cli_call *x)
{
  char path[1100], what[600];
  const char *grace = cli_opt(x, "grace");
  int64_t secs = 0;
  if (grace && cli_duration(&secs, grace) != 0)
    return cli_usage_error(x, "--grace takes a duration such as 600, 1h or 7d");
  int rc = cli_robot_path(path, sizeof(path) - 16, x, x->argv[0]);
  if (rc)
    return rc;
  strcat(path, "/regenerate");
  snprintf(what, sizeof(what), "robot %s", x->argv[0]);
  json_t *body = json_pack("{s:I}", "grace_period", (json_int_t)secs), *r = NULL;
  rc = client_call(&r, x->c, "POST", path, body, what);
  if (rc == 0 && x->json) {
    cli_print_json(r);
  } else if (rc == 0) {
    const char *prev = json_string_value(json_object_get(r, "previous_token_expires_at"));
    printf("Regenerated the token of %s; ", cli_str(r, "name"));
    if (prev)
      printf("previous tokens keep working until %s.\n", prev);
    else
      printf("previous tokens stopped working.\n");
    print_token_note(r);
  }
  json_decref(body);
  json_decref(r);
  return rc;
}

/* wharf robot secret (cmd_robot.c, issue 9) */
int cli_robot_secret(struct cli_call *x);

static const struct cli_opt create_opts[] = {
  { "description", "TEXT", "what the robot is for" },
  { "expires", "DURATION", "its token expires after DURATION (e.g. 90d; default never)" },
  { "disabled", NULL, "create it disabled" },
  { NULL, NULL, NULL },
};

static const struct cli_opt regen_opts[] = {
  { "grace", "DURATION", "previous tokens keep working this long (e.g. 1h; default 0)" },
  { NULL, NULL, NULL },
};

static const struct cli_opt secret_opts[] = {
  { "format", "FORMAT", "kubernetes, dockerconfig, env, gitlab, github or jenkins" },
  { "namespace", "NS", "the Kubernetes namespace of the Secret" },
  { NULL, NULL, NULL },
};

/* wharf robot stale (cmd_robot_stale.c, issue 7) */
int cli_robot_stale(struct cli_call *x);
static const struct cli_opt stale_opts[] = {
  { "days", "N", "not used for N days (default 90); never-used robots always count" },
  { NULL, NULL, NULL },
};

/* wharf robot rotate (cmd_robot_rotate.c, issue 8) */
int cli_robot_rotate(struct cli_call *x);
static const struct cli_opt rotate_opts[] = {
  { "grace", "DURATION", "the previous token keeps working this long (default 1h; 0: stops now)" },
  { "namespace", "K8SNS", "the Kubernetes namespace of the printed Secret" },
  { NULL, NULL, NULL },
};

static const struct cli_sub robot_subs[] = {
  { "create", "NS+NAME", 1, 1, "create a robot account and print its token",
    "NS is an organization you administer or your own user name.\n", create_opts,
    robot_create, 0 },
  { "list", "NS", 1, 1, "list the robots of an organization (or your own)", NULL, NULL,
    robot_list, 0 },
  { "show", "NS+NAME", 1, 1, "show a robot, its token and its repository permissions", NULL,
    NULL, robot_show, 0 },
  { "delete", "NS+NAME", 1, 1, "delete a robot (its tokens stop working at once)", NULL, NULL,
    robot_delete, 0 },
  { "regenerate", "NS+NAME", 1, 1, "issue a new token (optionally keeping old ones a while)",
    NULL, regen_opts, robot_regenerate, 0 },
  { "secret", "NS+NAME", 1, 1, "print credentials for Kubernetes, docker, env or CI", NULL,
    secret_opts, cli_robot_secret, 0 },
  { "stale", "NS", 1, 1, "list robots not used for --days N (default 90) or never", NULL,
    stale_opts, cli_robot_stale, 0 },
  { "rotate", "NS+NAME", 1, 1, "new token with a grace period; prints it and the updated Secret",
    "Prints the new token, until when the previous one works, and the updated Kubernetes\n"
    "Secret as YAML (notes are comments): 'wharf robot rotate acme+ci --grace 1h |\n"
    "kubectl apply -f -' rotates without breaking pulls. See docs/robots.md.\n",
    rotate_opts, cli_robot_rotate, 0 },
};

const struct cli_group cli_group_robot = { "robot", "Robot accounts (machine credentials).",
                                           robot_subs,
                                           sizeof(robot_subs) / sizeof(robot_subs[0]) };

int cmd_robot_api(int argc, char **argv)
{
  return cli_group_run(&cli_group_robot, argc, argv);
}
