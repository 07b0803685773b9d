/* wharf login / logout: keep a server URL and API token in the credentials
 * file (client.h) so the other API commands need neither flags nor
 * environment. The token is checked with GET /api/v1/user/ before it is saved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/apicmd.h"
#include "cli/cli.h"

#define LINE_MAX_TOKEN 4096

/* Reads one line (the token) from stdin, without echo on a terminal. */
static int read_token(char *out, size_t len)
{
  int tty = isatty(STDIN_FILENO);
  struct termios old, quiet;
  if (tty && tcgetattr(STDIN_FILENO, &old) == 0) {
    fprintf(stderr, "API token: ");
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  } else {
    tty = 0;
  }
  char *got = fgets(out, (int)len, stdin);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
  }
  if (!got)
    return -1;
  out[strcspn(out, "\r\n")] = '\0';
  return *out ? 0 : -1;
}

static int login(struct cli_call *x)
{
  char token[LINE_MAX_TOKEN];
  struct client *c = NULL;
  json_t *me = NULL;
  int rc;
  token[0] = '\0';
  if (cli_opt(x, "token-stdin") || (!x->co.token && !getenv("WHARF_TOKEN"))) {
    if (read_token(token, sizeof(token)) != 0) {
      cli_error("no token on stdin; pipe an API token in ('wharf token create' makes one)");
      rc = CLI_EXIT_USAGE;
      goto out;
    }
    x->co.token = token;
  }
  if ((rc = client_open(&c, &x->co)) != 0)
    goto out;
  if ((rc = client_call(&me, c, "GET", "/api/v1/user/", NULL, "login")) != 0)
    goto out;
  const char *user = json_string_value(json_object_get(me, "username"));
  const char *tok = x->co.token ? x->co.token : getenv("WHARF_TOKEN");
  if ((rc = client_credentials_save(client_url(c), tok)) != 0)
    goto out;
  char path[4096];
  client_credentials_path(path, sizeof(path));
  if (x->json) {
    json_t *j = json_pack("{s:s, s:s?, s:s}", "url", client_url(c), "username", user,
                          "credentials", path);
    cli_print_json(j);
    json_decref(j);
  } else {
    printf("Logged in to %s as %s; saved in %s (mode 0600).\n", client_url(c),
           user ? user : "?", path);
  }
out:
  OPENSSL_cleanse(token, sizeof(token));
  json_decref(me);
  client_free(c);
  return rc;
}

static int logout(struct cli_call *x)
{
  int removed = 0, rc = client_credentials_remove(&removed);
  char path[4096];
  if (rc)
    return rc;
  if (client_credentials_path(path, sizeof(path)) != 0)
    snprintf(path, sizeof(path), "(no credentials file)");
  if (x->json) {
    json_t *j = json_pack("{s:b, s:s}", "removed", removed, "credentials", path);
    cli_print_json(j);
    json_decref(j);
  } else {
    printf(removed ? "Removed %s.\n" : "Not logged in (no %s).\n", path);
  }
  return 0;
}

static const struct cli_opt login_opts[] = {
  { "token-stdin", NULL, "read the token from stdin (also the default without --token)" },
  { NULL, NULL, NULL },
};

static const struct cli_sub login_sub[] = {
  { "", "", 0, 0, "Checks an API token against the server and saves URL and token.",
    "The token is read from --token, else $WHARF_TOKEN, else stdin (prompted\n"
    "without echo on a terminal); prefer --token-stdin, which keeps it out of the\n"
    "process list and shell history. It is verified with GET /api/v1/user/, then\n"
    "saved with the URL in $XDG_CONFIG_HOME/wharf/credentials (default\n"
    "~/.config/wharf/credentials), mode 0600 in a 0700 directory. Later commands\n"
    "use it when neither --url/--token nor WHARF_URL/WHARF_TOKEN say otherwise.\n",
    login_opts, login, 1 },
};

static const struct cli_sub logout_sub[] = {
  { "", "", 0, 0, "Removes the saved credentials file.", NULL, NULL, logout, 1 },
};

const struct cli_group cli_group_login = { "login", "Saves a server URL and API token.",
                                           login_sub, 1 };
const struct cli_group cli_group_logout = { "logout", "Forgets the saved login.", logout_sub, 1 };

int cmd_login(int argc, char **argv)
{
  return cli_group_run(&cli_group_login, argc, argv);
}

int cmd_logout(int argc, char **argv)
{
  return cli_group_run(&cli_group_logout, argc, argv);
}
