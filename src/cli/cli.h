#ifndef WHARF_CLI_CLI_H
#define WHARF_CLI_CLI_H

/* Subcommands: one cmd_*.c each, called with argv[0] = the subcommand name.
 * They return the process exit status and print errors on stderr as one line
 * that says what to do. */
int cmd_serve(int argc, char **argv);
int cmd_routes(int argc, char **argv);

/* Prints "wharf: <message>" on stderr (one line). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
