#ifndef WHARF_CLI_OPTS_H
#define WHARF_CLI_OPTS_H

/* The messages every getopt_long loop of the offline subcommands gives
 * (cmd_admin.c, cmd_fsck.c, cmd_gc.c, cmd_migrate.c, cmd_token.c), so they
 * read the same everywhere. cmd names the subcommand as typed after
 * "wharf", e.g. "admin gc": the messages point at 'wharf CMD --help'. */

/* Reports the unknown or incomplete option getopt_long just rejected
 * (argv[optind - 1]); returns 2, the usage exit status. */
int cli_bad_option(const char *cmd, char **argv);
/* 0 when getopt_long consumed every argument, otherwise reports the first
 * one left (argv[optind]) and returns 2. */
int cli_extra_args(const char *cmd, int argc, char **argv);

#endif
