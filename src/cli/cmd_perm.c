/* wharf perm set|list|rm: repository permissions of users, robots and teams
 * (repository/{repo}/permissions/user/… and …/team/…). A team is named
 * `team:NAME` or with --team; anything else is a user or an NS+NAME robot. */
#include <stdio.h>
#include <string.h>

#include "cli/apicmd.h"
#include "cli/cli.h"

/* The permission path of entity on x->argv[0]; sets *is_team. */
static int perm_path(char *out, size_t len, int *is_team, struct cli_call *x, const char *entity)
{
  if (!strchr(x->argv[0], '/'))
    return cli_usage_error(x, "give the repository as NAMESPACE/NAME (e.g. acme/app)");
  *is_team = cli_opt(x, "team") != NULL;
  if (strncmp(entity, "team:", 5) == 0) {
    *is_team = 1;
    entity += 5;
  }
  if (!*entity)
    return cli_usage_error(x, "the user, robot or team name is empty");
  if (client_pathf(out, len, *is_team ? "/api/v1/repository/%r/permissions/team/%s"
                                      : "/api/v1/repository/%r/permissions/user/%s",
                   x->argv[0], entity) != 0)
    return cli_usage_error(x, "name too long");
  return 0;
}

static int perm_set(struct cli_call *x)
{
  const char *role = x->argv[2];
  if (strcmp(role, "read") != 0 && strcmp(role, "write") != 0 && strcmp(role, "admin") != 0)
    return cli_usage_error(x, "ROLE is read, write or admin");
  char path[1024], what[600];
  int team = 0, rc = perm_path(path, sizeof(path), &team, x, x->argv[1]);
  if (rc)
    return rc;
  snprintf(what, sizeof(what), "%s on %s", x->argv[1], x->argv[0]);
  json_t *body = json_pack("{s:s}", "role", role), *r = NULL;
  rc = client_call(&r, x->c, "PUT", path, body, what);
  if (rc == 0 && x->json)
    cli_print_json(r);
  else if (rc == 0)
    printf("%s %s now has %s on %s.\n", team ? "Team" : json_is_true(json_object_get(
           r, "is_robot")) ? "Robot" : "User", cli_str(r, "name"), cli_str(r, "role"),
           x->argv[0]);
  json_decref(body);
  json_decref(r);
  return rc;
}

/* Appends {name, kind, role} rows from a permissions map to out. */
static void collect(json_t *out, json_t *resp, int teams)
{
  const char *name;
  json_t *p;
  json_object_foreach(json_object_get(resp, "permissions"), name, p) {
    const char *kind = teams ? "team" : json_is_true(json_object_get(p, "is_robot")) ? "robot"
                                                                                       : "user";
    json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "name", name, "kind", kind, "role",
                                         cli_str(p, "role")));
  }
}

static int perm_list(struct cli_call *x)
{
  char upath[1024], tpath[1024], what[600];
  if (!strchr(x->argv[0], '/'))
    return cli_usage_error(x, "give the repository as NAMESPACE/NAME (e.g. acme/app)");
  if (client_pathf(upath, sizeof(upath), "/api/v1/repository/%r/permissions/user/",
                   x->argv[0]) != 0 ||
      client_pathf(tpath, sizeof(tpath), "/api/v1/repository/%r/permissions/team/",
                   x->argv[0]) != 0)
    return cli_usage_error(x, "repository name too long");
  snprintf(what, sizeof(what), "repository %s", x->argv[0]);
  json_t *u = NULL, *t = NULL, *all = json_array();
  int rc = client_call(&u, x->c, "GET", upath, NULL, what);
  if (rc == 0)
    rc = client_call(&t, x->c, "GET", tpath, NULL, what);
  if (rc == 0) {
    collect(all, u, 0);
    collect(all, t, 1);
    if (x->json) {
      cli_print_json(all);
    } else {
      static const char *const h[] = { "NAME", "KIND", "ROLE" };
      struct cli_table *tab = cli_table_new(3, h);
      size_t i;
      json_t *p;
      json_array_foreach(all, i, p) {
        const char *row[] = { cli_str(p, "name"), cli_str(p, "kind"), cli_str(p, "role") };
        if (tab)
          cli_table_add(tab, row);
      }
      cli_table_print(tab, stdout);
    }
  }
  json_decref(u);
  json_decref(t);
  json_decref(all);
  return rc;
}

static int perm_rm(struct cli_call *x)
{
  char path[1024], what[600];
  int team = 0, rc = perm_path(path, sizeof(path), &team, x, x->argv[1]);
  if (rc)
    return rc;
  snprintf(what, sizeof(what), "%s on %s", x->argv[1], x->argv[0]);
  json_t *r = NULL;
  if ((rc = client_call(&r, x->c, "DELETE", path, NULL, what)) != 0)
    return rc;
  json_decref(r);
  if (x->json) {
    json_t *j = json_pack("{s:s, s:s, s:b}", "repository", x->argv[0], "name", x->argv[1],
                          "removed", 1);
    cli_print_json(j);
    json_decref(j);
  } else {
    printf("Removed the permission of %s on %s.\n", x->argv[1], x->argv[0]);
  }
  return 0;
}

static const struct cli_opt team_opt[] = {
  { "team", NULL, "ENTITY is a team of the repository's organization" },
  { NULL, NULL, NULL },
};

static const struct cli_sub perm_subs[] = {
  { "set", "NS/REPO ENTITY ROLE", 3, 3, "grant read, write or admin on a repository",
    "ENTITY is a user name, a robot NS+NAME, or team:NAME (or NAME with --team).\n"
    "Setting replaces the entity's previous role on the repository.\n",
    team_opt, perm_set, 0 },
  { "list", "NS/REPO", 1, 1, "list who holds which role on a repository", NULL, NULL,
    perm_list, 0 },
  { "rm", "NS/REPO ENTITY", 2, 2, "remove an entity's permission on a repository", NULL,
    team_opt, perm_rm, 0 },
};

const struct cli_group cli_group_perm = { "perm", "Repository permissions.", perm_subs,
                                          sizeof(perm_subs) / sizeof(perm_subs[0]) };

int cmd_perm(int argc, char **argv)
{
  return cli_group_run(&cli_group_perm, argc, argv);
}
