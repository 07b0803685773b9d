/* wharf robot secret ORG+NAME --format F [--namespace NS] [--json]: prints a
 * robot's credentials in the form a consumer needs, fetched from a running
 * server's API (GET .../robots/{name}/secret, docs/api.md) with WHARF_URL
 * and WHARF_TOKEN. The file itself goes to stdout so it pipes straight into
 * `kubectl apply -f -` or a file; CI snippets never contain the token (the
 * note on stderr names the CI secret to create, and --json carries it).
 *
 * Exit status: 0 done, 1 server or network error, 2 usage, 3 the server
 * refused the credentials (401/403). */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/err.h"

#define RESPONSE_MAX ((size_t)1 << 20)
#define EXIT_SERVER 1
#define EXIT_USAGE 2
#define EXIT_AUTH 3

struct secret_opts {
  const char *robot, *format, *ns;
  int as_json;
};

static void secret_usage(FILE *f)
{
  fprintf(f,
          "usage: wharf robot secret ORG+NAME --format FORMAT [--namespace NS] [--json]\n\n"
          "Prints robot ORG+NAME's credentials as FORMAT:\n"
          "  kubernetes    a Secret of type kubernetes.io/dockerconfigjson (kubectl apply -f -)\n"
          "  dockerconfig  a docker/podman config.json (REGISTRY_AUTH_FILE)\n"
          "  env           WHARF_REGISTRY / WHARF_USERNAME / WHARF_PASSWORD lines\n"
          "  gitlab, github, jenkins  a login step reading the token from the CI secret store\n"
          "--namespace sets the Secret's namespace; --json prints the server's whole answer\n"
          "(with the token for CI formats). Talks to $WHARF_URL with $WHARF_TOKEN, an API\n"
          "token of an admin of ORG (scope org:admin). Exit status: 0 done, 1 server or\n"
          "network error, 2 usage, 3 credentials refused.\n");
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
  struct buf *b = ctx;
  if (n && size > SIZE_MAX / n)
    return 0;
  return buf_append(b, data, size * n) == 0 ? size * n : 0;
}

/* GET base+path with the bearer token into *body; *status is the HTTP code.
 * Returns 0, or prints the error and returns an exit status. */
static int http_get(long *status, struct buf *body, const char *base, const char *path,
                    const char *token)
{
  CURL *c = curl_easy_init();
  struct curl_slist *h = NULL;
  char *url = malloc(strlen(base) + strlen(path) + 1);
  char *auth = malloc(strlen(token) + 32);
  int rc = EXIT_SERVER;
  if (!c || !url || !auth) {
    cli_error("out of memory");
    goto out;
  }
  size_t bl = strlen(base);
  while (bl && base[bl - 1] == '/')
    bl--;
  sprintf(url, "%.*s%s", (int)bl, base, path);
  sprintf(auth, "Authorization: Bearer %s", token);
  h = curl_slist_append(NULL, auth);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  CURLcode cc = curl_easy_perform(c);
  if (cc != CURLE_OK) {
    cli_error("cannot reach WHARF_URL %s (%s); check the address and that 'wharf serve' "
              "runs there", base, curl_easy_strerror(cc));
    goto out;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
  rc = 0;
out:
  curl_slist_free_all(h);
  if (auth) {
    memset(auth, 0, strlen(auth));
    free(auth);
  }
  free(url);
  if (c)
    curl_easy_cleanup(c);
  return rc;
}

/* The server's error text ("error_message" or "message"), or NULL. */
static const char *server_message(json_t *j)
{
  const char *m = json_string_value(json_object_get(j, "error_message"));
  return m ? m : json_string_value(json_object_get(j, "message"));
}

/* Prints the answer (status 200) or an error; returns the exit status. */
static int secret_print(const struct secret_opts *o, long status, const struct buf *body,
                        const char *org)
{
  json_error_t je;
  json_t *j = json_loadb(body->data ? body->data : "", body->len, 0, &je);
  int rc = EXIT_SERVER;
  if (status == 401)
    cli_error("the server refused WHARF_TOKEN (401): export WHARF_TOKEN=<an API token> "
              "('wharf token create --user NAME' makes one)"), rc = EXIT_AUTH;
  else if (status == 403)
    cli_error("WHARF_TOKEN may not read the tokens of %s's robots (403): use the token of "
              "an admin of %s with scope org:admin", org, org), rc = EXIT_AUTH;
  else if (status == 404)
    cli_error("no organization or user '%s' on this server (404): check the name before "
              "the '+'", org);
  else if (status != 200 || !json_is_object(j))
    cli_error("the server answered %ld: %s", status,
              server_message(j) ? server_message(j) : "unexpected response");
  else if (o->as_json) {
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (s)
      puts(s), rc = 0;
    free(s);
  } else {
    const char *content = json_string_value(json_object_get(j, "content"));
    const char *secret = json_string_value(json_object_get(j, "secret_name"));
    if (content) {
      fputs(content, stdout);
      rc = 0;
    }
    if (secret)
      fprintf(stderr, "wharf: store the robot token in your CI system as the secret '%s' "
              "(print it with: wharf robot secret %s --format env)\n", secret, o->robot);
  }
  json_decref(j);
  return rc;
}

/* Whether the token's user is named `name` (GET /api/v1/user/). */
static int caller_is(const char *base, const char *token, const char *name)
{
  struct buf b = BUF_INIT(RESPONSE_MAX);
  long status = 0;
  int same = 0;
  if (http_get(&status, &b, base, "/api/v1/user/", token) == 0 && status == 200) {
    json_t *j = json_loadb(b.data ? b.data : "", b.len, 0, NULL);
    const char *user = json_string_value(json_object_get(j, "username"));
    same = user && strcmp(user, name) == 0;
    json_decref(j);
  }
  buf_free(&b);
  return same;
}

static int secret_run(const struct secret_opts *o)
{
  const char *base = getenv("WHARF_URL"), *token = getenv("WHARF_TOKEN");
  const char *plus = strchr(o->robot, '+');
  if (!plus || plus == o->robot || !plus[1] || strchr(plus + 1, '+') || strchr(o->robot, '/')) {
    cli_error("robot '%s' is not ORG+NAME (e.g. acme+ci_bot)", o->robot);
    return EXIT_USAGE;
  }
  if (!base || !*base || !token || !*token) {
    cli_error("set WHARF_URL to the registry (e.g. http://localhost:5000) and WHARF_TOKEN to "
              "an API token of an org admin ('wharf token create' makes one)");
    return EXIT_USAGE;
  }
  char org[256], path[1024];
  if ((size_t)(plus - o->robot) >= sizeof(org)) {
    cli_error("organization name too long");
    return EXIT_USAGE;
  }
  snprintf(org, sizeof(org), "%.*s", (int)(plus - o->robot), o->robot);
  CURL *c = curl_easy_init();
  char *e_org = c ? curl_easy_escape(c, org, 0) : NULL;
  char *e_name = c ? curl_easy_escape(c, plus + 1, 0) : NULL;
  char *e_fmt = c ? curl_easy_escape(c, o->format, 0) : NULL;
  char *e_ns = c && o->ns ? curl_easy_escape(c, o->ns, 0) : NULL;
  int rc = EXIT_SERVER;
  struct buf body = BUF_INIT(RESPONSE_MAX);
  long status = 0;
  if (!e_org || !e_name || !e_fmt || (o->ns && !e_ns)) {
    cli_error("out of memory");
    goto out;
  }
  int n = snprintf(path, sizeof(path), "/api/v1/organization/%s/robots/%s/secret?format=%s%s%s",
                   e_org, e_name, e_fmt, e_ns ? "&namespace=" : "", e_ns ? e_ns : "");
  if (n < 0 || (size_t)n >= sizeof(path)) {
    cli_error("robot name too long");
    rc = EXIT_USAGE;
    goto out;
  }
  rc = http_get(&status, &body, base, path, token);
  if (!rc && (status == 404 || status == 403) && caller_is(base, token, org)) {
    /* ORG is the caller's own user namespace: its robots live under user/robots */
    buf_free(&body);
    body = (struct buf)BUF_INIT(RESPONSE_MAX);
    snprintf(path, sizeof(path), "/api/v1/user/robots/%s/secret?format=%s%s%s", e_name, e_fmt,
             e_ns ? "&namespace=" : "", e_ns ? e_ns : "");
    rc = http_get(&status, &body, base, path, token);
  }
  if (!rc)
    rc = secret_print(o, status, &body, org);
out:
  curl_free(e_org);
  curl_free(e_name);
  curl_free(e_fmt);
  curl_free(e_ns);
  if (c)
    curl_easy_cleanup(c);
  if (body.data)
    memset(body.data, 0, body.len);
  buf_free(&body);
  return rc;
}

static int cmd_robot_secret(int argc, char **argv)
{
  static const struct option longopts[] = {
    { "format", required_argument, NULL, 'f' },
    { "namespace", required_argument, NULL, 'n' },
    { "json", no_argument, NULL, 'j' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct secret_opts o = { 0 };
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "f:n:jh", longopts, NULL)) != -1) {
    switch (ch) {
    case 'f': o.format = optarg; break;
    case 'n': o.ns = optarg; break;
    case 'j': o.as_json = 1; break;
    case 'h': secret_usage(stdout); return 0;
    default: secret_usage(stderr); return EXIT_USAGE;
    }
  }
  if (optind != argc - 1 || !o.format) {
    cli_error("%s; run 'wharf robot secret --help'",
              optind != argc - 1 ? "give exactly one robot as ORG+NAME"
                                 : "--format is required (kubernetes, dockerconfig, env, "
                                   "gitlab, github or jenkins)");
    return EXIT_USAGE;
  }
  o.robot = argv[optind];
  return secret_run(&o);
}

int cmd_robot(int argc, char **argv)
{
  if (argc >= 2 && strcmp(argv[1], "secret") == 0)
    return cmd_robot_secret(argc - 1, argv + 1);
  /* create/list/show/delete/regenerate, the help and unknown names */
  return cmd_robot_api(argc, argv);
}
