/* wharf org create|list|show: organizations through the Quay API
 * (POST organization/, GET user/ `organizations`, GET organization/{org}). */
#include <stdio.h>
#include <string.h>

#include "cli/apicmd.h"
#include "cli/cli.h"

static int org_create(struct cli_call *x)
{
  const char *name = x->argv[0], *email = cli_opt(x, "email");
  json_t *body = json_pack("{s:s, s:s*}", "name", name, "email", email), *resp = NULL;
  char what[320];
  snprintf(what, sizeof(what), "organization %s", name);
  int rc = client_call(&resp, x->c, "POST", "/api/v1/organization/", body, what);
  if (rc == 0) {
    if (x->json) {
      json_t *j = json_pack("{s:s, s:b}", "name", name, "created", 1);
      cli_print_json(j);
      json_decref(j);
    } else {
      printf("Created organization %s (you are in its 'owners' team).\n", name);
    }
  }
  json_decref(body);
  json_decref(resp);
  return rc;
}

static int org_list(struct cli_call *x)
{
  json_t *me = NULL;
  int rc = client_call(&me, x->c, "GET", "/api/v1/user/", NULL, NULL);
  if (rc)
    return rc;
  json_t *orgs = json_object_get(me, "organizations");
  if (!json_is_array(orgs)) {
    cli_error("this server does not list a user's organizations; use 'wharf org show NAME'");
    json_decref(me);
    return CLI_EXIT_API;
  }
  if (x->json) {
    cli_print_json(orgs);
  } else {
    static const char *const h[] = { "NAME", "ADMIN" };
    struct cli_table *t = cli_table_new(2, h);
    size_t i;
    json_t *o;
    json_array_foreach(orgs, i, o) {
      const char *row[] = { cli_str(o, "name"),
                            json_is_true(json_object_get(o, "is_org_admin")) ? "yes" : "no" };
      if (t)
        cli_table_add(t, row);
    }
    cli_table_print(t, stdout);
  }
  json_decref(me);
  return 0;
}

static void print_teams(json_t *org)
{
  static const char *const h[] = { "TEAM", "ROLE", "MEMBERS", "REPOS", "DESCRIPTION" };
  struct cli_table *t = cli_table_new(5, h);
  json_t *teams = json_object_get(org, "teams"), *order = json_object_get(org, "ordered_teams");
  size_t i;
  json_t *name;
  json_array_foreach(order, i, name) {
    json_t *tm = json_object_get(teams, json_string_value(name));
    char members[32], repos[32];
    snprintf(members, sizeof(members), "%lld",
             (long long)json_integer_value(json_object_get(tm, "member_count")));
    snprintf(repos, sizeof(repos), "%lld",
             (long long)json_integer_value(json_object_get(tm, "repo_count")));
    const char *d = cli_str(tm, "description");
    const char *row[] = { cli_str(tm, "name"), cli_str(tm, "role"), members, repos,
                          *d ? d : "-" };
    if (t)
      cli_table_add(t, row);
  }
  cli_table_print(t, stdout);
}

static int org_show(struct cli_call *x)
{
  char path[1024], what[320];
  json_t *org = NULL;
  snprintf(what, sizeof(what), "organization %s", x->argv[0]);
  if (client_pathf(path, sizeof(path), "/api/v1/organization/%s", x->argv[0]) != 0)
    return cli_usage_error(x, "organization name too long");
  int rc = client_call(&org, x->c, "GET", path, NULL, what);
  if (rc)
    return rc;
  if (x->json) {
    cli_print_json(org);
  } else {
    const char *email = cli_str(org, "email");
    printf("name:     %s\nemail:    %s\nadmin:    %s\nmember:   %s\n", cli_str(org, "name"),
           *email ? email : "-", json_is_true(json_object_get(org, "is_admin")) ? "yes" : "no",
           json_is_true(json_object_get(org, "is_member")) ? "yes" : "no");
    if (json_is_object(json_object_get(org, "teams"))) {
      printf("\n");
      print_teams(org);
    }
  }
  json_decref(org);
  return 0;
}

static const struct cli_opt create_opts[] = {
  { "email", "EMAIL", "the organization's contact address" },
  { NULL, NULL, NULL },
};

static const struct cli_sub org_subs[] = {
  { "create", "NAME", 1, 1, "create an organization (you become its admin)",
    "NAME: 2 to 255 characters of a-z, 0-9 and single . _ - between them.\n", create_opts,
    org_create, 0 },
  { "list", "", 0, 0, "list the organizations you belong to", NULL, NULL, org_list, 0 },
  { "show", "NAME", 1, 1, "show an organization and (to members) its teams", NULL, NULL,
    org_show, 0 },
};

const struct cli_group cli_group_org = { "org", "Organizations.", org_subs,
                                         sizeof(org_subs) / sizeof(org_subs[0]) };

int cmd_org(int argc, char **argv)
{
  return cli_group_run(&cli_group_org, argc, argv);
}
