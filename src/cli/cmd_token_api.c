/* wharf token create|list|revoke ORG …: API tokens through the Quay API. A
 * token belongs to an OAuth application of an organization
 * (organization/{org}/applications/{client_id}/tokens); without --app the
 * CLI uses the org's application named "wharf-cli", creating it when
 * missing. `token create --user NAME` (no ORG) is the offline form in
 * cmd_token.c, which hands the rest here. */
#include <stdio.h>
#include <string.h>

#include "cli/apicmd.h"
#include "cli/cli.h"

#define CLI_APP_NAME "wharf-cli"

/* GET organization/ORG/applications into *apps (the array, owned by *resp). */
static int apps_get(json_t **resp, json_t **apps, struct cli_call *x)
{
  char path[1024], what[300];
  if (client_pathf(path, sizeof(path), "/api/v1/organization/%s/applications", x->argv[0]) != 0)
    return cli_usage_error(x, "organization name too long");
  snprintf(what, sizeof(what), "applications of %s", x->argv[0]);
  int rc = client_call(resp, x->c, "GET", path, NULL, what);
  if (rc == 0)
    *apps = json_object_get(*resp, "applications");
  return rc;
}

/* The client_id of the "wharf-cli" application of ORG, made if missing. */
static int cli_app(char *out, size_t len, struct cli_call *x)
{
  json_t *resp = NULL, *apps = NULL, *app;
  size_t i;
  int rc = apps_get(&resp, &apps, x);
  if (rc)
    return rc;
  json_array_foreach(apps, i, app)
    if (strcmp(cli_str(app, "name"), CLI_APP_NAME) == 0) {
      snprintf(out, len, "%s", cli_str(app, "client_id"));
      json_decref(resp);
      return 0;
    }
  json_decref(resp);
  char path[1024];
  client_pathf(path, sizeof(path), "/api/v1/organization/%s/applications", x->argv[0]);
  json_t *body = json_pack("{s:s, s:s}", "name", CLI_APP_NAME, "description",
                           "API tokens made with 'wharf token create'");
  rc = client_call(&resp, x->c, "POST", path, body, "creating the wharf-cli application");
  json_decref(body);
  if (rc == 0)
    snprintf(out, len, "%s", cli_str(resp, "client_id"));
  json_decref(resp);
  return rc;
}

static int token_create(struct cli_call *x)
{
  const char *scope = cli_opt(x, "scope"), *name = cli_opt(x, "name");
  const char *exp = cli_opt(x, "expires"), *app = cli_opt(x, "app");
  char client_id[128], path[1024], what[300];
  int64_t secs = 0;
  if (!scope)
    return cli_usage_error(x, "--scope is required (e.g. 'repo:read,repo:write')");
  if (exp && (cli_duration(&secs, exp) != 0 || secs < 1))
    return cli_usage_error(x, "--expires takes a duration such as 3600, 90d or 52w");
  int rc = app ? (snprintf(client_id, sizeof(client_id), "%s", app), 0)
               : cli_app(client_id, sizeof(client_id), x);
  if (rc)
    return rc;
  if (client_pathf(path, sizeof(path), "/api/v1/organization/%s/applications/%s/tokens",
                   x->argv[0], client_id) != 0)
    return cli_usage_error(x, "name too long");
  json_t *body = json_pack("{s:s, s:s}", "name", name ? name : "cli", "scope", scope), *r = NULL;
  if (exp)
    json_object_set_new(body, "expiration", json_integer((json_int_t)secs));
  snprintf(what, sizeof(what), "token for %s", x->argv[0]);
  rc = client_call(&r, x->c, "POST", path, body, what);
  if (rc == 0 && x->json) {
    cli_print_json(r);
  } else if (rc == 0) {
    printf("Created API token '%s' (shown once; keep it safe).\n  token:   %s\n  uuid:    %s\n"
           "  scope:   %s\n  expires: %s\n", cli_str(r, "name"), cli_str(r, "token"),
           cli_str(r, "uuid"), cli_str(r, "scope"), cli_str(r, "expires_at"));
  }
  json_decref(body);
  json_decref(r);
  return rc;
}

/* Appends the tokens of every application of ORG to out, with "app". */
static int all_tokens(json_t *out, struct cli_call *x)
{
  json_t *resp = NULL, *apps = NULL, *app;
  size_t i;
  int rc = apps_get(&resp, &apps, x);
  json_array_foreach(apps, i, app) {
    char path[1024];
    json_t *tr = NULL, *t;
    size_t k;
    if (rc || client_pathf(path, sizeof(path), "/api/v1/organization/%s/applications/%s/tokens",
                           x->argv[0], cli_str(app, "client_id")) != 0)
      break;
    if ((rc = client_call(&tr, x->c, "GET", path, NULL, x->argv[0])) != 0)
      break;
    json_array_foreach(json_object_get(tr, "tokens"), k, t) {
      json_object_set_new(t, "app", json_string(cli_str(app, "name")));
      json_object_set_new(t, "client_id", json_string(cli_str(app, "client_id")));
      json_array_append(out, t);
    }
    json_decref(tr);
  }
  json_decref(resp);
  return rc;
}

static int token_list(struct cli_call *x)
{
  json_t *all = json_array();
  int rc = all_tokens(all, x);
  if (rc == 0 && x->json) {
    cli_print_json(all);
  } else if (rc == 0) {
    static const char *const h[] = { "UUID", "NAME", "APP", "SCOPE", "EXPIRES", "LAST USED" };
    struct cli_table *t = cli_table_new(6, h);
    size_t i;
    json_t *tk;
    json_array_foreach(all, i, tk) {
      const char *row[] = { cli_str(tk, "uuid"), cli_str(tk, "name"), cli_str(tk, "app"),
                            cli_str(tk, "scope"), cli_str(tk, "expires_at"),
                            json_is_string(json_object_get(tk, "last_accessed"))
                              ? cli_str(tk, "last_accessed") : "never" };
      if (t)
        cli_table_add(t, row);
    }
    cli_table_print(t, stdout);
  }
  json_decref(all);
  return rc;
}

static int token_revoke(struct cli_call *x)
{
  json_t *all = json_array(), *tk, *r = NULL;
  const char *client_id = NULL;
  size_t i;
  int rc = all_tokens(all, x);
  json_array_foreach(all, i, tk)
    if (strcmp(cli_str(tk, "uuid"), x->argv[1]) == 0)
      client_id = cli_str(tk, "client_id");
  if (rc == 0 && !client_id) {
    cli_error("no token %s in %s; 'wharf token list %s' shows the tokens", x->argv[1],
              x->argv[0], x->argv[0]);
    rc = CLI_EXIT_API;
  }
  char path[1024];
  if (rc == 0 && client_pathf(path, sizeof(path),
                              "/api/v1/organization/%s/applications/%s/tokens/%s", x->argv[0],
                              client_id, x->argv[1]) != 0)
    rc = cli_usage_error(x, "name too long");
  if (rc == 0)
    rc = client_call(&r, x->c, "DELETE", path, NULL, "token");
  if (rc == 0 && x->json) {
    json_t *j = json_pack("{s:s, s:b}", "uuid", x->argv[1], "revoked", 1);
    cli_print_json(j);
    json_decref(j);
  } else if (rc == 0) {
    printf("Revoked token %s; it stopped working.\n", x->argv[1]);
  }
  json_decref(r);
  json_decref(all);
  return rc;
}

static const struct cli_opt create_opts[] = {
  { "scope", "SCOPES", "comma-separated: repo:read repo:write repo:admin repo:create user:read "
                       "user:admin org:admin super:user" },
  { "name", "NAME", "a label for the token (default: cli)" },
  { "expires", "DURATION", "lifetime, e.g. 90d (default and most: ten years)" },
  { "app", "CLIENT_ID", "the organization application to mint under (default: wharf-cli)" },
  { "user", "NAME", "offline form: mint for user NAME in the store (see --help there)" },
  { NULL, NULL, NULL },
};

static const struct cli_sub token_subs[] = {
  { "create", "ORG", 1, 1, "mint an API token acting for you, capped by --scope",
    "The token is printed once. Offline form, without a server: 'wharf token create\n"
    "--user NAME --db URL' (run it with --user and --help for its options).\n",
    create_opts, token_create, 0 },
  { "list", "ORG", 1, 1, "list the API tokens of an organization's applications", NULL, NULL,
    token_list, 0 },
  { "revoke", "ORG UUID", 2, 2, "revoke an API token (it stops working at once)", NULL, NULL,
    token_revoke, 0 },
};

const struct cli_group cli_group_token = { "token", "API tokens.", token_subs,
                                           sizeof(token_subs) / sizeof(token_subs[0]) };

int cmd_token_api(int argc, char **argv)
{
  return cli_group_run(&cli_group_token, argc, argv);
}
