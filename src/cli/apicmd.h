#ifndef WHARF_CLI_APICMD_H
#define WHARF_CLI_APICMD_H

/* The table behind every command that talks to the API: each group
 * (`org`, `repo`, …) is a list of subcommands with their arguments and
 * options. One parser, one --help layout and the bash completion script all
 * come from these tables, so they cannot drift apart. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "cli/client.h"

#define CLI_OPTS_MAX 16

/* An option of a subcommand besides the common --url/--token/--json/--help. */
struct cli_opt {
  const char *name;   /* long name without "--" */
  const char *arg;    /* placeholder of its value (e.g. "ROLE"); NULL: a flag */
  const char *help;   /* one line */
};

struct cli_call;

/* One subcommand: `wharf GROUP NAME ARGS [options]`. */
struct cli_sub {
  const char *name;
  const char *args;             /* synopsis of the positional arguments, "" if none */
  int min_args, max_args;
  const char *help;             /* one line for the group's list */
  const char *details;          /* more text for --help, or NULL */
  const struct cli_opt *opts;   /* terminated by { NULL }; NULL: none */
  int (*fn)(struct cli_call *x);
  int no_client;                /* 1: fn opens no client (runs offline or on its own) */
};

/* A command with subcommands. */
struct cli_group {
  const char *name;
  const char *help;
  const struct cli_sub *subs;
  size_t n;
};

/* One parsed invocation, handed to cli_sub.fn. */
struct cli_call {
  const struct cli_group *group;
  const struct cli_sub *sub;
  struct client *c;             /* open unless sub->no_client */
  struct client_opts co;        /* --url / --token as given */
  int json;                     /* --json */
  int argc;                     /* positional arguments */
  char **argv;
  const char *val[CLI_OPTS_MAX];/* sub option values by index (flags: "1"); NULL: absent */
};

/* Runs `wharf GROUP …` (argv[0] = group name): parses, opens the client,
 * calls the subcommand; returns the exit status (CLI_EXIT_*). */
int cli_group_run(const struct cli_group *g, int argc, char **argv);
/* The value of option `name` of x's subcommand, or NULL when not given. */
const char *cli_opt(const struct cli_call *x, const char *name);
/* Prints a usage error naming the command's --help; returns CLI_EXIT_USAGE. */
int cli_usage_error(const struct cli_call *x, const char *what);
/* Prints j indented on stdout (for --json). */
void cli_print_json(const json_t *j);
/* json string value of key, or "-" when absent, null or not a string. */
const char *cli_str(const json_t *j, const char *key);

/* Parses a duration: seconds, or a number with s, m, h, d or w; -1 if bad. */
int cli_duration(int64_t *out, const char *s);
/* The API path of robot NS+NAME into out[len]: organization/NS/robots/NAME
 * when NS is an org, user/robots/NAME when NS is the caller. Prints the
 * problem and returns an exit status otherwise. */
int cli_robot_path(char *out, size_t len, struct cli_call *x, const char *robot);
/* GET the robots of namespace ns (organization or the caller's user) with
 * query appended ("?token=false..."); *out is the response, the caller's
 * to json_decref. Prints the problem and returns an exit status otherwise. */
int cli_robots_get(json_t **out, struct cli_call *x, const char *ns, const char *query);
/* Copies resp's next_page token into next[len] and returns 1 when there is
 * a further page (a token too long for next ends the paging: 0). */
int cli_next_page(char *next, size_t len, const json_t *resp);

/* The groups, for completion and the top-level help (NULL-terminated). */
extern const struct cli_group *const cli_groups[];

/* An aligned text table for people: collect rows, then print them. */
struct cli_table;
/* A table with ncols columns titled by headers (copied). NULL on no memory. */
struct cli_table *cli_table_new(size_t ncols, const char *const *headers);
/* Adds a row of ncols cells (NULL shows as "-"); -1 on no memory. */
int cli_table_add(struct cli_table *t, const char *const *cells);
/* Prints the table on f (or "(none)" when it has no rows) and frees it. */
void cli_table_print(struct cli_table *t, FILE *f);

#endif
