#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define WHARF_VERSION "0.1.0"

struct command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *help;
};

static const struct command commands[] = {
  { "serve", cmd_serve, "run the registry server" },
  { "robot", cmd_robot, "robot accounts: create, list, show, delete, regenerate, secret" },
  { "admin", cmd_admin, "operator commands (bootstrap)" },
  { "token", cmd_token, "API tokens: create, list, revoke" },
  { "routes", cmd_routes, "print the HTTP route table (Markdown, as in docs/api.md)" },
  { "login", cmd_login, "check and save a server URL and API token" },
  { "logout", cmd_logout, "forget the saved login" },
  { "org", cmd_org, "organizations: create, list, show" },
  { "repo", cmd_repo, "repositories: create, list, delete" },
  { "perm", cmd_perm, "repository permissions: set, list, rm" },
  { "team", cmd_team, "teams: create, list, members, delete, add, remove" },
  { "logs", cmd_logs, "audit log of an organization or repository (--follow)" },
  { "completion", cmd_completion, "print the bash completion script (completion bash)" },
};

const char *cli_command_name(size_t i)
{
  return i < sizeof(commands) / sizeof(commands[0]) ? commands[i].name : NULL;
}

void cli_error(const char *fmt, ...)
{
  va_list ap;
  fputs("wharf: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

static void usage(FILE *f)
{
  fprintf(f, "usage: wharf <command> [options]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
  fprintf(f, "  %-10s %s\n", "version", "print the version");
  fprintf(f, "\nRun 'wharf <command> --help' for a command's options.\n"
             "API commands: exit status 0 ok, 1 API error or not found, 2 usage, 3 cannot\n"
             "connect or credentials refused (docs/cli.md).\n");
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
    printf("wharf %s\n", WHARF_VERSION);
    return 0;
  }
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    if (strcmp(cmd, commands[i].name) == 0)
      return commands[i].fn(argc - 1, argv + 1);
  cli_error("unknown command '%s'; run 'wharf --help' for the list", cmd);
  return 2;
}
