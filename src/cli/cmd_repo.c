/* wharf repo create|list|delete: repositories through the Quay API
 * (POST repository, GET repository?namespace=, DELETE repository/{repo}). */
#include <stdio.h>
#include <string.h>

#include "cli/apicmd.h"
#include "cli/cli.h"

#define PAGES_MAX 100   /* 100 repositories a page: 10000 at most */

/* Splits "ns/name" at its first '/'; -1 unless both parts are non-empty. */
static int split_repo(char *ns, size_t len, const char **name, const char *repo)
{
  const char *slash = strchr(repo, '/');
  if (!slash || slash == repo || !slash[1] || (size_t)(slash - repo) >= len)
    return -1;
  snprintf(ns, len, "%.*s", (int)(slash - repo), repo);
  *name = slash + 1;
  return 0;
}

static int repo_create(struct cli_call *x)
{
  char ns[256], what[600];
  const char *name, *desc = cli_opt(x, "description");
  if (split_repo(ns, sizeof(ns), &name, x->argv[0]) != 0)
    return cli_usage_error(x, "give the repository as NAMESPACE/NAME (e.g. acme/app)");
  json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "namespace", ns, "repository", name,
                           "visibility", cli_opt(x, "public") ? "public" : "private",
                           "description", desc ? desc : ""), *resp = NULL;
  snprintf(what, sizeof(what), "repository %s", x->argv[0]);
  int rc = client_call(&resp, x->c, "POST", "/api/v1/repository", body, what);
  if (rc == 0) {
    if (x->json)
      cli_print_json(resp);
    else
      printf("Created %s repository %s.\n", cli_opt(x, "public") ? "public" : "private",
             x->argv[0]);
  }
  json_decref(body);
  json_decref(resp);
  return rc;
}

/* Appends every page of GET repository?namespace=ns to all. */
static int fetch_all(json_t *all, struct cli_call *x, const char *ns)
{
  char path[2048], what[300], next[1024] = "";
  snprintf(what, sizeof(what), "namespace %s", ns);
  for (int page = 0; page < PAGES_MAX; page++) {
    json_t *resp = NULL;
    int bad = *next ? client_pathf(path, sizeof(path), "/api/v1/repository?namespace=%s"
                                   "&next_page=%s", ns, next)
                    : client_pathf(path, sizeof(path), "/api/v1/repository?namespace=%s", ns);
    if (bad)
      return cli_usage_error(x, "namespace name too long");
    int rc = client_call(&resp, x->c, "GET", path, NULL, what);
    if (rc)
      return rc;
    json_array_extend(all, json_object_get(resp, "repositories"));
    int more = cli_next_page(next, sizeof(next), resp);
    json_decref(resp);
    if (!more)
      break;
  }
  return 0;
}

static int repo_list(struct cli_call *x)
{
  json_t *all = json_array();
  int rc = all ? fetch_all(all, x, x->argv[0]) : CLI_EXIT_API;
  if (rc == 0 && x->json) {
    cli_print_json(all);
  } else if (rc == 0) {
    static const char *const h[] = { "REPOSITORY", "VISIBILITY", "DESCRIPTION" };
    struct cli_table *t = cli_table_new(3, h);
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r) {
      char full[600];
      snprintf(full, sizeof(full), "%s/%s", cli_str(r, "namespace"), cli_str(r, "name"));
      const char *d = cli_str(r, "description");
      const char *row[] = { full, json_is_true(json_object_get(r, "is_public")) ? "public"
                                                                                : "private",
                            *d ? d : "-" };
      if (t)
        cli_table_add(t, row);
    }
    cli_table_print(t, stdout);
  }
  json_decref(all);
  return rc;
}

static int repo_delete(struct cli_call *x)
{
  char ns[256], path[1024], what[600];
  const char *name;
  if (split_repo(ns, sizeof(ns), &name, x->argv[0]) != 0)
    return cli_usage_error(x, "give the repository as NAMESPACE/NAME (e.g. acme/app)");
  if (client_pathf(path, sizeof(path), "/api/v1/repository/%r", x->argv[0]) != 0)
    return cli_usage_error(x, "repository name too long");
  snprintf(what, sizeof(what), "repository %s", x->argv[0]);
  json_t *resp = NULL;
  int rc = client_call(&resp, x->c, "DELETE", path, NULL, what);
  json_decref(resp);
  if (rc)
    return rc;
  if (x->json) {
    json_t *j = json_pack("{s:s, s:b}", "repository", x->argv[0], "deleted", 1);
    cli_print_json(j);
    json_decref(j);
  } else {
    printf("Deleted repository %s with its tags and manifests.\n", x->argv[0]);
  }
  return 0;
}

static const struct cli_opt create_opts[] = {
  { "public", NULL, "anyone may pull (default: private)" },
  { "description", "TEXT", "a description" },
  { NULL, NULL, NULL },
};

static const struct cli_sub repo_subs[] = {
  { "create", "NAMESPACE/NAME", 1, 1, "create a repository (private unless --public)", NULL,
    create_opts, repo_create, 0 },
  { "list", "NAMESPACE", 1, 1, "list the repositories of an organization or user you can see",
    NULL, NULL, repo_list, 0 },
  { "delete", "NAMESPACE/NAME", 1, 1, "delete a repository and everything in it (no undo)",
    NULL, NULL, repo_delete, 0 },
};

const struct cli_group cli_group_repo = { "repo", "Repositories.", repo_subs,
                                          sizeof(repo_subs) / sizeof(repo_subs[0]) };

int cmd_repo(int argc, char **argv)
{
  return cli_group_run(&cli_group_repo, argc, argv);
}
