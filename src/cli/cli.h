#ifndef WHARF_CLI_CLI_H
#define WHARF_CLI_CLI_H

/* Subcommands: one cmd_*.c each, called with argv[0] = the subcommand name.
 * They return the process exit status and print errors on stderr as one line
 * that says what to do. */
int cmd_serve(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_admin(int argc, char **argv);
int cmd_robot(int argc, char **argv);
int cmd_token(int argc, char **argv);

#include <stddef.h>
/* The server key file: key_file if set, else wharf.key beside a SQLite
 * database named by db; -1 when neither applies or it does not fit. */
int cli_key_path(char *out, size_t len, const char *key_file, const char *db);
/* The --db URL with any password masked, for messages; returns out. */
const char *cli_db_shown(char *out, size_t len, const char *db);

/* Prints "wharf: <message>" on stderr (one line). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
