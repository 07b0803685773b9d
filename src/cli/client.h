#ifndef WHARF_CLI_CLIENT_H
#define WHARF_CLI_CLIENT_H

/* The API client behind the commands that talk to a running wharf
 * (`wharf org`, `repo`, `robot`, `perm`, `team`, `logs`, `token`, `login`).
 *
 * The base URL and token come from, in order: the option struct (--url /
 * --token), $WHARF_URL / $WHARF_TOKEN, then the credentials file written by
 * `wharf login` ($XDG_CONFIG_HOME/wharf/credentials, else
 * ~/.config/wharf/credentials; mode 0600). A token from the file is used only
 * with the URL it was saved for, so it is never sent to another server.
 *
 * Every function that fails prints one line on stderr saying what to do and
 * returns the process exit status (CLI_EXIT_*), so a command can
 * `return rc;` as soon as rc != 0. */

#include <stddef.h>

#include <jansson.h>

/* Exit statuses shared by every API command (documented in docs/cli.md). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_API 1     /* the server refused or failed the request; not found */
#define CLI_EXIT_USAGE 2   /* bad command line */
#define CLI_EXIT_AUTH 3    /* cannot connect, no credentials, or credentials refused */

/* Cap on a response body the client reads. */
#define CLIENT_RESPONSE_MAX ((size_t)8 << 20)

struct client;

struct client_opts {
  const char *url;    /* --url; NULL: $WHARF_URL, then the credentials file */
  const char *token;  /* --token; NULL: $WHARF_TOKEN, then the credentials file */
  int no_token;       /* 1: a token is not required (login checks its own) */
};
#define CLIENT_OPTS_INIT { NULL, NULL, 0 }

/* Opens a client for *o; prints what to do and returns CLI_EXIT_AUTH when no
 * URL or token can be found. Free *out with client_free. */
int client_open(struct client **out, const struct client_opts *o);
/* Frees c (wiping the token it held); NULL is fine. */
void client_free(struct client *c);
/* The base URL in use (no trailing slash); owned by c. */
const char *client_url(const struct client *c);

/* Sends METHOD base+path with the bearer token and `body` (NULL: none) as
 * JSON. On an answer of any status returns 0, sets *status and *json (the
 * parsed body, NULL when empty or not JSON; caller decrefs). When the server
 * cannot be reached prints what to do and returns CLI_EXIT_AUTH. */
int client_request(long *status, json_t **json, struct client *c, const char *method,
                   const char *path, const json_t *body);

/* client_request, but any status outside 200..299 is an error: prints one
 * line naming `what` (e.g. "repository acme/app"; may be NULL) with the
 * server's message and the next step, and returns CLI_EXIT_API or
 * CLI_EXIT_AUTH. On success *json is the body (may be NULL; caller decrefs). */
int client_call(json_t **json, struct client *c, const char *method, const char *path,
                const json_t *body, const char *what);

/* Prints the one-line error for an answer with `status` and body `json`
 * (see client_call) and returns the exit status for it. */
int client_fail(long status, const json_t *json, const char *what);

/* The server's message in a Quay/OCI error body ("detail", "error_message",
 * "message", errors[0].message), or NULL; borrowed from json. */
const char *client_error_text(const json_t *json);

/* Formats a request path into out[len]: fmt is literal text with "%s"
 * (argument percent-encoded as one path segment or query value) and "%r"
 * (a repository "ns/name": '/' kept). Returns 0, or -1 when it does not fit
 * or fmt has another directive. */
int client_pathf(char *out, size_t len, const char *fmt, ...);

/* Path of the credentials file into out[len]; -1 when no home is known. */
int client_credentials_path(char *out, size_t len);
/* Writes url and token to the credentials file (dir 0700, file 0600,
 * replaced atomically); prints the problem and returns CLI_EXIT_API on
 * failure. */
int client_credentials_save(const char *url, const char *token);
/* Removes the credentials file; sets *removed to whether one existed. */
int client_credentials_remove(int *removed);

#endif
