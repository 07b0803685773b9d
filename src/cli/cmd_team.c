/* wharf team create|list|members|delete|add|remove: teams of an
 * organization (organization/{org}/team/{team}…; the list comes from the
 * organization view, which shows teams to members). */
#include <stdio.h>
#include <string.h>

#include "cli/apicmd.h"
#include "cli/cli.h"

/* organization/ORG/team/TEAM[/members[/MEMBER]] into out. */
static int team_path(char *out, size_t len, struct cli_call *x, const char *member, int members)
{
  int bad = member ? client_pathf(out, len, "/api/v1/organization/%s/team/%s/members/%s",
                                  x->argv[0], x->argv[1], member)
            : members ? client_pathf(out, len, "/api/v1/organization/%s/team/%s/members",
                                     x->argv[0], x->argv[1])
                      : client_pathf(out, len, "/api/v1/organization/%s/team/%s", x->argv[0],
                                     x->argv[1]);
  return bad ? cli_usage_error(x, "name too long") : 0;
}

/* Prints {"team", "org", key: value} for --json or the sentence. */
static void done(struct cli_call *x, const char *key, const char *value, const char *sentence)
{
  if (x->json) {
    json_t *j = json_pack("{s:s, s:s, s:s?}", "organization", x->argv[0], "team", x->argv[1],
                          key, value);
    cli_print_json(j);
    json_decref(j);
  } else {
    puts(sentence);
  }
}

static int team_create(struct cli_call *x)
{
  const char *role = cli_opt(x, "role"), *desc = cli_opt(x, "description");
  if (!role)
    role = "member";
  if (strcmp(role, "member") != 0 && strcmp(role, "creator") != 0 && strcmp(role, "admin") != 0)
    return cli_usage_error(x, "--role is member, creator or admin");
  char path[1024], what[600], msg[700];
  int rc = team_path(path, sizeof(path), x, NULL, 0);
  if (rc)
    return rc;
  snprintf(what, sizeof(what), "team %s of %s", x->argv[1], x->argv[0]);
  json_t *body = json_pack("{s:s, s:s*}", "role", role, "description", desc), *r = NULL;
  rc = client_call(&r, x->c, "PUT", path, body, what);
  if (rc == 0) {
    snprintf(msg, sizeof(msg), "%s team %s of %s (role %s).",
             json_is_false(json_object_get(r, "new_team")) ? "Updated" : "Created", x->argv[1],
             x->argv[0], role);
    if (x->json)
      cli_print_json(r);
    else
      puts(msg);
  }
  json_decref(body);
  json_decref(r);
  return rc;
}

static int team_list(struct cli_call *x)
{
  char path[1024], what[300];
  if (client_pathf(path, sizeof(path), "/api/v1/organization/%s", x->argv[0]) != 0)
    return cli_usage_error(x, "organization name too long");
  snprintf(what, sizeof(what), "organization %s", x->argv[0]);
  json_t *org = NULL;
  int rc = client_call(&org, x->c, "GET", path, NULL, what);
  if (rc)
    return rc;
  json_t *teams = json_object_get(org, "teams"), *order = json_object_get(org, "ordered_teams");
  if (!json_is_object(teams)) {
    cli_error("only members of %s see its teams; use the token of a member", x->argv[0]);
    json_decref(org);
    return CLI_EXIT_AUTH;
  }
  json_t *list = json_array();
  size_t i;
  json_t *n;
  json_array_foreach(order, i, n)
    json_array_append(list, json_object_get(teams, json_string_value(n)));
  if (x->json) {
    cli_print_json(list);
  } else {
    static const char *const h[] = { "TEAM", "ROLE", "MEMBERS", "REPOS", "DESCRIPTION" };
    struct cli_table *t = cli_table_new(5, h);
    json_t *tm;
    json_array_foreach(list, i, tm) {
      char m[32], r[32];
      snprintf(m, sizeof(m), "%lld", (long long)json_integer_value(json_object_get(tm,
                                                                   "member_count")));
      snprintf(r, sizeof(r), "%lld", (long long)json_integer_value(json_object_get(tm,
                                                                   "repo_count")));
      const char *d = cli_str(tm, "description");
      const char *row[] = { cli_str(tm, "name"), cli_str(tm, "role"), m, r, *d ? d : "-" };
      if (t)
        cli_table_add(t, row);
    }
    cli_table_print(t, stdout);
  }
  json_decref(list);
  json_decref(org);
  return 0;
}

static int team_members(struct cli_call *x)
{
  char path[1024], what[600];
  int rc = team_path(path, sizeof(path), x, NULL, 1);
  if (rc)
    return rc;
  snprintf(what, sizeof(what), "team %s of %s", x->argv[1], x->argv[0]);
  json_t *r = NULL;
  if ((rc = client_call(&r, x->c, "GET", path, NULL, what)) != 0)
    return rc;
  json_t *members = json_object_get(r, "members");
  if (x->json) {
    cli_print_json(members);
  } else {
    static const char *const h[] = { "MEMBER", "KIND" };
    struct cli_table *t = cli_table_new(2, h);
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m) {
      const char *row[] = { cli_str(m, "name"),
                            json_is_true(json_object_get(m, "is_robot")) ? "robot" : "user" };
      if (t)
        cli_table_add(t, row);
    }
    cli_table_print(t, stdout);
  }
  json_decref(r);
  return 0;
}

/* DELETE team, PUT member or DELETE member, per the subcommand. */
static int team_change(struct cli_call *x)
{
  const char *sub = x->sub->name, *member = x->argc > 2 ? x->argv[2] : NULL;
  char path[1024], what[600], msg[900];
  int rc = team_path(path, sizeof(path), x, member, 0);
  if (rc)
    return rc;
  snprintf(what, sizeof(what), "team %s of %s%s%s", x->argv[1], x->argv[0],
           member ? ", member " : "", member ? member : "");
  json_t *r = NULL;
  rc = client_call(&r, x->c, strcmp(sub, "add") == 0 ? "PUT" : "DELETE", path, NULL, what);
  json_decref(r);
  if (rc)
    return rc;
  if (strcmp(sub, "delete") == 0)
    snprintf(msg, sizeof(msg), "Deleted team %s of %s.", x->argv[1], x->argv[0]);
  else
    snprintf(msg, sizeof(msg), "%s %s %s team %s of %s.", strcmp(sub, "add") == 0 ? "Added"
                                                                                   : "Removed",
             member, strcmp(sub, "add") == 0 ? "to" : "from", x->argv[1], x->argv[0]);
  done(x, member ? (strcmp(sub, "add") == 0 ? "added" : "removed") : "deleted",
       member ? member : x->argv[1], msg);
  return 0;
}

static const struct cli_opt create_opts[] = {
  { "role", "ROLE", "member (default), creator (may create repositories) or admin" },
  { "description", "TEXT", "a description" },
  { NULL, NULL, NULL },
};

static const struct cli_sub team_subs[] = {
  { "create", "ORG TEAM", 2, 2, "create a team, or change its role and description",
    "Grant the team repositories with 'wharf perm set NS/REPO team:TEAM ROLE'.\n", create_opts,
    team_create, 0 },
  { "list", "ORG", 1, 1, "list the teams of an organization (members see them)", NULL, NULL,
    team_list, 0 },
  { "members", "ORG TEAM", 2, 2, "list a team's members", NULL, NULL, team_members, 0 },
  { "delete", "ORG TEAM", 2, 2, "delete a team", NULL, NULL, team_change, 0 },
  { "add", "ORG TEAM MEMBER", 3, 3, "add a user or a robot ORG+NAME of the organization", NULL,
    NULL, team_change, 0 },
  { "remove", "ORG TEAM MEMBER", 3, 3, "remove a member from a team", NULL, NULL, team_change,
    0 },
};

const struct cli_group cli_group_team = { "team", "Teams of an organization.", team_subs,
                                          sizeof(team_subs) / sizeof(team_subs[0]) };

int cmd_team(int argc, char **argv)
{
  return cli_group_run(&cli_group_team, argc, argv);
}
