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
/* wharf admin fsck / gc (cmd_fsck.c, cmd_gc.c). */
int cmd_fsck(int argc, char **argv);
int cmd_gc(int argc, char **argv);
/* API client commands (apicmd.h): login/logout (cmd_login.c), org, repo,
 * perm, team, logs, completion; cmd_robot_api runs the robot commands other
 * than `secret`; cmd_token_api the API forms of `token`. */
int cmd_login(int argc, char **argv);
int cmd_logout(int argc, char **argv);
int cmd_org(int argc, char **argv);
int cmd_repo(int argc, char **argv);
int cmd_perm(int argc, char **argv);
int cmd_team(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_robot_api(int argc, char **argv);
int cmd_token_api(int argc, char **argv);
/* wharf admin migrate (cmd_migrate.c), argv[0] = "migrate". */
int cmd_migrate(int argc, char **argv);

#include <stddef.h>
/* The server key file: key_file if set, else wharf.key beside a SQLite
 * database named by db; -1 when neither applies or it does not fit. */
int cli_key_path(char *out, size_t len, const char *key_file, const char *db);
/* The --db URL with any password masked, for messages; returns out. */
const char *cli_db_shown(char *out, size_t len, const char *db);

/* Name of the i-th top-level command of main.c's table, NULL past the end. */
const char *cli_command_name(size_t i);

/* Prints "wharf: <message>" on stderr (one line). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
